"""Keras 3's confusion-matrix metrics (``keras.metrics``): thresholded counts, precision and
recall, AUC, the "X at Y" metrics and F-scores, with Keras' accumulation and formulas (the IoU
family is in :mod:`metrics_iou`).

Counts at several thresholds follow Keras' ``update_confusion_matrix_variables``: a
prediction is positive at threshold ``t`` when ``y_pred > t``; evenly spaced thresholds
(AUC's and the "X at Y" metrics') use Keras' bucket form on predictions clipped into
[0, 1] (``ceil(p * (n - 1)) - 1``), so values on a threshold fall where Keras puts them.
All state is float64 NumPy; results are floats (arrays for several thresholds/classes).
"""
from __future__ import annotations

import numpy as np

from minidl.keras.metrics import Metric, _match_rank, _np

__all__ = ["TruePositives", "TrueNegatives", "FalsePositives", "FalseNegatives", "Precision", "Recall", "AUC",
           "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
           "FBetaScore", "F1Score"]

EPSILON = 1e-7
NEG_INF = -1e10  # Keras' threshold (and filler) for top_k


def _div(a, b):
    """``a / b`` with 0 where ``b == 0`` (Keras' ``divide_no_nan``)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)


def _evenly_spaced(thresholds) -> bool:
    n = len(thresholds)
    return n >= 3 and np.allclose(thresholds, np.arange(n, dtype=np.float32) / (n - 1), atol=EPSILON)


def _weights(sample_weight, like):
    if sample_weight is None:
        return np.ones(like.shape, dtype=np.float32)
    w = np.asarray(_np(sample_weight), dtype=np.float32)
    w = w.reshape(w.shape + (1,) * (like.ndim - w.ndim)) if w.ndim < like.ndim else w
    return np.broadcast_to(w, like.shape)


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, multi_label=False, label_weights=None,
                     class_id=None, top_k=None):
    """``(tp, fp, tn, fn)`` of ``y_pred`` at each threshold: arrays (thresholds,), or
    (thresholds, labels) with ``multi_label`` (Keras' ``update_confusion_matrix_variables``;
    ``top_k`` keeps each row's k largest predictions, the others become -1e10; ``class_id``
    keeps one column of (batch, classes) inputs)."""
    y_true = np.asarray(_np(y_true), dtype=np.float32)
    y_pred = np.asarray(_np(y_pred), dtype=np.float32)
    y_true = _match_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true of shape {y_true.shape} does not match y_pred of shape {y_pred.shape}")
    w = _weights(sample_weight, y_pred)
    if top_k is not None:
        top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :top_k]
        mask = np.zeros(y_pred.shape, dtype=bool)
        np.put_along_axis(mask, top, True, axis=-1)
        y_pred = np.where(mask, y_pred, np.float32(NEG_INF)).astype(np.float32)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape (num_samples, "
                             f"num_classes), found shape: {y_pred.shape}")
        column = slice(class_id, class_id + 1)  # the last axis, any rank (Keras' y[..., class_id, None])
        y_true, y_pred, w = y_true[..., column], y_pred[..., column], w[..., column]
    if label_weights is not None and not multi_label:
        w = w * np.broadcast_to(np.asarray(label_weights, dtype=np.float32), y_pred.shape)
    thresholds = np.asarray(thresholds, dtype=np.float32)
    if multi_label:
        if y_pred.ndim != 2:
            raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {y_pred.ndim}.")
    else:
        y_true, y_pred, w = y_true.reshape(-1, 1), y_pred.reshape(-1, 1), w.reshape(-1, 1)
    pos = (y_true != 0).astype(np.float64) * w
    neg = (y_true == 0).astype(np.float64) * w
    if _evenly_spaced(thresholds):
        # Keras' bucket form: each prediction adds to its bucket, a reverse cumulative sum gives
        # the counts above every threshold (O(N), no (thresholds x N) array)
        n = len(thresholds)
        with_eps = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        bucket = np.ceil(np.clip(y_pred, 0.0, 1.0) * np.float32(n - 1)) - 1
        if with_eps:
            bucket = np.maximum(bucket, 0)
        bucket = bucket.astype(np.int64)
        keep = bucket >= 0  # a bucket of -1 (prediction 0 without the epsilon) is above no threshold

        def above_counts(values):
            """Per threshold and label: the weighted count of predictions above the threshold."""
            cols = [np.bincount(bucket[keep[:, j], j], weights=values[keep[:, j], j], minlength=n)
                    for j in range(values.shape[1])]
            return np.cumsum(np.stack(cols, axis=1)[::-1], axis=0)[::-1]

        tp, fp = above_counts(pos), above_counts(neg)
    else:
        above = y_pred[None, :, :] > thresholds[:, None, None]
        tp = (above * pos[None]).sum(axis=1)
        fp = (above * neg[None]).sum(axis=1)
    tn = neg.sum(axis=0)[None, :] - fp
    fn = pos.sum(axis=0)[None, :] - tp
    if not multi_label:
        tp, fp, tn, fn = tp[:, 0], fp[:, 0], tn[:, 0], fn[:, 0]
    return tp, fp, tn, fn


def _check_thresholds(thresholds):
    values = thresholds if isinstance(thresholds, (list, tuple)) else [thresholds]
    for t in values:
        if not 0 <= t <= 1:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {thresholds}")
    return [float(t) for t in values]


_COUNT_NAMES = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _add_count_variables(metric, shape):
    """Keras' four count variables (``true_positives``, ``false_positives``, ``true_negatives``,
    ``false_negatives``) of ``shape``, zeros, as attributes of ``metric``."""
    for name in _COUNT_NAMES:
        setattr(metric, name, metric.add_variable(tuple(shape), "zeros", name=name))


def _accumulate(metric, counts):
    """Add ``(tp, fp, tn, fn)`` to the metric's count variables."""
    for name, value in zip(_COUNT_NAMES, counts):
        getattr(metric, name).assign_add(value)


