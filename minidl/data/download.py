"""Downloading dataset files: mirrors, checksums, safe archive extraction.

Everything goes through :func:`open_url` (``urllib``), so ``file://`` URLs work
and tests can monkeypatch it. A download streams into ``<dest>.part`` while
hashing; on a checksum mismatch the partial file is deleted and
:class:`ChecksumError` is raised; only a verified file is renamed to ``dest``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

__all__ = ["ChecksumError", "DownloadError", "open_url", "file_hash", "check_file",
           "download_url", "missing_files_error", "extract_archive"]

_CHUNK = 1 << 20


class ChecksumError(OSError):
    """A file's MD5/SHA-256 differs from the published value."""


class DownloadError(OSError):
    """Every mirror of a file failed."""


def open_url(url: str, timeout: float = 60.0):
    """Open ``url`` for reading (``http(s)://`` or ``file://``); a seam for tests."""
    req = urllib.request.Request(url, headers={"User-Agent": "minidl"})
    return urllib.request.urlopen(req, timeout=timeout)


def file_hash(path, algorithm: str = "md5") -> str:
    """Hex digest of the file at ``path`` (``algorithm``: any ``hashlib`` name)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _expected(md5, sha256):
    if sha256:
        return "sha256", sha256.lower()
    if md5:
        return "md5", md5.lower()
    return None, None


def check_file(path, md5: str | None = None, sha256: str | None = None) -> None:
    """Raise :class:`ChecksumError` when ``path``'s digest is not the expected one."""
    algo, want = _expected(md5, sha256)
    if algo is None:
        return
    got = file_hash(path, algo)
    if got != want:
        raise ChecksumError(f"{path}: {algo} is {got}, expected {want}")


def download_url(urls, dest, md5: str | None = None, sha256: str | None = None) -> Path:
    """Fetch the first mirror of ``urls`` that answers into ``dest``, verifying its checksum.

    ``urls``: one URL or a list of mirrors for the same file. Returns ``dest``.
    A checksum mismatch deletes the partial file and raises
    :class:`ChecksumError` at once (a corrupt mirror is not silently retried);
    network errors move on to the next mirror, and when all fail
    :class:`DownloadError` lists each URL with its error.
    """
    urls = [urls] if isinstance(urls, str) else list(urls)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    algo, want = _expected(md5, sha256)
    errors = []
    for url in urls:
        h = hashlib.new(algo) if algo else None
        try:
            with open_url(url) as response, open(part, "wb") as out:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    if h is not None:
                        h.update(chunk)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            part.unlink(missing_ok=True)
            errors.append(f"{url}: {exc}")
            continue
        if h is not None and h.hexdigest() != want:
            part.unlink(missing_ok=True)
            raise ChecksumError(f"download of {url} is corrupt: {algo} {h.hexdigest()}, "
                                f"expected {want}; the partial file {part} was deleted")
        os.replace(part, dest)
        return dest
    raise DownloadError(f"could not download {dest.name} into {dest.parent}:\n  "
                        + "\n  ".join(errors)
                        + f"\nWhen offline, fetch it elsewhere from one of these URLs and put it at {dest}")


def missing_files_error(dataset: str, root, files, urls=()) -> FileNotFoundError:
    """A FileNotFoundError telling the user which files to put where."""
    root = Path(root)
    lines = [f"{dataset}: missing files in {root}:"]
    lines += [f"  {root / f}" for f in files]
    if urls:
        lines.append("Download them from " + " or ".join(urls) + " and put them in that folder, "
                     "or pass download=True.")
    lines.append("(root=None means $MINIDL_DATA/<name>, default ~/.cache/minidl/<name>.)")
    return FileNotFoundError("\n".join(lines))


def _strip(name: str, prefix: str | None):
    """Member ``name`` relative to ``prefix`` (None when outside it), refusing unsafe paths."""
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts:
        raise ValueError(f"unsafe path in archive: {name!r}")
    parts = p.parts
    if prefix:
        pre = PurePosixPath(prefix).parts
        if parts[:len(pre)] != pre:
            return None
        parts = parts[len(pre):]
    return PurePosixPath(*parts) if parts else None


def extract_archive(archive, dest, prefix: str | None = None) -> list[Path]:
    """Extract the regular files of a ``.tar(.gz)`` or ``.zip`` below ``prefix`` into ``dest``.

    ``prefix`` (e.g. ``"cifar-10-batches-py"``) is stripped from member names and
    members outside it are ignored. Absolute paths, ``..`` and links are refused.
    Each file is written atomically. Returns the extracted paths.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []

    def put(rel, src):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        with open(tmp, "wb") as out:
            shutil.copyfileobj(src, out, _CHUNK)
        os.replace(tmp, target)
        written.append(target)

    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                rel = _strip(info.filename, prefix)
                if rel is None or info.is_dir():
                    continue
                with z.open(info) as src:
                    put(rel, src)
    else:
        with tarfile.open(archive, "r:*") as t:
            for m in t:
                rel = _strip(m.name, prefix)
                if rel is None or not m.isfile():
                    continue
                put(rel, t.extractfile(m))
    return written
