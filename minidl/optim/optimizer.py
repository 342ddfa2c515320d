"""``Optimizer``: parameter groups, per-parameter state, state dicts.

Subclasses implement ``_update(p, grad, state, group)`` on raw backend arrays
(``p.array`` in place). The base class walks the groups, skips parameters
without a gradient, and keeps each parameter's state arrays on the
parameter's device and dtype, so a model moved with ``.to()`` after the
optimiser was built keeps training.

As in PyTorch, ``opt.state[p]`` holds :class:`minidl.Tensor` s: buffers such as
``exp_avg`` share their array with the one ``_update`` works on (no copy per
step), and scalar entries (``step``, NAdam's ``mu_product``, ASGD's ``eta``/``mu``)
are 0-d CPU Tensors updated in place, float32 (float64 when the default dtype
is float64), as PyTorch's. ``step()`` hands ``_update`` a
dict of the raw arrays and Python numbers (:func:`_raw_state`) and writes what
it changed back into the Tensors (:func:`_store_state`).
"""
from __future__ import annotations

import copy
import warnings

import numpy as np

from minidl import backend
from minidl.autograd import _profiling, no_grad
from minidl.dtypes import default_float, is_floating
from minidl.optim import _hooks
from minidl.tensor import Tensor

__all__ = ["Optimizer", "required"]


class _Required:
    """Marker for a hyper-parameter with no default (``SGD``'s lr in old PyTorch)."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


class _ParamState:
    """A dict keyed by parameter *identity* (``opt.state[p]``), creating empty state on demand."""

    def __init__(self):
        self._keys = {}
        self._values = {}

    def __getitem__(self, p):
        key = id(p)
        if key not in self._values:
            self._keys[key] = p
            self._values[key] = {}
        return self._values[key]

    def __setitem__(self, p, value):
        self._keys[id(p)] = p
        self._values[id(p)] = value

    def __contains__(self, p):
        return id(p) in self._values and bool(self._values[id(p)])

    def __len__(self):
        return sum(1 for v in self._values.values() if v)

    def __iter__(self):
        return (self._keys[k] for k, v in self._values.items() if v)

    def items(self):
        """``(parameter, state dict)`` pairs of parameters that have state."""
        return [(self._keys[k], v) for k, v in self._values.items() if v]

    def values(self):
        """The non-empty per-parameter state dicts."""
        return [v for v in self._values.values() if v]

    def get(self, p, default=None):
        """The state of ``p``, or ``default`` when it has none."""
        return self._values.get(id(p), default)

    def clear(self):
        """Forget all state."""
        self._keys.clear()
        self._values.clear()


def _is_array(v):
    return backend.is_array(v)


def _scalar_dtype():
    """PyTorch's dtype for scalar state: float64 when the default dtype is float64, else float32."""
    return np.float64 if default_float() == np.float64 else np.float32


def _scalar_tensor(value, dtype=None, like=None):
    """A 0-d Tensor holding ``value`` (PyTorch's type for ``state['step']``), of :func:`_scalar_dtype`,
    on the CPU, or on the device of the array ``like``."""
    array = np.array(value, dtype=dtype or _scalar_dtype())
    if like is not None and type(like) is not np.ndarray:
        array = backend.to_device(array, backend.device_of(like))
    return Tensor(array)


def _raw_state(state, scalar_keys):
    """``state`` with each Tensor replaced by its backend array, and each scalar entry
    (``scalar_keys``) by a Python number (``step`` an int) for the update code."""
    raw = {}
    for key, value in state.items():
        if type(value) is Tensor or isinstance(value, Tensor):
            value = value.array
            if key in scalar_keys and value.ndim == 0:
                value = value.item()
                if key == "step" and value == int(value):
                    value = int(value)
        raw[key] = value
    return raw


def _store_state(state, raw, scalar_keys, like=None, device_keys=frozenset()):
    """Write the updated raw entries back into ``state``'s Tensors, in place where they exist; a new
    scalar entry named in ``device_keys`` becomes a 0-d Tensor on the device of the array ``like``."""
    for key, value in raw.items():
        old = state.get(key)
        kind = type(value)
        # the two cases of every step, tested first: a buffer updated in place (host or device), a counter
        if type(old) is Tensor and old.array is value:
            continue
        if (kind is int or kind is float) and type(old) is Tensor and key in scalar_keys:
            scalar = old.array
            if type(scalar) is np.ndarray and scalar.ndim == 0 and is_floating(scalar.dtype):
                scalar[()] = value     # PyTorch's in-place ``state_steps += 1``
                continue
            if backend.is_device_array(scalar) and scalar.ndim == 0 and is_floating(scalar.dtype):
                scalar[...] = value    # a scalar kept on the device (ASGD's eta, NAdam's mu_product)
                continue
        _store_entry(state, key, value, old, scalar_keys, like if key in device_keys else None)
    if len(state) != len(raw):
        for key in [k for k in state if k not in raw]:
            del state[key]


