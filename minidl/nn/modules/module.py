"""``minidl.nn.modules.module``: where PyTorch defines ``Module``."""
from minidl.nn.module import Module  # noqa: F401

__all__ = ["Module"]
