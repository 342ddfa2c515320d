"""``torch.nn.attention.bias``: causal masks for ``F.scaled_dot_product_attention`` when the query and key
lengths differ (decoding with a cache).

``causal_upper_left(q, kv)`` lets query ``i`` attend keys ``0..i`` (``is_causal=True``'s mask);
``causal_lower_right(q, kv)`` aligns the last query with the last key, so query ``i`` attends keys
``0..i + kv - q``. Each returns a :class:`CausalBias`, a Tensor holding that boolean (q, kv) mask (True: may
attend), which ``scaled_dot_product_attention`` takes as ``attn_mask`` and which prints as the mask, as
PyTorch's does.

>>> causal_lower_right(2, 4)
tensor([[ True,  True,  True, False],
        [ True,  True,  True,  True]])
"""
from __future__ import annotations

import enum
import warnings

import numpy as np

from ...tensor import Tensor

__all__ = ["causal_upper_left", "causal_lower_right", "CausalVariant", "CausalBias"]


class CausalVariant(enum.IntEnum):
    """Where the causal mask's diagonal starts: the upper-left corner or the lower-right one."""

    UPPER_LEFT = 1
    LOWER_RIGHT = 2


class CausalBias(Tensor):
    """A causal attention mask of ``seq_len_q`` queries by ``seq_len_kv`` keys (a bool Tensor of that shape)."""

    def __init__(self, variant: CausalVariant, seq_len_q: int, seq_len_kv: int):
        if not isinstance(variant, CausalVariant):
            raise TypeError(f"CausalBias: variant must be a CausalVariant, got {variant!r}")
        self.variant, self.seq_len_q, self.seq_len_kv = variant, int(seq_len_q), int(seq_len_kv)
        if variant is CausalVariant.LOWER_RIGHT and self.seq_len_q > self.seq_len_kv:
            warnings.warn("Lower right causal bias will produce NaNs in the output when seq_len_q > seq_len_kv!",
                          UserWarning, stacklevel=3)
        offset = 0 if variant is CausalVariant.UPPER_LEFT else self.seq_len_kv - self.seq_len_q
        super().__init__(np.tril(np.ones((self.seq_len_q, self.seq_len_kv), dtype=bool), k=offset))

    def _materialize(self, device=None) -> Tensor:
        """The mask as a plain bool Tensor (on ``device`` if given)."""
        mask = Tensor(self.array.copy())
        return mask if device is None else mask.to(device)


def causal_upper_left(*size) -> CausalBias:
    """The causal mask aligned at the upper-left corner: ``causal_upper_left(seq_len_q, seq_len_kv)``."""
    if len(size) != 2:
        raise AssertionError("causal_upper_left only supports 2D tensors")
    return CausalBias(CausalVariant.UPPER_LEFT, *size)


def causal_lower_right(*size) -> CausalBias:
    """The causal mask aligned at the lower-right corner: ``causal_lower_right(seq_len_q, seq_len_kv)``."""
    if len(size) != 2:
        raise AssertionError("causal_lower_right only supports 2D tensors")
    return CausalBias(CausalVariant.LOWER_RIGHT, *size)
