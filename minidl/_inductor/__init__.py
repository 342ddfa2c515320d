"""``minidl._inductor`` (as ``torch._inductor``): the helpers scripts call around TorchInductor. minidl compiles
nothing, so there are no kernels to cache; :mod:`utils` keeps the names."""
from . import config, utils

__all__ = ["config", "utils"]
