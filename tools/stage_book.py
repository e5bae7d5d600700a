"""Stage the book's sources in ``_build/source/`` for a build that reads offline.

    python tools/stage_book.py

Copies ``_config.yml``, ``_toc.yml`` and ``book/`` (the executed chapters are written there by
``tools/execute_chapters.py``), and installs what the pages load from the book itself instead of a
CDN: MathJax 3, from the npm registry at the version locked in ``tools/npm/package-lock.json``
(``npm ci``), served from ``_static/mathjax/`` (its SVG output needs no web fonts, so it also works
from ``file://``). Staging again only copies what changed; ``npm ci`` runs once per lock file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
SOURCE = BUILD / "source"
NPM = BUILD / "npm"
ASSETS = SOURCE / "_assets"  # html_static_path in _config.yml: copied into the built book's _static/
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


def stage_book() -> None:
    stage_sources()
    version = install_mathjax()
    print(f"staged {SOURCE.relative_to(ROOT)} (MathJax {version} in _static/mathjax)", flush=True)


if __name__ == "__main__":
    stage_book()
