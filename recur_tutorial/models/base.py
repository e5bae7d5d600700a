"""What every sequence model in the zoo promises."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..errors import check


class SequenceModel(nn.Module):
    """Token ids B × T in, logits B × T × V_out out (one prediction per position).

    ``causal`` says whether the output at position t depends on tokens ≤ t only; layouts that score
    every prefix (tagging, language modelling) require it.

    Causal models also run one token at a time: ``state = initial_state(B, device)``, then
    ``logits, state = step(token, state)`` for each column of tokens. The default below keeps the
    tokens read so far as its state and re-reads them every step (correct for any causal model, and
    slow); models with a real recurrent state or a KV cache override both methods, and stepping
    through a sequence must give the same logits as ``forward``.
    """

    causal: bool = True
    LAW: str | tuple[str, str] | None = None
    """What the theory says the state transition is, written next to it (the mixer's ``LAW``): one
    text, or two, without and with ``negative_eigenvalues``; None where the zoo does not state it."""

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def logits_from(self, tokens: torch.Tensor, first: int) -> torch.Tensor:
        """Logits B × T × V_out of which only positions ≥ ``first`` are read (a layout that scores
        nothing before ``first``): those are ``forward``'s, the others may be anything. This default
        computes every position; a model that can leave the unread ones out overrides it."""
        return self(tokens)

    def initial_state(self, batch_size: int, device: torch.device | str = "cpu") -> Any:
        return torch.zeros(batch_size, 0, dtype=torch.long, device=device)

    def step(self, token: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """Read one token per sequence (shape B); return its logits (B × V_out) and the new state."""
        if not self.causal:
            raise ValueError(f"{type(self).__name__} was built with causal=False and cannot step")
        prefix = torch.cat([state, token[:, None]], 1)
        return self.forward(prefix)[:, -1], prefix

    def run_steps(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits at every position (B × T × V_out), stepping through ``tokens`` from the initial
        state: the forward pass of models that exist only as a recurrence."""
        state, logits = self.initial_state(tokens.shape[0], tokens.device), []
        for token in tokens.unbind(1):
            out, state = self.step(token, state)
            logits.append(out)
        return torch.stack(logits, 1)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def check_model_and_layout(model, layout) -> None:
    """Refuse a model that is not a :class:`SequenceModel`, a layout that is not one, or a pair whose
    sizes disagree: input tokens the model does not embed, or output symbols its read-out does not
    write (a model built for another task)."""
    check(isinstance(model, SequenceModel), f"model must be a SequenceModel (models.build(...)), got "
                                            f"{type(model).__name__}")
    check(all(hasattr(layout, name) for name in ("batch", "in_vocab", "out_vocab")),
          f"layout must be a task layout (tasks.get_layout(...)), got {type(layout).__name__}")
    sizes = {"input tokens": (getattr(model, "embed", None), "num_embeddings", layout.in_vocab),
             "output symbols": (getattr(model, "head", None), "out_features", layout.out_vocab)}
    task = getattr(getattr(layout, "task", None), "name", "this task")
    for what, (module, size, needed) in sizes.items():
        if isinstance(module, (nn.Embedding, nn.Linear)):
            check(getattr(module, size) == needed,
                  f"the model has {getattr(module, size)} {what} but the layout of {task!r} has {needed}: "
                  f"build the model for this layout (models.build(name, layout))")
