"""The experiments layer: runs, the run store, the run engine, and each chapter's settings.

Every trained experiment of the book is a :class:`Run`; :func:`run_grid` executes the runs that a
:class:`Store` does not hold yet (in parallel worker processes, or on Ray) and returns their table.
"""

from .engine import run_grid, trained_model, usable_cores
from .families import FAMILIES, family_run
from .profiles import PROFILES, profile_settings
from .run import Run, find_run
from .store import Store, open_store
from .summary import per_seed, summarise

__all__ = ["FAMILIES", "PROFILES", "Run", "Store", "family_run", "find_run", "open_store", "per_seed",
           "profile_settings", "run_grid", "summarise", "trained_model", "usable_cores"]
