"""``minidl.vision.transforms.v2.functional``: the v1 functions of :mod:`minidl.vision.transforms.functional`
plus torchvision v2's names for them (``horizontal_flip``, ``vertical_flip``, ``get_size``,
``get_num_channels``) and v2's conversions ``to_image`` and ``to_dtype``."""
from __future__ import annotations

from ..functional import *  # noqa: F401,F403
from ..functional import __all__ as _v1_names
from ..functional import get_dimensions, hflip, vflip
from ._convert import ToDtype, ToImage

__all__ = list(_v1_names) + ["horizontal_flip", "vertical_flip", "get_size", "get_num_channels", "to_image",
                             "to_dtype"]


def horizontal_flip(inpt):
    """Mirror left-right (v2's name for :func:`hflip`)."""
    return hflip(inpt)


def vertical_flip(inpt):
    """Mirror top-bottom (v2's name for :func:`vflip`)."""
    return vflip(inpt)


def get_size(inpt) -> list:
    """``[height, width]`` of a PIL or Tensor image (v2's order)."""
    _, height, width = get_dimensions(inpt)
    return [height, width]


def get_num_channels(inpt) -> int:
    """The number of channels of a PIL or Tensor image."""
    return get_dimensions(inpt)[0]


def to_image(inpt):
    """PIL image, ndarray (H, W[, C]) or Tensor -> Tensor image (C, H, W), values and dtype kept."""
    return ToImage()(inpt)


def to_dtype(inpt, dtype=None, scale=False):
    """A Tensor image in ``dtype`` (default float32), its value range rescaled when ``scale``."""
    from .... import float32
    return ToDtype(float32 if dtype is None else dtype, scale=scale)(inpt)
