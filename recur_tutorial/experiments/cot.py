"""Chapter 3: chain of thought as approximated recurrence.

A causal decoder Transformer is trained by next-token prediction on the interleaved full-state trace
of the task suite's ``causal_lm`` layout, ``BOS x₁ s₁ x₂ s₂ … x_n s_n SEP y`` (s_t the solver's state
after x_t, so every trace token is a constant-depth function of the token before it and the current
input), and compared with the same model trained to answer directly (``BOS x₁ … x_n SEP y``). At test
time the model writes its own trace greedily (:mod:`recur_tutorial.tasks.generation`): the true
inputs are fed, its own s_t is fed back. A *partial* trace writes only part of the state
(modular_counter with m = 4 written mod 2).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .. import tasks
from ..results import read_json, write_json
from ..runtime import threads
from ..models.transformer import Transformer
from ..tasks.generation import greedy_generate
from .grid import Run, trained_model, training_history
from .profiles import profile_settings


# ---- generation and attention ----------------------------------------------------------------------
GENERATION_COLUMNS = ["length", "accuracy", "trace right", "seconds"]


def generation_table(model: Transformer, layout, lengths, n: int = 64, seed: int = 10_000) -> pd.DataFrame:
    """Per length: the answer accuracy of greedy generation, the fraction of sequences whose whole
    trace the model wrote right, and the wall time of the generation."""
    generator, rows = torch.Generator().manual_seed(seed), []
    with threads(1):
        for length in lengths:
            started = time.perf_counter()
            out = greedy_generate(model, layout, n, int(length), generator)
            rows.append({"length": int(length), "accuracy": float(out.answer_accuracy.mean()),
                         "trace right": float((out.trace_accuracy == 1).float().mean())
                         if layout.trace is not None else float("nan"),
                         "seconds": time.perf_counter() - started})
    return pd.DataFrame(rows, columns=GENERATION_COLUMNS)


@torch.no_grad()
def attention_maps(model: Transformer, tokens: torch.Tensor) -> np.ndarray:
    """The causal attention weights of every layer and head on one sequence (1 × T ids), as an array
    layers × heads × T (queries) × T (keys), recomputed from each block's queries and keys."""
    inputs = []
    hooks = [block.attention.register_forward_hook(lambda module, args, output: inputs.append(args[0]))
             for block in model.layers()]
    try:
        model(tokens)
    finally:
        for hook in hooks:
            hook.remove()
    maps = []
    for block, x in zip(model.layers(), inputs):
        q, k, _ = block.attention.project(x)
        q, k = model.positional.rotate(q), model.positional.rotate(k)
        bias = model.positional.bias(x.shape[1], x.shape[1], True, x.device)
        maps.append((q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5 + bias).softmax(-1)[0])
    return torch.stack(maps).cpu().numpy()


@torch.no_grad()
def trace_attention(model: Transformer, layout, x: str):
    """Let the model write the trace and the answer of the input string ``x`` greedily (through its
    ``step``). Returns the token names of the whole sequence, and for every written token the
    attention of the query that wrote it: an array written × layers × heads × positions."""
    ids = [2 + list(layout.task.input_alphabet).index(c) for c in layout.task.symbols(x)]
    state, sequence, queries = model.initial_state(1), [], []

    def read(token: int) -> torch.Tensor:
        nonlocal state
        sequence.append(token)
        logits, state = model.step(torch.tensor([token]), state)
        return logits[0]

    def write(logits: torch.Tensor, low: int, high: int) -> int:
        queries.append(len(sequence) - 1)  # the position whose output is the written token
        return low + int(logits[low:high].argmax())

    model.eval()
    with threads(1):
        read(0)  # BOS
        for token in ids:
            read(write(read(token), layout.trace_offset, layout.answer_offset))
        sequence.append(write(read(1), layout.answer_offset, len(layout.vocab)))  # SEP, then the answer
        maps = attention_maps(model, torch.tensor([sequence[:-1]]))
    padded = np.zeros((len(queries), maps.shape[0], maps.shape[1], len(sequence)))
    for row, query in enumerate(queries):
        padded[row, :, :, :-1] = maps[:, :, query]  # the answer is never attended to
    return [layout.vocab[t] for t in sequence], padded


