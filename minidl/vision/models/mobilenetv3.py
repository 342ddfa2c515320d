"""torchvision's ``MobileNetV3`` (large and small: inverted residuals with squeeze-and-excitation
and hard-swish), ``mobilenet_v3_large``/``mobilenet_v3_small`` and their ``*_Weights`` enums;
keys ``features.<i>.block.<j>...``, ``classifier.{0,3}.weight`` as torchvision's."""
from functools import partial
from typing import Any, Callable, List, Optional, Sequence

import minidl.nn.functional as F
from minidl.nn.containers import Sequential
from minidl.nn.layers import (
                   AdaptiveAvgPool2d,
                   BatchNorm2d,
                   Conv2d,
                   Dropout,
                   Hardsigmoid,
                   Hardswish,
                   Linear,
                   ReLU,
                   Sigmoid,
)
from minidl.nn.module import Module

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

__all__ = ["MobileNetV3", "MobileNet_V3_Large_Weights", "MobileNet_V3_Small_Weights", "mobilenet_v3_large",
           "mobilenet_v3_small", "SqueezeExcitation", "InvertedResidualConfig"]


class SqueezeExcitation(Module):
    """torchvision.ops' squeeze-and-excitation: global average pool, 1x1 conv ``fc1``,
    ``activation``, 1x1 conv ``fc2``, ``scale_activation``; the input is scaled channel-wise.
    (N, C, H, W) -> (N, C, H, W)."""

    def __init__(self, input_channels: int, squeeze_channels: int, activation: Callable[..., Module] = ReLU,
                 scale_activation: Callable[..., Module] = Sigmoid) -> None:
        super().__init__()
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc1 = Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, input):
        """input * scale_activation(fc2(activation(fc1(avgpool(input)))))."""
        scale = self.fc2(self.activation(self.fc1(self.avgpool(input))))
        return self.scale_activation(scale) * input


