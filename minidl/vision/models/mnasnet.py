"""torchvision's ``MNASNet`` (the B1 variant of Tan et al., 2018), ``mnasnet0_5`` ... ``mnasnet1_3`` and
their ``*_Weights`` enums; keys ``layers.0.weight``, ``layers.8.0.layers.0.weight``, ...,
``classifier.1.weight`` and the initialisation are torchvision's.

As torchvision's, a version-1 checkpoint (fixed 32/16-channel stem, saved before depth scaling
reached the stem) of a model with ``alpha != 1`` is accepted: the stem is rebuilt in the v1 shape
with a warning before loading. minidl recognises such a checkpoint by its stem shapes (or a
``_metadata`` version, when the state dict carries one).
"""
import warnings
from typing import Any, List, Optional

from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import BatchNorm2d, Conv2d, Dropout, Linear, ReLU
from minidl.nn.module import Module

from ._api import (
    WeightsEnum,
    classification_weights,
    enum_kwargs,
    handle_legacy_interface,
    load_weights,
    register_model,
    resolve_weights,
)

__all__ = ["MNASNet", "MNASNet0_5_Weights", "MNASNet0_75_Weights", "MNASNet1_0_Weights", "MNASNet1_3_Weights",
           "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3"]

# The paper's TensorFlow momentum 0.9997 as a PyTorch momentum.
_BN_MOMENTUM = 1 - 0.9997


