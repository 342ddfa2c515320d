"""The Keras face of a Keras optimiser's state: ``optimizer.iterations``, ``optimizer.learning_rate``
and ``optimizer.variables`` as Keras 3 shows them (variables with ``name``, ``path``, ``shape``,
``dtype``, ``numpy()``, ``assign``), the checks of ``learning_rate``, and
``exclude_from_weight_decay``.

minidl keeps the state as plain Python numbers and per-parameter arrays (``optimizer.state``); the
objects here are views of them. Keras' variable order: ``iteration``, ``learning_rate`` (not with a
schedule or a callable), the ``use_ema`` averages, the gradient accumulators, then the optimiser's
slots, variable by variable (``v0_momentum, v0_velocity, v1_momentum, ...``) or, for the optimisers
whose ``build`` loops once per slot (RMSprop), slot by slot.
"""
from __future__ import annotations

import re

import numpy as np

from minidl import backend

__all__ = ["Count", "ScalarValue", "StateVariable", "check_learning_rate", "keras_name", "keras_path",
           "optimizer_variables", "exclude_from_weight_decay", "uses_weight_decay"]


def _owner_path(owner, name) -> str:
    owner_name = getattr(owner, "name", None)
    return f"{owner_name}/{name}" if owner_name else name


class Count(int):
    """``optimizer.iterations``: an int that also answers Keras' Variable calls (``numpy()``, ``value``,
    ``name``, ``shape``, ``dtype``; JAX's int32)."""

    name, shape, dtype, trainable = "iteration", (), "int32", False

    def __new__(cls, value, owner=None):
        obj = int.__new__(cls, value)
        obj._owner = owner
        return obj

    def assign(self, value):
        """Set the optimiser's step count (``optimizer.iterations.assign(0)``)."""
        if self._owner is None:
            raise ValueError("this count is not a variable")
        from minidl.keras.optimizers import _ema
        _ema.set_iterations(self._owner, int(np.asarray(value)))
        return self._owner.iterations

    @property
    def path(self) -> str:
        """``optimizer_name/iteration`` (Keras' variable path)."""
        return _owner_path(self._owner, self.name)

    def numpy(self):
        """The count as a 0-d int32 array."""
        return np.asarray(int(self), dtype=np.int32)

    @property
    def value(self):
        """The count (Keras' ``variable.value``)."""
        return int(self)

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)


class ScalarValue(float):
    """``optimizer.learning_rate``: a float that also answers Keras' Variable calls (``numpy()``,
    ``value``, ``assign``, ``dtype``: float32)."""

    name, shape, dtype, trainable = "learning_rate", (), "float32", False

    def __new__(cls, value, owner=None):
        obj = float.__new__(cls, value)
        obj._owner = owner
        return obj

    @property
    def path(self) -> str:
        """``optimizer_name/learning_rate`` (Keras' variable path)."""
        return _owner_path(self._owner, self.name)

    def numpy(self):
        """The value as a 0-d float32 array."""
        return np.asarray(float(self), dtype=np.float32)

    @property
    def value(self):
        """The value (Keras' ``variable.value``)."""
        return float(self)

    def assign(self, value):
        """Set the optimiser's learning rate (``optimizer.learning_rate.assign(0.1)``)."""
        if self._owner is None:
            raise ValueError("this learning rate is not a variable")
        self._owner.learning_rate = float(np.asarray(value))
        return self._owner.learning_rate

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    # comparisons in float32, as a float32 variable compares with a Python number (weakly typed):
    # ``optimizer.learning_rate == 0.001`` holds although the value is 0.0010000000474974513
    def _pair(self, other):
        if isinstance(other, (int, float, np.number)) and not isinstance(other, bool):
            return np.float32(self), np.float32(other)
        return None

    def __eq__(self, other):
        pair = self._pair(other)
        return float.__eq__(self, other) if pair is None else bool(pair[0] == pair[1])

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        pair = self._pair(other)
        return float.__lt__(self, other) if pair is None else bool(pair[0] < pair[1])

    def __le__(self, other):
        pair = self._pair(other)
        return float.__le__(self, other) if pair is None else bool(pair[0] <= pair[1])

    def __gt__(self, other):
        pair = self._pair(other)
        return float.__gt__(self, other) if pair is None else bool(pair[0] > pair[1])

    def __ge__(self, other):
        pair = self._pair(other)
        return float.__ge__(self, other) if pair is None else bool(pair[0] >= pair[1])

    __hash__ = float.__hash__


