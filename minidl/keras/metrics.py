"""Keras' metrics (``keras.metrics``), computed in NumPy on each batch's outputs.

A metric object accumulates a weighted mean over the batches of an epoch
(``update_state``, ``result``, ``reset_state``). ``"accuracy"`` in
``compile(metrics=...)`` becomes binary, sparse categorical or categorical
accuracy from the target and output shapes, as Keras decides
(:func:`resolve`).
"""
from __future__ import annotations

import numpy as np

from minidl.keras._tensor import numpy_of

__all__ = ["Metric", "Mean", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
           "SparseCategoricalAccuracy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
           "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "BinaryCrossentropy", "Precision", "Recall",
           "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "get", "resolve"]


def _np(x):
    return np.asarray(numpy_of(x.array if hasattr(x, "creator") else x))


def _match_rank(y_true, y_pred):
    if y_true.ndim == y_pred.ndim - 1:
        y_true = y_true[..., None]
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_true


# ------------------------------------------------------------ per-sample functions
def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred`` exactly."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    return (_match_rank(y_true, y_pred) == y_pred).astype(np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``(y_pred > threshold) == y_true``, per entry (Keras 3 does not average the last axis;
    :class:`BinaryAccuracy` averages each sample's entries)."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    y_true = _match_rank(y_true, y_pred)
    return ((y_pred > threshold).astype(np.float32) == y_true.astype(np.float32)).astype(np.float32)


def categorical_accuracy(y_true, y_pred):
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` (one-hot targets)."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the class id ``y_true`` equals ``argmax(y_pred)``."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (np.argmax(y_pred, axis=-1) == y_true.astype(np.int64)).astype(np.float32)


def _in_top_k(pred, labels, k):
    """1.0 where ``labels`` is among the ``k`` highest of ``pred``'s last axis, in ``labels``' shape (Keras
    flattens (batch, ..., classes) outputs to rows and the targets to match)."""
    shape = labels.shape
    pred = pred.reshape(-1, pred.shape[-1])
    labels = labels.reshape(-1)
    k = min(k, pred.shape[-1])
    target = pred[np.arange(len(pred)), labels]
    # Keras (in_top_k) counts a hit when fewer than k classes score strictly higher
    return ((pred > target[:, None]).sum(axis=-1) < k).astype(np.float32).reshape(shape)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the target class is among the ``k`` highest outputs (one-hot targets, any rank)."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    return _in_top_k(y_pred, np.argmax(y_true, axis=-1), k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """As :func:`top_k_categorical_accuracy` with class-id targets; ``from_sorted_ids``: ``y_pred`` holds
    class ids sorted by score (the first ``k`` columns are the top k)."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    if from_sorted_ids:
        shape = y_true.shape
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        return np.any(ids == y_true.reshape(-1, 1), axis=1).astype(np.float32).reshape(shape)
    return _in_top_k(y_pred, y_true.astype(np.int64), k)


def _mse(y_true, y_pred):
    y_true, y_pred = _np(y_true), _np(y_pred)
    return np.mean((y_pred - _match_rank(y_true, y_pred)) ** 2, axis=-1)


def _mae(y_true, y_pred):
    y_true, y_pred = _np(y_true), _np(y_pred)
    return np.mean(np.abs(y_pred - _match_rank(y_true, y_pred)), axis=-1)


# ---------------------------------------------------------------------- objects
from minidl.keras.metric_base import Metric  # noqa: E402


def _squeeze_or_expand(x1, x2):
    """Keras' ``squeeze_or_expand_to_same_rank``: a trailing axis of 1 on one side only is dropped
    (or, against a rank-1 other side, that side gains it)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _samplewise(metric, values, sample_weight, reduce):
    """Keras' ``reduce_to_samplewise_values`` in the metric's dtype: values reduced (``reduce``: np.mean
    or np.sum) down to the weights' rank, multiplied by them, then to one value per sample; returns
    ``(values, per-sample weights or None)``."""
    dtype = np.dtype(metric.dtype)
    values = np.asarray(_np(values)).astype(dtype)
    w = None
    if sample_weight is not None:
        w = np.asarray(_np(sample_weight)).astype(dtype)
        values, w = _squeeze_or_expand(values, w)
        if values.ndim > w.ndim:
            values = reduce(values, axis=tuple(range(w.ndim, values.ndim)))
        try:
            w = np.broadcast_to(w, values.shape)
        except ValueError:
            raise ValueError(f"{type(metric).__name__} ({metric.name}): sample_weight of shape {w.shape} does not "
                             f"match the values of shape {values.shape}") from None
        values = values * w
        if w.ndim > 1:
            w = reduce(w, axis=tuple(range(1, w.ndim)))
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, w


class Mean(Metric):
    """Weighted mean of the values given to ``update_state(values, sample_weight=None)`` (variables
    ``total`` and ``count``)."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        """Keras' ``reduce_to_samplewise_values``: values are averaged down to the weights' rank and then
        to one value per sample; ``count`` grows by the samples (or the summed per-sample weights)."""
        values, w = _samplewise(self, values, sample_weight, np.mean)
        self.total.assign_add(np.sum(values))
        self.count.assign_add(np.sum(w) if w is not None else values.shape[0] if values.ndim else 1)

    def result(self):
        """``total / count`` (0 before any sample)."""
        total, count = self.total.numpy(), self.count.numpy()
        return np.float32(total / count) if count else np.float32(0.0)


class MeanMetricWrapper(Mean):
    """The weighted mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)  # no name: Keras' "mean_metric_wrapper" (numbered)
        self._fn, self._fn_kwargs = fn, kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate ``fn(y_true, y_pred)`` (weighted)."""
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        """Keras' config: ``name``, ``dtype``, the serialised ``fn`` and its keyword arguments."""
        from minidl.keras.serialization import serialize_keras_object
        return {"name": self.name, "dtype": self.dtype, "fn": serialize_keras_object(self._fn),
                **{k: serialize_keras_object(v) for k, v in self._fn_kwargs.items()}}

    @classmethod
    def from_config(cls, config):
        """The wrapper of ``get_config`` (its ``fn`` deserialised)."""
        config = dict(config)
        if "fn" in config:
            from minidl.keras.serialization import deserialize_keras_object
            config["fn"] = deserialize_keras_object(config["fn"])
        return cls(**config)


def _wrapper(fn, default_name, **defaults):
    class _Wrapped(MeanMetricWrapper):
        def __init__(self, name=default_name, dtype=None, **kwargs):
            super().__init__(fn, name=name, dtype=dtype, **dict(defaults, **kwargs))
            for key, value in self._fn_kwargs.items():  # Keras' attributes: threshold, k, from_logits, ...
                setattr(self, key, value)

        def get_config(self):
            """Keras' config: ``name``, ``dtype`` and the function's arguments (``k``, ``threshold``)."""
            return {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}

        @classmethod
        def from_config(cls, config):
            return cls(**config)
    return _Wrapped


class Accuracy(_wrapper(accuracy, "accuracy")):
    """How often predictions equal targets exactly."""


class BinaryAccuracy(_wrapper(binary_accuracy, "binary_accuracy", threshold=0.5)):
    """How often ``(y_pred > threshold)`` equals the 0/1 target."""


class CategoricalAccuracy(_wrapper(categorical_accuracy, "categorical_accuracy")):
    """How often ``argmax(y_pred)`` equals ``argmax(y_true)`` (one-hot targets)."""


class SparseCategoricalAccuracy(_wrapper(sparse_categorical_accuracy, "sparse_categorical_accuracy")):
    """How often ``argmax(y_pred)`` equals the class id."""


class TopKCategoricalAccuracy(_wrapper(top_k_categorical_accuracy, "top_k_categorical_accuracy", k=5)):
    """How often the target is among the top ``k`` outputs (one-hot targets)."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype, k=k)  # Keras' order: k first


class SparseTopKCategoricalAccuracy(_wrapper(sparse_top_k_categorical_accuracy,
                                             "sparse_top_k_categorical_accuracy", k=5)):
    """How often the class id is among the top ``k`` outputs."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(name=name, dtype=dtype, k=k)  # Keras' order: k first
        self.from_sorted_ids = from_sorted_ids
        if from_sorted_ids:  # (in the config only when set, as Keras writes it)
            self._fn_kwargs["from_sorted_ids"] = True


class MeanSquaredError(_wrapper(_mse, "mean_squared_error")):
    """Mean squared error."""


class MeanAbsoluteError(_wrapper(_mae, "mean_absolute_error")):
    """Mean absolute error."""


def _mape(y_true, y_pred):
    y_true, y_pred = _np(y_true), _np(y_pred)
    y_true = _match_rank(y_true, y_pred)
    return 100.0 * np.mean(np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), 1e-7), axis=-1)


def _msle(y_true, y_pred):
    y_true, y_pred = _np(y_true), _np(y_pred)
    y_true = _match_rank(y_true, y_pred)
    return np.mean((np.log(np.maximum(y_pred, 1e-7) + 1) - np.log(np.maximum(y_true, 1e-7) + 1)) ** 2, axis=-1)


class MeanAbsolutePercentageError(_wrapper(_mape, "mean_absolute_percentage_error")):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))`` over the last axis, averaged."""


class MeanSquaredLogarithmicError(_wrapper(_msle, "mean_squared_logarithmic_error")):
    """Mean of ``(log(1 + y_pred) - log(1 + y_true)) ** 2`` (values clipped at 1e-7)."""


class RootMeanSquaredError(Mean):
    """``sqrt`` of the (weighted) mean squared error over all entries."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _np(y_true), _np(y_pred)
        super().update_state((y_pred - _match_rank(y_true, y_pred)) ** 2, sample_weight)

    def result(self):
        """``sqrt(total / count)``."""
        return np.sqrt(super().result())


def _loss_metric(loss_fn_name, default_name, **defaults):
    def fn(y_true, y_pred, **kwargs):
        from minidl.keras import losses
        return _np(getattr(losses, loss_fn_name)(y_true, y_pred, **kwargs))
    return _wrapper(fn, default_name, **defaults)  # the loss's arguments: in the config, as Keras writes them


class CategoricalCrossentropy(_loss_metric("categorical_crossentropy", "categorical_crossentropy",
                                           from_logits=False, label_smoothing=0, axis=-1)):
    """Mean categorical cross-entropy (``from_logits=`` as the loss)."""


class SparseCategoricalCrossentropy(_loss_metric("sparse_categorical_crossentropy",
                                                 "sparse_categorical_crossentropy", from_logits=False,
                                                 ignore_class=None, axis=-1)):
    """Mean sparse categorical cross-entropy."""


class BinaryCrossentropy(_loss_metric("binary_crossentropy", "binary_crossentropy", from_logits=False,
                                      label_smoothing=0)):
    """Mean binary cross-entropy."""


_BY_NAME = {
    "accuracy": Accuracy, "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "root_mean_squared_error": RootMeanSquaredError,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,  # precision, recall: metrics_confusion (added below)
}


def get(identifier) -> Metric:
    """Keras' ``metrics.get``: a metric object from a name (the class's default name), a Metric or
    Metric class, or a config dict; a per-sample function ``fn(y_true, y_pred)`` (or a loss object)
    comes back as it is."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        user = _user_object(identifier) if cls is None else None  # a registered / scoped user metric
        if user is not None:
            return get(user)
        if cls is None:
            raise ValueError(f"Could not interpret metric identifier: {identifier!r} "
                             f"(known: 'accuracy', {sorted(_BY_NAME)})")
        return cls()  # Keras' default name ("mse" -> mean_squared_error); compile names it by the string
    if isinstance(identifier, dict):
        return _more.deserialize(identifier)
    if callable(identifier):
        return identifier  # a function or loss object, as Keras' get (compile wraps it: :func:`resolve`)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def _snake(name):
    """Keras' snake case of a class name."""
    from minidl.keras._naming import to_snake_case as snake
    return snake(name)


def resolve(identifier, y_true_shape, y_pred_shape) -> Metric:
    """A metric for ``compile(metrics=[identifier])``: ``"accuracy"``/``"acc"`` becomes binary
    accuracy when the output has one unit, sparse categorical accuracy when the targets have
    a lower rank (or one column) than the outputs, else categorical accuracy (Keras' rule)."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        binary = y_pred_shape[-1] == 1
        sparse = len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1)
        cls = BinaryAccuracy if binary else SparseCategoricalAccuracy if sparse else CategoricalAccuracy
        return cls(name=identifier)
    metric = get(identifier)
    if not isinstance(metric, Metric):  # a function or a Loss object: its mean, named as Keras names it
        metric = MeanMetricWrapper(metric, name=getattr(metric, "__name__", None) or getattr(metric, "name", None)
                                   or _snake(type(metric).__name__))
    if isinstance(identifier, str):  # Keras' compile logs a string metric under that string ("mse")
        metric.name = identifier
    return metric


# the rest of Keras' metrics (appended): metrics_confusion (counts, AUC, IoU, F-scores) and
# metrics_more (regression, correlation, Sum, function forms, serialize/deserialize)
from minidl.keras import metrics_more as _more  # noqa: E402
from minidl.keras.metrics_confusion import *  # noqa: E402,F401,F403
from minidl.keras.metrics_confusion import Precision, Recall  # noqa: E402 (Keras' thresholds/top_k/class_id)
from minidl.keras.metrics_more import *  # noqa: E402,F401,F403

for _name, _fn in _more.FUNCTIONS.items():
    globals().setdefault(_name, _fn)
_BY_NAME.update(_more.NAMES)
from minidl.keras.metrics_iou import *  # noqa: E402,F401,F403

__all__ = list(dict.fromkeys(__all__ + _more.__all__ + _more._conf.__all__ + _more._iou.__all__
                             + list(_more.FUNCTIONS)))
def _user_object(name):
    """A registered (``register_keras_serializable``) or scoped (``custom_object_scope``) object named ``name``."""
    from minidl.keras._registry import lookup
    return lookup(name)
