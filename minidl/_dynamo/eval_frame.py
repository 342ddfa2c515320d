"""``torch._dynamo.eval_frame.OptimizedModule``: what ``torch.compile(module)`` returns."""
from __future__ import annotations

from ..nn.module import Module

__all__ = ["OptimizedModule"]


class OptimizedModule(Module):
    """Wraps the compiled Module as its one child ``_orig_mod`` and calls it eagerly, as PyTorch's wrapper does
    once compiled: attributes are read from and written to the original (``opt.lin is mod.lin``), ``training``
    mirrors it, and ``state_dict``/``named_parameters`` keys carry the ``_orig_mod.`` prefix."""

    _opt_mod_attributes = {"_orig_mod", "dynamo_ctx", "_torchdynamo_orig_callable", "_torchdynamo_wrapper_id",
                           "get_compiler_config", "forward", "_forward", "__dict__", "named_children_walk",
                           "_super_module_initialized"}

    def __init__(self, mod, dynamo_ctx=None):
        object.__setattr__(self, "_orig_mod", mod)
        self._super_module_initialized = False
        super().__init__()
        self._super_module_initialized = True
        del self.__dict__["_orig_mod"]
        self._orig_mod = mod  # registered as the child module
        self.dynamo_ctx = dynamo_ctx
        self.forward = self._orig_mod.__call__

    def __len__(self):
        try:
            return len(self._orig_mod)
        except TypeError:
            raise TypeError(f"{type(self._orig_mod).__name__} does not support len()") from None

    def __reduce__(self):
        return (self.__class__, (self._orig_mod, self.dynamo_ctx))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("forward", None)
        return state

    def __setstate__(self, state):
        self.__dict__ = state
        self.forward = self._orig_mod.__call__

    @property
    def training(self):
        """The original module's ``training`` flag."""
        return self._orig_mod.training

    @training.setter
    def training(self, value):
        # Module.__init__'s default is ignored: the flag is the original module's
        if self.__dict__.get("_super_module_initialized"):
            self._orig_mod.training = value

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self.__dict__["_modules"]["_orig_mod"]
        return getattr(self._orig_mod, name)

    def __setattr__(self, name, value):
        if hasattr(type(self), name) or name in OptimizedModule._opt_mod_attributes:
            return super().__setattr__(name, value)
        return setattr(self._orig_mod, name, value)

    def __delattr__(self, name):
        if hasattr(type(self), name) or name in OptimizedModule._opt_mod_attributes:
            return super().__delattr__(name)
        return delattr(self._orig_mod, name)

    def __dir__(self):
        orig_mod_attrs = self._orig_mod.__dir__()
        return orig_mod_attrs + [attr for attr in super().__dir__() if attr not in orig_mod_attrs]
