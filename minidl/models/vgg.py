"""``vgg16``: VGG-16 (configuration D of Simonyan & Zisserman, 2014), torchvision layout."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.models._shapes import check_size
from minidl.models.registry import register_model
from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Identity, Linear, MaxPool2d, ReLU
from minidl.nn.module import Module

__all__ = ["VGG", "vgg16", "VGG16_CFG", "make_vgg_features"]

VGG16_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
             512, 512, 512, "M")


def make_vgg_features(cfg, in_channels=3, batch_norm=False):
    """``nn.Sequential`` of 3x3 same convs (+BN) + ReLU, with "M" = MaxPool2d(2)."""
    layers, c = [], in_channels
    for v in cfg:
        if v == "M":
            layers.append(MaxPool2d(2, 2))
            continue
        layers.append(Conv2d(c, v, 3, padding=1))
        if batch_norm:
            layers.append(BatchNorm2d(v))
        layers.append(ReLU())
        c = v
    return Sequential(*layers)


class VGG(Module):
    """``features`` -> ``avgpool`` -> flatten -> ``classifier`` (FC, ReLU, Dropout, FC,
    ReLU, Dropout, FC), as torchvision's ``VGG``.

    ``pool_size`` is the side of the map entering the classifier (7 at 224 px
    through AdaptiveAvgPool2d(7); ``image_size // 32`` and an Identity for the
    small variant); ``hidden`` the width of the two hidden FC layers.
    Initialised as torchvision does: convs He-normal (fan_out), biases 0, and,
    in the 224 px layout, linears N(0, 0.01). The small classifier keeps
    PyTorch's default Linear init: N(0, 0.01) over 512 inputs makes the
    logits ~1e-3 and the plain 16-layer net sits at chance for epochs.
    """

    def __init__(self, features, num_classes=1000, pool_size=7, hidden=4096, dropout=0.5,
                 adaptive=True, small_linear_init=False):
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((pool_size, pool_size)) if adaptive else Identity()
        self.classifier = Sequential(
            Linear(512 * pool_size * pool_size, hidden), ReLU(), Dropout(dropout),
            Linear(hidden, hidden), ReLU(), Dropout(dropout),
            Linear(hidden, num_classes),
        )
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                init.zeros_(m.bias)
            elif isinstance(m, Linear) and not small_linear_init:
                init.normal_(m.weight, 0.0, 0.01)
                init.zeros_(m.bias)

    def forward(self, x):
        """(N, C, H, W) -> logits (N, num_classes)."""
        return self.classifier(F.flatten(self.avgpool(self.features(x)), 1))


@register_model
def vgg16(num_classes: int = 1000, in_channels: int = 3, image_size: int = 224,
          batch_norm: bool = False, hidden: int | None = None, dropout: float = 0.5):
    """VGG-16, returning logits.

    * ``image_size >= 224``: torchvision's model (13 convs, AdaptiveAvgPool2d(7),
      FC 4096-4096-classes): 138,357,544 parameters at 1000 classes
      (138,365,992 with ``batch_norm``).
    * ``image_size < 224`` (32 px for CIFAR-10, MNIST padded or resized to 32):
      the same 13 convs, no pooling layer (the map is ``image_size // 32``
      wide), and a small classifier of ``hidden`` = 512 units (the usual CIFAR
      VGG); 15.2 M parameters at 32 px.

    ``hidden`` overrides the classifier width. Five 2x2 max-pools need
    ``image_size >= 32``.

    Shapes: (N, in_channels, image_size, image_size) -> (N, num_classes).
    """
    large = image_size >= 224
    features = make_vgg_features(VGG16_CFG, in_channels, batch_norm)
    if large:
        pool, adaptive = 7, True
    else:
        pool, adaptive = check_size("vgg16", image_size // 32, image_size), False
    hidden = hidden if hidden is not None else (4096 if large else 512)
    return VGG(features, num_classes, pool, int(hidden), dropout, adaptive,
               small_linear_init=not large)
