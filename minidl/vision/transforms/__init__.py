"""``minidl.vision.transforms``: torchvision's transforms on PIL images and minidl Tensors.

Each transform takes a PIL image (returning a PIL image) or a Tensor image
(C, H, W) / batch (N, C, H, W), uint8 (0-255) or float (0-1), returning a
Tensor; as in torchvision, one call draws one set of random parameters, shared
by all images of a Tensor batch. Randomness comes from minidl's current
generator: ``minidl.manual_seed`` seeds it, and a ``minidl.utils.data.DataLoader``
gives every batch its own stream derived from (seed, epoch, batch).

The pixel work is :mod:`functional`'s kernels and :mod:`minidl.data.transforms`'
(one implementation each): crops, flips and padding act on the pixels directly;
resampling (resize, rotation, affine) computes in float and rounds back to uint8
for PIL images; colour changes follow torchvision's Tensor arithmetic. The
transforms defined here (and ``RandomAffine``, ``RandomRotation``, ``ColorJitter``)
also have a batched form: a ``minidl.vision`` dataset whose whole ``transform`` is
made of them builds a DataLoader batch in one vectorised pass, drawing each
image's parameters in the same order as image-by-image loading, so both give
the same batches (see :mod:`minidl.vision.pipeline`).

One image (PIL or Tensor) goes through :mod:`functional`, which follows
torchvision's backends (Pillow for PIL images, its Tensor arithmetic for
Tensors). In a batched DataLoader pass, PIL resampling and colour jitter
(``Resize``, ``RandomResizedCrop``, ``RandomAffine``, ``RandomRotation``,
``ColorJitter``) are handed to Pillow image by image, so both paths agree.
Differences from torchvision: Tensor images resize with NEAREST, NEAREST_EXACT,
BILINEAR or BICUBIC only (as torchvision's Tensors), and the random draws are
minidl's generator's, not torch's.
"""
from __future__ import annotations

import enum
import numbers

import numpy as np

from ...data import transforms as T
from ...generator import current_rng
from ...nn.module import Module
from ...tensor import Tensor
from .._image import array_to_pil, is_pil, pil_to_array, to_batch

__all__ = ["InterpolationMode", "Compose", "ToTensor", "PILToTensor", "Normalize", "Resize",
           "CenterCrop", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip",
           "RandomRotation", "RandomResizedCrop", "RandomAffine", "ColorJitter", "Lambda"]


