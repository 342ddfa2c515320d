"""Devices, array modules and random state: the one place that knows about CuPy.

Every other module asks this one for the array module of an array
(``get_array_module``) instead of branching on the device itself. CuPy is
imported lazily, the first time a GPU is asked for, so ``import minidl`` stays
quick and works where CuPy is not installed.
"""
from __future__ import annotations

import contextlib
import importlib
import math
import random
import threading

import numpy as np

__all__ = [
    "DeviceError", "Device", "device", "gpu_available", "get_array_module",
    "to_device", "device_of", "manual_seed", "rng", "new_rng", "rng_scope", "cupy_or_none",
]


class DeviceError(RuntimeError):
    """Raised when a device is unusable or arrays of two devices are mixed."""


_cupy = None
_cupy_problem = None
_cupy_checked = False
_lock = threading.Lock()


def _probe_cupy():
    """Import CuPy and check that a CUDA device answers; remember the outcome."""
    global _cupy, _cupy_problem, _cupy_checked
    with _lock:
        if _cupy_checked:
            return
        _cupy_checked = True
        try:
            cp = importlib.import_module("cupy")
        except Exception as exc:  # ImportError, or a broken CUDA install
            _cupy_problem = (f"CuPy is not installed or failed to import ({exc}); "
                             "install it with `pip install minidl[gpu]`")
            return
        try:
            count = cp.cuda.runtime.getDeviceCount()
        except Exception as exc:
            _cupy_problem = f"CuPy is installed but the CUDA driver/runtime is unusable ({exc})"
            return
        if count < 1:
            _cupy_problem = "CuPy is installed but no CUDA device is visible"
            return
        _cupy = cp


def cupy_or_none():
    """Return the CuPy module if a CUDA device is usable, else None (never raises)."""
    _probe_cupy()
    return _cupy


def gpu_available() -> bool:
    """True when CuPy imports and at least one CUDA device is usable."""
    return cupy_or_none() is not None


class Device:
    """A compute device: ``Device("cpu")`` (NumPy) or ``Device("gpu")`` (CuPy).

    ``"cuda"`` and ``"cuda:0"`` are accepted as names for the GPU. Building a GPU
    device where none is usable raises :class:`DeviceError` at once.
    """

    __slots__ = ("type",)

    def __init__(self, name="cpu"):
        if isinstance(name, Device):
            self.type = name.type
            return
        key = str(name).lower().strip()
        if key == "cpu":
            self.type = "cpu"
        elif key in ("gpu", "cuda") or key.startswith("cuda:") or key.startswith("gpu:"):
            _probe_cupy()
            if _cupy is None:
                raise DeviceError(f"device {name!r} requested but no GPU is usable: {_cupy_problem}")
            self.type = "gpu"
        else:
            raise DeviceError(f"unknown device {name!r}; use 'cpu', 'gpu' or 'cuda'")

    @property
    def xp(self):
        """The array module of this device (numpy or cupy)."""
        return np if self.type == "cpu" else _cupy

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = Device(other)
            except DeviceError:
                return False
        return isinstance(other, Device) and other.type == self.type

    def __hash__(self):
        return hash(self.type)

    def __repr__(self):
        return f"device({self.type!r})"

    def __str__(self):
        return self.type


CPU = Device("cpu")


def device(name="cpu") -> Device:
    """Return the :class:`Device` called ``name`` ("cpu", "gpu" or "cuda")."""
    return Device(name)


def get_array_module(array):
    """Return ``numpy`` or ``cupy``: the module that owns ``array``."""
    if isinstance(array, np.ndarray) or _cupy is None:
        return np
    return _cupy.get_array_module(array)


def device_of(array) -> Device:
    """The :class:`Device` that holds ``array``."""
    if isinstance(array, np.ndarray) or _cupy is None or not isinstance(array, _cupy.ndarray):
        return CPU
    return Device("gpu")


def to_device(array, dev):
    """Copy ``array`` to device ``dev`` (no copy when it is already there)."""
    dev = Device(dev)
    if dev.type == "cpu":
        if _cupy is not None and isinstance(array, _cupy.ndarray):
            return _cupy.asnumpy(array)
        return np.asarray(array)
    return _cupy.asarray(array)


# --- random state -----------------------------------------------------------
# One NumPy Generator drives initialisation, dropout masks, shuffling and
# augmentation seeds; ``manual_seed`` resets it (and CuPy's, when loaded).
_rng = np.random.default_rng()
_thread_rng = threading.local()  # per-thread override set by ``rng_scope``


def manual_seed(seed: int) -> None:
    """Seed every random source minidl uses (init, dropout, shuffling, augmentation)."""
    global _rng
    seed = int(seed)
    _rng = np.random.default_rng(seed)
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    if _cupy is not None:
        _cupy.random.seed(seed)


def rng() -> np.random.Generator:
    """The global NumPy Generator seeded by :func:`manual_seed` (or, inside
    :func:`rng_scope` in this thread, the scope's generator)."""
    return getattr(_thread_rng, "generator", None) or _rng


@contextlib.contextmanager
def rng_scope(generator: np.random.Generator):
    """Within the block, :func:`rng` in the calling thread returns ``generator``.

    The DataLoader prepares each batch inside a scope with a generator derived
    from (seed, epoch, batch), so a transform drawing from minidl's global
    generator gets the same numbers whichever thread prepares the batch and in
    whatever order, and never advances the main generator (dropout's).
    """
    previous = getattr(_thread_rng, "generator", None)
    _thread_rng.generator = generator
    try:
        yield generator
    finally:
        _thread_rng.generator = previous


def new_rng(seed=None) -> np.random.Generator:
    """A fresh Generator: from ``seed`` when given, else drawn from the global one."""
    if seed is None:
        seed = int(rng().integers(0, 2 ** 63 - 1))
    return np.random.default_rng(seed)


def random_uniform(xp, shape, dtype=np.float32):
    """Uniform [0, 1) samples of ``dtype`` on the device of ``xp``, from the seeded generators."""
    if xp is np:
        return rng().random(shape, dtype=np.dtype(dtype))
    return xp.random.random_sample(shape, dtype=dtype)


def index_add(target, index, values):
    """``target[index] += values`` in place, summing over repeated indices (np.add.at on CPU)."""
    if get_array_module(target) is np:
        np.add.at(target, index, values)
    else:
        import cupyx
        cupyx.scatter_add(target, index, values)


_erf_ufunc = None


def _erf_scalar(v):
    return math.erf(v)


def erf(array):
    """The error function, elementwise, on a NumPy or CuPy floating array (same dtype).

    CuPy arrays use ``cupyx.scipy.special.erf``; NumPy arrays a Numba ufunc
    over ``math.erf`` (compiled on first use), so values are exact to the
    last bit or two in float32 and float64.
    """
    global _erf_ufunc
    if get_array_module(array) is not np:
        import cupyx.scipy.special
        return cupyx.scipy.special.erf(array)
    if _erf_ufunc is None:
        import numba
        _erf_ufunc = numba.vectorize(["float32(float32)", "float64(float64)"], cache=True)(_erf_scalar)
    return _erf_ufunc(array)
