"""Each chapter's experiments (its settings, runs and analysis), above the run engine
(:mod:`recur_tutorial.engine`): :mod:`.chomsky` (Chapter 1), :mod:`.depth` (2), :mod:`.cot` (3),
:mod:`.completeness` (4), :mod:`.revisit` (5), the robustness table of every chapter's positive
claims (:mod:`.robustness`), the command that runs a chapter's grid (:mod:`.sweep`) and the summaries
over seeds (:mod:`.summary`).
"""

from .summary import per_seed, summarise

__all__ = ["per_seed", "summarise"]
