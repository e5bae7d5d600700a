"""Greedy generation for the causal language-model layout, and its accuracy.

The given tokens (BOS, the true input symbols, the separators) are fed as they are; at every
column that the model writes (trace and answer, ``Sequences.written``) the model's own argmax
from the previous step is fed back instead of the truth, one token at a time through
``model.initial_state`` / ``model.step``. Accuracy is per-token on the answer (up to and
including the first ``$``), averaged over sequences, as in :mod:`recur_tutorial.evaluation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .causal_lm import CausalLM, Sequences


@dataclass
class Generated:
    """The true sequences and the ones the model wrote (B × T, the given columns copied)."""

    truth: Sequences
    predicted: torch.Tensor

    def accuracy(self, where: torch.Tensor) -> torch.Tensor:
        """Per sequence: the fraction of the flagged tokens written right (shape B)."""
        right = (self.predicted == self.truth.tokens) & where
        return right.sum(1) / where.sum(1).clamp(min=1)

    @property
    def answer_accuracy(self) -> torch.Tensor:
        return self.accuracy(self.truth.answer)

    @property
    def trace_accuracy(self) -> torch.Tensor:
        """Per sequence, on the trace tokens (0 when there is no trace)."""
        return self.accuracy(self.truth.trace.expand_as(self.predicted))


TEACHER_FORCED_BUDGET = 2**24
"""Rough cap on B·T² of one teacher-forced pass (the sequences are checked in parts within it)."""


@torch.no_grad()
def greedy_generate(model, layout: CausalLM, batch_size: int, length: int, generator: torch.Generator,
                    device: torch.device | str | None = None, shortcut: bool = True) -> Generated:
    """Draw ``batch_size`` sequences of input length ℓ and let ``model`` write their traces and answers.

    Greedy generation writes the true sequence exactly when, fed the true sequence, the model's
    argmax is the true token at every written column (by induction over the columns: each written
    token is then the one that was fed). So with ``shortcut`` one teacher-forced pass over all
    sequences settles those, and only the sequences on which it errs somewhere are generated one
    token at a time, from the start; without it (to time generation itself) every sequence is.
    """
    truth = layout.sequences(batch_size, length, generator)
    device = device if device is not None else next(model.parameters()).device
    model.eval()
    tokens = truth.tokens.to(device)
    if not shortcut:
        return Generated(truth, _step_by_step(model, tokens, truth.written.tolist(), device).cpu())
    written = truth.written.to(device)
    part = max(1, TEACHER_FORCED_BUDGET // tokens.shape[1] ** 2)
    forced = torch.cat([model(chunk[:, :-1]).argmax(-1) for chunk in tokens.split(part)])
    wrong = ((forced != tokens[:, 1:]) & written[1:]).any(1).nonzero().flatten()
    predicted = tokens.clone()
    if len(wrong):
        predicted[wrong] = _step_by_step(model, tokens[wrong], truth.written.tolist(), device)
    return Generated(truth, predicted.cpu())


def _step_by_step(model, tokens: torch.Tensor, written: list[bool], device) -> torch.Tensor:
    """Greedy generation through ``model.step``: the given columns fed as they are, the written
    ones replaced by the model's argmax at the step before."""
    predicted = tokens.clone()
    state = model.initial_state(len(tokens), device)
    for t in range(predicted.shape[1] - 1):
        logits, state = model.step(predicted[:, t], state)
        if written[t + 1]:
            predicted[:, t + 1] = logits.argmax(-1)
    return predicted


def greedy_answer_accuracy(model, layout: CausalLM, batch_size: int, length: int, generator: torch.Generator,
                           device: torch.device | str | None = None) -> float:
    """Mean over ``batch_size`` fresh sequences of input length ℓ of the per-token answer accuracy
    when the model generates greedily from its own trace (what :func:`recur_tutorial.evaluate`
    should report for a causal_lm layout)."""
    return float(greedy_generate(model, layout, batch_size, length, generator, device).answer_accuracy.mean())
