"""The rest of Keras 3's losses (``keras.losses``): hinge and focal families, regression losses,
segmentation (Dice, Tversky), metric learning (Circle), CTC and generalised cross-entropy.

Each per-sample function has Keras' formula (its epsilon, clipping and label conversion) and
is differentiable in minidl; each class is a :class:`~minidl.keras.losses.Loss` with Keras'
constructor arguments, defaults, name and ``get_config``. ``serialize``/``deserialize`` use
Keras 3's dict format (``{"module", "class_name", "config", "registered_name"}``).
"""
from __future__ import annotations

import numpy as np

import minidl as _md
from minidl.keras import losses as _base
from minidl.keras._tensor import clip, log, numpy_of, tmean, tsum
from minidl.nn import functional as _F

__all__ = ["BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "CTC", "CategoricalGeneralizedCrossEntropy",
           "CategoricalHinge", "Circle", "CosineSimilarity", "Dice", "Hinge", "SquaredHinge", "LogCosh",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Poisson", "Tversky",
           "binary_focal_crossentropy", "categorical_focal_crossentropy", "categorical_generalized_cross_entropy",
           "categorical_hinge", "circle", "cosine_similarity", "ctc", "dice", "hinge", "log_cosh",
           "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "poisson", "squared_hinge",
           "tversky", "serialize", "deserialize"]

EPSILON = _base.EPSILON
_pred, _true = _base._pred, _base._true


def _hinge_labels(t: np.ndarray) -> np.ndarray:
    """0/1 labels become -1/+1 (Keras converts only when every label is 0 or 1)."""
    return 2.0 * t - 1.0 if np.all((t == 0) | (t == 1)) else t


# ------------------------------------------------------------ per-sample functions
def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0))`` over the last axis; 0/1 labels become -1/+1.

    Shapes: ``y_true``, ``y_pred`` (batch, ..., d) -> (batch, ...)."""
    y_pred = _pred(y_pred)
    t = _hinge_labels(_true(y_true, y_pred, broadcast=True))
    return tmean(_F.relu(1.0 - y_pred * t), -1)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0) ** 2)`` over the last axis; 0/1 labels become -1/+1."""
    y_pred = _pred(y_pred)
    t = _hinge_labels(_true(y_true, y_pred, broadcast=True))
    margin = _F.relu(1.0 - y_pred * t)
    return tmean(margin * margin, -1)


def categorical_hinge(y_true, y_pred):
    """``max(neg - pos + 1, 0)`` with ``pos = sum(t * p)``, ``neg = max((1 - t) * p)`` over the last axis."""
    y_pred = _pred(y_pred)
    t = _true(y_true, y_pred)
    pos = tsum(y_pred * t, -1)
    neg = _md.amax(y_pred * (1.0 - t), -1)
    return _F.relu(neg - pos + 1.0)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))`` over the last axis."""
    y_pred = _pred(y_pred)
    t = _true(y_true, y_pred, broadcast=True)
    return tmean(_md.abs(y_pred - t) * (1.0 / np.maximum(np.abs(t), EPSILON)), -1) * 100.0


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2)`` over the last axis."""
    y_pred = _pred(y_pred)
    t = _true(y_true, y_pred, broadcast=True)
    d = log(_md.clamp(y_pred, min=EPSILON) + 1.0) - np.log(np.maximum(t, EPSILON) + 1.0)
    return tmean(d * d, -1)


