"""Tables for the chapters: tasks shown as strings, chance levels, and every table shown as a reader
reads it (:func:`use_book_tables`): no cell cut short, counts as integers, other numbers to two
decimals, no row numbers."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd

from . import tasks

MISSING = "—"  # a cell with no value (not run, or not defined)
DECIMALS = 2


def task_examples(names, length: int = 8, per_task: int = 2, seed: int = 0) -> pd.DataFrame:
    """``per_task`` examples of each task at input length ℓ, with its Chomsky level."""
    rows = []
    for name in names:
        task = tasks.get(name)
        for x, y in task.samples(per_task, length, seed):
            rows.append({"task": name, "level": task.level, "input x": x, "output y": y})
    return pd.DataFrame(rows)


def chance_level(name: str) -> float:
    """Accuracy of uniform guessing over a task's output symbols (the end marker aside)."""
    symbols = set(tasks.get(name).output_alphabet) - {tasks.END}
    return 1 / len(symbols)


def number_text(value: float) -> str:
    """A real number to :data:`DECIMALS` decimals; one that would round to zero but is not zero keeps
    two significant digits (0.00012), and -0.00 is written 0.00."""
    if math.isnan(value):
        return MISSING
    if value != 0 and abs(value) < 0.5 * 10 ** -DECIMALS:
        return f"{value:.2g}"
    text = f"{value:.{DECIMALS}f}"
    return text.lstrip("-") if float(text) == 0 else text


def cell_text(value) -> str:
    """What a reader sees in a cell: integers whole, reals by :func:`number_text`, a mapping as
    ``key: value`` pairs and a list as its items, each formatted alike; a missing value as
    :data:`MISSING`."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        return number_text(float(value))
    if isinstance(value, dict):
        return ", ".join(f"{cell_text(k)}: {cell_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(cell_text(v) for v in value)
    return str(value)


def is_count(column: pd.Series) -> bool:
    """A column of reals that holds counts: every value whole, and one above 1 (so that a column of
    accuracies 0.0 and 1.0 stays an accuracy)."""
    values = pd.to_numeric(column, errors="coerce").dropna()
    return (pd.api.types.is_float_dtype(column) and len(values) > 0 and bool((values == values.round()).all())
            and bool((values.abs() > 1).any()))


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every cell as the text a reader sees (:func:`cell_text`; whole counts stored as
    reals are written as integers), the index a column of its own unless it is the default row
    number 0..n-1, which is dropped."""
    shown = table.copy()
    if isinstance(shown.index, pd.RangeIndex):
        shown = shown.reset_index(drop=True)
    else:
        shown = shown.reset_index()
    for position in range(shown.shape[1]):
        values = shown.iloc[:, position]
        if is_count(values):
            shown.isetitem(position, [MISSING if pd.isna(v) else str(int(v)) for v in values])
        else:
            shown.isetitem(position, [cell_text(v) for v in values])
    return shown


def html_table(table: pd.DataFrame) -> str:
    """The HTML of :func:`readable`'s table, every cell in full, without row numbers, in a box that
    scrolls sideways when the table is wider than the page."""
    body = readable(table).to_html(index=False, escape=True, border=0)
    return f'<div style="overflow-x: auto">{body}</div>'


def use_book_tables(shell=None) -> None:
    """Show every DataFrame of a notebook as :func:`html_table` writes it (in ``shell``, by default the
    running IPython, if any), and let pandas cut no cell, column or row short in plain text."""
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", None)
    pd.set_option("display.max_rows", None)
    pd.set_option("display.width", None)
    pd.set_option("display.float_format", number_text)
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, html_table)

