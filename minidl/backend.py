"""Devices, array modules and random state: the one place that knows about CuPy.

Every other module under ``minidl/`` asks this one instead of branching on the
device itself (``tests/test_package.py`` fails when another one mentions CuPy
or the CUDA array interface):

- ``get_array_module(a)`` (alias ``array_module``): ``numpy`` or ``cupy``;
- ``is_device_array(a)``, ``is_array(a)``: what kind of array ``a`` is;
- ``to_numpy(a)``, ``to_device(a, dev)``, ``device_of(a)``: moving between devices;
- ``Device``, ``is_gpu(dev)``, ``gpu_available()``, ``DeviceError``;
- ``manual_seed``, ``rng``, ``random_uniform``, ``index_add``.

CuPy is imported lazily, the first time a GPU is asked for, so ``import
minidl`` stays quick and works where CuPy is not installed.
"""
from __future__ import annotations

import importlib
import random
import threading

import numpy as np

__all__ = [
    "DeviceError", "Device", "device", "gpu_available", "get_array_module", "array_module",
    "is_device_array", "is_array", "is_gpu", "to_numpy", "to_device", "device_of", "current_stream_pointer",
    "manual_seed", "rng", "cupy_or_none",
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


array_module = get_array_module


def is_device_array(value) -> bool:
    """True for an array in GPU memory (a CuPy array, or anything exposing ``__cuda_array_interface__``)."""
    return hasattr(value, "__cuda_array_interface__")


def is_array(value) -> bool:
    """True for a NumPy array or a device array (not for lists, scalars or Tensors)."""
    return isinstance(value, np.ndarray) or is_device_array(value)


def is_gpu(dev) -> bool:
    """True when ``dev`` (a :class:`Device` or a name) is the GPU."""
    return Device(dev).type == "gpu"


def to_numpy(value) -> np.ndarray:
    """``value`` (a NumPy or device array, or array-like) as a NumPy array; copies device arrays to the host.

    A NumPy array comes back as it is (no copy).
    """
    if isinstance(value, np.ndarray):
        return value
    if is_device_array(value):
        if _cupy is not None and isinstance(value, _cupy.ndarray):
            return _cupy.asnumpy(value)
        return value.get()
    return np.asarray(value)


def current_stream_pointer(array):
    """The raw pointer of CuPy's current CUDA stream when ``array`` is a CuPy array, else None."""
    if _cupy is None or not isinstance(array, _cupy.ndarray):
        return None
    return _cupy.cuda.get_current_stream().ptr


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
    """The global NumPy Generator seeded by :func:`manual_seed`."""
    return _rng


def random_uniform(xp, shape, dtype=np.float32):
    """Uniform [0, 1) samples of ``dtype`` on the device of ``xp``, from the seeded generators."""
    if xp is np:
        return _rng.random(shape, dtype=np.dtype(dtype))
    return xp.random.random_sample(shape, dtype=dtype)


def index_add(target, index, values):
    """``target[index] += values`` in place, summing over repeated indices (np.add.at on CPU)."""
    if get_array_module(target) is np:
        np.add.at(target, index, values)
    else:
        import cupyx
        cupyx.scatter_add(target, index, values)
