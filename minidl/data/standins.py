"""Generated stand-ins for data sets that are not at hand, in the real data's on-disk layout.

The examples for Wells' and KTH's Tiny ImageNet nets and Idler's fruit
classifier read data that cannot be shipped. These functions write a small,
deterministic imitation of each, laid out exactly as the real files, so that
the whole pipeline (file scan, JPEG decode, cache, training, reports) runs
end to end; a user with the real data then changes only ``--data-dir``.

* :func:`make_tiny_imagenet` writes the ``tiny-imagenet-200`` folder:
  ``wnids.txt``, ``words.txt``, ``train/<wnid>/images/<wnid>_<i>.JPEG`` with
  ``train/<wnid>/<wnid>_boxes.txt``, ``val/images/val_<i>.JPEG`` with
  ``val/val_annotations.txt``, and unlabelled ``test/images/test_<i>.JPEG``;
  64x64 JPEGs, about 2% of them grayscale (as in the real set).
* :func:`make_fruit` writes an ImageFolder tree ``root/<class>/<name>.jpg``
  with Idler's three classes (cherry, strawberry, tomato), mostly 300x300
  RGB JPEGs with a few images of other sizes (as the real set's outliers).

The images are coloured shapes (the geometry of :class:`~minidl.data.Shapes`;
Tiny ImageNet classes beyond ten also differ in the shape's hue) on noisy
backgrounds: learnable, so a short run shows the pipeline learning, but an
accuracy on a stand-in says nothing about the real data.

Command line::

    python -m minidl.data.standins tiny-imagenet DIR [--classes 200 --train-per-class 10 ...]
    python -m minidl.data.standins fruit DIR [--per-class 20 --image-size 300]
"""
from __future__ import annotations

import argparse
import colorsys
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from .shapes import SHAPE_NAMES, _mask

__all__ = ["FRUIT_CLASSES", "make_fruit", "make_tiny_imagenet", "render_class_images"]

FRUIT_CLASSES = ("cherry", "strawberry", "tomato")
_FRUIT_LOOKS = (("circle", 0.97), ("triangle", 0.0), ("ring", 0.03))  # (shape, hue): reds
_GOLDEN = 0.6180339887498949


def _class_look(label: int, shapes=None):
    """``(shape name, hue in [0, 1))`` of class ``label``: shape ``label % len(shapes)``,
    hue from ``label // len(shapes)`` (spread by the golden ratio)."""
    shapes = tuple(shapes or SHAPE_NAMES)
    return shapes[label % len(shapes)], ((label // len(shapes)) * _GOLDEN) % 1.0


def _render_one(shape, hue, height, width, rng):
    """uint8 (height, width, 3) image of one ``shape`` of roughly ``hue``, and its
    bounding box ``(x0, y0, x1, y1)`` in pixels (inclusive)."""
    side = min(height, width)
    radius = rng.uniform(0.45, 0.85) * side / 2
    margin = radius * 0.9
    cx = rng.uniform(margin - 0.5, width - 0.5 - margin)
    cy = rng.uniform(margin - 0.5, height - 0.5 - margin)
    angle = np.deg2rad(rng.uniform(-15, 15))
    fg = np.array(colorsys.hsv_to_rgb((hue + rng.uniform(-0.03, 0.03)) % 1.0,
                                      rng.uniform(0.6, 1.0), rng.uniform(0.55, 1.0)))
    bg_value = rng.uniform(0.0, 0.3) if fg.max() > 0.6 else rng.uniform(0.75, 1.0)
    bg = np.array(colorsys.hsv_to_rgb(rng.uniform(), rng.uniform(0.0, 0.3), bg_value))
    dx = np.arange(width, dtype=np.float64)[None, :] - cx
    dy = np.arange(height, dtype=np.float64)[:, None] - cy
    cos, sin = np.cos(angle), np.sin(angle)
    u = (cos * dx + sin * dy) / radius
    v = -(-sin * dx + cos * dy) / radius
    inside = _mask(shape, u, v)
    img = np.where(inside[..., None], fg, bg)
    img = img + rng.normal(0.0, rng.uniform(0.02, 0.06), img.shape)
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    box = ((int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])) if len(rows)
           else (0, 0, width - 1, height - 1))
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8), box