def _l2_normalize(x, axis):
    """``x / max(||x||, 1e-7)`` along ``axis`` (Keras' ``ops.normalize``)."""
    return x / _md.clamp(_md.sqrt(tsum(x * x, axis, keepdims=True)), min=EPSILON)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred))`` over ``axis`` (-1 when aligned, 0 orthogonal)."""
    y_pred = _pred(y_pred)
    t = np.asarray(_true(y_true, y_pred), dtype=np.float32)
    t = t / np.maximum(np.sqrt(np.sum(t * t, axis=axis, keepdims=True)), EPSILON)
    return -tsum(_l2_normalize(y_pred, axis) * t, axis)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)))`` over the last axis, as ``x + softplus(-2x) - log 2``."""
    y_pred = _pred(y_pred)
    x = y_pred - _true(y_true, y_pred, broadcast=True)
    return tmean(x + _base._softplus(x * -2.0) - float(np.log(2.0)), -1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + 1e-7))`` over the last axis."""
    y_pred = _pred(y_pred)
    t = _true(y_true, y_pred, broadcast=True)
    return tmean(y_pred - log(y_pred + EPSILON) * t, -1)


def _bce_clipped(t, p):
    """Keras' ``ops.binary_crossentropy`` of probabilities (clipped into [eps, 1 - eps])."""
    p = clip(p, EPSILON, 1.0 - EPSILON)
    return -(log(p) * t + log(1.0 - p) * (1.0 - t))


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy scaled by ``(1 - p_t) ** gamma`` (and by ``alpha``/``1 - alpha`` for
    classes 1/0 with ``apply_class_balancing``); mean over ``axis``."""
    y_pred = _pred(y_pred)
    t = _true(y_true, y_pred)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    p = _md.sigmoid(y_pred) if from_logits else y_pred
    p_t = p * t + (1.0 - p) * (1.0 - t)
    focal = _md.pow(1.0 - p_t, float(gamma)) * _bce_clipped(t, p)
    if apply_class_balancing:
        focal = focal * (t * alpha + (1.0 - t) * (1.0 - alpha))
    return tmean(focal, axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """``sum(alpha * (1 - p) ** gamma * -t log p)`` over ``axis``, ``p`` the row-normalised clipped
    probabilities (softmax first with ``from_logits``); ``alpha`` a float or one per class."""
    y_pred = _pred(y_pred)
    t = _true(y_true, y_pred)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / t.shape[-1]
    p = _md.softmax(y_pred, axis) if from_logits else y_pred
    p = clip(p / tsum(p, axis, keepdims=True), EPSILON, 1.0 - EPSILON)
    weight = _md.pow(1.0 - p, float(gamma)) * np.asarray(alpha, dtype=np.float32)
    return tsum(weight * (log(p) * -t), axis)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """``(1 - p ** q) / q`` with ``p`` the probability of the true class; ``y_true`` class ids
    (batch,) or (batch, 1), ``y_pred`` (batch, classes) probabilities -> (batch,)."""
    y_pred = _pred(y_pred)
    onehot = _base._one_hot(y_true, y_pred, -1)
    p = tsum(y_pred * onehot, -1)
    return (1.0 - _md.pow(p, float(q))) * (1.0 / q)


def dice(y_true, y_pred, axis=None):
    """``1 - 2 sum(t p) / (sum(t) + sum(p) + 1e-7)`` over ``axis`` (None: everything -> a scalar)."""
    y_pred = _pred(y_pred)
    t = _true(y_true, y_pred)
    inter = tsum(y_pred * t, axis)
    return 1.0 - inter * 2.0 / (tsum(y_pred, axis) + (np.sum(t, axis=axis) + EPSILON))


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - tp / (tp + alpha fp + beta fn + 1e-7)`` with soft counts ``tp = sum(t p)``,
    ``fp = sum((1 - p) t)``, ``fn = sum(p (1 - t))`` over ``axis`` (Keras' naming)."""
    y_pred = _pred(y_pred)
    t = _true(y_true, y_pred)
    inter = tsum(y_pred * t, axis)
    fp = tsum((1.0 - y_pred) * t, axis)
    fn = tsum(y_pred * (1.0 - t), axis)
    return 1.0 - inter / (inter + fp * alpha + fn * beta + EPSILON)


