"""torchvision's ``VisionTransformer`` (Dosovitskiy et al., 2020), ``vit_b_16``, ``vit_b_32``, ``vit_l_16``,
``vit_l_32``, ``vit_h_14``, their ``*_Weights`` enums and ``interpolate_embeddings``; keys
``class_token``, ``conv_proj.weight``, ``encoder.pos_embedding``,
``encoder.layers.encoder_layer_0.self_attention.in_proj_weight``, ..., ``heads.head.weight`` and the
initialisation are torchvision's.

As in torchvision, a SWAG end-to-end member (``IMAGENET1K_SWAG_E2E_V1``) builds the model for its
larger image size (``min_size``: 384, 512 or 518).
"""
import math
from collections import OrderedDict
from functools import partial
from typing import Any, Callable, List, NamedTuple, Optional

import minidl.nn.functional as F
from minidl.creation import empty, zeros
from minidl.nn import init
from minidl.nn.containers import Sequential
from minidl.nn.layers import GELU, BatchNorm2d, Conv2d, Dropout, LayerNorm, Linear, ReLU, Tanh
from minidl.nn.layers.attention import MultiheadAttention
from minidl.nn.module import Module, Parameter
from minidl.ops.shape import cat

from .._ops_layers import MLP
from ..transforms import InterpolationMode
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
from .mobilenetv2 import Conv2dNormActivation

__all__ = ["VisionTransformer", "ViT_B_16_Weights", "ViT_B_32_Weights", "ViT_L_16_Weights", "ViT_L_32_Weights",
           "ViT_H_14_Weights", "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14", "interpolate_embeddings"]


class ConvStemConfig(NamedTuple):
    """One conv-BN-ReLU layer of an optional convolutional stem (Xiao et al., 2021)."""

    out_channels: int
    kernel_size: int
    stride: int
    norm_layer: Callable[..., Module] = BatchNorm2d
    activation_layer: Callable[..., Module] = ReLU


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _mlp_v1_keys(module, state_dict, prefix, *args) -> None:
    """Load-state-dict pre-hook: the ``linear_1``/``linear_2`` names of version-1 files as ``0``/``3``."""
    for i in range(2):
        for kind in ["weight", "bias"]:
            old_key = f"{prefix}linear_{i + 1}.{kind}"
            if old_key in state_dict:
                state_dict[f"{prefix}{3 * i}.{kind}"] = state_dict.pop(old_key)


class MLPBlock(MLP):
    """The transformer MLP: Linear to ``mlp_dim``, GELU, Dropout, Linear back, Dropout (Xavier-uniform
    weights, N(0, 1e-6) biases)."""

    _version = 2

    def __init__(self, in_dim: int, mlp_dim: int, dropout: float) -> None:
        super().__init__(in_dim, [mlp_dim, in_dim], activation_layer=GELU, inplace=None, dropout=dropout)
        for m in self.modules():
            if isinstance(m, Linear):
                init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    init.normal_(m.bias, std=1e-6)
        self.register_load_state_dict_pre_hook(_mlp_v1_keys)


