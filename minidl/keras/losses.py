"""Keras' losses (``keras.losses``) on minidl Tensors, with Keras' meaning of each name.

Probability losses (``categorical_crossentropy``, ``sparse_categorical_crossentropy``,
``binary_crossentropy``) take **probabilities** unless ``from_logits=True``,
and clip them into [1e-7, 1 - 1e-7] as Keras does (categorical ones first
divide each row by its sum). A loss object reduces the per-sample values
with ``"sum_over_batch_size"``: the (weighted) sum divided by the number of
values.

Guard against the silent double softmax: :func:`check_outputs` (run by
``fit``/``evaluate`` on the first batch) warns (``UserWarning`` naming
``from_logits``) when a probability loss receives values outside [0, 1] or
rows that do not sum to 1, or when ``from_logits=True`` receives rows that
are already probability distributions; the loss is then computed as Keras
computes it (Keras itself says nothing).
"""
from __future__ import annotations

import warnings

import numpy as np

from minidl.keras._tensor import as_tensor, clip, log, numpy_of, tmean, tsum
from minidl.ops import activation as _act
from minidl.ops import math as _math

__all__ = ["Loss", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryCrossentropy",
           "MeanSquaredError", "MeanAbsoluteError", "Huber", "KLDivergence", "categorical_crossentropy",
           "sparse_categorical_crossentropy", "binary_crossentropy", "mean_squared_error",
           "mean_absolute_error", "huber", "kl_divergence", "mse", "mae", "get", "to_loss_object",
           "check_outputs", "EPSILON"]

EPSILON = 1e-7  # keras.config.epsilon()
_PROB_TOL = 1e-3


def _pred(y_pred):
    return y_pred if hasattr(y_pred, "creator") else as_tensor(y_pred)


def _true(y_true, like, broadcast=False):
    """``y_true`` as a float32 array of ``like``'s rank (a trailing axis of 1 added or dropped). The
    cross-entropies want ``like``'s shape; with ``broadcast`` (the element-wise regression losses, which
    Keras computes with broadcasting ops) any shape that broadcasts against it is kept."""
    arr = numpy_of(y_true.array if hasattr(y_true, "creator") else y_true)
    arr = np.asarray(arr, dtype=np.float32)
    if arr.ndim == like.ndim - 1:
        arr = arr[..., None]
    elif arr.ndim == like.ndim + 1 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if broadcast and arr.shape != tuple(like.shape):
        try:
            np.broadcast_shapes(arr.shape, tuple(like.shape))
            return arr
        except ValueError:
            pass
    if arr.shape != tuple(like.shape):
        raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={arr.shape}, output.shape={tuple(like.shape)}")
    return arr


def _softplus(x):
    return _act.relu(x) + _math.log(_math.exp(-_math.abs(x)) + 1.0)


