"""torchvision's ``ConvNeXt`` (Liu et al., 2022), ``convnext_tiny/small/base/large`` and their ``*_Weights``
enums; keys ``features.0.0.weight``, ``features.1.0.block.0.weight``, ``features.1.0.layer_scale``, ...,
``classifier.2.weight`` and the initialisation (truncated normal, std 0.02) are torchvision's."""
from collections.abc import Sequence
from functools import partial
from typing import Any, Callable, List, Optional

import minidl.nn.functional as F
from minidl.creation import ones
from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import GELU, AdaptiveAvgPool2d, Conv2d, Flatten, LayerNorm, Linear
from minidl.nn.module import Module, Parameter

from .._ops_layers import Permute, StochasticDepth
from ._api import (
    WeightsEnum,
    classification_weights,
    enum_kwargs,
    handle_legacy_interface,
    load_weights,
    register_model,
    resolve_weights,
)
from .mobilenetv2 import Conv2dNormActivation

__all__ = ["ConvNeXt", "CNBlockConfig", "LayerNorm2d", "ConvNeXt_Tiny_Weights", "ConvNeXt_Small_Weights",
           "ConvNeXt_Base_Weights", "ConvNeXt_Large_Weights", "convnext_tiny", "convnext_small", "convnext_base",
           "convnext_large"]