def _store_entry(state, key, value, old, scalar_keys, like=None):
    """One entry of :func:`_store_state` that is new or changed its kind (a new scalar goes on the
    device of ``like`` when given, else on the CPU)."""
    if key in scalar_keys and isinstance(value, (int, float, np.number)):
        state[key] = _scalar_tensor(value, None, like)
    elif backend.is_array(value):
        if isinstance(old, Tensor):
            old.array = value
        else:
            state[key] = Tensor(value)
    elif old is not value:
        state[key] = value


def _state_view(value):
    """One state entry of an optimiser that keeps raw arrays (L-BFGS, Keras'), as a state dict holds
    it: arrays become Tensors on the same memory, lists are walked, other values are kept."""
    if isinstance(value, Tensor):
        return value
    if _is_array(value):
        return Tensor(value)
    if isinstance(value, list):
        return [_state_view(v) for v in value]
    return value


def _update_complex_as_real(update, data, grad, raw, group):
    """Update a complex parameter as PyTorch's optimisers do (``view_as_real``): its real and
    imaginary parts as independent real numbers; the state arrays stay complex (views of the real ones)."""
    xp = backend.get_array_module(data)
    real = data.real.dtype

    def as_real(v):
        return xp.ascontiguousarray(v).view(real) if _is_array(v) and v.shape == data.shape else v
    views = {k: as_real(v) for k, v in raw.items()}
    update(data.view(real), as_real(grad), views, group)
    flat = data.view(real).shape
    for k, v in views.items():
        raw[k] = v.view(data.dtype) if _is_array(v) and v.shape == flat and v.dtype == real else v


def _grad_array(p):
    g = p.grad
    return g.array if isinstance(g, Tensor) else g


