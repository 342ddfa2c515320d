"""Top-level names of ``torch`` that scripts use and minidl lacked: control flow (``cond``, ``while_loop``),
``get_device_module``, the ``sym_*`` helpers (eager: plain Python numbers), PyTorch's error types, the old
``frobenius_norm`` / ``nuclear_norm`` and ``torch.embedding_bag`` with its four outputs.
"""
from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

__all__ = ["OutOfMemoryError", "AcceleratorError", "cond", "while_loop", "get_device_module", "sym_int",
           "sym_float", "sym_max", "sym_min", "sym_not", "sym_ite", "sym_sum", "sym_sqrt", "frobenius_norm",
           "nuclear_norm", "embedding_bag"]


class OutOfMemoryError(RuntimeError):
    """``torch.OutOfMemoryError`` (also ``minidl.cuda.OutOfMemoryError``): a device ran out of memory."""


class AcceleratorError(RuntimeError):
    """``torch.AcceleratorError``: an error reported by the accelerator (device) runtime."""


def _tensor_pred(pred, name):
    from .tensor import Tensor
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
        return builtins.bool(pred.item())
    if isinstance(pred, (builtins.bool, builtins.int, builtins.float, np.bool_, np.number)):
        return builtins.bool(pred)
    raise RuntimeError(f"{name}: Expected pred to be bool or single-element tensor, but got {type(pred).__name__}.")


def cond(pred, true_fn, false_fn, operands=()):
    """``true_fn(*operands)`` if ``pred`` (a bool or a one-element Tensor) holds, else ``false_fn(*operands)``
    (``torch.cond``, run eagerly as PyTorch does outside ``torch.compile``)."""
    if not callable(true_fn) or not callable(false_fn):
        raise RuntimeError("Expect both branches to be callable.")
    return true_fn(*operands) if _tensor_pred(pred, "cond") else false_fn(*operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """``torch.while_loop``: ``while cond_fn(*carried): carried = body_fn(*carried)``; returns the last carried
    values as a tuple (``tuple(carried_inputs)`` when the loop never runs). ``cond_fn`` must give a bool or a
    one-element Tensor; a constant ``True`` is refused as an infinite loop, as PyTorch."""
    if not isinstance(carried_inputs, (tuple, list)):
        raise RuntimeError(f"carried_inputs must be a tuple or list, got {type(carried_inputs).__name__}")
    carried = result = tuple(carried_inputs)
    while True:
        pred = cond_fn(*carried)
        if pred is True:
            raise RuntimeError("torch.while_loop: infinite loop detected (cond_fn returned the constant True)")
        if not _tensor_pred(pred, "while_loop"):
            return tuple(result) if isinstance(result, list) else result
        result = body_fn(*carried)
        carried = tuple(result) if isinstance(result, (tuple, list)) else (result,)


_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
                 "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


def get_device_module(device=None):
    """The module of ``device``'s type (``minidl.cpu`` or ``minidl.cuda``; None: the current accelerator's,
    else ``minidl.cpu``), as ``torch.get_device_module``; RuntimeError for a type without a module."""
    import minidl

    from .backend import Device
    if isinstance(device, Device):
        name = device.type
    elif isinstance(device, str):
        name = device.split(":")[0]
        if name not in _DEVICE_TYPES and name != "gpu":
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: "
                               f"{device}")
        name = "cuda" if name == "gpu" else name
    elif device is None:
        name = "cuda" if minidl.cuda.is_available() else "cpu"
    else:
        raise RuntimeError(f"Invalid value of device '{device}', expect torch.device, str, or None")
    module = getattr(minidl, name, None) if name in ("cpu", "cuda") else None
    if module is None:
        raise RuntimeError(f"Device '{name}' does not have a corresponding module registered as 'torch.{name}'.")
    return module


_NUMBERS = (builtins.int, builtins.float, builtins.bool, np.integer, np.floating, np.bool_)


def sym_int(a):
    """``int(a)`` (truncation toward zero), as ``torch.sym_int`` on plain values."""
    return builtins.int(a)


def sym_float(a):
    """``float(a)``, as ``torch.sym_float`` on plain values."""
    return builtins.float(a)


def _check_numbers(a, b):
    for value in (a, b):
        if not isinstance(value, _NUMBERS):
            raise AssertionError(f"expected a Python or NumPy number, got {type(value)}")
    return isinstance(a, (builtins.float, np.floating)) or isinstance(b, (builtins.float, np.floating))


def sym_max(a, b):
    """``max(a, b)``, promoted to float when either is a float (unlike ``max``)."""
    return builtins.float(builtins.max(a, b)) if _check_numbers(a, b) else builtins.max(a, b)


def sym_min(a, b):
    """``min(a, b)``, promoted to float when either is a float."""
    return builtins.float(builtins.min(a, b)) if _check_numbers(a, b) else builtins.min(a, b)


def sym_not(a):
    """``not a``."""
    return not a