def hand_built_attention(x: str, task: str = "parity_check"):
    """The hand-built one-layer Transformer of the task's automaton (:mod:`..theory.dfa_transformer`)
    on the input ``x`` with its true trace: token names of BOS x₁ s₁ … x_n s_n and, for every query
    that writes a state (the x_t positions), its attention: an array n × 1 layer × 1 head × positions,
    the shape :func:`trace_attention` returns."""
    from ..theory import automata, dfa_transformer

    dfa = automata.get(task)
    built = dfa_transformer.DFATransformer(dfa)
    ids = torch.tensor([dfa.encode(x)])
    tokens = built.sequence(ids, torch.tensor([dfa.trace(x)]))
    _, attention = built.forward(tokens)
    names = ["<bos>"] + [name for c, q in zip(x, dfa.trace(x)) for name in (f"x:{c}", f"s:{dfa.state_names[q]}")]
    queries = list(range(1, tokens.shape[1], 2))
    return names, attention[0, queries].numpy()[:, None, None, :]


def previous_token_attention(tokens: list[str], maps: np.ndarray) -> pd.DataFrame:
    """Per layer and head: the mean attention that the queries writing trace states put on the
    position just before them (the previous state, or BOS), from :func:`trace_attention`'s output
    (the answer's query is left out). Columns: layer, head, weight."""
    written = [i for i, t in enumerate(tokens) if t.startswith("s:")]
    queries = [position - 1 for position in written]  # the x_t position that writes s_t
    rows = []
    for layer in range(maps.shape[1]):
        for head in range(maps.shape[2]):
            weight = np.mean([maps[row, layer, head, query - 1] for row, query in enumerate(queries)])
            rows.append({"layer": layer + 1, "head": head + 1, "weight": float(weight)})
    return pd.DataFrame(rows)


# ---- the chapter's runs ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CoTRun:
    """One configuration: a task, a trace (None: answer directly) and a positional encoding."""

    task: str
    trace: str | None = "full"
    positional: str = "alibi"
    seed: int = 0
    steps: int = 500
    task_options: tuple = ()

    @property
    def label(self) -> str:
        return f"{self.trace or 'direct'} · {self.positional}"

    def layout(self):
        task = tasks.get(self.task, **dict(self.task_options))
        return tasks.get_layout("causal_lm", task, trace=self.trace)

    def grid_run(self) -> Run:
        """This configuration as a grid run: the chapter's decoder, trained on lengths 1..40."""
        options = dict(TRAINING)
        return Run(task=self.task, model="transformer", seed=self.seed, layout="causal_lm",
                   layout_options={"trace": self.trace}, steps=self.steps, batch_size=options.pop("batch_size"),
                   lr=options.pop("lr"), task_options=dict(self.task_options), label=self.label,
                   model_config={"causal": True, "positional": self.positional, "max_len": 4096, **MODEL},
                   train_options=options)


MODEL = {"d_model": 64, "n_layers": 2, "n_heads": 8, "d_mlp": 256}
"""8 heads, so that ALiBi's slopes 2^-1 … 2^-8 include two steep ones: with 4 heads (slopes 2^-2 … 2^-8)
parity's full trace at 300 steps extended beyond length 40 for seeds 0-2 but not for seeds 3 and 4
(0.44 and 0.38 at length 200); with 8 heads seed 3 was right at every tested length."""
TRAINING = {"batch_size": 64, "lr": 1e-3, "warmup": 100, "schedule": "cosine"}
COUNTER = (("modulus", 4),)

