"""Keras 3's ``Metric`` base class: state held in non-trainable Keras Variables (``metric.variables``,
named as Keras names them: ``total``, ``count``, ``true_positives``, ... with paths ``<metric>/<var>``),
``reset_state`` zeroing them, the stateless API (``stateless_update_state``, ``stateless_result``,
``stateless_reset_state``) and ``get_config``/``from_config``.
"""
from __future__ import annotations

import functools

import numpy as np

from minidl.keras.layers.base import Variable

__all__ = ["Metric", "MetricVariable"]


class MetricVariable(Variable):
    """A metric's state variable: a non-trainable :class:`~minidl.keras.Variable` whose ``path`` is
    ``<metric name>/<variable name>``, as Keras'."""

    def __init__(self, metric, initializer, shape, dtype, name):
        super().__init__(initializer, shape=shape, dtype=dtype, trainable=False, name=name)
        self._metric = metric

    @property
    def path(self) -> str:
        """``metric_name/variable_name``."""
        return f"{self._metric.name}/{self.name}"

    def __deepcopy__(self, memo):
        """A copy owned by the copy of its metric (``copy.deepcopy(metric)``)."""
        import copy
        if id(self) in memo:
            return memo[id(self)]
        out = MetricVariable(copy.deepcopy(self._metric, memo), self.numpy(), tuple(self.shape),
                             str(np.dtype(self.dtype)), self.name)
        memo[id(self)] = out
        return out

    def __reduce__(self):
        return _rebuild_variable, (self._metric, self.numpy(), self.name)


def _rebuild_variable(metric, values, name):
    """A pickled metric variable back (its metric rebuilt first, by pickle)."""
    return MetricVariable(metric, values, values.shape, str(values.dtype), name)


def _as_result_dtype(out, dtype):
    """A float result (NumPy scalar or array) in the metric's float ``dtype`` (float32 for an integer
    metric such as IoU), as Keras' results; other values unchanged."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = np.dtype(np.float32)
    if dtype.kind != "f":
        dtype = np.dtype(np.float32)
    if isinstance(out, (float, np.floating)) and np.asarray(out).dtype != dtype:
        return dtype.type(out)
    if isinstance(out, np.ndarray) and out.dtype.kind == "f" and out.dtype != dtype:
        return out.astype(dtype)
    return out


def _standard_dtype(dtype) -> str:
    """Keras' dtype name: "int" -> int32, "mixed_float16" -> float16, NumPy dtypes by name."""
    dtype = str(dtype)
    if dtype.startswith("mixed_"):
        return dtype[len("mixed_"):]
    if dtype in ("int", "float"):
        return {"int": "int32", "float": "float32"}[dtype]
    try:
        return str(np.dtype(dtype))
    except TypeError:
        return dtype  # bfloat16 and other names NumPy lacks


