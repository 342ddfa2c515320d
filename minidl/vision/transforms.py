"""``minidl.vision.transforms``: torchvision's transforms on PIL images and minidl Tensors.

Each transform takes a PIL image (returning a PIL image) or a Tensor image
(C, H, W) / batch (N, C, H, W), uint8 (0-255) or float (0-1), returning a
Tensor; as in torchvision, one call draws one set of random parameters, shared
by all images of a Tensor batch. Randomness comes from minidl's current
generator: ``minidl.manual_seed`` seeds it, and a ``minidl.utils.data.DataLoader``
gives every batch its own stream derived from (seed, epoch, batch).

The pixel work is :mod:`minidl.data.transforms`' (one implementation): crops,
flips and padding act on the pixels directly; resampling (resize, rotation,
affine) computes in float and rounds back to uint8 for PIL images; colour
changes compute in [0, 1]. Every transform here except :class:`Lambda` also
has a batched form: a ``minidl.vision`` dataset whose whole ``transform`` is
made of them builds a DataLoader batch in one vectorised pass, drawing each
image's parameters in the same order as image-by-image loading, so both give
the same batches (see :mod:`minidl.vision.pipeline`).

Differences from torchvision: interpolation is ``NEAREST`` or ``BILINEAR``
(antialiased, Pillow's filter), not bicubic; ``ColorJitter`` shifts hue by a
rotation in YIQ space (a linear stand-in for the HSV shift); ``RandomRotation``
has no ``expand``/``center``.
"""
from __future__ import annotations

import enum
import numbers

import numpy as np

from ..data import transforms as T
from ..generator import current_rng
from ..tensor import Tensor
from ._image import is_pil, pil_to_array, to_batch

__all__ = ["InterpolationMode", "Compose", "ToTensor", "PILToTensor", "Normalize", "Resize",
           "CenterCrop", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip",
           "RandomRotation", "RandomResizedCrop", "RandomAffine", "ColorJitter", "Lambda"]


class InterpolationMode(enum.Enum):
    """Resampling filters (torchvision's names); NEAREST and BILINEAR are implemented."""

    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _mode(interpolation, who, allowed=("nearest", "bilinear")):
    value = interpolation.value if isinstance(interpolation, InterpolationMode) else str(interpolation)
    if value not in allowed:
        raise ValueError(f"{who}: interpolation {value!r} is not implemented; use "
                         + " or ".join(f"InterpolationMode.{a.upper()}" for a in allowed))
    return value


def _in_pixels(x, fn):
    """Run a float resampling ``fn`` on ``x``; uint8 images come back rounded to uint8."""
    if x.dtype != np.uint8:
        return fn(x)
    return np.clip(np.rint(fn(x.astype(np.float32))), 0, 255).astype(np.uint8)


def _in_unit_range(x, fn):
    """Run ``fn`` on ``x`` scaled to [0, 1]; uint8 images are scaled back and rounded."""
    if x.dtype != np.uint8:
        return fn(x)
    y = fn(x.astype(np.float32) / np.float32(255))
    return np.clip(np.rint(y * 255), 0, 255).astype(np.uint8)


class VisionTransform:
    """Base class: ``apply(x (N, C, H, W), params)`` does the work; random transforms
    draw one image's parameters with ``draw(rng, h, w)`` (a dict of arrays of length 1)."""

    random = False
    batchable = True

    def out_size(self, h, w):
        """The output (h, w) for an input of (h, w)."""
        return h, w

    def out_kind(self, kind):
        """What a "pil" or "tensor" input becomes (None: this transform refuses it)."""
        return kind

    def draw(self, rng, h, w):
        """One image's random parameters (random transforms only)."""
        return None

    def apply(self, x, params):  # pragma: no cover - abstract
        """Transform the batch ``x`` with per-image ``params`` (None when not random)."""
        raise NotImplementedError

    def __call__(self, img):
        x, restore = to_batch(img, type(self).__name__)
        if self.out_kind("pil" if is_pil(img) else "tensor") is None:
            raise TypeError(f"{type(self).__name__} does not accept a "
                            f"{'PIL image' if is_pil(img) else 'Tensor'}")
        params = None
        if self.random:
            params = self.draw(current_rng(), x.shape[2], x.shape[3])
            if x.shape[0] != 1:  # one draw for the whole Tensor batch, as torchvision
                params = {k: np.repeat(v, x.shape[0], axis=0) for k, v in params.items()}
        return restore(self.apply(x, params))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class Compose:
    """Apply ``transforms`` one after another."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({inner}\n)"


class Lambda:
    """Wrap ``lambd(img)`` as a transform (never batched: it may do anything)."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"Lambda({self.lambd!r})"


