"""The book's figures, drawn with seaborn in one style (:func:`use_book_style`)."""

from .cost import cost, training_cost
from .internals import attention_map, eigenvalue_figure, eigenvalue_panel, rnn_hidden_states
from .scores import (accuracy_at_every_length, accuracy_by_group, accuracy_vs_length, depth_against_length,
                     score_heatmap, training_curves)
from .style import PALETTE, use_book_style

__all__ = [
    "PALETTE", "accuracy_at_every_length", "accuracy_by_group", "accuracy_vs_length", "attention_map", "cost",
    "depth_against_length", "eigenvalue_figure", "eigenvalue_panel", "rnn_hidden_states", "score_heatmap",
    "training_cost", "training_curves", "use_book_style",
]
