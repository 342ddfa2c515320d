"""torchvision's ``EfficientNet`` (B0-B7: MBConv blocks with squeeze-excitation, SiLU and
stochastic depth; V2-S/M/L also Fused-MBConv blocks), ``efficientnet_b0`` ... ``efficientnet_b7``,
``efficientnet_v2_s/m/l`` and their ``*_Weights`` enums;
keys ``features.<stage>.<block>.block.<j>...`` and ``classifier.1.weight`` as torchvision's.

The published weights expect BICUBIC resizing, which ``weights.transforms()`` uses.
"""
import copy
import math
from functools import partial
from typing import Any, Callable, List, Optional, Sequence

import minidl.nn.functional as F
from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import AdaptiveAvgPool2d, BatchNorm2d, Dropout, Linear, SiLU
from minidl.nn.module import Module

from .._ops_layers import StochasticDepth
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
from .mobilenetv2 import Conv2dNormActivation, _make_divisible, init_mobile_weights
from .mobilenetv3 import SqueezeExcitation

__all__ = ["EfficientNet", "MBConvConfig", "FusedMBConvConfig", "StochasticDepth",
           "efficientnet_b0", "efficientnet_b1", "efficientnet_b2",
           "efficientnet_b3", "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
           "EfficientNet_B0_Weights", "EfficientNet_B1_Weights", "EfficientNet_B2_Weights", "EfficientNet_B3_Weights",
           "EfficientNet_B4_Weights", "EfficientNet_B5_Weights", "EfficientNet_B6_Weights", "EfficientNet_B7_Weights",
           "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l", "EfficientNet_V2_S_Weights",
           "EfficientNet_V2_M_Weights", "EfficientNet_V2_L_Weights"]


class _MBConvConfig:
    """What every EfficientNet block config holds: ``expand_ratio``, ``kernel``, ``stride``,
    ``input_channels``, ``out_channels``, ``num_layers`` and the ``block`` class."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, block: Callable[..., Module]) -> None:
        self.expand_ratio = expand_ratio
        self.kernel = kernel
        self.stride = stride
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers
        self.block = block

    @staticmethod
    def adjust_channels(channels: int, width_mult: float, min_value: Optional[int] = None) -> int:
        """``channels * width_mult`` rounded to a multiple of 8."""
        return _make_divisible(channels * width_mult, 8, min_value)

    def __repr__(self) -> str:
        fields = ("expand_ratio", "kernel", "stride", "input_channels", "out_channels", "num_layers", "block")
        return f"{self.__class__.__name__}(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in fields) + ")"

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)


class MBConvConfig(_MBConvConfig):
    """One EfficientNet stage: ``num_layers`` MBConv blocks (scaled by ``depth_mult``, rounded
    up) of ``kernel`` size; channels scaled by ``width_mult`` and rounded to multiples of 8."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, width_mult: float = 1.0, depth_mult: float = 1.0,
                 block: Optional[Callable[..., Module]] = None) -> None:
        super().__init__(expand_ratio, kernel, stride, self.adjust_channels(input_channels, width_mult),
                         self.adjust_channels(out_channels, width_mult), self.adjust_depth(num_layers, depth_mult),
                         MBConv if block is None else block)

    @staticmethod
    def adjust_depth(num_layers: int, depth_mult: float) -> int:
        """``ceil(num_layers * depth_mult)``."""
        return int(math.ceil(num_layers * depth_mult))


