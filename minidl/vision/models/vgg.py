"""torchvision's VGG family: ``VGG``, ``make_layers`` and ``vgg11/13/16/19`` (and ``_bn``) with their
``*_Weights`` enums; keys ``features.<i>.weight`` and ``classifier.{0,3,6}.weight`` as torchvision's."""
import functools
from typing import Any, Optional

import minidl.nn.functional as F
from minidl.models.vgg import make_vgg_features
from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, ReLU
from minidl.nn.module import Module

from ._api import (
    Weights,
    WeightsEnum,
    classification_weights,
    enum_kwargs,
    handle_legacy_interface,
    load_weights,
    register_model,
    resolve_weights,
)
from ._presets import ImageClassification

__all__ = ["VGG", "make_layers", "cfgs", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights",
           "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "vgg11", "vgg11_bn", "vgg13",
           "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]

cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def make_layers(cfg, batch_norm: bool = False) -> Sequential:
    """``features``: for each int, a 3x3 conv (+BatchNorm2d) + ReLU; for each "M", MaxPool2d(2, 2)."""
    return make_vgg_features(cfg, 3, batch_norm)


class VGG(Module):
    """``features`` -> ``avgpool`` (adaptive 7x7) -> flatten -> ``classifier`` (Linear 25088-4096,
    ReLU, Dropout, Linear 4096-4096, ReLU, Dropout, Linear 4096-num_classes).
    (N, 3, H, W), H, W >= 32 -> (N, num_classes).

    ``init_weights``: convs He-normal (fan_out), BN 1/0, linears N(0, 0.01), biases 0.
    """

    def __init__(self, features: Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = Sequential(
            Linear(512 * 7 * 7, 4096), ReLU(True), Dropout(p=dropout),
            Linear(4096, 4096), ReLU(True), Dropout(p=dropout),
            Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, Conv2d):
                    init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        init.constant_(m.bias, 0)
                elif isinstance(m, BatchNorm2d):
                    init.constant_(m.weight, 1)
                    init.constant_(m.bias, 0)
                elif isinstance(m, Linear):
                    init.normal_(m.weight, 0, 0.01)
                    init.constant_(m.bias, 0)

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        return self.classifier(F.flatten(self.avgpool(self.features(x)), 1))


def _vgg(cfg: str, batch_norm: bool, weights, progress: bool, **kwargs: Any) -> VGG:
    if weights is not None and not isinstance(weights, tuple):
        kwargs["init_weights"] = False
        if weights.meta["categories"] is not None:
            enum_kwargs(weights, kwargs)
    model = VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)
    return load_weights(model, weights, progress)


def _w(file, n, acc1, acc5):
    return classification_weights(file, n, (32, 32), acc1, acc5,
                                  recipe="https://github.com/pytorch/vision/tree/main/references/classification"
                                         "#alexnet-and-vgg")


class VGG11_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vgg11`."""

    IMAGENET1K_V1 = _w("vgg11-8a719046.pth", 132863336, 69.020, 88.628)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vgg11_bn`."""

    IMAGENET1K_V1 = _w("vgg11_bn-6002323d.pth", 132868840, 70.370, 89.810)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vgg13`."""

    IMAGENET1K_V1 = _w("vgg13-19584684.pth", 133047848, 69.928, 89.246)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vgg13_bn`."""

    IMAGENET1K_V1 = _w("vgg13_bn-abd245e5.pth", 133053736, 71.586, 90.374)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vgg16`; ``IMAGENET1K_FEATURES``: the amdegroot SSD port (features
    only, no categories, inputs in 0-255 with the mean subtracted)."""

    IMAGENET1K_V1 = _w("vgg16-397923af.pth", 138357544, 71.592, 90.382)
    IMAGENET1K_FEATURES = Weights(
        url="https://download.pytorch.org/models/vgg16_features-amdegroot-88682ab5.pth",
        transforms=functools.partial(ImageClassification, crop_size=224, mean=(0.48235, 0.45882, 0.40784),
                                     std=(1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0)),
        meta={"num_params": 138357544, "min_size": (32, 32), "categories": None,
              "recipe": "https://github.com/amdegroot/ssd.pytorch#training-ssd",
              "_metrics": {"ImageNet-1K": {"acc@1": float("nan"), "acc@5": float("nan")}}})
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vgg16_bn`."""

    IMAGENET1K_V1 = _w("vgg16_bn-6c64b313.pth", 138365992, 73.360, 91.516)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vgg19`."""

    IMAGENET1K_V1 = _w("vgg19-dcbb9e9d.pth", 143667240, 72.376, 90.876)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vgg19_bn`."""

    IMAGENET1K_V1 = _w("vgg19_bn-c79401a0.pth", 143678248, 74.218, 91.842)
    DEFAULT = IMAGENET1K_V1


@register_model(VGG11_Weights)
@handle_legacy_interface(VGG11_Weights.IMAGENET1K_V1)
def vgg11(*, weights: Optional[VGG11_Weights] = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 (configuration A, 132,863,336 parameters); ``**kwargs`` go to :class:`VGG`."""
    return _vgg("A", False, resolve_weights(VGG11_Weights, weights, "vgg11"), progress, **kwargs)


@register_model(VGG11_BN_Weights)
@handle_legacy_interface(VGG11_BN_Weights.IMAGENET1K_V1)
def vgg11_bn(*, weights: Optional[VGG11_BN_Weights] = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 with batch norm (132,868,840 parameters)."""
    return _vgg("A", True, resolve_weights(VGG11_BN_Weights, weights, "vgg11_bn"), progress, **kwargs)


@register_model(VGG13_Weights)
@handle_legacy_interface(VGG13_Weights.IMAGENET1K_V1)
def vgg13(*, weights: Optional[VGG13_Weights] = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-13 (configuration B, 133,047,848 parameters)."""
    return _vgg("B", False, resolve_weights(VGG13_Weights, weights, "vgg13"), progress, **kwargs)


@register_model(VGG13_BN_Weights)
@handle_legacy_interface(VGG13_BN_Weights.IMAGENET1K_V1)
def vgg13_bn(*, weights: Optional[VGG13_BN_Weights] = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-13 with batch norm (133,053,736 parameters)."""
    return _vgg("B", True, resolve_weights(VGG13_BN_Weights, weights, "vgg13_bn"), progress, **kwargs)


@register_model(VGG16_Weights)
@handle_legacy_interface(VGG16_Weights.IMAGENET1K_V1)
def vgg16(*, weights: Optional[VGG16_Weights] = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 (configuration D, 138,357,544 parameters)."""
    return _vgg("D", False, resolve_weights(VGG16_Weights, weights, "vgg16"), progress, **kwargs)


@register_model(VGG16_BN_Weights)
@handle_legacy_interface(VGG16_BN_Weights.IMAGENET1K_V1)
def vgg16_bn(*, weights: Optional[VGG16_BN_Weights] = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 with batch norm (138,365,992 parameters)."""
    return _vgg("D", True, resolve_weights(VGG16_BN_Weights, weights, "vgg16_bn"), progress, **kwargs)


@register_model(VGG19_Weights)
@handle_legacy_interface(VGG19_Weights.IMAGENET1K_V1)
def vgg19(*, weights: Optional[VGG19_Weights] = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-19 (configuration E, 143,667,240 parameters)."""
    return _vgg("E", False, resolve_weights(VGG19_Weights, weights, "vgg19"), progress, **kwargs)


@register_model(VGG19_BN_Weights)
@handle_legacy_interface(VGG19_BN_Weights.IMAGENET1K_V1)
def vgg19_bn(*, weights: Optional[VGG19_BN_Weights] = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-19 with batch norm (143,678,248 parameters)."""
    return _vgg("E", True, resolve_weights(VGG19_BN_Weights, weights, "vgg19_bn"), progress, **kwargs)
