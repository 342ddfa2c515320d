"""``minidl.nn.modules.module``: where PyTorch defines ``Module`` and the global module hooks."""
from minidl.autograd.handles import RemovableHandle  # noqa: F401
from minidl.nn._global_hooks import register_module_forward_hook, register_module_forward_pre_hook  # noqa: F401
from minidl.nn.module import Module, Parameter  # noqa: F401

__all__ = ["Module", "Parameter", "RemovableHandle", "register_module_forward_hook",
           "register_module_forward_pre_hook"]
