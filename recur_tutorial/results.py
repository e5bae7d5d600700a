"""Results on disk, written atomically (a temporary file in the same folder, then a rename), so an
interrupted run never leaves a torn file; every file is readable by everyone (mode 644)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, IO

MODE = 0o644


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> Path:
    """Create ``path`` by calling ``write`` on a temporary file beside it, then renaming it over
    ``path``: a reader sees the old file or the whole new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, MODE)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write ``data`` as JSON to ``path`` atomically."""
    text = json.dumps(data, indent=1, sort_keys=True).encode()
    return write_atomic(path, lambda stream: stream.write(text))


def read_json(path: str | os.PathLike, default: Any = None) -> Any:
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else default