def render_class_images(labels, image_size=64, seed=0, shapes=None):
    """uint8 (N, H, W, 3) images of classes ``labels`` (what the stand-ins write).

    image_size: int or (h, w). shapes: the shape of each class in turn
    (default :data:`~minidl.data.shapes.SHAPE_NAMES`). Deterministic from ``seed``.
    """
    h, w = (image_size, image_size) if np.isscalar(image_size) else image_size
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels, dtype=np.int64)
    out = np.empty((len(labels), int(h), int(w), 3), dtype=np.uint8)
    for i, label in enumerate(labels):
        out[i] = _render_one(*_class_look(int(label), shapes), int(h), int(w), rng)[0]
    return out


# ------------------------------------------------------------------- writing
def _check_count(name, value, low=1):
    """``value`` as an int, or a ValueError naming ``name`` unless it is an integer >= ``low``."""
    try:
        ok = isinstance(value, (int, np.integer, float)) and int(value) == value and value >= low
    except (TypeError, ValueError, OverflowError):  # inf, nan
        ok = False
    if not ok or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


class _Staging:
    """Writes into a hidden sibling folder of ``root`` and renames it to ``root`` at the end,
    so an interrupted run never leaves a half-written data set under the real name.
    Refuses a ``root`` that exists and is not an empty folder."""

    def __init__(self, root, what):
        self.root = Path(root).expanduser()
        if self.root.exists() and (not self.root.is_dir() or any(self.root.iterdir())):
            raise FileExistsError(f"{what} stand-in: {self.root} already exists and is not an empty "
                                  f"folder; give a new path")
        self.tmp = self.root.parent / f".{self.root.name}.partial-{os.getpid()}"

    def __enter__(self):
        self.root.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir()  # the user's umask applies
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        if self.root.is_dir():
            self.root.rmdir()  # empty (checked above)
        os.replace(self.tmp, self.root)
        return False


def _save_jpeg(array, path, gray=False, quality=90):
    from PIL import Image
    image = Image.fromarray(array)
    if gray:
        image = image.convert("L")
    image.save(path, format="JPEG", quality=quality)


