"""The causal language-model layout: one sequence of input, optional trace and answer tokens.

    no trace            BOS x₁ … xₙ SEP y₁ … y_k
    interleaved trace   BOS x₁ s₁ x₂ s₂ … xₙ sₙ SEP y₁ … y_k
    trace after input   BOS x₁ … xₙ SEP s₁ … s_m SEP y₁ … y_k

All tokens share one vocabulary: ``<bos>``, ``<sep>``, then ``x:``-, ``s:``- and ``y:``-prefixed
copies of the input symbols, the trace tokens and the output symbols. The model predicts the next
token at every position; the targets are the next token where that token is a trace token (when
``score_trace``) or an answer token (up to and including the first ``$``), ``IGNORE`` elsewhere.
At test time BOS, x and SEP are given and the model writes s and y itself (see
:mod:`.generation`). Only the interleaved form generalised in the book's prototypes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import check, check_choice
from .base import Task
from .layouts import IGNORE, LAYOUTS, Batch, Layout, mask_after_end
from .traces import KINDS, get_trace

BOS, SEP = 0, 1


@dataclass
class Sequences:
    """Full sequences (B × T) and what each column holds.

    ``written``: the columns a model writes at test time (trace and answer; shape T);
    ``trace``: the trace columns (shape T); ``scored``: the tokens the loss reads; ``answer``: the
    answer tokens up to the first ``$`` (both B × T).
    """

    tokens: torch.Tensor
    written: torch.Tensor
    trace: torch.Tensor
    scored: torch.Tensor
    answer: torch.Tensor


@LAYOUTS.register("causal_lm")
class CausalLM(Layout):
    """Next-token prediction over input, optional chain-of-thought trace, and answer.

    ``trace``: None, ``"full"``, ``"partial"`` or ``"scratchpad"`` (see :mod:`.traces`; a task
    offers some of them). ``interleave``: write s_t right after x_t (needs a trace with one token
    per input symbol) or the whole trace after a separator. ``score_trace``: train on the trace
    tokens too (default) or only on the answer.
    """

    name = "causal_lm"
    causal_only = True

    def __init__(self, task: Task, trace: str | None = None, interleave: bool = True, score_trace: bool = True) -> None:
        super().__init__(task)
        check_choice("trace", trace, (None, *KINDS))
        self.trace = None if trace is None else get_trace(task, trace)
        self.interleave = interleave and self.trace is not None
        self.score_trace = score_trace
        check(
            not self.interleave or self.trace.interleavable,
            f"the {trace} trace of {task.name!r} is not one token per input symbol; use interleave=False",
        )
        trace_tokens = self.trace.tokens if self.trace else ()
        self.vocab = ("<bos>", "<sep>") + tuple(
            f"{part}:{symbol}"
            for part, symbols in (("x", task.input_alphabet), ("s", trace_tokens), ("y", task.output_alphabet))
            for symbol in symbols
        )
        self.trace_offset = 2 + len(task.input_alphabet)
        self.answer_offset = self.trace_offset + len(trace_tokens)

    @property
    def in_vocab(self) -> int:
        return len(self.vocab)

    @property
    def out_vocab(self) -> int:
        return len(self.vocab)

    def sequences(self, batch_size: int, length: int, generator: torch.Generator) -> Sequences:
        """Draw a batch and lay it out (see the module docstring)."""
        x, y = self.task.generate(batch_size, length, generator)
        x = x + 2
        marker = lambda value: torch.full((batch_size, 1), value)  # noqa: E731
        given = lambda part: (part, torch.zeros(part.shape[1], dtype=torch.bool))  # noqa: E731
        parts = [given(marker(BOS))]
        if self.trace is None:
            parts.append(given(x))
        else:
            s = self.trace.compute(x - 2) + self.trace_offset
            if self.interleave:
                parts.append((torch.stack([x, s], 2).flatten(1), torch.arange(2 * x.shape[1]) % 2 == 1))
            else:
                parts += [given(x), given(marker(SEP)), (s, torch.ones(s.shape[1], dtype=torch.bool))]
        parts.append(given(marker(SEP)))
        prefix, in_trace = (torch.cat(p, -1) for p in zip(*parts))
        answer = mask_after_end(self.task, y) != IGNORE
        return Sequences(
            tokens=torch.cat([prefix, y + self.answer_offset], 1),
            written=torch.cat([in_trace, torch.ones(y.shape[1], dtype=torch.bool)]),
            trace=torch.cat([in_trace, torch.zeros(y.shape[1], dtype=torch.bool)]),
            scored=torch.cat([in_trace.expand(batch_size, -1) & self.score_trace, answer], 1),
            answer=torch.cat([torch.zeros_like(prefix, dtype=torch.bool), answer], 1),
        )

    def batch(self, batch_size, length, generator):
        seq = self.sequences(batch_size, length, generator)
        return Batch(seq.tokens[:, :-1], torch.where(seq.scored[:, 1:], seq.tokens[:, 1:], IGNORE))

    def render(self, tokens: torch.Tensor) -> str:
        """One sequence of ids as its token names."""
        return " ".join(self.vocab[i] for i in tokens.tolist())

    def __repr__(self) -> str:
        where = "interleaved" if self.interleave else "after input"
        form = "" if self.trace is None else f", {self.trace.kind} trace {where}"
        return f"<layout causal_lm for {self.task.name}{form}>"
