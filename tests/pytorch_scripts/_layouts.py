"""Tiny stand-ins for torchvision's on-disk dataset layouts, cut from ``shared/data``.

``build(root)`` writes under ``root``:

- ``MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`` and the same under
  ``FashionMNIST/raw/``: the first images of the official files (gzip IDX, as torchvision
  downloads them);
- ``cifar-10-batches-py/`` (``data_batch_1..5``, ``test_batch``, ``batches.meta``: the
  python pickles torchvision unpacks), with images decoded from the JPEG copy of CIFAR-10
  (its ``test/`` members, which come first in the tar, serve both splits).

When the shared data is absent, random pixels in the same layouts stand in (the scripts
only need files they can read), so the script tests still run.
"""
from __future__ import annotations

import gzip
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
MNIST_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
               "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _write_idx_gz(path, array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def _read_idx_head(path, count):
    """The first ``count`` items of a gzip IDX file, reading only what they need."""
    with gzip.open(path, "rb") as f:
        magic = int.from_bytes(f.read(4), "big")
        if magic == 2051:
            f.read(12)
            return np.frombuffer(f.read(count * 784), np.uint8).reshape(count, 28, 28)
        f.read(4)
        return np.frombuffer(f.read(count), np.uint8)


def _idx_folder(target, source, sizes, rng):
    target.mkdir(parents=True, exist_ok=True)
    for split, (images_name, labels_name) in MNIST_FILES.items():
        n = sizes[split]
        if source.is_dir():
            images, labels = _read_idx_head(source / images_name, n), _read_idx_head(source / labels_name, n)
        else:
            images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
            labels = (np.arange(n) % 10).astype(np.uint8)
        _write_idx_gz(target / images_name, images)
        _write_idx_gz(target / labels_name, labels)


def _cifar_images(per_class, rng):
    """(N, 32, 32, 3) uint8 and labels: the first ``per_class`` test JPEGs of each class."""
    archive = SHARED_DATA / "cifar10-jpeg.tar.gz"
    if not archive.is_file():
        n = per_class * 10
        return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), np.arange(n) % 10
    wanted = {f"cifar10-jpeg/test/{c}/{i:04d}.jpg": k for k, c in enumerate(CIFAR_CLASSES)
              for i in range(per_class)}
    images, labels = [], []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.name in wanted:
                with Image.open(io.BytesIO(tar.extractfile(member).read())) as img:
                    images.append(np.asarray(img.convert("RGB")))
                labels.append(wanted[member.name])
                if len(images) == len(wanted):
                    break
            elif member.name.startswith("cifar10-jpeg/train/"):
                break
    images, labels = np.stack(images), np.asarray(labels)
    # every run of 10 holds each class once (so each batch file does), in a shuffled order
    order = np.concatenate([rng.permutation(np.flatnonzero(labels == k)) for k in range(10)])
    order = order.reshape(10, -1).T
    order = np.concatenate([rng.permutation(row) for row in order])
    return images[order], labels[order]


def _pickle(path, obj):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)


def _cifar_folder(target, per_batch, test_size, rng):
    target.mkdir(parents=True, exist_ok=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    sizes = [per_batch] * 5 + [test_size]
    images, labels = _cifar_images(-(-sum(sizes) // 10), rng)
    start = 0
    for k, (name, size) in enumerate(zip(names, sizes)):
        part = slice(start, start + size)
        start += size
        flat = images[part].transpose(0, 3, 1, 2).reshape(-1, 3072)
        _pickle(target / name, {"batch_label": f"batch {k + 1}", "labels": [int(v) for v in labels[part]],
                                "data": flat, "filenames": [f"img_{k}_{i}.png" for i in range(len(flat))]})
    _pickle(target / "batches.meta", {"label_names": CIFAR_CLASSES, "num_cases_per_batch": per_batch,
                                      "num_vis": 3072})


def build(root, mnist_sizes=None, cifar_per_batch=10, cifar_test=10, seed=0):
    """Write the three layouts under ``root``; returns ``root`` as a Path.

    ``mnist_sizes``: {"train": n, "test": m} images in each IDX pair; CIFAR-10 gets
    ``cifar_per_batch`` images in each of its five training batches and ``cifar_test``
    in its test batch (a multiple of 10 holds every class equally often).
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    sizes = mnist_sizes or {"train": 128, "test": 64}
    _idx_folder(root / "MNIST" / "raw", SHARED_DATA / "mnist", sizes, rng)
    _idx_folder(root / "FashionMNIST" / "raw", SHARED_DATA / "fashion-mnist", sizes, rng)
    _cifar_folder(root / "cifar-10-batches-py", cifar_per_batch, cifar_test, rng)
    return root


def mnist_pickle(path, train=128, valid=64, seed=0):
    """``mnist.pkl.gz`` as the nn tutorial downloads it: a gzip pickle of ``((x_train, y_train), (x_valid,
    y_valid), (x_test, y_test))``, images as (n, 784) float32 in [0, 1], labels int64 (the test split empty)."""
    n = train + valid
    source = SHARED_DATA / "mnist"
    if source.is_dir():
        images = _read_idx_head(source / MNIST_FILES["train"][0], n).reshape(n, 784)
        labels = _read_idx_head(source / MNIST_FILES["train"][1], n)
    else:
        images = np.random.default_rng(seed).integers(0, 256, (n, 784), dtype=np.uint8)
        labels = np.arange(n) % 10
    images, labels = images.astype(np.float32) / 255, labels.astype(np.int64)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as f:
        pickle.dump(((images[:train], labels[:train]), (images[train:], labels[train:]),
                     (images[:0], labels[:0])), f, protocol=2)
    return path


def image_folder(root, classes=("ants", "bees"), train=2, val=2, extra_val_name=None, seed=0):
    """An ImageFolder tree ``root/{train,val}/<class>/<n>.jpg`` (``train``/``val`` JPEGs per class), cut from
    the CIFAR-10 JPEGs (class k of ``classes`` takes CIFAR class k's images) or random pixels when absent;
    ``extra_val_name`` adds one more JPEG under the last class's ``val`` folder with that file name."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    per_class = train + val + 1
    images, labels = _cifar_images(per_class, rng)
    for k, name in enumerate(classes):
        own = images[labels == k][:per_class]
        for split, part in (("train", own[:train]), ("val", own[train:train + val])):
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i, pixels in enumerate(part):
                Image.fromarray(pixels).save(folder / f"{i}.jpg")
        if extra_val_name and k == len(classes) - 1:
            Image.fromarray(own[-1]).save(root / "val" / name / extra_val_name)
    return root
