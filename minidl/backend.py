"""Devices, array modules and random state: the one place that knows about CuPy.

Every other module under ``minidl/`` asks this one instead of branching on the device itself
(``tests/test_package.py`` fails when another one mentions CuPy or the CUDA array interface):

- ``get_array_module(a)`` (alias ``array_module``): ``numpy`` or ``cupy``;
- ``is_device_array(a)``, ``is_array(a)``: what kind of array ``a`` is;
- ``to_numpy(a)``, ``to_device(a, dev)``, ``device_of(a)``: moving between devices;
- ``Device``, ``is_gpu(dev)``, ``gpu_available()``, ``DeviceError``;
- ``manual_seed``, ``rng``, ``random_uniform``, ``bernoulli_mask``, ``index_add``.
CuPy is imported lazily, the first time a GPU is asked for, so ``import minidl`` stays quick without it.
"""
from __future__ import annotations

import builtins
import contextlib
import importlib
import os
import threading

import numpy as np

from minidl import mt19937 as _mt19937
from minidl.meta_array import META_NUMPY, MetaArray, is_meta_array  # noqa: F401  (is_meta_array: public helper)

__all__ = [
    "DeviceError", "Device", "device", "gpu_available", "require_usable", "same_device", "get_array_module",
    "array_module", "is_device_array", "is_array", "is_gpu", "to_numpy", "to_device", "device_of",
    "current_stream_pointer", "nccl_module", "manual_seed", "rng", "new_rng", "rng_scope", "cupy_or_none",
    "bernoulli_mask", "gpu_problem", "gpu_device_count", "gpu_device_name", "gpu_synchronize", "gpu_empty_cache",
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


def gpu_problem():
    """Why no GPU is usable (a sentence), or None when one is."""
    _probe_cupy()
    return None if _cupy is not None else _cupy_problem


def gpu_device_count() -> int:
    """Number of usable CUDA devices (0 without CuPy or a driver)."""
    cp = cupy_or_none()
    return 0 if cp is None else int(cp.cuda.runtime.getDeviceCount())


def cuda_runtime_version():
    """The CUDA runtime version CuPy was built against as ``"12.4"``, or None without a usable GPU."""
    if not gpu_available():
        return None
    try:
        v = int(_cupy.cuda.runtime.runtimeGetVersion())
    except Exception:  # noqa: BLE001 -- any driver trouble means "no CUDA" here
        return None
    return f"{v // 1000}.{(v % 1000) // 10}"


def gpu_device_name(index=0) -> str:
    """The name of CUDA device ``index``, e.g. 'NVIDIA H200'."""
    cp = cupy_or_none()
    if cp is None:
        raise DeviceError(f"no GPU is usable: {_cupy_problem}")
    name = cp.cuda.runtime.getDeviceProperties(int(index))["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def pinned_copy(array):
    """A copy of the host array ``array`` in page-locked memory (CuPy's ``cupyx.empty_pinned``); needs a GPU."""
    cp = cupy_or_none()
    if cp is None:
        raise DeviceError(f"page-locked memory needs a usable GPU: {_cupy_problem}")
    import cupyx
    out = cupyx.empty_pinned(array.shape, dtype=array.dtype)
    out[...] = array
    return out


def from_dlpack(obj):
    """A NumPy or CuPy array sharing the memory of ``obj`` (an object with ``__dlpack__``/``__dlpack_device__``)."""
    device_type = int(obj.__dlpack_device__()[0])
    if device_type in (2, 3):   # kDLCUDA, kDLCUDAHost
        cp = cupy_or_none()
        if cp is None:
            raise DeviceError(f"from_dlpack: the object lives in GPU memory but no GPU is usable: {_cupy_problem}")
        return cp.from_dlpack(obj)
    return np.from_dlpack(obj)


def gpu_synchronize():
    """Wait for the work queued on the current CUDA device (no-op without a GPU)."""
    if _cupy is not None:
        _cupy.cuda.Device().synchronize()


def gpu_empty_cache():
    """Give CuPy's cached, unused GPU memory back to the driver (no-op without a GPU)."""
    if _cupy is not None:
        _cupy.get_default_memory_pool().free_all_blocks()


class Device:
    """A compute device: ``Device("cpu")`` (NumPy) or ``Device("cuda")`` (CuPy), like ``torch.device``.

    ``"gpu"``, ``"cuda:0"`` and ``Device("cuda", 0)`` name the GPU too; its
    ``type`` is ``"cuda"`` and ``index`` the number given (None if none was).
    As in PyTorch, building a device object never needs a GPU: ``==`` and
    ``hash`` compare type and index, and only placing data on a GPU device
    where none is usable raises :class:`DeviceError` (see :func:`require_usable`).
    """

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002  (torch.device's argument name)
        name = type
        if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
            if index is not None or name < 0:   # torch.device(1) is cuda:1
                raise DeviceError(f"device(): bad device ordinal {name!r}")
            name, index = "cuda", int(name)
        if isinstance(name, Device):
            if index is not None:
                raise DeviceError(f"device(): type (Device) must not include an index because index was "
                                  f"passed explicitly: {name}")
            self.type, self.index = name.type, name.index
            return
        key = str(name).lower().strip()
        kind, _, number = key.partition(":")
        if kind == "gpu":
            kind = "cuda"
        if kind not in ("cpu", "cuda", "meta"):
            raise DeviceError(f"unknown device {name!r}; use 'cpu', 'cuda' (or 'gpu') or 'meta'")
        if _:
            if not number.isdigit() or (len(number) > 1 and number[0] == "0"):
                raise DeviceError(f"Invalid device string: {name!r}")
            if index is not None:
                raise DeviceError(f"device(): type (string) must not include an index because index was "
                                  f"passed explicitly: {name}")
            index = int(number)
        elif index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"device(): index must be an int, got {builtins.type(index).__name__}")
            if index < 0:
                raise DeviceError(f"Device index must not be negative, got {index}")
            index = int(index)
        self.type, self.index = kind, index

    @property
    def xp(self):
        """The array module of this device (numpy or cupy); DeviceError for a GPU device where none is usable."""
        if self.type != "cuda":
            return np if self.type == "cpu" else META_NUMPY
        require_usable(self)
        return _cupy

    def __eq__(self, other):
        if not isinstance(other, Device):
            return NotImplemented
        return other.type == self.type and other.index == self.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (Device, (self.type, self.index))

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __enter__(self):
        """``with minidl.device("cuda"):`` makes this the default device of tensor factories in the block."""
        global _default_device
        _default_device_stack.append(_default_device)
        _default_device = self
        return self

    def __exit__(self, *exc_info):
        global _default_device
        _default_device = _default_device_stack.pop()
        return False


def require_usable(dev) -> None:
    """Raise :class:`DeviceError` (naming ``dev`` and why) unless data can be placed on ``dev``."""
    dev = Device(dev)
    if dev.type == "cuda":
        _probe_cupy()
        if _cupy is None:
            raise DeviceError(f"device {str(dev)!r} requested but no GPU is usable: {_cupy_problem}")


def same_device(a, b) -> bool:
    """True when devices ``a`` and ``b`` name the same memory ('cuda' is the current GPU, device 0)."""
    a, b = Device(a), Device(b)
    if a.type != b.type:
        return False
    return a.type in ("cpu", "meta") or (a.index or 0) == (b.index or 0)


Device.__name__ = Device.__qualname__ = "device"   # ``type(torch.device("cpu")).__name__``, as PyTorch's
CPU, META = Device("cpu"), Device("meta")   # META: PyTorch's meta device, shapes and no data (minidl.meta_array)
_GPU = None  # Device("cuda", 0): what tensors on the GPU report, as PyTorch's cuda:0

#: ``torch.device``: the :class:`Device` class itself, so ``isinstance(d, minidl.device)`` holds and
#: ``minidl.device("cuda", 1)`` / ``minidl.device(type="cpu")`` / ``minidl.device(0)`` build one
device = Device

_default_device = None  # set by set_default_device; None means the CPU
_default_device_stack = []   # the defaults that ``with device:`` blocks replaced


def set_default_device(device) -> None:
    """Make ``device`` the one tensor factories use when no ``device=`` is given (None: back to the CPU)."""
    global _default_device
    if device is not None:
        require_usable(device)
    _default_device = None if device is None else Device(device)


def get_default_device() -> Device:
    """The device tensor factories use when no ``device=`` is given (the CPU unless set)."""
    return CPU if _default_device is None else _default_device


def device_or_default(device) -> Device:
    """``device`` as a :class:`Device`, or the default device when it is None."""
    return Device(device) if device is not None else get_default_device()


def get_array_module(array):
    """Return ``numpy`` or ``cupy``: the module that owns ``array``."""
    if _cupy is None or isinstance(array, np.ndarray):
        return META_NUMPY if type(array) is MetaArray else np
    if isinstance(array, _cupy.ndarray):    # the common case on a GPU, without CuPy's general lookup
        return _cupy
    return _cupy.get_array_module(array)


array_module = get_array_module


def owns_writable_memory(array) -> bool:
    """Whether ``array`` owns its buffer and may be written (CuPy arrays have no read-only flag)."""
    flags = array.flags
    return bool(getattr(flags, "owndata", False) and getattr(flags, "writeable", True))


def is_device_array(value) -> bool:
    """True for an array in GPU memory (a CuPy array, or anything exposing ``__cuda_array_interface__``)."""
    if isinstance(value, np.ndarray):
        return False
    if _cupy is not None and isinstance(value, _cupy.ndarray):
        return True
    # CuPy builds the interface dict on every access; only other array types get here
    return hasattr(value, "__cuda_array_interface__")


def is_array(value) -> bool:
    """True for a NumPy array, a device array or a meta array (not for lists, scalars or Tensors)."""
    return isinstance(value, np.ndarray) or type(value) is MetaArray or is_device_array(value)


def is_gpu(dev) -> bool:
    """True when ``dev`` (a :class:`Device` or a name) is the GPU."""
    return Device(dev).type == "cuda"


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


def nccl_module():
    """CuPy's NCCL bindings (``cupy.cuda.nccl``); ImportError when CuPy was built without NCCL."""
    import importlib
    return importlib.import_module("cupy.cuda.nccl")


def current_stream_pointer(array):
    """The raw pointer of CuPy's current CUDA stream when ``array`` is a CuPy array, else None."""
    if _cupy is None or not isinstance(array, _cupy.ndarray):
        return None
    return _cupy.cuda.get_current_stream().ptr


def current_gpu_index() -> int:
    """The index of CuPy's current CUDA device."""
    return int(_cupy.cuda.runtime.getDevice())


def gpu_compute_capability() -> tuple:
    """``(major, minor)`` compute capability of CuPy's current CUDA device, e.g. ``(9, 0)``."""
    return divmod(int(_cupy.cuda.Device().compute_capability), 10)


def load_ptx_kernel(ptx: str, entry: str):
    """Load PTX text on the current CUDA device and return kernel ``entry`` as a launcher.

    The launcher is CuPy's ``Function``: ``f(grid, block, args)`` launches on
    CuPy's current stream; ``args`` are device arrays (passed as pointers) and
    NumPy scalars (passed by value, their own size). The PTX goes through a
    temporary file named by its hash, since CuPy loads PTX from a path.
    """
    import hashlib
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, hashlib.sha1(ptx.encode()).hexdigest() + ".ptx")
        with open(path, "w") as f:
            f.write(ptx)
        return _cupy.RawModule(path=path).get_function(entry).kernel


def elementwise_kernel(in_params: str, out_params: str, operation: str, name: str, options=()):
    """A CuPy ``ElementwiseKernel`` (CUDA C ``operation`` run once per element); cached by its arguments."""
    key = (in_params, out_params, operation, name, tuple(options))
    kernel = _elementwise_kernels.get(key)
    if kernel is None:
        kernel = _elementwise_kernels[key] = _cupy.ElementwiseKernel(in_params, out_params, operation, name,
                                                                     options=tuple(options))
    return kernel


_elementwise_kernels = {}


def raw_kernel(code: str, name: str, options=()):
    """A CuPy ``RawKernel`` (CUDA C ``code``, kernel ``name``), cached by its arguments; call it as
    ``k(grid, block, args)``, where a size-one NumPy (structured) array is passed by value."""
    key = (code, name, tuple(options))
    kernel = _raw_kernels.get(key)
    if kernel is None:
        kernel = _raw_kernels[key] = _cupy.RawKernel(code, name, options=tuple(options))
    return kernel


_raw_kernels = {}


def device_of(array) -> Device:
    """The :class:`Device` that holds ``array``."""
    global _GPU
    if isinstance(array, np.ndarray) or _cupy is None or not isinstance(array, _cupy.ndarray):
        return META if type(array) is MetaArray else CPU
    if _GPU is None:
        _GPU = Device("cuda", 0)
    return _GPU


def data_pointer(array) -> int:
    """The address of ``array``'s first element (host or device memory)."""
    if isinstance(array, np.ndarray):
        return int(array.__array_interface__["data"][0])
    return int(array.data.ptr)


def to_device(array, dev):
    """Copy ``array`` to device ``dev`` (no copy when it is already there)."""
    dev = Device(dev)
    if dev.type == "cpu":
        if _cupy is not None and isinstance(array, _cupy.ndarray):
            return _cupy.asnumpy(array)
        return np.asarray(array)
    require_usable(dev)
    return _cupy.asarray(array) if dev.type == "cuda" else META_NUMPY.asarray(array)   # the meta device: no data


# --- random state -----------------------------------------------------------
# One NumPy Generator drives initialisation, dropout masks, shuffling and
# augmentation seeds; ``manual_seed`` resets it (and CuPy's, when loaded). It
# runs PyTorch's CPU Mersenne Twister with PyTorch's seeding (minidl.mt19937),
# so the torch-named samplers give PyTorch's numbers for the same seed.
_initial_seed = int(np.random.SeedSequence().entropy) % (2 ** 63)  # a fresh seed per process, as PyTorch
_rng = _mt19937.seeded(_initial_seed)
_thread_rng = threading.local()  # per-thread override set by ``rng_scope``


def manual_seed(seed: int) -> None:
    """Seed every random source minidl uses (init, dropout, shuffling, augmentation). As PyTorch's, it leaves
    Python's ``random`` and NumPy's global state alone (scripts seed those themselves)."""
    global _rng, _initial_seed
    seed = int(seed)
    _initial_seed = seed
    _rng = _mt19937.seeded(seed)
    if _cupy is not None:
        _cupy.random.seed(seed)


def initial_seed() -> int:
    """The seed of the global generator: the last :func:`manual_seed`, or the one drawn at start-up."""
    return _initial_seed


def seed() -> int:
    """Seed the global generator with a fresh non-deterministic number and return it (``torch.seed``)."""
    fresh = int(np.random.SeedSequence().entropy) % (2 ** 63)
    manual_seed(fresh)
    return fresh


def get_rng_state() -> bytes:
    """The global generator's state as bytes (see :func:`minidl.mt19937.state_bytes`)."""
    return _mt19937.state_bytes(_rng)


def set_rng_state(state: bytes) -> None:
    """Restore a state from :func:`get_rng_state`; the draws that follow repeat those made after it."""
    global _rng
    _rng = _mt19937.from_state_bytes(state)


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
    """A fresh Generator: from ``seed`` when given, else drawn from :func:`rng`."""
    if seed is None:
        seed = int(rng().integers(0, 2 ** 63 - 1))
    return np.random.default_rng(seed)


def random_uniform(xp, shape, dtype=np.float32):
    """Uniform [0, 1) samples of ``dtype`` on the device of ``xp``, from the seeded generators."""
    if xp is np:
        return rng().random(shape, dtype=np.dtype(dtype))
    return xp.random.random_sample(shape, dtype=dtype)


def bernoulli_mask(xp, shape, prob: float):
    """A bool array of ``shape``, True with probability ``prob`` (dropout's keep mask). On the CPU these are
    PyTorch's draws for the same seed (``bernoulli_(prob)``: a float64 uniform below ``prob``); on the GPU,
    CuPy's generator."""
    if xp is np:
        return _mt19937.bernoulli(rng(), float(prob), tuple(shape), np.float64)
    return xp.random.random_sample(shape, dtype=np.float32) < np.float32(prob)


def index_add(target, index, values):
    """``target[index] += values`` in place, summing over repeated indices (``ufunc.at``)."""
    xp = get_array_module(target)
    if xp is np or hasattr(xp.add, "at"):     # CuPy >= 13 has add.at and deprecates cupyx.scatter_add
        xp.add.at(target, index, values)
    else:
        import cupyx
        cupyx.scatter_add(target, index, values)


def _erf_family(name, array):
    if is_device_array(array):
        import cupyx.scipy.special
        return getattr(cupyx.scipy.special, name)(array)
    from . import _erf_host
    return getattr(_erf_host, name + "_host")(array)


def erf(array):
    """The error function, elementwise, on a NumPy or CuPy floating array (same dtype): CuPy arrays use
    ``cupyx.scipy.special.erf``, NumPy arrays a Numba ufunc over ``math.erf`` (:mod:`minidl._erf_host`), exact
    to the last bit or two in float32 and float64."""
    return _erf_family("erf", array)


def erfc(array):
    """The complementary error function 1 - erf, elementwise and accurate in the tail (same dtype as ``array``):
    ``cupyx.scipy.special.erfc`` on CuPy arrays, a Numba ufunc over ``math.erfc`` on NumPy ones."""
    return _erf_family("erfc", array)


# --- torch.cuda's memory, device, stream and event queries (minidl.cuda; all but the first need a GPU) -------
_memory_peaks = [0, 0, False]  # peak bytes in use / held by CuPy's pool since the last reset; hook installed


def gpu_memory_bytes(reset_peaks=False) -> tuple:
    """``(in use, held, peak in use, peak held)`` bytes of CuPy's memory pool (zeros without a GPU). The first
    call installs an allocator that records the peaks; ``reset_peaks`` restarts them from the current values."""
    if cupy_or_none() is None:
        return 0, 0, 0, 0
    pool = _cupy.get_default_memory_pool()

    def note(used, held):
        _memory_peaks[0], _memory_peaks[1] = max(_memory_peaks[0], used), max(_memory_peaks[1], held)

    def malloc(size):
        memory = pool.malloc(size)
        note(pool.used_bytes(), pool.total_bytes())
        return memory
    if not _memory_peaks[2]:
        _cupy.cuda.set_allocator(malloc)
        _memory_peaks[2] = True
    if reset_peaks:
        _memory_peaks[0] = _memory_peaks[1] = 0
    used, held = int(pool.used_bytes()), int(pool.total_bytes())
    note(used, held)
    return used, held, _memory_peaks[0], _memory_peaks[1]


def gpu_device_info(index=0) -> dict:
    """The CUDA runtime's properties of device ``index`` (``cudaDeviceProp`` names) plus ``free``/``total`` bytes."""
    props = dict(_cupy.cuda.runtime.getDeviceProperties(int(index)))
    with _cupy.cuda.Device(int(index)):
        props["free"], props["total"] = _cupy.cuda.runtime.memGetInfo()
    return props


def gpu_new(kind, enable_timing=False, blocking=False, priority=0):
    """A CUDA stream ("current", "default" or a non-blocking "new" one) or "event" (timed with enable_timing)."""
    cuda = _cupy.cuda
    if kind == "event":
        return cuda.Event(block=bool(blocking), disable_timing=not enable_timing)
    return {"current": cuda.get_current_stream(), "default": cuda.Stream.null}.get(kind) or cuda.Stream(
        non_blocking=True, priority=int(priority))


def gpu_sync(handle, op, other=None):
    """``op`` on a stream or event from :func:`gpu_new`: "synchronize", "query" (finished?), "pointer", "use"
    (make the stream current; returns the previous one), "wait" (for event ``other``), "record" (on stream
    ``other``, None for the current one), "elapsed" (milliseconds to the event ``other``)."""
    if op == "use":
        previous = _cupy.cuda.get_current_stream()
        handle.use()
        return previous
    actions = {"synchronize": handle.synchronize, "query": lambda: bool(handle.done), "pointer": lambda: handle.ptr,
               "wait": lambda: handle.wait_event(other), "record": lambda: handle.record(other),
               "elapsed": lambda: float(_cupy.cuda.get_elapsed_time(handle, other))}
    return actions[op]()
