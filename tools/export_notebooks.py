"""Jupyter-native notebooks from the MyST chapters: a student and an instructor version of each.

    python tools/export_notebooks.py [--out _build/notebooks]

Jupyter and Colab render Markdown and MathJax, not MyST: a ```` ```{prf:definition} ```` block
shows there as a code block with its math unrendered, and a ``{cite}`key` `` role as literal text.
Each chapter's Markdown is rewritten into what Jupyter renders:

- definitions, theorems, propositions, exercises: a quotation headed **Definition 2 (Title).**,
  numbered by kind within the chapter as the book numbers them, with an HTML anchor for its label;
  proofs end with ∎; admonitions become a quotation headed by their title; figures an image;
- ``{prf:ref}``/``{ref}`` to a local label: a link to its anchor with the block's number as text;
- citations: author-year text, ``{cite}`` as (Author Year; …), ``{cite:t}`` as Author (Year), and a
  reference list of the works cited at the end of the notebook;
- solutions: after their exercise in the instructor version, removed from the student version;
  code cells tagged ``solution`` likewise;
- after each auto-checked exercise (``recur_tutorial.exercises.catalogue``), a code cell ending in its
  checker call: with the answers left as ``...`` for the student, filled in for the instructor.

Under the title, a note on running it in Colab (runtime, time, keeping ``results_dir`` on Drive;
tools/colab.py), then a code cell that installs the companion package at the release tag (or commit)
the book was built from, from the repository address in ``_config.yml``. Any directive or role the
converter does not know is an error that names it, so new MyST syntax cannot slip through unconverted.
"""

from __future__ import annotations

import argparse
import copy
import functools
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recur_tutorial.exercises.catalogue import exercises_of  # noqa: E402
VERSIONS = ("student", "instructor")
# The built book (with its notebooks/) is published on the repository's GitHub Pages branch, from
# which Colab opens the student notebooks (book/running.md says how to publish).
PAGES_BRANCH = "gh-pages"

