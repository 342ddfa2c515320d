"""``ImageClassification``: the eval preprocessing torchvision attaches to classification weights."""
from __future__ import annotations

import numpy as np

from ...nn.module import Module
from ...tensor import Tensor
from ..transforms import CenterCrop, InterpolationMode, Normalize, PILToTensor, Resize
from ..transforms_extra import ConvertImageDtype

__all__ = ["ImageClassification"]


class ImageClassification(Module):
    """Resize the shorter side to ``resize_size``, centre-crop ``crop_size``, scale to float
    [0, 1] and normalise with ``mean``/``std``, as torchvision's preset.

    Input: a PIL image or a uint8/float Tensor image (C, H, W) or batch (N, C, H, W);
    output: a float32 Tensor (C, crop_size, crop_size) (or (N, C, ...)).
    """

    def __init__(self, *, crop_size: int, resize_size: int = 256, mean=(0.485, 0.456, 0.406),
                 std=(0.229, 0.224, 0.225), interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias
        self._resize = Resize(resize_size, interpolation=interpolation, antialias=antialias)
        self._crop = CenterCrop(crop_size)
        self._to_tensor = PILToTensor()
        self._to_float = ConvertImageDtype(np.float32)
        self._normalize = Normalize(self.mean, self.std)

    def forward(self, img):
        """PIL image or Tensor image -> normalised float32 Tensor of side ``crop_size``."""
        img = self._crop(self._resize(img))
        if not isinstance(img, Tensor):
            img = self._to_tensor(img)
        return self._normalize(self._to_float(img))

    def __repr__(self):
        return (f"{self.__class__.__name__}(\n    crop_size={self.crop_size}\n    resize_size={self.resize_size}"
                f"\n    mean={self.mean}\n    std={self.std}\n    interpolation={self.interpolation}\n)")

    def describe(self) -> str:
        """The preprocessing in words, as torchvision's ``describe``."""
        return ("Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image ``torch.Tensor`` "
                f"objects. The images are resized to ``resize_size={self.resize_size}`` using "
                f"``interpolation={self.interpolation}``, followed by a central crop of "
                f"``crop_size={self.crop_size}``. Finally the values are first rescaled to ``[0.0, 1.0]`` and "
                f"then normalized using ``mean={self.mean}`` and ``std={self.std}``.")