class InterpolationMode(enum.Enum):
    """Resampling filters (torchvision's names); NEAREST and BILINEAR are implemented."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _in_pixels(x, fn):
    """Run a float resampling ``fn`` on ``x``; uint8 images come back rounded to uint8."""
    if x.dtype != np.uint8:
        return fn(x)
    return np.clip(np.rint(fn(x.astype(np.float32))), 0, 255).astype(np.uint8)


class VisionTransform(Module):
    """Base class, an ``nn.Module`` as torchvision's transforms: ``apply_batch(x (N, C, H, W), params)`` does
    the work; random transforms draw one image's parameters with ``draw(rng, h, w)`` (a dict of arrays of
    length 1)."""

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

    def apply_batch(self, x, params):  # pragma: no cover - abstract
        """Transform the batch ``x`` with per-image ``params`` (None when not random)."""
        raise NotImplementedError

    def forward(self, img):
        x, restore = to_batch(img, type(self).__name__)
        if self.out_kind("pil" if is_pil(img) else "tensor") is None:
            raise TypeError(f"{type(self).__name__} does not accept a "
                            f"{'PIL image' if is_pil(img) else 'Tensor'}")
        params = None
        if self.random:
            params = self.draw(current_rng(), x.shape[2], x.shape[3])
            if x.shape[0] != 1:  # one draw for the whole Tensor batch, as torchvision
                params = {k: np.repeat(v, x.shape[0], axis=0) for k, v in params.items()}
        return restore(self.apply_batch(x, params))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                         if not k.startswith("_") and k not in ("batchable", "training"))
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

def _pil_chw(pic, arr):
    """``arr`` (the pixels of ``pic`` as NumPy gives them) as (C, H, W), C the number of bands of ``pic``."""
    return arr.reshape(pic.size[1], pic.size[0], len(pic.getbands())).transpose(2, 0, 1)


class ToTensor(VisionTransform):
    """PIL image or uint8 ndarray (H, W, C) -> float32 Tensor (C, H, W) in [0, 1].

    Other ndarrays are transposed to (C, H, W) without scaling, as torchvision.
    """

    def out_kind(self, kind):
        return "tensor" if kind == "pil" else None

    def apply_batch(self, x, params):
        return np.divide(x, np.float32(255), dtype=np.float32) if x.dtype == np.uint8 else x

    def forward(self, pic):
        if is_pil(pic):   # torchvision's: mode I -> int32, F -> float32 (unscaled), 1 -> 0/255, P -> indices
            kind = {"I": np.int32, "I;16": np.int16, "F": np.float32}.get(pic.mode, np.uint8)
            arr = _pil_chw(pic, np.array(pic, kind, copy=True) * (255 if pic.mode == "1" else 1))
            return Tensor(self.apply_batch(arr.astype(kind, copy=False), None))
        if isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2 or 3 dimensional, got {pic.ndim} dimensions")
            arr = pic[:, :, None] if pic.ndim == 2 else pic
            return Tensor(np.ascontiguousarray(self.apply_batch(arr.transpose(2, 0, 1), None)))
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")


class PILToTensor(VisionTransform):
    """PIL image -> uint8 Tensor (C, H, W), values unchanged."""

    def out_kind(self, kind):
        return "tensor" if kind == "pil" else None

    def apply_batch(self, x, params):
        return x

    def forward(self, pic):
        if not is_pil(pic):
            raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
        return Tensor(np.ascontiguousarray(_pil_chw(pic, np.array(pic, copy=True))))


class Normalize(VisionTransform):
    """``(x - mean) / std`` per channel of a float Tensor (:func:`functional.normalize`'s arithmetic)."""

    def __init__(self, mean, std, inplace=False):
        super().__init__()
        self.mean, self.std, self.inplace = mean, std, inplace
        # arrays only: a zero std is refused when called, as torchvision's
        self._mean, self._std = np.atleast_1d(np.asarray(mean, np.float64)), np.atleast_1d(np.asarray(std, np.float64))

    def out_kind(self, kind):
        return "tensor" if kind == "tensor" else None

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"

    def apply_batch(self, x, params):
        if x.dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {x.dtype}.")
        from .functional import normalize_array
        for name, v in (("mean", self._mean), ("std", self._std)):
            if v.size not in (1, x.shape[1]):
                raise ValueError(f"Normalize has {v.size} {name} values for {x.shape[1]} channels")
        return normalize_array(x, self._mean, self._std)

    def forward(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor).__name__}")
        if tensor.requires_grad and tensor.ndim >= 3:  # differentiable, as torchvision's (FGSM's Normalize)
            from .functional import normalize
            for name, v in (("mean", self._mean), ("std", self._std)):
                if v.size not in (1, tensor.shape[-3]):
                    raise ValueError(f"Normalize has {v.size} {name} values for {tensor.shape[-3]} channels")
            return normalize(tensor, self.mean, self.std, self.inplace)
        if tensor.ndim >= 3 and tensor.array.dtype.kind == "f":
            functional.check_normalize_shapes(tuple(tensor.shape), self.mean, self.std, tensor.array.dtype)
        out = super().forward(tensor)
        if self.inplace:
            tensor.array[...] = out.array
            return tensor
        return out


# --- geometry -------------------------------------------------------------------