# ------------------------------------------------------------ per-sample functions
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``-sum(y_true * log(p))`` over ``axis`` per sample; ``y_true`` one-hot (or soft) targets."""
    y_pred = _pred(y_pred)
    t = _true(y_true, y_pred)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / t.shape[axis]
    if from_logits:
        logp = _act.log_softmax(y_pred, axis)
    else:
        p = y_pred / tsum(y_pred, axis, keepdims=True)
        logp = log(clip(p, EPSILON, 1.0 - EPSILON))
    return -tsum(logp * t, axis)


def _one_hot(labels, y_pred, axis):
    labels = numpy_of(labels.array if hasattr(labels, "creator") else labels)
    labels = np.asarray(labels)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.dtype.kind == "f":
        if not np.all(labels == np.round(labels)):
            raise ValueError("sparse_categorical_crossentropy: targets must be integer class ids, got "
                             "non-integer values (use categorical_crossentropy for one-hot targets)")
    labels = labels.astype(np.int64)
    n = y_pred.shape[axis]
    if labels.shape != tuple(y_pred.shape[:-1]):
        raise ValueError(f"sparse_categorical_crossentropy: targets of shape {labels.shape} do not "
                         f"match outputs of shape {tuple(y_pred.shape)} (expected class ids of shape "
                         f"{tuple(y_pred.shape[:-1])})")
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        raise ValueError(f"sparse_categorical_crossentropy: class ids must be in [0, {n - 1}], got "
                         f"values in [{labels.min()}, {labels.max()}]")
    return np.eye(n, dtype=np.float32)[labels]


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical cross-entropy with integer class ids as targets (shape (N,) or (N, 1)); the
    entries whose target is ``ignore_class`` give 0 (and :class:`SparseCategoricalCrossentropy`
    averages over the other entries only, as Keras' loss mask does)."""
    y_pred = _pred(y_pred)
    valid = None
    if ignore_class is not None:
        labels = np.asarray(numpy_of(y_true.array if hasattr(y_true, "creator") else y_true))
        valid = labels != ignore_class
        y_true = np.where(valid, labels, 0)
    onehot = _one_hot(y_true, y_pred, axis)
    values = categorical_crossentropy(onehot, y_pred, from_logits=from_logits, axis=axis)
    if valid is not None:
        valid = valid.reshape(tuple(values.shape))
        values = values * as_tensor(valid.astype(np.float32))
        values._keras_loss_mask = valid
    return values


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over ``axis`` of ``-(t log p + (1 - t) log(1 - p))`` (p clipped; or from logits)."""
    y_pred = _pred(y_pred)
    t = _true(y_true, y_pred)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        values = _softplus(y_pred) - y_pred * t
    else:
        p = clip(y_pred, EPSILON, 1.0 - EPSILON)
        values = -(log(p) * t + log(1.0 - p) * (1.0 - t))
    return tmean(values, axis)


def mean_squared_error(y_true, y_pred):
    """``mean((y_true - y_pred)**2)`` over the last axis."""
    y_pred = _pred(y_pred)
    d = y_pred - _true(y_true, y_pred, broadcast=True)
    return tmean(d * d, -1)


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_true - y_pred|)`` over the last axis."""
    y_pred = _pred(y_pred)
    return tmean(_math.abs(y_pred - _true(y_true, y_pred, broadcast=True)), -1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: 0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta); mean over the last axis."""
    y_pred = _pred(y_pred)
    d = _math.abs(y_pred - _true(y_true, y_pred, broadcast=True))
    quad = _math.minimum(d, delta)
    return tmean(quad * quad * 0.5 + (d - quad) * delta, -1)


def kl_divergence(y_true, y_pred):
    """``sum(t * log(t / p))`` over the last axis, both clipped into [1e-7, 1]."""
    y_pred = _pred(y_pred)
    t = np.clip(_true(y_true, y_pred, broadcast=True), EPSILON, 1.0)
    p = clip(y_pred, EPSILON, 1.0)
    return tsum((log(p) * -1.0 + np.log(t)) * t, -1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
kld = KLD = kl_divergence


# ------------------------------------------------------------------- loss objects
class Loss:
    """A loss object: ``loss(y_true, y_pred, sample_weight=None) -> scalar Tensor``.

    ``reduction``: ``"sum_over_batch_size"`` (default: weighted sum / number
    of values), ``"sum"``, ``"mean"`` (as the default, Keras 3),
    ``"mean_with_sample_weight"`` (weighted sum / sum of weights), or
    ``None``/``"none"`` (per-sample values).
    """

    fn = None
    probabilistic = False

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None, **fn_kwargs):
        if reduction not in ("sum_over_batch_size", "sum", "mean", "none", None,
                             "mean_with_sample_weight"):
            raise ValueError(f"Invalid value for argument `reduction`. Received: reduction={reduction}")
        from minidl.keras._naming import unique_name
        self.name = name or unique_name(_snake(type(self).__name__))  # Keras' auto_name: l, l_1, ...
        self.reduction = reduction
        self.fn_kwargs = fn_kwargs
        if isinstance(dtype, dict):  # a DTypePolicy config
            dtype = dtype.get("config", {}).get("name")
        from minidl.keras._settings import floatx
        dtype = getattr(dtype, "name", dtype) or floatx()
        # Keras' Loss.dtype: the dtype policy's compute dtype ("mixed_float16" computes in float16)
        self._dtype = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}.get(dtype, dtype)

    @property
    def dtype(self) -> str:
        """The dtype the loss computes in (Keras' ``Loss.dtype``; default float32)."""
        return self._dtype

    @property
    def from_logits(self) -> bool:
        """True when the loss takes logits."""
        return bool(self.fn_kwargs.get("from_logits", False))

    def call(self, y_true, y_pred):
        """Per-sample values."""
        return type(self).fn(y_true, y_pred, **self.fn_kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        mask = getattr(values, "_keras_loss_mask", None)
        if mask is not None and self.reduction not in (None, "none"):  # Keras' apply_mask: the masked-out
            weight = mask.astype(np.float32)  # entries weigh 0 and the mean is over the others
            if self.reduction in ("mean", "sum_over_batch_size"):
                weight = weight * (weight.size / (weight.sum() + 1e-7))
            if sample_weight is not None:
                sw = np.asarray(numpy_of(sample_weight), dtype=np.float32)
                sw = sw.reshape(sw.shape + (1,) * (weight.ndim - sw.ndim)) if sw.ndim < weight.ndim else sw
                weight = weight * sw
            sample_weight = weight
        return reduce_values(values, sample_weight, self.reduction)

    def get_config(self) -> dict:
        """The constructor arguments."""
        return dict(name=self.name, reduction=self.reduction, **self.fn_kwargs)

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`."""
        return cls(**config)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Keras' reduction of per-sample loss ``values`` with optional ``sample_weight``."""
    if sample_weight is not None:
        w = np.asarray(numpy_of(sample_weight), dtype=np.float32)
        while w.ndim < values.ndim:
            w = w[..., None]
        if w.ndim > values.ndim and w.size == int(np.prod(values.shape)):
            w = w.reshape(values.shape)  # (else a per-batch value, as Dice's, is weighted per sample)
        values = values * w
    if reduction in (None, "none"):
        return values
    total = tsum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return total / max(float(np.sum(np.broadcast_to(w, values.shape))), 1e-12)
    n = int(np.prod(values.shape)) if values.ndim else 1
    return total / float(max(n, 1))


def _snake(name):
    from minidl.keras._naming import to_snake_case
    return to_snake_case(name)


class CategoricalCrossentropy(Loss):
    """Cross-entropy between one-hot targets and predicted probabilities (or logits)."""

    fn = staticmethod(categorical_crossentropy)
    probabilistic = True

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy between integer class ids and predicted probabilities (or logits)."""

    fn = staticmethod(sparse_categorical_crossentropy)
    probabilistic = True

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype, from_logits=from_logits, ignore_class=ignore_class)


class BinaryCrossentropy(Loss):
    """Binary cross-entropy of probabilities (or logits) against 0/1 targets."""

    fn = staticmethod(binary_crossentropy)
    probabilistic = True

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class MeanSquaredError(Loss):
    """Mean squared error."""

    fn = staticmethod(mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(name, reduction, dtype)


class MeanAbsoluteError(Loss):
    """Mean absolute error."""

    fn = staticmethod(mean_absolute_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(name, reduction, dtype)


class Huber(Loss):
    """Huber loss with threshold ``delta``."""

    fn = staticmethod(huber)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(name, reduction, dtype, delta=delta)


class KLDivergence(Loss):
    """Kullback-Leibler divergence."""

    fn = staticmethod(kl_divergence)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(name, reduction, dtype)


class LossFunctionWrapper(Loss):
    """A loss object around a per-sample function ``fn(y_true, y_pred)``."""

    def __init__(self, fn, name=None, reduction="sum_over_batch_size", **kwargs):
        super().__init__(name or getattr(fn, "__name__", "loss"), reduction, kwargs.pop("dtype", None), **kwargs)
        self._fn = fn
        self.probabilistic = fn in (categorical_crossentropy, sparse_categorical_crossentropy,
                                    binary_crossentropy)

    def call(self, y_true, y_pred):
        return self._fn(y_true, y_pred, **self.fn_kwargs)


_BY_NAME = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "huber": Huber, "huber_loss": Huber,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "kullback_leibler_divergence": KLDivergence,
}
for _cls in (CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy,
             MeanSquaredError, MeanAbsoluteError, Huber, KLDivergence):
    _BY_NAME[_cls.__name__.lower()] = _cls


def to_loss_object(identifier, name=None) -> Loss:
    """A :class:`Loss` from a name (Keras' meaning: ``"categorical_crossentropy"`` takes
    probabilities), a Loss object, a config dict, or a per-sample function: what ``compile(loss=...)``
    uses (:func:`get` is Keras' public lookup, which gives functions for function names)."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        user = _user_object(identifier) if cls is None else None  # a registered / scoped user loss
        if user is not None:
            return to_loss_object(user() if isinstance(user, type) else user, name)
        if cls is None:
            raise ValueError(f"Could not interpret loss identifier: {identifier!r} "
                             f"(known: {sorted(k for k in _BY_NAME if k.islower())})")
        loss = cls()
        loss.name = identifier
        return loss
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(str(identifier.get("class_name", "")).lower())
        if cls is None and identifier.get("config") is not None:  # a user Loss class (registered / scoped)
            from minidl.keras.serialization import deserialize_keras_object
            return to_loss_object(deserialize_keras_object(identifier), name)
        if cls is None:
            raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
        return cls(**identifier.get("config", {}))
    if callable(identifier):
        return LossFunctionWrapper(identifier, name=name)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def _loss_label(loss) -> str:
    return f"{type(loss).__name__}" if not isinstance(loss, LossFunctionWrapper) else loss.name


def check_outputs(loss, y_pred) -> None:
    """Warn (``UserWarning`` naming ``from_logits``) when ``y_pred`` (NumPy, Keras layout) cannot be
    what ``loss`` expects: probabilities for a probability loss, logits with ``from_logits=True``."""
    if not getattr(loss, "probabilistic", False):
        return
    p = np.asarray(y_pred, dtype=np.float64)
    if p.size == 0 or not np.all(np.isfinite(p)):
        return
    binary = isinstance(loss, BinaryCrossentropy) or getattr(loss, "_fn", None) is binary_crossentropy
    lo, hi = float(p.min()), float(p.max())
    in_unit = lo >= -_PROB_TOL and hi <= 1 + _PROB_TOL
    sums = p.sum(axis=-1) if p.ndim >= 1 else p
    normalised = (not binary) and p.shape[-1] > 1 and bool(np.all(np.abs(sums - 1) <= _PROB_TOL))
    name = _loss_label(loss)
    if not loss.from_logits:
        if not in_unit or (not binary and not normalised):
            what = (f"values in [{lo:.4g}, {hi:.4g}]" if binary or not in_unit else
                    f"rows summing to {float(sums.min()):.4g}..{float(sums.max()):.4g}")
            warnings.warn(
                f"{name} (from_logits=False) expects probabilities, but the model's outputs are not: "
                f"{what}. Give the last layer activation='{'sigmoid' if binary else 'softmax'}', or, "
                f"if the model outputs logits, use keras.losses.{_class_of(loss)}(from_logits=True).",
                UserWarning, stacklevel=3)
    elif normalised and in_unit and p.shape[-1] > 1:
        warnings.warn(
            f"{name} was given from_logits=True, but the model's outputs are already probabilities "
            "(every row lies in [0, 1] and sums to 1): a softmax would be applied twice. Remove the "
            "softmax from the last layer, or use from_logits=False.", UserWarning, stacklevel=3)


def _class_of(loss) -> str:
    if isinstance(loss, LossFunctionWrapper):
        return {categorical_crossentropy: "CategoricalCrossentropy",
                sparse_categorical_crossentropy: "SparseCategoricalCrossentropy",
                binary_crossentropy: "BinaryCrossentropy"}.get(loss._fn, "Loss")
    return type(loss).__name__


# the rest of Keras' losses live in losses_more (appended: names, functions, serialize/deserialize)
from minidl.keras import losses_more as _more  # noqa: E402
from minidl.keras.losses_more import *  # noqa: E402,F401,F403

_BY_NAME.update(_more.NAMES)
__all__ += _more.__all__


def _user_object(name):
    """A registered (``register_keras_serializable``) or scoped (``custom_object_scope``) object named ``name``."""
    from minidl.keras._registry import lookup
    return lookup(name)


from minidl.keras.losses_get import get  # noqa: E402,F401  (Keras' public lookup)
