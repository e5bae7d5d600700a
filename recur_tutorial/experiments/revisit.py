"""Chapter 5: recurrent Transformers revisited.

``COMPARISON`` is the chapter's table of designs (with the bibliography key of each); the functions
measure what the chapter plots: training throughput of every model of Chapter 4 on one batch shape,
and the number of Chapter 4 tasks each model solves, for the trade-off between parallel training and
expressivity.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
import torch

from .. import models, tasks
from ..evaluation import SOLVED
from ..training import loss_and_accuracy
from . import completeness
from .families import family_run
from .profiles import profile_settings
from .run import Run


@dataclass(frozen=True)
class Design:
    name: str
    cite: str
    axis: str  # where the recurrence runs: "time", "depth", "time (segments)", "none"
    update: str  # "nonlinear", "linear", "—"
    parallel: str  # training parallel over time: "yes", "no", "within segments"
    complete: str  # recurrence-complete (one nonlinear step per input symbol)


COMPARISON: tuple[Design, ...] = (
    Design("Transformer", "vaswani2017attention", "none (fixed depth)", "—", "yes", "no"),
    Design("Universal Transformer", "dehghani2019universal", "depth", "nonlinear", "yes", "no"),
    Design("Recurrent Transformer (seed paper)", "zhang2024autoregressive", "time", "nonlinear", "no", "yes"),
    Design("Recurrent Memory Transformer", "bulatov2022recurrent", "time (segments)", "nonlinear",
           "within segments", "per segment, not per symbol"),
    Design("Block-Recurrent Transformer", "hutchins2022block", "time (blocks)", "nonlinear",
           "within blocks", "per block, not per symbol"),
    Design("Linear Transformer", "katharopoulos2020transformers", "time", "linear: I", "yes", "no"),
    Design("RetNet", "sun2023retentive", "time", "linear: γI", "yes", "no"),
    Design("RWKV-4", "peng2023rwkv", "time", "linear: diag(e^{−w})", "yes", "no"),
    Design("RWKV-6", "peng2024eagle", "time", "linear: diag(α_t)", "yes", "no"),
    Design("RWKV-7", "peng2025rwkv7", "time", "linear: diag + rank one", "yes", "no"),
    Design("Mamba", "gu2023mamba", "time", "linear: diag(exp(Δ_t A))", "yes", "no"),
    Design("Mamba-2", "dao2024transformers", "time", "linear: a_t I", "yes", "no"),
    Design("DeltaNet", "yang2024parallelizing", "time", "linear: I − β_t k_t k_tᵀ", "yes", "no"),
    Design("Gated DeltaNet", "yang2025gated", "time", "linear: α_t (I − β_t k_t k_tᵀ)", "yes", "no"),
    Design("xLSTM: mLSTM", "beck2024xlstm", "time", "linear: f_t I", "yes", "no"),
    Design("xLSTM: sLSTM", "beck2024xlstm", "time", "nonlinear (memory mixing)", "no", "yes"),
    Design("LSTM", "hochreiter1997long", "time", "nonlinear", "no", "yes"),
)


def comparison_table() -> pd.DataFrame:
    """The designs as a DataFrame, with a MyST citation in the last column."""
    rows = [{"design": d.name, "recurrence along": d.axis, "state update": d.update,
             "parallel training": d.parallel, "recurrence-complete": d.complete, "source": d.cite}
            for d in COMPARISON]
    return pd.DataFrame(rows).set_index("design")


# ---- the designs the zoo implements, trained in this chapter -----------------------------------
DESIGNS: dict[str, tuple[str, dict]] = {
    "Universal Transformer": ("universal_transformer", {"d_model": 32, "n_heads": 4, "n_steps": 2,
                                                        "positional": "alibi"}),
    "Recurrent Transformer": ("recurrent_transformer", {"d_model": 32, "n_layers": 1, "n_heads": 4}),
    "Memory Transformer": ("memory_transformer", {"d_model": 32, "n_layers": 1, "n_heads": 4, "segment": 10,
                                                  "positional": "alibi"}),
}

SETTINGS = {
    "quick": {"seeds": (0, 1), "steps": 400, "batch_size": 64, "overrides": {}, "train_length": 40, "test_max": 200,
              "n_steps_test": (1, 2, 4, 8), "throughput_repeats": 3},
    "full": {"seeds": (0, 1, 2), "steps": 3000, "batch_size": 64, "overrides": {}, "train_length": 40,
             "test_max": 500, "n_steps_test": (1, 2, 4, 8, 16), "throughput_repeats": 10},
}
"""Learning rates and warm-up are the families' (:mod:`.families`)."""


