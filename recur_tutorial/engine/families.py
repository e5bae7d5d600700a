"""The training defaults of each model family, written once, and the one way chapters make runs.

A chapter's profile gives the budget of its runs (``steps``, ``batch_size``) and ``overrides``: per zoo
name or per label (or ``"all"``, for every model of the chapter, or ``"<zoo name> on <task>"``, for one
model on one task), any of the family's fields or of the budget, changed for that chapter. The order,
last wins: family defaults, the profile's budget, ``overrides["all"]``, ``overrides[zoo name]``,
``overrides[label]``, ``overrides["<zoo name> on <task>"]``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..errors import ConfigError, check_choice
from ..training import CURRICULA, SCHEDULES
from .run import Run


@dataclass(frozen=True)
class Family:
    """AdamW's learning rate, linear warm-up steps, decay schedule and length curriculum."""

    lr: float
    warmup: int = 0
    schedule: str = "constant"
    curriculum: str = "increasing"

    def __post_init__(self) -> None:
        check_choice("schedule", self.schedule, SCHEDULES)
        check_choice("curriculum", self.curriculum, CURRICULA)


RECURRENT = Family(lr=3e-3)
"""Recurrent networks: short inputs first (the ceiling of the training lengths rises over the first
half of training)."""
ATTENTION = Family(lr=1e-3, warmup=50, curriculum="uniform")
"""Transformers: every training length from the start, after a warm-up of the learning rate."""
MEMORY = Family(lr=1e-3)
"""Memory-augmented RNNs (Delétang et al.'s learning rate for them)."""
LINEAR = Family(lr=3e-3, curriculum="uniform")
"""The linear recurrences of Chapter 4."""

FAMILIES: dict[str, Family] = {
    "rnn": RECURRENT, "gru": RECURRENT, "lstm": RECURRENT, "recurrent_transformer": LINEAR,
    "transformer": ATTENTION, "universal_transformer": ATTENTION, "memory_transformer": ATTENTION,
    "stack_rnn": MEMORY, "tape_rnn": MEMORY,
    **dict.fromkeys(("linear_transformer", "retnet", "rwkv4", "rwkv6", "rwkv7", "mamba", "deltanet", "diagonal_rnn",
                     "gated_deltanet", "deltaproduct", "mlstm", "slstm"), LINEAR),
    **dict.fromkeys(("mamba_neg", "deltanet_neg", "diagonal_rnn_neg", "gated_deltanet_neg", "deltaproduct_neg"),
                    LINEAR),
}
"""Zoo name → its family's defaults."""

BUDGET = ("steps", "batch_size")
OVERRIDABLE = (*BUDGET, *Family.__dataclass_fields__)


def task_override(model: str, task: str) -> str:
    """The key of ``overrides`` that changes ``model``'s settings on ``task`` only."""
    return f"{model} on {task}"


def family_settings(model: str, profile: dict, label: str = "", task: str = "") -> dict:
    """The training settings of ``model`` (and ``label``, on ``task``) in a chapter's ``profile``: lr,
    warmup, schedule, curriculum, steps and batch_size."""
    check_choice("model family", model, FAMILIES)
    values = {**asdict(FAMILIES[model]), **{k: profile[k] for k in BUDGET}}
    overrides = profile.get("overrides", {})
    for name in ("all", model, label, task and task_override(model, task)):
        changes = overrides.get(name, {}) if name else {}
        unknown = sorted(set(changes) - set(OVERRIDABLE))
        if unknown:
            raise ConfigError(f"overrides for {name!r} name unknown settings {unknown}; allowed: {list(OVERRIDABLE)}")
        values.update(changes)
    return values


def family_run(model: str, profile: dict, *, label: str = "", train_options: dict | None = None, **fields) -> Run:
    """A :class:`Run` of ``model`` with its family's defaults and the profile's budget and overrides;
    ``fields`` are the run's other settings (task, seed, lengths, …) and win over the budget."""
    s = family_settings(model, profile, label, fields.get("task", ""))
    options = {"warmup": s["warmup"], "schedule": s["schedule"], **(train_options or {})}
    budget = {"steps": s["steps"], "batch_size": s["batch_size"], "lr": s["lr"], "curriculum": s["curriculum"]}
    return Run(model=model, label=label, train_options=options, **{**budget, **fields})