def _labels_1d(labels, what):
    arr = np.asarray(numpy_of(labels.array if hasattr(labels, "creator") else labels))
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"circle: `{what}` must be integer labels of shape (batch,) or (batch, 1), "
                         f"got shape {arr.shape}")
    return arr.astype(np.int64)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss of L2-normalised embeddings ``y_pred`` (batch, dim) with integer labels
    ``y_true`` (batch,), against ``ref_embeddings``/``ref_labels`` (default: the batch) -> (batch,)."""
    y_pred = _pred(y_pred)
    labels = _labels_1d(y_true, "y_true")
    ref = y_pred if ref_embeddings is None else _pred(ref_embeddings)
    ref_lab = labels if ref_labels is None else _labels_1d(ref_labels, "ref_labels")
    if y_pred.ndim != 2 or len(labels) != y_pred.shape[0]:
        raise ValueError(f"circle: y_pred must be (batch, dim) embeddings matching {len(labels)} labels, "
                         f"got shape {tuple(y_pred.shape)}")
    dist = _md.clamp(1.0 - _md.matmul(y_pred, ref.T), min=0.0)
    pos = labels[:, None] == ref_lab[None, :]
    neg = ~pos
    if remove_diagonal:
        pos = pos & ~np.eye(len(labels), len(ref_lab), dtype=bool)
    pos_f, neg_f = pos.astype(np.float32), neg.astype(np.float32)
    pos_w = _F.relu((dist + margin) * pos_f)
    neg_w = _F.relu(((1.0 + margin) - dist) * neg_f)
    pos_wd = pos_w * (margin - dist) * float(-gamma)
    neg_wd = neg_w * ((1.0 - margin) - dist) * float(gamma)
    # rows without positives (or negatives) give -inf in Keras; a huge finite value keeps gradients finite
    low = _md.tensor(np.float32(-1e30), device=y_pred.device)
    p_loss = _md.logsumexp(_md.where(_md.tensor(pos, device=y_pred.device), pos_wd, low), 1)
    n_loss = _md.logsumexp(_md.where(_md.tensor(neg, device=y_pred.device), neg_wd, low), 1)
    return _base._softplus(p_loss + n_loss)


def ctc(y_true, y_pred):
    """CTC loss of logits ``y_pred`` (batch, time, classes) against padded integer labels ``y_true``
    (batch, max_length); 0 is the blank and the padding, every frame counts -> (batch,)."""
    labels = np.asarray(numpy_of(y_true.array if hasattr(y_true, "creator") else y_true))
    y_pred = _pred(y_pred)
    if labels.ndim != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` "
                         f"in integer format. Received: y_true.shape={labels.shape}")
    if y_pred.ndim != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, "
                         f"num_classes)`. Received: y_pred.shape={tuple(y_pred.shape)}")
    labels = labels.astype(np.int64)
    n, steps = y_pred.shape[0], y_pred.shape[1]
    log_probs = _md.log_softmax(y_pred, -1).permute(1, 0, 2)
    return _F.ctc_loss(log_probs, _md.tensor(labels), [steps] * n, (labels != 0).sum(-1).tolist(),
                       blank=0, reduction="none")


# ------------------------------------------------------------------- loss objects
class _Wrapped(_base.Loss):
    """A Keras loss class around one of the functions above; ``get_config`` lists ``fn_kwargs``."""

    def get_config(self) -> dict:
        """Keras' config: name, reduction and the loss's own arguments."""
        return dict(name=self.name, reduction=self.reduction, **self.fn_kwargs)


class Hinge(_Wrapped):
    """Hinge loss (labels -1/+1 or 0/1)."""

    fn = staticmethod(hinge)

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(name, reduction, dtype)


class SquaredHinge(_Wrapped):
    """Squared hinge loss (labels -1/+1 or 0/1)."""

    fn = staticmethod(squared_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(name, reduction, dtype)


class CategoricalHinge(_Wrapped):
    """Categorical hinge loss of one-hot targets."""

    fn = staticmethod(categorical_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(name, reduction, dtype)


class MeanAbsolutePercentageError(_Wrapped):
    """Mean absolute percentage error."""

    fn = staticmethod(mean_absolute_percentage_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name, reduction, dtype)


class MeanSquaredLogarithmicError(_Wrapped):
    """Mean squared logarithmic error."""

    fn = staticmethod(mean_squared_logarithmic_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name, reduction, dtype)


class CosineSimilarity(_Wrapped):
    """Negative cosine similarity along ``axis``."""

    fn = staticmethod(cosine_similarity)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(name, reduction, dtype, axis=axis)

    def get_config(self):
        """Keras' config (Keras leaves ``axis`` out)."""
        return {"name": self.name, "reduction": self.reduction}


