"""``torch.functional``: the module where PyTorch defines some of its top-level functions (``einsum``, ``norm``,
``split``, ``meshgrid``, ``unique``, ...). Scripts import it (``import torch.functional as F``); each name here is
the same object as ``minidl.<name>``.
"""
from __future__ import annotations

import minidl as _minidl

_TORCH_FUNCTIONAL = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
                     "cartesian_prod", "block_diag", "cdist", "chain_matmul", "einsum", "istft", "lu", "norm",
                     "meshgrid", "pca_lowrank", "split", "stft", "svd_lowrank", "tensordot", "unique",
                     "unique_consecutive", "unravel_index"]

__all__ = [name for name in _TORCH_FUNCTIONAL if hasattr(_minidl, name)]
globals().update({name: getattr(_minidl, name) for name in __all__})


def __getattr__(name):
    """A name of torch.functional that minidl gained after this module was imported (``minidl.<name>``)."""
    if name in _TORCH_FUNCTIONAL and hasattr(_minidl, name):
        return getattr(_minidl, name)
    raise AttributeError(f"module 'minidl.functional' has no attribute {name!r}")
