"""``CosineSimilarity`` and ``PairwiseDistance``: row-wise similarity and distance of two inputs."""
from __future__ import annotations

from minidl.nn._distance import cosine_similarity, pairwise_distance
from minidl.nn.module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine of the angle between x1 and x2 along ``dim``. Shapes: (*, D, *) twice -> (*, *)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        """x1, x2 broadcastable -> their broadcast shape without ``dim``."""
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """p-norm distance ||x1 - x2 + eps||_p along the last dim. Shapes: (N, D) twice -> (N,)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        """(N, D), (N, D) -> (N,) (or (N, 1) with ``keepdim``)."""
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