# --- conversion ---------------------------------------------------------------

class ToTensor(VisionTransform):
    """PIL image or uint8 ndarray (H, W, C) -> float32 Tensor (C, H, W) in [0, 1].

    Other ndarrays are transposed to (C, H, W) without scaling, as torchvision.
    """

    def out_kind(self, kind):
        return "tensor" if kind == "pil" else None

    def apply(self, x, params):
        return np.divide(x, np.float32(255), dtype=np.float32) if x.dtype == np.uint8 else x

    def __call__(self, pic):
        if is_pil(pic):
            return Tensor(self.apply(pil_to_array(pic), None))
        if isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2 or 3 dimensional, got {pic.ndim} dimensions")
            arr = pic[:, :, None] if pic.ndim == 2 else pic
            return Tensor(np.ascontiguousarray(self.apply(arr.transpose(2, 0, 1), None)))
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic).__name__}")


class PILToTensor(VisionTransform):
    """PIL image -> uint8 Tensor (C, H, W), values unchanged."""

    def out_kind(self, kind):
        return "tensor" if kind == "pil" else None

    def apply(self, x, params):
        return x

    def __call__(self, pic):
        if not is_pil(pic):
            raise TypeError(f"pic should be PIL Image. Got {type(pic).__name__}")
        return Tensor(np.ascontiguousarray(pil_to_array(pic)))


class Normalize(VisionTransform):
    """``(x - mean) / std`` per channel of a float Tensor (minidl.data's Normalize)."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace
        self._impl = T.Normalize(mean, std)

    def out_kind(self, kind):
        return "tensor" if kind == "tensor" else None

    def apply(self, x, params):
        if x.dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {x.dtype}.")
        return self._impl.apply(x, None)

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor).__name__}")
        out = super().__call__(tensor)
        if self.inplace:
            tensor.array[...] = out.array
            return tensor
        return out


# --- geometry -------------------------------------------------------------------

def _size_arg(size, who):
    if isinstance(size, numbers.Number):
        return int(size)
    size = tuple(int(s) for s in size)
    if len(size) == 1:
        return size[0]
    if len(size) != 2:
        raise ValueError(f"{who}: size should be an int or a sequence of 1 or 2 ints, got {size}")
    return size


class Resize(VisionTransform):
    """Resize to ``size``: (h, w), or an int for the smaller edge (aspect kept; ``max_size``
    caps the longer edge). BILINEAR is antialiased, as torchvision's default."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        self.size = _size_arg(size, "Resize")
        self.interpolation = interpolation
        self.max_size = max_size
        self.antialias = antialias
        self._mode = _mode(interpolation, "Resize")
        self._impl = T.Resize(self.size)

    def out_size(self, h, w):
        oh, ow = self._impl.out_size(h, w)
        if isinstance(self.size, int) and self.max_size is not None and max(oh, ow) > self.max_size:
            if oh >= ow:
                oh, ow = self.max_size, max(1, int(self.max_size * ow / oh))
            else:
                oh, ow = max(1, int(self.max_size * oh / ow)), self.max_size
        return oh, ow

    def apply(self, x, params):
        h, w = x.shape[2:]
        oh, ow = self.out_size(h, w)
        if (oh, ow) == (h, w):
            return x.copy()
        if self._mode == "nearest":  # Pillow's nearest: the source pixel under each output centre
            rows = np.minimum(((np.arange(oh) + 0.5) * h / oh).astype(np.intp), h - 1)
            cols = np.minimum(((np.arange(ow) + 0.5) * w / ow).astype(np.intp), w - 1)
            return x[:, :, rows][:, :, :, cols]
        impl = T.Resize((oh, ow))
        return _in_pixels(x, lambda v: impl.apply(v, None))