def check_learning_rate(learning_rate):
    """Keras' check: a float (not an int), a schedule, or a callable."""
    if not isinstance(learning_rate, float):
        raise ValueError("Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a "
                         "callable (that takes in the current iteration value and returns the corresponding "
                         f"learning rate value). Received instead: learning_rate={learning_rate}")


def keras_path(p) -> str:
    """The Keras path of the weight behind Parameter ``p`` (``dense/kernel``; ``variable`` when unknown)."""
    var = getattr(p, "_keras_variable", None) or p
    path = getattr(var, "path", None)
    return str(path) if isinstance(path, str) and path else str(getattr(var, "name", None) or "variable")


def keras_name(p) -> str:
    """The Keras name of the weight behind Parameter ``p``."""
    var = getattr(p, "_keras_variable", None) or p
    name = getattr(var, "name", None)
    return str(name) if isinstance(name, str) and name else "variable"


class StateVariable:
    """A read/write view of one piece of optimiser state, with Keras' Variable interface."""

    trainable = False

    def __init__(self, optimizer, name, shape, dtype, read, write=None, scoped=True):
        self.name, self._optimizer, self._scoped = name, optimizer, scoped
        self.shape, self.dtype = tuple(shape), str(np.dtype(dtype))
        self._read, self._write = read, write

    @property
    def path(self) -> str:
        """``optimizer_name/variable_name`` (just the name for a variable Keras makes outside the
        optimiser's name scope: Nadam's momentum product, Adafactor's placeholders of 1-D weights)."""
        return f"{self._optimizer.name}/{self.name}" if self._scoped else self.name

    def numpy(self):
        """A NumPy copy of the values."""
        return np.array(backend.to_numpy(self._read()), dtype=self.dtype, copy=True).reshape(self.shape)

    @property
    def value(self):
        """The values (a NumPy array)."""
        return self.numpy()

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return len(self.shape)

    def assign(self, value):
        """Overwrite the values (same shape)."""
        arr = np.asarray(value.numpy() if hasattr(value, "numpy") else value, dtype=self.dtype)
        if arr.shape != self.shape:
            raise ValueError(f"Variable {self.name} shape {self.shape} is not compatible with provided "
                             f"weight shape {arr.shape}.")
        if self._write is None:
            raise ValueError(f"optimizer variable {self.name} cannot be assigned")
        self._write(arr)
        return self

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, value={self.numpy()}>"


def _keras_shape(p):
    perm = getattr(p, "_keras_to_keras", None)
    shape = tuple(p.shape)
    return tuple(shape[i] for i in perm) if perm else shape


def _slot_variable(opt, p, slot, name):
    perm = getattr(p, "_keras_to_keras", None)

    def read():
        arr = opt.state.get(p, {}).get(slot)
        if arr is None:
            arr = opt._init_slot(p, slot)
        return arr.transpose(perm) if perm and arr.ndim == len(perm) else arr

    def write(value):
        state = opt.state[p]
        if not state:
            for s in opt._active_slots():
                state[s] = opt._init_slot(p, s)
        target = state[slot]
        if perm and target.ndim == len(perm):
            value = value.transpose(np.argsort(perm))
        target[...] = backend.to_device(value.astype(target.dtype), backend.device_of(target))

    arr = backend.to_numpy(read())
    scoped = not getattr(opt, "_slot_is_unscoped", lambda p, slot: False)(p, slot)
    return StateVariable(opt, name, np.shape(arr), np.asarray(arr).dtype, read, write, scoped=scoped)


