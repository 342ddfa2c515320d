"""torchvision's ``Inception3`` (Inception v3, Szegedy et al., 2016), ``inception_v3`` and
``Inception_V3_Weights``; keys ``Conv2d_1a_3x3.conv.weight``, ``Mixed_5b.branch1x1.bn.weight``,
``AuxLogits.fc.weight``, ``fc.weight``, ... as torchvision's. Inputs are 299x299 (75 at least)."""
import warnings
from collections import namedtuple
from typing import Any, Callable, List, Optional

import numpy as np

import minidl.nn.functional as F
from minidl.nn import init
from minidl.nn.layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d
from minidl.nn.module import Module
from minidl.ops.shape import cat

from ._api import (
                   WeightsEnum,
                   classification_weights,
                   handle_legacy_interface,
                   load_weights,
                   overwrite_named_param,
                   register_model,
                   resolve_weights,
)

__all__ = ["Inception3", "InceptionOutputs", "Inception_V3_Weights", "inception_v3"]


class InceptionOutputs(namedtuple("InceptionOutputs", ["logits", "aux_logits"])):
    """Training-mode output of :class:`Inception3` with ``aux_logits``: ``(logits, aux_logits)``,
    each (N, num_classes)."""

    __slots__ = ()


class BasicConv2d(Module):
    """Conv2d (no bias) -> BatchNorm2d(eps=0.001) -> ReLU; ``**kwargs`` go to the conv."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs: Any) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        """relu(bn(conv(x)))."""
        return F.relu(self.bn(self.conv(x)))


class InceptionA(Module):
    """35x35 block: 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avg-pool-1x1 (``pool_features``), concatenated."""

    def __init__(self, in_channels: int, pool_features: int, conv_block: Optional[Callable[..., Module]] = None):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch1x1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch5x5_1 = conv_block(in_channels, 48, kernel_size=1)
        self.branch5x5_2 = conv_block(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, padding=1)
        self.branch_pool = conv_block(in_channels, pool_features, kernel_size=1)

    def forward(self, x):
        """(N, C, H, W) -> (N, 224 + pool_features, H, W)."""
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return cat([b1, b5, b3, bp], 1)


class InceptionB(Module):
    """Grid reduction 35 -> 17: 3x3/2 | 1x1-3x3-3x3/2 | max-pool 3x3/2, concatenated."""

    def __init__(self, in_channels: int, conv_block: Optional[Callable[..., Module]] = None):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch3x3 = conv_block(in_channels, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, stride=2)

    def forward(self, x):
        """(N, C, H, W) -> (N, 480 + C, (H-3)//2 + 1, (W-3)//2 + 1)."""
        b3 = self.branch3x3(x)
        bd = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return cat([b3, bd, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionC(Module):
    """17x17 block with factorised 7x7 convs (1x7 and 7x1, ``channels_7x7`` wide): 768 channels out."""

    def __init__(self, in_channels: int, channels_7x7: int, conv_block: Optional[Callable[..., Module]] = None):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        c7 = channels_7x7
        self.branch1x1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch7x7_1 = conv_block(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = conv_block(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = conv_block(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = conv_block(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = conv_block(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = conv_block(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = conv_block(in_channels, 192, kernel_size=1)

    def forward(self, x):
        """(N, C, H, W) -> (N, 768, H, W)."""
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = self.branch7x7dbl_1(x)
        for conv in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            bd = conv(bd)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return cat([b1, b7, bd, bp], 1)


class InceptionD(Module):
    """Grid reduction 17 -> 8: 1x1-3x3/2 | 1x1-1x7-7x1-3x3/2 | max-pool 3x3/2, concatenated."""

    def __init__(self, in_channels: int, conv_block: Optional[Callable[..., Module]] = None):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch3x3_1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch3x3_2 = conv_block(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch7x7x3_2 = conv_block(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = conv_block(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = conv_block(192, 192, kernel_size=3, stride=2)

    def forward(self, x):
        """(N, C, H, W) -> (N, 512 + C, (H-3)//2 + 1, (W-3)//2 + 1)."""
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return cat([b3, b7, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionE(Module):
    """8x8 block with expanded 1x3 / 3x1 branches: 2048 channels out."""

    def __init__(self, in_channels: int, conv_block: Optional[Callable[..., Module]] = None):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch1x1 = conv_block(in_channels, 320, kernel_size=1)
        self.branch3x3_1 = conv_block(in_channels, 384, kernel_size=1)
        self.branch3x3_2a = conv_block(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = conv_block(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = conv_block(in_channels, 448, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = conv_block(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = conv_block(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = conv_block(in_channels, 192, kernel_size=1)

    def forward(self, x):
        """(N, C, H, W) -> (N, 2048, H, W)."""
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return cat([b1, b3, bd, bp], 1)


class InceptionAux(Module):
    """Auxiliary classifier on the 17x17 map: avg-pool 5x5/3, 1x1 conv 128, 5x5 conv 768,
    global average pool, ``fc``. (N, 768, 17, 17) -> (N, num_classes)."""

    def __init__(self, in_channels: int, num_classes: int, conv_block: Optional[Callable[..., Module]] = None):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.conv0 = conv_block(in_channels, 128, kernel_size=1)
        self.conv1 = conv_block(128, 768, kernel_size=5)
        self.conv1.stddev = 0.01
        self.fc = Linear(768, num_classes)
        self.fc.stddev = 0.001

    def forward(self, x):
        """(N, 768, H, W), H, W >= 17 -> (N, num_classes)."""
        x = self.conv1(self.conv0(F.avg_pool2d(x, kernel_size=5, stride=3)))
        return self.fc(F.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))


class Inception3(Module):
    """Inception v3 as torchvision builds it: stem convs ``Conv2d_1a_3x3`` ... ``Conv2d_4a_3x3``
    with two max-pools, ``Mixed_5b`` ... ``Mixed_7c``, ``AuxLogits`` (after Mixed_6e, when
    ``aux_logits``), global average pool, Dropout, ``fc``. (N, 3, 299, 299) -> logits
    (N, num_classes), or ``InceptionOutputs(logits, aux_logits)`` in training mode with the
    aux head. ``transform_input`` re-normalises ImageNet-normalised inputs to (x - 0.5) / 0.5."""

    def __init__(self, num_classes: int = 1000, aux_logits: bool = True, transform_input: bool = False,
                 inception_blocks: Optional[List[Callable[..., Module]]] = None, init_weights: Optional[bool] = None,
                 dropout: float = 0.5) -> None:
        super().__init__()
        if inception_blocks is None:
            inception_blocks = [BasicConv2d, InceptionA, InceptionB, InceptionC, InceptionD, InceptionE, InceptionAux]
        if init_weights is None:
            warnings.warn("The default weight initialization of inception_v3 will be changed in future releases of "
                          "torchvision. If you wish to keep the old behavior (which leads to long initialization "
                          "times due to scipy/scipy#11299), please set init_weights=True.", FutureWarning,
                          stacklevel=2)
            init_weights = True
        if len(inception_blocks) != 7:
            raise ValueError(f"length of inception_blocks should be 7 instead of {len(inception_blocks)}")
        conv_block, block_a, block_b, block_c, block_d, block_e, block_aux = inception_blocks
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        self.Conv2d_1a_3x3 = conv_block(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = conv_block(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = conv_block(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = conv_block(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = conv_block(80, 192, kernel_size=3)
        self.maxpool2 = MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = block_a(192, pool_features=32)
        self.Mixed_5c = block_a(256, pool_features=64)
        self.Mixed_5d = block_a(288, pool_features=64)
        self.Mixed_6a = block_b(288)
        self.Mixed_6b = block_c(768, channels_7x7=128)
        self.Mixed_6c = block_c(768, channels_7x7=160)
        self.Mixed_6d = block_c(768, channels_7x7=160)
        self.Mixed_6e = block_c(768, channels_7x7=192)
        self.AuxLogits = block_aux(768, num_classes) if aux_logits else None
        self.Mixed_7a = block_d(768)
        self.Mixed_7b = block_e(1280)
        self.Mixed_7c = block_e(2048)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.dropout = Dropout(p=dropout)
        self.fc = Linear(2048, num_classes)
        if init_weights:
            for m in self.modules():
                if isinstance(m, (Conv2d, Linear)):
                    # torchvision reads ``stddev`` off the layer itself (set only on AuxLogits.fc)
                    std = float(m.stddev) if hasattr(m, "stddev") else 0.1
                    init.trunc_normal_(m.weight, mean=0.0, std=std, a=-2, b=2)
                elif isinstance(m, BatchNorm2d):
                    init.constant_(m.weight, 1)
                    init.constant_(m.bias, 0)

    def _transform_input(self, x):
        if self.transform_input:
            mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
            std = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)
            x = x * (std / 0.5) + (mean - 0.5) / 0.5
        return x

    def _forward(self, x):
        x = self.maxpool1(self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x))))
        x = self.maxpool2(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)))
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e):
            x = block(x)
        aux = self.AuxLogits(x) if self.AuxLogits is not None and self.training else None
        x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))
        x = F.flatten(self.dropout(self.avgpool(x)), 1)
        return self.fc(x), aux

    def forward(self, x):
        """(N, 3, H, W), H, W >= 75 -> logits, or ``InceptionOutputs`` when training with aux_logits."""
        x, aux = self._forward(self._transform_input(x))
        if self.training and self.aux_logits:
            return InceptionOutputs(x, aux)
        return x


class Inception_V3_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`inception_v3` (ported from TensorFlow; 342 resize, 299 crop)."""

    IMAGENET1K_V1 = classification_weights(
        "inception_v3_google-0cc3c7bd.pth", 27161264, (75, 75), 77.294, 93.450, resize_size=342, crop_size=299,
        recipe="https://github.com/pytorch/vision/tree/main/references/classification#inception-v3")
    DEFAULT = IMAGENET1K_V1


@register_model(Inception_V3_Weights)
@handle_legacy_interface(Inception_V3_Weights.IMAGENET1K_V1)
def inception_v3(*, weights: Optional[Inception_V3_Weights] = None, progress: bool = True,
                 **kwargs: Any) -> Inception3:
    """Inception v3 (27,161,264 parameters with the aux head); ``**kwargs`` go to
    :class:`Inception3`. With pretrained weights ``transform_input`` defaults to True and the
    aux head is dropped when ``aux_logits=False``, as torchvision does."""
    weights = resolve_weights(Inception_V3_Weights, weights, "inception_v3")
    original_aux_logits = kwargs.get("aux_logits", True)
    enum = isinstance(weights, WeightsEnum)
    if enum:
        if "transform_input" not in kwargs:
            overwrite_named_param(kwargs, "transform_input", True)
        overwrite_named_param(kwargs, "aux_logits", True)
        overwrite_named_param(kwargs, "init_weights", False)
        overwrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = load_weights(Inception3(**kwargs), weights, progress)
    if enum and not original_aux_logits:
        model.aux_logits = False
        model.AuxLogits = None
    return model
