"""torchvision's ``DenseNet``, ``densenet121/161/169/201`` and their ``*_Weights`` enums; keys
``features.denseblock1.denselayer1.norm1.weight``, ``features.transition1.conv.weight``, ...,
``classifier.weight`` as torchvision's (old-style ``norm.1`` keys of the published
checkpoints are renamed on load, as torchvision does)."""
import re
from collections import OrderedDict
from typing import Any, Optional, Tuple

import minidl.nn.functional as F
from minidl.nn import init
from minidl.nn.containers import ModuleDict, Sequential
from minidl.nn.layers import AvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, ReLU
from minidl.nn.module import Module
from minidl.ops.shape import cat

from ._api import (
    WeightsEnum,
    classification_weights,
    enum_kwargs,
    handle_legacy_interface,
    load_weights,
    register_model,
    resolve_weights,
)

__all__ = ["DenseNet", "DenseNet121_Weights", "DenseNet161_Weights", "DenseNet169_Weights", "DenseNet201_Weights",
           "densenet121", "densenet161", "densenet169", "densenet201"]

_OLD_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


class _DenseLayer(Module):
    """BN-ReLU-1x1 conv (``bn_size * growth_rate``) then BN-ReLU-3x3 conv (``growth_rate``) on the
    concatenation of every earlier feature map: list of (N, C_i, H, W) -> (N, growth_rate, H, W)."""

    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int, drop_rate: float,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        self.norm1 = BatchNorm2d(num_input_features)
        self.relu1 = ReLU(inplace=True)
        self.conv1 = Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = BatchNorm2d(bn_size * growth_rate)
        self.relu2 = ReLU(inplace=True)
        self.conv2 = Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient

    def forward(self, input):
        """A Tensor or a list of Tensors (concatenated on channels) -> the new features."""
        prev = [input] if not isinstance(input, (list, tuple)) else list(input)
        concated = cat(prev, 1) if len(prev) > 1 else prev[0]
        out = self.conv1(self.relu1(self.norm1(concated)))
        out = self.conv2(self.relu2(self.norm2(out)))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return out


class _DenseBlock(ModuleDict):
    """``num_layers`` dense layers (``denselayer1``...), each fed every earlier output:
    (N, C, H, W) -> (N, C + num_layers * growth_rate, H, W)."""

    _version = 2

    def __init__(self, num_layers: int, num_input_features: int, bn_size: int, growth_rate: int,
                 drop_rate: float, memory_efficient: bool = False) -> None:
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}", _DenseLayer(num_input_features + i * growth_rate, growth_rate,
                                                              bn_size, drop_rate, memory_efficient))

    def forward(self, init_features):
        """Run every layer on all the maps so far; return their concatenation."""
        features = [init_features]
        for _, layer in self.items():
            features.append(layer(features))
        return cat(features, 1)


class _Transition(Sequential):
    """BN, ReLU, 1x1 conv, 2x2 average pool: (N, C_in, H, W) -> (N, C_out, H/2, W/2)."""

    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.norm = BatchNorm2d(num_input_features)
        self.relu = ReLU(inplace=True)
        self.conv = Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = AvgPool2d(kernel_size=2, stride=2)