class FusedMBConvConfig(_MBConvConfig):
    """One EfficientNetV2 stage of ``num_layers`` Fused-MBConv blocks (widths as given)."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, block: Optional[Callable[..., Module]] = None) -> None:
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                         FusedMBConv if block is None else block)


class MBConv(Module):
    """1x1 expand (SiLU), depthwise conv (SiLU), squeeze-excitation, 1x1 projection; with the
    residual connection the branch passes through stochastic depth before the add."""

    def __init__(self, cnf: MBConvConfig, stochastic_depth_prob: float, norm_layer: Callable[..., Module],
                 se_layer: Callable[..., Module] = SqueezeExcitation) -> None:
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        layers: List[Module] = []
        if expanded != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=SiLU))
        layers.append(Conv2dNormActivation(expanded, expanded, kernel_size=cnf.kernel, stride=cnf.stride,
                                           groups=expanded, norm_layer=norm_layer, activation_layer=SiLU))
        layers.append(se_layer(expanded, max(1, cnf.input_channels // 4), activation=partial(SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None))
        self.block = Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        """block(input), plus input (after stochastic depth) with the residual connection."""
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + input
        return result



class FusedMBConv(Module):
    """EfficientNetV2's Fused-MBConv: a full ``kernel`` conv (SiLU) expanding by ``expand_ratio`` then a
    1x1 projection, or a single ``kernel`` conv (SiLU) when nothing expands; with the residual
    connection the branch passes through stochastic depth before the add."""

    def __init__(self, cnf: FusedMBConvConfig, stochastic_depth_prob: float,
                 norm_layer: Callable[..., Module]) -> None:
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers: List[Module] = []
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=cnf.kernel,
                                               stride=cnf.stride, norm_layer=norm_layer, activation_layer=SiLU))
            layers.append(Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=None))
        else:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.out_channels, kernel_size=cnf.kernel,
                                               stride=cnf.stride, norm_layer=norm_layer, activation_layer=SiLU))
        self.block = Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        """block(input), plus input (after stochastic depth) with the residual connection."""
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + input
        return result


def _uniform_by_out_features(linear):
    """EfficientNet's classifier: weights U(-1/sqrt(out), 1/sqrt(out))."""
    bound = 1.0 / math.sqrt(linear.out_features)
    init.uniform_(linear.weight, -bound, bound)


class EfficientNet(Module):
    """EfficientNet (Tan & Le, 2019): ``features`` (SiLU stem conv, one Sequential of MBConv
    blocks per stage, 1x1 conv to 4x the last width), global average pool, ``classifier``
    (Dropout, Linear). Stochastic depth grows linearly to ``stochastic_depth_prob`` over the
    blocks. (N, 3, H, W) -> (N, num_classes)."""

    def __init__(self, inverted_residual_setting: List[MBConvConfig], dropout: float,
                 stochastic_depth_prob: float = 0.2, num_classes: int = 1000,
                 norm_layer: Optional[Callable[..., Module]] = None, last_channel: Optional[int] = None) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, Sequence)
                and all(isinstance(s, _MBConvConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        if norm_layer is None:
            norm_layer = BatchNorm2d
        layers: List[Module] = [Conv2dNormActivation(3, inverted_residual_setting[0].input_channels, kernel_size=3,
                                                     stride=2, norm_layer=norm_layer, activation_layer=SiLU)]
        total_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        block_id = 0
        for cnf in inverted_residual_setting:
            stage: List[Module] = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                sd_prob = stochastic_depth_prob * float(block_id) / total_blocks
                stage.append(block_cnf.block(block_cnf, sd_prob, norm_layer))
                block_id += 1
            layers.append(Sequential(*stage))
        last_in = inverted_residual_setting[-1].out_channels
        last_out = last_channel if last_channel is not None else 4 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=SiLU))
        self.features = Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.classifier = Sequential(Dropout(p=dropout, inplace=True), Linear(last_out, num_classes))
        init_mobile_weights(self, _uniform_by_out_features)

    def _forward_impl(self, x):
        return self.classifier(F.flatten(self.avgpool(self.features(x)), 1))

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        return self._forward_impl(x)


def _setting(width_mult: float, depth_mult: float) -> List[MBConvConfig]:
    c = partial(MBConvConfig, width_mult=width_mult, depth_mult=depth_mult)
    return [c(1, 3, 1, 32, 16, 1), c(6, 3, 2, 16, 24, 2), c(6, 5, 2, 24, 40, 2), c(6, 3, 2, 40, 80, 3),
            c(6, 5, 1, 80, 112, 3), c(6, 5, 2, 112, 192, 4), c(6, 3, 1, 192, 320, 1)]


