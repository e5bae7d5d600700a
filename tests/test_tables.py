"""Tables a reader can read: no cell cut short, counts as integers, other numbers to two decimals, no
row numbers, dicts and missing values written out; every DataFrame of a notebook shown that way."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recur_tutorial import tables

LONG = "tasks solved beyond training on most seeds: " + ", ".join(["rnn", "lstm", "stack_rnn", "tape_rnn"] * 6)


def claims_like() -> pd.DataFrame:
    """A table shaped like the chapters' raw claims tables (issue 28's examples)."""
    return pd.DataFrame({"claim": [LONG, "the LSTM solves parity", "no value"],
                         "value": [3.0, 2.0, np.nan], "score": [1.0, 0.5333333, 0.0],
                         "per seed": [{"0": 0.5334821428571429, "1": 0.61}, [0.98, 1.0], None],
                         "drift": [-0.0, 0.00012, 933.256], "steps": [1000, 2000, 400],
                         "holds": [True, False, np.True_]})


def test_every_cell_is_in_full_and_numbers_are_formatted_for_reading():
    shown = tables.readable(claims_like())
    assert list(shown.columns) == ["claim", "value", "score", "per seed", "drift", "steps", "holds"]  # no index
    assert shown.claim[0] == LONG
    assert list(shown.value) == ["3", "2", tables.MISSING]  # a count of seeds stored as reals
    assert list(shown.score) == ["1.00", "0.53", "0.00"]  # accuracies to two decimals
    assert list(shown["per seed"]) == ["0: 0.53, 1: 0.61", "0.98, 1.00", tables.MISSING]
    assert list(shown.drift) == ["0.00", "0.00012", "933.26"]  # no -0.00; small values keep their digits
    assert list(shown.steps) == ["1000", "2000", "400"]
    assert list(shown.holds) == ["yes", "no", "yes"]


def test_the_html_has_no_cut_cell_and_no_row_numbers():
    page = tables.html_table(claims_like())
    assert LONG in page and "..." not in page and "…" not in page
    assert "<th>0</th>" not in page and "<th></th>" not in page
    assert "NaN" not in page and "nan" not in page


def test_a_named_index_is_kept_as_a_column():
    table = pd.DataFrame({"accuracy": [0.5, 0.975]}, index=pd.Index([40, 80], name="length"))
    shown = tables.readable(table)
    assert list(shown.columns) == ["length", "accuracy"]
    assert list(shown.length) == ["40", "80"] and list(shown.accuracy) == ["0.50", "0.97"]


def test_a_column_of_whole_accuracies_stays_an_accuracy():
    shown = tables.readable(pd.DataFrame({"best": [1.0, 0.0, 1.0]}))
    assert list(shown.best) == ["1.00", "0.00", "1.00"]


@pytest.mark.parametrize("value, text", [(0.125, "0.12"), (-1e-9, "-1e-09"), (-0.001, "-0.001"),
                                         (float("nan"), tables.MISSING), (2.0, "2.00")])
def test_number_text(value, text):
    assert tables.number_text(value) == text


OPTIONS = ("display.max_colwidth", "display.max_columns", "display.max_rows", "display.width", "display.float_format")


def test_notebooks_show_every_dataframe_so():
    interactive = pytest.importorskip("IPython.core.interactiveshell")
    shell = interactive.InteractiveShell.instance()
    before = {option: pd.get_option(option) for option in OPTIONS}
    try:
        tables.use_book_tables(shell)
        formats, _ = shell.display_formatter.format(claims_like())
        assert formats["text/html"] == tables.html_table(claims_like())
        assert pd.get_option("display.max_colwidth") is None
        plain = repr(pd.DataFrame({"claim": [LONG], "x": [math.pi]}))
        assert LONG in plain and "3.14" in plain and "3.1415" not in plain
    finally:
        shell.display_formatter.formatters["text/html"].pop(pd.DataFrame, None)
        for option, value in before.items():
            pd.set_option(option, value)
