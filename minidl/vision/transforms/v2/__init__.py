"""``minidl.vision.transforms.v2``: torchvision's v2 transforms namespace.

Holds the same transform classes as :mod:`minidl.vision.transforms` (they take
one PIL image or Tensor image per call), ``functional`` (v1's functions plus
``horizontal_flip``, ``vertical_flip``, ``get_size``, ``to_image``, ``to_dtype``), and
the v2-only conversions :class:`ToImage` and :class:`ToDtype` and batch mixing
:class:`MixUp` / :class:`CutMix` (on ``(images, labels)``). Unlike
torchvision's v2, a transform here takes a single image, not a structure of
images, boxes and labels.
"""
from __future__ import annotations

from .. import *  # noqa: F401,F403
from .. import __all__ as _v1_names
from . import functional  # noqa: F401  (v2.functional: v1's functions plus v2's names)
from ._convert import ToDtype, ToImage
from ._mix import CutMix, MixUp

__all__ = list(_v1_names) + ["ToImage", "ToDtype", "MixUp", "CutMix"]
