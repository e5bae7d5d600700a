"""The glossary defines the terms issue 28 lists, cites only keys of the bibliography, refers only to
terms it defines, and is in the table of contents."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "book" / "glossary.md").read_text()
REQUIRED = ["transduction", "Dyck language", "TC0", "NC1", "AC0", "constant precision", "logarithmic precision",
            "arbitrary precision", "saturated network", "hard attention", "word problem", "Householder transition",
            "recurrence-completeness", "read_then_write", "tagging", "causal_lm", "chain of thought",
            "length generalisation", "score", "solves", "near chance"]


def defined_terms() -> set[str]:
    """Every term line of every glossary block: unindented, non-empty, not an option."""
    terms = set()
    for block in re.findall(r"```\{glossary\}\n(.*?)```", PAGE, flags=re.S):
        terms |= {line.strip() for line in block.splitlines()
                  if line.strip() and not line.startswith((" ", ":"))}
    return terms


def test_the_glossary_defines_every_required_term():
    assert [t for t in REQUIRED if t not in defined_terms()] == []


def test_every_term_reference_is_defined():
    used = set(re.findall(r"\{term\}`([^`]+)`", PAGE))
    assert used and used <= defined_terms(), used - defined_terms()


def test_the_glossary_cites_only_keys_of_the_bibliography():
    keys = {k.strip() for group in re.findall(r"\{cite(?::t|:p)?\}`([^`]+)`", PAGE) for k in group.split(",")}
    bib = (ROOT / "book" / "references.bib").read_text()
    assert keys and [k for k in keys if f"{{{k}," not in bib] == []


def test_the_glossary_is_in_the_table_of_contents():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    assert "book/glossary" in [entry["file"] for part in toc["parts"] for entry in part["chapters"]]