class _InvertedResidual(Module):
    """1x1 expand (ReLU), depthwise ``kernel_size`` conv (ReLU), linear 1x1 projection; the
    input is added back when the stride is 1 and the widths match."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, stride: int, expansion_factor: int,
                 bn_momentum: float = 0.1) -> None:
        super().__init__()
        if stride not in [1, 2]:
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        if kernel_size not in [3, 5]:
            raise ValueError(f"kernel_size should be 3 or 5 instead of {kernel_size}")
        mid_ch = in_ch * expansion_factor
        self.apply_residual = in_ch == out_ch and stride == 1
        self.layers = Sequential(
            Conv2d(in_ch, mid_ch, 1, bias=False),
            BatchNorm2d(mid_ch, momentum=bn_momentum),
            ReLU(inplace=True),
            Conv2d(mid_ch, mid_ch, kernel_size, padding=kernel_size // 2, stride=stride, groups=mid_ch, bias=False),
            BatchNorm2d(mid_ch, momentum=bn_momentum),
            ReLU(inplace=True),
            Conv2d(mid_ch, out_ch, 1, bias=False),
            BatchNorm2d(out_ch, momentum=bn_momentum),
        )

    def forward(self, input):
        """layers(input), plus input with the residual connection."""
        if self.apply_residual:
            return self.layers(input) + input
        return self.layers(input)


def _stack(in_ch: int, out_ch: int, kernel_size: int, stride: int, exp_factor: int, repeats: int,
           bn_momentum: float) -> Sequential:
    """``repeats`` inverted residuals; only the first changes width and stride."""
    if repeats < 1:
        raise ValueError(f"repeats should be >= 1, instead got {repeats}")
    first = _InvertedResidual(in_ch, out_ch, kernel_size, stride, exp_factor, bn_momentum=bn_momentum)
    remaining = [_InvertedResidual(out_ch, out_ch, kernel_size, 1, exp_factor, bn_momentum=bn_momentum)
                 for _ in range(1, repeats)]
    return Sequential(first, *remaining)


def _round_to_multiple_of(val: float, divisor: int, round_up_bias: float = 0.9) -> int:
    """``val`` rounded to a multiple of ``divisor``, up unless that is within 10% ((83, 8) -> 80, (84, 8) -> 88)."""
    if not 0.0 < round_up_bias < 1.0:
        raise ValueError(f"round_up_bias should be greater than 0.0 and smaller than 1.0 instead of {round_up_bias}")
    new_val = max(divisor, int(val + divisor / 2) // divisor * divisor)
    return new_val if new_val >= round_up_bias * val else new_val + divisor


def _get_depths(alpha: float) -> List[int]:
    """The 8 stage widths scaled by ``alpha``."""
    depths = [32, 16, 24, 40, 80, 96, 192, 320]
    return [_round_to_multiple_of(depth * alpha, 8) for depth in depths]


class MNASNet(Module):
    """MNASNet-B1: ``layers`` (stem conv, depthwise separable conv, 6 stacks of inverted
    residuals, 1x1 conv to 1280), global mean, ``classifier`` (Dropout, Linear); widths scaled
    by ``alpha``. (N, 3, H, W) -> (N, num_classes)."""

    _version = 2

    def __init__(self, alpha: float, num_classes: int = 1000, dropout: float = 0.2) -> None:
        super().__init__()
        if alpha <= 0.0:
            raise ValueError(f"alpha should be greater than 0.0 instead of {alpha}")
        self.alpha = alpha
        self.num_classes = num_classes
        depths = _get_depths(alpha)
        layers = [
            Conv2d(3, depths[0], 3, padding=1, stride=2, bias=False),
            BatchNorm2d(depths[0], momentum=_BN_MOMENTUM),
            ReLU(inplace=True),
            Conv2d(depths[0], depths[0], 3, padding=1, stride=1, groups=depths[0], bias=False),
            BatchNorm2d(depths[0], momentum=_BN_MOMENTUM),
            ReLU(inplace=True),
            Conv2d(depths[0], depths[1], 1, padding=0, stride=1, bias=False),
            BatchNorm2d(depths[1], momentum=_BN_MOMENTUM),
            _stack(depths[1], depths[2], 3, 2, 3, 3, _BN_MOMENTUM),
            _stack(depths[2], depths[3], 5, 2, 3, 3, _BN_MOMENTUM),
            _stack(depths[3], depths[4], 5, 2, 6, 3, _BN_MOMENTUM),
            _stack(depths[4], depths[5], 3, 1, 6, 2, _BN_MOMENTUM),
            _stack(depths[5], depths[6], 5, 2, 6, 4, _BN_MOMENTUM),
            _stack(depths[6], depths[7], 3, 1, 6, 1, _BN_MOMENTUM),
            Conv2d(depths[7], 1280, 1, padding=0, stride=1, bias=False),
            BatchNorm2d(1280, momentum=_BN_MOMENTUM),
            ReLU(inplace=True),
        ]
        self.layers = Sequential(*layers)
        self.classifier = Sequential(Dropout(p=dropout, inplace=True), Linear(1280, num_classes))
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    init.zeros_(m.bias)
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, Linear):
                init.kaiming_uniform_(m.weight, mode="fan_out", nonlinearity="sigmoid")
                init.zeros_(m.bias)
        self.register_load_state_dict_pre_hook(_v1_stem_hook)

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        return self.classifier(self.layers(x).mean([2, 3]))


def _v1_stem_hook(self, state_dict, prefix, local_metadata, *args) -> None:
    """Load-state-dict pre-hook: rebuild the stem in the v1 shape for a v1 checkpoint (alpha != 1)."""
    version = None
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        version = metadata.get(prefix[:-1], {}).get("version")
    if version is None:
        stem = state_dict.get(prefix + "layers.0.weight")
        if stem is None or self.alpha == 1.0 or tuple(stem.shape)[0] != 32 or _get_depths(self.alpha)[0] == 32:
            return
        version = 1
    if version not in [1, 2]:
        raise ValueError(f"version should be set to 1 or 2 instead of {version}")
    if version == 1 and not self.alpha == 1.0:
        depths = _get_depths(self.alpha)
        v1_stem = [
            Conv2d(3, 32, 3, padding=1, stride=2, bias=False),
            BatchNorm2d(32, momentum=_BN_MOMENTUM),
            ReLU(inplace=True),
            Conv2d(32, 32, 3, padding=1, stride=1, groups=32, bias=False),
            BatchNorm2d(32, momentum=_BN_MOMENTUM),
            ReLU(inplace=True),
            Conv2d(32, 16, 1, padding=0, stride=1, bias=False),
            BatchNorm2d(16, momentum=_BN_MOMENTUM),
            _stack(16, depths[2], 3, 2, 3, 3, _BN_MOMENTUM),
        ]
        for idx, layer in enumerate(v1_stem):
            self.layers[idx] = layer
        self._version = 1
        warnings.warn("A new version of MNASNet model has been implemented. Your checkpoint was saved using the "
                      "previous version. This checkpoint will load and work as before, but you may want to "
                      "upgrade by training a newer model or transfer learning from an updated ImageNet "
                      "checkpoint.", UserWarning, stacklevel=2)


_RECIPE_V1 = "https://github.com/1e100/mnasnet_trainer"
_RECIPE_V2 = "https://github.com/pytorch/vision/pull/6019"


class MNASNet0_5_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`mnasnet0_5`."""

    IMAGENET1K_V1 = classification_weights("mnasnet0.5_top1_67.823-3ffadce67e.pth", 2218512, (1, 1), 67.734, 87.490,
                                           recipe=_RECIPE_V1)
    DEFAULT = IMAGENET1K_V1