SETTINGS = {
    "quick": {"seeds": (0, 1, 2), "steps": 300, "test_lengths": (20, 40, 60, 100, 200), "n_test": 64,
              "cost_lengths": (25, 50, 100, 200),
              "runs": [("parity_check", "full", "alibi"), ("parity_check", None, "alibi"),
                       ("parity_check", "full", "rope"),
                       ("cycle_navigation", "full", "alibi"), ("cycle_navigation", None, "alibi"),
                       ("modular_counter", "full", "alibi"), ("modular_counter", "partial", "alibi")]},
    "full": {"seeds": (0, 1, 2), "steps": 2000, "test_lengths": (20, 40, 60, 100, 200, 300, 400, 500),
             "n_test": 256, "cost_lengths": (25, 50, 100, 200, 300, 400, 500),
             "runs": [("parity_check", "full", "alibi"), ("parity_check", None, "alibi"),
                      ("parity_check", "full", "rope"), ("parity_check", "full", "sinusoidal"),
                      ("parity_check", "full", "none"),
                      ("cycle_navigation", "full", "alibi"), ("cycle_navigation", None, "alibi"),
                      ("modular_arithmetic", "full", "alibi"), ("modular_arithmetic", None, "alibi"),
                      ("word_problem", "full", "alibi"), ("word_problem", None, "alibi"),
                      ("modular_counter", "full", "alibi"), ("modular_counter", "partial", "alibi"),
                      ("modular_counter", None, "alibi")]},
}


def runs(profile: str) -> list[CoTRun]:
    s = profile_settings(profile, SETTINGS)
    return [CoTRun(task, trace, positional, seed, s["steps"], COUNTER if task == "modular_counter" else ())
            for task, trace, positional in s["runs"] for seed in s["seeds"]]


def train_run(run: CoTRun, directory: str | Path, device=None) -> tuple[Transformer, float]:
    """The run's model trained on lengths 1..40 (one CPU thread, so the same seed gives the same
    weights), and its training time in seconds; kept in ``directory`` (see :func:`trained_model`)."""
    with threads(1):
        model, _, seconds = trained_model(run.grid_run(), directory, device)
    return model, seconds


def histories(runs: list[CoTRun], directory: str | Path) -> pd.DataFrame:
    """The training histories of ``runs`` (trained by :func:`train_run` into ``directory``): step,
    loss and accuracy on the scored tokens of each logged training batch, with task, model, seed."""
    return pd.concat([training_history(run.grid_run(), directory).assign(task=run.task, model=run.label, seed=run.seed)
                      for run in runs], ignore_index=True)


def jump_step(history: pd.DataFrame, level: float = 0.95, min_length: int = 20) -> float:
    """The first logged step whose training batch (of inputs at least ``min_length`` long, where a
    lucky guess cannot score) has an accuracy of at least ``level`` (NaN if none)."""
    reached = history[(history.accuracy >= level) & (history.length >= min_length)].step
    return float(reached.min()) if len(reached) else float("nan")


# ---- what the answer costs --------------------------------------------------------------------------
def trace_depth(n: int, layers: int) -> int:
    """Layer applications on the critical path of writing a full trace and the answer for an input
    of length n with an L-layer model: L(n + 1). Each of the n + 1 written tokens needs all L layers
    after the token before it is known; the given token that follows a written one (x_{t+1} after
    s_t, SEP after s_n) enters in the same pass, as a chunk of two. (Feeding one token per pass, as
    :func:`greedy_generate` does, takes 2n + 2 passes of L layers: more passes, the same depth.)"""
    return layers * (n + 1)



def train_lstm(directory: str | Path, task: str = "parity_check", seed: int = 0, steps: int = 300):
    """The recurrent baseline: a 1-layer LSTM on the prefix-labelled layout (lengths 1..40), kept in
    ``directory``. Returns the model and its layout."""
    spec = Run(task=task, model="lstm", seed=seed, layout="tagging", steps=steps, batch_size=64, lr=3e-3,
               model_config={"hidden": 64})
    with threads(1):
        model, layout, _ = trained_model(spec, directory)
    return model, layout