def _counts(metric):
    """The four counts as float64 NumPy arrays."""
    return tuple(getattr(metric, name).numpy().astype(np.float64) for name in _COUNT_NAMES)


class _ConfusionMatrixConditionCount(Metric):
    """One count of the confusion matrix at ``thresholds`` (default 0.5; a list gives an array)."""

    _index = 0

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _check_thresholds(0.5 if thresholds is None else thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's weighted count (``y_true`` cast to bool, positive where ``y_pred > t``)."""
        self.accumulator.assign_add(confusion_counts(y_true, y_pred, self.thresholds, sample_weight)[self._index])

    def result(self):
        """The count (an array when several thresholds were given)."""
        values = self.accumulator.numpy()
        return values[0] if len(self.thresholds) == 1 else values

    def get_config(self):
        """Keras' config."""
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted number of true positives."""

    _index = 0


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted number of false positives."""

    _index = 1


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted number of true negatives."""

    _index = 2


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted number of false negatives."""

    _index = 3


class _PrecisionRecall(Metric):
    """Counts at ``thresholds`` (default 0.5, or -1e10 with ``top_k``) for precision and recall."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = [default] if thresholds is None else _check_thresholds(thresholds)
        n = (len(self.thresholds),)
        # Keras' variables: Precision has true/false positives, Recall true positives/false negatives
        self.true_positives = self.add_variable(n, "zeros", name="true_positives")
        self._second = self.add_variable(n, "zeros", name=self._second_name)
        setattr(self, self._second_name, self._second)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate one batch's counts at every threshold."""
        tp, fp, _, fn = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, class_id=self.class_id,
                                         top_k=self.top_k)
        self.true_positives.assign_add(tp)
        self._second.assign_add(fp if self._second_name == "false_positives" else fn)

    def _value(self, values):
        return values[0] if len(self.thresholds) == 1 else values

    def get_config(self):
        """Keras' config."""
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """``tp / (tp + fp)`` of predictions above ``thresholds`` (default 0.5; ``top_k``: only each
    row's k largest count; ``class_id``: one class of (batch, classes) inputs)."""

    _second_name = "false_positives"

    def result(self):
        """The precision (an array for several thresholds)."""
        tp = self.true_positives.numpy()
        return self._value(_div(tp, tp + self.false_positives.numpy()))


