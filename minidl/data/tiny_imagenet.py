"""Tiny ImageNet (Stanford CS231n): 200 classes of 64x64 images, 500 train / 50 val each."""
from __future__ import annotations

from pathlib import Path

from .cache import dataset_dir
from .dataset import ArrayImageDataset
from .decode import IMAGE_EXTENSIONS
from .download import download_url, extract_archive, missing_files_error
from .folder import _set_from_arrays, decode_files

__all__ = ["TinyImageNet"]


class TinyImageNet(ArrayImageDataset):
    """Tiny ImageNet from the official ``tiny-imagenet-200`` folder.

    root: the content of ``tiny-imagenet-200`` (``wnids.txt``, ``words.txt``,
    ``train/<wnid>/images/*.JPEG``, ``val/images/*.JPEG``,
    ``val/val_annotations.txt``); None: ``$MINIDL_DATA/tiny-imagenet``, where
    ``download=True`` unpacks the official zip (MD5-checked). split: "train" or
    "val" (the test split has no labels).

    Labels follow the sorted WordNet ids (``.wnids``); ``.classes`` are the
    first name of each id in ``words.txt``. Grayscale images become RGB. The
    decoded uint8 (N, 64, 64, 3) arrays are cached (``cache=True``);
    ``skip_corrupt`` as in :class:`~minidl.data.ImageFolder`.
    """

    name = "tiny-imagenet"
    url = "http://cs231n.stanford.edu/tiny-imagenet-200.zip"
    archive = ("tiny-imagenet-200.zip", "90528d7ca1a48142e341f4ef8d21d0de")
    archive_folder = "tiny-imagenet-200"

    def __init__(self, root=None, split="train", download=False, transform=None,
                 skip_corrupt=False, cache=True):
        if split not in ("train", "val"):
            raise ValueError(f"split must be 'train' or 'val', got {split!r}")
        self.root = dataset_dir(self.name, root)
        self.split = split
        if download and not (self.root / "wnids.txt").is_file():
            self.download(self.root)
        wnids_file = self.root / "wnids.txt"
        if not wnids_file.is_file():
            raise missing_files_error("TinyImageNet", self.root,
                                      ["wnids.txt", "words.txt", "train/<wnid>/images/*.JPEG",
                                       "val/images/*.JPEG", "val/val_annotations.txt"],
                                      [self.url])
        self.wnids = sorted({w.strip() for w in wnids_file.read_text().split() if w.strip()})
        index = {w: i for i, w in enumerate(self.wnids)}
        classes = self._class_names()
        paths, labels = self._train_files(index) if split == "train" else self._val_files(index)
        arrays = decode_files(self.name, split, paths, labels, (64, 64), skip_corrupt, cache,
                              key_parts=[str(self.root.resolve())])
        _set_from_arrays(self, arrays, classes, transform)

    def _class_names(self):
        words = {}
        words_file = self.root / "words.txt"
        if words_file.is_file():
            for line in words_file.read_text(encoding="utf-8", errors="replace").splitlines():
                wnid, _, text = line.partition("\t")
                words[wnid.strip()] = text.strip()
        self.descriptions = [words.get(w, w) for w in self.wnids]
        return [d.split(",")[0].strip() or w for d, w in zip(self.descriptions, self.wnids)]

    def _train_files(self, index):
        paths, labels = [], []
        for wnid in self.wnids:
            folder = self.root / "train" / wnid / "images"
            if not folder.is_dir():
                raise FileNotFoundError(f"TinyImageNet: missing training folder {folder} "
                                        f"(class {wnid} is listed in {self.root / 'wnids.txt'})")
            files = sorted(p for p in folder.iterdir()
                           if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith("."))
            paths += files
            labels += [index[wnid]] * len(files)
        return paths, labels

    def _val_files(self, index):
        ann = self.root / "val" / "val_annotations.txt"
        if not ann.is_file():
            raise FileNotFoundError(f"TinyImageNet: missing validation labels {ann}")
        paths, labels = [], []
        for n, line in enumerate(ann.read_text().splitlines(), 1):
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) < 2 or fields[1] not in index:
                raise ValueError(f"{ann}:{n}: expected '<file>\\t<wnid>...' with a wnid from "
                                 f"wnids.txt, got {line!r}")
            path = self.root / "val" / "images" / fields[0]
            if not path.is_file():
                raise FileNotFoundError(f"TinyImageNet: {ann}:{n} names {path}, which is missing")
            paths.append(path)
            labels.append(index[fields[1]])
        return paths, labels

    @classmethod
    def download(cls, root=None):
        """Fetch the official zip into ``root``, check its MD5, unpack it there, delete it."""
        root = dataset_dir(cls.name, root)
        fname, md5 = cls.archive
        archive = download_url(cls.url, Path(root) / fname, md5=md5)
        extract_archive(archive, root, prefix=cls.archive_folder)
        archive.unlink()
        return root