def make_tiny_imagenet(root, num_classes=200, train_per_class=10, val_per_class=2, test_images=10,
                       seed=0, gray_fraction=0.02):
    """Write a Tiny ImageNet stand-in to the new folder ``root`` (the real
    ``tiny-imagenet-200``'s layout; read it with ``TinyImageNet(root)``).

    num_classes: classes (the real set: 200); train_per_class / val_per_class:
    64x64 JPEGs per class (real: 500 / 50); test_images: unlabelled test
    images (real: 10,000). WordNet ids are ``n99000000``, ``n99000001``, ...
    (no real id starts with n99). ``gray_fraction`` of the images are
    single-channel JPEGs. The same arguments always write the same files.
    Returns ``root`` as a Path.
    """
    num_classes = _check_count("num_classes", num_classes)
    train_per_class = _check_count("train_per_class", train_per_class)
    val_per_class = _check_count("val_per_class", val_per_class)
    test_images = _check_count("test_images", test_images, low=0)
    if not 0.0 <= gray_fraction <= 1.0:
        raise ValueError(f"gray_fraction must be in [0, 1], got {gray_fraction!r}")
    wnids = [f"n99{c:06d}" for c in range(num_classes)]
    rng = np.random.default_rng(seed)
    with _Staging(root, "Tiny ImageNet") as tmp:
        (tmp / "wnids.txt").write_text("".join(w + "\n" for w in wnids))
        words = [f"{w}\t{_class_look(c)[0]} {c // len(SHAPE_NAMES)}, stand-in class {c}"
                 for c, w in enumerate(wnids)]
        words.append(f"n99{num_classes:06d}\tunused entry, as the real words.txt lists all of ImageNet")
        (tmp / "words.txt").write_text("\n".join(words) + "\n")

        def write(label, path):
            shape, hue = _class_look(label)
            image, box = _render_one(shape, hue, 64, 64, rng)
            _save_jpeg(image, path, gray=rng.uniform() < gray_fraction)
            return box

        for c, wnid in enumerate(wnids):
            folder = tmp / "train" / wnid / "images"
            folder.mkdir(parents=True)
            boxes = []
            for i in range(train_per_class):
                name = f"{wnid}_{i}.JPEG"
                boxes.append(name + "\t" + "\t".join(map(str, write(c, folder / name))))
            (tmp / "train" / wnid / f"{wnid}_boxes.txt").write_text("\n".join(boxes) + "\n")
        (tmp / "val" / "images").mkdir(parents=True)
        val_labels = rng.permutation(np.repeat(np.arange(num_classes), val_per_class))
        lines = []
        for i, c in enumerate(val_labels):
            name = f"val_{i}.JPEG"
            box = write(int(c), tmp / "val" / "images" / name)
            lines.append("\t".join([name, wnids[c], *map(str, box)]))
        (tmp / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
        (tmp / "test" / "images").mkdir(parents=True)
        for i in range(test_images):
            write(int(rng.integers(num_classes)), tmp / "test" / "images" / f"test_{i}.JPEG")
    return Path(root).expanduser()


def make_fruit(root, per_class=20, image_size=300, seed=0, odd_size_fraction=0.02,
               classes=FRUIT_CLASSES):
    """Write a stand-in for Idler's fruit images to the new folder ``root``:
    ``root/<class>/<class>_<i>.jpg`` (read it with ``ImageFolder(root, image_size=300)``).

    per_class: RGB JPEGs per class (the real set: 2,000 each of cherry,
    strawberry, tomato); image_size: their size (real: mostly 300x300);
    ``odd_size_fraction`` of them get another size (the real set's ~1.5%
    outliers, e.g. 225x225 or 201x251), so a reader must resize. The same
    arguments always write the same files. Returns ``root`` as a Path.
    """
    per_class = _check_count("per_class", per_class)
    image_size = _check_count("image_size", image_size, low=8)
    classes = [str(c) for c in classes]
    if len(set(classes)) != len(classes) or not classes or any(not c or "/" in c for c in classes):
        raise ValueError(f"classes must be distinct, non-empty folder names, got {classes!r}")
    if not 0.0 <= odd_size_fraction <= 1.0:
        raise ValueError(f"odd_size_fraction must be in [0, 1], got {odd_size_fraction!r}")
    looks = [_FRUIT_LOOKS[c] if c < len(_FRUIT_LOOKS) else _class_look(c) for c in range(len(classes))]
    rng = np.random.default_rng(seed)
    with _Staging(root, "fruit") as tmp:
        for c, name in enumerate(classes):
            (tmp / name).mkdir()
            for i in range(per_class):
                h = w = image_size
                if rng.uniform() < odd_size_fraction:
                    h, w = (int(s) for s in rng.integers(image_size * 2 // 3, image_size * 4 // 3, 2))
                image, _ = _render_one(*looks[c], h, w, rng)
                _save_jpeg(image, tmp / name / f"{name}_{i}.jpg")
    return Path(root).expanduser()


# ---------------------------------------------------------------- command line
def main(argv=None) -> int:
    """``python -m minidl.data.standins tiny-imagenet|fruit DIR [options]``."""
    p = argparse.ArgumentParser(prog="python -m minidl.data.standins",
                                description="Write a generated stand-in data set in a real set's layout.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sub = p.add_subparsers(dest="kind", required=True)
    t = sub.add_parser("tiny-imagenet", help="the tiny-imagenet-200 folder layout")
    t.add_argument("root")
    t.add_argument("--classes", type=int, default=200)
    t.add_argument("--train-per-class", type=int, default=10)
    t.add_argument("--val-per-class", type=int, default=2)
    t.add_argument("--test-images", type=int, default=10)
    t.add_argument("--seed", type=int, default=0)
    f = sub.add_parser("fruit", help="Idler's fruit images as root/<class>/*.jpg")
    f.add_argument("root")
    f.add_argument("--per-class", type=int, default=20)
    f.add_argument("--image-size", type=int, default=300)
    f.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    try:
        if args.kind == "tiny-imagenet":
            root = make_tiny_imagenet(args.root, args.classes, args.train_per_class, args.val_per_class,
                                      args.test_images, seed=args.seed)
        else:
            root = make_fruit(args.root, args.per_class, args.image_size, seed=args.seed)
    except (ValueError, FileExistsError, OSError) as exc:
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    print(f"wrote {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
