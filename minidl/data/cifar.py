"""CIFAR-10 and CIFAR-100 from the official python pickles, an image tree, or a tar of either.

``root`` may be:

* the folder of the official pickles (the content of ``cifar-10-batches-py``:
  ``data_batch_1..5``, ``test_batch``, ``batches.meta``; CIFAR-100: ``train``,
  ``test``, ``meta``), or a folder holding ``cifar-10-batches-py/`` itself;
* an image tree ``train/<class>/*.jpg`` + ``test/<class>/*.jpg`` (or a folder
  whose only sub-folder holds them, as ``cifar10-jpeg.tar.gz`` unpacks);
* a ``.tar``/``.tar.gz`` file of either layout, read without extracting it.

Decoded image trees and archives are cached as ``.npz`` (see
:mod:`minidl.data.cache`), so only the first load decodes the JPEGs.
"""
from __future__ import annotations

import codecs
import io
import pickle
import tarfile
import warnings
from pathlib import Path, PurePosixPath

import numpy as np

from .cache import CacheKey, data_home, dataset_dir, load_npz, save_npz_atomic
from .dataset import ArrayImageDataset
from .decode import IMAGE_EXTENSIONS, decode_images
from .download import check_file, download_url, extract_archive, missing_files_error
from .folder import _set_from_arrays, decode_files, scan_tree

__all__ = ["CIFAR10", "CIFAR100", "load_cifar_pickle"]