def sym_ite(b, t, f):
    """``t if b else f``; ``b`` must be a bool and ``t``, ``f`` of one type (AssertionError otherwise)."""
    if not isinstance(b, builtins.bool):
        raise AssertionError(f"expected SymBool or bool, got {type(b)}")
    if type(t) is not type(f):
        raise AssertionError(f"type mismatch: {type(t)} vs {type(f)}")
    return t if b else f


def sym_sum(*args):
    """The sum of ``args`` (or of the one list/tuple given)."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = args[0]
    return builtins.sum(args)


def sym_sqrt(a):
    """``math.sqrt(a)``."""
    return math.sqrt(a)


def _norm_dims(input, dim, name):
    if isinstance(dim, numbers.Integral):
        dim = (builtins.int(dim),)
    dim = tuple(dim)
    if len(dim) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dim)} dimensions instead.")
    return dim


def frobenius_norm(input, dim, keepdim=False, *, out=None):
    """``torch.frobenius_norm(input, dim, keepdim=False)``: the 2-norm over one or two dims
    (``linalg.vector_norm(input, 2, dim, keepdim)``; PyTorch keeps it for old code)."""
    from .linalg import vector_norm
    dims = _norm_dims(input, dim, "frobenius_norm")
    return vector_norm(input, 2, dims if dims else None, keepdim, out=out)


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    """``torch.nuclear_norm(input, keepdim=False)`` / ``(input, dim, keepdim=False)``: the sum of the singular
    values over the two dims ``dim`` (default the last two of a 2-D input): ``linalg.matrix_norm(.., 'nuc')``."""
    from .linalg import matrix_norm
    if isinstance(dim, builtins.bool):       # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    if dim is None:
        if input.ndim < 2:
            raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
        dim = (-2, -1)
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"nuclear norm requires a 'dim' argument of size 2, got {len(dim)}")
    return matrix_norm(input, "nuc", dim, keepdim, out=out)


_MODES = {0: "sum", 1: "mean", 2: "max"}


def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """``torch.embedding_bag``: bags of embedding rows reduced by ``mode`` (0 sum, 1 mean, 2 max), as
    :func:`minidl.nn.functional.embedding_bag`, returned with PyTorch's three auxiliary Tensors:
    ``(output (B, D), offset2bag, bag_size (B,), max_indices)``. For sum, ``offset2bag`` is empty and
    ``bag_size``/``max_indices`` zeros; for mean, ``offset2bag`` gives each index's bag, ``bag_size`` the count
    of non-padding indices per bag and ``max_indices`` repeats it; for max, ``max_indices`` (B, D) holds the
    row chosen for each output value (0 for an empty bag). With ``include_last_offset`` the sum mode's zeros have one
    entry per offset, and with a ``padding_idx`` its ``offset2bag`` is filled, as PyTorch's kernel leaves them."""
    from . import nn
    from .tensor import Tensor
    if mode not in _MODES:
        raise RuntimeError(f"embedding_bag: mode must be 0 (sum), 1 (mean) or 2 (max), got {mode}")
    if per_sample_weights is not None and mode != 0:
        raise RuntimeError("embedding_bag: per_sample_weights only supported with mode='sum'")
    output = nn.functional.embedding_bag(indices, weight, offsets, scale_grad_by_freq=scale_grad_by_freq,
                                         mode=_MODES[mode], sparse=sparse, per_sample_weights=per_sample_weights,
                                         include_last_offset=include_last_offset, padding_idx=padding_idx)
    idx = np.asarray(indices.numpy() if isinstance(indices, Tensor) else indices).reshape(-1).astype(np.int64)
    starts = np.asarray(offsets.numpy() if isinstance(offsets, Tensor) else offsets).reshape(-1).astype(np.int64)
    bags = len(starts) - 1 if include_last_offset else len(starts)
    ends = np.append(starts[1:], idx.size)[:bags] if not include_last_offset else starts[1:]
    starts = starts[:bags]

    def as_long(array):
        return Tensor(np.ascontiguousarray(array, dtype=np.int64)).to(output.device)
    offset2bag = np.zeros(idx.size, np.int64)
    bag_size = np.zeros(bags, np.int64)
    keep = np.ones(idx.size, bool) if padding_idx is None else idx != (padding_idx % weight.shape[0])
    for b in range(bags):
        offset2bag[starts[b]:ends[b]] = b
        bag_size[b] = int(keep[starts[b]:ends[b]].sum())
    if mode == 0:   # PyTorch fills offset2bag for sum only with a padding_idx; its sizes stay zeros, one per offset
        zeros = np.zeros(bags + (1 if include_last_offset else 0), np.int64)
        return (output, as_long(offset2bag if padding_idx is not None else np.zeros(0, np.int64)), as_long(zeros),
                as_long(zeros))
    if mode == 1:
        return output, as_long(offset2bag), as_long(bag_size), as_long(bag_size.copy())
    table = weight.detach().numpy()
    max_indices = np.zeros((bags, table.shape[1]), np.int64)
    for b in range(bags):
        members = idx[starts[b]:ends[b]][keep[starts[b]:ends[b]]]
        if members.size:
            max_indices[b] = members[np.argmax(table[members], axis=0)]
    return output, as_long(offset2bag), as_long(bag_size), as_long(max_indices)
