"""``keras.ops.image``: image resizing, affine and perspective warps, padding/cropping, colour conversions,
patches, blurs, edges and SSIM on minidl Tensors (``from minidl.keras.ops import image``); see
:mod:`minidl.keras.ops._image` and :mod:`minidl.keras.ops._image_more`."""
from minidl.keras.ops._image import *  # noqa: F401,F403 -- re-exported
from minidl.keras.ops._image import __all__ as _image_all
from minidl.keras.ops._image_more import *  # noqa: F401,F403 -- re-exported
from minidl.keras.ops._image_more import __all__ as _image_more_all

__all__ = _image_all + _image_more_all
