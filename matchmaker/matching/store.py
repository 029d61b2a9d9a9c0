"""Versioned index directories with an atomically replaced pointer, for multi-process pickup.

A version is a directory ``index-<version>/``: every large numpy array of the engine (the sparse
rows' data/indices/indptr, postings, embeddings, ids, IDF, character keys, latent components) is
its own ``.npy`` file, and ``engine.pkl`` holds the rest (parameters, vocabulary, small arrays)
with references to those files. Loading maps the files read-only (``mmap_mode="r"``): the
processes of one machine share one copy of the arrays in the page cache instead of holding one
each. The few arrays an engine updates in place after loading are copied into memory.

Files and directories are readable by the platform's user alone (0o600 / 0o700). ``save`` returns
the version and ``checksum`` the SHA-256 of its ``engine.pkl`` (kept in the database with the
version, see suggestions/indexing.py); ``load`` given that checksum refuses other files.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle  # noqa: S403 - index files are written by the platform itself, never uploaded
import shutil
import tempfile
from pathlib import Path

import numpy as np

from . import tokenize as tok
from . import wordshare
from .engine import MatchEngine

__all__ = ["ChecksumMismatch", "IndexStore", "checksum", "has_version", "load", "save"]

log = logging.getLogger(__name__)
_POINTER = "CURRENT"
_KEEP = 3  # older versions kept so a worker that is still loading one never loses it
_MIN_BYTES = 64 * 1024  # smaller arrays stay inside the pickle: a file each would cost more
_ENGINE = "engine.pkl"
_MANIFEST = "manifest.json"
_FILE_MODE, _DIR_MODE = 0o600, 0o700  # the index holds every listing's text as numbers: the platform's user only


class ChecksumMismatch(ValueError):
    """The files of a version are not the ones its checksum names (changed or half-copied)."""


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


class _ArrayPickler(pickle.Pickler):
    """Pickles the engine, writing each large array to a .npy file of its own instead."""

    def __init__(self, file, directory: Path, min_bytes: int | None = None):
        super().__init__(file, protocol=5)
        self.directory = directory
        self.min_bytes = max(1, _MIN_BYTES if min_bytes is None else min_bytes)
        self.files: dict[int, str] = {}  # id(array) -> file name (an array shared twice is written once)
        self.keep: list[np.ndarray] = []  # keeps ids unique while pickling
        self.sizes: dict[str, int] = {}

    def persistent_id(self, obj):
        if not isinstance(obj, np.ndarray) or obj.dtype.hasobject or obj.nbytes < self.min_bytes:
            return None
        name = self.files.get(id(obj))
        if name is None:
            name = self.files[id(obj)] = f"{len(self.files):03d}.npy"
            self.keep.append(obj)
            fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
            with os.fdopen(fd, "wb") as f:
                np.save(f, np.ascontiguousarray(obj), allow_pickle=False)
                f.flush()
                os.fsync(f.fileno())
            self.sizes[name] = int(obj.nbytes)
        return ("npy", name)


class _ArrayUnpickler(pickle.Unpickler):
    """Maps each referenced .npy file read-only instead of reading it."""

    def __init__(self, file, directory: Path):
        super().__init__(file)
        self.directory = directory

    def persistent_load(self, pid):
        kind, name = pid
        if kind != "npy":
            raise pickle.UnpicklingError(f"unknown reference {kind!r}")
        # A plain ndarray view of the map: the memmap subclass only adds overhead to every slice.
        return np.asarray(np.load(self.directory / name, mmap_mode="r", allow_pickle=False))


def save(engine: MatchEngine, directory, min_bytes: int | None = None) -> str:
    """Write the engine as a new version directory, then point CURRENT at it; return the version.
    ``min_bytes``: arrays from this size get a file of their own, mapped read-only when loaded (_MIN_BYTES)."""
    d = Path(directory)
    d.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
    if d.stat().st_mode & 0o077:  # made before the index was kept private, or by a wider umask
        try:
            os.chmod(d, _DIR_MODE)
        except PermissionError:  # someone else's directory: leave it as it is
            pass
    version = engine.version_
    wordshare.tables(engine.vectorizer_)  # saved with the index, so every process maps them instead of building its own
    final = d / f"index-{version}"
    tmp = Path(tempfile.mkdtemp(dir=d, prefix=f".index-{version}."))
    try:
        buf = io.BytesIO()
        pickler = _ArrayPickler(buf, tmp, min_bytes)
        pickler.dump(engine)
        data = buf.getvalue()
        _atomic_write(tmp / _ENGINE, data)
        manifest = {"version": version, "engine_sha256": hashlib.sha256(data).hexdigest(), "arrays": pickler.sizes}
        _atomic_write(tmp / _MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"))
        if final.exists():  # the same engine saved twice: the first copy stands
            shutil.rmtree(tmp)
        else:
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _atomic_write(d / _POINTER, version.encode("ascii"))
    _prune(d, version)
    return version


def _prune(d: Path, current: str) -> None:
    versions = [p for p in d.glob("index-*") if p.name != f"index-{current}"]
    # Processes still using a removed version keep their mapped files until they move on.
    for p in sorted(versions, key=lambda p: p.stat().st_mtime)[: max(0, len(versions) - (_KEEP - 1))]:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:  # a single-pickle version from before the memory-mapped layout
            p.unlink(missing_ok=True)


def _writable(engine: MatchEngine) -> MatchEngine:
    # The arrays incremental updates change in place get a private copy; the rest stays mapped.
    for side in (engine.needs_, engine.results_):
        if not side.dead.flags.writeable:
            side.dead = side.dead.copy()
    vec = engine.vectorizer_
    extra = getattr(vec, "extra_df_", None)
    if extra is not None and not extra.flags.writeable:
        vec.extra_df_ = extra.copy()
    return engine


def checksum(directory, version: str) -> str | None:
    """The SHA-256 of a saved version's engine.pkl (from its manifest), or None without one."""
    try:
        manifest = json.loads((Path(directory) / f"index-{version}" / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest.get("engine_sha256")


def has_version(directory, version: str) -> bool:
    """Whether a version's files are in directory (another machine's refit may not be)."""
    return (Path(directory) / f"index-{version}" / _ENGINE).is_file()


def load(directory, version: str | None = None, expected: str | None = None) -> MatchEngine:
    """Load the current (or given) version, arrays memory-mapped, and make the tokenizer use its
    dictionary; with ``expected`` (a checksum) raise ChecksumMismatch on other files."""
    d = Path(directory)
    version = version or (d / _POINTER).read_text(encoding="ascii").strip()
    folder = d / f"index-{version}"
    if folder.is_dir():
        data = (folder / _ENGINE).read_bytes()
        if expected is not None and hashlib.sha256(data).hexdigest() != expected:
            raise ChecksumMismatch(f"index version {version}: engine.pkl does not match its checksum")
        engine = _writable(_ArrayUnpickler(io.BytesIO(data), folder).load())
    else:  # a version saved as one pickle before the memory-mapped layout
        with open(d / f"index-{version}.pkl", "rb") as f:
            engine = pickle.load(f)  # noqa: S301 - see the import
    if tok.dictionary_version() != engine.dictionary_version_ and tuple(tok.user_words()) != tuple(engine.user_words_):
        tok.set_user_words(engine.user_words_)  # admin words reach this worker with the index
    if not engine.tokens_current():
        # Saved before the tokenizer changed: its vocabulary and rows hold the old tokens. It is used as it is (old
        # tokens on both sides) until a refit replaces it; the platform keeps today's tokens out of it meanwhile.
        log.warning("index %s has token format %s, the code tokenises with %s: it needs a refit",
                    version, engine.token_format(), tok.TOKEN_FORMAT)  # fmt: skip
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

    def load(self, version: str | None = None, expected: str | None = None) -> MatchEngine | None:
        """Load the current (or given) version, or None when there is none."""
        v = version or self.current_version()
        return load(self.directory, v, expected) if v else None

    def checksum(self, version: str) -> str | None:
        """The SHA-256 of a saved version's engine.pkl."""
        return checksum(self.directory, version)

    def has(self, version: str) -> bool:
        """Whether the version's files are here."""
        return has_version(self.directory, version)

    def maybe_reload(self, engine: MatchEngine | None) -> MatchEngine | None:
        """Return a newly loaded engine when CURRENT moved on, else the given one."""
        v = self.current_version()
        if v is None or (engine is not None and getattr(engine, "version_", None) == v):
            return engine
        return load(self.directory, v)
