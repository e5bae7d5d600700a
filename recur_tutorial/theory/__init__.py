"""Exact constructions (automata, the Fibonacci example, networks whose weights are set by hand) and
the numerical probe of a model's recurrence (:mod:`.probe`, Chapter 4)."""

from . import automata, dfa_rnn, dfa_transformer, fibonacci

__all__ = ["automata", "dfa_rnn", "dfa_transformer", "fibonacci"]
