"""More of torchvision's transforms, built on :mod:`minidl.vision.transforms.functional`:
``RandomErasing``, ``GaussianBlur``, ``RandomChoice``, ``RandomOrder``, ``FiveCrop``, ``TenCrop``,
``RandomPerspective`` and the random colour ops (``RandomInvert``, ``RandomPosterize``,
``RandomSolarize``, ``RandomAdjustSharpness``, ``RandomAutocontrast``, ``RandomEqualize``).

Random draws come from minidl's current generator (``minidl.manual_seed``, or a
DataLoader batch's stream), one draw per call, in torchvision's order.
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np

from ...generator import current_rng
from ...nn.module import Module
from ...tensor import Tensor
from . import functional as F

__all__ = ["ElasticTransform", "RandomErasing", "GaussianBlur", "RandomChoice", "RandomOrder", "FiveCrop", "TenCrop",
           "RandomPerspective", "RandomInvert", "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness",
           "RandomAutocontrast", "RandomEqualize"]


def _setup_size(size, error_msg):
    """torchvision's size argument: (n, n) for a number or a 1-sequence, else the pair given (``error_msg``
    for any other length)."""
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size


def _tensor_fill(fill, img):
    """torchvision's fill for a Tensor: a number becomes one value per channel."""
    if isinstance(img, Tensor):
        if isinstance(fill, (int, float)):
            return [float(fill)] * F.get_image_num_channels(img)
        if fill is not None:
            return [float(f) for f in fill]
    return fill


def _uniform(lo, hi):
    return float(current_rng().uniform(lo, hi))


class RandomErasing(Module):
    """Erase a random rectangle of a Tensor image with probability ``p`` (Zhong et al., 2017).

    scale: range of the erased area fraction; ratio: range of its aspect ratio (sampled
    log-uniformly); value: a number or one per channel, or "random" (standard normal noise).
    """

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False):
        super().__init__()
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, (tuple, list)):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, (tuple, list)):
            raise TypeError("Ratio should be a sequence")
        if (scale[0] > scale[1]) or (ratio[0] > ratio[1]):
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        """``(i, j, h, w, v)``: the erased box (row, column, height, width) and its values; after
        10 failed tries the whole image ``(0, 0, H, W, img)``."""
        rng = current_rng()
        channels, height, width = img.shape[-3], img.shape[-2], img.shape[-1]
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1])
            aspect = math.exp(_uniform(log_ratio[0], log_ratio[1]))
            h = int(round(math.sqrt(erase_area * aspect)))
            w = int(round(math.sqrt(erase_area / aspect)))
            if not (h < height and w < width):
                continue
            if value is None:
                v = Tensor(rng.standard_normal((channels, h, w)).astype(np.float32))
            else:
                v = Tensor(np.asarray(value, np.float32)[:, None, None])
            i = int(rng.integers(0, height - h + 1))
            j = int(rng.integers(0, width - w + 1))
            return i, j, h, w, v
        return 0, 0, height, width, img

    def forward(self, img):
        if float(current_rng().random()) < self.p:
            if not isinstance(img, Tensor):
                raise TypeError(f"img should be Tensor Image. Got {type(img)}")
            if isinstance(self.value, numbers.Number):
                value = [float(self.value)]
            elif isinstance(self.value, str):
                value = None
            else:
                value = [float(v) for v in self.value]
            if value is not None and len(value) not in (1, img.shape[-3]):
                raise ValueError("If value is a sequence, it should have either a single value or "
                                 f"{img.shape[-3]} (number of input channels)")
            i, j, h, w, v = self.get_params(img, scale=self.scale, ratio=self.ratio, value=value)
            return F.erase(img, i, j, h, w, v, self.inplace)
        return img

    def __repr__(self):
        return (f"{type(self).__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, "
                f"inplace={self.inplace})")


