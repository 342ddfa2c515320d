"""torchvision's ``RegNet`` (Radosavovic et al., 2020): ``regnet_y_400mf`` ... ``regnet_y_128gf`` (with
squeeze-excitation), ``regnet_x_400mf`` ... ``regnet_x_32gf`` and their ``*_Weights`` enums; keys
``stem.0.weight``, ``trunk_output.block1.block1-0.f.a.0.weight``, ..., ``fc.weight`` and the
initialisation are torchvision's. ``BlockParams.from_init_params`` quantises the widths in float32,
as torchvision does with torch tensors.
"""
import math
from collections import OrderedDict
from functools import partial
from typing import Any, Callable, List, Optional, Tuple

import numpy as np

from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, ReLU
from minidl.nn.module import Module

from ..transforms import InterpolationMode
from ._api import (
    WeightsEnum,
    classification_weights,
    enum_kwargs,
    handle_legacy_interface,
    load_weights,
    register_model,
    resolve_weights,
)
from .mobilenetv2 import Conv2dNormActivation, _make_divisible
from .mobilenetv3 import SqueezeExcitation

__all__ = ["RegNet", "BlockParams", "RegNet_Y_400MF_Weights", "RegNet_Y_800MF_Weights", "RegNet_Y_1_6GF_Weights",
           "RegNet_Y_3_2GF_Weights", "RegNet_Y_8GF_Weights", "RegNet_Y_16GF_Weights", "RegNet_Y_32GF_Weights",
           "RegNet_Y_128GF_Weights", "RegNet_X_400MF_Weights", "RegNet_X_800MF_Weights", "RegNet_X_1_6GF_Weights",
           "RegNet_X_3_2GF_Weights", "RegNet_X_8GF_Weights", "RegNet_X_16GF_Weights", "RegNet_X_32GF_Weights",
           "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf", "regnet_y_16gf",
           "regnet_y_32gf", "regnet_y_128gf", "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf",
           "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf"]


class SimpleStemIN(Conv2dNormActivation):
    """The ImageNet stem: 3x3 stride-2 conv, norm, activation."""

    def __init__(self, width_in: int, width_out: int, norm_layer: Callable[..., Module],
                 activation_layer: Callable[..., Module]) -> None:
        super().__init__(width_in, width_out, kernel_size=3, stride=2, norm_layer=norm_layer,
                         activation_layer=activation_layer)


class BottleneckTransform(Sequential):
    """Bottleneck ``a`` (1x1), ``b`` (3x3 grouped, ``stride``), optional ``se``, ``c`` (1x1, no activation)."""

    def __init__(self, width_in: int, width_out: int, stride: int, norm_layer: Callable[..., Module],
                 activation_layer: Callable[..., Module], group_width: int, bottleneck_multiplier: float,
                 se_ratio: Optional[float]) -> None:
        layers = OrderedDict()
        w_b = int(round(width_out * bottleneck_multiplier))
        g = w_b // group_width
        layers["a"] = Conv2dNormActivation(width_in, w_b, kernel_size=1, stride=1, norm_layer=norm_layer,
                                           activation_layer=activation_layer)
        layers["b"] = Conv2dNormActivation(w_b, w_b, kernel_size=3, stride=stride, groups=g, norm_layer=norm_layer,
                                           activation_layer=activation_layer)
        if se_ratio:
            layers["se"] = SqueezeExcitation(input_channels=w_b, squeeze_channels=int(round(se_ratio * width_in)),
                                             activation=activation_layer)
        layers["c"] = Conv2dNormActivation(w_b, width_out, kernel_size=1, stride=1, norm_layer=norm_layer,
                                           activation_layer=None)
        super().__init__(layers)


