"""torchvision's ``ShuffleNetV2`` (Ma et al., 2018), ``shufflenet_v2_x0_5`` ... ``shufflenet_v2_x2_0``
and their ``*_Weights`` enums; keys ``conv1.0.weight``, ``stage2.0.branch1.0.weight``, ...,
``fc.weight`` as torchvision's, and the same default (PyTorch module) initialisation."""
from typing import Any, Callable, List, Optional

from minidl.nn.containers import Sequential
from minidl.nn.layers import BatchNorm2d, Conv2d, Linear, MaxPool2d, ReLU
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

__all__ = ["ShuffleNetV2", "ShuffleNet_V2_X0_5_Weights", "ShuffleNet_V2_X1_0_Weights", "ShuffleNet_V2_X1_5_Weights",
           "ShuffleNet_V2_X2_0_Weights", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
           "shufflenet_v2_x2_0", "channel_shuffle"]


def channel_shuffle(x, groups: int):
    """Interleave the channels of ``groups`` equal groups: (N, C, H, W) -> (N, C, H, W)."""
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = x.transpose(1, 2).contiguous()
    return x.view(batchsize, num_channels, height, width)


class InvertedResidual(Module):
    """ShuffleNet V2 unit: at stride 1 the second half of the channels goes through ``branch2``
    (1x1, depthwise 3x3, 1x1) and is concatenated with the first half; at stride > 1 both
    ``branch1`` (depthwise 3x3, 1x1) and ``branch2`` see the whole input; then a channel shuffle.
    (N, inp, H, W) -> (N, oup, ceil(H/stride), ceil(W/stride))."""

    def __init__(self, inp: int, oup: int, stride: int) -> None:
        super().__init__()
        if not (1 <= stride <= 3):
            raise ValueError("illegal stride value")
        self.stride = stride
        branch_features = oup // 2
        if (self.stride == 1) and (inp != branch_features << 1):
            raise ValueError(f"Invalid combination of stride {stride}, inp {inp} and oup {oup} values. If stride == 1 "
                             "then inp should be equal to oup // 2 << 1.")
        if self.stride > 1:
            self.branch1 = Sequential(
                self.depthwise_conv(inp, inp, kernel_size=3, stride=self.stride, padding=1),
                BatchNorm2d(inp),
                Conv2d(inp, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
                BatchNorm2d(branch_features),
                ReLU(inplace=True),
            )
        else:
            self.branch1 = Sequential()
        self.branch2 = Sequential(
            Conv2d(inp if (self.stride > 1) else branch_features, branch_features, kernel_size=1, stride=1,
                   padding=0, bias=False),
            BatchNorm2d(branch_features),
            ReLU(inplace=True),
            self.depthwise_conv(branch_features, branch_features, kernel_size=3, stride=self.stride, padding=1),
            BatchNorm2d(branch_features),
            Conv2d(branch_features, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
            BatchNorm2d(branch_features),
            ReLU(inplace=True),
        )

    @staticmethod
    def depthwise_conv(i: int, o: int, kernel_size: int, stride: int = 1, padding: int = 0,
                       bias: bool = False) -> Conv2d:
        """A ``groups=i`` convolution."""
        return Conv2d(i, o, kernel_size, stride, padding, bias=bias, groups=i)

    def forward(self, x):
        """The unit's output, channels shuffled in 2 groups."""
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = cat((x1, self.branch2(x2)), dim=1)
        else:
            out = cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(Module):
    """ShuffleNet V2: ``conv1`` (3x3 stride 2), max pool, ``stage2``-``stage4`` (``stages_repeats``
    units each, the first with stride 2), ``conv5`` (1x1), global mean, ``fc``.
    ``stages_out_channels`` lists the 5 widths (conv1, the 3 stages, conv5).
    (N, 3, H, W) -> (N, num_classes)."""

    def __init__(self, stages_repeats: List[int], stages_out_channels: List[int], num_classes: int = 1000,
                 inverted_residual: Callable[..., Module] = InvertedResidual) -> None:
        super().__init__()
        if len(stages_repeats) != 3:
            raise ValueError("expected stages_repeats as list of 3 positive ints")
        if len(stages_out_channels) != 5:
            raise ValueError("expected stages_out_channels as list of 5 positive ints")
        self._stage_out_channels = stages_out_channels
        input_channels = 3
        output_channels = self._stage_out_channels[0]
        self.conv1 = Sequential(
            Conv2d(input_channels, output_channels, 3, 2, 1, bias=False),
            BatchNorm2d(output_channels),
            ReLU(inplace=True),
        )
        input_channels = output_channels
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        stage_names = [f"stage{i}" for i in [2, 3, 4]]
        for name, repeats, output_channels in zip(stage_names, stages_repeats, self._stage_out_channels[1:]):
            seq = [inverted_residual(input_channels, output_channels, 2)]
            for _ in range(repeats - 1):
                seq.append(inverted_residual(output_channels, output_channels, 1))
            setattr(self, name, Sequential(*seq))
            input_channels = output_channels
        output_channels = self._stage_out_channels[-1]
        self.conv5 = Sequential(
            Conv2d(input_channels, output_channels, 1, 1, 0, bias=False),
            BatchNorm2d(output_channels),
            ReLU(inplace=True),
        )
        self.fc = Linear(output_channels, num_classes)

    def _forward_impl(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.conv5(self.stage4(self.stage3(self.stage2(x))))
        return self.fc(x.mean([2, 3]))

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        return self._forward_impl(x)


_RECIPE_V1 = "https://github.com/ericsun99/Shufflenet-v2-Pytorch"
_RECIPE_V2 = "https://github.com/pytorch/vision/pull/5906"


class ShuffleNet_V2_X0_5_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`shufflenet_v2_x0_5`."""

    IMAGENET1K_V1 = classification_weights("shufflenetv2_x0.5-f707e7126e.pth", 1366792, (1, 1), 60.552, 81.746,
                                           recipe=_RECIPE_V1)
    DEFAULT = IMAGENET1K_V1


class ShuffleNet_V2_X1_0_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`shufflenet_v2_x1_0` (ported from ericsun99/Shufflenet-v2-Pytorch)."""

    IMAGENET1K_V1 = classification_weights("shufflenetv2_x1-5666bf0f80.pth", 2278604, (1, 1), 69.362, 88.316,
                                           recipe=_RECIPE_V1)
    DEFAULT = IMAGENET1K_V1


class ShuffleNet_V2_X1_5_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`shufflenet_v2_x1_5` (torchvision's new recipe, resize 232)."""

    IMAGENET1K_V1 = classification_weights("shufflenetv2_x1_5-3c479a10.pth", 3503624, (1, 1), 72.996, 91.086,
                                           resize_size=232, recipe=_RECIPE_V2)
    DEFAULT = IMAGENET1K_V1


class ShuffleNet_V2_X2_0_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`shufflenet_v2_x2_0` (torchvision's new recipe, resize 232)."""

    IMAGENET1K_V1 = classification_weights("shufflenetv2_x2_0-8be3c8ee.pth", 7393996, (1, 1), 76.230, 93.006,
                                           resize_size=232, recipe=_RECIPE_V2)
    DEFAULT = IMAGENET1K_V1


def _shufflenetv2(enum_cls, name, weights, progress, repeats, channels, kwargs) -> ShuffleNetV2:
    weights = resolve_weights(enum_cls, weights, name)
    enum_kwargs(weights, kwargs)
    return load_weights(ShuffleNetV2(repeats, channels, **kwargs), weights, progress)


@register_model(ShuffleNet_V2_X0_5_Weights)
@handle_legacy_interface(ShuffleNet_V2_X0_5_Weights.IMAGENET1K_V1)
def shufflenet_v2_x0_5(*, weights: Optional[ShuffleNet_V2_X0_5_Weights] = None, progress: bool = True,
                       **kwargs: Any) -> ShuffleNetV2:
    """ShuffleNet V2 with 0.5x output channels (1,366,792 parameters); ``**kwargs`` go to :class:`ShuffleNetV2`."""
    return _shufflenetv2(ShuffleNet_V2_X0_5_Weights, "shufflenet_v2_x0_5", weights, progress, [4, 8, 4],
                         [24, 48, 96, 192, 1024], kwargs)


@register_model(ShuffleNet_V2_X1_0_Weights)
@handle_legacy_interface(ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1)
def shufflenet_v2_x1_0(*, weights: Optional[ShuffleNet_V2_X1_0_Weights] = None, progress: bool = True,
                       **kwargs: Any) -> ShuffleNetV2:
    """ShuffleNet V2 with 1.0x output channels (2,278,604 parameters)."""
    return _shufflenetv2(ShuffleNet_V2_X1_0_Weights, "shufflenet_v2_x1_0", weights, progress, [4, 8, 4],
                         [24, 116, 232, 464, 1024], kwargs)


@register_model(ShuffleNet_V2_X1_5_Weights)
@handle_legacy_interface(ShuffleNet_V2_X1_5_Weights.IMAGENET1K_V1)
def shufflenet_v2_x1_5(*, weights: Optional[ShuffleNet_V2_X1_5_Weights] = None, progress: bool = True,
                       **kwargs: Any) -> ShuffleNetV2:
    """ShuffleNet V2 with 1.5x output channels (3,503,624 parameters)."""
    return _shufflenetv2(ShuffleNet_V2_X1_5_Weights, "shufflenet_v2_x1_5", weights, progress, [4, 8, 4],
                         [24, 176, 352, 704, 1024], kwargs)


@register_model(ShuffleNet_V2_X2_0_Weights)
@handle_legacy_interface(ShuffleNet_V2_X2_0_Weights.IMAGENET1K_V1)
def shufflenet_v2_x2_0(*, weights: Optional[ShuffleNet_V2_X2_0_Weights] = None, progress: bool = True,
                       **kwargs: Any) -> ShuffleNetV2:
    """ShuffleNet V2 with 2.0x output channels (7,393,996 parameters)."""
    return _shufflenetv2(ShuffleNet_V2_X2_0_Weights, "shufflenet_v2_x2_0", weights, progress, [4, 8, 4],
                         [24, 244, 488, 976, 2048], kwargs)
