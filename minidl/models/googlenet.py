"""``googlenet``: Inception v1 (Szegedy et al., 2015) in torchvision's layout.

In training mode with ``aux_logits`` the forward returns a
:class:`GoogLeNetOutputs` ``(logits, aux1, aux2)``; in eval mode only the
logits. Train it with :func:`googlenet_loss`, which accepts both and adds the
auxiliary losses with weight 0.3, as the paper did::

    model = googlenet(num_classes=10, in_channels=1)
    fit(model, loader, loss=googlenet_loss(), ...)

(``fit`` computes its metrics on ``output[0]`` when the output is a tuple.)
"""
from __future__ import annotations

from collections import namedtuple

import minidl.nn.functional as F
from minidl.models.registry import register_model
from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, ReLU
from minidl.nn.module import Module
from minidl.ops.shape import concat

__all__ = ["GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "BasicConv2d",
           "googlenet", "googlenet_loss", "GoogLeNetLoss"]

class GoogLeNetOutputs(namedtuple("GoogLeNetOutputs", ["logits", "aux1", "aux2"])):
    """The training-mode output ``(logits, aux1, aux2)``, each a Tensor (N, num_classes).

    ``detach()`` gives the detached main logits, so code that reads a model's
    output as logits (metrics in a fit loop) sees the main classifier.
    """

    __slots__ = ()

    def detach(self):
        """The main logits, detached from the graph."""
        return self.logits.detach()


class BasicConv2d(Module):
    """Conv2d (no bias) -> BatchNorm2d (eps 1e-3) -> ReLU."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                           padding=padding, bias=False)
        self.bn = BatchNorm2d(out_channels, eps=0.001)
        self.relu = ReLU()

    def forward(self, x):
        """(N, C_in, H, W) -> (N, C_out, H', W')."""
        return self.relu(self.bn(self.conv(x)))


class Inception(Module):
    """Four parallel branches concatenated on channels: 1x1; 1x1 -> 3x3;
    1x1 -> 3x3 (torchvision's choice where the paper has 5x5); 3x3 max-pool -> 1x1.

    Shapes: (N, in_channels, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W).
    """

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, 1)
        self.branch2 = Sequential(BasicConv2d(in_channels, ch3x3red, 1),
                                  BasicConv2d(ch3x3red, ch3x3, 3, padding=1))
        self.branch3 = Sequential(BasicConv2d(in_channels, ch5x5red, 1),
                                  BasicConv2d(ch5x5red, ch5x5, 3, padding=1))
        self.branch4 = Sequential(MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                  BasicConv2d(in_channels, pool_proj, 1))

    def forward(self, x):
        """Concatenate the four branch outputs along channels."""
        return concat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(Module):
    """Auxiliary classifier: adaptive avg-pool 4x4, 1x1 conv 128, FC 1024, ReLU,
    Dropout(0.7), FC classes.

    Shapes: (N, in_channels, H, W) -> (N, num_classes).
    """

    def __init__(self, in_channels, num_classes, dropout=0.7):
        super().__init__()
        self.avgpool = AdaptiveAvgPool2d((4, 4))
        self.conv = BasicConv2d(in_channels, 128, 1)
        self.fc1 = Linear(128 * 4 * 4, 1024)
        self.relu = ReLU()
        self.dropout = Dropout(dropout)
        self.fc2 = Linear(1024, num_classes)

    def forward(self, x):
        """(N, C, H, W) -> aux logits (N, num_classes)."""
        x = F.flatten(self.conv(self.avgpool(x)), 1)
        return self.fc2(self.dropout(self.relu(self.fc1(x))))


class GoogLeNet(Module):
    """Stem (conv1 7x7/2, maxpool1, conv2 1x1, conv3 3x3, maxpool2), nine Inception
    blocks (3a-b, 4a-e, 5a-b) with max-pools between the stages, global average
    pool, Dropout(0.2), ``fc``; auxiliary heads ``aux1`` (after 4a) and ``aux2``
    (after 4d) when ``aux_logits``.
    """

    def __init__(self, num_classes=1000, in_channels=3, aux_logits=True, dropout=0.2,
                 dropout_aux=0.7):
        super().__init__()
        self.aux_logits = bool(aux_logits)
        self.conv1 = BasicConv2d(in_channels, 64, 7, stride=2, padding=3)
        self.maxpool1 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, 1)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1)
        self.maxpool2 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
        if self.aux_logits:
            self.aux1 = InceptionAux(512, num_classes, dropout_aux)
            self.aux2 = InceptionAux(528, num_classes, dropout_aux)
        else:
            self.aux1 = self.aux2 = None
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.dropout = Dropout(dropout)
        self.fc = Linear(1024, num_classes)
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, (Conv2d, Linear)):
                init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)

    def forward(self, x):
        """(N, C, H, W) -> logits (N, num_classes), or ``GoogLeNetOutputs(logits,
        aux1, aux2)`` in training mode with aux_logits."""
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux = self.training and self.aux_logits
        aux1 = self.aux1(x) if aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if aux else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        logits = self.fc(self.dropout(F.flatten(self.avgpool(x), 1)))
        return GoogLeNetOutputs(logits, aux1, aux2) if aux else logits


@register_model
def googlenet(num_classes: int = 1000, in_channels: int = 3, aux_logits: bool = True,
              dropout: float = 0.2, dropout_aux: float = 0.7):
    """GoogLeNet (Inception v1) as torchvision builds it, returning logits.

    6,624,904 parameters at 1000 classes without the auxiliary heads (the
    heads, ``aux1.*`` and ``aux2.*``, add 6,379,984). With ``aux_logits`` the
    training-mode forward returns ``(logits, aux1, aux2)``; use
    :func:`googlenet_loss`. Inputs from 28-32 px (MNIST, CIFAR) to 224 px work
    (the max-pools use ceil mode).

    Shapes: (N, in_channels, H, W) -> (N, num_classes).
    """
    return GoogLeNet(num_classes, in_channels, aux_logits, dropout, dropout_aux)


class GoogLeNetLoss:
    """Cross-entropy of the main logits plus ``aux_weight`` x the cross-entropy of
    each auxiliary head (Szegedy et al.: 0.3). A plain Tensor output (eval mode,
    or ``aux_logits=False``) gets the plain cross-entropy.

    Call: ``loss(output, target)``, output a Tensor (N, C) or a tuple
    ``(logits, aux1, aux2)`` (None entries skipped), target int64 (N,) -> scalar Tensor.
    """

    def __init__(self, aux_weight: float = 0.3, label_smoothing: float = 0.0):
        self.aux_weight = float(aux_weight)
        self.label_smoothing = float(label_smoothing)

    def __call__(self, output, target):
        ce = lambda z: F.cross_entropy(z, target, label_smoothing=self.label_smoothing)  # noqa: E731
        if not isinstance(output, tuple):
            return ce(output)
        loss = ce(output[0])
        for aux in output[1:]:
            if aux is not None:
                loss = loss + ce(aux) * self.aux_weight
        return loss

    def __repr__(self):
        return f"GoogLeNetLoss(aux_weight={self.aux_weight})"


def googlenet_loss(aux_weight: float = 0.3, label_smoothing: float = 0.0) -> GoogLeNetLoss:
    """The loss for :func:`googlenet` in training: CE(logits) + aux_weight * (CE(aux1) + CE(aux2))."""
    return GoogLeNetLoss(aux_weight, label_smoothing)
