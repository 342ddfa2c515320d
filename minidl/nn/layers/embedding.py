"""``Embedding``: a lookup table of learned vectors, indexed by integer ids."""
from __future__ import annotations

import numpy as np

from minidl import autograd
from minidl._errors import ArgumentAssertionError
from minidl.nn import init
from minidl.nn._composite import embedding
from minidl.nn.layers._utils import _count, _factory, _place
from minidl.nn.module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``; ``forward(ids)`` picks rows.

    Args (PyTorch's): ``padding_idx`` (that row starts at zero and gets no
    gradient), ``max_norm`` / ``norm_type`` (looked-up rows are rescaled to at
    most that norm, in place), ``scale_grad_by_freq``, ``sparse`` (True: the
    weight's gradient is a sparse COO tensor), ``_weight`` (an initial table), ``_freeze``, ``device``, ``dtype``.

    Shapes: input (*) integer ids -> output (*, embedding_dim).
    Attribute ``weight`` (num_embeddings, embedding_dim) ~ N(0, 1).

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.Embedding(10, 3)(mdl.tensor([[1, 2], [4, 5]])).shape
    minidl.Size([2, 2, 3])
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        dev, dt = _factory(device, dtype)
        self.num_embeddings = _count("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = _count("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= int(padding_idx) < self.num_embeddings:
                raise ArgumentAssertionError(f"Embedding: padding_idx={padding_idx} must be within num_embeddings "
                                 f"({self.num_embeddings})")
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dtype=dt),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            values = _weight.array if hasattr(_weight, "array") else np.asarray(_weight)
            if tuple(values.shape) != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {list(values.shape)}, expected "
                                 f"[{self.num_embeddings}, {self.embedding_dim}]")
            self.weight = Parameter(values, requires_grad=not _freeze)
        _place(self, dev)

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), with the padding row set to zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with autograd.no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input):
        """Integer ids (*) -> (*, embedding_dim)."""
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        if self.sparse:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding whose table is ``embeddings`` (2-D); frozen (no gradient) unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {list(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings, _freeze=freeze)
