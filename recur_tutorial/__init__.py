"""Companion package of the book *Autoregressive + Chain of Thought = Recurrent*.

One way in: ``tasks.get(name)``, ``tasks.get_layout(name, task)``, ``models.build(name, layout)``,
``train(model, layout, ...)`` and ``evaluate(model, layout, lengths)``.
"""

from . import claims, engine, experiments, models, tasks
from .errors import ConfigError
from .evaluation import Evaluation, evaluate
from .runtime import describe_device, get_device
from .training import Curriculum, train

__version__ = "0.1.0"

__all__ = [
    "ConfigError", "Curriculum", "claims", "engine", "experiments", "Evaluation", "describe_device", "evaluate",
    "get_device", "models", "tasks", "train",
]
