"""torchvision's ResNet family: ``ResNet``, ``BasicBlock``, ``Bottleneck`` and the builders
``resnet18/34/50/101/152``, ``resnext50_32x4d``, ``resnext101_32x8d``, ``resnext101_64x4d``,
``wide_resnet50_2``, ``wide_resnet101_2`` with their ``*_Weights`` enums.

Module names and registration order are torchvision's, so ``state_dict()`` keys and shapes
match its checkpoints (``conv1.weight``, ``layer1.0.conv1.weight``, ``layer1.0.downsample.0.weight``,
``fc.weight``, ...).
"""
from typing import Any, Callable, List, Optional, Type, Union

import minidl.nn.functional as F
from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, GroupNorm, Linear, MaxPool2d, ReLU
from minidl.nn.module import Module

from ._api import (
    WeightsEnum,
    classification_weights,
    enum_kwargs,
    handle_legacy_interface,
    load_weights,
    overwrite_named_param,
    register_model,
    resolve_weights,
)

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights",
           "ResNet101_Weights", "ResNet152_Weights", "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights",
           "ResNeXt101_64X4D_Weights", "Wide_ResNet50_2_Weights", "Wide_ResNet101_2_Weights", "resnet18",
           "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
           "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> Conv2d:
    """3x3 convolution, padding ``dilation`` (size kept at stride 1), no bias."""
    return Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups,
                  bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> Conv2d:
    """1x1 convolution, no bias."""
    return Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(Module):
    """Two 3x3 conv-norm pairs plus the shortcut (``downsample`` when given):
    (N, inplanes, H, W) -> (N, planes, ceil(H/stride), ceil(W/stride))."""

    expansion: int = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[Module] = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Optional[Callable[..., Module]] = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(Module):
    """1x1 reduce, 3x3 (grouped, strided: ResNet v1.5), 1x1 expand to ``planes * 4``, plus the
    shortcut; the inner width is ``int(planes * base_width / 64) * groups``.
    (N, inplanes, H, W) -> (N, 4 * planes, ceil(H/stride), ceil(W/stride))."""

    expansion: int = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[Module] = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Optional[Callable[..., Module]] = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        """relu(bn3(conv3(...relu(bn1(conv1(x))))) + shortcut(x))."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(Module):
    """torchvision's ResNet: stem (``conv1`` 7x7/2, ``bn1``, ``relu``, ``maxpool`` 3x3/2),
    ``layer1``..``layer4`` of ``block`` (64, 128, 256, 512 planes; ``layers`` blocks each),
    ``avgpool`` (global) and ``fc``. (N, 3, H, W) -> (N, num_classes).

    Convs are He-normal (fan_out), norms weight 1 / bias 0; ``zero_init_residual`` zeroes
    the last norm of each residual branch. ``replace_stride_with_dilation`` (3 bools) turns
    the stride of layer2-4 into dilation.
    """

    def __init__(self, block: Type[Union[BasicBlock, Bottleneck]], layers: List[int], num_classes: int = 1000,
                 zero_init_residual: bool = False, groups: int = 1, width_per_group: int = 64,
                 replace_stride_with_dilation: Optional[List[bool]] = None,
                 norm_layer: Optional[Callable[..., Module]] = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element tuple, got "
                             f"{replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = ReLU(inplace=True)
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(512 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (BatchNorm2d, GroupNorm)):
                init.constant_(m.weight, 1)
                init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1, dilate: bool = False) -> Sequential:
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                    norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return Sequential(*layers)

    def _forward_impl(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(F.flatten(self.avgpool(x), 1))

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        return self._forward_impl(x)


def _resnet(block, layers, weights, progress, **kwargs) -> ResNet:
    enum_kwargs(weights, kwargs)
    return load_weights(ResNet(block, layers, **kwargs), weights, progress)


_V1_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#resnet"
_V2_RECIPE = "https://github.com/pytorch/vision/issues/3995#new-recipe"
_RESNEXT_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#resnext"


def _v1(file, n, acc1, acc5, recipe=_V1_RECIPE):
    return classification_weights(file, n, (1, 1), acc1, acc5, recipe=recipe)


def _v2(file, n, acc1, acc5):
    return classification_weights(file, n, (1, 1), acc1, acc5, resize_size=232, recipe=_V2_RECIPE)


class ResNet18_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`resnet18`."""

    IMAGENET1K_V1 = _v1("resnet18-f37072fd.pth", 11689512, 69.758, 89.078)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`resnet34`."""

    IMAGENET1K_V1 = _v1("resnet34-b627a593.pth", 21797672, 73.314, 91.420)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`resnet50` (V2: torchvision's newer recipe, resize 232)."""

    IMAGENET1K_V1 = _v1("resnet50-0676ba61.pth", 25557032, 76.130, 92.862)
    IMAGENET1K_V2 = _v2("resnet50-11ad3fa6.pth", 25557032, 80.858, 95.434)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`resnet101`."""

    IMAGENET1K_V1 = _v1("resnet101-63fe2227.pth", 44549160, 77.374, 93.546)
    IMAGENET1K_V2 = _v2("resnet101-cd907fc2.pth", 44549160, 81.886, 95.780)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`resnet152`."""

    IMAGENET1K_V1 = _v1("resnet152-394f9c45.pth", 60192808, 78.312, 94.046)
    IMAGENET1K_V2 = _v2("resnet152-f82ba261.pth", 60192808, 82.284, 96.002)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`resnext50_32x4d`."""

    IMAGENET1K_V1 = _v1("resnext50_32x4d-7cdf4587.pth", 25028904, 77.618, 93.698, _RESNEXT_RECIPE)
    IMAGENET1K_V2 = _v2("resnext50_32x4d-1a0047aa.pth", 25028904, 81.198, 95.340)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_32X8D_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`resnext101_32x8d`."""

    IMAGENET1K_V1 = _v1("resnext101_32x8d-8ba56ff5.pth", 88791336, 79.312, 94.526, _RESNEXT_RECIPE)
    IMAGENET1K_V2 = _v2("resnext101_32x8d-110c445d.pth", 88791336, 82.834, 96.228)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_64X4D_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`resnext101_64x4d`."""

    IMAGENET1K_V1 = _v2("resnext101_64x4d-173b62eb.pth", 83455272, 83.246, 96.454)
    DEFAULT = IMAGENET1K_V1


class Wide_ResNet50_2_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`wide_resnet50_2`."""

    IMAGENET1K_V1 = _v1("wide_resnet50_2-95faca4d.pth", 68883240, 78.468, 94.086)
    IMAGENET1K_V2 = _v2("wide_resnet50_2-9ba9bcbe.pth", 68883240, 81.602, 95.758)
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet101_2_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`wide_resnet101_2`."""

    IMAGENET1K_V1 = _v1("wide_resnet101_2-32ee1156.pth", 126886696, 78.848, 94.284)
    IMAGENET1K_V2 = _v2("wide_resnet101_2-d733dc28.pth", 126886696, 82.510, 96.020)
    DEFAULT = IMAGENET1K_V2


@register_model(ResNet18_Weights)
@handle_legacy_interface(ResNet18_Weights.IMAGENET1K_V1)
def resnet18(*, weights: Optional[ResNet18_Weights] = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-18 (11,689,512 parameters): BasicBlocks (2, 2, 2, 2). ``weights``: a
    :class:`ResNet18_Weights` member or its name, a state dict or a ``.pth`` path;
    ``**kwargs`` go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ...)."""
    return _resnet(BasicBlock, [2, 2, 2, 2], resolve_weights(ResNet18_Weights, weights, "resnet18"),
                   progress, **kwargs)