def _crop_size(size):
    """torchvision's ``size`` attribute of the crops: (n, n) for a number or a 1-sequence, else the pair given."""
    from ._random_more import _setup_size
    return _setup_size(size, "Please provide only two dimensions (h, w) for size.")


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
    caps the longer edge). BILINEAR is antialiased, as torchvision's default.

    One image goes through :func:`functional.resize` (Pillow's filters for PIL images), as
    torchvision's; a DataLoader batch of PIL images (NEAREST or BILINEAR) is resampled by
    the batched kernels (:mod:`minidl.vision.pipeline`), a level apart in some pixels.
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        super().__init__()
        if not isinstance(size, (int, list, tuple)) or isinstance(size, bool):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, (list, tuple)) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        _size_arg(size, "Resize")
        self.size = size   # as given, as torchvision's
        self.interpolation = functional.interpolation_mode(interpolation)
        self.max_size = max_size
        self.antialias = antialias
        self.batchable = self.interpolation.value in ("nearest", "bilinear")

    def _size_list(self):
        return [int(self.size)] if isinstance(self.size, int) else [int(v) for v in self.size]

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")

    def out_size(self, h, w):
        return tuple(functional.resized_output_size(h, w, self._size_list(), self.max_size))

    def apply_batch(self, x, params):
        h, w = x.shape[2:]
        oh, ow = self.out_size(h, w)
        if (oh, ow) == (h, w):
            return x.copy()
        if self.interpolation.value == "nearest":  # Pillow's nearest: the source pixel under each output centre
            rows = np.minimum(((np.arange(oh) + 0.5) * h / oh).astype(np.intp), h - 1)
            cols = np.minimum(((np.arange(ow) + 0.5) * w / ow).astype(np.intp), w - 1)
            return x[:, :, rows][:, :, :, cols]
        impl = T.Resize((oh, ow))
        return _in_pixels(x, lambda v: impl.apply(v, None))

    def apply_batch_pil(self, x, params):
        """A uint8 batch of PIL images: each through :func:`functional.resize` (Pillow), as one call."""
        return np.stack([pil_to_array(functional.resize(array_to_pil(img), self._size_list(), self.interpolation,
                                                        self.max_size)) for img in x])

    def forward(self, img):
        # one image: functional.resize (Pillow's filters, torchvision's tensor kernels); apply_batch
        # serves minidl.vision.pipeline's batched DataLoader path
        return functional.resize(img, self._size_list(), self.interpolation, self.max_size, self.antialias)


class CenterCrop(VisionTransform):
    """Crop the central (h, w); an image smaller than that is first padded with zeros."""

    def __init__(self, size):
        super().__init__()
        self.size = _crop_size(size)
        pair = tuple(int(v) for v in self.size)
        self._impl = T.CenterCrop(pair)
        self._pad = T.RandomCrop(pair, pad_if_needed=False)

    def out_size(self, h, w):
        return self._impl.size

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"

    def apply_batch(self, x, params):
        h, w = self._impl.size
        H, W = x.shape[2:]
        if h > H or w > W:  # torchvision pads symmetrically (extra pixel right/bottom)
            ph, pw = max(0, h - H), max(0, w - W)
            x = self._pad._pad(x, pw // 2, ph // 2, (pw + 1) // 2, (ph + 1) // 2)
        return self._impl.apply(x, None)


class _PadBothSidesCrop(T.RandomCrop):
    """``minidl.data``'s crop with torchvision's ``pad_if_needed``: a side shorter than the crop by ``d``
    gets ``d`` more on *both* ends, so the image lands at a random offset in the crop."""

    def padded(self, height, width):
        (pl, pt, pr, pb), (H, W) = self._fixed_padding(height, width)
        h, w = self.size
        if self.pad_if_needed and W < w:
            pl, pr, W = pl + w - W, pr + w - W, W + 2 * (w - W)
        if self.pad_if_needed and H < h:
            pt, pb, H = pt + h - H, pb + h - H, H + 2 * (h - H)
        if h > H or w > W:
            raise ValueError(f"Required crop size {(h, w)} is larger than input image size {(H, W)}")
        return (pl, pt, pr, pb), (H, W)

    def _fixed_padding(self, height, width):
        p = self.padding
        if p is None:
            sides = (0, 0, 0, 0)
        elif isinstance(p, numbers.Number):
            sides = (int(p),) * 4
        elif len(p) == 2:
            sides = (int(p[0]), int(p[1])) * 2
        else:
            sides = tuple(int(v) for v in p)
        return sides, (height + sides[1] + sides[3], width + sides[0] + sides[2])


class RandomCrop(VisionTransform):
    """Random (h, w) crop after optional ``padding`` (torchvision's arguments)."""

    random = True

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        super().__init__()
        self.size = tuple(_crop_size(size))
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = (
            padding, pad_if_needed, fill, padding_mode)
        if not isinstance(fill, numbers.Number):
            raise ValueError(f"RandomCrop: fill must be a number, got {fill!r}")
        pair = tuple(int(v) for v in self.size)
        self._impl = _PadBothSidesCrop(pair, padding, pad_if_needed, fill, padding_mode)

    def out_size(self, h, w):
        return self._impl.size

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"

    def draw(self, rng, h, w):
        return self._impl.params(1, h, w, rng)

    def apply_batch(self, x, params):
        return self._impl.apply_params(x, params)


class RandomHorizontalFlip(VisionTransform):
    """Mirror left-right with probability ``p``."""

    random = True

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p
        self._impl = T.RandomHorizontalFlip(p)

    def draw(self, rng, h, w):
        return self._impl.params(1, h, w, rng)

    def apply_batch(self, x, params):
        return self._impl.apply_params(x, params)


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability ``p``."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p
        self._impl = T.RandomVerticalFlip(p)


class RandomResizedCrop(VisionTransform):
    """Crop a random area (``scale``) and aspect ratio (``ratio``), resize to ``size``.

    One image goes through :func:`functional.resized_crop`; a DataLoader batch with BILINEAR
    is resampled by the batched kernels (:mod:`minidl.vision.pipeline`) with the same draws.
    """

    random = True

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.size = _crop_size(size)
        if not isinstance(scale, (list, tuple)):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, (list, tuple)):
            raise TypeError("Ratio should be a sequence")
        self.scale, self.ratio, self.antialias = scale, ratio, antialias
        self.interpolation = functional.interpolation_mode(interpolation)
        pair = tuple(int(v) for v in self.size)
        self._impl = T.RandomResizedCrop(pair, scale, ratio)
        self.batchable = self.interpolation.value == "bilinear"

    @staticmethod
    def get_params(img, scale, ratio):
        """``(top, left, height, width)`` of a random crop of ``img`` (torchvision's sampling: 10 tries
        of area and log-uniform aspect ratio, then a centre crop)."""
        _, height, width = functional.get_dimensions(img)
        top, left, h, w = T.RandomResizedCrop((1, 1), scale, ratio).boxes(1, height, width, current_rng())
        return int(top[0]), int(left[0]), int(h[0]), int(w[0])

    def out_size(self, h, w):
        return self._impl.size

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, scale={tuple(round(v, 4) for v in self.scale)}, "
                f"ratio={tuple(round(v, 4) for v in self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")

    def draw(self, rng, h, w):
        return self._impl.params(1, h, w, rng)

    def apply_batch(self, x, params):
        return _in_pixels(x, lambda v: self._impl.apply_params(v, params))

    def apply_batch_pil(self, x, params):
        """A uint8 batch of PIL images: each through :func:`functional.resized_crop` (Pillow), as one call."""
        size = [int(v) for v in self._impl.size]
        boxes = zip(params["top"], params["left"], params["height"], params["width"])
        return np.stack([pil_to_array(functional.resized_crop(array_to_pil(img), int(t), int(lf), int(h), int(w),
                                                              size, self.interpolation))
                         for img, (t, lf, h, w) in zip(x, boxes)])

    def forward(self, img):
        # one image: functional.resized_crop (as torchvision); the batched kernels serve the pipeline
        top, left, h, w = self.get_params(img, self.scale, self.ratio)
        return functional.resized_crop(img, top, left, h, w, list(self._impl.size), self.interpolation,
                                       antialias=self.antialias)


