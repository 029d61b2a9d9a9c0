"""Versioned index files with an atomically replaced pointer, for multi-process pickup."""

from __future__ import annotations

import os
import pickle  # noqa: S403 - index files are written by the platform itself, never uploaded
import tempfile
from pathlib import Path

from . import tokenize as tok
from .engine import MatchEngine

__all__ = ["IndexStore", "load", "save"]

_POINTER = "CURRENT"
_KEEP = 3  # older versions kept so a worker that is still loading one never loses it


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(engine: MatchEngine, directory) -> str:
    """Write the engine as a new version file, then point CURRENT at it; return the version."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    version = engine.version_
    _atomic_write(d / f"index-{version}.pkl", pickle.dumps(engine, protocol=5))
    _atomic_write(d / _POINTER, version.encode("ascii"))
    old = sorted(d.glob("index-*.pkl"), key=lambda p: p.stat().st_mtime)[:-_KEEP]
    for p in old:
        p.unlink(missing_ok=True)
    return version


def load(directory, version: str | None = None) -> MatchEngine:
    """Load the current (or given) version and make the tokenizer use its dictionary."""
    d = Path(directory)
    version = version or (d / _POINTER).read_text(encoding="ascii").strip()
    with open(d / f"index-{version}.pkl", "rb") as f:
        engine = pickle.load(f)  # noqa: S301 - see the import
    if tok.dictionary_version() != engine.dictionary_version_:
        tok.set_user_words(engine.user_words_)  # admin words reach this worker with the index
    return engine


class IndexStore:
    """A directory of index versions; ``maybe_reload`` is cheap enough to call per request."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self._seen: tuple[float, int] | None = None
        self._version: str | None = None

    def current_version(self) -> str | None:
        """Return the version CURRENT points at, or None when nothing was saved yet."""
        p = self.directory / _POINTER
        try:
            st = p.stat()
        except FileNotFoundError:
            return None
        key = (st.st_mtime, st.st_ino)  # os.replace gives a new inode: re-read only then
        if key != self._seen:
            self._version = p.read_text(encoding="ascii").strip()
            self._seen = key
        return self._version

    def save(self, engine: MatchEngine) -> str:
        """Save a new version and make it current."""
        return save(engine, self.directory)

    def load(self) -> MatchEngine | None:
        """Load the current version, or None when there is none."""
        v = self.current_version()
        return load(self.directory, v) if v else None

    def maybe_reload(self, engine: MatchEngine | None) -> MatchEngine | None:
        """Return a newly loaded engine when CURRENT moved on, else the given one."""
        v = self.current_version()
        if v is None or (engine is not None and getattr(engine, "version_", None) == v):
            return engine
        return load(self.directory, v)
