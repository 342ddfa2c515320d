"""``minidl.cuda``'s random-number functions, as ``torch.cuda.random``.

minidl draws from one seeded generator for every device, so on a GPU these read and set that generator
(``minidl.cuda.get_rng_state()`` is ``minidl.get_rng_state()``: it holds the creation functions' draws,
which are made on the host; masks that CuPy draws on the device, such as dropout's, follow the seed but
not this state). Without a usable GPU they answer as a CPU-only PyTorch does: seeding is a silent no-op,
``initial_seed``/``get_rng_state`` raise, and the ``*_all`` forms see no devices.
"""
from __future__ import annotations

from .. import backend
from ._unavailable import require_gpu

__all__ = ["seed", "seed_all", "initial_seed", "get_rng_state", "set_rng_state", "get_rng_state_all",
           "set_rng_state_all"]


def seed() -> None:
    """Reseed with a fresh non-deterministic number (no-op without a GPU)."""
    if backend.gpu_available():
        backend.seed()


def seed_all() -> None:
    """As :func:`seed` (minidl has one generator for all devices)."""
    seed()


def initial_seed() -> int:
    """The seed of the generator GPU draws use. Needs a GPU."""
    require_gpu("initial_seed")
    return backend.initial_seed()


def get_rng_state(device="cuda"):
    """The generator's state as a uint8 Tensor (see :func:`minidl.get_rng_state`). Needs a GPU."""
    require_gpu("get_rng_state")
    from ..random import get_rng_state as _get
    return _get()


def set_rng_state(new_state, device="cuda") -> None:
    """Restore a state from :func:`get_rng_state` (no-op without a GPU, as PyTorch defers it until CUDA
    starts)."""
    if backend.gpu_available():
        from ..random import set_rng_state as _set
        _set(new_state)


def get_rng_state_all() -> list:
    """One state per GPU ([] without one)."""
    return [get_rng_state()] if backend.gpu_available() else []


def set_rng_state_all(new_states) -> None:
    """Restore the states from :func:`get_rng_state_all`."""
    for state in list(new_states)[:1]:
        set_rng_state(state)
