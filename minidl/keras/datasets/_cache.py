"""Keras' dataset cache: ``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``), ``get_file``.

Files already in the cache are used as they are; missing ones are downloaded
from Keras' official URLs through :func:`minidl.data.download.download_url`
(``urllib``: tests monkeypatch ``minidl.data.download.open_url``), checked
against the published SHA-256 when known, and archives are extracted next to
them. ``MINIDL_KERAS_DATASETS`` (or the ``cache_dir`` argument) points at
another folder, e.g. a read-only shared copy.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_root", "datasets_dir", "get_file"]


def cache_root() -> Path:
    """``$KERAS_HOME`` or ``~/.keras`` (``/tmp/.keras`` when the home folder is not writable)."""
    root = Path(os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras"))
    if root.exists() and not os.access(root, os.W_OK):
        root = Path("/tmp/.keras")
    return root


def datasets_dir(cache_dir=None) -> Path:
    """Where the datasets live: ``cache_dir`` > ``$MINIDL_KERAS_DATASETS`` > ``cache_root()/datasets``."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("MINIDL_KERAS_DATASETS")
    return Path(env) if env else cache_root() / "datasets"


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """The local path of ``fname`` in the Keras cache, downloading it from ``origin`` if absent
    (Keras' ``get_file``). ``extract``/``untar`` unpack a tar archive into ``<fname>`` (a folder)."""
    from minidl.data import download
    if fname is None:
        if origin is None:
            raise ValueError("Please specify the `origin` argument (URL of the file to download).")
        fname = os.path.basename(origin.split("?")[0])
    env = os.environ.get("MINIDL_KERAS_DATASETS")
    if cache_dir is None and env and cache_subdir.startswith("datasets"):
        folder = Path(env) / cache_subdir[len("datasets"):].lstrip("/\\")
    else:
        folder = (Path(cache_dir) if cache_dir is not None else cache_root()) / cache_subdir
    target = folder / fname
    if (extract or untar) and target.is_dir() and any(target.iterdir()) and not force_download:
        return str(target)
    if not (extract or untar) and target.exists() and not force_download:
        return str(target)
    if origin is None:
        raise FileNotFoundError(f"{target} is missing and no origin URL is known")
    folder.mkdir(parents=True, exist_ok=True)
    sha256 = file_hash if file_hash and len(file_hash) == 64 else None
    md5 = md5_hash or (file_hash if file_hash and len(file_hash) == 32 else None)
    archive = folder / (os.path.basename(origin.split("?")[0]) if (extract or untar) else fname)
    if not archive.exists() or force_download:
        download.download_url([origin], archive, md5=md5, sha256=sha256)
    if not (extract or untar):
        return str(archive)
    target.mkdir(parents=True, exist_ok=True)
    download.extract_archive(archive, target)
    return str(target)