class LogCosh(_Wrapped):
    """Logarithm of the hyperbolic cosine of the error."""

    fn = staticmethod(log_cosh)

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(name, reduction, dtype)


class Poisson(_Wrapped):
    """Poisson loss ``y_pred - y_true * log(y_pred)``."""

    fn = staticmethod(poisson)

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(name, reduction, dtype)


class BinaryFocalCrossentropy(_Wrapped):
    """Binary focal cross-entropy (Lin et al., 2018)."""

    fn = staticmethod(binary_focal_crossentropy)

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype, apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)

    def get_config(self):
        """Keras' config, in Keras' key order."""
        kw = self.fn_kwargs
        return {"name": self.name, "reduction": self.reduction, "from_logits": kw["from_logits"],
                "label_smoothing": kw["label_smoothing"], "axis": kw["axis"],
                "apply_class_balancing": kw["apply_class_balancing"], "alpha": kw["alpha"], "gamma": kw["gamma"]}


class CategoricalFocalCrossentropy(_Wrapped):
    """Categorical focal cross-entropy (one-hot targets)."""

    fn = staticmethod(categorical_focal_crossentropy)

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)

    def get_config(self):
        """Keras' config, in Keras' key order."""
        kw = self.fn_kwargs
        return {"name": self.name, "reduction": self.reduction, "from_logits": kw["from_logits"],
                "label_smoothing": kw["label_smoothing"], "axis": kw["axis"], "alpha": kw["alpha"],
                "gamma": kw["gamma"]}


class CategoricalGeneralizedCrossEntropy(_Wrapped):
    """Generalised cross-entropy (Zhang & Sabuncu, 2018) of class-id targets; ``q`` in (0, 1)."""

    fn = staticmethod(categorical_generalized_cross_entropy)

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"q must be in the interval (0, 1). Received: q={q}")
        super().__init__(name, reduction, dtype, q=q)


class Dice(_Wrapped):
    """Dice loss over ``axis`` (None: the whole batch gives one value)."""

    fn = staticmethod(dice)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(name, reduction, dtype, axis=axis)


class Tversky(_Wrapped):
    """Tversky loss (``alpha`` weighs false positives, ``beta`` false negatives)."""

    fn = staticmethod(tversky)

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None,
                 dtype=None):
        super().__init__(name, reduction, dtype, alpha=alpha, beta=beta, axis=axis)


class CTC(_Wrapped):
    """CTC loss of logits against padded integer labels (0: blank and padding)."""

    fn = staticmethod(ctc)

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(name, reduction, dtype)


class Circle(_Wrapped):
    """Circle loss of L2-normalised embeddings; like Keras, samples whose loss is 0 are left out of
    the mean (``sum_over_batch_size``/``mean`` divide by the number of positive losses)."""

    fn = staticmethod(circle)

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size",
                 name="circle", dtype=None):
        super().__init__(name, reduction, dtype, gamma=gamma, margin=margin, remove_diagonal=remove_diagonal)

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        mask = (numpy_of(values.array) > 0).astype(np.float32)
        if self.reduction in ("sum_over_batch_size", "mean"):
            mask *= mask.size / (mask.sum() + EPSILON)
        weights = mask if sample_weight is None else mask * np.asarray(numpy_of(sample_weight),
                                                                        dtype=np.float32).reshape(mask.shape)
        return _base.reduce_values(values, weights, self.reduction)