class Recall(_PrecisionRecall):
    """``tp / (tp + fn)`` of predictions above ``thresholds`` (default 0.5; ``top_k``, ``class_id``
    as :class:`Precision`)."""

    _second_name = "false_negatives"

    def result(self):
        """The recall (an array for several thresholds)."""
        tp = self.true_positives.numpy()
        return self._value(_div(tp, tp + self.false_negatives.numpy()))


class _SensitivitySpecificityBase(Metric):
    """Counts at ``num_thresholds`` evenly spaced thresholds in [0, 1]; the subclass picks the best
    value of one rate where the other meets ``value``."""

    _constraint = ""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if not 0 <= value <= 1:
            raise ValueError(f"Argument `{self._constraint}` must be in the range [0, 1]. "
                             f"Received: {self._constraint}={value}")
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        self.value, self.num_thresholds, self.class_id = value, num_thresholds, class_id
        setattr(self, self._constraint, value)
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            self.thresholds = [0.0] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0]
        _add_count_variables(self, (len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate one batch's counts at every threshold."""
        _accumulate(self, confusion_counts(y_true, y_pred, self.thresholds, sample_weight, class_id=self.class_id))

    def _rates(self):
        tp, fp, tn, fn = _counts(self)
        return {"recall": _div(tp, tp + fn), "specificity": _div(tn, tn + fp), "precision": _div(tp, tp + fp)}

    def _best(self, constrained, dependent):
        """The largest ``dependent`` where ``constrained >= value`` (0 when none)."""
        feasible = constrained >= self.value
        return np.float32(max(0.0, np.max(np.where(feasible, dependent, 0.0))))

    def get_config(self):
        """Keras' config."""
        return {"name": self.name, "dtype": self.dtype, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._constraint: self.value}


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity (recall) where specificity >= ``specificity``."""

    _constraint = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        """The metric value."""
        r = self._rates()
        return self._best(r["specificity"], r["recall"])


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity where sensitivity (recall) >= ``sensitivity``."""

    _constraint = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        """The metric value."""
        r = self._rates()
        return self._best(r["recall"], r["specificity"])


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision where recall >= ``recall``."""

    _constraint = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        """The metric value."""
        r = self._rates()
        return self._best(r["recall"], r["precision"])


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall where precision >= ``precision``."""

    _constraint = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        """The metric value."""
        r = self._rates()
        return self._best(r["precision"], r["recall"])


class AUC(Metric):
    """Area under the ROC or PR curve by a Riemann sum over ``num_thresholds`` thresholds (Keras'):
    ``summation_method`` "interpolation" (trapezoids; for PR, Davis & Goadrich's interpolation),
    "minoring" or "majoring"; ``multi_label`` averages per-label AUCs (``label_weights``);
    ``from_logits`` applies a sigmoid first. ``curve`` also accepts "PRGAIN"."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve, summation_method = str(curve).upper(), str(summation_method).lower()
        if curve not in ("ROC", "PR", "PRGAIN"):
            raise ValueError(f'Invalid AUCCurve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]')
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                             '["interpolation", "majoring", "minoring"]')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_check_thresholds(list(thresholds)))
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._thresholds = np.array([0.0 - EPSILON] + inner + [1.0 + EPSILON])
        self.curve, self.summation_method = curve, summation_method
        if not multi_label and num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.multi_label, self.num_labels = bool(multi_label), num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, dtype=np.float32)
        self._from_logits = bool(from_logits)
        self.true_positives = self.false_positives = self.true_negatives = self.false_negatives = None
        if not self.multi_label or num_labels:  # multi_label without num_labels: built by the first batch
            _add_count_variables(self, (self.num_thresholds, num_labels) if self.multi_label else
                                 (self.num_thresholds,))

    @property
    def thresholds(self) -> list:
        """The thresholds (with -eps and 1 + eps at the ends)."""
        return [float(t) for t in self._thresholds]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate one batch's counts at every threshold."""
        y_pred = np.asarray(_np(y_pred), dtype=np.float32)
        if self._from_logits:
            y_pred = (1.0 / (1.0 + np.exp(-y_pred))).astype(np.float32)
        counts = confusion_counts(y_true, y_pred, self._thresholds, sample_weight, multi_label=self.multi_label,
                                  label_weights=None if self.multi_label else self.label_weights)
        if self.true_positives is None:
            _add_count_variables(self, counts[0].shape)
        _accumulate(self, counts)

    def _by_label(self, terms):
        if not self.multi_label:
            return float(np.sum(terms))
        by_label = np.sum(terms, axis=0)
        if self.label_weights is None:
            return float(np.mean(by_label))
        return float(_div(np.sum(by_label * self.label_weights), np.sum(self.label_weights)))

    def interpolate_pr_auc(self) -> float:
        """PR-AUC with precision interpolated between thresholds (Davis & Goadrich 2006, Keras' closed form)."""
        tp, fp, _, fn = _counts(self)
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), _div(p[:-1], np.maximum(p[1:], 0)), 1.0)
        terms = _div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return self._by_label(terms)

    def result(self) -> float:
        """The area."""
        if self.true_positives is None:
            return np.float32(0.0)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = _counts(self)
        recall = _div(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _div(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _div(tp, tp + fp)
        else:  # PRGAIN
            scale = _div(tp + fn, tn + fp)
            x = np.maximum(np.where(tp == 0, 0.0, 1.0 - scale * _div(fn, tp)), 0.0)
            y = np.where(tp == 0, 1.0, 1.0 - scale * _div(fp, tp))
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._by_label((x[:-1] - x[1:]) * heights)

    def get_config(self):
        """Keras' config."""
        config = {"name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config


class FBetaScore(Metric):
    """F-beta score of (batch, classes) multi-label/one-hot targets. Without ``threshold`` each row's
    largest prediction is the positive one; ``average``: None (per class), "micro", "macro", "weighted"."""

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                             f"'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float. Received: beta={beta} "
                             f"of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python float. Received: "
                                 f"threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                                 f"Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self.true_positives = self.false_positives = self.false_negatives = self.intermediate_weights = None

    def _build(self, num_classes):
        """Keras' variables, built by the first batch: per class, or scalars for "micro"."""
        shape = () if self.average == "micro" else (num_classes,)
        for name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
            setattr(self, name, self.add_variable(shape, "zeros", name=name))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate one batch's per-class (or, for "micro", total) counts."""
        y_true = np.asarray(_np(y_true), dtype=np.float32)
        y_pred = np.asarray(_np(y_pred), dtype=np.float32)
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError("FBetaScore expects 2D inputs with shape (batch_size, output_dim). Received input "
                             f"shapes: y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        if y_pred.shape != y_true.shape or (self.true_positives is not None and self.axis == 0
                                            and y_pred.shape[-1] != self.true_positives.shape[0]):
            raise ValueError(f"{type(self).__name__}: y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape} "
                             "must be equal (batch_size, output_dim), output_dim fixed by the first batch")
        if self.threshold is None:
            pred = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            pred = y_pred > self.threshold
        pred = pred.astype(np.float32)
        w = None if sample_weight is None else np.asarray(_np(sample_weight), dtype=np.float32).reshape(-1, 1)

        def weighted_sum(val):
            """``sum(val * sample_weight)`` over the batch (and classes for "micro")."""
            return np.sum(val if w is None else val * w, axis=self.axis, dtype=np.float32)

        if self.true_positives is None:
            self._build(y_pred.shape[-1])
        self.true_positives.assign_add(weighted_sum(pred * y_true))
        self.false_positives.assign_add(weighted_sum(pred * (1 - y_true)))
        self.false_negatives.assign_add(weighted_sum((1 - pred) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        """The score (an array per class when ``average`` is None)."""
        if self.true_positives is None:
            return np.float32(0.0)
        tp, fp, fn = self.true_positives.numpy(), self.false_positives.numpy(), self.false_negatives.numpy()
        precision = tp / (tp + fp + EPSILON)
        recall = tp / (tp + fn + EPSILON)
        score = precision * recall / (self.beta ** 2 * precision + recall + EPSILON) * (1 + self.beta ** 2)
        if self.average == "weighted":
            weights = self.intermediate_weights.numpy()
            return np.sum(score * (weights / (np.sum(weights) + EPSILON)))
        if self.average is not None:
            return np.mean(score)
        return np.asarray(score)

    def get_config(self):
        """Keras' config."""
        return {"name": self.name, "dtype": self.dtype, "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score (F-beta with beta 1)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        """Keras' config."""
        config = super().get_config()
        del config["beta"]
        return config

