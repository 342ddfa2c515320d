"""torchvision's ``ColorJitter``: random brightness, contrast, saturation and hue in a random order:
on Tensors with the arithmetic of :mod:`functional`'s Tensor kernels (HSV hue shift, uint8 results
truncated as torchvision's tensors), on PIL images with Pillow's (``ImageEnhance``, as torchvision's
PIL backend), batched over a DataLoader batch with each image's own draw."""
from __future__ import annotations

import numbers

import numpy as np

from ...generator import current_rng
from ...tensor import Tensor
from .._image import array_to_pil, is_pil, pil_to_array
from . import VisionTransform
from . import _color_ops as C
from . import _functional_color as FC

__all__ = ["ColorJitter"]

_STEPS = (C.adjust_brightness, C.adjust_contrast, C.adjust_saturation, C.adjust_hue)
_PIL_STEPS = (FC.adjust_brightness, FC.adjust_contrast, FC.adjust_saturation, FC.adjust_hue)


def _check_input(value, name, center=1.0, bound=(0, float("inf")), clip_first_on_zero=True):
    """torchvision's range argument: a number v -> [center - v, center + v]; None when it changes nothing."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be non negative.")
        value = [center - float(value), center + float(value)]
        if clip_first_on_zero:
            value[0] = max(value[0], 0.0)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        value = [float(value[0]), float(value[1])]
    else:
        raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
    if not bound[0] <= value[0] <= value[1] <= bound[1]:
        raise ValueError(f"{name} values should be between {bound}, but got {value}.")
    if value[0] == value[1] == center:
        return None
    return tuple(value)


def _draw(rng, brightness, contrast, saturation, hue):
    order = rng.permutation(4)
    # float32 factors, as torchvision's torch.empty(1).uniform_() draws
    factors = [float(np.float32(rng.uniform(r[0], r[1]))) if r is not None else None
               for r in (brightness, contrast, saturation, hue)]
    return order, factors


def _jitter_pil(img, order, factors):
    """The changes of one draw on one image through :mod:`functional`'s colour functions (Pillow for a
    PIL image, as torchvision's PIL backend)."""
    for step in order:
        f = factors[int(step)]
        if f is not None and not np.isnan(f):
            img = _PIL_STEPS[int(step)](img, float(f))
    return img


class ColorJitter(VisionTransform):
    """Random brightness, contrast, saturation (factors in [max(0, 1 - v), 1 + v] or a (min, max)
    pair) and hue (shift in [-v, v], v <= 0.5), applied in a random order drawn per image, as
    torchvision's. One-channel images keep their saturation and hue."""

    random = True

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        self.brightness = _check_input(brightness, "brightness")
        self.contrast = _check_input(contrast, "contrast")
        self.saturation = _check_input(saturation, "saturation")
        self.hue = _check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """``(fn_idx, b, c, s, h)``: the order of the four changes (a Tensor permutation of 0..3) and
        each factor (None for a change that is off)."""
        order, factors = _draw(current_rng(), brightness, contrast, saturation, hue)
        return (Tensor(order.astype(np.int64)), *factors)

    def draw(self, rng, h, w):
        order, factors = _draw(rng, self.brightness, self.contrast, self.saturation, self.hue)
        return {"order": order[None], "factors": np.array([[np.nan if f is None else f for f in factors]])}

    def apply_batch(self, x, params):
        order, factors = np.asarray(params["order"]), np.asarray(params["factors"])
        out = np.empty_like(x)
        for perm in np.unique(order, axis=0):                   # images sharing an order, in one pass each
            sel = np.nonzero((order == perm).all(axis=1))[0]
            img = x[sel]
            for step in perm:
                f = factors[sel, int(step)]
                if not np.isnan(f).any():                       # a change that is off has no factor
                    img = _STEPS[int(step)](img, f)
            out[sel] = img
        return out

    def apply_batch_pil(self, x, params):
        """A uint8 batch of PIL images: each through Pillow with its own draw, as one call."""
        return np.stack([pil_to_array(_jitter_pil(array_to_pil(img), order, factors))
                         for img, order, factors in zip(x, params["order"], params["factors"])])

    def forward(self, img):
        if is_pil(img) or (isinstance(img, Tensor) and img.ndim == 2):
            # PIL: Pillow, as torchvision's PIL backend; (H, W): functional's checks (contrast refuses it)
            order, factors = _draw(current_rng(), self.brightness, self.contrast, self.saturation, self.hue)
            return _jitter_pil(img, order, factors)
        return super().forward(img)

    def __repr__(self):
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")
