"""``minidl.nn.modules.lazy``: the names of ``torch.nn.modules.lazy``, for scripts that import
them from there."""
from minidl.nn.layers.lazy import LazyModuleMixin  # noqa: F401

__all__ = ["LazyModuleMixin"]
