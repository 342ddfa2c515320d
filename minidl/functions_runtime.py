"""``torch.*`` runtime helpers and queries: ``typename``, ``is_storage``, ``get_device``, ``detach``, the tensor
kind queries (``is_inference``, ``is_conj``, ``is_neg``, ``resolve_conj``, ``resolve_neg``), the inter-op thread
count, ``set_flush_denormal``, ``set_warn_always``, ``compile`` and the constants ``pi``, ``e``, ``inf``,
``nan`` and ``newaxis``.

>>> import minidl as mdl
>>> mdl.typename(mdl.zeros(2)), mdl.get_device(mdl.zeros(2)), mdl.pi
('torch.FloatTensor', -1, 3.141592653589793)
"""
from __future__ import annotations

import builtins
import math
import numbers
import os

from .tensor import Tensor

__all__ = ["pi", "e", "inf", "nan", "newaxis", "typename", "is_storage", "get_device", "detach", "is_inference",
           "is_conj", "is_neg", "resolve_conj", "resolve_neg", "get_num_interop_threads", "set_num_interop_threads",
           "set_flush_denormal", "set_warn_always", "is_warn_always_enabled", "compile"]

pi = math.pi
e = math.e
inf = math.inf
nan = math.nan
newaxis = None


def _tensor(name, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(value).__name__}")
    return value


def typename(obj, /):
    """PyTorch's type name of ``obj``: ``'torch.FloatTensor'`` for a float32 tensor, else the class's
    qualified name (``'minidl.nn.layers.linear.Linear'``, ``'int'``)."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(type(obj), "__module__", "")
    name = type(obj).__qualname__
    return name if module in ("", "builtins", None) else f"{module}.{name}"


def is_storage(obj, /):
    """True for a storage object (``Tensor.untyped_storage()``/``storage()``), False for anything else."""
    from .tensor_storage import TypedStorage, UntypedStorage
    return isinstance(obj, (TypedStorage, UntypedStorage))


def get_device(input):
    """The GPU index of a CUDA tensor, -1 for a CPU one."""
    return _tensor("get_device", input).get_device()


def detach(input):
    """``input.detach()``: a tensor on the same data, cut from the graph."""
    return _tensor("detach", input).detach()


def is_inference(input):
    """``input.is_inference()``."""
    return _tensor("is_inference", input).is_inference()


def is_conj(input):
    """True for a tensor made by ``conj()`` of a complex tensor (PyTorch's conjugate bit)."""
    return _tensor("is_conj", input).is_conj()


def is_neg(input):
    """False: minidl has no lazily negated tensors."""
    return _tensor("is_neg", input).is_neg()


def resolve_conj(input):
    """``input``, or for a ``conj()`` result a copy whose ``is_conj()`` is False."""
    return _tensor("resolve_conj", input).resolve_conj()


def resolve_neg(input):
    """``input`` (nothing to materialise)."""
    return _tensor("resolve_neg", input).resolve_neg()


_interop_threads = [os.cpu_count() or 1]


def get_num_interop_threads():
    """The number of threads for running independent ops in parallel (PyTorch's inter-op pool size).

    minidl runs ops one after another, so this is the setting only (default:
    the number of CPUs, as PyTorch's); intra-op threads are :func:`minidl.get_num_threads`.
    """
    return _interop_threads[0]


def set_num_interop_threads(int):  # noqa: A002  (PyTorch's parameter name)
    """Record the inter-op thread count (a positive int); see :func:`get_num_interop_threads`."""
    if isinstance(int, builtins.bool) or not isinstance(int, numbers.Integral):
        raise TypeError(f"set_num_interop_threads(): argument 'int' must be int, not {type(int).__name__}")
    if int <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _interop_threads[0] = builtins.int(int)


def set_flush_denormal(mode):
    """Ask for denormal floats to be flushed to zero; returns whether that is supported.

    NumPy gives no control over the CPU's denormal flags, so minidl cannot
    flush them: this returns False (what PyTorch returns on CPUs without the
    feature) and changes nothing.
    """
    if not isinstance(mode, builtins.bool):
        raise TypeError(f"set_flush_denormal(): argument 'mode' must be bool, not {type(mode).__name__}")
    return False


_warn_always = [False]


def set_warn_always(b, /):
    """Record whether warnings PyTorch issues once per process should repeat every time (a bool)."""
    if not isinstance(b, builtins.bool):
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {type(b).__name__}")
    _warn_always[0] = b


def is_warn_always_enabled():
    """The flag :func:`set_warn_always` set (False by default)."""
    return _warn_always[0]


_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
_BACKENDS = ("inductor", "cudagraphs", "eager", "aot_eager", "aot_eager_default_partitioner",
             "aot_eager_decomp_partition", "openxla", "tvm", "ts", "onnxrt")


def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None, options=None,  # noqa: A001
            name=None, disable=False, recompile_limit=None, isolate_recompiles=False, shapes_spec=None):
    """PyTorch's ``torch.compile`` signature, with no compilation: the code runs eagerly, with the same results and
    minidl's usual speed (no speed-up). As in PyTorch, a Module comes back wrapped in
    ``minidl._dynamo.OptimizedModule`` (the original as ``_orig_mod``), any other callable as a new function
    wrapping it, and ``disable=True`` gives ``model`` itself.

    The arguments are checked as PyTorch checks them: ``mode`` must be one of
    PyTorch's modes and not given together with ``options``, ``backend`` a known
    backend name or a callable, and ``model`` callable. Without ``model`` it
    returns a decorator.
    """
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if backend is not None and not callable(backend) and backend not in _BACKENDS:
        raise RuntimeError(f"Invalid backend: {backend!r}, see the backend names PyTorch lists "
                           f"({', '.join(_BACKENDS)}).")
    if options is not None and not isinstance(options, dict):
        raise TypeError(f"compile(): argument 'options' must be dict, not {type(options).__name__}")
    if model is None:
        def decorator(fn):
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode, options=options,
                           name=name, disable=disable, recompile_limit=recompile_limit,
                           isolate_recompiles=isolate_recompiles, shapes_spec=shapes_spec)
        return decorator
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    if disable:
        return model
    from ._dynamo.eval_frame import OptimizedModule
    from .nn.module import Module
    if isinstance(model, Module) and not isinstance(model, OptimizedModule):
        return OptimizedModule(model)
    return _eager_wrapper(model)


def _eager_wrapper(fn):
    """A new function calling ``fn`` (PyTorch's compiled function is a new function wrapping the original, with its
    name and ``__wrapped__``)."""
    import functools

    @functools.wraps(fn)
    def compiled(*args, **kwargs):
        return fn(*args, **kwargs)

    return compiled
