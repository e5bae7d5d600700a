"""Stage the book's sources in ``_build/source/`` for a build that reads offline.

    python tools/stage_book.py

Copies ``_config.yml``, ``_toc.yml`` and ``book/`` (the executed chapters are written there by
``tools/execute_chapters.py``), and adds what the build generates:

- what the pages load from the book itself instead of a CDN: MathJax 3, from the npm registry at
  the version locked in ``tools/npm/package-lock.json`` (``npm ci``), served from
  ``_static/mathjax/`` (its SVG output needs no web fonts, so it also works from ``file://``);
- the Jupyter-native student and instructor notebooks (``notebooks/``) and the results JSON of each
  chapter (``results/``), published at the root of the built book;
- no saved widget state (each widget output carries a figure of its first state instead);
- a chapter card on top of each executed chapter, the list of results on the landing page and the
  syllabus on the teaching page.

Staging again replaces what it generated; ``npm ci`` runs once per lock file.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recur_tutorial.results import read_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
SOURCE = BUILD / "source"
NPM = BUILD / "npm"
ASSETS = SOURCE / "_assets"  # html_static_path in _config.yml: copied into the built book's _static/
EXTRA = SOURCE / "_extra"    # html_extra_path in _config.yml: copied to the root of the built book
RESULTS = BUILD / "results"
RESULTS_MARKER = "<!-- results of this build -->"  # in book/intro.md: replaced by the table of results
FIGURE_MARKER = "<!-- book figure -->"  # in book/intro.md: replaced by the cell tagged book-figure, as run
FIGURE_CAPTION = ("The book's argument in one figure (Chapter 4, as measured by this build): linear recurrences whose "
                  "transition eigenvalues lie in [0, 1] stay at chance on parity beyond the training lengths, the LSTM "
                  "and the [-1, 1] variants keep it; colours show accuracy above chance, in both panels.")
SYLLABUS_MARKER = "<!-- syllabus -->"  # in book/teaching.md: replaced by the syllabus (book/chapters.yml)
MATHJAX_PARTS = ("tex-svg-full.js", "a11y", "adaptors", "input", "output/svg", "output/svg.js", "sre", "ui")


def stage_sources() -> None:
    SOURCE.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, SOURCE / name)
    shutil.copytree(ROOT / "book", SOURCE / "book", dirs_exist_ok=True)
    (SOURCE / "chapters").mkdir(exist_ok=True)
    shutil.copytree(ROOT / "book" / "_assets", ASSETS, dirs_exist_ok=True)


def npm_install() -> Path:
    """``npm ci`` into _build/npm (skipped when the lock file has not changed); the node_modules path."""
    lock = ROOT / "tools" / "npm" / "package-lock.json"
    stamp = NPM / ".installed-lock.json"
    if not (stamp.exists() and stamp.read_text() == lock.read_text()):
        if shutil.which("npm") is None:
            raise SystemExit("npm is needed to install MathJax for the offline book (Debian: apt-get install -y npm)")
        NPM.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(lock.with_name(name), NPM / name)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NPM, check=True)
        stamp.write_text(lock.read_text())
    return NPM / "node_modules"


def install_mathjax() -> str:
    modules = npm_install()
    source = modules / "mathjax" / "es5"
    target = ASSETS / "mathjax"
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)
    return json.loads((modules / "mathjax" / "package.json").read_text())["version"]


def drop_widget_state(path: Path) -> None:
    """Remove the widget state nbclient saved with an executed chapter. With it, the page would load
    require.js and the widget manager from a CDN to draw widgets that, without a kernel, cannot
    react; every widget output carries a figure of its first state, which the page shows instead."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    if notebook.metadata.pop("widgets", None) is not None:
        nbformat.write(notebook, path)


def book_figure(chapters: list[str]) -> str:
    """The image of the executed cell tagged ``book-figure``, saved beside intro.md, as Markdown."""
    import nbformat

    for chapter in chapters:
        executed = SOURCE / f"{chapter}.ipynb"
        if not executed.exists():
            continue
        for cell in nbformat.read(executed, as_version=4).cells:
            if "book-figure" in cell.metadata.get("tags", []):
                images = [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
                if images:
                    (SOURCE / "book" / "book-figure.png").write_bytes(base64.b64decode(images[0]))
                    return f"```{{figure}} book-figure.png\n:width: 100%\n\n{FIGURE_CAPTION}\n```"
    return "*(The book's figure appears here once Chapter 4 has been executed.)*"


def stage_generated() -> None:
    """Notebooks, results, chapter cards and the landing page's results list."""
    from tools.chapter_cards import add_card, results_table, syllabus
    from tools.export_notebooks import chapters_in_toc, export

    export(EXTRA / "notebooks")
    (EXTRA / "results").mkdir(parents=True, exist_ok=True)
    for path in RESULTS.glob("*.json"):
        shutil.copy2(path, EXTRA / "results" / path.name)
    timings = read_json(RESULTS / "timings.json", default={})
    results = {}
    for chapter in chapters_in_toc():
        executed = SOURCE / f"{chapter}.ipynb"
        if executed.exists():
            drop_widget_state(executed)
            add_card(executed, chapter, timings)
        path = RESULTS / f"chapter{int(Path(chapter).name.split('_')[0])}.json"
        if path.exists():
            results[chapter] = read_json(path, default={})
    intro = SOURCE / "book" / "intro.md"
    text = intro.read_text().replace(RESULTS_MARKER, results_table(chapters_in_toc(), results, timings))
    intro.write_text(text.replace(FIGURE_MARKER, book_figure(chapters_in_toc())))
    teaching = SOURCE / "book" / "teaching.md"
    teaching.write_text(teaching.read_text().replace(SYLLABUS_MARKER, syllabus(chapters_in_toc(), timings)))


def stage_book() -> None:
    stage_sources()
    version = install_mathjax()
    stage_generated()
    print(f"staged {SOURCE.relative_to(ROOT)} (MathJax {version} in _static/mathjax)", flush=True)


if __name__ == "__main__":
    stage_book()