_CLASSES = (BinaryFocalCrossentropy, CategoricalFocalCrossentropy, CTC, CategoricalGeneralizedCrossEntropy,
            CategoricalHinge, Circle, CosineSimilarity, Dice, Hinge, SquaredHinge, LogCosh,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Poisson, Tversky)
_FUNCTIONS = (binary_focal_crossentropy, categorical_focal_crossentropy, categorical_generalized_cross_entropy,
              categorical_hinge, circle, cosine_similarity, ctc, dice, hinge, log_cosh,
              mean_absolute_percentage_error, mean_squared_logarithmic_error, poisson, squared_hinge, tversky)
# names compile(loss=...) understands, beyond the class names (lower-cased)
NAMES = {"mape": MeanAbsolutePercentageError, "msle": MeanSquaredLogarithmicError}
NAMES.update({fn.__name__: cls for fn, cls in zip(
    _FUNCTIONS, (BinaryFocalCrossentropy, CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy,
                 CategoricalHinge, Circle, CosineSimilarity, CTC, Dice, Hinge, LogCosh, MeanAbsolutePercentageError,
                 MeanSquaredLogarithmicError, Poisson, SquaredHinge, Tversky))})
NAMES.update({cls.__name__.lower(): cls for cls in _CLASSES})


def _all_functions() -> dict:
    fns = {fn.__name__: fn for fn in _FUNCTIONS}
    for name in ("categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
                 "mean_squared_error", "mean_absolute_error", "huber", "kl_divergence"):
        fns[name] = getattr(_base, name)
    fns.update(mse=_base.mean_squared_error, mae=_base.mean_absolute_error, mape=mean_absolute_percentage_error,
               msle=mean_squared_logarithmic_error, kld=_base.kl_divergence)
    return fns


def _all_classes() -> dict:
    classes = {cls.__name__: cls for cls in _CLASSES}
    for name in ("CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryCrossentropy",
                 "MeanSquaredError", "MeanAbsoluteError", "Huber", "KLDivergence"):
        classes[name] = getattr(_base, name)
    return classes


def serialize(loss) -> dict:
    """Keras 3's serialised form of a loss object (``{"module": "keras.losses", "class_name", "config",
    "registered_name": None}``) or of a built-in loss function (``"config"``: its name)."""
    if isinstance(loss, _base.Loss) and not isinstance(loss, _base.LossFunctionWrapper):
        return {"module": "keras.losses", "class_name": type(loss).__name__, "config": loss.get_config(),
                "registered_name": None}
    if callable(loss) and getattr(loss, "__name__", None) in _all_functions():
        return {"module": "builtins", "class_name": "function", "config": loss.__name__,
                "registered_name": "function"}
    raise ValueError(f"keras.losses.serialize: cannot serialize {loss!r} (a keras.losses object or built-in "
                     "loss function is expected)")


def deserialize(config, custom_objects=None):
    """The loss :func:`serialize` describes: a name gives the built-in function (``"hinge"`` ->
    :func:`hinge`), a class dict the loss object; ``custom_objects`` maps extra names."""
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        if config in custom_objects:
            return custom_objects[config]
        fn = _all_functions().get(config)
        if fn is None:
            raise ValueError(f"Could not interpret loss identifier: {config!r}")
        return fn
    if isinstance(config, dict):
        name = config.get("class_name")
        if name == "function":
            return deserialize(config.get("config"), custom_objects)
        cls = custom_objects.get(name) or _all_classes().get(name)
        if cls is None:
            raise ValueError(f"Could not deserialize loss {config!r}: unknown class_name {name!r}")
        return cls.from_config(config.get("config", {}))
    raise ValueError(f"Could not interpret loss identifier: {config!r}")