class Optimizer(_hooks.OptimizerHooks):
    """Base class of the optimisers.

    Args:
        params: an iterable of Parameters / Tensors, or of dicts each with a
            ``"params"`` entry and optional per-group hyper-parameters.
        defaults: the hyper-parameters of groups that do not set them.

    Attributes: ``param_groups`` (list of dicts: ``"params"`` plus every
    hyper-parameter, e.g. ``"lr"``), ``state`` (parameter -> dict of state),
    ``defaults``.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _profiled_steps(cls)   # a profiler shows Optimizer.step#<Class>.step events, as PyTorch's

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state = _ParamState()
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Append a group (``{"params": [...], "lr": ...}``); missing hyper-parameters take
        the defaults; a parameter may belong to one group only."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs")
        else:
            params = list(params)
        if params and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params):
            # named parameters, e.g. model.named_parameters(), as PyTorch 2.6+ accepts
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params):   # PyTorch warns and keeps them
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, "
                          "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                          "information", UserWarning, stacklevel=3)
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # -------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (``None``, or zeros in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.array[...] = 0

    # state entries that are scalars (PyTorch keeps them as 0-d tensors, see _scalar_dtype); subclasses extend it
    _scalar_state_keys = frozenset({"step"})
    # scalar entries PyTorch keeps on the parameter's device (ASGD's eta/mu/step, NAdam's mu_product);
    # the others (``step`` of most optimisers) are CPU tensors
    _device_scalar_keys = frozenset()
    # False for optimisers that keep raw arrays and numbers in ``state`` (L-BFGS, the Keras ones)
    _state_as_tensors = True

    def _wrap_state(self, state: dict) -> None:
        """Turn the raw arrays and scalar numbers in ``state`` into Tensors (as ``step()`` stores them)."""
        _store_state(state, dict(state), self._scalar_state_keys)

    def _sync_state(self, p, state: dict) -> None:
        """Move ``state``'s arrays to ``p``'s device and floating dtype (after ``model.to``)."""
        data = p.array
        kind, dtype = type(data), data.dtype
        # the common case, checked without the backend calls: every array already of the parameter's
        # array type (host or device) and floating dtype, nothing to move
        for value in state.values():
            if type(value) is kind:
                if value.dtype != dtype and is_floating(value.dtype):
                    break
            elif type(value) is not int and type(value) is not float and _is_array(value):
                break
        else:
            return
        xp = backend.get_array_module(p.array)
        for key, value in state.items():
            if not _is_array(value):
                continue
            if backend.get_array_module(value) is not xp:
                value = backend.to_device(value, p.device)
            if value.dtype != p.array.dtype and is_floating(value.dtype):
                value = value.astype(p.array.dtype)
            state[key] = value

    def step(self, closure=None):
        """One update of every parameter with a gradient.

        ``closure``: optional callable that re-evaluates the model and returns
        the loss (it runs with gradients enabled); its result is returned.
        """
        loss = None
        if closure is not None:
            loss = closure()
        scalar_keys = self._scalar_state_keys
        with no_grad():
            for group in self.param_groups:
                try:
                    for p in group["params"]:
                        if p.grad is None:
                            continue
                        grad, data = _grad_array(p), p.array
                        if getattr(type(grad), "is_sparse_layout", False):   # nn.Embedding(sparse=True)
                            grad = self._sparse_grad(grad, group)
                        if grad.shape != data.shape:
                            raise ValueError(f"{type(self).__name__}.step: gradient of shape "
                                             f"{tuple(grad.shape)} for a parameter of shape "
                                             f"{tuple(data.shape)}")
                        if (type(grad) is not np.ndarray or type(data) is not np.ndarray) and \
                                backend.get_array_module(grad) is not backend.get_array_module(data):
                            raise backend.DeviceError(
                                f"{type(self).__name__}.step: gradient on {backend.device_of(grad)} "
                                f"for a parameter on {p.device}")
                        if grad.dtype != data.dtype:
                            grad = grad.astype(data.dtype)
                        state = self.state[p]
                        if state:
                            raw = _raw_state(state, scalar_keys)
                            self._sync_state(p, raw)
                        else:
                            raw = {}
                        if data.dtype.kind == "c" and data.flags.c_contiguous:
                            _update_complex_as_real(self._update, data, grad, raw, group)
                        else:
                            self._update(p.array, grad, raw, group)
                        _store_state(state, raw, scalar_keys, data, self._device_scalar_keys)
                finally:     # deferred updates run even when a later parameter raised
                    self._finish_group(group)
        return loss

    # the error for a weight decay with a sparse gradient, in an optimiser that takes sparse gradients (SGD,
    # Adagrad: PyTorch's messages); None: sparse gradients are refused
    _sparse_weight_decay_error = None

    def _sparse_grad(self, grad, group):
        """A sparse COO gradient (minidl/sparse) as the optimiser takes it: dense for SGD and Adagrad (their
        updates are then PyTorch's sparse ones exactly: zero where nothing is stored); refused by the others."""
        if self._sparse_weight_decay_error is None:
            raise RuntimeError(f"{type(self).__name__} does not support sparse gradients, please consider "
                               "SparseAdam instead")
        if group.get("weight_decay", 0):
            raise RuntimeError(self._sparse_weight_decay_error)
        return grad.to_dense()

    def _update(self, param, grad, state: dict, group: dict) -> None:
        """Update the array ``param`` in place from ``grad`` (same shape, dtype and device)."""
        raise NotImplementedError

    def _finish_group(self, group: dict) -> None:
        """Run the updates that ``_update`` deferred for ``group`` (Adam gathers its device updates into
        multi-tensor launches); nothing by default."""

    # ------------------------------------------------------------ state dict
    def state_dict(self) -> dict:
        """``{"state": {index: {name: value}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are numbered across groups in order, as in PyTorch. As in
        PyTorch, this is a view, not a snapshot: each ``state[index]`` is the very
        dict of ``opt.state[p]`` (its Tensors, ``step`` a 0-d float32 Tensor, are
        updated in place by later steps), and each group is a new dict holding
        the group's own hyper-parameter values. Save it (``minidl.save``) or
        ``copy.deepcopy`` it to keep a snapshot. ``load_state_dict`` moves the
        entries to each parameter's device and dtype.
        """
        index_of, next_index = {}, 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if id(p) not in index_of:
                    index_of[id(p)] = next_index
                    next_index += 1
                ids.append(index_of[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if id(p) in index_of:
                state[index_of[id(p)]] = s if self._state_as_tensors else {k: _state_view(v) for k, v in s.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by :meth:`state_dict`.

        Accepts what a file round trip gives back (string indices, arrays for
        lists and scalars). Raises ``ValueError`` naming the group, the
        parameter index and both shapes when the checkpoint does not fit.
        """
        name = type(self).__name__
        if "param_groups" not in state_dict or "state" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and "
                             f"'param_groups', got keys {sorted(state_dict)}")
        saved_groups = state_dict["param_groups"]
        if isinstance(saved_groups, dict):  # {"0": group, ...} after some file round trips
            saved_groups = [saved_groups[k] for k in sorted(saved_groups, key=int)]
        saved_groups = list(saved_groups)
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the checkpoint has {len(saved_groups)} "
                             f"parameter group(s), the optimizer has {len(self.param_groups)}")
        index_to_param = {}
        for gi, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            saved_ids = [int(i) for i in np.asarray(saved["params"]).reshape(-1).tolist()]
            if len(saved_ids) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {gi} has "
                                 f"{len(saved_ids)} parameter(s) in the checkpoint but "
                                 f"{len(group['params'])} in the optimizer")
            for i, p in zip(saved_ids, group["params"]):
                index_to_param[i] = p
        new_state = []
        for key, saved in dict(state_dict["state"]).items():
            index = int(key)
            if index not in index_to_param:
                raise ValueError(f"{name}.load_state_dict: state for parameter index {index}, "
                                 f"which no parameter group holds")
            p = index_to_param[index]
            entry = {k: self._restore_state_value(k, v, p, index) for k, v in dict(saved).items()}
            new_state.append((p, entry))
        for saved, group in zip(saved_groups, self.param_groups):
            for k, v in saved.items():
                if k == "params":
                    continue
                group[k] = _restore_hyper(copy.deepcopy(v), group.get(k))   # PyTorch deep-copies the groups
        self.state.clear()
        for p, entry in new_state:
            self.state[p] = entry

    def _restore_state_value(self, key, value, p, index):
        """One saved state entry of parameter ``p`` (number ``index``), on ``p``'s device and dtype.

        Accepts Tensors (PyTorch's and minidl's state dicts) and the NumPy arrays
        and Python numbers of older minidl checkpoints. As PyTorch's policy, a
        saved Tensor already on ``p``'s device with the dtype it needs is kept
        itself (no copy), and a saved 0-d floating ``step`` Tensor is kept as it
        is; other Tensors and arrays are converted (a copy). Scalar entries
        (``_scalar_state_keys``) become 0-d Tensors (Python numbers where
        ``_state_as_tensors`` is False): ``step`` keeps a saved tensor's floating
        dtype, other scalars take ``p``'s floating dtype and ``p``'s device, and
        plain numbers take :func:`_scalar_dtype` (on ``p``'s device for
        ``_device_scalar_keys``). Arrays must have ``p``'s shape.
        """
        saved_tensor = value if isinstance(value, Tensor) and self._state_as_tensors else None
        saved_dtype = None
        if isinstance(value, Tensor):
            value = value.array
        elif isinstance(value, np.generic):
            value = np.asarray(value)
        if _is_array(value):
            saved_dtype = value.dtype if is_floating(value.dtype) else None
        if key in self._scalar_state_keys and (not _is_array(value) or value.ndim == 0) \
                and isinstance(value.item() if _is_array(value) else value, (int, float)):
            number = value.item() if _is_array(value) else value
            if not self._state_as_tensors:
                return number
            if key == "step" and saved_tensor is not None and saved_dtype is not None:
                return saved_tensor          # PyTorch keeps a saved step tensor as it is
            on_device = key in self._device_scalar_keys or (saved_tensor is not None and key != "step")
            if saved_dtype is not None and key != "step" and is_floating(p.array.dtype):
                saved_dtype = p.array.dtype
            if saved_tensor is not None and on_device and saved_dtype == value.dtype \
                    and backend.get_array_module(value) is backend.get_array_module(p.array):
                return saved_tensor
            return _scalar_tensor(number, saved_dtype, p.array if on_device else None)
        if _is_array(value):
            if tuple(value.shape) != tuple(p.shape):
                raise ValueError(f"{type(self).__name__}.load_state_dict: state '{key}' of parameter "
                                 f"{index} has shape {tuple(value.shape)} in the checkpoint "
                                 f"but the parameter has shape {tuple(p.shape)}")
            if saved_tensor is not None and value.dtype == p.dtype \
                    and backend.get_array_module(value) is backend.get_array_module(p.array):
                return saved_tensor
            value = backend.to_device(value, p.device).astype(p.dtype, copy=True)
            return Tensor(value) if self._state_as_tensors else value
        return value

    def __getstate__(self):
        return self.__dict__.copy()

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            if i:
                lines.append("")     # PyTorch's repr leaves a blank line between groups
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _restore_hyper(value, current):
    """A hyper-parameter from a checkpoint, with Python types (HDF5 gives arrays back)."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        value = value.item() if value.ndim == 0 else value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(current, tuple) and isinstance(value, list):
        value = tuple(value)
    if isinstance(current, bool) and not isinstance(value, bool) and value in (0, 1):
        value = bool(value)
    if isinstance(value, bytes):
        value = value.decode()
    return value


def _profiled_steps(cls):
    """Wrap the ``step`` and ``zero_grad`` that ``cls`` defines so that a profiler records them
    (``minidl/autograd/_profiling.py``), and its ``step``/``state_dict``/``load_state_dict`` so that
    they run the optimizer hooks (``minidl/optim/_hooks.py``)."""
    for kind in ("step", "state_dict", "load_state_dict"):
        method = cls.__dict__.get(kind)
        if callable(method) and not getattr(method, "_hooked", False):
            setattr(cls, kind, _hooks.hooked(method, kind))
    for kind in ("step", "zero_grad"):
        method = cls.__dict__.get(kind)
        if callable(method) and not getattr(method, "_profiled", False):
            setattr(cls, kind, _profiling.optimizer_method(method, kind))


_profiled_steps(Optimizer)
