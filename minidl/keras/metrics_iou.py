"""Keras 3's intersection-over-union metrics (``keras.metrics``): IoU, BinaryIoU, MeanIoU,
OneHotIoU and OneHotMeanIoU, from a weighted confusion matrix of class labels as Keras builds it."""
from __future__ import annotations

import numpy as np

from minidl.keras.metrics import Metric, _np

__all__ = ["IoU", "BinaryIoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU"]

EPSILON = 1e-7


class IoU(Metric):
    """Intersection-over-union of integer class labels, averaged over ``target_class_ids``, from a
    weighted confusion matrix (``sparse_y_true/pred=False``: argmax over ``axis`` first; labels equal
    to ``ignore_class`` or outside [0, num_classes) are left out). Weights are cast to ``dtype``
    (default int32, as Keras: fractional weights truncate)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is [0, {num_classes}).")
        self.num_classes, self.target_class_ids = int(num_classes), list(target_class_ids)
        self.ignore_class, self.sparse_y_true, self.sparse_y_pred = ignore_class, sparse_y_true, sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((self.num_classes, self.num_classes), "zeros", name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch to the confusion matrix (rows: true class, columns: predicted class)."""
        y_true, y_pred = _np(y_true), _np(y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        cast = np.dtype(self.dtype)
        y_true, y_pred = y_true.astype(cast).reshape(-1), y_pred.astype(cast).reshape(-1)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__}: y_true has {y_true.size} labels but y_pred {y_pred.size}")
        w = np.ones(y_true.shape) if sample_weight is None else \
            np.broadcast_to(np.asarray(_np(sample_weight)).astype(cast).reshape(-1), y_true.shape)
        keep = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            keep &= y_true != self.ignore_class
        cm = np.zeros((self.num_classes, self.num_classes))
        np.add.at(cm, (y_true[keep].astype(np.int64), y_pred[keep].astype(np.int64)), w[keep].astype(np.float64))
        self.total_cm.assign_add(cm)

    def result(self):
        """The mean IoU of the target classes that occur (in labels or predictions)."""
        cm = self.total_cm.numpy().astype(np.float64)
        tp = np.diag(cm)
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - tp
        ids = self.target_class_ids
        tp, denominator = tp[ids].astype(np.float32), denominator[ids].astype(np.float32)
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + np.float32(EPSILON)), 0.0)
        return np.float32(iou.sum()) / (np.float32(valid.sum()) + np.float32(EPSILON))

    def get_config(self):
        """Keras' config."""
        return {"name": self.name, "dtype": self.dtype, "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary labels; predictions ``>= threshold`` count as class 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Threshold the predictions, then add to the confusion matrix."""
        y_pred = (np.asarray(_np(y_pred), dtype=np.float32) >= self.threshold).astype(np.int64)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        """Keras' config."""
        return {"target_class_ids": list(self.target_class_ids), "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over every class."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """Keras' config."""
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU of one-hot labels (argmax over ``axis``) for ``target_class_ids``."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """Keras' config."""
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids, "name": self.name,
                "dtype": self.dtype, "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """Mean IoU of one-hot labels (argmax over ``axis``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """Keras' config."""
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}