def design_runs(profile: str) -> list[Run]:
    """The designs of ``DESIGNS`` on parity (tagging layout, as Chapter 4)."""
    s = profile_settings(profile, SETTINGS)
    length = s["train_length"]
    return [family_run(name, s, label=label, task="parity_check", seed=seed, layout="tagging",
                       train_lengths=(length, length), test_lengths=tuple(range(1, s["test_max"] + 1)),
                       model_config=config)
            for label, (name, config) in DESIGNS.items() for seed in s["seeds"]]


def runs(profile: str) -> list[Run]:
    """Every run of the chapter: its designs, and Chapter 4's grid for the trade-off (kept in the
    same store, so they are trained once)."""
    return design_runs(profile) + completeness.grid_runs(profile)


def throughput(name: str, config: dict, *, batch_size: int = 64, length: int = 40, repeats: int = 3,
               task: str = "parity_check", device=None) -> float:
    """Training tokens per second of one model: forward, backward and an AdamW step on a batch of
    ``batch_size`` sequences of ``length`` tokens (the fastest of ``repeats`` after one warm-up step:
    on a shared machine the fastest run is the one least slowed by other jobs)."""
    layout = tasks.get_layout("tagging", tasks.get(task))
    device = torch.device(device) if device else torch.device("cpu")
    model = models.build(name, layout, seed=0, **config).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    batch = layout.batch(batch_size, length, torch.Generator().manual_seed(0)).to(device)
    times = []
    for i in range(repeats + 1):
        started = time.perf_counter()
        loss, _ = loss_and_accuracy(model(batch.tokens), batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i:
            times.append(time.perf_counter() - started)
    return batch_size * length / min(times)


def throughputs(specs: dict[str, tuple[str, dict]], **options) -> pd.Series:
    """Training tokens per second for every (label → (zoo name, settings)) in ``specs``."""
    return pd.Series({label: throughput(name, config, **options) for label, (name, config) in specs.items()},
                     name="tokens per second")


def solved_counts(summary: pd.DataFrame, column: str = "best") -> pd.Series:
    """How many tasks each model solves (score ≥ 0.9, Delétang et al.) in a ``summarise`` table."""
    return (summary.assign(solved=summary[column] >= SOLVED).groupby("model").solved.sum()
            .rename("tasks solved"))


def depth_sweep(model, layout, depth_steps, lengths, *, attribute: str = "n_steps") -> pd.DataFrame:
    """Accuracy of a depth-recurrent model when it runs ``d`` depth steps at test time, for each d."""
    from ..evaluation import evaluate

    trained = getattr(model, attribute)
    rows = []
    try:
        for d in depth_steps:
            setattr(model, attribute, d)
            result = evaluate(model, layout, lengths)
            rows.append({"depth steps": d, "score": result.score, "in distribution": result.in_distribution})
    finally:
        setattr(model, attribute, trained)
    return pd.DataFrame(rows)


def chapter4_specs() -> dict[str, tuple[str, dict]]:
    """The models of Chapter 4, for the trade-off figure."""
    return dict(completeness.MODELS)


__all__ = ["COMPARISON", "DESIGNS", "Design", "SETTINGS", "chapter4_specs", "comparison_table", "depth_sweep",
           "design_runs", "runs", "solved_counts", "throughput", "throughputs"]
