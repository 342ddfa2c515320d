"""``skip_init``: build a module without its initialisation consuming random numbers (``torch.nn.utils.init``)."""
from __future__ import annotations

import inspect

from minidl import backend

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` whose parameters are left for the caller to initialise.

    As in PyTorch the class must accept a ``device`` argument: the module is
    built on the ``meta`` device (no memory, no initialisation) and then given
    real tensors on ``device`` (default "cpu") by ``to_empty``; their values are
    unspecified (zeros here): initialise them yourself (``nn.init``,
    ``load_state_dict``). Building the module consumes no random numbers (the
    global random stream is restored in case a module draws some itself).

    Raises:
        RuntimeError: ``module_cls`` is not a Module class, or takes no ``device`` argument.
    """
    from minidl.nn.module import Module
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    generator = backend.rng()
    state = generator.bit_generator.state
    try:
        with backend.Device("meta"):   # parameters are meta from the start, whatever the module builds them with
            module = module_cls(*args, device="meta", **kwargs)
    finally:
        generator.bit_generator.state = state
    return module.to_empty(device=final_device)
