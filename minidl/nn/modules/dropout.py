"""``minidl.nn.modules.dropout``: the names of ``torch.nn.modules.dropout``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]
