"""Chapter 3: chain of thought as approximated recurrence.

A causal decoder Transformer is trained by next-token prediction on the interleaved full-state
trace ``BOS x₁ s₁ x₂ s₂ … x_n s_n`` (s_t the state of the task's automaton after x_t, so every trace
token is a constant-depth function of the token before it and the current input), and compared with
the same model trained to answer directly (``BOS x₁ … x_n``, the answer read at x_n). At test time the
chain-of-thought model writes its own trace: the true inputs are fed, its greedy s_t is fed back.

The trace tokens come from the DFA of :mod:`recur_tutorial.theory.automata`; the inputs from the task
suite, so the data are the tasks' own. A *partial* trace writes only part of the state (modular_counter
with m = 4 written mod 2); the last trace position then also has to give the full answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from .. import models, tasks
from ..errors import check, check_choice
from ..models.transformer import Transformer
from ..runtime import get_device
from ..tasks import IGNORE, Batch, Layout
from ..theory import automata
from ..training import Curriculum, train
from .profiles import profile_settings

TRACES = ("full", "partial", "direct")


class TraceLayout(Layout):
    """The causal-LM layout with an interleaved chain-of-thought trace, or the direct answer.

    Token ids: 0 = BOS, then the input symbols, then the trace tokens. Output ids: the trace tokens,
    then the answers. ``trace``: ``full`` writes the DFA state after each symbol, ``partial`` writes
    ``partial_map(state)``, ``direct`` writes nothing (the answer is read at the last input symbol).
    In the trace layouts the answer is read at the last trace token (for a full trace of a counter
    it is the state itself, but the model still has to say it).
    """

    name = "trace"
    causal_only = True

    def __init__(self, task, trace: str = "full", dfa=None, partial_map: Callable[[int], int] | None = None):
        super().__init__(task)
        check_choice("trace", trace, TRACES)
        self.trace = trace
        self.dfa = dfa or automaton_of(task)
        check(tuple(self.dfa.alphabet) == tuple(task.input_alphabet),
              f"the automaton of {task.name} reads {self.dfa.alphabet!r}, the task {task.input_alphabet!r}")
        check(trace != "partial" or partial_map is not None, "a partial trace needs partial_map")
        states = range(self.dfa.n_states)
        self.trace_of_state = np.array([partial_map(q) if trace == "partial" else q for q in states])
        self.n_trace = int(self.trace_of_state.max()) + 1 if trace != "direct" else 0
        self.n_inputs = len(task.input_alphabet)
        self.answers = list(task.output_alphabet)
        self.answer_of_state = np.array([self.answers.index(o) if o in self.answers else 0
                                         for o in self.dfa.outputs])

    @property
    def in_vocab(self) -> int:
        return 1 + self.n_inputs + self.n_trace

    @property
    def out_vocab(self) -> int:
        return self.n_trace + len(self.answers)

    def trace_tokens(self, states: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(self.trace_of_state[states])

    def answer_ids(self, states: np.ndarray) -> torch.Tensor:
        """Output ids of the answer of the final states (B)."""
        return torch.as_tensor(self.n_trace + self.answer_of_state[states[:, -1]])

    def sequences(self, x: torch.Tensor, trace: torch.Tensor | None) -> torch.Tensor:
        """BOS x₁ τ₁ … x_n τ_n (or BOS x₁ … x_n when direct) as input ids."""
        batch, n = x.shape
        if self.trace == "direct":
            return torch.cat([torch.zeros(batch, 1, dtype=torch.long), 1 + x], 1)
        tokens = torch.zeros(batch, 2 * n + 1, dtype=torch.long)
        tokens[:, 1::2] = 1 + x
        tokens[:, 2::2] = 1 + self.n_inputs + trace
        return tokens

    def batch(self, batch_size, length, generator):
        x, y = self.task.generate(batch_size, length, generator)
        states = self.dfa.run(x.numpy())
        answers = self.answer_ids(states)
        check(bool((answers - self.n_trace == y[:, 0]).all()), f"the automaton disagrees with {self.task.name}")
        if self.trace == "direct":
            targets = torch.full((batch_size, x.shape[1] + 1), IGNORE)
            targets[:, -1] = answers
            return Batch(self.sequences(x, None), targets)
        trace = self.trace_tokens(states)
        targets = torch.full((batch_size, 2 * x.shape[1] + 1), IGNORE)
        targets[:, 1::2] = trace  # at x_t: the trace token τ_t
        targets[:, -1] = answers  # at τ_n: the answer
        return Batch(self.sequences(x, trace), targets)


def automaton_of(task) -> automata.DFA:
    """The DFA whose state trace is the task's full-state chain of thought."""
    if task.name == "word_problem":
        return automata.from_group_table(f"word_problem({task.group.name})", task.group.names, task.table)
    if task.name == "modular_counter":
        return automata.get("modular_counter", m=task.modulus)
    return automata.get(task.name)


def mod2(state: int) -> int:
    """The partial trace of the modular counter: the count mod 2 (the low bit of the state)."""
    return state % 2


