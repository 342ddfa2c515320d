"""The base of the torchvision-style datasets: items are ``(PIL image, int)`` before transforms."""
from __future__ import annotations

import os

import numpy as np

from ...data.dataset import Dataset
from ...generator import current_rng
from ...tensor import Tensor
from .._image import array_to_pil
from ..pipeline import batch_plan, run_plan

__all__ = ["VisionDataset", "ArrayVisionDataset", "StandardTransform", "verify_str_arg"]


def verify_str_arg(value, arg=None, valid_values=None, custom_msg=None):
    """torchvision's check of a string argument: ``value`` if it is one of ``valid_values``,
    else ValueError with torchvision's message."""
    if not isinstance(value, str):
        msg = ("Expected type str, but got type {type}." if arg is None
               else "Expected type str for argument {arg}, but got type {type}.")
        raise ValueError(msg.format(type=type(value), arg=arg))
    if valid_values is None or value in valid_values:
        return value
    if custom_msg is not None:
        raise ValueError(custom_msg)
    valid = ", ".join(f"'{v}'" for v in valid_values)
    raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are {{{valid}}}.")


def _format_transform_repr(transform, head):
    lines = repr(transform).splitlines()
    return [f"{head}{lines[0]}"] + [" " * len(head) + line for line in lines[1:]]


class StandardTransform:
    """torchvision's ``StandardTransform``: ``transform`` on the input, ``target_transform``
    on the target (what ``VisionDataset.transforms`` holds when those two are given)."""

    def __init__(self, transform=None, target_transform=None):
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input, target):
        if self.transform is not None:
            input = self.transform(input)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    def __repr__(self):
        body = [type(self).__name__]
        if self.transform is not None:
            body += _format_transform_repr(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += _format_transform_repr(self.target_transform, "Target transform: ")
        return "\n".join(body)


class VisionDataset(Dataset):
    """torchvision's ``VisionDataset``: ``root``, ``transform`` (on the image),
    ``target_transform`` (on the label), or ``transforms`` (on both)."""

    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        if isinstance(root, str):
            root = os.path.expanduser(root)
        self.root = root
        has_separate = transform is not None or target_transform is not None
        if transforms is not None and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        if has_separate:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def _joint_transforms(self):
        """``transforms`` unless it is the StandardTransform built from transform/target_transform
        (those two are then applied as they are now)."""
        t = self.transforms
        return None if isinstance(t, StandardTransform) else t

    def _apply(self, img, target):
        if self._joint_transforms() is not None:
            return self.transforms(img, target)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    @property
    def class_to_idx(self):
        """{class name: label}."""
        return {c: i for i, c in enumerate(self.classes)}

    def extra_repr(self) -> str:
        """Extra lines of the repr (the split, for most datasets)."""
        return ""

    def __repr__(self):
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if getattr(self, "transforms", None) is not None:
            body += [repr(self.transforms)]
        lines = [f"Dataset {type(self).__name__}"] + [" " * self._repr_indent + line for line in body]
        return "\n".join(lines)


class ArrayVisionDataset(VisionDataset):
    """Images held as one uint8 array (N, H, W) or (N, H, W, C), labels as int64 (N,).

    ``ds[i]`` -> ``(PIL image, int label)``, then the transforms. A DataLoader
    with the default collation builds whole batches through :meth:`_fast_batch`
    when the transform can run batched (see :mod:`minidl.vision.pipeline`).
    """

    def _set_arrays(self, images, labels, classes):
        self._images = images
        self._labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        self.classes = list(classes)

    def __len__(self):
        return len(self._labels)

    def __getitem__(self, index):
        arr = self._images[index]
        chw = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        return self._apply(array_to_pil(chw), int(self._labels[index]))

    def _nchw(self, indices):
        block = self._images[indices]
        return block[:, None] if block.ndim == 3 else block.transpose(0, 3, 1, 2)

    def _fast_batch(self, indices):
        """``[images Tensor, labels Tensor]`` for ``indices`` in one pass, or None when the
        transforms cannot run batched (they then run image by image)."""
        if self._joint_transforms() is not None or self.target_transform is not None:
            return None
        steps = batch_plan(self.transform)
        if steps is None:
            return None
        x = run_plan(steps, self._nchw(np.asarray(indices, dtype=np.intp)), current_rng())
        return [Tensor(np.ascontiguousarray(x)), Tensor(self._labels[indices])]
