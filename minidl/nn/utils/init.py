"""``skip_init``: build a module without its initialisation consuming random numbers (``torch.nn.utils.init``)."""
from __future__ import annotations

import inspect

from minidl import backend

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` whose parameters are left for the caller to initialise.

    As in PyTorch the class must accept a ``device`` argument (the module is
    built there, default "cpu"), and the values of its parameters and buffers
    are unspecified: initialise them yourself (``nn.init``, ``load_state_dict``).
    minidl has no "meta" device to build on, so the module's own initialisation
    runs, but the global random stream is restored afterwards: as with PyTorch's
    skip_init, building the module consumes no random numbers.

    Raises:
        RuntimeError: ``module_cls`` is not a Module class, or takes no ``device`` argument.
    """
    from minidl.nn.module import Module
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs["device"] = kwargs.pop("device", "cpu")
    generator = backend.rng()
    state = generator.bit_generator.state
    try:
        return module_cls(*args, **kwargs)
    finally:
        generator.bit_generator.state = state