class GaussianBlur(Module):
    """Blur with a Gaussian of ``kernel_size`` (odd int or (kx, ky)) and a sigma drawn uniformly from
    ``sigma`` ((min, max) or one number)."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        self.kernel_size = _setup_size(kernel_size, "Kernel size should be a tuple/list of two integers")
        for ks in self.kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (sigma, sigma)
        elif isinstance(sigma, (tuple, list)) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min, sigma_max):
        """One sigma drawn uniformly from [sigma_min, sigma_max]."""
        return _uniform(sigma_min, sigma_max)

    def forward(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, list(self.kernel_size), [sigma, sigma])

    def __repr__(self):
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


class RandomChoice:
    """Apply one of ``transforms``, chosen with probabilities proportional to ``p`` (default equal)."""

    def __init__(self, transforms, p=None):
        if not isinstance(transforms, (list, tuple)):
            raise TypeError("Argument transforms should be a sequence of callables")
        if p is not None and not isinstance(p, (list, tuple)):
            raise TypeError("Argument p should be a sequence")
        if p is not None and len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        self.transforms, self.p = transforms, p

    def __call__(self, *args):
        weights = np.ones(len(self.transforms)) if self.p is None else np.asarray(self.p, np.float64)
        cumulative = np.cumsum(weights)
        index = int(np.searchsorted(cumulative, float(current_rng().random()) * cumulative[-1], side="right"))
        return self.transforms[min(index, len(self.transforms) - 1)](*args)

    def __repr__(self):
        return f"{type(self).__name__}(transforms={self.transforms}, p={self.p})"


class RandomOrder:
    """Apply all ``transforms`` in a random order (a fresh permutation per call)."""

    def __init__(self, transforms):
        if not isinstance(transforms, (list, tuple)):
            raise TypeError("Argument transforms should be a sequence of callables")
        self.transforms = transforms

    def __call__(self, img):
        for i in current_rng().permutation(len(self.transforms)):
            img = self.transforms[int(i)](img)
        return img

    def __repr__(self):
        inner = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


class FiveCrop(Module):
    """The four corner crops and the central crop of ``size``: a tuple of 5 images."""

    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")

    def forward(self, img):
        return F.five_crop(img, self.size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class TenCrop(Module):
    """:class:`FiveCrop` of the image and of its mirror (``vertical_flip``: top-bottom): 10 images."""

    def __init__(self, size, vertical_flip=False):
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        self.vertical_flip = vertical_flip

    def forward(self, img):
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


class RandomPerspective(Module):
    """With probability ``p``, move each corner inwards by up to ``distortion_scale`` of half the
    image size and warp the image accordingly (:func:`functional.perspective`)."""

    def __init__(self, distortion_scale=0.5, p=0.5, interpolation=F.InterpolationMode.BILINEAR, fill=0):
        super().__init__()
        self.p = p
        self.interpolation = F.interpolation_mode(interpolation)
        self.distortion_scale = distortion_scale
        if fill is None:
            fill = 0
        elif not isinstance(fill, (numbers.Number, Sequence)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill

    @staticmethod
    def get_params(width, height, distortion_scale):
        """``(startpoints, endpoints)``: the image corners and where they move (top-left, top-right,
        bottom-right, bottom-left; [x, y] pixels)."""
        rng = current_rng()
        dx, dy = int(distortion_scale * (width // 2)), int(distortion_scale * (height // 2))

        def draw(lo, hi):
            return int(rng.integers(lo, hi))
        top_left = [draw(0, dx + 1), draw(0, dy + 1)]
        top_right = [draw(width - dx - 1, width), draw(0, dy + 1)]
        bottom_right = [draw(width - dx - 1, width), draw(height - dy - 1, height)]
        bottom_left = [draw(0, dx + 1), draw(height - dy - 1, height)]
        start = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return start, [top_left, top_right, bottom_right, bottom_left]

    def forward(self, img):
        fill = _tensor_fill(self.fill, img)
        _, height, width = F.get_dimensions(img)
        if float(current_rng().random()) < self.p:
            start, end = self.get_params(width, height, self.distortion_scale)
            return F.perspective(img, start, end, self.interpolation, fill)
        return img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class _RandomOp(Module):
    """Apply ``_op(img)`` with probability ``p``."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        if float(current_rng().random()) < self.p:
            return self._op(img)
        return img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomInvert(_RandomOp):
    """Invert the colours with probability ``p``."""

    def _op(self, img):
        return F.invert(img)


