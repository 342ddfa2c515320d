"""The rest of Keras 3's metrics (``keras.metrics``): regression and correlation metrics, the
metric forms of the hinge/Poisson/KL/log-cosh losses, ``Sum``, the function forms and
``serialize``/``deserialize``; the confusion-matrix metrics are in :mod:`metrics_confusion`.

Per-sample metrics are weighted means over everything seen since the last ``reset_state``
(:class:`~minidl.keras.metrics.MeanMetricWrapper`), with Keras' formulas.
"""
from __future__ import annotations

import warnings

import numpy as np

from minidl.keras import losses as _losses
from minidl.keras import metrics as _base
from minidl.keras import metrics_confusion as _conf
from minidl.keras import metrics_iou as _iou
from minidl.keras.metrics import Metric, _match_rank, _np

__all__ = ["R2Score", "PearsonCorrelation", "ConcordanceCorrelation", "CosineSimilarity", "KLDivergence",
           "LogCoshError", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge", "Sum",
           "pearson_correlation", "concordance_correlation", "serialize", "deserialize"]

EPSILON = 1e-7


def _pair(y_true, y_pred):
    y_pred = np.asarray(_np(y_pred), dtype=np.float32)
    y_true = _match_rank(np.asarray(_np(y_true), dtype=np.float32), y_pred)
    return y_true, y_pred


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation of ``y_true`` and ``y_pred`` along ``axis`` (population std) -> NumPy."""
    y_true, y_pred = _pair(y_true, y_pred)
    t = y_true - y_true.mean(axis=axis, keepdims=True)
    p = y_pred - y_pred.mean(axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant row gives NaN, as in Keras
        t = t / t.std(axis=axis, keepdims=True)
        p = p / p.std(axis=axis, keepdims=True)
        return np.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along ``axis``, exactly as Keras computes it (its covariance
    term centres ``y_true`` on the mean of ``y_pred``) -> NumPy."""
    y_true, y_pred = _pair(y_true, y_pred)
    t_mean = y_true.mean(axis=axis, keepdims=True)
    p_mean = y_pred.mean(axis=axis, keepdims=True)
    t_var = np.var(y_true - t_mean, axis=axis, keepdims=True)
    p_var = np.var(y_pred - p_mean, axis=axis, keepdims=True)
    covar = (y_true - p_mean) * (y_pred - p_mean)
    norm = t_var + p_var + np.square(t_mean - p_mean)
    return np.mean(2 * covar / (norm + EPSILON), axis=axis)


def _metric_cosine(y_true, y_pred, axis=-1):
    return -_np(_losses.cosine_similarity(y_true, y_pred, axis=axis))


def _numpy_of_loss(fn):
    def values(y_true, y_pred, **kwargs):
        """The loss function's per-sample values as NumPy."""
        return _np(fn(y_true, y_pred, **kwargs))
    values.__name__ = fn.__name__
    return values


class _Wrapper(_base.MeanMetricWrapper):
    """A Keras mean metric over a per-sample function, with Keras' ``{"name", "dtype"}`` config."""

    _fn = None
    _default_name = None

    def __init__(self, name=None, dtype=None, **kwargs):
        super().__init__(type(self)._fn, name=name or self._default_name, dtype=dtype, **kwargs)

    def get_config(self):
        """Keras' config."""
        return {"name": self.name, "dtype": self.dtype}


def _wrapped(fn, default_name, doc):
    return type("_W", (_Wrapper,), {"_fn": staticmethod(fn), "_default_name": default_name, "__doc__": doc})


class CosineSimilarity(_wrapped(_metric_cosine, "cosine_similarity", "")):
    """Mean cosine similarity of targets and predictions along ``axis`` (1: same direction)."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class PearsonCorrelation(_wrapped(pearson_correlation, "pearson_correlation", "")):
    """Mean Pearson correlation along ``axis``."""

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        """Keras' config."""
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(_wrapped(concordance_correlation, "concordance_correlation", "")):
    """Mean concordance correlation along ``axis``."""

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        """Keras' config."""
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class KLDivergence(_wrapped(_numpy_of_loss(_losses.kl_divergence), "kl_divergence", "")):
    """Mean Kullback-Leibler divergence."""


