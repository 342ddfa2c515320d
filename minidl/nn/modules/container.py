"""``minidl.nn.modules.container``: the names of ``torch.nn.modules.container``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    Container,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)

__all__ = ["Container", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]
