"""torchvision's ``RandomAffine`` and ``RandomRotation``: parameters drawn as torchvision draws them,
geometry of :func:`functional.affine` / :func:`functional.rotate`.

Calling the transform on one image (PIL or Tensor) runs :func:`functional.affine` /
:func:`functional.rotate`, so results are torchvision's. For a DataLoader batch of PIL
images (:mod:`minidl.vision.pipeline`) a draw gives one image's output-to-input pixel
map and a batch of maps is resampled in one pass (``minidl.data.geometry.affine_sample``),
with the same draws; that path blends ``fill`` at the borders in its own way (and
rounds differently from Pillow in some pixels). ``expand=True``, a resampling filter
other than NEAREST/BILINEAR, or a sequence ``fill`` are never batched.
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from ...data.geometry import affine_sample
from ...generator import current_rng
from .._image import array_to_pil, is_pil, pil_to_array
from . import InterpolationMode, VisionTransform, _in_pixels
from . import _geometry_ops as G
from . import functional as F

__all__ = ["RandomAffine", "RandomRotation"]


def _check_sequence(x, name, req_sizes):
    msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join(str(s) for s in req_sizes)
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"{name} should be a sequence of length {msg}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {msg}.")


def _setup_angle(x, name, req_sizes=(2,)):
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]
    else:
        _check_sequence(x, name, req_sizes)
    return [float(d) for d in x]


def _pixel_map(matrix, h, w):
    """torchvision's tensor affine ``matrix`` (about the image centre) as a (2, 3) output-to-input
    pixel map (pixel centres at integers)."""
    a, b, c, d, e, f = matrix
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    return np.array([[a, b, c + cx - a * cx - b * cy], [d, e, f + cy - d * cx - e * cy]])


def _per_pil_image(x, args, fn):
    """``fn(pil_image, args[i])`` for each image of the uint8 batch ``x`` (N, C, H, W), stacked back."""
    return np.stack([pil_to_array(fn(array_to_pil(img), a)) for img, a in zip(x, args)])


def _tensor_sample(x, inv, fill, mode):
    """Sample float ``x`` (N, C, H, W) through per-image pixel maps ``inv`` (N, 2, 3) as
    :func:`functional.affine` does on a Tensor (``G.warp_affine``'s sampling and fill)."""
    h, w = x.shape[2:]
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    sx = inv[:, 0, 0, None, None] * cols + inv[:, 0, 1, None, None] * rows + inv[:, 0, 2, None, None]
    sy = inv[:, 1, 0, None, None] * cols + inv[:, 1, 1, None, None] * rows + inv[:, 1, 2, None, None]
    return G.sample_grid(x, sx, sy, mode, [fill] * x.shape[1])


def _affine_params(rng, degrees, translate, scale_ranges, shears, img_size):
    angle = float(rng.uniform(degrees[0], degrees[1]))
    translations = (0, 0)
    if translate is not None:
        max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
        translations = (int(round(float(rng.uniform(-max_dx, max_dx)))),
                        int(round(float(rng.uniform(-max_dy, max_dy)))))
    scale = float(rng.uniform(scale_ranges[0], scale_ranges[1])) if scale_ranges is not None else 1.0
    shear_x = shear_y = 0.0
    if shears is not None:
        shear_x = float(rng.uniform(shears[0], shears[1]))
        if len(shears) == 4:
            shear_y = float(rng.uniform(shears[2], shears[3]))
    return angle, translations, scale, (shear_x, shear_y)


class RandomAffine(VisionTransform):
    """Random rotation (``degrees``, clockwise as :func:`functional.affine`), shift (``translate``
    fractions of the size, rounded to whole pixels), zoom (``scale`` range) and ``shear`` (degrees:
    a number or (min, max) for x, or (xmin, xmax, ymin, ymax)), about ``center`` (default the image
    centre); ``fill`` where no pixel maps."""

    random = True

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None):
        super().__init__()
        self.degrees = _setup_angle(degrees, "degrees", (2,))
        if translate is not None:
            _check_sequence(translate, "translate", (2,))
            for t in translate:
                if not 0.0 <= t <= 1.0:
                    raise ValueError("translation values should be between 0 and 1")
        if scale is not None:
            _check_sequence(scale, "scale", (2,))
            for s in scale:
                if s <= 0:
                    raise ValueError("scale values should be positive")
        self.translate, self.scale = translate, scale
        self.shear = _setup_angle(shear, "shear", (2, 4)) if shear is not None else None
        self.interpolation = F.interpolation_mode(interpolation)
        if fill is None:
            fill = 0
        elif not isinstance(fill, (numbers.Number, Sequence)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill
        if center is not None:
            _check_sequence(center, "center", (2,))
        self.center = center
        self.batchable = (self.interpolation.value in ("nearest", "bilinear") and isinstance(fill, numbers.Number))

    def __repr__(self):   # torchvision's: the arguments that differ from their defaults
        text = f"{type(self).__name__}(degrees={self.degrees}"
        text += f", translate={self.translate}" if self.translate is not None else ""
        text += f", scale={self.scale}" if self.scale is not None else ""
        text += f", shear={self.shear}" if self.shear is not None else ""
        text += f", interpolation={self.interpolation.value}" if self.interpolation.value != "nearest" else ""
        text += f", fill={self.fill}" if self.fill != 0 else ""
        text += f", center={self.center}" if self.center is not None else ""
        return text + ")"

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """``(angle, (tx, ty), scale, (shear_x, shear_y))`` for an image of ``img_size`` (width, height)."""
        return _affine_params(current_rng(), degrees, translate, scale_ranges, shears, img_size)

    def _matrix(self, params, h, w):
        angle, translations, scale, shear = params
        center = [0.0, 0.0] if self.center is None else [c - s * 0.5 for c, s in zip(self.center, [w, h])]
        return G.inverse_affine_matrix(center, angle, [float(t) for t in translations], scale, list(shear))

    def draw(self, rng, h, w):
        params = _affine_params(rng, self.degrees, self.translate, self.scale, self.shear, [w, h])
        angle, (tx, ty), scale, (shx, shy) = params
        return {"inv": _pixel_map(self._matrix(params, h, w), h, w)[None],
                "args": np.array([[angle, tx, ty, scale, shx, shy]])}

    def apply_batch_pil(self, x, params):
        """A uint8 batch of PIL images: each through :func:`functional.affine` (Pillow), as one call."""
        return _per_pil_image(x, params["args"], lambda img, a: F.affine(
            img, a[0], [int(a[1]), int(a[2])], a[3], [a[4], a[5]], self.interpolation, self.fill, self.center))

    def apply_batch(self, x, params):
        if x.dtype.kind == "f":   # Tensor images: torchvision's zero padding and fill blended by a sampled mask
            return _tensor_sample(x, params["inv"], float(self.fill), self.interpolation.value)
        return _in_pixels(x, lambda v: affine_sample(v, params["inv"], fill=float(self.fill),
                                                     mode=self.interpolation.value))

    def forward(self, img):
        # one image goes through functional.affine (torchvision's arithmetic, Pillow for PIL images); the
        # batched kernels (apply_batch) serve minidl.vision.pipeline, which draws the same parameters
        _, height, width = F.get_dimensions(img)
        params = self.get_params(self.degrees, self.translate, self.scale, self.shear, [width, height])
        fill = self.fill
        if not is_pil(img) and isinstance(fill, numbers.Number):
            fill = [float(fill)] * F.get_image_num_channels(img)
        return F.affine(img, *params, interpolation=self.interpolation, fill=fill, center=self.center)


class RandomRotation(RandomAffine):
    """Rotate by an angle drawn from ``degrees`` (d -> (-d, d)), counter-clockwise, about ``center``;
    ``expand`` grows the output to hold the whole rotated image."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        super().__init__(degrees, interpolation=interpolation, fill=fill, center=center)
        self.expand = expand
        self.batchable = self.batchable and not expand

    def __repr__(self):
        text = f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, " \
               f"expand={self.expand}"
        text += f", center={self.center}" if self.center is not None else ""
        return text + f", fill={self.fill})"

    @staticmethod
    def get_params(degrees):
        """One angle drawn uniformly from ``degrees`` (min, max)."""
        return float(current_rng().uniform(degrees[0], degrees[1]))

    def draw(self, rng, h, w):
        angle = float(rng.uniform(self.degrees[0], self.degrees[1]))
        return {"inv": _pixel_map(self._matrix((-angle, (0, 0), 1.0, (0.0, 0.0)), h, w), h, w)[None],
                "args": np.array([[angle]])}

    def apply_batch_pil(self, x, params):
        """A uint8 batch of PIL images: each through :func:`functional.rotate` (Pillow), as one call."""
        return _per_pil_image(x, params["args"], lambda img, a: F.rotate(
            img, float(a[0]), self.interpolation, False, self.center, self.fill))

    def forward(self, img):
        angle = self.get_params(self.degrees)
        fill = self.fill
        if not is_pil(img) and isinstance(fill, numbers.Number):
            fill = [float(fill)] * F.get_image_num_channels(img)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)
