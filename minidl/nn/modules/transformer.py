"""``minidl.nn.modules.transformer``: the names of ``torch.nn.modules.transformer``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]
