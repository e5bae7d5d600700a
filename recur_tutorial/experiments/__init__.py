"""Grids of training runs, resumable, and the settings of each chapter's profiles."""

from .grid import Run, run_grid, summarise
from .profiles import PROFILES, profile_settings

__all__ = ["PROFILES", "Run", "profile_settings", "run_grid", "summarise"]
