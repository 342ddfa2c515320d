"""torchvision's ``AugMix`` (Hendrycks et al., 2020) and ``LinearTransformation`` (whitening), as ``nn.Module`` s.

AugMix mixes ``mixture_width`` chains of random operations (each ``chain_depth`` long, or 1-3 at random)
with weights drawn from Dirichlet(alpha), then blends the mixture with the original image with a
Beta(alpha, alpha) weight (eq. 1 of the paper, per image of a batch). Its operations and magnitudes are
:mod:`.autoaugment`'s; draws come from minidl's current generator.
"""
from __future__ import annotations

import numpy as np

from ...generator import current_rng
from ...nn.module import Module
from ...tensor import Tensor
from . import functional as F
from .autoaugment import _apply_op, _linspace, _tensor_fill

__all__ = ["AugMix", "LinearTransformation"]


class AugMix(Module):
    """AugMix on a uint8 Tensor image (..., 1 or 3, H, W) or a PIL image ("L" or "RGB").

    ``severity`` (1-10) caps the magnitude bin, ``mixture_width`` chains, ``chain_depth`` operations per
    chain (negative: 1 to 3 at random), ``alpha`` the Dirichlet/Beta concentration, ``all_ops`` adds
    brightness, colour, contrast and sharpness to the operations.
    """

    _PARAMETER_MAX = 10

    def __init__(self, severity=3, mixture_width=3, chain_depth=-1, alpha=1.0, all_ops=True,
                 interpolation=F.InterpolationMode.BILINEAR, fill=None):
        super().__init__()
        if not 1 <= severity <= self._PARAMETER_MAX:
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got {severity} instead.")
        self.severity, self.mixture_width, self.chain_depth = severity, mixture_width, chain_depth
        self.alpha, self.all_ops, self.interpolation, self.fill = alpha, all_ops, interpolation, fill

    def _augmentation_space(self, num_bins, image_size):
        """op name -> (magnitudes per bin, or None; signed) for an image of ``image_size`` (height, width)."""
        space = {
            "ShearX": (_linspace(0.0, 0.3, num_bins), True),
            "ShearY": (_linspace(0.0, 0.3, num_bins), True),
            "TranslateX": (_linspace(0.0, image_size[1] / 3.0, num_bins), True),
            "TranslateY": (_linspace(0.0, image_size[0] / 3.0, num_bins), True),
            "Rotate": (_linspace(0.0, 30.0, num_bins), True),
            "Posterize": (4 - np.rint(np.arange(num_bins) / ((num_bins - 1) / 4)).astype(np.int64), False),
            "Solarize": (_linspace(255.0, 0.0, num_bins), False),
            "AutoContrast": (None, False),
            "Equalize": (None, False),
        }
        if self.all_ops:
            space.update({name: (_linspace(0.0, 0.9, num_bins), True)
                          for name in ("Brightness", "Color", "Contrast", "Sharpness")})
        return space

    def forward(self, orig_img):
        """``orig_img`` augmented: the same type, shape and dtype."""
        fill = _tensor_fill(self.fill, orig_img)
        _, height, width = F.get_dimensions(orig_img)
        img = orig_img if isinstance(orig_img, Tensor) else F.pil_to_tensor(orig_img)
        space = self._augmentation_space(self._PARAMETER_MAX, (height, width))
        names = list(space)
        shape = tuple(img.shape)
        batch = img.reshape(*([1] * max(4 - img.ndim, 0) + list(shape)))
        n = batch.shape[0]
        rng = current_rng()
        beta = rng.dirichlet([self.alpha, self.alpha], size=n).astype(np.float32)             # (n, 2)
        weights = rng.dirichlet([self.alpha] * self.mixture_width, size=n).astype(np.float32)  # (n, width)
        weights *= beta[:, 1:2]
        per_image = (n,) + (1,) * (batch.ndim - 1)
        mix = beta[:, 0].reshape(per_image) * batch.array.astype(np.float32)
        for i in range(self.mixture_width):
            aug = batch
            depth = self.chain_depth if self.chain_depth > 0 else int(rng.integers(1, 4))
            for _ in range(depth):
                op_name = names[int(rng.integers(len(names)))]
                magnitudes, signed = space[op_name]
                magnitude = float(magnitudes[int(rng.integers(self.severity))]) if magnitudes is not None else 0.0
                if signed and int(rng.integers(2)):
                    magnitude = -magnitude
                aug = _apply_op(aug, op_name, magnitude, interpolation=self.interpolation, fill=fill)
            mix += weights[:, i].reshape(per_image) * aug.array.astype(np.float32)
        # torchvision casts the float mixture back to the image dtype (truncation towards zero for uint8)
        out = Tensor(mix.reshape(shape).astype(img.array.dtype))
        return out if isinstance(orig_img, Tensor) else F.to_pil_image(out)

    def __repr__(self):
        return (f"{type(self).__name__}(severity={self.severity}, mixture_width={self.mixture_width}, "
                f"chain_depth={self.chain_depth}, alpha={self.alpha}, all_ops={self.all_ops}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class LinearTransformation(Module):
    """``(x.flatten() - mean_vector) @ transformation_matrix``, reshaped back: a whitening (ZCA/PCA) computed
    offline. ``transformation_matrix`` (D, D) and ``mean_vector`` (D,) with D = C * H * W; Tensors only."""

    def __init__(self, transformation_matrix, mean_vector):
        super().__init__()
        matrix_shape = tuple(transformation_matrix.shape)
        if matrix_shape[0] != matrix_shape[1]:
            raise ValueError(f"transformation_matrix should be square. Got {matrix_shape} rectangular matrix.")
        if mean_vector.shape[0] != matrix_shape[0]:
            raise ValueError(f"mean_vector should have the same length {mean_vector.shape[0]} as any one of the "
                             f"dimensions of the transformation_matrix [{matrix_shape}]")
        if transformation_matrix.device != mean_vector.device:
            raise ValueError(f"Input tensors should be on the same device. Got {transformation_matrix.device} and "
                             f"{mean_vector.device}")
        if transformation_matrix.dtype != mean_vector.dtype:
            raise ValueError(f"Input tensors should have the same dtype. Got {transformation_matrix.dtype} and "
                             f"{mean_vector.dtype}")
        self.transformation_matrix = transformation_matrix
        self.mean_vector = mean_vector

    def forward(self, tensor):
        """``tensor`` (..., C, H, W) whitened: the same shape (differentiable)."""
        shape = tuple(tensor.shape)
        n = shape[-3] * shape[-2] * shape[-1]
        if n != self.transformation_matrix.shape[0]:
            raise ValueError(f"Input tensor and transformation matrix have incompatible shape.[{shape[-3]} x "
                             f"{shape[-2]} x {shape[-1]}] != {self.transformation_matrix.shape[0]}")
        if tensor.device.type != self.mean_vector.device.type:
            raise ValueError(f"Input tensor should be on the same device as transformation matrix and mean vector. "
                             f"Got {tensor.device} vs {self.mean_vector.device}")
        flat = tensor.reshape(-1, n) - self.mean_vector
        return (flat @ self.transformation_matrix.to(flat.dtype)).reshape(shape)

    def __repr__(self):
        return (f"{type(self).__name__}(transformation_matrix={self.transformation_matrix.tolist()}, "
                f"mean_vector={self.mean_vector.tolist()})")
