"""torchvision's ``MobileNetV2`` (inverted residuals, ReLU6), ``mobilenet_v2`` and
``MobileNet_V2_Weights``; keys ``features.0.0.weight``, ``features.1.conv.0.0.weight``, ...,
``classifier.1.weight`` as torchvision's."""
from typing import Any, Callable, List, Optional

import minidl.nn.functional as F
from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import BatchNorm2d, Conv2d, Dropout, GroupNorm, Linear, ReLU, ReLU6
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

__all__ = ["MobileNetV2", "MobileNet_V2_Weights", "mobilenet_v2", "Conv2dNormActivation"]


def _make_divisible(v: float, divisor: int, min_value: Optional[int] = None) -> int:
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``), never below 90% of v."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def init_mobile_weights(model: Module, linear_init: Optional[Callable] = None) -> None:
    """torchvision's initialisation of the mobile nets (MobileNetV2/V3, EfficientNet): convolutions
    Kaiming-normal (fan_out), norms to 1 and 0, linear biases 0 and linear weights N(0, 0.01), or
    ``linear_init(m)`` when given."""
    for m in model.modules():
        if isinstance(m, Conv2d):
            init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                init.zeros_(m.bias)
        elif isinstance(m, (BatchNorm2d, GroupNorm)):
            init.ones_(m.weight)
            init.zeros_(m.bias)
        elif isinstance(m, Linear):
            if linear_init is None:
                init.normal_(m.weight, 0, 0.01)
            else:
                linear_init(m)
            init.zeros_(m.bias)


class Conv2dNormActivation(Sequential):
    """torchvision.ops' Conv2d -> norm -> activation block (children ``0``, ``1``, ``2``); the
    padding keeps the size at stride 1; the conv has a bias only without a norm layer."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: Optional[int] = None, groups: int = 1,
                 norm_layer: Optional[Callable[..., Module]] = BatchNorm2d,
                 activation_layer: Optional[Callable[..., Module]] = ReLU, dilation: int = 1,
                 inplace: Optional[bool] = True, bias: Optional[bool] = None) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers = [Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                         groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer() if inplace is None else activation_layer(inplace=inplace))
        super().__init__(*layers)
        self.out_channels = out_channels


class InvertedResidual(Module):
    """1x1 expand (unless ``expand_ratio`` is 1), 3x3 depthwise (``stride``), 1x1 linear
    projection; the input is added back when stride is 1 and the widths match.
    (N, inp, H, W) -> (N, oup, ceil(H/stride), ceil(W/stride))."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int,
                 norm_layer: Optional[Callable[..., Module]] = None) -> None:
        super().__init__()
        self.stride = stride
        if stride not in [1, 2]:
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        if norm_layer is None:
            norm_layer = BatchNorm2d
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup
        layers: List[Module] = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=ReLU6))
        layers.extend([
            Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim, norm_layer=norm_layer,
                                 activation_layer=ReLU6),
            Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ])
        self.conv = Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x):
        """x + conv(x) with the residual connection, else conv(x)."""
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(Module):
    """MobileNet V2 (Sandler et al., 2018): ``features`` (stem conv, 17 inverted residuals,
    1x1 conv to ``last_channel``), global average pool, ``classifier`` (Dropout, Linear).
    (N, 3, H, W) -> (N, num_classes)."""

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0,
                 inverted_residual_setting: Optional[List[List[int]]] = None, round_nearest: int = 8,
                 block: Optional[Callable[..., Module]] = None, norm_layer: Optional[Callable[..., Module]] = None,
                 dropout: float = 0.2) -> None:
        super().__init__()
        if block is None:
            block = InvertedResidual
        if norm_layer is None:
            norm_layer = BatchNorm2d
        input_channel, last_channel = 32, 1280
        if inverted_residual_setting is None:
            inverted_residual_setting = [  # expansion t, channels c, repeats n, first stride s
                [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                [6, 320, 1, 1],
            ]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError("inverted_residual_setting should be non-empty or a 4-element list, got "
                             f"{inverted_residual_setting}")
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features: List[Module] = [Conv2dNormActivation(3, input_channel, stride=2, norm_layer=norm_layer,
                                                       activation_layer=ReLU6)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(block(input_channel, output_channel, s if i == 0 else 1, expand_ratio=t,
                                      norm_layer=norm_layer))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1, norm_layer=norm_layer,
                                             activation_layer=ReLU6))
        self.features = Sequential(*features)
        self.classifier = Sequential(Dropout(p=dropout), Linear(self.last_channel, num_classes))
        init_mobile_weights(self)

    def _forward_impl(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(F.flatten(x, 1))

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        return self._forward_impl(x)


class MobileNet_V2_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`mobilenet_v2` (V2: newer recipe, resize 232)."""

    IMAGENET1K_V1 = classification_weights(
        "mobilenet_v2-b0353104.pth", 3504872, (1, 1), 71.878, 90.286,
        recipe="https://github.com/pytorch/vision/tree/main/references/classification#mobilenetv2")
    IMAGENET1K_V2 = classification_weights(
        "mobilenet_v2-7ebf99e0.pth", 3504872, (1, 1), 72.154, 90.822, resize_size=232,
        recipe="https://github.com/pytorch/vision/issues/3995#new-recipe-with-reg-tuning")
    DEFAULT = IMAGENET1K_V2


@register_model(MobileNet_V2_Weights)
@handle_legacy_interface(MobileNet_V2_Weights.IMAGENET1K_V1)
def mobilenet_v2(*, weights: Optional[MobileNet_V2_Weights] = None, progress: bool = True,
                 **kwargs: Any) -> MobileNetV2:
    """MobileNet V2 (3,504,872 parameters); ``**kwargs`` go to :class:`MobileNetV2`
    (``num_classes``, ``width_mult``, ``dropout``, ...)."""
    weights = resolve_weights(MobileNet_V2_Weights, weights, "mobilenet_v2")
    enum_kwargs(weights, kwargs)
    return load_weights(MobileNetV2(**kwargs), weights, progress)
