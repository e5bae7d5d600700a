"""The book's figures, drawn with seaborn in one style (:func:`use_book_style`)."""

from .cost import cost
from .internals import attention_map, eigenvalue_figure, eigenvalue_panel, rnn_hidden_states
from .scores import accuracy_vs_length, depth_against_length, score_heatmap
from .style import PALETTE, use_book_style

__all__ = [
    "PALETTE", "accuracy_vs_length", "attention_map", "cost", "depth_against_length", "eigenvalue_figure",
    "eigenvalue_panel", "rnn_hidden_states", "score_heatmap", "use_book_style",
]
