"""torchvision's folder datasets: ``DatasetFolder`` (``root/<class>/**/<file>``, any loader) and its
``ImageFolder``, with the module functions scripts reuse (``find_classes``, ``make_dataset``,
``has_file_allowed_extension``, ``is_image_file``, ``pil_loader``, ``default_loader``).

As torchvision's, the class list comes from ``self.find_classes`` and the sample list from
``self.make_dataset``, so a subclass that overrides either changes what the dataset holds.
"""
from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from ...data.decode import decode_image
from ._base import VisionDataset

__all__ = ["DatasetFolder", "ImageFolder", "default_loader", "pil_loader", "accimage_loader", "IMG_EXTENSIONS",
           "find_classes", "make_dataset", "has_file_allowed_extension", "is_image_file"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename, extensions):
    """Whether ``filename`` ends (case-insensitively) with one of ``extensions`` (a string or a tuple)."""
    return str(filename).lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def is_image_file(filename):
    """Whether ``filename`` has one of :data:`IMG_EXTENSIONS`."""
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory):
    """``(classes, class_to_idx)``: the sorted names of ``directory``'s sub-folders and their indices.

    Raises:
        FileNotFoundError: ``directory`` has no sub-folder (or does not exist).
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}: it is not a directory.")
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx=None, extensions=None, is_valid_file=None, allow_empty=False):
    """``[(path, class_index), ...]`` for every valid file under ``directory/<class>/`` (sorted by class, then
    by walk order and file name, as torchvision's).

    Exactly one of ``extensions`` (a file is valid when its name ends with one) and ``is_valid_file``
    (a function of the path) must be given.

    Raises:
        ValueError: both or neither of ``extensions`` and ``is_valid_file``, or an empty ``class_to_idx``.
        FileNotFoundError: a class with no valid file (unless ``allow_empty``).
    """
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    valid = is_valid_file if is_valid_file is not None else (
        lambda path: has_file_allowed_extension(path, extensions))
    instances, found = [], set()
    for target_class in sorted(class_to_idx):
        class_index = class_to_idx[target_class]
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if valid(path):
                    instances.append((path, class_index))
                    found.add(target_class)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            message += ("Supported extensions are: "
                        f"{extensions if isinstance(extensions, str) else ', '.join(extensions)}")
        raise FileNotFoundError(f"{message.rstrip()} (under {directory})")
    return instances


def pil_loader(path):
    """Open ``path`` with Pillow and convert it to RGB."""
    with open(path, "rb") as handle:
        return Image.open(handle).convert("RGB")


def accimage_loader(path):
    """torchvision's accimage loader; minidl has no accimage backend, so this is :func:`pil_loader`."""
    return pil_loader(path)


def default_loader(path):
    """Decode ``path`` to an RGB PIL image (minidl.data's decoder: a corrupt file raises
    :class:`~minidl.data.CorruptImageError` naming it)."""
    return Image.fromarray(decode_image(path))


class DatasetFolder(VisionDataset):
    """Samples in ``root/<class>/**/<file>`` read by ``loader`` (torchvision's ``datasets.DatasetFolder``).

    ``.classes`` (sorted sub-folder names), ``.class_to_idx``, ``.samples`` ``[(path, label), ...]``,
    ``.targets`` (the labels), ``.extensions``; ``ds[i]`` -> ``(transform(loader(path)), label)``.
    Exactly one of ``extensions`` and ``is_valid_file`` is given.
    """

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None, is_valid_file=None,
                 allow_empty=False):
        root = os.path.expanduser(os.fspath(root)) if isinstance(root, (str, Path)) else root
        super().__init__(root, transform=transform, target_transform=target_transform)
        classes, class_to_idx = self.find_classes(self.root)
        samples = self.make_dataset(self.root, class_to_idx=class_to_idx, extensions=extensions,
                                    is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.classes = classes
        self._class_to_idx = class_to_idx
        self.samples = samples
        self.targets = [s[1] for s in samples]

    @property
    def class_to_idx(self):
        """{class name: label}, as :meth:`find_classes` returned it."""
        return self._class_to_idx

    @class_to_idx.setter
    def class_to_idx(self, value):
        self._class_to_idx = value

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
        """The ``(path, label)`` list (see :func:`make_dataset`; ``class_to_idx`` is required here)."""
        if class_to_idx is None:
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions=extensions, is_valid_file=is_valid_file,
                            allow_empty=allow_empty)

    def find_classes(self, directory):
        """``(classes, class_to_idx)`` for ``directory`` (override to choose the classes)."""
        return find_classes(directory)

    def __getitem__(self, index):
        path, target = self.samples[index]
        return self._apply(self.loader(path), target)

    def __len__(self):
        return len(self.samples)


class ImageFolder(DatasetFolder):
    """Images in ``root/<class>/**/<image>`` (torchvision's ``datasets.ImageFolder``): a
    :class:`DatasetFolder` with :data:`IMG_EXTENSIONS` and an RGB image loader; ``.imgs`` is ``.samples``."""

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None,
                 allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform=transform,
                         target_transform=target_transform, is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
