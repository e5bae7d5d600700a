"""What a chapter run on its own reads from the published book instead of computing it again.

Chapter 5 reads the results of Chapters 1-4 (``results/chapterN.json``) and Chapter 4's trained grid
(its run store). Run in the same ``results_dir`` after them, it finds both on disk. Run alone (a fresh
Colab runtime, say), :func:`fetch_missing` downloads from the published book the result files that are
missing and the stored runs of an archive (``store/<profile>/records|weights/...``), each file written
atomically and only where no file of that name exists: what was computed here is never replaced.
"""

from __future__ import annotations

import io
import os
import urllib.request
import zipfile
from pathlib import Path

from .results import write_atomic


def _download(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except (OSError, ValueError) as error:
        print(f"not fetched: {url} ({error}); it is computed here instead")
        return None


def fetch_missing(published: str, results_dir: str | os.PathLike, files: list[str] = (),
                  archive: str | None = None, runs: list | None = None, profile: str = "quick") -> list[Path]:
    """Download ``published/<name>`` into ``results_dir/<name>`` for each name of ``files`` that is not
    there, and unpack ``published/<archive>`` (a zip of paths relative to ``results_dir``) where its
    files are missing; with ``runs``, the archive is fetched only when the profile's store in
    ``results_dir`` lacks one of them. Returns the paths written. A download that fails prints why
    and leaves the chapter to compute what it needs."""
    from .engine.store import open_store

    results_dir = Path(results_dir)
    if runs is not None and all(open_store(results_dir, profile).done(run) for run in runs):
        archive = None
    written = []
    for name in files:
        target = results_dir / name
        if not target.exists() and (data := _download(f"{published.rstrip('/')}/{name}")) is not None:
            written.append(write_atomic(target, lambda stream, data=data: stream.write(data)))
    if archive and (data := _download(f"{published.rstrip('/')}/{archive}")) is not None:
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            # weights before records: the store takes a run with a record as finished
            for member in sorted(bundle.namelist(), key=lambda name: "/records/" in name):
                target = results_dir / member
                if Path(member).is_absolute() or ".." in Path(member).parts:
                    raise ValueError(f"{archive}: the member {member!r} is not a path inside results_dir")
                if not target.exists():
                    content = bundle.read(member)
                    written.append(write_atomic(target, lambda stream, content=content: stream.write(content)))
    if written:
        print(f"fetched {len(written)} files of the published book into {results_dir}")
    return written