# ---- greedy generation with a key-value cache -----------------------------------------------------
class CachedDecoder:
    """Runs the package's :class:`Transformer` a few tokens at a time, keeping each layer's keys and
    values, and keeps the attention weights of the last query for display.

    (The model zoo's ``step`` interface does the same for every model; this decoder needs only the
    Transformer of the core package.)
    """

    def __init__(self, model: Transformer, batch: int, device) -> None:
        self.model, self.device = model, device
        self.keys: list[torch.Tensor | None] = [None] * len(model.blocks)
        self.values: list[torch.Tensor | None] = [None] * len(model.blocks)
        self.length = 0
        self.attention: list[torch.Tensor] = []  # per layer: B × H × k_len, of the last query

    @torch.no_grad()
    def feed(self, tokens: torch.Tensor) -> torch.Tensor:
        """Read tokens (B × t); return the logits at the last one (B × V)."""
        model, offset = self.model, self.length
        x = model.positional.add(model.embed(tokens), offset)
        self.attention = []
        for i, block in enumerate(model.blocks):
            h = block.norm1(x)
            batch, t, width = h.shape
            q, k, v = block.attention.qkv(h).view(batch, t, 3, block.attention.n_heads, -1).permute(2, 0, 3, 1, 4)
            q, k = model.positional.rotate(q, offset), model.positional.rotate(k, offset)
            if self.keys[i] is not None:
                k, v = torch.cat([self.keys[i], k], 2), torch.cat([self.values[i], v], 2)
            self.keys[i], self.values[i] = k, v
            scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
            bias = model.positional.bias(t, offset + t, True, x.device)
            weights = (scores + bias).softmax(-1)
            self.attention.append(weights[:, :, -1])
            y = (weights @ v).transpose(1, 2).reshape(batch, t, width)
            x = x + block.attention.out(y)
            x = x + block.mlp(block.norm2(x))
        self.length += tokens.shape[1]
        return model.head(model.norm(x[:, -1]))


@dataclass
class Generated:
    trace: np.ndarray  # B × n trace ids the model wrote (empty for direct)
    answers: np.ndarray  # B answer ids (into the task's output alphabet)
    attention: list | None  # per step: list over layers of B × H × k_len (when kept)


@torch.no_grad()
def generate(model: Transformer, layout: TraceLayout, x: torch.Tensor, device=None,
             keep_attention: bool = False) -> Generated:
    """Greedy decoding: feed x_t, write the model's trace token, feed it back; then its answer."""
    device = device or next(model.parameters()).device
    x = torch.as_tensor(x, dtype=torch.long).to(device)
    batch, n = x.shape
    model.eval()
    if layout.trace == "direct":
        logits = model(layout.sequences(x.cpu(), None).to(device))[:, -1]
        answers = logits[:, layout.n_trace:].argmax(-1)
        return Generated(np.zeros((batch, 0), int), answers.cpu().numpy(), None)
    decoder = CachedDecoder(model, batch, device)
    previous = torch.zeros(batch, 1, dtype=torch.long, device=device)  # BOS
    trace, attention = torch.empty(batch, n, dtype=torch.long, device=device), []
    for t in range(n):
        logits = decoder.feed(torch.cat([previous, 1 + x[:, t : t + 1]], 1))
        trace[:, t] = logits[:, : layout.n_trace].argmax(-1)
        if keep_attention:
            attention.append([a.cpu() for a in decoder.attention])
        previous = (1 + layout.n_inputs + trace[:, t])[:, None]
    logits = decoder.feed(previous)
    answers = logits[:, layout.n_trace:].argmax(-1)
    return Generated(trace.cpu().numpy(), answers.cpu().numpy(), attention if keep_attention else None)


def generation_accuracy(model, layout: TraceLayout, lengths, n: int = 128, seed: int = 10_000,
                        device=None) -> pd.DataFrame:
    """Per length: final-answer accuracy of greedy generation, the fraction of sequences whose whole
    trace is right, the tokens generated per sequence and the wall time of the generation."""
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for length in lengths:
        x, y = layout.task.generate(n, int(length), generator)
        states = layout.dfa.run(x.numpy())
        started = time.perf_counter()
        out = generate(model, layout, x, device)
        seconds = time.perf_counter() - started
        trace_right = ((out.trace == layout.trace_of_state[states]).all(1) if layout.trace != "direct"
                       else np.full(n, np.nan))
        rows.append({"length": int(length), "accuracy": float((out.answers == y[:, 0].numpy()).mean()),
                     "trace right": float(np.mean(trace_right)),
                     "generated tokens": out.trace.shape[1] + 1, "seconds": seconds})
    return pd.DataFrame(rows)


# ---- the chapter's runs ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CoTRun:
    """One configuration: a task, a trace kind and a positional encoding, trained with one seed."""

    task: str
    trace: str = "full"
    positional: str = "alibi"
    seed: int = 0
    steps: int = 500
    task_options: tuple = ()

    @property
    def label(self) -> str:
        return f"{self.trace}/{self.positional}"

    def layout(self) -> TraceLayout:
        task = tasks.get(self.task, **dict(self.task_options))
        return TraceLayout(task, self.trace, partial_map=mod2 if self.trace == "partial" else None)


MODEL = {"d_model": 64, "n_layers": 2, "n_heads": 4, "d_mlp": 256}
TRAINING = {"batch_size": 64, "lr": 1e-3, "warmup": 100, "schedule": "cosine"}


def train_run(run: CoTRun, device=None) -> tuple[Transformer, float]:
    """Build and train the run's model; return it and the training time in seconds."""
    layout = run.layout()
    model = models.build("transformer", layout, seed=run.seed, causal=True, positional=run.positional,
                         max_len=4096, **MODEL)
    started = time.perf_counter()
    train(model, layout, steps=run.steps, curriculum=Curriculum(1, 40), seed=run.seed, device=device,
          progress=False, **TRAINING)
    return model, time.perf_counter() - started
