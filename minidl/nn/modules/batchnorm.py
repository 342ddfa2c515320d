"""``minidl.nn.modules.batchnorm``: the names of ``torch.nn.modules.batchnorm``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    SyncBatchNorm,
)
from minidl.nn.layers.normalization import _BatchNorm, _NormBase  # noqa: F401

__all__ = ["BatchNorm1d", "LazyBatchNorm1d", "BatchNorm2d", "LazyBatchNorm2d", "BatchNorm3d", "LazyBatchNorm3d",
           "SyncBatchNorm"]