class LayerNorm2d(LayerNorm):
    """LayerNorm over the channels of an (N, C, H, W) input (normalised_shape ``C``)."""

    def forward(self, x):
        """(N, C, H, W) -> (N, C, H, W), each pixel's channel vector normalised."""
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(Module):
    """ConvNeXt block: depthwise 7x7 conv, LayerNorm, Linear to 4 dim, GELU, Linear back (channels
    last in between), times ``layer_scale`` (a parameter of shape (dim, 1, 1)), stochastic depth,
    plus the input."""

    def __init__(self, dim, layer_scale: float, stochastic_depth_prob: float,
                 norm_layer: Optional[Callable[..., Module]] = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = partial(LayerNorm, eps=1e-6)
        self.block = Sequential(
            Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            norm_layer(dim),
            Linear(in_features=dim, out_features=4 * dim, bias=True),
            GELU(),
            Linear(in_features=4 * dim, out_features=dim, bias=True),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = Parameter(ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input):
        """input + stochastic_depth(layer_scale * block(input))."""
        result = self.layer_scale * self.block(input)
        return self.stochastic_depth(result) + input


class CNBlockConfig:
    """One ConvNeXt stage: ``num_layers`` blocks of width ``input_channels``, then (unless
    ``out_channels`` is None) a LayerNorm2d + 2x2 stride-2 conv to ``out_channels``."""

    def __init__(self, input_channels: int, out_channels: Optional[int], num_layers: int) -> None:
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(input_channels={self.input_channels}, "
                f"out_channels={self.out_channels}, num_layers={self.num_layers})")


class ConvNeXt(Module):
    """ConvNeXt: ``features`` (4x4 stride-4 stem conv + LayerNorm2d, then each stage's blocks and
    downsampling), global average pool, ``classifier`` (LayerNorm2d, Flatten, Linear). The
    stochastic depth probability grows linearly from 0 to ``stochastic_depth_prob`` over the
    blocks. (N, 3, H, W) -> (N, num_classes)."""

    def __init__(self, block_setting: List[CNBlockConfig], stochastic_depth_prob: float = 0.0,
                 layer_scale: float = 1e-6, num_classes: int = 1000, block: Optional[Callable[..., Module]] = None,
                 norm_layer: Optional[Callable[..., Module]] = None, **kwargs: Any) -> None:
        super().__init__()
        if not block_setting:
            raise ValueError("The block_setting should not be empty")
        elif not (isinstance(block_setting, Sequence) and all(isinstance(s, CNBlockConfig) for s in block_setting)):
            raise TypeError("The block_setting should be List[CNBlockConfig]")
        if block is None:
            block = CNBlock
        if norm_layer is None:
            norm_layer = partial(LayerNorm2d, eps=1e-6)
        firstconv_output_channels = block_setting[0].input_channels
        layers: List[Module] = [Conv2dNormActivation(3, firstconv_output_channels, kernel_size=4, stride=4,
                                                     padding=0, norm_layer=norm_layer, activation_layer=None,
                                                     bias=True)]
        total_stage_blocks = sum(cnf.num_layers for cnf in block_setting)
        stage_block_id = 0
        for cnf in block_setting:
            stage: List[Module] = []
            for _ in range(cnf.num_layers):
                sd_prob = stochastic_depth_prob * stage_block_id / (total_stage_blocks - 1.0)
                stage.append(block(cnf.input_channels, layer_scale, sd_prob))
                stage_block_id += 1
            layers.append(Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(Sequential(norm_layer(cnf.input_channels),
                                         Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)))
        self.features = Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d(1)
        lastblock = block_setting[-1]
        lastconv_output_channels = (lastblock.out_channels if lastblock.out_channels is not None
                                    else lastblock.input_channels)
        self.classifier = Sequential(norm_layer(lastconv_output_channels), Flatten(1),
                                     Linear(lastconv_output_channels, num_classes))
        for m in self.modules():
            if isinstance(m, (Conv2d, Linear)):
                init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    init.zeros_(m.bias)

    def _forward_impl(self, x):
        return self.classifier(self.avgpool(self.features(x)))

    def forward(self, x):
        """(N, 3, H, W) -> logits (N, num_classes)."""
        return self._forward_impl(x)


def _w(file, num_params, resize, acc1, acc5):
    return classification_weights(file, num_params, (32, 32), acc1, acc5, resize_size=resize,
                                  recipe="https://github.com/pytorch/vision/tree/main/references/classification"
                                         "#convnext")


class ConvNeXt_Tiny_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`convnext_tiny` (resize 236)."""

    IMAGENET1K_V1 = _w("convnext_tiny-983f1562.pth", 28589128, 236, 82.520, 96.146)
    DEFAULT = IMAGENET1K_V1


class ConvNeXt_Small_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`convnext_small` (resize 230)."""

    IMAGENET1K_V1 = _w("convnext_small-0c510722.pth", 50223688, 230, 83.616, 96.650)
    DEFAULT = IMAGENET1K_V1


class ConvNeXt_Base_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`convnext_base` (resize 232)."""

    IMAGENET1K_V1 = _w("convnext_base-6075fbad.pth", 88591464, 232, 84.062, 96.870)
    DEFAULT = IMAGENET1K_V1


class ConvNeXt_Large_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`convnext_large` (resize 232)."""

    IMAGENET1K_V1 = _w("convnext_large-ea097f82.pth", 197767336, 232, 84.414, 96.976)
    DEFAULT = IMAGENET1K_V1


def _convnext(enum_cls, name, widths, depths, sd_prob, weights, progress, kwargs) -> ConvNeXt:
    weights = resolve_weights(enum_cls, weights, name)
    enum_kwargs(weights, kwargs)
    block_setting = [CNBlockConfig(c, nxt, n) for c, nxt, n in zip(widths, list(widths[1:]) + [None], depths)]
    stochastic_depth_prob = kwargs.pop("stochastic_depth_prob", sd_prob)
    model = ConvNeXt(block_setting, stochastic_depth_prob=stochastic_depth_prob, **kwargs)
    return load_weights(model, weights, progress)


@register_model(ConvNeXt_Tiny_Weights)
@handle_legacy_interface(ConvNeXt_Tiny_Weights.IMAGENET1K_V1)
def convnext_tiny(*, weights: Optional[ConvNeXt_Tiny_Weights] = None, progress: bool = True,
                  **kwargs: Any) -> ConvNeXt:
    """ConvNeXt-T (28,589,128 parameters; widths 96-768, depths 3-3-9-3, stochastic depth 0.1);
    ``**kwargs`` go to :class:`ConvNeXt`."""
    return _convnext(ConvNeXt_Tiny_Weights, "convnext_tiny", (96, 192, 384, 768), (3, 3, 9, 3), 0.1, weights,
                     progress, kwargs)


@register_model(ConvNeXt_Small_Weights)
@handle_legacy_interface(ConvNeXt_Small_Weights.IMAGENET1K_V1)
def convnext_small(*, weights: Optional[ConvNeXt_Small_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> ConvNeXt:
    """ConvNeXt-S (50,223,688 parameters; widths 96-768, depths 3-3-27-3, stochastic depth 0.4)."""
    return _convnext(ConvNeXt_Small_Weights, "convnext_small", (96, 192, 384, 768), (3, 3, 27, 3), 0.4, weights,
                     progress, kwargs)


@register_model(ConvNeXt_Base_Weights)
@handle_legacy_interface(ConvNeXt_Base_Weights.IMAGENET1K_V1)
def convnext_base(*, weights: Optional[ConvNeXt_Base_Weights] = None, progress: bool = True,
                  **kwargs: Any) -> ConvNeXt:
    """ConvNeXt-B (88,591,464 parameters; widths 128-1024, depths 3-3-27-3, stochastic depth 0.5)."""
    return _convnext(ConvNeXt_Base_Weights, "convnext_base", (128, 256, 512, 1024), (3, 3, 27, 3), 0.5, weights,
                     progress, kwargs)


@register_model(ConvNeXt_Large_Weights)
@handle_legacy_interface(ConvNeXt_Large_Weights.IMAGENET1K_V1)
def convnext_large(*, weights: Optional[ConvNeXt_Large_Weights] = None, progress: bool = True,
                   **kwargs: Any) -> ConvNeXt:
    """ConvNeXt-L (197,767,336 parameters; widths 192-1536, depths 3-3-27-3, stochastic depth 0.5)."""
    return _convnext(ConvNeXt_Large_Weights, "convnext_large", (192, 384, 768, 1536), (3, 3, 27, 3), 0.5, weights,
                     progress, kwargs)
