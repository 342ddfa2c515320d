"""Classification metrics on NumPy, without scikit-learn.

Every function accepts minidl Tensors, NumPy or CuPy arrays (or lists):
``logits`` / scores of shape (N, C) and integer labels of shape (N,).
Where a function takes predictions, it also accepts (N, C) scores and takes
their argmax.

>>> import numpy as np
>>> logits = np.array([[2.0, 1.0, 0.1], [0.2, 0.1, 3.0], [0.3, 2.0, 0.1]])
>>> y = np.array([0, 1, 1])
>>> accuracy(logits, y)
0.6666666666666666
>>> confusion_matrix(y, logits.argmax(1), num_classes=3).tolist()
[[1, 0, 0], [0, 1, 1], [0, 0, 0]]
"""
from __future__ import annotations

import re

import numpy as np

from minidl import backend

__all__ = ["accuracy", "top_k_accuracy", "confusion_matrix", "precision_recall_f1",
           "classification_report", "resolve_metric", "to_numpy"]


def to_numpy(a) -> np.ndarray:
    """``a`` (a Tensor, NumPy/CuPy array, list or number) as a NumPy array."""
    if hasattr(a, "numpy") and callable(a.numpy):  # minidl Tensor
        return np.asarray(a.numpy())
    return backend.to_numpy(a)


def _labels(y, name="y") -> np.ndarray:
    """Integer labels (N,) from labels, or from one-hot / score rows (N, C) by argmax."""
    y = to_numpy(y)
    if y.ndim == 2:
        y = y.argmax(axis=1)
    if y.ndim != 1:
        raise ValueError(f"{name}: expected labels of shape (N,) or scores (N, C), got {y.shape}")
    if y.size and y.dtype.kind == "f":
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError(f"{name}: labels must be integers, got non-integer floats")
    return y.astype(np.int64, copy=False)


def _scores(logits, name="logits") -> np.ndarray:
    s = to_numpy(logits)
    if s.ndim != 2:
        raise ValueError(f"{name}: expected scores of shape (N, C), got {s.shape}")
    return s


def accuracy(logits, y) -> float:
    """Fraction of rows whose argmax equals the label.

    Args:
        logits: scores (N, C), or predicted labels (N,).
        y: true labels (N,) (or one-hot (N, C)).

    Returns a Python float in [0, 1] (0.0 for N == 0).
    """
    pred, true = _labels(logits, "logits"), _labels(y, "y")
    if pred.shape != true.shape:
        raise ValueError(f"accuracy: {pred.shape[0]} predictions but {true.shape[0]} labels")
    return float(np.mean(pred == true)) if true.size else 0.0


