"""``ImageFolder``: torchvision's ``root/<class>/<image>`` dataset, images loaded when indexed."""
from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from ...data.decode import IMAGE_EXTENSIONS, decode_image
from ...data.folder import find_classes, scan_tree
from ._base import VisionDataset

__all__ = ["ImageFolder", "default_loader", "IMG_EXTENSIONS"]

IMG_EXTENSIONS = IMAGE_EXTENSIONS


def default_loader(path):
    """Decode ``path`` to an RGB PIL image (minidl.data's decoder: a corrupt file raises
    :class:`~minidl.data.CorruptImageError` naming it)."""
    return Image.fromarray(decode_image(path))


class ImageFolder(VisionDataset):
    """Images in ``root/<class>/**/<image>`` (torchvision's ``datasets.ImageFolder``).

    Classes are the sorted sub-folder names; ``.samples`` (and ``.imgs``) lists
    ``(path, label)``, ``.targets`` the labels. Each ``ds[i]`` decodes its file
    with ``loader`` (RGB PIL image) and applies the transforms. ``is_valid_file``
    (a function of the path) replaces the extension check.
    """

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader,
                 is_valid_file=None, allow_empty=False):
        root = Path(os.path.expanduser(os.fspath(root)))
        super().__init__(root, transform=transform, target_transform=target_transform)
        classes = find_classes(root)
        _, samples = scan_tree(root, classes, extensions=("",))
        check = is_valid_file or (lambda p: p.lower().endswith(IMG_EXTENSIONS))
        samples = [(p, c) for p, c in samples if check(p)]
        found = {c for _, c in samples}
        empty = [classes[i] for i in range(len(classes)) if i not in found]
        if empty and not allow_empty:
            raise FileNotFoundError(f"{root}: found no valid image file for the classes "
                                    f"{', '.join(empty)} (expected {root}/<class>/<image> with "
                                    f"extensions {', '.join(IMG_EXTENSIONS)})")
        self.loader = loader
        self.classes = classes
        self.samples = samples
        self.imgs = samples
        self.targets = [c for _, c in samples]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[index]
        return self._apply(self.loader(path), target)

    def find_classes(self, directory):
        """``(classes, class_to_idx)`` for ``directory``'s sub-folders."""
        classes = find_classes(directory)
        return classes, {c: i for i, c in enumerate(classes)}