try:  # NumPy 2 moved the array reconstructor; py2-era pickles name the old module
    from numpy._core.multiarray import _reconstruct
    from numpy._core.multiarray import scalar as _scalar
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import _reconstruct
    from numpy.core.multiarray import scalar as _scalar

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.multiarray", "scalar"): _scalar,
    ("numpy._core.multiarray", "scalar"): _scalar,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
}


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists and NumPy arrays only: a CIFAR batch cannot run code."""

    def __init__(self, f, name):
        super().__init__(f, encoding="latin1")
        self._name = name

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{self._name}: refusing to load {module}.{name}; "
                                         "a CIFAR batch holds only arrays and lists") from None


def load_cifar_pickle(source, name=None) -> dict:
    """Load one official CIFAR python batch (a path or bytes) into a dict with str keys."""
    name = name or str(source)
    try:
        if isinstance(source, (bytes, bytearray)):
            obj = _NumpyOnlyUnpickler(io.BytesIO(source), name).load()
        else:
            with open(source, "rb") as f:
                obj = _NumpyOnlyUnpickler(f, name).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise ValueError(f"{name}: not a CIFAR python batch ({exc})") from exc
    if not isinstance(obj, dict):
        raise ValueError(f"{name}: expected a dict, got {type(obj).__name__}")
    return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}


def _batch_arrays(batch, name, label_key):
    data = np.asarray(batch["data"], dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(f"{name}: 'data' has shape {data.shape}, expected (N, 3072)")
    if label_key not in batch:
        raise ValueError(f"{name}: no {label_key!r} entry (keys: {sorted(batch)})")
    labels = np.asarray(batch[label_key], dtype=np.int64)
    if len(labels) != len(data):
        raise ValueError(f"{name}: {len(data)} images but {len(labels)} labels")
    images = np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return images, labels


def _names(meta, key):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in meta[key]]


class CIFAR10(ArrayImageDataset):
    """CIFAR-10 (Krizhevsky, 2009): 50,000 train / 10,000 test 32x32 RGB images, 10 classes.

    root: see the module docstring (None: ``$MINIDL_DATA/cifar10``; there
    ``download=True`` puts the official pickles, MD5-checked). train: the
    training or the test split. skip_corrupt / cache: for image trees, as in
    :class:`~minidl.data.ImageFolder`. ``.data`` uint8 (N, 32, 32, 3).
    """

    name = "cifar10"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    archive = ("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a")
    archive_folder = "cifar-10-batches-py"
    files = {
        "train": [("data_batch_1", "c99cafc152244af753f735de768cd75f"),
                  ("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"),
                  ("data_batch_3", "54ebc095f3ab1f0389bbae665268c751"),
                  ("data_batch_4", "634d18415352ddfa80567beed471001a"),
                  ("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb")],
        "test": [("test_batch", "40351d587109b95175f43aff81a1287e")],
    }
    meta = ("batches.meta", "5ff9c542aee3614f3951f8cda6e48888", "label_names")
    label_key = "labels"
    class_names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck"]

    def __init__(self, root=None, train=True, download=False, transform=None,
                 skip_corrupt=False, cache=True):
        self.train = bool(train)
        split = "train" if self.train else "test"
        self.skipped, self.skipped_files = 0, []
        if root is None:
            root = self._default_root()
        root = Path(root).expanduser()
        if download and not root.is_file() and self._locate(root)[0] is None:
            self.download(root)
        kind, where = self._locate(root)
        self.root = where if where is not None else root
        if kind == "pickles":
            data, targets, classes = self._from_pickles(where, split)
            ArrayImageDataset.__init__(self, data, targets, classes, transform)
        elif kind == "tree":
            classes, samples = scan_tree(where / split)
            paths, labels = zip(*samples) if samples else ((), ())
            arrays = decode_files(self.name, split, list(paths), labels, None, skip_corrupt,
                                  cache, key_parts=[str(where.resolve())])
            _set_from_arrays(self, arrays, classes, transform)
        elif kind == "archive":
            arrays, classes = self._from_archive(where, split, skip_corrupt, cache)
            ArrayImageDataset.__init__(self, arrays["data"], arrays["targets"], classes, transform)
            self.skipped_files = arrays["skipped"].tolist()
            self.skipped = len(self.skipped_files)
        else:
            expect = [f for f, _ in self.files[split]] + [self.meta[0]]
            err = missing_files_error(type(self).__name__, root, expect, [self.url])
            raise FileNotFoundError(f"{err}\nOr give root as a folder holding train/<class>/ "
                                    "and test/<class>/ images, or a .tar.gz of either.")

    # -- finding the data ------------------------------------------------------

    @classmethod
    def _default_root(cls):
        """``$MINIDL_DATA/<name>``; for CIFAR-10 also ``$MINIDL_DATA/cifar10-jpeg.tar.gz``."""
        root = data_home() / cls.name
        if cls._locate(root)[0] is None:
            for alt in (data_home() / f"{cls.name}-jpeg.tar.gz",):
                if alt.is_file():
                    return alt
        return root

    @classmethod
    def _locate(cls, root):
        """``(kind, path)``: kind is "pickles", "tree", "archive" or None (nothing found)."""
        root = Path(root)
        if root.is_file():
            return "archive", root
        if not root.is_dir():
            return None, None
        batch_names = [f for split in cls.files.values() for f, _ in split]
        for cand in (root, root / cls.archive_folder):
            if any((cand / f).is_file() for f in batch_names):
                return "pickles", cand
        if (root / "train").is_dir() or (root / "test").is_dir():
            return "tree", root
        subs = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
        if len(subs) == 1 and ((subs[0] / "train").is_dir() or (subs[0] / "test").is_dir()):
            return "tree", subs[0]
        return None, None

    # -- official pickles -------------------------------------------------------

    def _from_pickles(self, folder, split):
        missing = [f for f, _ in self.files[split] if not (folder / f).is_file()]
        if missing:
            raise missing_files_error(type(self).__name__, folder, missing, [self.url])
        images, labels = [], []
        extra = {}
        for fname, _ in self.files[split]:
            batch = load_cifar_pickle(folder / fname)
            x, y = _batch_arrays(batch, folder / fname, self.label_key)
            images.append(x)
            labels.append(y)
            self._extra_labels(batch, extra)
        for k, v in extra.items():
            setattr(self, k, np.concatenate(v))
        meta_path = folder / self.meta[0]
        classes = (_names(load_cifar_pickle(meta_path), self.meta[2])
                   if meta_path.is_file() else list(self.class_names))
        return np.concatenate(images), np.concatenate(labels), classes

    def _extra_labels(self, batch, extra):
        """Hook for CIFAR-100's coarse labels."""

    # -- archives ----------------------------------------------------------------

    def _from_archive(self, path, split, skip_corrupt, cache):
        """Decode a tar (official pickles or an image tree) once; both splits are cached."""
        key = CacheKey("archive", str(path.resolve()), bool(skip_corrupt)).add_file(path)
        if cache:
            hit = load_npz(data_home() / self.name / "decoded" / f"{split}-{key.hexdigest()}.npz")
            if hit is not None:
                return hit, hit["classes"].tolist()
        result = self._read_archive(path, skip_corrupt)
        if cache:
            for s, arrays in result.items():
                try:
                    save_npz_atomic(data_home() / self.name / "decoded" /
                                    f"{s}-{key.hexdigest()}.npz", **arrays)
                except OSError as exc:
                    warnings.warn(f"could not write the decoded cache under {data_home()} "
                                  f"({exc})", RuntimeWarning, stacklevel=3)
        if split not in result:
            raise FileNotFoundError(f"{path} holds no {split} split (expected members "
                                    f"*/{split}/<class>/<image> or the official batches)")
        return result[split], result[split]["classes"].tolist()

    def _read_archive(self, path, skip_corrupt):
        batch_names = {f for s in self.files.values() for f, _ in s} | {self.meta[0]}
        members = {"train": [], "test": []}
        blobs = {}
        try:
            with tarfile.open(path, "r:*") as tar:
                for m in tar:
                    if not m.isfile():
                        continue
                    parts = PurePosixPath(m.name).parts
                    if parts[-1] in batch_names:
                        blobs[parts[-1]] = tar.extractfile(m).read()
                        continue
                    if not parts[-1].lower().endswith(IMAGE_EXTENSIONS):
                        continue
                    for k in range(len(parts) - 2):
                        if parts[k] in members:
                            members[parts[k]].append((parts[k + 1], m.name,
                                                      tar.extractfile(m).read()))
                            break
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ValueError(f"{path}: not a readable tar archive ({exc})") from exc
        result = {}
        if blobs:
            meta = (_names(load_cifar_pickle(blobs[self.meta[0]], self.meta[0]), self.meta[2])
                    if self.meta[0] in blobs else list(self.class_names))
            for split, files in self.files.items():
                names = [f for f, _ in files]
                missing = [f for f in names if f not in blobs]
                if missing:
                    continue
                xs, ys = zip(*(_batch_arrays(load_cifar_pickle(blobs[f], f"{path}:{f}"),
                                             f"{path}:{f}", self.label_key) for f in names))
                result[split] = {"data": np.concatenate(xs), "targets": np.concatenate(ys),
                                 "classes": np.array(meta), "skipped": np.array([], dtype=str)}
            return result
        for split, items in members.items():
            if not items:
                continue
            items.sort(key=lambda t: (t[0], t[1]))
            classes = sorted({c for c, _, _ in items})
            label = {c: i for i, c in enumerate(classes)}
            data, kept, skipped = decode_images([(f"{path}:{n}", b) for _, n, b in items],
                                                None, skip_corrupt)
            targets = np.array([label[c] for c, _, _ in items], dtype=np.int64)[kept]
            result[split] = {"data": data, "targets": targets, "classes": np.array(classes),
                             "skipped": np.array(skipped, dtype=str)}
        return result

    # -- download ------------------------------------------------------------------

    @classmethod
    def download(cls, root=None):
        """Fetch the official archive into ``root``, check its MD5, unpack the batches there."""
        root = dataset_dir(cls.name, root)
        fname, md5 = cls.archive
        archive = download_url(cls.url, root / fname, md5=md5)
        extract_archive(archive, root, prefix=cls.archive_folder)
        archive.unlink()
        cls.check_integrity(root)
        return root

    @classmethod
    def check_integrity(cls, root=None) -> None:
        """Raise unless every official batch in ``root`` matches its MD5."""
        root = dataset_dir(cls.name, root)
        for split in cls.files.values():
            for fname, md5 in split:
                check_file(root / fname, md5=md5)
        check_file(root / cls.meta[0], md5=cls.meta[1])


class CIFAR100(CIFAR10):
    """CIFAR-100: 50,000 train / 10,000 test 32x32 RGB images, 100 fine classes.

    Same sources as :class:`CIFAR10` (official pickles ``train``, ``test``,
    ``meta``; None root: ``$MINIDL_DATA/cifar100``). ``.targets`` are the fine
    labels; pickles also give ``.coarse_targets`` (20 superclasses).
    """

    name = "cifar100"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    archive = ("cifar-100-python.tar.gz", "eb9058c3a382ffc7106e4002c42a8d85")
    archive_folder = "cifar-100-python"
    files = {"train": [("train", "16019d7e3df5f24257cddd939b257f8d")],
             "test": [("test", "f0ef6b0ae62326f3e7ffdfab6717acfc")]}
    meta = ("meta", "7973b15100ade9c7d40fb424638fde48", "fine_label_names")
    label_key = "fine_labels"
    class_names = [str(i) for i in range(100)]

    def _extra_labels(self, batch, extra):
        if "coarse_labels" in batch:
            extra.setdefault("coarse_targets", []).append(
                np.asarray(batch["coarse_labels"], dtype=np.int64))