class MNASNet0_75_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`mnasnet0_75` (torchvision's new recipe, resize 232)."""

    IMAGENET1K_V1 = classification_weights("mnasnet0_75-7090bc5f.pth", 3170208, (1, 1), 71.180, 90.496,
                                           resize_size=232, recipe=_RECIPE_V2)
    DEFAULT = IMAGENET1K_V1


class MNASNet1_0_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`mnasnet1_0`."""

    IMAGENET1K_V1 = classification_weights("mnasnet1.0_top1_73.512-f206786ef8.pth", 4383312, (1, 1), 73.456,
                                           91.510, recipe=_RECIPE_V1)
    DEFAULT = IMAGENET1K_V1


class MNASNet1_3_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`mnasnet1_3` (torchvision's new recipe, resize 232)."""

    IMAGENET1K_V1 = classification_weights("mnasnet1_3-a4c69d6f.pth", 6282256, (1, 1), 76.506, 93.522,
                                           resize_size=232, recipe=_RECIPE_V2)
    DEFAULT = IMAGENET1K_V1


def _mnasnet(enum_cls, name, alpha, weights, progress, kwargs) -> MNASNet:
    weights = resolve_weights(enum_cls, weights, name)
    enum_kwargs(weights, kwargs)
    return load_weights(MNASNet(alpha, **kwargs), weights, progress)


@register_model(MNASNet0_5_Weights)
@handle_legacy_interface(MNASNet0_5_Weights.IMAGENET1K_V1)
def mnasnet0_5(*, weights: Optional[MNASNet0_5_Weights] = None, progress: bool = True, **kwargs: Any) -> MNASNet:
    """MNASNet with depth multiplier 0.5 (2,218,512 parameters); ``**kwargs`` go to :class:`MNASNet`."""
    return _mnasnet(MNASNet0_5_Weights, "mnasnet0_5", 0.5, weights, progress, kwargs)


@register_model(MNASNet0_75_Weights)
@handle_legacy_interface(MNASNet0_75_Weights.IMAGENET1K_V1)
def mnasnet0_75(*, weights: Optional[MNASNet0_75_Weights] = None, progress: bool = True, **kwargs: Any) -> MNASNet:
    """MNASNet with depth multiplier 0.75 (3,170,208 parameters)."""
    return _mnasnet(MNASNet0_75_Weights, "mnasnet0_75", 0.75, weights, progress, kwargs)


@register_model(MNASNet1_0_Weights)
@handle_legacy_interface(MNASNet1_0_Weights.IMAGENET1K_V1)
def mnasnet1_0(*, weights: Optional[MNASNet1_0_Weights] = None, progress: bool = True, **kwargs: Any) -> MNASNet:
    """MNASNet with depth multiplier 1.0 (4,383,312 parameters)."""
    return _mnasnet(MNASNet1_0_Weights, "mnasnet1_0", 1.0, weights, progress, kwargs)


@register_model(MNASNet1_3_Weights)
@handle_legacy_interface(MNASNet1_3_Weights.IMAGENET1K_V1)
def mnasnet1_3(*, weights: Optional[MNASNet1_3_Weights] = None, progress: bool = True, **kwargs: Any) -> MNASNet:
    """MNASNet with depth multiplier 1.3 (6,282,256 parameters)."""
    return _mnasnet(MNASNet1_3_Weights, "mnasnet1_3", 1.3, weights, progress, kwargs)