def top_k_accuracy(logits, y, k: int = 5) -> float:
    """Fraction of rows whose true class is among the ``k`` highest scores.

    A row counts as correct when fewer than ``k`` classes score strictly higher
    than the true class (so ties are resolved in the label's favour). With
    ``k >= C`` every row is correct.

    Args:
        logits: scores (N, C).
        y: true labels (N,).

    >>> top_k_accuracy([[0.1, 0.5, 0.4], [0.8, 0.15, 0.05]], [2, 2], k=2)
    0.5
    """
    s, true = _scores(logits), _labels(y, "y")
    if s.shape[0] != true.shape[0]:
        raise ValueError(f"top_k_accuracy: {s.shape[0]} score rows but {true.shape[0]} labels")
    if k < 1:
        raise ValueError(f"top_k_accuracy: k must be >= 1, got {k}")
    if not true.size:
        return 0.0
    if true.min() < 0 or true.max() >= s.shape[1]:
        raise ValueError(f"top_k_accuracy: labels must lie in [0, {s.shape[1]}), "
                         f"got range [{true.min()}, {true.max()}]")
    true_score = s[np.arange(s.shape[0]), true][:, None]
    rank = (s > true_score).sum(axis=1)
    return float(np.mean(rank < k))


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Counts ``cm[i, j]`` of samples with true class ``i`` predicted as ``j`` (int64, (C, C)).

    Args:
        y_true: labels (N,).
        y_pred: predicted labels (N,) or scores (N, C) (argmax taken).
        num_classes: C; default ``max(label) + 1`` over both arrays (or the
            score width when scores are given).

    >>> confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1], num_classes=3).tolist()
    [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    """
    width = None
    raw = to_numpy(y_pred)
    if raw.ndim == 2:
        width = raw.shape[1]
    t, p = _labels(y_true, "y_true"), _labels(raw, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"confusion_matrix: {t.shape[0]} labels but {p.shape[0]} predictions")
    if num_classes is None:
        num_classes = max(int(t.max(initial=-1)), int(p.max(initial=-1))) + 1
        num_classes = max(num_classes, width or 0)
    c = int(num_classes)
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.size and (a.min() < 0 or a.max() >= c):
            raise ValueError(f"confusion_matrix: {name} has labels outside [0, {c}): "
                             f"range [{a.min()}, {a.max()}]")
    return np.bincount(t * c + p, minlength=c * c).reshape(c, c).astype(np.int64)


def _safe_div(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    out = np.zeros(np.broadcast(a, b).shape)
    np.divide(a, b, out=out, where=b != 0)
    return out


def precision_recall_f1(y_true, y_pred, num_classes: int | None = None, average: str | None = None):
    """Per-class precision, recall, F1 and support (scikit-learn's definitions, zero_division=0).

    Args:
        y_true: labels (N,); y_pred: predicted labels (N,) or scores (N, C).
        num_classes: C (see :func:`confusion_matrix`).
        average: None for per-class arrays; ``"macro"`` (unweighted mean over
            classes), ``"weighted"`` (weighted by support) or ``"micro"``
            (global counts; equals accuracy) for floats.

    Returns ``(precision, recall, f1, support)``: arrays of shape (C,) (support
    int64), or three floats and the total support when averaged.

    >>> p, r, f, s = precision_recall_f1([0, 0, 1, 1], [0, 1, 1, 1])
    >>> p.tolist(), r.tolist(), s.tolist()
    ([1.0, 0.6666666666666666], [0.5, 1.0], [2, 2])
    """
    cm = confusion_matrix(y_true, y_pred, num_classes)
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * precision * recall, precision + recall)
    if average is None:
        return precision, recall, f1, support
    total = int(support.sum())
    if average == "macro":
        return float(precision.mean()), float(recall.mean()), float(f1.mean()), total
    if average == "weighted":
        w = support / total if total else np.zeros_like(support, dtype=np.float64)
        return float(precision @ w), float(recall @ w), float(f1 @ w), total
    if average == "micro":
        acc = float(tp.sum() / total) if total else 0.0
        return acc, acc, acc, total
    raise ValueError(f"average must be None, 'macro', 'weighted' or 'micro', got {average!r}")


def classification_report(y_true, y_pred, class_names=None, num_classes: int | None = None,
                          digits: int = 2) -> str:
    """A text report formatted like scikit-learn's ``classification_report``.

    Rows: each class (precision, recall, f1-score, support), then accuracy,
    macro avg and weighted avg. The classes are ``range(len(class_names))``
    or ``range(num_classes)`` when given, else the labels present in either
    array (named by their number).

    >>> print(classification_report([0, 1, 2, 2, 2], [0, 0, 2, 2, 1]))
                  precision    recall  f1-score   support
    <BLANKLINE>
               0       0.50      1.00      0.67         1
               1       0.00      0.00      0.00         1
               2       1.00      0.67      0.80         3
    <BLANKLINE>
        accuracy                           0.60         5
       macro avg       0.50      0.56      0.49         5
    weighted avg       0.70      0.60      0.61         5
    <BLANKLINE>
    """
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if class_names is not None:
        num_classes = len(class_names)
    if num_classes is not None:
        labels = np.arange(int(num_classes))
        c = int(num_classes)
    else:
        labels = np.unique(np.concatenate([t, p]))
        c = int(labels.max()) + 1 if labels.size else 0
    precision, recall, f1, support = precision_recall_f1(t, p, num_classes=c)
    precision, recall, f1, support = (a[labels] for a in (precision, recall, f1, support))
    names = [str(class_names[i]) if class_names is not None else str(i) for i in labels]

    total = int(support.sum())
    acc = float((t == p).mean()) if t.size else 0.0
    w = support / total if total else np.zeros(len(labels))
    headers = ["precision", "recall", "f1-score", "support"]
    width = max([len(n) for n in names] + [len("weighted avg"), digits])
    head_fmt = "{:>{width}s} " + " {:>9}" * len(headers)
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    report = head_fmt.format("", *headers, width=width) + "\n\n"
    for i, name in enumerate(names):
        report += row_fmt.format(name, precision[i], recall[i], f1[i], int(support[i]),
                                 width=width, digits=digits)
    report += "\n"
    acc_fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
    report += acc_fmt.format("accuracy", "", "", acc, total, width=width, digits=digits)
    n = max(len(labels), 1)
    report += row_fmt.format("macro avg", precision.sum() / n, recall.sum() / n, f1.sum() / n,
                             total, width=width, digits=digits)
    report += row_fmt.format("weighted avg", float(precision @ w), float(recall @ w),
                             float(f1 @ w), total, width=width, digits=digits)
    return report


_TOPK = re.compile(r"^top_?(\d+)(_accuracy|_acc)?$")


def resolve_metric(metric):
    """``(key, fn)`` for a metric name or callable, as the fit loop logs it.

    Names: ``"accuracy"`` / ``"acc"`` -> key ``"accuracy"``;
    ``"top5_accuracy"``, ``"top_5_accuracy"``, ``"top5"``, ``"top_k_accuracy"``
    (k=5) -> key ``"top5_accuracy"`` (any k). A callable ``fn(logits, y) ->
    float`` (a batch mean) is logged under ``fn.__name__``. A ``(key, fn)``
    pair is taken as is. ``fn`` receives NumPy arrays.
    """
    if isinstance(metric, tuple) and len(metric) == 2 and callable(metric[1]):
        return str(metric[0]), metric[1]
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    if not isinstance(metric, str):
        raise TypeError(f"a metric is a name or a callable, got {type(metric).__name__}")
    name = metric.lower()
    if name in ("accuracy", "acc"):
        return "accuracy", accuracy
    if name == "top_k_accuracy":
        name = "top5_accuracy"
    m = _TOPK.match(name)
    if m:
        k = int(m.group(1))
        fn = lambda logits, y, _k=k: top_k_accuracy(logits, y, k=_k)  # noqa: E731
        fn.__name__ = f"top{k}_accuracy"
        return fn.__name__, fn
    raise ValueError(f"unknown metric {metric!r}; use 'accuracy', 'top5_accuracy' "
                     "(any k) or a callable fn(logits, y) -> float")