class CenterCrop(VisionTransform):
    """Crop the central (h, w); an image smaller than that is first padded with zeros."""

    def __init__(self, size):
        self.size = _size_arg(size, "CenterCrop")
        pair = (self.size, self.size) if isinstance(self.size, int) else self.size
        self._impl = T.CenterCrop(pair)
        self._pad = T.RandomCrop(pair, pad_if_needed=False)

    def out_size(self, h, w):
        return self._impl.size

    def apply(self, x, params):
        h, w = self._impl.size
        H, W = x.shape[2:]
        if h > H or w > W:  # torchvision pads symmetrically (extra pixel right/bottom)
            ph, pw = max(0, h - H), max(0, w - W)
            x = self._pad._pad(x, pw // 2, ph // 2, (pw + 1) // 2, (ph + 1) // 2)
        return self._impl.apply(x, None)


class RandomCrop(VisionTransform):
    """Random (h, w) crop after optional ``padding`` (torchvision's arguments)."""

    random = True

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = _size_arg(size, "RandomCrop")
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = (
            padding, pad_if_needed, fill, padding_mode)
        if not isinstance(fill, numbers.Number):
            raise ValueError(f"RandomCrop: fill must be a number, got {fill!r}")
        pair = (self.size, self.size) if isinstance(self.size, int) else self.size
        self._impl = T.RandomCrop(pair, padding, pad_if_needed, fill, padding_mode)

    def out_size(self, h, w):
        return self._impl.size

    def draw(self, rng, h, w):
        return self._impl.params(1, h, w, rng)

    def apply(self, x, params):
        return self._impl.apply_params(x, params)


class RandomHorizontalFlip(VisionTransform):
    """Mirror left-right with probability ``p``."""

    random = True

    def __init__(self, p=0.5):
        self.p = p
        self._impl = T.RandomHorizontalFlip(p)

    def draw(self, rng, h, w):
        return self._impl.params(1, h, w, rng)

    def apply(self, x, params):
        return self._impl.apply_params(x, params)


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability ``p``."""

    def __init__(self, p=0.5):
        self.p = p
        self._impl = T.RandomVerticalFlip(p)


class RandomAffine(VisionTransform):
    """Random rotation (``degrees``), shift (``translate`` fractions), zoom (``scale``
    range) and ``shear`` about the centre; ``fill`` where no pixel maps (pixel units)."""

    random = True

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation=InterpolationMode.NEAREST, fill=0, center=None):
        if center is not None:
            raise ValueError(f"{type(self).__name__}: center is not implemented (the image "
                             "centre is used)")
        if not isinstance(fill, numbers.Number):
            raise ValueError(f"{type(self).__name__}: fill must be a number, got {fill!r}")
        self.degrees, self.translate, self.scale, self.shear = degrees, translate, scale, shear
        self.interpolation, self.fill, self.center = interpolation, fill, center
        self._impl = T.RandomAffine(degrees, translate, scale, shear, fill,
                                    _mode(interpolation, type(self).__name__))

    def draw(self, rng, h, w):
        return self._impl.params(1, h, w, rng)

    def apply(self, x, params):
        return _in_pixels(x, lambda v: self._impl.apply_params(v, params))


class RandomRotation(RandomAffine):
    """Rotate by an angle from ``degrees`` (d -> (-d, d)); counter-clockwise is positive."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None,
                 fill=0):
        if expand:
            raise ValueError("RandomRotation: expand=True is not implemented (the output keeps "
                             "the input size)")
        super().__init__(degrees, interpolation=interpolation, fill=fill, center=center)
        self.expand = expand


class RandomResizedCrop(VisionTransform):
    """Crop a random area (``scale``) and aspect ratio (``ratio``), resize to ``size``."""

    random = True

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        self.size = _size_arg(size, "RandomResizedCrop")
        self.scale, self.ratio, self.interpolation, self.antialias = scale, ratio, interpolation, antialias
        _mode(interpolation, "RandomResizedCrop", ("bilinear",))
        pair = (self.size, self.size) if isinstance(self.size, int) else self.size
        self._impl = T.RandomResizedCrop(pair, scale, ratio)

    def out_size(self, h, w):
        return self._impl.size

    def draw(self, rng, h, w):
        return self._impl.params(1, h, w, rng)

    def apply(self, x, params):
        return _in_pixels(x, lambda v: self._impl.apply_params(v, params))


# --- colour -------------------------------------------------------------------------

class ColorJitter(VisionTransform):
    """Random brightness, contrast, saturation and hue (torchvision's arguments), applied in a
    random order drawn per image, as torchvision does."""

    random = True

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness, self.contrast, self.saturation, self.hue = brightness, contrast, saturation, hue
        self._impl = T.ColorJitter(brightness, contrast, saturation, hue)
        # one-channel images: saturation and hue leave gray unchanged, as in torchvision
        self._gray = T.ColorJitter(brightness, contrast)

    def draw(self, rng, h, w):
        order = rng.permutation(4)[None]          # torchvision: a random order of the four changes
        return {"order": order, **self._impl.params(1, h, w, rng)}

    def apply(self, x, params):
        impl = self._gray if x.shape[1] == 1 else self._impl
        return _in_unit_range(x, lambda v: impl.apply_params(v, params))


from .transforms_extra import ConvertImageDtype, Grayscale, Pad, RandomApply, RandomGrayscale, ToPILImage  # noqa: E402

__all__ += ["ToPILImage", "Grayscale", "RandomGrayscale", "Pad", "RandomApply", "ConvertImageDtype"]
