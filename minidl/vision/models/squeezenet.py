"""torchvision's ``SqueezeNet`` (1.0 and 1.1), ``squeezenet1_0``/``squeezenet1_1`` and their weights."""
from typing import Any, Optional

import minidl.nn.functional as F
from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import AdaptiveAvgPool2d, Conv2d, Dropout, MaxPool2d, ReLU
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

__all__ = ["SqueezeNet", "Fire", "SqueezeNet1_0_Weights", "SqueezeNet1_1_Weights", "squeezenet1_0",
           "squeezenet1_1"]


class Fire(Module):
    """1x1 ``squeeze`` then parallel 1x1 and 3x3 ``expand`` convs (each + ReLU), concatenated:
    (N, inplanes, H, W) -> (N, expand1x1_planes + expand3x3_planes, H, W)."""

    def __init__(self, inplanes: int, squeeze_planes: int, expand1x1_planes: int, expand3x3_planes: int) -> None:
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = ReLU(inplace=True)
        self.expand1x1 = Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = ReLU(inplace=True)
        self.expand3x3 = Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = ReLU(inplace=True)

    def forward(self, x):
        """cat(relu(expand1x1(s)), relu(expand3x3(s))) with s = relu(squeeze(x))."""
        x = self.squeeze_activation(self.squeeze(x))
        return cat([self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1)


class SqueezeNet(Module):
    """SqueezeNet (Iandola et al., 2016): ``features`` (stem conv, max-pools in ceil mode, Fire
    modules) and ``classifier`` (Dropout, 1x1 conv to ``num_classes``, ReLU, global average
    pool). (N, 3, H, W) -> (N, num_classes); ``version`` "1_0" or "1_1"."""

    def __init__(self, version: str = "1_0", num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.num_classes = num_classes
        pool = lambda: MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)  # noqa: E731
        if version == "1_0":
            self.features = Sequential(
                Conv2d(3, 96, kernel_size=7, stride=2), ReLU(inplace=True), pool(),
                Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128), pool(),
                Fire(256, 32, 128, 128), Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
                pool(), Fire(512, 64, 256, 256))
        elif version == "1_1":
            self.features = Sequential(
                Conv2d(3, 64, kernel_size=3, stride=2), ReLU(inplace=True), pool(),
                Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), pool(),
                Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), pool(),
                Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256), Fire(512, 64, 256, 256))
        else:
            raise ValueError(f"Unsupported SqueezeNet version {version}: 1_0 or 1_1 expected")
        final_conv = Conv2d(512, self.num_classes, kernel_size=1)
        self.classifier = Sequential(Dropout(p=dropout), final_conv, ReLU(inplace=True), AdaptiveAvgPool2d((1, 1)))
        for m in self.modules():
            if isinstance(m, Conv2d):
                if m is final_conv:
                    init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    init.constant_(m.bias, 0)

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        return F.flatten(self.classifier(self.features(x)), 1)


_RECIPE = "https://github.com/pytorch/vision/pull/49#issuecomment-277560717"


class SqueezeNet1_0_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`squeezenet1_0`."""

    IMAGENET1K_V1 = classification_weights("squeezenet1_0-b66bff10.pth", 1248424, (21, 21), 58.092, 80.420,
                                           recipe=_RECIPE)
    DEFAULT = IMAGENET1K_V1


class SqueezeNet1_1_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`squeezenet1_1`."""

    IMAGENET1K_V1 = classification_weights("squeezenet1_1-b8a52dc0.pth", 1235496, (17, 17), 58.178, 80.624,
                                           recipe=_RECIPE)
    DEFAULT = IMAGENET1K_V1


def _squeezenet(version, weights, progress, **kwargs) -> SqueezeNet:
    enum_kwargs(weights, kwargs)
    return load_weights(SqueezeNet(version, **kwargs), weights, progress)


@register_model(SqueezeNet1_0_Weights)
@handle_legacy_interface(SqueezeNet1_0_Weights.IMAGENET1K_V1)
def squeezenet1_0(*, weights: Optional[SqueezeNet1_0_Weights] = None, progress: bool = True,
                  **kwargs: Any) -> SqueezeNet:
    """SqueezeNet 1.0 (1,248,424 parameters); ``**kwargs`` go to :class:`SqueezeNet`."""
    return _squeezenet("1_0", resolve_weights(SqueezeNet1_0_Weights, weights, "squeezenet1_0"), progress, **kwargs)


@register_model(SqueezeNet1_1_Weights)
@handle_legacy_interface(SqueezeNet1_1_Weights.IMAGENET1K_V1)
def squeezenet1_1(*, weights: Optional[SqueezeNet1_1_Weights] = None, progress: bool = True,
                  **kwargs: Any) -> SqueezeNet:
    """SqueezeNet 1.1 (1,235,496 parameters, 2.4x less computation than 1.0)."""
    return _squeezenet("1_1", resolve_weights(SqueezeNet1_1_Weights, weights, "squeezenet1_1"), progress, **kwargs)
