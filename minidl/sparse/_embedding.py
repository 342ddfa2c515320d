"""``F.embedding(..., sparse=True)``: the rows of the weight picked by integer ids, whose gradient with respect
to the weight is a sparse COO tensor (one stored row per looked-up id, uncoalesced), as PyTorch's."""
from __future__ import annotations

import numpy as np

from ._arrays import SparseCooArray
from ._autograd import CooFromValues, _SparseFunction

__all__ = ["SparseEmbedding"]


class SparseEmbedding(_SparseFunction):
    """weight (num_embeddings, dim)[ids] -> (*ids.shape, dim); the weight's gradient is sparse.

    ``keep``: the flat positions of ``ids`` whose rows get a gradient (not ``padding_idx``);
    ``scale_grad_by_freq``: refused in the backward pass, as PyTorch refuses it there."""

    def name(self):
        """PyTorch's node name."""
        return "EmbeddingBackward0"

    def forward(self, weight, ids, keep, scale_grad_by_freq=False):
        self.shape, self.ids, self.keep, self.by_freq = weight.shape, ids, keep, scale_grad_by_freq
        return weight[ids]

    def _indices(self):
        return self.ids.reshape(-1)[self.keep].astype(np.int64)[None, :]

    def _check(self):
        if self.by_freq:
            raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse gradients")

    def backward(self, g):
        self._check()
        values = g.reshape(-1, self.shape[1])[self.keep]
        return SparseCooArray(self._indices(), values, self.shape, False)

    def backward_graph(self, g):
        from ._ops import index_tensor
        self._check()
        values = g.reshape(-1, self.shape[1]).index_select(0, index_tensor(self.keep))
        return CooFromValues.apply(values, indices=self._indices(), shape=self.shape, coalesced=False)