class ResBottleneckBlock(Module):
    """activation(x + f(x)), through a 1x1 projection ``proj`` when the width or stride changes."""

    def __init__(self, width_in: int, width_out: int, stride: int, norm_layer: Callable[..., Module],
                 activation_layer: Callable[..., Module], group_width: int = 1, bottleneck_multiplier: float = 1.0,
                 se_ratio: Optional[float] = None) -> None:
        super().__init__()
        self.proj = None
        if (width_in != width_out) or (stride != 1):
            self.proj = Conv2dNormActivation(width_in, width_out, kernel_size=1, stride=stride,
                                             norm_layer=norm_layer, activation_layer=None)
        self.f = BottleneckTransform(width_in, width_out, stride, norm_layer, activation_layer, group_width,
                                     bottleneck_multiplier, se_ratio)
        self.activation = activation_layer(inplace=True)

    def forward(self, x):
        """The block's output (N, width_out, H / stride, W / stride)."""
        x = self.proj(x) + self.f(x) if self.proj is not None else x + self.f(x)
        return self.activation(x)


class AnyStage(Sequential):
    """``depth`` blocks named ``block<stage_index>-<i>``; the first changes width and stride."""

    def __init__(self, width_in: int, width_out: int, stride: int, depth: int,
                 block_constructor: Callable[..., Module], norm_layer: Callable[..., Module],
                 activation_layer: Callable[..., Module], group_width: int, bottleneck_multiplier: float,
                 se_ratio: Optional[float] = None, stage_index: int = 0) -> None:
        super().__init__()
        for i in range(depth):
            block = block_constructor(width_in if i == 0 else width_out, width_out, stride if i == 0 else 1,
                                      norm_layer, activation_layer, group_width, bottleneck_multiplier, se_ratio)
            self.add_module(f"block{stage_index}-{i}", block)


class BlockParams:
    """Per-stage settings of a RegNet: ``depths``, ``widths``, ``group_widths``,
    ``bottleneck_multipliers``, ``strides`` and the ``se_ratio``."""

    def __init__(self, depths: List[int], widths: List[int], group_widths: List[int],
                 bottleneck_multipliers: List[float], strides: List[int], se_ratio: Optional[float] = None) -> None:
        self.depths = depths
        self.widths = widths
        self.group_widths = group_widths
        self.bottleneck_multipliers = bottleneck_multipliers
        self.strides = strides
        self.se_ratio = se_ratio

    @classmethod
    def from_init_params(cls, depth: int, w_0: int, w_a: float, w_m: float, group_width: int,
                         bottleneck_multiplier: float = 1.0, se_ratio: Optional[float] = None,
                         **kwargs: Any) -> "BlockParams":
        """The stages of the quantised linear width rule: block j has width w_0 * w_m^round(log(
        (w_0 + w_a j) / w_0) / log(w_m)) rounded to a multiple of 8; equal consecutive widths form a
        stage (stride 2 each)."""
        QUANT = 8
        STRIDE = 2
        if w_a < 0 or w_0 <= 0 or w_m <= 1 or w_0 % 8 != 0:
            raise ValueError("Invalid RegNet settings")
        f32 = np.float32
        widths_cont = np.arange(depth).astype(f32) * f32(w_a) + f32(w_0)
        block_capacity = np.round(np.log(widths_cont / f32(w_0)) / f32(math.log(w_m)))
        block_widths = (np.round((f32(w_0) * np.power(f32(w_m), block_capacity)) / f32(QUANT)) * QUANT)
        block_widths = block_widths.astype(np.int32).tolist()
        num_stages = len(set(block_widths))
        split_helper = zip(block_widths + [0], [0] + block_widths, block_widths + [0], [0] + block_widths)
        splits = [w != wp or r != rp for w, wp, r, rp in split_helper]
        stage_widths = [w for w, t in zip(block_widths, splits[:-1]) if t]
        stage_depths = np.diff([d for d, t in enumerate(splits) if t]).astype(np.int32).tolist()
        strides = [STRIDE] * num_stages
        bottleneck_multipliers = [bottleneck_multiplier] * num_stages
        group_widths = [group_width] * num_stages
        stage_widths, group_widths = cls._adjust_widths_groups_compatibilty(stage_widths, bottleneck_multipliers,
                                                                            group_widths)
        return cls(depths=stage_depths, widths=stage_widths, group_widths=group_widths,
                   bottleneck_multipliers=bottleneck_multipliers, strides=strides, se_ratio=se_ratio)

    def _get_expanded_params(self):
        return zip(self.widths, self.strides, self.depths, self.group_widths, self.bottleneck_multipliers)

    @staticmethod
    def _adjust_widths_groups_compatibilty(stage_widths: List[int], bottleneck_ratios: List[float],
                                           group_widths: List[int]) -> Tuple[List[int], List[int]]:
        """Widths made divisible by their (possibly reduced) group widths after the bottleneck ratio."""
        widths = [int(w * b) for w, b in zip(stage_widths, bottleneck_ratios)]
        group_widths_min = [min(g, w_bot) for g, w_bot in zip(group_widths, widths)]
        ws_bot = [_make_divisible(w_bot, g) for w_bot, g in zip(widths, group_widths_min)]
        stage_widths = [int(w_bot / b) for w_bot, b in zip(ws_bot, bottleneck_ratios)]
        return stage_widths, group_widths_min