class Metric:
    """Base class of Keras' metrics: ``update_state(y_true, y_pred, sample_weight=None)``, ``result()``,
    ``reset_state()``; ``name``, ``dtype``, ``variables`` (made by :meth:`add_variable`)."""

    def __init__(self, dtype=None, name=None):
        from minidl.keras._naming import to_snake_case, unique_name
        # no name: Keras' automatic one, unique per session (auc, auc_1, ...), shared with the layers' counters
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        if isinstance(dtype, dict):  # a DTypePolicy config
            dtype = dtype.get("config", {}).get("name")
        from minidl.keras._settings import floatx
        # Keras 3.15's metric dtype: the dtype policy's compute dtype ("mixed_float16" -> float16)
        dtype = getattr(dtype, "compute_dtype", None) or getattr(dtype, "name", dtype) or floatx()
        self.dtype = _standard_dtype(dtype)
        self._variables = []

    def __init_subclass__(cls, **kwargs):
        """A subclass's float ``result`` comes out in the metric's dtype (float32 by default), as Keras'."""
        super().__init_subclass__(**kwargs)
        fn = cls.__dict__.get("result")
        if fn is not None and not getattr(fn, "_float32_result", False):
            @functools.wraps(fn)
            def result(self, *args, **kwargs):
                return _as_result_dtype(fn(self, *args, **kwargs), self.dtype)
            result._float32_result = True
            cls.result = result

    # ------------------------------------------------------------------ state
    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A state variable (Keras' ``add_variable``): a non-trainable :class:`~minidl.keras.Variable`
        of ``shape`` from ``initializer`` (path ``<metric>/<name>``); :meth:`reset_state` zeroes it."""
        from minidl.keras.layers.base import standardize_shape
        var = MetricVariable(self, initializer if initializer is not None else "zeros", standardize_shape(shape),
                             dtype or self.dtype, name or f"variable_{len(self._variables)}")
        self._variables.append(var)
        return var

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None, aggregation="sum"):
        """Keras' ``add_weight`` spelling of :meth:`add_variable` (a string first argument is taken as
        the name, Keras 2's order)."""
        if isinstance(shape, str):
            shape, name = (), shape
        return self.add_variable(shape, initializer or "zeros", dtype, aggregation, name)

    @property
    def variables(self) -> list:
        """The state variables (those made by :meth:`add_variable`, then those of nested metrics)."""
        out = list(self._variables)
        for value in vars(self).values():
            if isinstance(value, Metric) and value is not self:
                out.extend(v for v in value.variables if all(v is not w for w in out))
        return out

    def reset_state(self):
        """Forget the accumulated values: every variable back to zeros (Keras')."""
        for var in self.variables:
            var.assign(np.zeros(tuple(var.shape), dtype=np.dtype(var.dtype)))

    def update_state(self, *args, **kwargs):
        """Accumulate one batch."""
        raise NotImplementedError

    def result(self):
        """The metric over everything accumulated."""
        raise NotImplementedError

    # ------------------------------------------------------------------ stateless API
    def _check_variables(self, metric_variables):
        if len(metric_variables) != len(self.variables):
            raise ValueError("Argument `metric_variables` must be a list of tensors corresponding 1:1 to "
                             f"{type(self).__name__}().variables. Received list with length "
                             f"{len(metric_variables)}, but expected {len(self.variables)} variables.")

    def _with_values(self, metric_variables, fn):
        """``fn()`` run with the variables holding ``metric_variables``, then put back as they were."""
        from minidl.keras._tensor import numpy_of
        self._check_variables(metric_variables)
        own = self.variables
        saved = [v.numpy() for v in own]
        try:
            for var, value in zip(own, metric_variables):
                var.assign(np.asarray(numpy_of(getattr(value, "array", value))).reshape(tuple(var.shape)))
            return fn()
        finally:
            for var, value in zip(own, saved):
                var.assign(value)

    def stateless_update_state(self, metric_variables, *args, **kwargs) -> list:
        """The variables' values after ``update_state(*args, **kwargs)`` from ``metric_variables``
        (a list matching :attr:`variables`), leaving the metric's own state unchanged."""
        return self._with_values(metric_variables, lambda: (self.update_state(*args, **kwargs),
                                                            [v.numpy() for v in self.variables])[1])

    def stateless_result(self, metric_variables):
        """:meth:`result` computed from ``metric_variables`` (the metric's state unchanged)."""
        def result():
            out = self.result()
            # a result that is (or views) a state variable is copied before the state is put back
            from minidl.tensor import Tensor
            if isinstance(out, Tensor):
                return np.array(out.numpy() if isinstance(out, MetricVariable) else out.detach().numpy(), copy=True)
            return out
        return self._with_values(metric_variables, result)

    def stateless_reset_state(self) -> list:
        """The variables' values after :meth:`reset_state` (the metric's state unchanged)."""
        own = self.variables
        return self._with_values([v.numpy() for v in own],
                                 lambda: (self.reset_state(), [v.numpy() for v in self.variables])[1])

    # ------------------------------------------------------------------ misc
    def __call__(self, *args, **kwargs):
        """``update_state(*args, **kwargs)`` then :meth:`result` (``Mean()(values, sample_weight)``)."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """The constructor arguments (Keras' base config: ``name`` and ``dtype``)."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """The metric ``cls(**config)`` (Keras')."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__