BLOCK_TITLES = {
    "prf:definition": "Definition", "prf:theorem": "Theorem", "prf:proposition": "Proposition",
    "prf:lemma": "Lemma", "prf:corollary": "Corollary", "prf:example": "Example", "prf:remark": "Remark",
    "prf:conjecture": "Conjecture", "prf:algorithm": "Algorithm", "prf:axiom": "Axiom",
    "prf:observation": "Observation", "prf:property": "Property", "exercise": "Exercise",
}
ADMONITIONS = {"note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important", "warning": "Warning",
               "caution": "Caution", "attention": "Attention", "danger": "Danger", "error": "Error",
               "seealso": "See also", "admonition": ""}
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<argument>.*)$")
ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<content>[^`]*)`")
TARGET = re.compile(r"^\((?P<label>[\w:.-]+)\)=[ \t]*$")
# What no Jupyter-native notebook may contain: a MyST directive fence, role or target.
MYST_SYNTAX = re.compile(r"^\s*(`{3,}|:{3,})\{[\w:-]+\}|\{[\w:-]+\}`[^`]*`|^\([\w:.-]+\)=\s*$", re.M)


class ConversionError(ValueError):
    """MyST the converter does not know how to write as plain Markdown."""


# ---------------------------------------------------------------------------------------------
# References

@functools.lru_cache(maxsize=None)
def _latex_to_text(text: str) -> str:
    from pybtex.backends.plaintext import Backend
    from pybtex.richtext import Text

    return Text.from_latex(text).render(Backend())


@dataclass
class Bibliography:
    """The book's BibTeX entries, cited as author-year text."""

    entries: dict

    @classmethod
    def read(cls, path: Path) -> "Bibliography":
        from pybtex.database import parse_file

        return cls(dict(parse_file(str(path), bib_format="bibtex").entries))

    def _entry(self, key: str):
        if key not in self.entries:
            raise ConversionError(f"citation {key!r} is not in book/references.bib")
        return self.entries[key]

    def authors(self, key: str) -> str:
        people = self._entry(key).persons.get("author") or self._entry(key).persons.get("editor", [])
        names = [_latex_to_text(" ".join(p.prelast_names + p.last_names)) for p in people]
        if len(names) == 1:
            return names[0]
        if len(names) == 2:
            return f"{names[0]} and {names[1]}"
        return f"{names[0]} et al."

    def year(self, key: str) -> str:
        return self._entry(key).fields.get("year", "n.d.")

    def reference(self, key: str) -> str:
        """One entry of the reference list: authors (year). Title. Venue."""
        entry = self._entry(key)
        people = entry.persons.get("author", [])
        authors = ", ".join(_latex_to_text(" ".join(p.first_names + p.middle_names + p.prelast_names + p.last_names))
                            for p in people)
        fields = entry.fields
        venue = next((fields[k] for k in ("journal", "booktitle", "publisher", "howpublished") if k in fields), "")
        parts = [f"{authors} ({self.year(key)}).", f"*{_latex_to_text(fields.get('title', key))}*."]
        if venue:
            parts.append(f"{_latex_to_text(venue)}.")
        if "url" in fields:
            parts.append(fields["url"])
        return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Markdown

@dataclass
class Chapter:
    """What the converter learns about one chapter on a first pass: its numbered blocks and citations."""

    numbers: dict = field(default_factory=dict)   # label -> "Definition 2"
    counts: dict = field(default_factory=dict)    # kind -> blocks seen so far
    exercises: dict = field(default_factory=dict)  # exercise label -> "Exercise 3 (Title)"
    cited: list = field(default_factory=list)
    elsewhere: dict = field(default_factory=dict)  # label elsewhere -> (notebook, "Definition 1.1")


def _split_directive(lines: list[str], start: int) -> tuple[dict, list[str], int]:
    """Parse the directive whose fence opens at ``lines[start]``: (head, body lines, index after it)."""
    match = FENCE.match(lines[start])
    fence = match["fence"]
    closing = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    end = start + 1
    depth = 0
    while end < len(lines):
        inner = FENCE.match(lines[end])
        if inner and inner["fence"][0] == fence[0] and len(inner["fence"]) == len(fence):
            depth += 1
        elif closing.match(lines[end]):
            if depth == 0:
                break
            depth -= 1
        end += 1
    if end == len(lines):
        raise ConversionError(f"the directive {match['name']!r} opened by {lines[start]!r} is never closed")
    body = lines[start + 1:end]
    options = {}
    if body and body[0].strip() == "---":
        close = body.index("---", 1)
        options = yaml.safe_load("\n".join(body[1:close])) or {}
        body = body[close + 1:]
    while body and re.match(r"^:[\w-]+:", body[0]):
        key, _, value = body.pop(0)[1:].partition(":")
        options[key] = value.strip()
    while body and not body[0].strip():
        body.pop(0)
    head = {"name": match["name"], "argument": match["argument"].strip(), "options": options}
    return head, body, end + 1


def _quote(lines: list[str]) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in lines]