@register_model(ResNet34_Weights)
@handle_legacy_interface(ResNet34_Weights.IMAGENET1K_V1)
def resnet34(*, weights: Optional[ResNet34_Weights] = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-34 (21,797,672 parameters): BasicBlocks (3, 4, 6, 3); arguments as :func:`resnet18`."""
    return _resnet(BasicBlock, [3, 4, 6, 3], resolve_weights(ResNet34_Weights, weights, "resnet34"),
                   progress, **kwargs)


@register_model(ResNet50_Weights)
@handle_legacy_interface(ResNet50_Weights.IMAGENET1K_V1)
def resnet50(*, weights: Optional[ResNet50_Weights] = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-50 v1.5 (25,557,032 parameters): Bottlenecks (3, 4, 6, 3); arguments as :func:`resnet18`."""
    return _resnet(Bottleneck, [3, 4, 6, 3], resolve_weights(ResNet50_Weights, weights, "resnet50"),
                   progress, **kwargs)


@register_model(ResNet101_Weights)
@handle_legacy_interface(ResNet101_Weights.IMAGENET1K_V1)
def resnet101(*, weights: Optional[ResNet101_Weights] = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-101 (44,549,160 parameters): Bottlenecks (3, 4, 23, 3); arguments as :func:`resnet18`."""
    return _resnet(Bottleneck, [3, 4, 23, 3], resolve_weights(ResNet101_Weights, weights, "resnet101"),
                   progress, **kwargs)


@register_model(ResNet152_Weights)
@handle_legacy_interface(ResNet152_Weights.IMAGENET1K_V1)
def resnet152(*, weights: Optional[ResNet152_Weights] = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-152 (60,192,808 parameters): Bottlenecks (3, 8, 36, 3); arguments as :func:`resnet18`."""
    return _resnet(Bottleneck, [3, 8, 36, 3], resolve_weights(ResNet152_Weights, weights, "resnet152"),
                   progress, **kwargs)


def _grouped(weights_enum, name, layers, groups, width, weights, progress, kwargs):
    weights = resolve_weights(weights_enum, weights, name)
    overwrite_named_param(kwargs, "groups", groups)
    overwrite_named_param(kwargs, "width_per_group", width)
    return _resnet(Bottleneck, layers, weights, progress, **kwargs)


@register_model(ResNeXt50_32X4D_Weights)
@handle_legacy_interface(ResNeXt50_32X4D_Weights.IMAGENET1K_V1)
def resnext50_32x4d(*, weights: Optional[ResNeXt50_32X4D_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> ResNet:
    """ResNeXt-50 32x4d (25,028,904 parameters): ResNet-50 with 32 groups of width 4."""
    return _grouped(ResNeXt50_32X4D_Weights, "resnext50_32x4d", [3, 4, 6, 3], 32, 4, weights, progress, kwargs)


@register_model(ResNeXt101_32X8D_Weights)
@handle_legacy_interface(ResNeXt101_32X8D_Weights.IMAGENET1K_V1)
def resnext101_32x8d(*, weights: Optional[ResNeXt101_32X8D_Weights] = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """ResNeXt-101 32x8d (88,791,336 parameters)."""
    return _grouped(ResNeXt101_32X8D_Weights, "resnext101_32x8d", [3, 4, 23, 3], 32, 8, weights, progress,
                    kwargs)


@register_model(ResNeXt101_64X4D_Weights)
@handle_legacy_interface(ResNeXt101_64X4D_Weights.IMAGENET1K_V1)
def resnext101_64x4d(*, weights: Optional[ResNeXt101_64X4D_Weights] = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """ResNeXt-101 64x4d (83,455,272 parameters)."""
    return _grouped(ResNeXt101_64X4D_Weights, "resnext101_64x4d", [3, 4, 23, 3], 64, 4, weights, progress,
                    kwargs)


@register_model(Wide_ResNet50_2_Weights)
@handle_legacy_interface(Wide_ResNet50_2_Weights.IMAGENET1K_V1)
def wide_resnet50_2(*, weights: Optional[Wide_ResNet50_2_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> ResNet:
    """Wide ResNet-50-2 (68,883,240 parameters): ResNet-50 with twice the bottleneck width."""
    return _grouped(Wide_ResNet50_2_Weights, "wide_resnet50_2", [3, 4, 6, 3], 1, 128, weights, progress, kwargs)


@register_model(Wide_ResNet101_2_Weights)
@handle_legacy_interface(Wide_ResNet101_2_Weights.IMAGENET1K_V1)
def wide_resnet101_2(*, weights: Optional[Wide_ResNet101_2_Weights] = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """Wide ResNet-101-2 (126,886,696 parameters)."""
    return _grouped(Wide_ResNet101_2_Weights, "wide_resnet101_2", [3, 4, 23, 3], 1, 128, weights, progress,
                    kwargs)
