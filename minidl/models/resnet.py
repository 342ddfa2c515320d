"""``resnet18``: ResNet-18 (He et al., 2016) in torchvision's layout, with an optional CIFAR stem."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.models.registry import register_model
from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Identity, Linear, MaxPool2d, ReLU
from minidl.nn.module import Module

__all__ = ["BasicBlock", "ResNet", "resnet18"]


class BasicBlock(Module):
    """Two 3x3 conv-BN pairs with an identity (or 1x1 conv-BN ``downsample``) shortcut.

    Shapes: (N, in_planes, H, W) -> (N, planes, ceil(H/stride), ceil(W/stride)).
    """

    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = BatchNorm2d(planes)
        self.relu = ReLU()
        self.conv2 = Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = Sequential(Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                                         BatchNorm2d(planes))

    def forward(self, x):
        """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(Module):
    """Stem (``conv1``, ``bn1``, ``relu``, ``maxpool``), ``layer1``..``layer4`` of
    BasicBlocks (64, 128, 256, 512 planes; strides 1, 2, 2, 2), ``avgpool``
    (global), ``fc``.

    ``cifar_stem``: conv1 is 3x3 stride 1 and ``maxpool`` an Identity, so a
    32x32 input keeps its resolution until layer2 (the usual CIFAR ResNet).
    Convs are initialised He-normal (fan_out), as torchvision does.
    """

    def __init__(self, layers=(2, 2, 2, 2), num_classes=1000, in_channels=3, cifar_stem=False):
        super().__init__()
        if cifar_stem:
            self.conv1 = Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = BatchNorm2d(64)
        self.relu = ReLU()
        self.maxpool = Identity() if cifar_stem else MaxPool2d(3, stride=2, padding=1)
        planes, blocks = 64, []
        for i, (n, width) in enumerate(zip(layers, (64, 128, 256, 512))):
            stride = 1 if i == 0 else 2
            stage = [BasicBlock(planes, width, stride)]
            stage += [BasicBlock(width, width) for _ in range(n - 1)]
            blocks.append(Sequential(*stage))
            planes = width
        self.layer1, self.layer2, self.layer3, self.layer4 = blocks
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(512, num_classes)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        """(N, C, H, W) -> logits (N, num_classes)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(F.flatten(self.avgpool(x), 1))


@register_model
def resnet18(num_classes: int = 1000, in_channels: int = 3, cifar_stem: bool = False):
    """ResNet-18, returning logits: 11,689,512 parameters at 1000 classes
    (ImageNet stem: 7x7/2 conv + 3x3/2 max-pool); ``cifar_stem=True`` uses a
    3x3/1 conv and no max-pool (for 28-32 px inputs).

    Shapes: (N, in_channels, H, W) -> (N, num_classes); any H, W >= 1 (32 px
    and up is sensible).
    """
    return ResNet((2, 2, 2, 2), num_classes, in_channels, cifar_stem)