class Converter:
    """Rewrites one chapter's Markdown cells; ``version`` is ``student`` or ``instructor``."""

    def __init__(self, bibliography: Bibliography, chapter: Chapter, version: str):
        self.bibliography, self.chapter, self.version = bibliography, chapter, version

    # --- roles -----------------------------------------------------------------------------
    def _role(self, match: re.Match) -> str:
        name, content = match["name"], match["content"]
        if name in ("cite", "cite:p", "cite:t", "cite:ps", "cite:ts"):
            keys = [k.strip() for k in content.split(",") if k.strip()]
            for key in keys:
                if key not in self.chapter.cited:
                    self.chapter.cited.append(key)
            if name.startswith("cite:t"):
                return "; ".join(f"{self.bibliography.authors(k)} ({self.bibliography.year(k)})" for k in keys)
            return "(" + "; ".join(f"{self.bibliography.authors(k)} {self.bibliography.year(k)}" for k in keys) + ")"
        if name in ("prf:ref", "ref", "numref", "eq"):
            text, _, label = content.rpartition("<")
            label = (label.rstrip(">") if text else content).strip()
            if label in self.chapter.numbers:
                return f"[{text.strip() or self.chapter.numbers[label]}](#{label})"
            if label in self.chapter.elsewhere:
                notebook, number = self.chapter.elsewhere[label]
                return f"[{text.strip() or number}]({notebook}#{label})"
            raise ConversionError(f"{{{name}}}`{content}`: no numbered block labelled {label!r} in any chapter")
        if name == "math":
            return f"${content}$"
        if name in ("code", "samp", "file", "command"):
            return f"`{content}`"
        if name in ("doc", "download"):
            text, _, target = content.rpartition("<")
            return text.strip() or content
        raise ConversionError(f"the MyST role {{{name}}} has no plain-Markdown form here (in {match[0]!r})")

    def inline(self, text: str) -> str:
        return ROLE.sub(self._role, text)

    # --- directives --------------------------------------------------------------------------
    def _directive(self, head: dict, body: list[str]) -> list[str]:
        name, argument, options = head["name"], head["argument"], head["options"]
        content = self.lines(body)
        anchor = [f'<a id="{options["label"]}"></a>', ""] if "label" in options else []
        if name in BLOCK_TITLES:
            number = self.chapter.numbers[options["label"]] if "label" in options else BLOCK_TITLES[name]
            title = f"**{number}" + (f" ({self.inline(argument)})" if argument else "") + ".**"
            return anchor + _quote([title, *content])
        if name == "prf:proof":
            return _quote(["*Proof.*", *content, "", "∎"])
        if name == "solution":
            if self.version == "student":
                return []
            exercise = self.chapter.exercises.get(argument, argument)
            return _quote([f"**Solution to {exercise}.**", *content])
        if name in ADMONITIONS:
            title = self.inline(argument) if name == "admonition" else ADMONITIONS[name]
            return _quote([f"**{title}.**", *content])
        if name == "figure":
            caption = " ".join(line.strip() for line in content if line.strip())
            return anchor + [f"![{options.get('alt', caption)}]({argument})", "", f"*{caption}*" if caption else ""]
        if name == "math":
            return anchor + ["$$", *body, "$$"]
        raise ConversionError(f"the MyST directive {{{name}}} has no plain-Markdown form here")

    def lines(self, lines: list[str]) -> list[str]:
        out, index, in_code = [], 0, False
        while index < len(lines):
            line = lines[index]
            if not in_code and FENCE.match(line):
                head, body, index = _split_directive(lines, index)
                out += self._directive(head, body)
                continue
            if re.match(r"^\s*(`{3,}|~{3,})", line):
                in_code = not in_code
            target = None if in_code else TARGET.match(line)
            if target:
                out.append(f'<a id="{target["label"]}"></a>')
            else:
                out.append(line if in_code or line.startswith("    ") else self.inline(line))
            index += 1
        return out

    def markdown(self, source: str) -> str:
        return "\n".join(self.lines(source.split("\n"))).strip("\n")


def number_blocks(cells: list, chapter: Chapter, prefix: str = "") -> None:
    """First pass: number the labelled blocks by kind, in reading order, as the book does: within the
    chapter, after the chapter's number (``prefix``, e.g. "4." gives Exercise 4.1, 4.2, ...)."""
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.split("\n")
        for index, line in enumerate(lines):
            match = FENCE.match(line)
            if not match or match["name"] not in BLOCK_TITLES:
                continue
            head, _, _ = _split_directive(lines, index)
            kind = BLOCK_TITLES[head["name"]]
            chapter.counts[kind] = chapter.counts.get(kind, 0) + 1
            number = f"{kind} {prefix}{chapter.counts[kind]}"
            if "label" in head["options"]:
                chapter.numbers[head["options"]["label"]] = number
                if head["name"] == "exercise":
                    title = f" ({head['argument']})" if head["argument"] else ""
                    chapter.exercises[head["options"]["label"]] = number + title


