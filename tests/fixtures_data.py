"""Writers of small datasets in each official on-disk format, for the minidl.data tests."""
from __future__ import annotations

import gzip
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def write_idx_gz(path, array):
    """Write ``array`` (uint8, 3-D images or 1-D labels) as a gzip-compressed IDX file."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())
    return Path(path)


MNIST_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
               "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def make_mnist(root, n_train=30, n_test=10, seed=0):
    """The four MNIST files with random digits; returns {split: (images, labels)}."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        write_idx_gz(root / MNIST_FILES[split][0], images)
        write_idx_gz(root / MNIST_FILES[split][1], labels)
        out[split] = (images, labels)
    return out


def _pickle(path, obj):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)


def make_cifar10_pickles(root, per_batch=6, seed=0):
    """data_batch_1..5, test_batch and batches.meta; returns {split: (NHWC images, labels)}."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
             "test_batch"]
    images, labels = {}, {}
    for k, name in enumerate(names):
        flat = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        lab = [int(v) for v in (np.arange(per_batch) + k) % 10]
        _pickle(root / name, {"batch_label": f"batch {k}", "labels": lab, "data": flat,
                              "filenames": [f"img{i}.png" for i in range(per_batch)]})
        images[name] = flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        labels[name] = np.array(lab)
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
               "ship", "truck"]
    _pickle(root / "batches.meta", {"label_names": classes, "num_cases_per_batch": per_batch,
                                    "num_vis": 3072})
    train = [n for n in names if n.startswith("data")]
    return {"train": (np.concatenate([images[n] for n in train]),
                      np.concatenate([labels[n] for n in train])),
            "test": (images["test_batch"], labels["test_batch"]), "classes": classes}


def make_cifar100_pickles(root, n_train=20, n_test=8, seed=0):
    """train, test, meta of CIFAR-100; returns {split: (images, fine, coarse)}."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        flat = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        fine = [int(v) for v in rng.integers(0, 100, n)]
        coarse = [f // 5 for f in fine]
        _pickle(root / split, {"filenames": [f"{i}.png" for i in range(n)], "batch_label": split,
                               "fine_labels": fine, "coarse_labels": coarse, "data": flat})
        out[split] = (flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), np.array(fine),
                      np.array(coarse))
    fine_names = [f"fine{i:02d}" for i in range(100)]
    _pickle(root / "meta", {"fine_label_names": fine_names,
                            "coarse_label_names": [f"coarse{i}" for i in range(20)]})
    out["classes"] = fine_names
    return out


def save_image(path, array, fmt=None, quality=95):
    """Save uint8 (H, W, 3) or (H, W) ``array`` with Pillow."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.fromarray(np.asarray(array, np.uint8))
    fmt = fmt or ("JPEG" if path.suffix.lower() in (".jpg", ".jpeg") else "PNG")
    if fmt == "JPEG":
        im.save(path, fmt, quality=quality)
    else:
        im.save(path, fmt)
    return path


def smooth_image(rng, h, w, channels=3):
    """A smooth random image (JPEG keeps it close to the original)."""
    base = rng.integers(40, 216, (channels,))
    yy, xx = np.mgrid[0:h, 0:w]
    img = base[None, None, :] + 30 * np.sin(xx[..., None] / 5.0 + rng.uniform(0, 6, channels)) \
        + 20 * np.cos(yy[..., None] / 7.0)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return img if channels == 3 else img[..., 0]


def make_image_tree(root, classes, per_class, size=(32, 32), ext=".png", seed=0):
    """``root/<class>/<k><ext>``; returns the list of (path, label, pixels) in sorted order."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    out = []
    for label, cls in enumerate(classes):
        for k in range(per_class):
            img = smooth_image(rng, *size)
            path = save_image(root / cls / f"{k:04d}{ext}", img)
            out.append((path, label, img))
    return out


def tar_tree(src, tar_path, arc_root):
    """Tar (gzip) every file under ``src`` as ``arc_root/<relative path>``, sorted, files only."""
    src = Path(src)
    with tarfile.open(tar_path, "w:gz") as t:
        for p in sorted(q for q in src.rglob("*") if q.is_file()):
            t.add(p, arcname=f"{arc_root}/{p.relative_to(src).as_posix()}", recursive=False)
    return Path(tar_path)


def make_tiny_imagenet(root, wnids=("n02", "n01", "n03"), n_train=3, n_val=2, seed=0):
    """A tiny-imagenet-200 style tree (64x64 JPEGs), one training image grayscale.

    Returns (train list, val list) of (path, label by sorted wnid).
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "wnids.txt").write_text("\n".join(wnids) + "\n")
    (root / "words.txt").write_text("".join(f"{w}\tname of {w}, synonym\n" for w in wnids)
                                    + "n99999\tunused entry\n")
    order = sorted(wnids)
    train = []
    for w in wnids:
        for k in range(n_train):
            gray = (w == wnids[0] and k == 0)
            img = smooth_image(rng, 64, 64, channels=1 if gray else 3)
            path = save_image(root / "train" / w / "images" / f"{w}_{k}.JPEG", img, "JPEG")
            train.append((path, order.index(w)))
        (root / "train" / w / f"{w}_boxes.txt").write_text("")
    lines, val = [], []
    for i in range(n_val * len(wnids)):
        w = wnids[i % len(wnids)]
        name = f"val_{i}.JPEG"
        path = save_image(root / "val" / "images" / name, smooth_image(rng, 64, 64), "JPEG")
        lines.append(f"{name}\t{w}\t0\t0\t63\t63")
        val.append((path, order.index(w)))
    (root / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    return train, val


def jpeg_bytes(img, quality=90):
    """Encode uint8 ``img`` as JPEG bytes."""
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    return buf.getvalue()
