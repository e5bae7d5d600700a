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


@torch.no_grad()
def greedy_generate(model, layout: CausalLM, batch_size: int, length: int, generator: torch.Generator,
                    device: torch.device | str | None = None) -> Generated:
    """Draw ``batch_size`` sequences of input length ℓ and let ``model`` write their traces and answers."""
    truth = layout.sequences(batch_size, length, generator)
    device = device if device is not None else next(model.parameters()).device
    model.eval()
    written = truth.written.tolist()
    predicted = truth.tokens.clone().to(device)
    state = model.initial_state(batch_size, device)
    for t in range(predicted.shape[1] - 1):
        logits, state = model.step(predicted[:, t], state)
        if written[t + 1]:
            predicted[:, t + 1] = logits.argmax(-1)
    return Generated(truth, predicted.cpu())


def greedy_answer_accuracy(model, layout: CausalLM, batch_size: int, length: int, generator: torch.Generator,
                           device: torch.device | str | None = None) -> float:
    """Mean over ``batch_size`` fresh sequences of input length ℓ of the per-token answer accuracy
    when the model generates greedily from its own trace (what :func:`recur_tutorial.evaluate`
    should report for a causal_lm layout)."""
    return float(greedy_generate(model, layout, batch_size, length, generator, device).answer_accuracy.mean())