# ---------------------------------------------------------------------------------------------
# Notebooks

def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def repository() -> tuple[str, str]:
    """The repository's address and branch, as written once in _config.yml."""
    config = book_config()["repository"]
    return config["url"].rstrip("/"), config.get("branch", "main")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def package_version() -> str:
    """The package's version, as written once in pyproject.toml."""
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def built_commit() -> str:
    """What the install lines pin: the release tag ``v<version>`` when the book is built from the commit
    it tags, else that commit (the branch name when git cannot tell)."""
    try:
        tag = f"v{package_version()}"
        return tag if tag in _git("tag", "--points-at", "HEAD").split() else _git("rev-parse", "HEAD")
    except (OSError, subprocess.CalledProcessError):
        return repository()[1]


def install_cell(commit: str) -> nbformat.NotebookNode:
    url, _ = repository()
    source = (
        "# Installs the companion package at the release (or commit) this notebook was built from (on\n"
        "# Colab, or wherever it is not installed yet).\n"
        "import importlib.util\n"
        "import sys\n\n"
        'if "google.colab" in sys.modules or importlib.util.find_spec("recur_tutorial") is None:\n'
        f'    %pip install --quiet "recur-tutorial @ git+{url}@{commit}"'
    )
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["install"]})


def labels_elsewhere(path: Path) -> dict:
    """The numbered blocks of every other chapter: label -> (notebook name, "Definition 1.1")."""
    found = {}
    for other in chapters_in_toc():
        other_path = ROOT / f"{other}.ipynb"
        if other_path == path:
            continue
        chapter = Chapter()
        number_blocks(nbformat.read(other_path, as_version=4).cells, chapter, chapter_prefix(other_path))
        found.update({label: (other_path.name, text) for label, text in chapter.numbers.items()})
    return found


def solution_code(solution: str) -> str:
    """The instructor's code without Otter's markers (``# SOLUTION``, ``# BEGIN/END SOLUTION``)."""
    lines = [line for line in solution.split("\n") if line.strip() not in ("# BEGIN SOLUTION", "# END SOLUTION")]
    return "\n".join(re.sub(r"\s*# SOLUTION$", "", line) for line in lines)


def student_code(solution: str) -> str:
    """The code a student completes: each answer replaced by ``...``, as Otter Assign does."""
    from otter.assign.solutions import replace_solutions

    return "\n".join(replace_solutions(solution.split("\n"), "python"))


def exercise_cell(exercise, version: str) -> nbformat.NotebookNode:
    code = solution_code(exercise.solution) if version == "instructor" else student_code(exercise.solution)
    return nbformat.v4.new_code_cell(f"{code}\n\n{exercise.check}", metadata={"tags": ["exercise"]})


def block_end(text: str, anchor: int) -> int:
    """Where the quoted block after the anchor at ``anchor`` ends: its last ``>`` line's end."""
    lines = text[anchor:].split("\n")
    index, end = 1, len(lines[0])
    while index < len(lines) and not lines[index].strip():  # blank lines between the anchor and the quote
        end += 1 + len(lines[index])
        index += 1
    while index < len(lines) and lines[index].startswith(">"):
        end += 1 + len(lines[index])
        index += 1
    return anchor + end


