"""What publishing needs (the maintainer's side): workflows valid against GitHub's schema, the
repository's address written once, licences and a citation that agree with the package, a staged
book without solutions, and what a chapter run on its own fetches from the published book."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from tools.colab import archive_name, inputs_archive, pages_url, preamble_cells
from tools.export_notebooks import PAGES_BRANCH, repository
from tools.stage_book import citation, drop_solutions, hide_solutions

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def lint(*paths: Path) -> subprocess.CompletedProcess:
    checker = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
                          capture_output=True, text=True)


def test_the_workflows_are_valid_and_a_broken_one_is_caught(tmp_path):
    assert {p.name for p in WORKFLOWS} >= {"book.yml", "release.yml"}
    done = lint(*WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text("on: [push]\njobs:\n  build:\n    steps:\n      - run: make test\n")  # no runs-on
    assert lint(broken).returncode != 0


def test_pull_requests_are_tested_and_main_deploys_the_branch_colab_opens():
    book = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    triggers = book[True]  # YAML reads the key `on` as True
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    test, deploy = book["jobs"]["test"], book["jobs"]["deploy"]
    assert any(step.get("run", "").strip().endswith("make test") for step in test["steps"])
    publish = next(s for s in deploy["steps"] if s.get("uses", "").startswith("peaceiris/actions-gh-pages"))
    assert publish["with"]["publish_dir"] == "_build/html" and publish["with"]["publish_branch"] == PAGES_BRANCH
    cached = " ".join(s["with"]["path"] for s in deploy["steps"] if s.get("uses", "").startswith("actions/cache"))
    assert ".venv" in cached and "_build/results/store" in cached
    assert "instructor" not in json.dumps(publish)


def test_the_repository_address_is_written_only_in_the_config():
    url, _ = repository()
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    holding = [name for name in tracked if (ROOT / name).is_file() and name != "_config.yml"
               and url.split("github.com/", 1)[1] in (ROOT / name).read_text(errors="ignore")]
    assert holding == []
    assert pages_url() == "https://{}.github.io/{}".format(*url.split("github.com/", 1)[1].lower().split("/"))


def test_licences_citation_and_version_agree():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-content").read_text()
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(cff["version"]) == VERSION and cff["license"] == ["MIT", "CC-BY-4.0"]
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "CC BY 4.0" in config["html"]["extra_footer"] and "MIT" in config["html"]["extra_footer"]
    entry = citation()
    assert f"version = {{{VERSION}}}" in entry and f"url = {{{pages_url()}/}}" in entry
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "ninja" in dependencies  # pip installs what builds the memory RNNs' C++ loop


def test_the_published_book_is_staged_without_solutions(tmp_path):
    assert hide_solutions()
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T\n\n```{exercise} Sum\n:label: ex-sum\n\nAdd.\n```\n\n"
                                      "```{solution} ex-sum\n:class: dropdown\n\nIt is 3.\n```\n\nAfter."),
        nbformat.v4.new_code_cell("answer = 3", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("print(1)"),
    ])
    path = tmp_path / "09_toy.ipynb"
    nbformat.write(notebook, path)
    assert drop_solutions(path) == 2
    staged = nbformat.read(path, as_version=4)
    text = "\n".join(cell.source for cell in staged.cells)
    assert "{solution}" not in text and "It is 3" not in text and "answer = 3" not in text
    assert "{exercise} Sum" in text and "After." in text and "print(1)" in text


def test_chapter_5_run_alone_fetches_what_earlier_chapters_computed(tmp_path, capsys):
    from recur_tutorial.experiments import completeness
    from recur_tutorial.engine.store import open_store
    from recur_tutorial.fetch import fetch_missing

    chapter = "chapters/05_recurrent_transformers"
    first, after_parameters = preamble_cells(chapter, {chapter: {"profile": "quick", "seconds": 170}})
    assert "CPU runtime" in first[0].source and "2 min 50 s" in first[0].source
    assert "keep_on_drive" in after_parameters[0].source and "drive.mount" in after_parameters[0].source
    assert f'"{archive_name(chapter)}"' in after_parameters[1].source
    assert "runs=completeness.grid_runs(profile)" in after_parameters[1].source
    assert len(preamble_cells("chapters/01_chomsky_hierarchy", {})[1]) == 1  # Chapter 1 reads nothing

    built = tmp_path / "built"  # a build's results: Chapter 4's stored grid and the chapters' JSON
    runs = completeness.grid_runs("quick")
    keys = [open_store(built, "quick").run_id(run) for run in runs]
    for key in keys:
        for sub, suffix in (("weights", ".pt"), ("records", ".json")):
            (built / "store" / "quick" / sub).mkdir(parents=True, exist_ok=True)
            (built / "store" / "quick" / sub / f"{key}{suffix}").write_text(json.dumps({"run": key}))
    published = tmp_path / "published"
    archive = inputs_archive(chapter, built, published)
    assert archive.name == archive_name(chapter) and len(zipfile.ZipFile(archive).namelist()) == 2 * len(keys)
    for number in (1, 2, 3, 4):
        (published / f"chapter{number}.json").write_text(json.dumps({"chapter": number}))

    alone = tmp_path / "colab"
    (alone / "chapter2.json").parent.mkdir()
    (alone / "chapter2.json").write_text("computed here")
    written = fetch_missing(published.as_uri(), alone, [f"chapter{n}.json" for n in (1, 2, 3, 4)], archive.name)
    assert len(written) == 3 + 2 * len(keys)
    assert (alone / "chapter2.json").read_text() == "computed here"  # never replaced
    assert json.loads((alone / "store" / "quick" / "records" / f"{keys[0]}.json").read_text()) == {"run": keys[0]}
    assert fetch_missing(published.as_uri(), alone, ["chapter1.json"], archive.name) == []
    capsys.readouterr()
    # every run stored already: the archive is not even asked for
    assert fetch_missing((tmp_path / "nowhere").as_uri(), alone, [], archive.name, runs=runs) == []
    assert "not fetched" not in capsys.readouterr().out
    assert fetch_missing((tmp_path / "nowhere").as_uri(), tmp_path / "offline", ["chapter1.json"]) == []
    assert "not fetched" in capsys.readouterr().out  # offline: it says so, and the chapter computes it


def test_an_archive_member_outside_results_dir_is_refused(tmp_path):
    from recur_tutorial.fetch import fetch_missing

    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as bundle:
        bundle.writestr("../escape.txt", "x")
    with pytest.raises(ValueError, match="not a path inside results_dir"):
        fetch_missing(tmp_path.as_uri(), tmp_path / "results", archive="bad.zip")


def test_install_lines_pin_the_release_tag_when_built_from_it(monkeypatch):
    import tools.export_notebooks as export_notebooks

    answers = {("tag", "--points-at", "HEAD"): f"v{VERSION}\nother", ("rev-parse", "HEAD"): "0123abc"}
    monkeypatch.setattr(export_notebooks, "_git", lambda *args: answers[args])
    assert export_notebooks.built_commit() == f"v{VERSION}"
    answers[("tag", "--points-at", "HEAD")] = ""
    assert export_notebooks.built_commit() == "0123abc"
