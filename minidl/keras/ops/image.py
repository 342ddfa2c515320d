"""``keras.ops.image``: image resizing, affine warps, padding/cropping, colour conversions, patches and
blurs on minidl Tensors (``from minidl.keras.ops import image``); see :mod:`minidl.keras.ops._image`."""
from minidl.keras.ops._image import *  # noqa: F401,F403 -- re-exported
from minidl.keras.ops._image import __all__  # noqa: F401