def with_exercise_cells(cell, exercises: dict, version: str) -> list:
    """Split a Markdown cell around each checked exercise and put its code right after its own text,
    before whatever follows it (a solution, another exercise, the next section)."""
    blocks = [(m.start(), block_end(cell.source, m.start()), m["label"])
              for m in re.finditer(r'<a id="(?P<label>[\w.-]+)"></a>', cell.source) if m["label"] in exercises]
    if not blocks:
        return [cell]
    cells, done = [], 0
    for start, end, label in blocks:
        for text in (cell.source[done:start], cell.source[start:end]):
            if text.strip("\n"):
                cells.append(nbformat.v4.new_markdown_cell(text.strip("\n")))
        cells.append(exercise_cell(exercises[label], version))
        done = end
    if cell.source[done:].strip("\n"):
        cells.append(nbformat.v4.new_markdown_cell(cell.source[done:].strip("\n")))
    return cells


def chapter_prefix(path: Path) -> str:
    """"4." for chapters/04_name.ipynb (the book numbers its blocks within each chapter, _toc.yml
    ``numbered``); empty for a notebook whose name does not start with a number."""
    number = path.stem.split("_")[0]
    return f"{int(number)}." if number.isdigit() else ""


def convert(path: Path, version: str, bibliography: Bibliography, commit: str,
            timings: dict | None = None) -> nbformat.NotebookNode:
    """The Jupyter-native ``version`` of the chapter at ``path``; ``timings`` (the build's measured
    times) go into the first cell's advice on how long the chapter takes."""
    from tools.colab import preamble_cells

    if version not in VERSIONS:
        raise ConversionError(f"unknown version {version!r}; versions: {VERSIONS}")
    notebook = nbformat.read(path, as_version=4)
    chapter = Chapter(elsewhere=labels_elsewhere(path))
    number_blocks(notebook.cells, chapter, chapter_prefix(path))
    converter = Converter(bibliography, chapter, version)
    checked = {exercise.label: exercise for exercise in exercises_of(f"chapters/{path.stem}")}
    cells = []
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if "solution" in tags and version == "student":
            continue
        cell = copy.deepcopy(cell)
        if cell.cell_type == "markdown":
            cell.source = converter.markdown(cell.source)
            if cell.source.strip():
                cells += with_exercise_cells(cell, checked, version)
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    if chapter.cited:
        references = ["## References", ""] + [f"- {bibliography.reference(k)}" for k in sorted(
            chapter.cited, key=lambda k: (bibliography.authors(k), bibliography.year(k)))]
        cells.append(nbformat.v4.new_markdown_cell("\n".join(references)))
    title = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), 0)
    first, after_parameters = preamble_cells(f"chapters/{path.stem}", timings or {})
    parameters = next((i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])), None)
    if parameters is not None:
        cells[parameters + 1:parameters + 1] = after_parameters
    heading, _, rest = cells[title].source.partition("\n")
    if heading.startswith("# ") and rest.strip():  # the note right under the title, before the introduction
        cells[title:title + 1] = [nbformat.v4.new_markdown_cell(heading), nbformat.v4.new_markdown_cell(rest.strip())]
    cells[title + 1:title + 1] = [*first, install_cell(commit)]
    out = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(notebook.metadata))
    out.metadata["colab"] = {"provenance": []}
    out.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    nbformat.validator.normalize(out)
    return out


def chapters_in_toc() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [e["file"] for part in toc["parts"] for e in part["chapters"] if e["file"].startswith("chapters/")]


def export(out: Path, commit: str | None = None, versions: tuple[str, ...] = VERSIONS,
           timings: dict | None = None) -> list[Path]:
    """Write ``out/<version>/<chapter>.ipynb`` for every chapter and version; the paths written."""
    bibliography = Bibliography.read(ROOT / "book" / "references.bib")
    commit = commit or built_commit()
    written = []
    for chapter in chapters_in_toc():
        for version in versions:
            notebook = convert(ROOT / f"{chapter}.ipynb", version, bibliography, commit, timings)
            target = out / version / f"{Path(chapter).name}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, target)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=ROOT / "_build" / "notebooks", type=Path)
    args = parser.parse_args(argv)
    for path in export(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
