"""``lenet``: the small CNN of PyTorch's CIFAR-10 tutorial (LeNet-5 style)."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.models._shapes import check_size, conv_out
from minidl.models.registry import register_model
from minidl.nn.containers import Sequential
from minidl.nn.layers import Conv2d, Dropout, Linear, MaxPool2d, ReLU
from minidl.nn.module import Module

__all__ = ["LeNet", "lenet"]


class LeNet(Module):
    """Two 5x5 valid convs with 2x2 max-pools, then fully connected layers.

    ``features``: conv(in, c1, 5), ReLU, pool 2, conv(c1, c2, 5), ReLU, pool 2.
    ``classifier``: [Dropout], Linear(c2*s*s, h1), ReLU, ..., [Dropout], Linear(., classes),
    with s = ((image_size - 4) // 2 - 4) // 2; the two Dropouts exist only when
    ``dropout`` > 0 (Idler's variant puts them exactly there).

    Shapes: (N, in_channels, image_size, image_size) -> (N, num_classes).
    """

    def __init__(self, num_classes=10, in_channels=3, image_size=32, channels=(6, 16),
                 hidden=(120, 84), dropout=0.0):
        super().__init__()
        c1, c2 = (int(c) for c in channels)
        self.features = Sequential(
            Conv2d(in_channels, c1, 5), ReLU(), MaxPool2d(2),
            Conv2d(c1, c2, 5), ReLU(), MaxPool2d(2),
        )
        s = check_size("lenet", conv_out(conv_out(image_size, 5) // 2, 5) // 2, image_size)
        layers = [Dropout(dropout)] if dropout else []
        width = c2 * s * s
        for h in hidden:
            layers += [Linear(width, int(h)), ReLU()]
            width = int(h)
        if dropout:
            layers.append(Dropout(dropout))
        layers.append(Linear(width, num_classes))
        self.classifier = Sequential(*layers)

    def forward(self, x):
        """(N, C, H, W) -> logits (N, num_classes)."""
        return self.classifier(F.flatten(self.features(x), 1))


@register_model
def lenet(num_classes: int = 10, in_channels: int = 3, image_size: int = 32,
          channels=(6, 16), hidden=(120, 84), dropout: float = 0.0):
    """The PyTorch CIFAR-10 tutorial CNN (conv 6@5x5, pool, conv 16@5x5, pool,
    fc 120, fc 84, fc classes), returning logits.

    ``image_size`` sets the first Linear's width: 16*5*5 at 32 px, 16*4*4 at
    28 px (MNIST). ``channels``/``hidden`` widen it ("LeNet-style": e.g.
    channels=(32, 64), hidden=(256,)); ``dropout`` adds Idler's two Dropouts.

    Shapes: (N, in_channels, image_size, image_size) -> (N, num_classes).
    Parameters at the defaults: 62,006.
    """
    return LeNet(num_classes, in_channels, image_size, channels, hidden, dropout)