def optimizer_variables(opt) -> list:
    """``optimizer.variables`` in Keras' order (see the module docstring)."""
    from minidl.keras.optimizers import _ema
    out = [StateVariable(opt, "iteration", (), np.int32, lambda: np.int32(_ema.raw_iterations(opt)),
                         lambda v: _ema.set_iterations(opt, int(v)))]
    if opt._schedule is None and not callable(getattr(opt, "_lr_callable", None)):
        out.append(StateVariable(opt, "learning_rate", (), np.float32, lambda: np.float32(opt.learning_rate),
                                 lambda v: setattr(opt, "learning_rate", float(v))))
    params = [p for group in opt.param_groups for p in group["params"]]
    if getattr(opt, "use_ema", False):
        store = _ema.averages(opt)
        for p in params:
            def write_average(value, p=p):
                store[id(p)] = (p, _from_keras(p, value))
            out.append(StateVariable(opt, f"{keras_path(p).replace('/', '_')}_average", _keras_shape(p),
                                     p.array.dtype, lambda p=p: _keras_view(p, store.get(id(p), (p, p.array))[1]),
                                     write_average))
    if getattr(opt, "gradient_accumulation_steps", None):
        for p in params:
            def read(p=p):
                acc = getattr(opt, "_accumulated_gradients", {}).get(id(p))
                return _keras_view(p, acc if acc is not None else np.zeros(tuple(p.shape), p.array.dtype))

            def write_accumulator(value, p=p):
                store = opt.__dict__.setdefault("_accumulated_gradients", {})
                if np.any(value != 0):  # (all zeros: nothing accumulated)
                    store[id(p)] = _from_keras(p, value)
                else:
                    store.pop(id(p), None)
            out.append(StateVariable(opt, f"{keras_path(p).replace('/', '_')}_gradient_accumulator",
                                     _keras_shape(p), p.array.dtype, read, write_accumulator))
    order = []
    for group in opt._slot_groups():  # each group variable by variable, the groups one after the other
        for p in params:
            order += [(p, slot) for slot in group if slot in opt._slots_of(p)]
    for p, slot in order:
        out.append(_slot_variable(opt, p, slot, opt._slot_variable_name(p, slot)))
    return out + opt._extra_variables()


def _keras_view(p, arr):
    perm = getattr(p, "_keras_to_keras", None)
    return arr.transpose(perm) if perm and arr.ndim == len(perm) else arr


def _from_keras(p, value):
    """A Keras-layout array shaped like ``p`` back in ``p``'s layout, dtype and device."""
    perm = getattr(p, "_keras_to_keras", None)
    value = np.asarray(value).transpose(np.argsort(perm)) if perm else np.asarray(value)
    return backend.to_device(value.astype(p.array.dtype), backend.device_of(p.array))


def exclude_from_weight_decay(opt, var_list=None, var_names=None) -> None:
    """Keras' ``exclude_from_weight_decay``: no decay for the variables of ``var_list`` and those whose
    name matches one of the ``var_names`` patterns (Keras' "before build" check tests an attribute its
    optimisers never set, so a later call is allowed and replaces the earlier choice)."""
    from minidl.keras._variable_value import parameter_of
    opt._exclude_ids = {id(parameter_of(v)) for v in var_list or []}
    opt._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None


def uses_weight_decay(opt, p) -> bool:
    """False for a parameter :func:`exclude_from_weight_decay` excluded."""
    if id(p) in getattr(opt, "_exclude_ids", ()):
        return False
    pattern = getattr(opt, "_exclude_pattern", None)
    return not (pattern is not None and pattern.search(keras_name(p)) is not None)