class RegNet(Module):
    """RegNet: ``stem``, ``trunk_output`` (stages ``block1`` ... of ``block_params``), global average
    pool, ``fc``. (N, 3, H, W) -> (N, num_classes)."""

    def __init__(self, block_params: BlockParams, num_classes: int = 1000, stem_width: int = 32,
                 stem_type: Optional[Callable[..., Module]] = None, block_type: Optional[Callable[..., Module]] = None,
                 norm_layer: Optional[Callable[..., Module]] = None,
                 activation: Optional[Callable[..., Module]] = None) -> None:
        super().__init__()
        stem_type = SimpleStemIN if stem_type is None else stem_type
        norm_layer = BatchNorm2d if norm_layer is None else norm_layer
        block_type = ResBottleneckBlock if block_type is None else block_type
        activation = ReLU if activation is None else activation
        self.stem = stem_type(3, stem_width, norm_layer, activation)
        current_width = stem_width
        blocks = []
        for i, (width_out, stride, depth, group_width, bottleneck_multiplier) in enumerate(
                block_params._get_expanded_params()):
            blocks.append((f"block{i + 1}", AnyStage(current_width, width_out, stride, depth, block_type, norm_layer,
                                                     activation, group_width, bottleneck_multiplier,
                                                     block_params.se_ratio, stage_index=i + 1)))
            current_width = width_out
        self.trunk_output = Sequential(OrderedDict(blocks))
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(in_features=current_width, out_features=num_classes)
        for m in self.modules():
            if isinstance(m, Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                init.normal_(m.weight, mean=0.0, std=math.sqrt(2.0 / fan_out))
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, Linear):
                init.normal_(m.weight, mean=0.0, std=0.01)
                init.zeros_(m.bias)

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        x = self.avgpool(self.trunk_output(self.stem(x)))
        return self.fc(x.flatten(start_dim=1))


_REF = "https://github.com/pytorch/vision/tree/main/references/classification#"
_NEW = "https://github.com/pytorch/vision/issues/3995#new-recipe"
_FIXRES = "https://github.com/pytorch/vision/issues/3995#new-recipe-with-fixres"
_SWAG = "https://github.com/facebookresearch/SWAG"
_LINEAR = "https://github.com/pytorch/vision/pull/5793"
BICUBIC = InterpolationMode.BICUBIC


def _w(file, num_params, acc1, acc5, license=False, **kwargs):
    w = classification_weights(file, num_params, (1, 1), acc1, acc5, **kwargs)
    if license:
        w.meta["license"] = "https://github.com/facebookresearch/SWAG/blob/main/LICENSE"
    return w


