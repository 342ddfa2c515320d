"""Transformer encoder layers and stacks (Vaswani et al. 2017), as ``torch.nn`` builds them.

``TransformerEncoderLayer``/``TransformerEncoder`` here; the decoder side and
the full ``Transformer`` are in :mod:`minidl.nn.layers.transformer_decoder`.
Parameter names match PyTorch's, so state dicts load either way.
"""
from __future__ import annotations

import copy
import warnings

import numpy as np

from minidl import autograd, backend
from minidl.dtypes import is_floating
from minidl.nn._mha import canonical_mask
from minidl.nn.containers import ModuleList
from minidl.nn.layers.activation import GELU, ReLU
from minidl.nn.layers.attention import MultiheadAttention
from minidl.nn.layers.dropout import Dropout
from minidl.nn.layers.layer_norm import LayerNorm
from minidl.nn.layers.linear import Linear
from minidl.nn.module import Module
from minidl.ops.activation import gelu, relu
from minidl.tensor import Tensor

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "activation_fn", "clones", "detect_is_causal_mask",
           "generate_square_subsequent_mask", "seq_len"]


def activation_fn(activation):
    """``"relu"``/``"gelu"`` as the functions; a callable unchanged; RuntimeError otherwise."""
    if isinstance(activation, str):
        if activation == "relu":
            return relu
        if activation == "gelu":
            return gelu
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return activation


def clones(module, n):
    """``n`` deep copies of ``module`` in a ModuleList (identical initial weights, as in PyTorch)."""
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def generate_square_subsequent_mask(sz, device=None, dtype=None):
    """The (sz, sz) causal float mask (default dtype): 0 on and below the diagonal, -inf above."""
    from minidl import get_default_dtype
    from minidl.tensor import tensor
    dt = np.dtype(dtype if dtype is not None else get_default_dtype())
    return tensor(np.triu(np.full((sz, sz), -np.inf, dtype=dt), 1), device=device)


def seq_len(src, batch_first):
    """The sequence length of an (S, E), (S, N, E) or (N, S, E) input."""
    if src.ndim == 2:
        return src.shape[0]
    return src.shape[1 if batch_first else 0]


def detect_is_causal_mask(mask, is_causal=None, size=None):
    """``is_causal`` when given; else whether ``mask`` equals the causal mask of ``size`` (PyTorch's rule)."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.shape[-2]
        data = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
        causal = np.triu(np.full((sz, sz), -np.inf), 1)
        if tuple(data.shape) == (sz, sz) and is_floating(data.dtype):
            make_causal = bool((backend.to_numpy(data) == causal).all())
        else:
            make_causal = False
    return make_causal


def _relu_or_gelu(activation):
    if activation is relu or isinstance(activation, ReLU):
        return 1
    if activation is gelu or isinstance(activation, GELU):
        return 2
    return 0


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with dropout, a residual and LayerNorm.

    Post-norm (default): x = norm1(x + SA(x)); x = norm2(x + FF(x)).
    ``norm_first=True``: x = x + SA(norm1(x)); x = x + FF(norm2(x)). FF is
    linear2(dropout(activation(linear1(x)))).

    Args: d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu
    ("relu", "gelu" or a callable), layer_norm_eps=1e-5, batch_first=False,
    norm_first=False, bias=True, device, dtype.

    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``:
    src (S, N, E) (batch_first: (N, S, E); unbatched (S, E)) -> the same shape.

    >>> import minidl as mdl, minidl.nn as nn
    >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
    >>> layer(mdl.randn(2, 5, 16)).shape
    minidl.Size([2, 5, 16])
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        factory = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        activation = activation_fn(activation)
        self.activation_relu_or_gelu = _relu_or_gelu(activation)
        self.activation = activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """(S, N, E) / (N, S, E) / (S, E) -> the same shape."""
        src_key_padding_mask = canonical_mask(src_key_padding_mask, "src_key_padding_mask", src_mask, "src_mask", src)
        src_mask = canonical_mask(src_mask, "src_mask", None, "", src, check_other=False)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _why_no_nested_tensor(layer):
    """PyTorch's reason for not using its nested-tensor path with this layer ("" when it would)."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not layer.self_attn.batch_first:
        return f"{name}.self_attn.batch_first was not True(use batch_first for better inference performance)"
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


def _left_aligned(padding):
    """Whether every row of a (N, S) bool padding mask is False...False True...True."""
    keep = ~padding
    return bool((keep[:, 1:] <= keep[:, :-1]).all()) if keep.shape[1] > 1 else True


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer``, then ``norm`` (if given).

    Args: encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
    mask_check=True. ``forward(src, mask=None, src_key_padding_mask=None,
    is_causal=None)``: src as the layer takes it -> the same shape;
    ``is_causal=None`` detects a causal ``mask``.

    As PyTorch's sparsity fast path does (evaluation mode, batch-first
    layers, a left-aligned ``src_key_padding_mask``, no ``mask``, and no
    gradient being recorded), the outputs at padding positions are then 0
    (before ``norm``). ``enable_nested_tensor`` warns as in PyTorch when the
    layer does not allow that path.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = _why_no_nested_tensor(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False because {why_not}",
                          UserWarning, stacklevel=2)
            self.use_nested_tensor = False

    def _zero_padding(self, src, mask, padding):
        """Whether PyTorch would run its nested-tensor path (padding positions come out as 0)."""
        first = self.layers[0]
        if not self.use_nested_tensor or first.training or src.ndim != 3 or padding is None or mask is not None:
            return False
        if self.mask_check and not _left_aligned(np.asarray(padding)):
            return False
        attn = first.self_attn
        params = (attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight, attn.out_proj.bias,
                  first.norm1.weight, first.norm1.bias, first.norm2.weight, first.norm2.bias,
                  first.linear1.weight, first.linear1.bias, first.linear2.weight, first.linear2.bias)
        tracked = src.requires_grad or any(p is not None and p.requires_grad for p in params)
        return not (autograd.is_grad_enabled() and tracked)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """Run every layer; see the class doc."""
        src_key_padding_mask = canonical_mask(src_key_padding_mask, "src_key_padding_mask", mask, "mask", src)
        mask = canonical_mask(mask, "mask", None, "", src, check_other=False)
        padding = None
        if src_key_padding_mask is not None:
            data = src_key_padding_mask.array
            padding = np.isneginf(backend.to_numpy(data))
        zero_padding = self._zero_padding(src, mask, padding)
        is_causal = detect_is_causal_mask(mask, is_causal, seq_len(src, self.layers[0].self_attn.batch_first))
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        if zero_padding:
            keep = (~padding).astype(output.array.dtype)[..., None]
            output = output * Tensor(output.xp.asarray(keep))
        if self.norm is not None:
            output = self.norm(output)
        return output