class LogCoshError(_wrapped(_numpy_of_loss(_losses.log_cosh), "logcosh", "")):
    """Mean log-cosh error (Keras names it ``logcosh``)."""


class Poisson(_wrapped(_numpy_of_loss(_losses.poisson), "poisson", "")):
    """Mean Poisson loss."""


class Hinge(_wrapped(_numpy_of_loss(_losses.hinge), "hinge", "")):
    """Mean hinge loss."""


class SquaredHinge(_wrapped(_numpy_of_loss(_losses.squared_hinge), "squared_hinge", "")):
    """Mean squared hinge loss."""


class CategoricalHinge(_wrapped(_numpy_of_loss(_losses.categorical_hinge), "categorical_hinge", "")):
    """Mean categorical hinge loss."""


class Sum(Metric):
    """The (weighted) sum of everything given to ``update_state(values, sample_weight=None)`` (variable
    ``total``)."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        """Add ``sum(values * sample_weight)`` (Keras' samplewise reduction)."""
        values, _ = _base._samplewise(self, values, sample_weight, np.sum)
        self.total.assign_add(np.sum(values))

    def result(self):
        """The total."""
        return self.total.numpy()


class R2Score(Metric):
    """Coefficient of determination of (batch, outputs) regression targets; ``class_aggregation``
    "uniform_average", "variance_weighted_average" or None (per output); ``num_regressors > 0`` gives
    the adjusted R^2."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of {valid}. "
                             f"Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self.sum = self.squared_sum = self.total_mse = self.count = None  # built by the first batch

    def _build(self, num_outputs):
        """Keras' per-output variables: ``squared_sum``, ``sum``, ``residual``, ``count``."""
        self.squared_sum = self.add_variable((num_outputs,), "zeros", name="squared_sum")
        self.sum = self.add_variable((num_outputs,), "zeros", name="sum")
        self.total_mse = self.add_variable((num_outputs,), "zeros", name="residual")
        self.count = self.add_variable((num_outputs,), "zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate one batch's per-output sums."""
        y_true, y_pred = _pair(y_true, y_pred)
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                             f"y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        if y_pred.shape != y_true.shape or (self.sum is not None and y_pred.shape[-1] != self.sum.shape[0]):
            raise ValueError(f"R2Score: y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape} must be equal "
                             "(batch_size, output_dim), output_dim fixed by the first batch")
        if self.sum is None:
            self._build(y_pred.shape[-1])
        w = np.float32(1.0) if sample_weight is None else np.asarray(_np(sample_weight), dtype=np.float32)
        if w.ndim == 1:
            w = w[:, None]
        w = np.broadcast_to(w, y_true.shape).astype(np.float32)
        weighted = y_true * w
        self.sum.assign_add(np.sum(weighted, 0))
        self.squared_sum.assign_add(np.sum(y_true * weighted, 0))
        self.total_mse.assign_add(np.sum((y_true - y_pred) ** 2 * w, 0))
        self.count.assign_add(np.sum(w, 0))
        self.num_samples.assign_add(y_true.size)

    def result(self):
        """R^2 (adjusted when ``num_regressors`` allows it)."""
        if self.sum is None:
            return np.float32(0.0)
        sums, count = self.sum.numpy(), self.count.numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = sums / count
            total = self.squared_sum.numpy() - sums * mean
            raw = 1 - self.total_mse.numpy() / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        if self.num_regressors:
            n, k = float(self.num_samples.numpy()), self.num_regressors
            if k > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            elif k == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=2)
            else:
                score = 1 - (1 - score) * (n - 1) / (n - k - 1)
        return float(score) if np.ndim(score) == 0 else np.asarray(score)

    def get_config(self):
        """Keras' config."""
        return {"name": self.name, "dtype": self.dtype, "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


# ------------------------------------------------------------------ names and (de)serialization
_NEW_CLASSES = [getattr(_conf, n) for n in _conf.__all__] + [getattr(_iou, n) for n in _iou.__all__] + [
    R2Score, PearsonCorrelation, ConcordanceCorrelation, CosineSimilarity, KLDivergence, LogCoshError, Poisson,
    Hinge, SquaredHinge, CategoricalHinge, Sum]
# string names compile(metrics=[...]) understands (Keras' snake-case names)
NAMES = {"auc": _conf.AUC, "f1_score": _conf.F1Score, "fbeta_score": _conf.FBetaScore, "r2_score": R2Score,
         "true_positives": _conf.TruePositives, "true_negatives": _conf.TrueNegatives,
         "false_positives": _conf.FalsePositives, "false_negatives": _conf.FalseNegatives,
         "pearson_correlation": PearsonCorrelation, "concordance_correlation": ConcordanceCorrelation,
         "cosine_similarity": CosineSimilarity, "kl_divergence": KLDivergence, "logcosh": LogCoshError,
         "poisson": Poisson, "hinge": Hinge, "squared_hinge": SquaredHinge, "categorical_hinge": CategoricalHinge,
         "sum": Sum, "precision": _conf.Precision, "recall": _conf.Recall}
NAMES.update({cls.__name__.lower(): cls for cls in _NEW_CLASSES})

FUNCTIONS = {
    "binary_crossentropy": _losses.binary_crossentropy, "categorical_crossentropy": _losses.categorical_crossentropy,
    "sparse_categorical_crossentropy": _losses.sparse_categorical_crossentropy,
    "kl_divergence": _losses.kl_divergence, "huber": _losses.huber, "log_cosh": _losses.log_cosh,
    "mean_absolute_error": _losses.mean_absolute_error, "mean_squared_error": _losses.mean_squared_error,
    "mean_absolute_percentage_error": _losses.mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": _losses.mean_squared_logarithmic_error, "hinge": _losses.hinge,
    "squared_hinge": _losses.squared_hinge, "categorical_hinge": _losses.categorical_hinge,
    "poisson": _losses.poisson, "binary_focal_crossentropy": _losses.binary_focal_crossentropy,
    "categorical_focal_crossentropy": _losses.categorical_focal_crossentropy,
    "pearson_correlation": pearson_correlation, "concordance_correlation": concordance_correlation,
    "accuracy": _base.accuracy, "binary_accuracy": _base.binary_accuracy,
    "categorical_accuracy": _base.categorical_accuracy,
    "sparse_categorical_accuracy": _base.sparse_categorical_accuracy,
    "top_k_categorical_accuracy": _base.top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": _base.sparse_top_k_categorical_accuracy}


def _all_classes() -> dict:
    classes = {name: getattr(_base, name) for name in _base.__all__
               if isinstance(getattr(_base, name), type) and issubclass(getattr(_base, name), Metric)}
    classes.update({cls.__name__: cls for cls in _NEW_CLASSES})
    return classes


def serialize(metric) -> dict:
    """Keras 3's serialised form of a metric object, or of a built-in metric function."""
    if isinstance(metric, Metric):
        return {"module": "keras.metrics", "class_name": type(metric).__name__, "config": metric.get_config(),
                "registered_name": None}
    name = getattr(metric, "__name__", None)
    if callable(metric) and FUNCTIONS.get(name) is metric:
        return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}
    raise ValueError(f"keras.metrics.serialize: cannot serialize {metric!r}")


def deserialize(config, custom_objects=None):
    """The metric :func:`serialize` describes: a function name gives the function, a class dict the
    metric object (``custom_objects`` maps extra names)."""
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        found = custom_objects.get(config) or FUNCTIONS.get(config)
        if found is None:
            raise ValueError(f"Could not interpret metric identifier: {config!r}")
        return found
    if isinstance(config, dict):
        name = config.get("class_name")
        if name == "function":
            return deserialize(config.get("config"), custom_objects)
        cls = custom_objects.get(name) or _all_classes().get(name)
        if cls is None:
            raise ValueError(f"Could not deserialize metric {config!r}: unknown class_name {name!r}")
        kwargs = dict(config.get("config", {}))
        return cls(**kwargs)
    raise ValueError(f"Could not interpret metric identifier: {config!r}")
