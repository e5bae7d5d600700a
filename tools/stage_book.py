"""Stage the book's sources in ``_build/source/`` for a build that reads offline.

    python tools/stage_book.py

Copies ``_config.yml``, ``_toc.yml`` and ``book/`` (the executed chapters are written there by
``tools/execute_chapters.py``), and adds what the build generates:

- what the pages load from the book itself instead of a CDN: MathJax 3, from the npm registry at
  the version locked in ``tools/npm/package-lock.json`` (``npm ci``), served from
  ``_static/mathjax/`` (its SVG output needs no web fonts, so it also works from ``file://``), and
  plotly.js, from the ``plotly`` package pinned in requirements.txt, served as ``_static/plotly.min.js``
  (``book/_ext/interactive_pages.py`` loads it on the pages that draw an interactive figure);
- the Jupyter-native student notebooks (``notebooks/student/``), the results JSON of each chapter and
  the stored runs a chapter run on its own fetches (``results/``), published at the root of the book;
- no solutions when ``_config.yml`` sets sphinx-exercise's ``hide_solutions`` (the published book):
  the ``{solution}`` blocks and the cells tagged ``solution`` are removed from the staged chapters, so
  neither the pages nor their downloadable sources hold them, and no instructor notebook is staged
  (``tools/assignment.py --all`` makes those, for instructors only);
- ``html_baseurl`` (sitemap, canonical links): the GitHub Pages address of the repository in ``_config.yml``;
- no saved widget state (each widget output carries a figure of its first state instead);
- a chapter card on top of each executed chapter, the list of results on the landing page and the
  syllabus on the teaching page;
- the landing page's thesis figure, reading time and prerequisites, and the closing page's table of
  what each chapter measured (``tools/front_page.py``).

Staging again replaces what it generated; ``npm ci`` runs once per lock file.
"""

from __future__ import annotations

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
SYLLABUS_MARKER = "<!-- syllabus -->"  # in book/teaching.md: replaced by the syllabus (book/chapters.yml)
CITE_MARKER = "<!-- cite this book -->"  # in book/teaching.md: replaced by a BibTeX entry from CITATION.cff
MATHJAX_PARTS = ("tex-svg-full.js", "a11y", "adaptors", "input", "output/svg", "output/svg.js", "sre", "ui")


def hide_solutions() -> bool:
    """The setting that builds the book without solutions (sphinx-exercise's, in _config.yml)."""
    from tools.export_notebooks import book_config

    return bool(book_config().get("sphinx", {}).get("config", {}).get("hide_solutions", False))


def stage_config() -> None:
    """_config.yml as written, with html_baseurl set to where GitHub Pages serves the book."""
    import yaml

    from tools.colab import pages_url

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("sphinx", {}).setdefault("config", {})["html_baseurl"] = pages_url() + "/"
    (SOURCE / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))


def drop_solutions(path: Path) -> int:
    """Remove the ``{solution}`` blocks and the cells tagged ``solution`` from a chapter notebook (in
    place); the number of solutions removed."""
    import nbformat

    from tools.export_notebooks import FENCE, _split_directive

    notebook = nbformat.read(path, as_version=4)
    removed, cells = 0, []
    for cell in notebook.cells:
        if "solution" in cell.metadata.get("tags", []):
            removed += 1
            continue
        if cell.cell_type == "markdown":
            lines, kept, index = cell.source.split("\n"), [], 0
            while index < len(lines):
                match = FENCE.match(lines[index])
                if match and match["name"] == "solution":
                    _, _, index = _split_directive(lines, index)
                    removed += 1
                    continue
                kept.append(lines[index])
                index += 1
            cell.source = "\n".join(kept)
        cells.append(cell)
    notebook.cells = cells
    nbformat.write(notebook, path)
    return removed


def citation() -> str:
    """A BibTeX entry for the book, from CITATION.cff and the repository address in _config.yml."""
    import yaml

    from tools.colab import pages_url

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    authors = " and ".join(a.get("name") or f"{a['family-names']}, {a['given-names']}" for a in cff["authors"])
    year = str(cff["date-released"])[:4]
    return (f"```bibtex\n@book{{recur_tutorial_{year},\n  title = {{{cff['title']}}},\n  author = {{{{{authors}}}}},\n"
            f"  year = {{{year}}},\n  version = {{{cff['version']}}},\n  url = {{{pages_url()}/}}\n}}\n```")


def stage_sources() -> None:
    SOURCE.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "_toc.yml", SOURCE / "_toc.yml")
    stage_config()
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


def install_plotly() -> str:
    """plotly.min.js, as the pinned ``plotly`` package bundles it, into the book's static files; its version."""
    import plotly
    from plotly.offline import get_plotlyjs_version

    shutil.copy2(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", ASSETS / "plotly.min.js")
    return get_plotlyjs_version()


def drop_widget_state(path: Path) -> None:
    """Remove the widget state nbclient saved with an executed chapter. With it, the page would load
    require.js and the widget manager from a CDN to draw widgets that, without a kernel, cannot
    react; every widget output carries a figure of its first state, which the page shows instead."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    if notebook.metadata.pop("widgets", None) is not None:
        nbformat.write(notebook, path)


def stage_generated() -> None:
    """Notebooks, results, chapter cards and the landing page's results list."""
    from tools.chapter_cards import add_card, results_name, results_table, syllabus
    from tools.colab import inputs_archive
    from tools.front_page import stage_pages
    from tools.export_notebooks import VERSIONS, chapters_in_toc, export

    timings = read_json(RESULTS / "timings.json", default={})
    shutil.rmtree(EXTRA / "notebooks", ignore_errors=True)
    export(EXTRA / "notebooks", versions=("student",) if hide_solutions() else VERSIONS, timings=timings)
    (EXTRA / "results").mkdir(parents=True, exist_ok=True)
    for path in RESULTS.glob("*.json"):
        shutil.copy2(path, EXTRA / "results" / path.name)
    results = {}
    for chapter in chapters_in_toc():
        inputs_archive(chapter, RESULTS, EXTRA / "results")
        executed = SOURCE / f"{chapter}.ipynb"
        if executed.exists():
            drop_widget_state(executed)
            if hide_solutions():
                drop_solutions(executed)
            add_card(executed, chapter, timings, instructor=not hide_solutions())
        path = RESULTS / results_name(chapter)
        if path.exists():
            results[chapter] = read_json(path, default={})
    intro = SOURCE / "book" / "intro.md"
    text = intro.read_text().replace(RESULTS_MARKER, results_table(chapters_in_toc(), results, timings))
    intro.write_text(text)
    stage_pages(SOURCE / "book", RESULTS, chapters_in_toc(), results)  # thesis figure, reading time, conclusion
    teaching = SOURCE / "book" / "teaching.md"
    text = teaching.read_text().replace(SYLLABUS_MARKER, syllabus(chapters_in_toc(), timings))
    teaching.write_text(text.replace(CITE_MARKER, citation()))


def stage_book() -> None:
    stage_sources()
    version = install_mathjax()
    plotly_version = install_plotly()
    stage_generated()
    print(f"staged {SOURCE.relative_to(ROOT)} (MathJax {version} in _static/mathjax, plotly.js {plotly_version} "
          "in _static/plotly.min.js)", flush=True)


if __name__ == "__main__":
    stage_book()
