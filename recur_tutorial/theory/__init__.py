"""Exact constructions: automata, the Fibonacci example, and networks whose weights are set by hand."""

from . import automata, dfa_rnn, dfa_transformer, fibonacci

__all__ = ["automata", "dfa_rnn", "dfa_transformer", "fibonacci"]
