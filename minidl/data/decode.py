"""Decoding image files (JPEG, PNG, ...) into uint8 RGB arrays with Pillow.

A source is a path or a ``(name, bytes)`` pair (for members read straight out
of a tar). Grayscale, palette, CMYK and RGBA images all become RGB (alpha is
dropped); nothing is silently discarded. A file Pillow cannot decode, a
truncated one included, raises :class:`CorruptImageError` naming the file, or
with ``skip_corrupt=True`` is left out and reported back.
"""
from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image, UnidentifiedImageError

__all__ = ["CorruptImageError", "IMAGE_EXTENSIONS", "decode_image", "decode_images",
           "as_size"]

#: file name endings ImageFolder-style datasets pick up (case-insensitive)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".ppm", ".pgm",
                    ".tif", ".tiff")


class CorruptImageError(OSError):
    """An image file that Pillow cannot decode (truncated, garbage, unknown format)."""

    def __init__(self, path, reason):
        super().__init__(f"cannot decode image {path}: {reason}")
        self.path = str(path)


def as_size(size):
    """``None`` | int | (h, w) -> None or an (h, w) tuple of ints."""
    if size is None:
        return None
    if isinstance(size, (int, np.integer)):
        return int(size), int(size)
    h, w = size
    return int(h), int(w)


def _name(source):
    return source[0] if isinstance(source, tuple) else os.fspath(source)


_FORMAT_HINTS = {".jpg": ("JPEG",), ".jpeg": ("JPEG",), ".png": ("PNG",)}


def _open(fp, name):
    """Image.open, trying the format the extension suggests first (skips Pillow's probing)."""
    hint = _FORMAT_HINTS.get(os.path.splitext(name)[1].lower())
    if hint is not None:
        try:
            return Image.open(fp, formats=hint)
        except UnidentifiedImageError:  # misnamed file: let Pillow probe every format
            if hasattr(fp, "seek"):
                fp.seek(0)
    return Image.open(fp)


def decode_image(source, size=None) -> np.ndarray:
    """Decode one image to uint8 (H, W, 3) RGB, resized (bilinear) to ``size`` = (h, w) if given.

    Raises :class:`CorruptImageError` (naming the file) when it cannot be decoded.
    """
    name = _name(source)
    try:
        fp = io.BytesIO(source[1]) if isinstance(source, tuple) else source
        with _open(fp, name) as im:
            im.load()  # decode now, so truncation errors surface here
            if im.mode != "RGB":
                im = im.convert("RGB")
            if size is not None and im.size != (size[1], size[0]):
                im = im.resize((size[1], size[0]), Image.BILINEAR)
            return np.asarray(im, dtype=np.uint8)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise CorruptImageError(name, exc) from exc


def _workers():
    return max(1, min(4, os.cpu_count() or 1))


def decode_images(sources, size=None, skip_corrupt=False):
    """Decode many images into one uint8 (N, H, W, 3) array.

    ``size``: (h, w) to resize every image to, or None: then every image must
    have the size of the first decodable one, and a different one raises a
    ValueError naming the file. Decoding runs on a few threads (Pillow
    releases the GIL while decoding).

    Returns ``(images, kept, skipped)``: ``kept`` is a bool mask over
    ``sources``; ``skipped`` lists the names of the corrupt files that were left
    out (always empty unless ``skip_corrupt``).
    """
    sources = list(sources)
    n = len(sources)
    size = as_size(size)
    skipped = []
    kept = np.ones(n, dtype=bool)
    if size is None:  # the first decodable image fixes the size
        for _i, src in enumerate(sources):
            try:
                first = decode_image(src)
            except CorruptImageError:
                if not skip_corrupt:
                    raise
                continue
            size = first.shape[:2]
            break
        else:
            skipped = [_name(s) for s in sources]
            return np.zeros((0, 0, 0, 3), np.uint8), np.zeros(n, bool), skipped
        fixed = False
    else:
        fixed = True
    out = np.empty((n, size[0], size[1], 3), dtype=np.uint8)

    def work(i):
        try:
            img = decode_image(sources[i], size if fixed else None)
        except CorruptImageError as exc:
            if not skip_corrupt:
                raise
            return exc
        if img.shape[:2] != tuple(size):
            raise ValueError(f"{_name(sources[i])} is {img.shape[1]}x{img.shape[0]} (WxH) but "
                             f"earlier images are {size[1]}x{size[0]}; pass image_size=(h, w) "
                             "to resize every image")
        out[i] = img
        return None

    if n < 64:
        results = [work(i) for i in range(n)]
    else:
        with ThreadPoolExecutor(_workers()) as pool:
            results = list(pool.map(work, range(n), chunksize=256))
    for i, r in enumerate(results):
        if r is not None:
            kept[i] = False
            skipped.append(_name(sources[i]))
    if not kept.all():
        out = out[kept]
    return out, kept, skipped
