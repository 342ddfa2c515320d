"""``keras.layers.Normalization``: feature-wise standardisation with ``adapt``, as Keras 3.

``(x - mean) / max(sqrt(variance), 1e-7)`` (``invert=True``: ``mean + x * max(sqrt(variance),
1e-7)``), the statistics kept per index of the ``axis`` dimensions (Keras layout, channels last)
and shared over the others. Given ``mean``/``variance`` are constants (no weights, as Keras);
otherwise the layer holds the non-trainable weights ``mean``, ``variance`` and ``count`` that
``adapt`` sets (``count`` stays 0, as in Keras 3) and that ``save``/``load_weights`` carry.
"""
from __future__ import annotations

import math

import numpy as np

from minidl.keras._tensor import numpy_of, to_external, to_internal
from minidl.keras.layers.base import Layer
from minidl.tensor import Tensor

__all__ = ["Normalization"]

_EPSILON = 1e-7


def _first_component(batch):
    """The inputs of a batch that may be ``(x, y)`` / ``(x, y, w)``."""
    return batch[0] if isinstance(batch, tuple) else batch


def _as_array(value):
    return numpy_of(value) if isinstance(value, Tensor) else np.asarray(value)


class Normalization(Layer):
    """Standardise inputs feature-wise (see the module doc).

    Args as Keras: ``axis`` (int, tuple, or None for one scalar mean/variance; default -1, the
    last axis), ``mean``, ``variance`` (both or neither; broadcast to the kept axes), ``invert``.
    """

    supports_masking = True  # the mask passes through unchanged, as in Keras

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.axis, self.input_mean, self.input_variance, self.invert = axis, mean, variance, bool(invert)
        if (mean is not None) != (variance is not None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must be set. Received: "
                             f"mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"When setting values directly, `mean` and `variance` must have the same shape. "
                                 f"Received: mean shape {np.shape(mean)} and variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(f"The rank of `mean` must be less than or equal to the number of axes "
                                 f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis {self.axis}")
        self._constants = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                             f"ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(d if d >= 0 else d + ndim for d in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"All `axis` values to be kept must have a known shape. Received axis={self.axis}, "
                                 f"inputs.shape={tuple(input_shape)}, with unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1 for d in range(ndim))
        self._stat_shape = tuple(input_shape[d] for d in self._keep_axis)
        self._build_input_shape = tuple(input_shape)
        if self.input_mean is None:
            self.add_weight(self._stat_shape, "zeros", name="mean", attr="adapt_mean", trainable=False)
            self.add_weight(self._stat_shape, "ones", name="variance", attr="adapt_variance", trainable=False)
            self.count = self.add_weight((), "zeros", name="count", trainable=False, dtype="int32")
        else:
            mean, variance = np.asarray(self.input_mean, np.float32), np.asarray(self.input_variance, np.float32)
            if mean.ndim:
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean, variance = mean.reshape(expanded), variance.reshape(expanded)
            self._constants = (np.broadcast_to(mean, self._broadcast_shape).astype(np.float32),
                               np.broadcast_to(variance, self._broadcast_shape).astype(np.float32))
        self.built = True

    def _statistics(self):
        if self._constants is not None:
            return self._constants
        return (numpy_of(self.adapt_mean.array).reshape(self._broadcast_shape),
                numpy_of(self.adapt_variance.array).reshape(self._broadcast_shape))

    @property
    def mean(self):
        """Keras' ``mean``: the statistics in the inputs' broadcast shape (e.g. (1, features)); None
        before the layer is built."""
        return Tensor(self._statistics()[0].astype(np.float32)) if self.built else None

    @property
    def variance(self):
        """Keras' ``variance``, in the broadcast shape like :attr:`mean`."""
        return Tensor(self._statistics()[1].astype(np.float32)) if self.built else None

    def adapt(self, data):
        """Set ``mean``/``variance`` from ``data``: an array / Tensor, or an iterable of batches (a
        dataset yielding ``x`` or ``(x, y)``), merged batch by batch as Keras does."""
        if isinstance(data, (np.ndarray, Tensor)):
            array = _as_array(data).astype(np.float64)
            self._ensure_built(array.shape)
            self._check_shape(array.shape)
            total_mean, total_var = array.mean(axis=self._reduce_axis), array.var(axis=self._reduce_axis)
        elif hasattr(data, "__iter__") or hasattr(data, "__getitem__"):
            batches = (data[i] for i in range(len(data))) if hasattr(data, "on_epoch_end") else iter(data)
            total_mean = total_var = None
            total_count = 0
            for batch in batches:
                if not hasattr(_first_component(batch), "shape"):
                    raise TypeError("adapt() expects an iterable that yields arrays or tensors with a `.shape` "
                                    "attribute (e.g. numpy arrays or backend tensors). Got an element of type "
                                    f"{type(_first_component(batch)).__name__}. Ensure each yielded element is "
                                    "array-like with a `.shape` attribute.")
                array = _as_array(_first_component(batch)).astype(np.float32)
                self._ensure_built(array.shape)
                self._check_shape(array.shape)
                if total_mean is None:
                    total_mean, total_var = np.zeros(self._stat_shape), np.zeros(self._stat_shape)
                batch_mean = array.mean(axis=self._reduce_axis, dtype=np.float64)
                batch_var = array.var(axis=self._reduce_axis, dtype=np.float64)
                batch_count = math.prod(array.shape[d] for d in self._reduce_axis) if self._reduce_axis else 1
                total_count += batch_count
                batch_weight = batch_count / total_count
                new_mean = total_mean * (1 - batch_weight) + batch_mean * batch_weight
                total_var = (total_var + (total_mean - new_mean) ** 2) * (1 - batch_weight) + \
                    (batch_var + (batch_mean - new_mean) ** 2) * batch_weight
                total_mean = new_mean
            if total_mean is None:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at least one batch.")
        else:
            raise TypeError(f"Unsupported data type: {type(data)}. `adapt` supports `np.ndarray`, tensors, and "
                            "iterables of batches (e.g. list, generator, dataset).")
        if self._constants is not None:
            return  # Keras keeps given statistics
        self.adapt_mean.assign(np.asarray(total_mean, dtype=np.float32).reshape(self._stat_shape))
        self.adapt_variance.assign(np.asarray(total_var, dtype=np.float32).reshape(self._stat_shape))

    def _check_shape(self, shape):
        for d in self._keep_axis:
            if shape[d] != self._build_input_shape[d]:
                raise ValueError(f"The layer was built with input_shape={self._build_input_shape}, but adapt() is "
                                 f"being called with data with an incompatible shape, data.shape={tuple(shape)}")

    def _forward(self, x, training=False):
        mean, variance = self._statistics()
        scale = np.maximum(np.sqrt(variance), _EPSILON).astype(np.float32)
        ext = to_external(x)
        out = ext * scale + mean if self.invert else (ext - mean) * (1.0 / scale).astype(np.float32)
        return to_internal(out)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return dict(super().get_config(), axis=self.axis, invert=self.invert,
                    mean=np.array(self.input_mean).tolist(), variance=np.array(self.input_variance).tolist())

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config` (a saved ``axis`` list becomes a tuple)."""
        config = dict(config)
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return cls(**config)
