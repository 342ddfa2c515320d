"""Installs the PyTorch-surface mixins (:mod:`minidl.tensor_surface_inplace`, :mod:`minidl.tensor_surface_flags`,
:mod:`minidl.tensor_surface_methods`, :mod:`minidl.tensor_storage`) on :class:`minidl.Tensor`.

They are set as attributes of the class rather than added to its bases so that
``minidl/tensor.py`` does not need to know them; a name :class:`Tensor`
already defines is never replaced (``tests/test_tensor_surface_flags.py`` checks that none collides, so that
every mixin method is the one in use).
"""
from __future__ import annotations

__all__ = ["install", "MIXINS"]


def _mixins():
    from .tensor_storage import StorageMixin
    from .tensor_surface_flags import SurfaceFlagsMixin
    from .tensor_surface_inplace import SurfaceInplaceMixin
    from .tensor_surface_methods import SurfaceMethodsMixin
    return (SurfaceInplaceMixin, SurfaceFlagsMixin, SurfaceMethodsMixin, StorageMixin)


MIXINS = ()


def install():
    """Copy every public method/property of the mixins onto :class:`minidl.Tensor` (once); returns the names."""
    global MIXINS
    from .tensor import Tensor
    MIXINS = _mixins()
    added = []
    for mixin in MIXINS:
        for name, value in vars(mixin).items():
            if name in ("__module__", "__qualname__", "__doc__", "__dict__", "__weakref__"):
                continue
            if hasattr(Tensor, name) and getattr(Tensor, name, None) is not value:
                continue
            setattr(Tensor, name, value)
            added.append(name)
    from . import _torch_inplace
    from .tensor_surface_inplace import finish_signatures
    finish_signatures(Tensor)
    _torch_inplace.install()   # minidl.relu_(input), ...: the signatures of the now complete Tensor methods
    return added