# --- colour -------------------------------------------------------------------------

from ..transforms_extra import ConvertImageDtype, Grayscale, Pad, RandomApply, RandomGrayscale, ToPILImage  # noqa: E402

__all__ += ["ToPILImage", "Grayscale", "RandomGrayscale", "Pad", "RandomApply", "ConvertImageDtype"]
from . import functional  # noqa: E402
from ._affine import RandomAffine, RandomRotation  # noqa: E402
from ._color_jitter import ColorJitter  # noqa: E402
from ._random_more import (  # noqa: E402
    ElasticTransform,
    FiveCrop,
    GaussianBlur,
    RandomAdjustSharpness,
    RandomAutocontrast,
    RandomChoice,
    RandomEqualize,
    RandomErasing,
    RandomInvert,
    RandomOrder,
    RandomPerspective,
    RandomPosterize,
    RandomSolarize,
    TenCrop,
)
from .autoaugment import AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide  # noqa: E402

__all__ += ["ElasticTransform", "RandomErasing", "GaussianBlur", "RandomChoice", "RandomOrder", "FiveCrop", "TenCrop",
            "RandomPerspective", "RandomInvert", "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness",
            "RandomAutocontrast", "RandomEqualize", "AutoAugmentPolicy", "AutoAugment", "RandAugment",
            "TrivialAugmentWide"]
from .augmix import AugMix, LinearTransformation  # noqa: E402

__all__ += ["AugMix", "LinearTransformation"]
