"""``alexnet``: AlexNet in torchvision's single-tower layout (Krizhevsky et al., 2012)."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.models.registry import register_model
from minidl.nn.containers import Sequential
from minidl.nn.layers import AdaptiveAvgPool2d, Conv2d, Dropout, Linear, MaxPool2d, ReLU
from minidl.nn.module import Module

__all__ = ["AlexNet", "alexnet"]


class AlexNet(Module):
    """``features`` (5 convs, 3 max-pools) -> ``avgpool`` (adaptive 6x6) -> ``classifier``
    (Dropout, FC 4096, ReLU, Dropout, FC 4096, ReLU, FC classes).

    Shapes: (N, in_channels, H, W), H, W >= 63 -> (N, num_classes).
    """

    def __init__(self, num_classes=1000, in_channels=3, dropout=0.5):
        super().__init__()
        self.features = Sequential(
            Conv2d(in_channels, 64, 11, stride=4, padding=2), ReLU(), MaxPool2d(3, 2),
            Conv2d(64, 192, 5, padding=2), ReLU(), MaxPool2d(3, 2),
            Conv2d(192, 384, 3, padding=1), ReLU(),
            Conv2d(384, 256, 3, padding=1), ReLU(),
            Conv2d(256, 256, 3, padding=1), ReLU(), MaxPool2d(3, 2),
        )
        self.avgpool = AdaptiveAvgPool2d((6, 6))
        self.classifier = Sequential(
            Dropout(dropout), Linear(256 * 6 * 6, 4096), ReLU(),
            Dropout(dropout), Linear(4096, 4096), ReLU(),
            Linear(4096, num_classes),
        )

    def forward(self, x):
        """(N, C, H, W) -> logits (N, num_classes)."""
        return self.classifier(F.flatten(self.avgpool(self.features(x)), 1))


@register_model
def alexnet(num_classes: int = 1000, in_channels: int = 3, dropout: float = 0.5):
    """AlexNet as torchvision builds it (61,100,840 parameters at 1000 classes).

    Shapes: (N, in_channels, 224, 224) (any size >= 63) -> (N, num_classes).
    """
    return AlexNet(num_classes, in_channels, dropout)