class DenseNet(Module):
    """DenseNet-BC (Huang et al., 2017): ``features`` (conv0 7x7/2, norm0, relu0, pool0, dense
    blocks with transitions halving the channels, norm5), ReLU, global average pool and
    ``classifier``. (N, 3, H, W), H, W >= 29 -> (N, num_classes)."""

    def __init__(self, growth_rate: int = 32, block_config: Tuple[int, int, int, int] = (6, 12, 24, 16),
                 num_init_features: int = 64, bn_size: int = 4, drop_rate: float = 0, num_classes: int = 1000,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        self.features = Sequential(OrderedDict([
            ("conv0", Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ("norm0", BatchNorm2d(num_init_features)),
            ("relu0", ReLU(inplace=True)),
            ("pool0", MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = _DenseBlock(num_layers, num_features, bn_size, growth_rate, drop_rate, memory_efficient)
            self.features.add_module(f"denseblock{i + 1}", block)
            num_features = num_features + num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", _Transition(num_features, num_features // 2))
                num_features = num_features // 2
        self.features.add_module("norm5", BatchNorm2d(num_features))
        self.classifier = Linear(num_features, num_classes)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight)
            elif isinstance(m, BatchNorm2d):
                init.constant_(m.weight, 1)
                init.constant_(m.bias, 0)
            elif isinstance(m, Linear):
                init.constant_(m.bias, 0)

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        out = F.relu(self.features(x))
        out = F.adaptive_avg_pool2d(out, (1, 1))
        return self.classifier(F.flatten(out, 1))


def _renamed(state) -> dict:
    """``...denselayer1.norm.1.weight`` (the published files) -> ``...denselayer1.norm1.weight``."""
    out = OrderedDict()
    for key, value in state.items():
        match = _OLD_KEY.match(key)
        out[match.group(1) + match.group(2) if match else key] = value
    return out


def _w(file, n, acc1, acc5):
    return classification_weights(file, n, (29, 29), acc1, acc5, recipe="https://github.com/pytorch/vision/pull/116")


class DenseNet121_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`densenet121`."""

    IMAGENET1K_V1 = _w("densenet121-a639ec97.pth", 7978856, 74.434, 91.972)
    DEFAULT = IMAGENET1K_V1


class DenseNet161_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`densenet161`."""

    IMAGENET1K_V1 = _w("densenet161-8d451a50.pth", 28681000, 77.138, 93.560)
    DEFAULT = IMAGENET1K_V1


class DenseNet169_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`densenet169`."""

    IMAGENET1K_V1 = _w("densenet169-b2777c0a.pth", 14149480, 75.600, 92.806)
    DEFAULT = IMAGENET1K_V1


class DenseNet201_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`densenet201`."""

    IMAGENET1K_V1 = _w("densenet201-c1103571.pth", 20013928, 76.896, 93.370)
    DEFAULT = IMAGENET1K_V1


def _densenet(growth_rate, block_config, num_init_features, weights, progress, **kwargs) -> DenseNet:
    enum_kwargs(weights, kwargs)
    if isinstance(weights, WeightsEnum):  # torchvision renames the keys of its files in the builder too
        weights = ("local", weights.get_state_dict(progress=progress, check_hash=True))
    if isinstance(weights, tuple):
        weights = ("local", _renamed(weights[1]))
    return load_weights(DenseNet(growth_rate, block_config, num_init_features, **kwargs), weights, progress)


@register_model(DenseNet121_Weights)
@handle_legacy_interface(DenseNet121_Weights.IMAGENET1K_V1)
def densenet121(*, weights: Optional[DenseNet121_Weights] = None, progress: bool = True,
                **kwargs: Any) -> DenseNet:
    """DenseNet-121 (7,978,856 parameters; growth 32, blocks (6, 12, 24, 16), 64 initial features)."""
    return _densenet(32, (6, 12, 24, 16), 64, resolve_weights(DenseNet121_Weights, weights, "densenet121"),
                     progress, **kwargs)


@register_model(DenseNet161_Weights)
@handle_legacy_interface(DenseNet161_Weights.IMAGENET1K_V1)
def densenet161(*, weights: Optional[DenseNet161_Weights] = None, progress: bool = True,
                **kwargs: Any) -> DenseNet:
    """DenseNet-161 (28,681,000 parameters; growth 48, blocks (6, 12, 36, 24), 96 initial features)."""
    return _densenet(48, (6, 12, 36, 24), 96, resolve_weights(DenseNet161_Weights, weights, "densenet161"),
                     progress, **kwargs)


@register_model(DenseNet169_Weights)
@handle_legacy_interface(DenseNet169_Weights.IMAGENET1K_V1)
def densenet169(*, weights: Optional[DenseNet169_Weights] = None, progress: bool = True,
                **kwargs: Any) -> DenseNet:
    """DenseNet-169 (14,149,480 parameters; growth 32, blocks (6, 12, 32, 32))."""
    return _densenet(32, (6, 12, 32, 32), 64, resolve_weights(DenseNet169_Weights, weights, "densenet169"),
                     progress, **kwargs)


@register_model(DenseNet201_Weights)
@handle_legacy_interface(DenseNet201_Weights.IMAGENET1K_V1)
def densenet201(*, weights: Optional[DenseNet201_Weights] = None, progress: bool = True,
                **kwargs: Any) -> DenseNet:
    """DenseNet-201 (20,013,928 parameters; growth 32, blocks (6, 12, 48, 32))."""
    return _densenet(32, (6, 12, 48, 32), 64, resolve_weights(DenseNet201_Weights, weights, "densenet201"),
                     progress, **kwargs)