def cost_table(cot_model: Transformer, cot_layout, direct_model: Transformer, direct_layout, lstm_model,
               lstm_layout, lengths, n: int = 64, seed: int = 20_000) -> pd.DataFrame:
    """Per input length and model: tokens the model writes to answer, sequential steps on the critical
    path, answer accuracy and wall time for a batch of ``n``.

    The chain-of-thought model writes n trace tokens and the answer, :func:`trace_depth` layer
    applications on the critical path; the direct Transformer reads the whole input in one parallel
    pass of its layers and writes the answer; the LSTM reads the input one symbol per step and
    answers at the last one.
    """
    generator, rows = torch.Generator().manual_seed(seed), []
    layers = len(cot_model.blocks)
    with threads(1), torch.no_grad():
        for length in lengths:
            length = int(length)
            started = time.perf_counter()
            out = greedy_generate(cot_model, cot_layout, n, length, generator, shortcut=False)  # timed as written
            rows.append({"model": "Transformer + CoT", "length": length, "tokens written": length + 1,
                         "sequential steps": trace_depth(length, layers),
                         "accuracy": float(out.answer_accuracy.mean()), "seconds": time.perf_counter() - started})
            seq = direct_layout.sequences(n, length, generator)
            answer_at = int(seq.answer[0].nonzero()[0]) - 1  # the SEP position predicts the answer
            started = time.perf_counter()
            logits = direct_model(seq.tokens[:, : answer_at + 1])[:, -1]
            seconds = time.perf_counter() - started
            rows.append({"model": "Transformer, direct", "length": length, "tokens written": 1,
                         "sequential steps": layers,
                         "accuracy": float((logits.argmax(-1) == seq.tokens[:, answer_at + 1]).float().mean()),
                         "seconds": seconds})
            batch = lstm_layout.batch(n, length, generator)
            started = time.perf_counter()
            logits = lstm_model(batch.tokens)[:, -1]
            seconds = time.perf_counter() - started
            rows.append({"model": "LSTM", "length": length, "tokens written": 1, "sequential steps": length,
                         "accuracy": float((logits.argmax(-1) == batch.targets[:, -1]).float().mean()),
                         "seconds": seconds})
    return pd.DataFrame(rows)


def run_all(runs: list[CoTRun], test_lengths, n_test: int, directory: str | Path) -> tuple[pd.DataFrame, dict]:
    """Train every run and test it by greedy generation at ``test_lengths``. Returns the per-length
    table (task, model, seed, length, accuracy, trace right, seconds, train_seconds) and the trained
    models keyed by (task, label, seed).

    Restartable: the weights and each run's table are kept in ``directory`` (``runs.json``, written
    atomically after every run), so a second call trains and generates only what is missing."""
    path = Path(directory) / "runs.json"
    stored = read_json(path, default={})
    frames, trained = [], {}
    for run in runs:
        model, seconds = train_run(run, directory)
        key = json.dumps([run.grid_run().key, [int(n) for n in test_lengths], n_test])
        if key not in stored:
            stored[key] = generation_table(model, run.layout(), test_lengths, n=n_test).to_dict("list")
            write_json(path, stored)
        table = pd.DataFrame(stored[key], columns=GENERATION_COLUMNS)
        frames.append(table.assign(task=run.task, model=run.label, seed=run.seed, train_seconds=seconds))
        trained[(run.task, run.label, run.seed)] = model
    return pd.concat(frames, ignore_index=True), trained


def summarise(table: pd.DataFrame, train_max: int = 40) -> pd.DataFrame:
    """Per task, model and seed: mean accuracy within the training lengths, the mean and the minimum
    beyond them, and the fraction of sequences whose whole trace was right beyond them."""
    inside = table[table.length <= train_max].groupby(["task", "model", "seed"]).accuracy.mean()
    beyond = table[table.length > train_max].groupby(["task", "model", "seed"]).accuracy
    trace = table[table.length > train_max].groupby(["task", "model", "seed"])["trace right"].mean()
    return pd.DataFrame({"in_distribution": inside, "beyond": beyond.mean(), "beyond_min": beyond.min(),
                         "trace_right_beyond": trace,
                         "train_seconds": table.groupby(["task", "model", "seed"]).train_seconds.first()}).reset_index()
