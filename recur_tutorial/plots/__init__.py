"""The book's figures, drawn with seaborn in one style (:func:`use_book_style`): sized for the page,
colour-blind-safe, with one convention for the training boundary and chance (:func:`mark_references`)."""

from .cost import cost, training_cost
from .internals import attention_map, eigenvalue_figure, eigenvalue_panel, rnn_hidden_states
from .scores import (accuracy_at_every_length, accuracy_by_group, accuracy_vs_length, depth_against_length,
                     score_heatmap, training_curves)
from .style import (HEATMAP, PALETTE, SERIES_COLOURS, legend_below, mark_references, panels, series_styles,
                    smallest_text_px, use_book_style)

__all__ = [
    "HEATMAP", "PALETTE", "SERIES_COLOURS", "accuracy_at_every_length", "accuracy_by_group", "accuracy_vs_length",
    "attention_map", "cost", "depth_against_length", "eigenvalue_figure", "eigenvalue_panel", "legend_below",
    "mark_references", "panels", "rnn_hidden_states", "score_heatmap", "series_styles", "smallest_text_px",
    "training_cost", "training_curves", "use_book_style",
]