class EncoderBlock(Module):
    """Pre-norm transformer encoder block: x + attention(ln_1(x)), then + mlp(ln_2(.)).
    (N, S, hidden_dim) -> (N, S, hidden_dim)."""

    def __init__(self, num_heads: int, hidden_dim: int, mlp_dim: int, dropout: float, attention_dropout: float,
                 norm_layer: Callable[..., Module] = partial(LayerNorm, eps=1e-6)) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = MultiheadAttention(hidden_dim, num_heads, dropout=attention_dropout, batch_first=True)
        self.dropout = Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input):
        """The block's output, same shape as ``input``."""
        _check(input.dim() == 3, f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + input
        return x + self.mlp(self.ln_2(x))


class Encoder(Module):
    """``pos_embedding`` (1, seq_length, hidden_dim) added, dropout, ``num_layers`` encoder blocks
    (``layers.encoder_layer_<i>``), final LayerNorm ``ln``."""

    def __init__(self, seq_length: int, num_layers: int, num_heads: int, hidden_dim: int, mlp_dim: int,
                 dropout: float, attention_dropout: float,
                 norm_layer: Callable[..., Module] = partial(LayerNorm, eps=1e-6)) -> None:
        super().__init__()
        self.pos_embedding = Parameter(empty(1, seq_length, hidden_dim).normal_(std=0.02))
        self.dropout = Dropout(dropout)
        layers = OrderedDict()
        for i in range(num_layers):
            layers[f"encoder_layer_{i}"] = EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                                                        norm_layer)
        self.layers = Sequential(layers)
        self.ln = norm_layer(hidden_dim)

    def forward(self, input):
        """(N, seq_length, hidden_dim) -> (N, seq_length, hidden_dim)."""
        _check(input.dim() == 3, f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")
        input = input + self.pos_embedding
        return self.ln(self.layers(self.dropout(input)))


class VisionTransformer(Module):
    """Vision Transformer: ``conv_proj`` cuts (N, 3, image_size, image_size) into patches of
    ``patch_size`` embedded in ``hidden_dim``, a class token is prepended, the ``encoder`` runs,
    and ``heads`` maps the class token to ``num_classes`` logits (through a Tanh
    ``pre_logits`` layer when ``representation_size`` is given)."""

    def __init__(self, image_size: int, patch_size: int, num_layers: int, num_heads: int, hidden_dim: int,
                 mlp_dim: int, dropout: float = 0.0, attention_dropout: float = 0.0, num_classes: int = 1000,
                 representation_size: Optional[int] = None,
                 norm_layer: Callable[..., Module] = partial(LayerNorm, eps=1e-6),
                 conv_stem_configs: Optional[List[ConvStemConfig]] = None) -> None:
        super().__init__()
        _check(image_size % patch_size == 0, "Input shape indivisible by patch size!")
        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.mlp_dim = mlp_dim
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.num_classes = num_classes
        self.representation_size = representation_size
        self.norm_layer = norm_layer
        if conv_stem_configs is not None:
            seq_proj = Sequential()
            prev_channels = 3
            for i, cfg in enumerate(conv_stem_configs):
                seq_proj.add_module(f"conv_bn_relu_{i}", Conv2dNormActivation(
                    in_channels=prev_channels, out_channels=cfg.out_channels, kernel_size=cfg.kernel_size,
                    stride=cfg.stride, norm_layer=cfg.norm_layer, activation_layer=cfg.activation_layer))
                prev_channels = cfg.out_channels
            seq_proj.add_module("conv_last", Conv2d(in_channels=prev_channels, out_channels=hidden_dim,
                                                    kernel_size=1))
            self.conv_proj = seq_proj
        else:
            self.conv_proj = Conv2d(in_channels=3, out_channels=hidden_dim, kernel_size=patch_size,
                                    stride=patch_size)
        seq_length = (image_size // patch_size) ** 2
        self.class_token = Parameter(zeros(1, 1, hidden_dim))
        seq_length += 1
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                               norm_layer)
        self.seq_length = seq_length
        heads_layers = OrderedDict()
        if representation_size is None:
            heads_layers["head"] = Linear(hidden_dim, num_classes)
        else:
            heads_layers["pre_logits"] = Linear(hidden_dim, representation_size)
            heads_layers["act"] = Tanh()
            heads_layers["head"] = Linear(representation_size, num_classes)
        self.heads = Sequential(heads_layers)
        if isinstance(self.conv_proj, Conv2d):
            fan_in = self.conv_proj.in_channels * self.conv_proj.kernel_size[0] * self.conv_proj.kernel_size[1]
            init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
            if self.conv_proj.bias is not None:
                init.zeros_(self.conv_proj.bias)
        elif isinstance(getattr(self.conv_proj, "conv_last", None), Conv2d):
            last = self.conv_proj.conv_last
            init.normal_(last.weight, mean=0.0, std=math.sqrt(2.0 / last.out_channels))
            if last.bias is not None:
                init.zeros_(last.bias)
        if isinstance(getattr(self.heads, "pre_logits", None), Linear):
            init.trunc_normal_(self.heads.pre_logits.weight, std=math.sqrt(1 / self.heads.pre_logits.in_features))
            init.zeros_(self.heads.pre_logits.bias)
        if isinstance(self.heads.head, Linear):
            init.zeros_(self.heads.head.weight)
            init.zeros_(self.heads.head.bias)

    def _process_input(self, x):
        n, _c, h, w = x.shape
        p = self.patch_size
        _check(h == self.image_size, f"Wrong image height! Expected {self.image_size} but got {h}!")
        _check(w == self.image_size, f"Wrong image width! Expected {self.image_size} but got {w}!")
        n_h, n_w = h // p, w // p
        x = self.conv_proj(x)
        return x.reshape(n, self.hidden_dim, n_h * n_w).permute(0, 2, 1)

    def forward(self, x):
        """(N, 3, image_size, image_size) -> logits (N, num_classes)."""
        x = self._process_input(x)
        n = x.shape[0]
        x = cat([self.class_token.expand(n, -1, -1), x], dim=1)
        x = self.encoder(x)
        return self.heads(x[:, 0])


_SWAG = "https://github.com/facebookresearch/SWAG"
_SWAG_LICENSE = "https://github.com/facebookresearch/SWAG/blob/main/LICENSE"
_LINEAR_RECIPE = "https://github.com/pytorch/vision/pull/5793"


def _v1(file, num_params, acc1, acc5, name, resize=256):
    return classification_weights(file, num_params, (224, 224), acc1, acc5, resize_size=resize,
                                  recipe=f"https://github.com/pytorch/vision/tree/main/references/classification#{name}")


def _swag(file, num_params, size, acc1, acc5, recipe=_SWAG):
    w = classification_weights(file, num_params, (size, size), acc1, acc5, resize_size=size, crop_size=size,
                               recipe=recipe, interpolation=InterpolationMode.BICUBIC)
    w.meta["license"] = _SWAG_LICENSE
    return w


class ViT_B_16_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vit_b_16` (V1: DeiT recipe; SWAG end-to-end at 384 px; SWAG linear)."""

    IMAGENET1K_V1 = _v1("vit_b_16-c867db91.pth", 86567656, 81.072, 95.318, "vit_b_16")
    IMAGENET1K_SWAG_E2E_V1 = _swag("vit_b_16_swag-9ac1b537.pth", 86859496, 384, 85.304, 97.650)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag("vit_b_16_lc_swag-4e70ced5.pth", 86567656, 224, 81.886, 96.180, _LINEAR_RECIPE)
    DEFAULT = IMAGENET1K_V1


class ViT_B_32_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vit_b_32`."""

    IMAGENET1K_V1 = _v1("vit_b_32-d86f8d99.pth", 88224232, 75.912, 92.466, "vit_b_32")
    DEFAULT = IMAGENET1K_V1


class ViT_L_16_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vit_l_16` (V1 resize 242; SWAG end-to-end at 512 px; SWAG linear)."""

    IMAGENET1K_V1 = _v1("vit_l_16-852ce7e3.pth", 304326632, 79.662, 94.638, "vit_l_16", resize=242)
    IMAGENET1K_SWAG_E2E_V1 = _swag("vit_l_16_swag-4f3808c9.pth", 305174504, 512, 88.064, 98.512)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag("vit_l_16_lc_swag-4d563306.pth", 304326632, 224, 85.146, 97.422,
                                      _LINEAR_RECIPE)
    DEFAULT = IMAGENET1K_V1


class ViT_L_32_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vit_l_32`."""

    IMAGENET1K_V1 = _v1("vit_l_32-c7638314.pth", 306535400, 76.972, 93.07, "vit_l_32")
    DEFAULT = IMAGENET1K_V1


class ViT_H_14_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`vit_h_14` (SWAG end-to-end at 518 px, the default; SWAG linear)."""

    IMAGENET1K_SWAG_E2E_V1 = _swag("vit_h_14_swag-80465313.pth", 633470440, 518, 88.552, 98.694)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag("vit_h_14_lc_swag-c1eb923e.pth", 632045800, 224, 85.708, 97.730,
                                      _LINEAR_RECIPE)
    DEFAULT = IMAGENET1K_SWAG_E2E_V1


def _vision_transformer(enum_cls, name, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, weights, progress,
                        kwargs) -> VisionTransformer:
    weights = resolve_weights(enum_cls, weights, name)
    enum_kwargs(weights, kwargs)
    if isinstance(weights, WeightsEnum):
        assert weights.meta["min_size"][0] == weights.meta["min_size"][1]
        overwrite_named_param(kwargs, "image_size", weights.meta["min_size"][0])
    image_size = kwargs.pop("image_size", 224)
    model = VisionTransformer(image_size=image_size, patch_size=patch_size, num_layers=num_layers,
                              num_heads=num_heads, hidden_dim=hidden_dim, mlp_dim=mlp_dim, **kwargs)
    return load_weights(model, weights, progress)


@register_model(ViT_B_16_Weights)
@handle_legacy_interface(ViT_B_16_Weights.IMAGENET1K_V1)
def vit_b_16(*, weights: Optional[ViT_B_16_Weights] = None, progress: bool = True,
             **kwargs: Any) -> VisionTransformer:
    """ViT-B/16 (86,567,656 parameters at 224 px: 12 layers, 12 heads, width 768, MLP 3072);
    ``**kwargs`` (``image_size``, ``num_classes``, ``dropout``, ...) go to :class:`VisionTransformer`."""
    return _vision_transformer(ViT_B_16_Weights, "vit_b_16", 16, 12, 12, 768, 3072, weights, progress, kwargs)


@register_model(ViT_B_32_Weights)
@handle_legacy_interface(ViT_B_32_Weights.IMAGENET1K_V1)
def vit_b_32(*, weights: Optional[ViT_B_32_Weights] = None, progress: bool = True,
             **kwargs: Any) -> VisionTransformer:
    """ViT-B/32 (88,224,232 parameters: 12 layers, 12 heads, width 768, MLP 3072)."""
    return _vision_transformer(ViT_B_32_Weights, "vit_b_32", 32, 12, 12, 768, 3072, weights, progress, kwargs)


@register_model(ViT_L_16_Weights)
@handle_legacy_interface(ViT_L_16_Weights.IMAGENET1K_V1)
def vit_l_16(*, weights: Optional[ViT_L_16_Weights] = None, progress: bool = True,
             **kwargs: Any) -> VisionTransformer:
    """ViT-L/16 (304,326,632 parameters: 24 layers, 16 heads, width 1024, MLP 4096)."""
    return _vision_transformer(ViT_L_16_Weights, "vit_l_16", 16, 24, 16, 1024, 4096, weights, progress, kwargs)


@register_model(ViT_L_32_Weights)
@handle_legacy_interface(ViT_L_32_Weights.IMAGENET1K_V1)
def vit_l_32(*, weights: Optional[ViT_L_32_Weights] = None, progress: bool = True,
             **kwargs: Any) -> VisionTransformer:
    """ViT-L/32 (306,535,400 parameters: 24 layers, 16 heads, width 1024, MLP 4096)."""
    return _vision_transformer(ViT_L_32_Weights, "vit_l_32", 32, 24, 16, 1024, 4096, weights, progress, kwargs)


@register_model(ViT_H_14_Weights)
@handle_legacy_interface(None)
def vit_h_14(*, weights: Optional[ViT_H_14_Weights] = None, progress: bool = True,
             **kwargs: Any) -> VisionTransformer:
    """ViT-H/14 (632,045,800 parameters at 224 px: 32 layers, 16 heads, width 1280, MLP 5120); its
    pretrained weights are SWAG's only (``pretrained=True`` is an error, as in torchvision)."""
    return _vision_transformer(ViT_H_14_Weights, "vit_h_14", 14, 32, 16, 1280, 5120, weights, progress, kwargs)


def interpolate_embeddings(image_size: int, patch_size: int, model_state, interpolation_mode: str = "bicubic",
                           reset_heads: bool = False):
    """``model_state`` (a ViT state dict) with ``encoder.pos_embedding`` resized for ``image_size``
    / ``patch_size`` (the class token's embedding kept, the patch grid interpolated with
    ``align_corners=True``); with ``reset_heads`` the ``heads.*`` entries are dropped."""
    pos_embedding = model_state["encoder.pos_embedding"]
    n, seq_length, hidden_dim = pos_embedding.shape
    if n != 1:
        raise ValueError(f"Unexpected position embedding shape: {pos_embedding.shape}")
    new_seq_length = (image_size // patch_size) ** 2 + 1
    if new_seq_length != seq_length:
        seq_length -= 1
        new_seq_length -= 1
        pos_embedding_token = pos_embedding[:, :1, :]
        pos_embedding_img = pos_embedding[:, 1:, :].permute(0, 2, 1)
        seq_length_1d = int(math.sqrt(seq_length))
        if seq_length_1d * seq_length_1d != seq_length:
            raise ValueError("seq_length is not a perfect square! Instead got seq_length_1d * seq_length_1d = "
                             f"{seq_length_1d * seq_length_1d } and seq_length = {seq_length}")
        pos_embedding_img = pos_embedding_img.reshape(1, hidden_dim, seq_length_1d, seq_length_1d)
        new_seq_length_1d = image_size // patch_size
        new_img = F.interpolate(pos_embedding_img, size=new_seq_length_1d, mode=interpolation_mode,
                                align_corners=True)
        new_img = new_img.reshape(1, hidden_dim, new_seq_length).permute(0, 2, 1)
        model_state["encoder.pos_embedding"] = cat([pos_embedding_token, new_img], dim=1)
        if reset_heads:
            model_state = OrderedDict((k, v) for k, v in model_state.items() if not k.startswith("heads"))
    return model_state
