"""``minidl.nn.modules.distance``: the names of ``torch.nn.modules.distance``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    CosineSimilarity,
    PairwiseDistance,
)

__all__ = ["PairwiseDistance", "CosineSimilarity"]