class RegNet_Y_400MF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_y_400mf`."""

    IMAGENET1K_V1 = _w("regnet_y_400mf-c65dace8.pth", 4344144, 74.046, 91.716, recipe=_REF + "small-models")
    IMAGENET1K_V2 = _w("regnet_y_400mf-e6988f5f.pth", 4344144, 75.804, 92.742, resize_size=232, recipe=_NEW)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_800MF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_y_800mf`."""

    IMAGENET1K_V1 = _w("regnet_y_800mf-1b27b58c.pth", 6432512, 76.42, 93.136, recipe=_REF + "small-models")
    IMAGENET1K_V2 = _w("regnet_y_800mf-58fc7688.pth", 6432512, 78.828, 94.502, resize_size=232, recipe=_NEW)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_1_6GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_y_1_6gf`."""

    IMAGENET1K_V1 = _w("regnet_y_1_6gf-b11a554e.pth", 11202430, 77.95, 93.966, recipe=_REF + "small-models")
    IMAGENET1K_V2 = _w("regnet_y_1_6gf-0d7bc02a.pth", 11202430, 80.876, 95.444, resize_size=232, recipe=_NEW)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_3_2GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_y_3_2gf`."""

    IMAGENET1K_V1 = _w("regnet_y_3_2gf-b5a9779c.pth", 19436338, 78.948, 94.576, recipe=_REF + "medium-models")
    IMAGENET1K_V2 = _w("regnet_y_3_2gf-9180c971.pth", 19436338, 81.982, 95.972, resize_size=232, recipe=_NEW)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_8GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_y_8gf`."""

    IMAGENET1K_V1 = _w("regnet_y_8gf-d0d0e4a8.pth", 39381472, 80.032, 95.048, recipe=_REF + "medium-models")
    IMAGENET1K_V2 = _w("regnet_y_8gf-dc2b1b54.pth", 39381472, 82.828, 96.33, resize_size=232, recipe=_NEW)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_16GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_y_16gf`."""

    IMAGENET1K_V1 = _w("regnet_y_16gf-9e6ed7dd.pth", 83590140, 80.424, 95.24, recipe=_REF + "large-models")
    IMAGENET1K_V2 = _w("regnet_y_16gf-3e4a00f9.pth", 83590140, 82.886, 96.328, resize_size=232, recipe=_NEW)
    IMAGENET1K_SWAG_E2E_V1 = _w("regnet_y_16gf_swag-43afe44d.pth", 83590140, 86.012, 98.054, crop_size=384,
                                resize_size=384, interpolation=BICUBIC, recipe=_SWAG, license=True)
    IMAGENET1K_SWAG_LINEAR_V1 = _w("regnet_y_16gf_lc_swag-f3ec0043.pth", 83590140, 83.976, 97.244,
                                   resize_size=224, interpolation=BICUBIC, recipe=_LINEAR, license=True)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_32GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_y_32gf`."""

    IMAGENET1K_V1 = _w("regnet_y_32gf-4dee3f7a.pth", 145046770, 80.878, 95.34, recipe=_REF + "large-models")
    IMAGENET1K_V2 = _w("regnet_y_32gf-8db6d4b5.pth", 145046770, 83.368, 96.498, resize_size=232, recipe=_NEW)
    IMAGENET1K_SWAG_E2E_V1 = _w("regnet_y_32gf_swag-04fdfa75.pth", 145046770, 86.838, 98.362, crop_size=384,
                                resize_size=384, interpolation=BICUBIC, recipe=_SWAG, license=True)
    IMAGENET1K_SWAG_LINEAR_V1 = _w("regnet_y_32gf_lc_swag-e1583746.pth", 145046770, 84.622, 97.48,
                                   resize_size=224, interpolation=BICUBIC, recipe=_LINEAR, license=True)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_128GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_y_128gf`."""

    IMAGENET1K_SWAG_E2E_V1 = _w("regnet_y_128gf_swag-c8ce3e52.pth", 644812894, 88.228, 98.682, crop_size=384,
                                resize_size=384, interpolation=BICUBIC, recipe=_SWAG, license=True)
    IMAGENET1K_SWAG_LINEAR_V1 = _w("regnet_y_128gf_lc_swag-cbe8ce12.pth", 644812894, 86.068, 97.844,
                                   resize_size=224, interpolation=BICUBIC, recipe=_LINEAR, license=True)
    DEFAULT = IMAGENET1K_SWAG_E2E_V1


class RegNet_X_400MF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_x_400mf`."""

    IMAGENET1K_V1 = _w("regnet_x_400mf-adf1edd5.pth", 5495976, 72.834, 90.95, recipe=_REF + "small-models")
    IMAGENET1K_V2 = _w("regnet_x_400mf-62229a5f.pth", 5495976, 74.864, 92.322, resize_size=232, recipe=_FIXRES)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_800MF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_x_800mf`."""

    IMAGENET1K_V1 = _w("regnet_x_800mf-ad17e45c.pth", 7259656, 75.212, 92.348, recipe=_REF + "small-models")
    IMAGENET1K_V2 = _w("regnet_x_800mf-94a99ebd.pth", 7259656, 77.522, 93.826, resize_size=232, recipe=_FIXRES)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_1_6GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_x_1_6gf`."""

    IMAGENET1K_V1 = _w("regnet_x_1_6gf-e3633e7f.pth", 9190136, 77.04, 93.44, recipe=_REF + "small-models")
    IMAGENET1K_V2 = _w("regnet_x_1_6gf-a12f2b72.pth", 9190136, 79.668, 94.922, resize_size=232, recipe=_FIXRES)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_3_2GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_x_3_2gf`."""

    IMAGENET1K_V1 = _w("regnet_x_3_2gf-f342aeae.pth", 15296552, 78.364, 93.992, recipe=_REF + "medium-models")
    IMAGENET1K_V2 = _w("regnet_x_3_2gf-7071aa85.pth", 15296552, 81.196, 95.43, resize_size=232, recipe=_NEW)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_8GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_x_8gf`."""

    IMAGENET1K_V1 = _w("regnet_x_8gf-03ceed89.pth", 39572648, 79.344, 94.686, recipe=_REF + "medium-models")
    IMAGENET1K_V2 = _w("regnet_x_8gf-2b70d774.pth", 39572648, 81.682, 95.678, resize_size=232, recipe=_NEW)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_16GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_x_16gf`."""

    IMAGENET1K_V1 = _w("regnet_x_16gf-2007eb11.pth", 54278536, 80.058, 94.944, recipe=_REF + "medium-models")
    IMAGENET1K_V2 = _w("regnet_x_16gf-ba3796d7.pth", 54278536, 82.716, 96.196, resize_size=232, recipe=_NEW)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_32GF_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`regnet_x_32gf`."""

    IMAGENET1K_V1 = _w("regnet_x_32gf-9d47f8d0.pth", 107811560, 80.622, 95.248, recipe=_REF + "large-models")
    IMAGENET1K_V2 = _w("regnet_x_32gf-6eb8fdc6.pth", 107811560, 83.014, 96.288, resize_size=232, recipe=_NEW)
    DEFAULT = IMAGENET1K_V2