class RandomAutocontrast(_RandomOp):
    """Autocontrast (stretch each channel to the full range) with probability ``p``."""

    def _op(self, img):
        return F.autocontrast(img)


class RandomEqualize(_RandomOp):
    """Equalise the histogram with probability ``p`` (uint8 Tensors or PIL images)."""

    def _op(self, img):
        return F.equalize(img)


class RandomPosterize(_RandomOp):
    """Keep ``bits`` bits per channel with probability ``p``."""

    def __init__(self, bits, p=0.5):
        super().__init__(p)
        self.bits = bits

    def _op(self, img):
        return F.posterize(img, self.bits)

    def __repr__(self):
        return f"{type(self).__name__}(bits={self.bits},p={self.p})"


class RandomSolarize(_RandomOp):
    """Invert the values at or above ``threshold`` with probability ``p``."""

    def __init__(self, threshold, p=0.5):
        super().__init__(p)
        self.threshold = threshold

    def _op(self, img):
        return F.solarize(img, self.threshold)

    def __repr__(self):
        return f"{type(self).__name__}(threshold={self.threshold},p={self.p})"


class RandomAdjustSharpness(_RandomOp):
    """Adjust the sharpness by ``sharpness_factor`` with probability ``p``."""

    def __init__(self, sharpness_factor, p=0.5):
        super().__init__(p)
        if sharpness_factor < 0:
            raise ValueError("sharpness_factor should be non-negative")
        self.sharpness_factor = sharpness_factor

    def _op(self, img):
        return F.adjust_sharpness(img, self.sharpness_factor)

    def __repr__(self):
        return f"{type(self).__name__}(sharpness_factor={self.sharpness_factor},p={self.p})"


def _two_floats(value, name):
    if isinstance(value, numbers.Number):
        return [float(value), float(value)]
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} should be float or a sequence of floats. Got {type(value)}")
    if len(value) == 1:
        return [float(value[0]), float(value[0])]
    if len(value) != 2:
        raise ValueError(f"If {name} is a sequence its length should be 1 or 2. Got {len(value)}")
    return [float(v) for v in value]


class ElasticTransform(Module):
    """Elastic distortion (Simard et al., 2003): a random displacement field, uniform noise smoothed by a
    Gaussian of ``sigma`` and scaled by ``alpha`` (pixels), warping the image; ``fill`` outside."""

    def __init__(self, alpha=50.0, sigma=5.0, interpolation=F.InterpolationMode.BILINEAR, fill=0):
        super().__init__()
        self.alpha = _two_floats(alpha, "alpha")
        self.sigma = _two_floats(sigma, "sigma")
        self.interpolation = F.interpolation_mode(interpolation)
        if isinstance(fill, (int, float)):   # torchvision keeps a list of floats
            fill = [float(fill)]
        elif isinstance(fill, (list, tuple)):
            fill = [float(f) for f in fill]
        else:
            raise TypeError(f"fill should be int or float or a list or tuple of them. Got {type(fill)}")
        self.fill = fill

    @staticmethod
    def get_params(alpha, sigma, size):
        """A displacement Tensor (1, H, W, 2) for an image of ``size`` [H, W]."""
        rng = current_rng()
        fields = []
        for k in range(2):
            d = Tensor((rng.random((1, 1, size[0], size[1])) * 2 - 1).astype(np.float32))
            if sigma[k] > 0.0:
                ksize = int(8 * sigma[k] + 1)
                ksize += 1 - ksize % 2                          # odd
                d = F.gaussian_blur(d, [ksize, ksize], list(sigma))
            fields.append(d.numpy() * np.float32(alpha[k] / size[k]))
        return Tensor(np.ascontiguousarray(np.concatenate(fields, axis=1).transpose(0, 2, 3, 1)))

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        displacement = self.get_params(self.alpha, self.sigma, [height, width])
        return F.elastic_transform(img, displacement, self.interpolation, _tensor_fill(self.fill, img))

    def __repr__(self):
        return (f"{type(self).__name__}(alpha={self.alpha}, sigma={self.sigma}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
