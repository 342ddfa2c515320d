"""Where datasets live on disk, and the atomic ``.npz`` cache of decoded images.

Layout (``data_home()`` is ``$MINIDL_DATA``, default ``~/.cache/minidl``)::

    <data_home>/<name>/                      a dataset's files (root=None, download=True)
    <data_home>/<name>/decoded/<split>-<key>.npz   decoded uint8 arrays of an image dataset

The cache key hashes everything the decoded arrays depend on (the source's
resolved path, each file's name, size and mtime, the target image size, the
decoder version), so an edited folder is decoded again instead of served stale.
Every write goes to a temporary file in the target folder first and is moved
into place with ``os.replace``, so a crash never leaves a half-written cache.
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["data_home", "dataset_dir", "atomic_write", "save_npz_atomic",
           "load_npz", "CacheKey", "cached_arrays"]

#: bump when the decoded layout changes, so old caches are ignored
CACHE_VERSION = 1


def data_home() -> Path:
    """The folder holding every dataset: ``$MINIDL_DATA`` or ``~/.cache/minidl``."""
    env = os.environ.get("MINIDL_DATA", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "minidl"


def dataset_dir(name: str, root=None) -> Path:
    """``root`` as a Path when given, else ``data_home() / name``."""
    return Path(root).expanduser() if root is not None else data_home() / name


def atomic_write(path, write) -> Path:
    """Call ``write(fileobj)`` on a temporary file next to ``path``, then move it into place.

    The same atomic save as every other file minidl writes
    (:func:`minidl.io.atomic_path`): temp file in the same folder, created
    under the user's umask, removed on any error, ``os.replace`` at the end.
    """
    from minidl.io import atomic_path  # minidl.io imports the data package: deferred
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            write(f)
    return path


def save_npz_atomic(path, **arrays) -> Path:
    """Write ``arrays`` as an uncompressed ``.npz`` at ``path`` atomically."""
    return atomic_write(path, lambda f: np.savez(f, **arrays))


def load_npz(path):
    """Load every array of the ``.npz`` at ``path`` into a dict; None if absent or unreadable."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        warnings.warn(f"ignoring unreadable cache file {path}: {exc}", RuntimeWarning, stacklevel=2)
        return None


class CacheKey:
    """Incremental SHA-1 over the things a decoded cache depends on."""

    def __init__(self, *parts):
        self._h = hashlib.sha1(f"minidl-cache-v{CACHE_VERSION}".encode())
        for p in parts:
            self.add(p)

    def add(self, part) -> "CacheKey":
        """Mix one JSON-serialisable value into the key."""
        self._h.update(json.dumps(part, sort_keys=True, default=str).encode())
        self._h.update(b"\0")
        return self

    def add_file(self, path, name=None) -> "CacheKey":
        """Mix a file's name, size and modification time into the key."""
        st = os.stat(path)
        return self.add([str(name if name is not None else path), st.st_size, st.st_mtime_ns])

    def hexdigest(self) -> str:
        """A 16-character hex digest."""
        return self._h.hexdigest()[:16]


def cached_arrays(name: str, split: str, key: CacheKey, build, cache=True):
    """Return ``build()``'s dict of arrays, through the decoded cache of dataset ``name``.

    ``build`` is only called when no cache file matches ``key``. A cache that
    cannot be written (read-only ``MINIDL_DATA``, full disk) only warns.
    """
    if not cache:
        return build()
    path = data_home() / name / "decoded" / f"{split}-{key.hexdigest()}.npz"
    hit = load_npz(path)
    if hit is not None:
        return hit
    arrays = build()
    try:
        save_npz_atomic(path, **arrays)
    except OSError as exc:
        warnings.warn(f"could not write the decoded cache {path} ({exc}); the next load "
                      "decodes again. Set MINIDL_DATA to a writable folder.",
                      RuntimeWarning, stacklevel=2)
    return arrays