def _regnet(enum_cls, name, weights, progress, kwargs, **params) -> RegNet:
    weights = resolve_weights(enum_cls, weights, name)
    enum_kwargs(weights, kwargs)
    block_params = BlockParams.from_init_params(**params, **kwargs)
    norm_layer = kwargs.pop("norm_layer", partial(BatchNorm2d, eps=1e-05, momentum=0.1))
    return load_weights(RegNet(block_params, norm_layer=norm_layer, **kwargs), weights, progress)


@register_model(RegNet_Y_400MF_Weights)
@handle_legacy_interface(RegNet_Y_400MF_Weights.IMAGENET1K_V1)
def regnet_y_400mf(*, weights: Optional[RegNet_Y_400MF_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> RegNet:
    """RegNetY-400MF (4,344,144 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_Y_400MF_Weights, "regnet_y_400mf", weights, progress, kwargs,
                   depth=16, w_0=48, w_a=27.89, w_m=2.09, group_width=8, se_ratio=0.25)


@register_model(RegNet_Y_800MF_Weights)
@handle_legacy_interface(RegNet_Y_800MF_Weights.IMAGENET1K_V1)
def regnet_y_800mf(*, weights: Optional[RegNet_Y_800MF_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> RegNet:
    """RegNetY-800MF (6,432,512 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_Y_800MF_Weights, "regnet_y_800mf", weights, progress, kwargs,
                   depth=14, w_0=56, w_a=38.84, w_m=2.4, group_width=16, se_ratio=0.25)


@register_model(RegNet_Y_1_6GF_Weights)
@handle_legacy_interface(RegNet_Y_1_6GF_Weights.IMAGENET1K_V1)
def regnet_y_1_6gf(*, weights: Optional[RegNet_Y_1_6GF_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> RegNet:
    """RegNetY-1.6GF (11,202,430 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_Y_1_6GF_Weights, "regnet_y_1_6gf", weights, progress, kwargs,
                   depth=27, w_0=48, w_a=20.71, w_m=2.65, group_width=24, se_ratio=0.25)


@register_model(RegNet_Y_3_2GF_Weights)
@handle_legacy_interface(RegNet_Y_3_2GF_Weights.IMAGENET1K_V1)
def regnet_y_3_2gf(*, weights: Optional[RegNet_Y_3_2GF_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> RegNet:
    """RegNetY-3.2GF (19,436,338 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_Y_3_2GF_Weights, "regnet_y_3_2gf", weights, progress, kwargs,
                   depth=21, w_0=80, w_a=42.63, w_m=2.66, group_width=24, se_ratio=0.25)


@register_model(RegNet_Y_8GF_Weights)
@handle_legacy_interface(RegNet_Y_8GF_Weights.IMAGENET1K_V1)
def regnet_y_8gf(*, weights: Optional[RegNet_Y_8GF_Weights] = None, progress: bool = True,
                 **kwargs: Any) -> RegNet:
    """RegNetY-8GF (39,381,472 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_Y_8GF_Weights, "regnet_y_8gf", weights, progress, kwargs,
                   depth=17, w_0=192, w_a=76.82, w_m=2.19, group_width=56, se_ratio=0.25)


@register_model(RegNet_Y_16GF_Weights)
@handle_legacy_interface(RegNet_Y_16GF_Weights.IMAGENET1K_V1)
def regnet_y_16gf(*, weights: Optional[RegNet_Y_16GF_Weights] = None, progress: bool = True,
                  **kwargs: Any) -> RegNet:
    """RegNetY-16GF (83,590,140 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_Y_16GF_Weights, "regnet_y_16gf", weights, progress, kwargs,
                   depth=18, w_0=200, w_a=106.23, w_m=2.48, group_width=112, se_ratio=0.25)


@register_model(RegNet_Y_32GF_Weights)
@handle_legacy_interface(RegNet_Y_32GF_Weights.IMAGENET1K_V1)
def regnet_y_32gf(*, weights: Optional[RegNet_Y_32GF_Weights] = None, progress: bool = True,
                  **kwargs: Any) -> RegNet:
    """RegNetY-32GF (145,046,770 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_Y_32GF_Weights, "regnet_y_32gf", weights, progress, kwargs,
                   depth=20, w_0=232, w_a=115.89, w_m=2.53, group_width=232, se_ratio=0.25)


@register_model(RegNet_Y_128GF_Weights)
@handle_legacy_interface(None)
def regnet_y_128gf(*, weights: Optional[RegNet_Y_128GF_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> RegNet:
    """RegNetY-128GF (644,812,894 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_Y_128GF_Weights, "regnet_y_128gf", weights, progress, kwargs,
                   depth=27, w_0=456, w_a=160.83, w_m=2.52, group_width=264, se_ratio=0.25)


@register_model(RegNet_X_400MF_Weights)
@handle_legacy_interface(RegNet_X_400MF_Weights.IMAGENET1K_V1)
def regnet_x_400mf(*, weights: Optional[RegNet_X_400MF_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> RegNet:
    """RegNetX-400MF (5,495,976 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_X_400MF_Weights, "regnet_x_400mf", weights, progress, kwargs,
                   depth=22, w_0=24, w_a=24.48, w_m=2.54, group_width=16)


@register_model(RegNet_X_800MF_Weights)
@handle_legacy_interface(RegNet_X_800MF_Weights.IMAGENET1K_V1)
def regnet_x_800mf(*, weights: Optional[RegNet_X_800MF_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> RegNet:
    """RegNetX-800MF (7,259,656 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_X_800MF_Weights, "regnet_x_800mf", weights, progress, kwargs,
                   depth=16, w_0=56, w_a=35.73, w_m=2.28, group_width=16)


@register_model(RegNet_X_1_6GF_Weights)
@handle_legacy_interface(RegNet_X_1_6GF_Weights.IMAGENET1K_V1)
def regnet_x_1_6gf(*, weights: Optional[RegNet_X_1_6GF_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> RegNet:
    """RegNetX-1.6GF (9,190,136 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_X_1_6GF_Weights, "regnet_x_1_6gf", weights, progress, kwargs,
                   depth=18, w_0=80, w_a=34.01, w_m=2.25, group_width=24)


@register_model(RegNet_X_3_2GF_Weights)
@handle_legacy_interface(RegNet_X_3_2GF_Weights.IMAGENET1K_V1)
def regnet_x_3_2gf(*, weights: Optional[RegNet_X_3_2GF_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> RegNet:
    """RegNetX-3.2GF (15,296,552 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_X_3_2GF_Weights, "regnet_x_3_2gf", weights, progress, kwargs,
                   depth=25, w_0=88, w_a=26.31, w_m=2.25, group_width=48)


@register_model(RegNet_X_8GF_Weights)
@handle_legacy_interface(RegNet_X_8GF_Weights.IMAGENET1K_V1)
def regnet_x_8gf(*, weights: Optional[RegNet_X_8GF_Weights] = None, progress: bool = True,
                 **kwargs: Any) -> RegNet:
    """RegNetX-8GF (39,572,648 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_X_8GF_Weights, "regnet_x_8gf", weights, progress, kwargs,
                   depth=23, w_0=80, w_a=49.56, w_m=2.88, group_width=120)


@register_model(RegNet_X_16GF_Weights)
@handle_legacy_interface(RegNet_X_16GF_Weights.IMAGENET1K_V1)
def regnet_x_16gf(*, weights: Optional[RegNet_X_16GF_Weights] = None, progress: bool = True,
                  **kwargs: Any) -> RegNet:
    """RegNetX-16GF (54,278,536 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_X_16GF_Weights, "regnet_x_16gf", weights, progress, kwargs,
                   depth=22, w_0=216, w_a=55.59, w_m=2.1, group_width=128)


@register_model(RegNet_X_32GF_Weights)
@handle_legacy_interface(RegNet_X_32GF_Weights.IMAGENET1K_V1)
def regnet_x_32gf(*, weights: Optional[RegNet_X_32GF_Weights] = None, progress: bool = True,
                  **kwargs: Any) -> RegNet:
    """RegNetX-32GF (107,811,560 parameters); ``**kwargs`` go to :class:`RegNet`."""
    return _regnet(RegNet_X_32GF_Weights, "regnet_x_32gf", weights, progress, kwargs,
                   depth=23, w_0=320, w_a=69.86, w_m=2.0, group_width=168)
