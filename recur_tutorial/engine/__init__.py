"""The run engine: runs, the run store, their executors, estimates, provenance and kept records.

Every trained experiment of the book is a :class:`Run`; :func:`run_grid` executes the runs that a
:class:`Store` does not hold yet (in worker processes, or on Ray) and returns their per-length table.
A chapter's settings come in two profiles (:mod:`.profiles`) and each model family has its training
defaults (:mod:`.families`). Records that the book keeps in the repository (the robustness table, the
atlas) are written and checked by :mod:`.kept`. The engine knows no chapter: the chapters' experiments
live in :mod:`recur_tutorial.experiments`, above it.
"""

from .executors import run_grid, trained_model, usable_cores
from .families import FAMILIES, family_run
from .profiles import PROFILES, profile_settings
from .run import Run, find_run
from .store import Store, open_store

__all__ = ["FAMILIES", "PROFILES", "Run", "Store", "family_run", "find_run", "open_store", "profile_settings",
           "run_grid", "trained_model", "usable_cores"]
