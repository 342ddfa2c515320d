"""``minidl.random``: the global generator's seed and state, as ``torch.random``.

``manual_seed(n)`` seeds every random source minidl uses; ``initial_seed()``
returns that seed (or the one drawn at start-up); ``seed()`` reseeds with a
fresh number; ``get_rng_state()`` / ``set_rng_state(state)`` save and restore
the state as a uint8 Tensor, so the draws after a restore repeat.
"""
from __future__ import annotations

import numpy as np

from . import backend
from .backend import initial_seed, seed
from .generator import manual_seed
from .tensor import Tensor

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state"]


def get_rng_state() -> Tensor:
    """The global generator's state as a 1-D uint8 Tensor (opaque: pass it to :func:`set_rng_state`)."""
    return Tensor(np.frombuffer(backend.get_rng_state(), dtype=np.uint8).copy())


def set_rng_state(new_state) -> None:
    """Restore the state saved by :func:`get_rng_state` (a uint8 Tensor)."""
    raw = new_state.numpy() if isinstance(new_state, Tensor) else np.asarray(new_state)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise TypeError(f"set_rng_state: expected the 1-D uint8 tensor get_rng_state returned, got {raw.dtype} "
                        f"of shape {list(raw.shape)}")
    backend.set_rng_state(raw.tobytes())