def _efficientnet(weights_enum, name, width_mult, depth_mult, dropout, weights, progress, kwargs,
                  norm_layer=None) -> EfficientNet:
    weights = resolve_weights(weights_enum, weights, name)
    enum_kwargs(weights, kwargs)
    if norm_layer is not None:
        kwargs.setdefault("norm_layer", norm_layer)
    model = EfficientNet(_setting(width_mult, depth_mult), kwargs.pop("dropout", dropout), last_channel=None,
                         **kwargs)
    return load_weights(model, weights, progress)


def _w(file, n, crop, resize, acc1, acc5, interpolation=InterpolationMode.BICUBIC):
    return classification_weights(file, n, (1, 1), acc1, acc5, resize_size=resize, crop_size=crop,
                                  recipe="https://github.com/pytorch/vision/tree/main/references/classification"
                                         "#efficientnet-v1", interpolation=interpolation)


class EfficientNet_B0_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_b0` (ported from timm)."""

    IMAGENET1K_V1 = _w("efficientnet_b0_rwightman-7f5810bc.pth", 5288548, 224, 256, 77.692, 93.532)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B1_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_b1` (V2: torchvision's recipe, BILINEAR resize 255)."""

    IMAGENET1K_V1 = _w("efficientnet_b1_rwightman-bac287d4.pth", 7794184, 240, 256, 78.642, 94.186)
    IMAGENET1K_V2 = _w("efficientnet_b1-c27df63c.pth", 7794184, 240, 255, 79.838, 94.934,
                       InterpolationMode.BILINEAR)
    DEFAULT = IMAGENET1K_V2


class EfficientNet_B2_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_b2`."""

    IMAGENET1K_V1 = _w("efficientnet_b2_rwightman-c35c1473.pth", 9109994, 288, 288, 80.608, 95.310)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B3_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_b3`."""

    IMAGENET1K_V1 = _w("efficientnet_b3_rwightman-b3899882.pth", 12233232, 300, 320, 82.008, 96.054)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B4_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_b4`."""

    IMAGENET1K_V1 = _w("efficientnet_b4_rwightman-23ab8bcd.pth", 19341616, 380, 384, 83.384, 96.594)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B5_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_b5` (ported from lukemelas' EfficientNet-PyTorch)."""

    IMAGENET1K_V1 = _w("efficientnet_b5_lukemelas-1a07897c.pth", 30389784, 456, 456, 83.444, 96.628)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B6_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_b6`."""

    IMAGENET1K_V1 = _w("efficientnet_b6_lukemelas-24a108a5.pth", 43040704, 528, 528, 84.008, 96.916)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B7_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_b7`."""

    IMAGENET1K_V1 = _w("efficientnet_b7_lukemelas-c5b4e57e.pth", 66347960, 600, 600, 84.122, 96.908)
    DEFAULT = IMAGENET1K_V1


_BN_B5_B7 = partial(BatchNorm2d, eps=0.001, momentum=0.01)


@register_model(EfficientNet_B0_Weights)
@handle_legacy_interface(EfficientNet_B0_Weights.IMAGENET1K_V1)
def efficientnet_b0(*, weights: Optional[EfficientNet_B0_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B0 (5,288,548 parameters; dropout 0.2); ``**kwargs`` go to :class:`EfficientNet`."""
    return _efficientnet(EfficientNet_B0_Weights, "efficientnet_b0", 1.0, 1.0, 0.2, weights, progress, kwargs)


@register_model(EfficientNet_B1_Weights)
@handle_legacy_interface(EfficientNet_B1_Weights.IMAGENET1K_V1)
def efficientnet_b1(*, weights: Optional[EfficientNet_B1_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B1 (7,794,184 parameters; width 1.0, depth 1.1, dropout 0.2)."""
    return _efficientnet(EfficientNet_B1_Weights, "efficientnet_b1", 1.0, 1.1, 0.2, weights, progress, kwargs)


@register_model(EfficientNet_B2_Weights)
@handle_legacy_interface(EfficientNet_B2_Weights.IMAGENET1K_V1)
def efficientnet_b2(*, weights: Optional[EfficientNet_B2_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B2 (9,109,994 parameters; width 1.1, depth 1.2, dropout 0.3)."""
    return _efficientnet(EfficientNet_B2_Weights, "efficientnet_b2", 1.1, 1.2, 0.3, weights, progress, kwargs)


@register_model(EfficientNet_B3_Weights)
@handle_legacy_interface(EfficientNet_B3_Weights.IMAGENET1K_V1)
def efficientnet_b3(*, weights: Optional[EfficientNet_B3_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B3 (12,233,232 parameters; width 1.2, depth 1.4, dropout 0.3)."""
    return _efficientnet(EfficientNet_B3_Weights, "efficientnet_b3", 1.2, 1.4, 0.3, weights, progress, kwargs)


@register_model(EfficientNet_B4_Weights)
@handle_legacy_interface(EfficientNet_B4_Weights.IMAGENET1K_V1)
def efficientnet_b4(*, weights: Optional[EfficientNet_B4_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B4 (19,341,616 parameters; width 1.4, depth 1.8, dropout 0.4)."""
    return _efficientnet(EfficientNet_B4_Weights, "efficientnet_b4", 1.4, 1.8, 0.4, weights, progress, kwargs)


@register_model(EfficientNet_B5_Weights)
@handle_legacy_interface(EfficientNet_B5_Weights.IMAGENET1K_V1)
def efficientnet_b5(*, weights: Optional[EfficientNet_B5_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B5 (30,389,784 parameters; width 1.6, depth 2.2, dropout 0.4; BN eps 0.001)."""
    return _efficientnet(EfficientNet_B5_Weights, "efficientnet_b5", 1.6, 2.2, 0.4, weights, progress, kwargs,
                         _BN_B5_B7)


@register_model(EfficientNet_B6_Weights)
@handle_legacy_interface(EfficientNet_B6_Weights.IMAGENET1K_V1)
def efficientnet_b6(*, weights: Optional[EfficientNet_B6_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B6 (43,040,704 parameters; width 1.8, depth 2.6, dropout 0.5; BN eps 0.001)."""
    return _efficientnet(EfficientNet_B6_Weights, "efficientnet_b6", 1.8, 2.6, 0.5, weights, progress, kwargs,
                         _BN_B5_B7)


@register_model(EfficientNet_B7_Weights)
@handle_legacy_interface(EfficientNet_B7_Weights.IMAGENET1K_V1)
def efficientnet_b7(*, weights: Optional[EfficientNet_B7_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B7 (66,347,960 parameters; width 2.0, depth 3.1, dropout 0.5; BN eps 0.001)."""
    return _efficientnet(EfficientNet_B7_Weights, "efficientnet_b7", 2.0, 3.1, 0.5, weights, progress, kwargs,
                         _BN_B5_B7)


def _v2_setting(arch: str):
    f, m = FusedMBConvConfig, MBConvConfig
    if arch == "efficientnet_v2_s":
        return [f(1, 3, 1, 24, 24, 2), f(4, 3, 2, 24, 48, 4), f(4, 3, 2, 48, 64, 4), m(4, 3, 2, 64, 128, 6),
                m(6, 3, 1, 128, 160, 9), m(6, 3, 2, 160, 256, 15)]
    if arch == "efficientnet_v2_m":
        return [f(1, 3, 1, 24, 24, 3), f(4, 3, 2, 24, 48, 5), f(4, 3, 2, 48, 80, 5), m(4, 3, 2, 80, 160, 7),
                m(6, 3, 1, 160, 176, 14), m(6, 3, 2, 176, 304, 18), m(6, 3, 1, 304, 512, 5)]
    return [f(1, 3, 1, 32, 32, 4), f(4, 3, 2, 32, 64, 7), f(4, 3, 2, 64, 96, 7), m(4, 3, 2, 96, 192, 10),
            m(6, 3, 1, 192, 224, 19), m(6, 3, 2, 224, 384, 25), m(6, 3, 1, 384, 640, 7)]


def _v2(file, num_params, size, acc1, acc5, **transform_kwargs):
    return classification_weights(file, num_params, (33, 33), acc1, acc5, resize_size=size, crop_size=size,
                                  recipe="https://github.com/pytorch/vision/tree/main/references/classification"
                                         "#efficientnet-v2", **transform_kwargs)


class EfficientNet_V2_S_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_v2_s` (384 px)."""

    IMAGENET1K_V1 = _v2("efficientnet_v2_s-dd5fe13b.pth", 21458488, 384, 84.228, 96.878)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_V2_M_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_v2_m` (480 px)."""

    IMAGENET1K_V1 = _v2("efficientnet_v2_m-dc08266a.pth", 54139356, 480, 85.112, 97.156)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_V2_L_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`efficientnet_v2_l` (ported from google/automl; 480 px, BICUBIC,
    mean = std = 0.5)."""

    IMAGENET1K_V1 = _v2("efficientnet_v2_l-59c71312.pth", 118515272, 480, 85.808, 97.788,
                        interpolation=InterpolationMode.BICUBIC, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
    DEFAULT = IMAGENET1K_V1


def _efficientnet_v2(weights_enum, name, dropout, weights, progress, kwargs) -> EfficientNet:
    weights = resolve_weights(weights_enum, weights, name)
    enum_kwargs(weights, kwargs)
    kwargs.setdefault("norm_layer", partial(BatchNorm2d, eps=1e-03))
    model = EfficientNet(_v2_setting(name), kwargs.pop("dropout", dropout), last_channel=1280, **kwargs)
    return load_weights(model, weights, progress)


@register_model(EfficientNet_V2_S_Weights)
@handle_legacy_interface(EfficientNet_V2_S_Weights.IMAGENET1K_V1)
def efficientnet_v2_s(*, weights: Optional[EfficientNet_V2_S_Weights] = None, progress: bool = True,
                      **kwargs: Any) -> EfficientNet:
    """EfficientNetV2-S (21,458,488 parameters; dropout 0.2; BN eps 0.001); ``**kwargs`` go to
    :class:`EfficientNet`."""
    return _efficientnet_v2(EfficientNet_V2_S_Weights, "efficientnet_v2_s", 0.2, weights, progress, kwargs)


@register_model(EfficientNet_V2_M_Weights)
@handle_legacy_interface(EfficientNet_V2_M_Weights.IMAGENET1K_V1)
def efficientnet_v2_m(*, weights: Optional[EfficientNet_V2_M_Weights] = None, progress: bool = True,
                      **kwargs: Any) -> EfficientNet:
    """EfficientNetV2-M (54,139,356 parameters; dropout 0.3; BN eps 0.001)."""
    return _efficientnet_v2(EfficientNet_V2_M_Weights, "efficientnet_v2_m", 0.3, weights, progress, kwargs)


@register_model(EfficientNet_V2_L_Weights)
@handle_legacy_interface(EfficientNet_V2_L_Weights.IMAGENET1K_V1)
def efficientnet_v2_l(*, weights: Optional[EfficientNet_V2_L_Weights] = None, progress: bool = True,
                      **kwargs: Any) -> EfficientNet:
    """EfficientNetV2-L (118,515,272 parameters; dropout 0.4; BN eps 0.001)."""
    return _efficientnet_v2(EfficientNet_V2_L_Weights, "efficientnet_v2_l", 0.4, weights, progress, kwargs)
