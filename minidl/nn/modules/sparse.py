"""``minidl.nn.modules.sparse``: the names of ``torch.nn.modules.sparse``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    Embedding,
    EmbeddingBag,
)

__all__ = ["Embedding", "EmbeddingBag"]
