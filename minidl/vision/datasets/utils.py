"""torchvision.datasets.utils: downloading, checksums, archive extraction and argument checks,
for scripts (and custom datasets) that import them from here.

Downloads go through :func:`minidl.data.download.download_url` (``file://`` URLs work, a
partial file never stays behind); archives are extracted by
:func:`minidl.data.download.extract_archive`, which refuses unsafe member paths.
"""
from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import pathlib

from ...data import download as _dl
from ._base import verify_str_arg

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "list_dir", "list_files",
           "extract_archive", "download_and_extract_archive", "iterable_to_str", "verify_str_arg"]

_ARCHIVES = (".tar", ".zip")
_COMPRESSIONS = {".bz2": bz2.open, ".gz": gzip.open, ".xz": lzma.open}
_ALIASES = {".tbz": (".tar", ".bz2"), ".tbz2": (".tar", ".bz2"), ".tgz": (".tar", ".gz")}


def calculate_md5(fpath, chunk_size: int = 1024 * 1024) -> str:
    """The MD5 hex digest of the file ``fpath``."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5: str, **kwargs) -> bool:
    """Whether ``fpath``'s MD5 is ``md5``."""
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None) -> bool:
    """Whether ``fpath`` is a file and (when ``md5`` is given) has that MD5."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


def download_url(url, root, filename=None, md5=None, max_redirect_hops: int = 3) -> None:
    """Download ``url`` into ``root/filename`` (default: the URL's basename) unless a file
    with that MD5 is already there; RuntimeError("File not found or corrupted.") when the
    download does not have ``md5``."""
    root = os.path.expanduser(root)
    fpath = os.fspath(os.path.join(root, filename or os.path.basename(url)))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    try:
        _dl.download_url(url, fpath, md5=md5)
    except _dl.ChecksumError as exc:
        raise RuntimeError(f"File not found or corrupted. ({exc})") from exc


def list_dir(root, prefix: bool = False) -> list:
    """The names (or, with ``prefix``, paths) of the folders in ``root``."""
    root = os.path.expanduser(root)
    dirs = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, d) for d in dirs] if prefix is True else dirs


def list_files(root, suffix, prefix: bool = False) -> list:
    """The names (or paths) of the files in ``root`` ending with ``suffix`` (a str or tuple)."""
    root = os.path.expanduser(root)
    files = [p for p in os.listdir(root) if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, f) for f in files] if prefix is True else files


def _detect_file_type(file):
    suffixes = pathlib.Path(file).suffixes
    if not suffixes:
        raise RuntimeError(f"File '{file}' has no suffixes that could be used to detect the archive type "
                           "and compression.")
    suffix = suffixes[-1]
    if suffix in _ALIASES:
        return (suffix, *_ALIASES[suffix])
    if suffix in _ARCHIVES:
        return suffix, suffix, None
    if suffix in _COMPRESSIONS:
        if len(suffixes) > 1 and suffixes[-2] in _ARCHIVES:
            return suffixes[-2] + suffix, suffixes[-2], suffix
        return suffix, None, suffix
    valid = sorted(set(_ALIASES) | set(_ARCHIVES) | set(_COMPRESSIONS))
    raise RuntimeError(f"Unknown compression or archive type: '{suffix}'.\nKnown suffixes are: '{valid}'.")


def extract_archive(from_path, to_path=None, remove_finished: bool = False):
    """Extract the ``.tar[.gz|.bz2|.xz]`` / ``.tgz`` / ``.zip`` archive ``from_path`` into
    ``to_path`` (default: its folder), or decompress a ``.gz`` / ``.bz2`` / ``.xz`` file there.
    Returns ``to_path`` (the decompressed file for a single file), a str when ``from_path`` is one."""
    if to_path is None:
        to_path = os.path.dirname(from_path)
    suffix, archive_type, _ = _detect_file_type(from_path)
    if not archive_type:
        target = pathlib.Path(os.path.join(to_path, os.path.basename(from_path).replace(suffix, "")))
        with _COMPRESSIONS[suffix](from_path, "rb") as src, open(target, "wb") as dst:
            dst.write(src.read())
        ret = target
    else:
        _dl.extract_archive(from_path, to_path)
        ret = pathlib.Path(to_path)
    if remove_finished:
        os.remove(from_path)
    return os.fspath(ret) if isinstance(from_path, str) else ret


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished: bool = False) -> None:
    """:func:`download_url` into ``download_root``, then :func:`extract_archive` into
    ``extract_root`` (default: ``download_root``)."""
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


def iterable_to_str(iterable) -> str:
    """``'a', 'b', 'c'``."""
    return "'" + "', '".join(str(item) for item in iterable) + "'"
