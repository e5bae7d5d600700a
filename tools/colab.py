"""The first cells of every Jupyter-native chapter notebook: how to run it on Colab.

Under the title, a note on the runtime to pick and how long the chapter takes (the quick profile as
measured by the build, ``_build/results/timings.json``); after the parameters cell, an optional switch
that keeps ``results_dir`` on Google Drive, where a recycled Colab runtime does not delete it; and, for
a chapter that reads what earlier chapters computed (``reads`` in ``book/chapters.yml``), a cell that
fetches what is missing from the published book (``recur_tutorial.fetch``) instead of training it
again. ``inputs_archive`` writes the archive of stored runs that the cell fetches.
"""

from __future__ import annotations

import importlib
import zipfile
from pathlib import Path

import nbformat

from tools.chapter_cards import chapter_meta, chapter_number, duration


def pages_url() -> str:
    """Where GitHub Pages serves the book: https://<owner>.github.io/<name>, from _config.yml's address."""
    from tools.export_notebooks import repository

    owner, name = repository()[0].split("github.com/", 1)[1].split("/")[:2]
    return f"https://{owner.lower()}.github.io/{name}"


def runtime_note(chapter: str, timings: dict) -> str:
    measured = timings.get(chapter)
    if measured and measured.get("profile") == "quick":
        took = (f"the quick profile took **{duration(measured['seconds'])}** when the book was built, on 2 CPU "
                "cores, as many as a free Colab CPU runtime has, so expect about that")
    else:
        took = "the chapter card on the book's page gives the time the quick profile took when the book was built"
    return ("> **Running this notebook.** On Colab, keep the default **CPU runtime** (*Runtime → Change runtime "
            f"type → CPU*): {took}. A GPU runtime is not needed for the quick profile (its models are small; "
            "*Running the book* says what a GPU changes). Colab deletes `/content` "
            "when a runtime is recycled: to keep the trained runs and the results, set `keep_on_drive = True` "
            "in the cell after the parameters, and a later run picks up where this one stopped. Then "
            "*Runtime → Run all*.")


DRIVE_CELL = """\
# Colab deletes /content when the runtime is recycled. keep_on_drive = True keeps results_dir (the
# trained runs and the results) on your Google Drive, where a later run picks up where this one stopped.
keep_on_drive = False
if keep_on_drive:
    from google.colab import drive

    drive.mount("/content/drive")
    results_dir = "/content/drive/MyDrive/recur-tutorial/results\""""


def reads(chapter: str) -> dict:
    return chapter_meta().get(chapter, {}).get("reads", {})


def archive_name(chapter: str, profile: str = "quick") -> str:
    return f"inputs-chapter{chapter_number(chapter)}-{profile}.zip"


def fetch_cell(chapter: str) -> str:
    read = reads(chapter)
    files = [f"chapter{number}.json" for number in read.get("results", [])]
    lines = [f"# This chapter reads {read['what']}. Run on its own (on Colab, say),",
             "# it fetches what is missing from the published book instead of training it again.",
             "from recur_tutorial.fetch import fetch_missing"]
    arguments = [f'"{pages_url()}/results"', "results_dir", repr(files)]
    if read.get("runs"):
        module, _, function = read["runs"][0].partition(":")
        lines.insert(2, f"from {module.rpartition('.')[0]} import {module.rpartition('.')[2]}")
        arguments += [f'archive="{archive_name(chapter)}" if profile == "quick" else None',
                      f"runs={module.rpartition('.')[2]}.{function}(profile)", "profile=profile"]
    return "\n".join(lines) + "\n\nfetch_missing(" + ",\n              ".join(arguments) + ")"


def preamble_cells(chapter: str, timings: dict) -> tuple[list, list]:
    """(the cells under the title, the cells after the parameters cell) of ``chapter``'s notebook."""
    under_title = [nbformat.v4.new_markdown_cell(runtime_note(chapter, timings), metadata={"tags": ["colab"]})]
    after_parameters = [nbformat.v4.new_code_cell(DRIVE_CELL, metadata={"tags": ["colab"]})]
    if reads(chapter):
        after_parameters.append(nbformat.v4.new_code_cell(fetch_cell(chapter), metadata={"tags": ["colab"]}))
    return under_title, after_parameters


def inputs_archive(chapter: str, results: Path, out: Path, profile: str = "quick") -> Path | None:
    """Zip the stored runs (weights and records, under ``store/<profile>/``) that ``chapter`` reads from
    other chapters (``reads: runs`` in book/chapters.yml); None when it reads none or they are not stored."""
    from recur_tutorial.engine.store import open_store

    store = open_store(results, profile)  # the chapters' store, keyed as the build keyed it
    paths = []
    for spec in reads(chapter).get("runs", []):
        module, _, function = spec.partition(":")
        for run in getattr(importlib.import_module(module), function)(profile):
            paths += [p for p in (store.weights_path(run), store.record_path(run)) if p.exists()]
    if not paths:
        return None
    target = out / archive_name(chapter, profile)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in paths:
            bundle.write(path, path.relative_to(results).as_posix())
    return target
