"""``minidl.nn.modules.fold``: the names of ``torch.nn.modules.fold``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    Fold,
    Unfold,
)

__all__ = ["Fold", "Unfold"]
