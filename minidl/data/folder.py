"""Image-folder trees (``root/<class>/<image>``) decoded into memory, with a decode cache."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from .cache import CacheKey, cached_arrays
from .dataset import ArrayImageDataset
from .decode import IMAGE_EXTENSIONS, as_size, decode_images

__all__ = ["ImageFolder", "find_classes", "scan_tree", "decode_files"]


def find_classes(root):
    """Sorted names of the sub-folders of ``root`` (the class names)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"image folder {root} does not exist (expected "
                                f"{root}/<class>/<image files>)")
    classes = sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    if not classes:
        raise FileNotFoundError(f"{root} has no class sub-folders (expected "
                                f"{root}/<class>/<image files>)")
    return classes


def scan_tree(root, classes=None, extensions=IMAGE_EXTENSIONS):
    """List ``root/<class>/**/<image>`` as ``(classes, [(path, label), ...])``.

    Files are sorted by class, then by path within the class; hidden files and
    other extensions are ignored.
    """
    root = Path(root)
    classes = find_classes(root) if classes is None else list(classes)
    exts = tuple(e.lower() for e in extensions)
    samples = []
    for label, cls in enumerate(classes):
        folder = root / cls
        if not folder.is_dir():
            raise FileNotFoundError(f"class folder {folder} is missing")
        found = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            found += [os.path.join(dirpath, f) for f in filenames
                      if f.lower().endswith(exts) and not f.startswith(".")]
        samples += [(p, label) for p in sorted(found)]
    return classes, samples


def decode_files(name, split, paths, labels, image_size=None, skip_corrupt=False, cache=True,
                 key_parts=()):
    """Decode ``paths`` (labels alongside) through the decoded cache of dataset ``name``.

    Returns a dict: ``data`` uint8 (N, H, W, 3), ``targets`` int64 (N,), ``files``
    (kept paths), ``skipped`` (corrupt paths left out).
    """
    size = as_size(image_size)
    labels = np.asarray(labels, dtype=np.int64)
    key = CacheKey("files", split, size, bool(skip_corrupt), list(key_parts))
    for p in paths:
        key.add_file(p)

    def build():
        data, kept, skipped = decode_images(paths, size, skip_corrupt)
        files = np.array([str(p) for p, k in zip(paths, kept) if k], dtype=str)
        return {"data": data, "targets": labels[kept],
                "files": files, "skipped": np.array(skipped, dtype=str)}

    return cached_arrays(name, split, key, build, cache)


class ImageFolder(ArrayImageDataset):
    """Any ``root/<class>/<image>`` tree of JPEG/PNG/... images (torchvision's ImageFolder).

    Classes are the sorted sub-folder names (label = position). Every image is
    decoded once with Pillow to RGB (grayscale and palette images included),
    resized to ``image_size`` ((h, w) or int; None: all images must share one
    size), and kept in memory as ``.data`` uint8 (N, H, W, 3); the decoded arrays
    are cached under ``$MINIDL_DATA/imagefolder/decoded`` so the next load is fast
    (``cache=False`` turns that off).

    A corrupt or truncated file raises :class:`~minidl.data.CorruptImageError`
    naming it; with ``skip_corrupt=True`` it is left out and counted in
    ``.skipped`` (its path in ``.skipped_files``). ``.samples`` lists the kept
    ``(path, label)`` pairs.

    A class folder without any image (or whose images were all skipped as
    corrupt) raises ``FileNotFoundError`` naming it, as torchvision does; with
    ``allow_empty=True`` the class keeps its label (so labels still follow the
    sorted folder names) with no samples, and a warning names it.
    """

    name = "imagefolder"

    def __init__(self, root, image_size=None, transform=None, skip_corrupt=False, cache=True,
                 extensions=IMAGE_EXTENSIONS, allow_empty=False):
        self.root = Path(root).expanduser()
        classes, samples = scan_tree(self.root, extensions=extensions)
        if not samples:
            raise FileNotFoundError(f"no image files ({', '.join(extensions)}) under "
                                    f"{self.root}/<class>/")
        paths, labels = zip(*samples)
        arrays = decode_files(self.name, "all", list(paths), labels, image_size, skip_corrupt,
                              cache, key_parts=[str(self.root.resolve())])
        _check_empty_classes(self.root, classes, arrays["targets"], extensions, allow_empty)
        _set_from_arrays(self, arrays, classes, transform)


def _check_empty_classes(root, classes, targets, extensions, allow_empty):
    """Raise (or warn, with ``allow_empty``) about classes left with no sample."""
    counts = np.bincount(np.asarray(targets, dtype=np.int64), minlength=len(classes))
    empty = [c for c, n in zip(classes, counts) if n == 0]
    if not empty:
        return
    names = ", ".join(empty)
    if not allow_empty:
        raise FileNotFoundError(f"Found no valid file for the classes {names} under {root}. Supported "
                                f"extensions are: {', '.join(extensions)} (pass allow_empty=True to "
                                "keep empty classes)")
    warnings.warn(f"ImageFolder {root}: no valid file for the classes {names}; they keep their labels "
                  "with 0 samples", UserWarning, stacklevel=3)


def _set_from_arrays(ds, arrays, classes, transform):
    """Fill an ArrayImageDataset from a decode result dict (data, targets, files, skipped)."""
    ArrayImageDataset.__init__(ds, arrays["data"], arrays["targets"], classes, transform)
    ds.samples = list(zip(arrays["files"].tolist(), ds.targets.tolist()))
    ds.imgs = ds.samples
    ds.skipped_files = arrays["skipped"].tolist()
    ds.skipped = len(ds.skipped_files)