class InvertedResidualConfig:
    """One MobileNetV3 block's settings; channel counts are scaled by ``width_mult`` and
    rounded to multiples of 8; ``activation`` is "RE" (ReLU) or "HS" (hard-swish)."""

    def __init__(self, input_channels: int, kernel: int, expanded_channels: int, out_channels: int, use_se: bool,
                 activation: str, stride: int, dilation: int, width_mult: float) -> None:
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.kernel = kernel
        self.expanded_channels = self.adjust_channels(expanded_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.use_se = use_se
        self.use_hs = activation == "HS"
        self.stride = stride
        self.dilation = dilation

    @staticmethod
    def adjust_channels(channels: int, width_mult: float) -> int:
        """``channels * width_mult`` rounded to a multiple of 8."""
        return _make_divisible(channels * width_mult, 8)


class InvertedResidual(Module):
    """1x1 expand, depthwise ``kernel`` conv, optional squeeze-excitation, 1x1 projection; the
    input is added back at stride 1 with equal widths."""

    def __init__(self, cnf: InvertedResidualConfig, norm_layer: Callable[..., Module],
                 se_layer: Callable[..., Module] = partial(SqueezeExcitation, scale_activation=Hardsigmoid)) -> None:
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        activation_layer = Hardswish if cnf.use_hs else ReLU
        layers: List[Module] = []
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.expanded_channels, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=activation_layer))
        stride = 1 if cnf.dilation > 1 else cnf.stride
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.expanded_channels, kernel_size=cnf.kernel,
                                           stride=stride, dilation=cnf.dilation, groups=cnf.expanded_channels,
                                           norm_layer=norm_layer, activation_layer=activation_layer))
        if cnf.use_se:
            layers.append(se_layer(cnf.expanded_channels, _make_divisible(cnf.expanded_channels // 4, 8)))
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self.block = Sequential(*layers)
        self.out_channels = cnf.out_channels
        self._is_cn = cnf.stride > 1

    def forward(self, input):
        """block(input) (+ input with the residual connection)."""
        result = self.block(input)
        return result + input if self.use_res_connect else result


class MobileNetV3(Module):
    """MobileNet V3 (Howard et al., 2019): ``features`` (hard-swish stem, the blocks of
    ``inverted_residual_setting``, 1x1 conv to 6x the last width), global average pool and
    ``classifier`` (Linear to ``last_channel``, Hardswish, Dropout, Linear).
    (N, 3, H, W) -> (N, num_classes). BatchNorm uses eps=0.001, momentum=0.01."""

    def __init__(self, inverted_residual_setting: List[InvertedResidualConfig], last_channel: int,
                 num_classes: int = 1000, block: Optional[Callable[..., Module]] = None,
                 norm_layer: Optional[Callable[..., Module]] = None, dropout: float = 0.2, **kwargs: Any) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, Sequence)
                and all(isinstance(s, InvertedResidualConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[InvertedResidualConfig]")
        if block is None:
            block = InvertedResidual
        if norm_layer is None:
            norm_layer = partial(BatchNorm2d, eps=0.001, momentum=0.01)
        first = inverted_residual_setting[0].input_channels
        layers: List[Module] = [Conv2dNormActivation(3, first, kernel_size=3, stride=2, norm_layer=norm_layer,
                                                     activation_layer=Hardswish)]
        layers += [block(cnf, norm_layer) for cnf in inverted_residual_setting]
        last_in = inverted_residual_setting[-1].out_channels
        last_out = 6 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=Hardswish))
        self.features = Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.classifier = Sequential(Linear(last_out, last_channel), Hardswish(inplace=True),
                                     Dropout(p=dropout, inplace=True), Linear(last_channel, num_classes))
        init_mobile_weights(self)

    def _forward_impl(self, x):
        return self.classifier(F.flatten(self.avgpool(self.features(x)), 1))

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        return self._forward_impl(x)


def _mobilenet_v3_conf(arch: str, width_mult: float = 1.0, reduced_tail: bool = False, dilated: bool = False,
                       **kwargs: Any):
    """The block settings and last width of ``arch`` ("mobilenet_v3_large" or "_small")."""
    div = 2 if reduced_tail else 1
    dil = 2 if dilated else 1
    c = partial(InvertedResidualConfig, width_mult=width_mult)
    if arch == "mobilenet_v3_large":
        setting = [c(16, 3, 16, 16, False, "RE", 1, 1), c(16, 3, 64, 24, False, "RE", 2, 1),
                   c(24, 3, 72, 24, False, "RE", 1, 1), c(24, 5, 72, 40, True, "RE", 2, 1),
                   c(40, 5, 120, 40, True, "RE", 1, 1), c(40, 5, 120, 40, True, "RE", 1, 1),
                   c(40, 3, 240, 80, False, "HS", 2, 1), c(80, 3, 200, 80, False, "HS", 1, 1),
                   c(80, 3, 184, 80, False, "HS", 1, 1), c(80, 3, 184, 80, False, "HS", 1, 1),
                   c(80, 3, 480, 112, True, "HS", 1, 1), c(112, 3, 672, 112, True, "HS", 1, 1),
                   c(112, 5, 672, 160 // div, True, "HS", 2, dil),
                   c(160 // div, 5, 960 // div, 160 // div, True, "HS", 1, dil),
                   c(160 // div, 5, 960 // div, 160 // div, True, "HS", 1, dil)]
        last_channel = InvertedResidualConfig.adjust_channels(1280 // div, width_mult)
    elif arch == "mobilenet_v3_small":
        setting = [c(16, 3, 16, 16, True, "RE", 2, 1), c(16, 3, 72, 24, False, "RE", 2, 1),
                   c(24, 3, 88, 24, False, "RE", 1, 1), c(24, 5, 96, 40, True, "HS", 2, 1),
                   c(40, 5, 240, 40, True, "HS", 1, 1), c(40, 5, 240, 40, True, "HS", 1, 1),
                   c(40, 5, 120, 48, True, "HS", 1, 1), c(48, 5, 144, 48, True, "HS", 1, 1),
                   c(48, 5, 288, 96 // div, True, "HS", 2, dil),
                   c(96 // div, 5, 576 // div, 96 // div, True, "HS", 1, dil),
                   c(96 // div, 5, 576 // div, 96 // div, True, "HS", 1, dil)]
        last_channel = InvertedResidualConfig.adjust_channels(1024 // div, width_mult)
    else:
        raise ValueError(f"Unsupported model type {arch}")
    return setting, last_channel


class MobileNet_V3_Large_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`mobilenet_v3_large` (V2: newer recipe, resize 232)."""

    IMAGENET1K_V1 = classification_weights(
        "mobilenet_v3_large-8738ca79.pth", 5483032, (1, 1), 74.042, 91.340,
        recipe="https://github.com/pytorch/vision/tree/main/references/classification#mobilenetv3-large--small")
    IMAGENET1K_V2 = classification_weights(
        "mobilenet_v3_large-5c1a4163.pth", 5483032, (1, 1), 75.274, 92.566, resize_size=232,
        recipe="https://github.com/pytorch/vision/issues/3995#new-recipe-with-reg-tuning")
    DEFAULT = IMAGENET1K_V2


class MobileNet_V3_Small_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`mobilenet_v3_small`."""

    IMAGENET1K_V1 = classification_weights(
        "mobilenet_v3_small-047dcff4.pth", 2542856, (1, 1), 67.668, 87.402,
        recipe="https://github.com/pytorch/vision/tree/main/references/classification#mobilenetv3-large--small")
    DEFAULT = IMAGENET1K_V1


def _mobilenet_v3(arch, weights, progress, **kwargs) -> MobileNetV3:
    setting, last_channel = _mobilenet_v3_conf(arch, **kwargs)
    enum_kwargs(weights, kwargs)
    return load_weights(MobileNetV3(setting, last_channel, **kwargs), weights, progress)


@register_model(MobileNet_V3_Large_Weights)
@handle_legacy_interface(MobileNet_V3_Large_Weights.IMAGENET1K_V1)
def mobilenet_v3_large(*, weights: Optional[MobileNet_V3_Large_Weights] = None, progress: bool = True,
                       **kwargs: Any) -> MobileNetV3:
    """MobileNet V3 large (5,483,032 parameters); ``**kwargs``: ``num_classes``, ``width_mult``,
    ``reduced_tail``, ``dilated``, ``dropout``, ..."""
    weights = resolve_weights(MobileNet_V3_Large_Weights, weights, "mobilenet_v3_large")
    return _mobilenet_v3("mobilenet_v3_large", weights, progress, **kwargs)


@register_model(MobileNet_V3_Small_Weights)
@handle_legacy_interface(MobileNet_V3_Small_Weights.IMAGENET1K_V1)
def mobilenet_v3_small(*, weights: Optional[MobileNet_V3_Small_Weights] = None, progress: bool = True,
                       **kwargs: Any) -> MobileNetV3:
    """MobileNet V3 small (2,542,856 parameters); arguments as :func:`mobilenet_v3_large`."""
    weights = resolve_weights(MobileNet_V3_Small_Weights, weights, "mobilenet_v3_small")
    return _mobilenet_v3("mobilenet_v3_small", weights, progress, **kwargs)
