"""Keras' API for writing an optimiser: a subclass of ``keras.optimizers.Optimizer`` overrides
``build(variables)`` (making its slots with ``add_variable_from_reference``) and
``update_step(gradient, variable, learning_rate)`` (updating with ``self.assign``/``assign_add``/
``assign_sub``), as in Keras' documentation::

    class MySGD(keras.optimizers.Optimizer):
        def build(self, variables):
            super().build(variables)
            self.momentums = [self.add_variable_from_reference(v, name="momentum") for v in variables]

        def update_step(self, gradient, variable, learning_rate):
            m = self.momentums[self._get_variable_index(variable)]
            self.assign(m, m * 0.9 - gradient * learning_rate)
            self.assign_add(variable, m)

``variable`` is the weight given to ``build`` (a minidl Parameter, in minidl's layout), ``gradient``
a Tensor shaped like it, ``learning_rate`` the float32 rate. The variables made here are listed in
``optimizer.variables`` after Keras' own.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.tensor import Tensor

__all__ = ["CustomStepMixin"]


def _array_of(value):
    if isinstance(value, Tensor):
        return value.array
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        return np.asarray(value.numpy())
    return np.asarray(value)


def _target(variable):
    from minidl.keras._variable_value import parameter_of
    return parameter_of(variable)


class CustomStepMixin:
    """``add_variable``, ``add_variable_from_reference``, ``add_optimizer_variables``, ``assign*`` and
    ``_get_variable_index`` for optimisers that override ``update_step``."""

    def _uses_custom_update_step(self) -> bool:
        from minidl.keras.optimizers import Optimizer
        return type(self).update_step is not Optimizer.update_step

    def update_step(self, gradient, variable, learning_rate):
        """Update ``variable`` with ``gradient``: a user's optimiser overrides it (the built-in ones
        work on their own state)."""
        raise NotImplementedError

    def _custom_list(self) -> list:
        if "_custom_variables" not in self.__dict__:
            self._custom_variables = []
        return self._custom_variables

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none", layout=None, name=None):
        """A new optimiser variable (a Keras Variable) of ``shape``, listed in ``optimizer.variables``."""
        from minidl.keras.layers.base import Variable
        var = Variable(initializer, shape=tuple(shape), dtype=dtype or "float32", trainable=False,
                       name=name or "variable")
        var.requires_grad = False
        self._custom_list().append(var)
        return var

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A variable shaped like ``reference_variable`` named ``<its path with _>_<name>``."""
        from minidl.keras.optimizers import _keras_state
        name = f"{_keras_state.keras_path(reference_variable).replace('/', '_')}_{name or 'var'}"
        dtype = str(np.dtype(_target(reference_variable).array.dtype))
        return self.add_variable(tuple(_target(reference_variable).shape), initializer, dtype=dtype, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One variable per weight for ``name`` (a list), or a tuple of lists for a list of names."""
        names = [name] if isinstance(name, str) else list(name)
        made = [[self.add_variable_from_reference(v, n, initializer) for v in trainable_variables] for n in names]
        return made[0] if isinstance(name, str) else tuple(made)

    def _get_variable_index(self, variable) -> int:
        """The position of ``variable`` among the weights the optimiser was built with."""
        params = [p for group in self.param_groups for p in group["params"]]
        index = self.__dict__.get("_variable_index")
        if index is None or len(index) != len(params):  # (remade when weights were added)
            index = self._variable_index = {id(p): i for i, p in enumerate(params)}
        return index[id(_target(variable))]

    def assign(self, variable, value):
        """``variable[...] = value`` in place."""
        arr = _target(variable).array
        arr[...] = backend.to_device(np.asarray(backend.to_numpy(_array_of(value)), dtype=arr.dtype),
                                     backend.device_of(arr)) if not isinstance(value, Tensor) else \
            _array_of(value).astype(arr.dtype, copy=False)

    def assign_add(self, variable, value):
        """``variable += value`` in place."""
        arr = _target(variable).array
        arr += _array_of(value).astype(arr.dtype, copy=False) if isinstance(value, Tensor) else \
            np.asarray(_array_of(value), dtype=arr.dtype)

    def assign_sub(self, variable, value):
        """``variable -= value`` in place."""
        arr = _target(variable).array
        arr -= _array_of(value).astype(arr.dtype, copy=False) if isinstance(value, Tensor) else \
            np.asarray(_array_of(value), dtype=arr.dtype)

    def _run_custom_update(self, p, g, lr):
        """One ``update_step`` of the user's optimiser."""
        self.update_step(Tensor(g), p, np.float32(lr))
