"""Categorical preprocessing layers: ``CategoryEncoding``, ``Hashing``, ``HashedCrossing`` and
``Discretization``, as Keras 3 (values, shapes, dtypes and configs).

``Hashing`` and ``HashedCrossing`` compute TensorFlow's hashes (FarmHash ``Fingerprint64``,
SipHash-2-4 with a salt, ``tf.sparse.cross_hashed``) in :mod:`._fingerprint`, so their bins are
Keras'. Numbers are hashed through their decimal text (``tf.as_string``; floats are first
truncated to int64), as Keras does.
"""
from __future__ import annotations

import numpy as np

from minidl.keras._tensor import numpy_of
from minidl.keras.layers._data_layer import DataLayer, as_text_array, encode_categorical, is_text
from minidl.keras.layers._fingerprint import cross_fingerprint, fingerprint64, siphash64
from minidl.keras.layers.base import KerasTensor
from minidl.tensor import Tensor

__all__ = ["CategoryEncoding", "Hashing", "HashedCrossing", "Discretization"]


def _check_mode(layer, mode, allowed):
    """Keras' ``validate_string_arg`` for ``output_mode``."""
    if not (isinstance(mode, str) and mode in allowed):
        raise ValueError(f"Unknown value for `output_mode` argument of {layer}. Allowed values are: {allowed}. "
                         f"Received: output_mode={mode}")


class CategoryEncoding(DataLayer):
    """Integer ids in [0, ``num_tokens``) as one-hot, multi-hot or count vectors (float32).

    Input (..., k) ints: ``"multi_hot"``/``"count"`` give (..., num_tokens) (a 1-D input is one
    sample: (num_tokens,)); ``"one_hot"`` replaces a trailing 1 by ``num_tokens`` (or appends it).
    ``count_weights`` (same shape as the input) weight the counts.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("`sparse=True` cannot be used with backend minidl")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, sparse

    def __call__(self, inputs, count_weights=None, **kwargs):
        """Encode ``inputs``; ``count_weights`` only with ``output_mode="count"``."""
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. "
                                 f"Received `count_weights={count_weights}`.")
            self._count_weights = numpy_of(count_weights) if isinstance(count_weights, Tensor) \
                else np.asarray(count_weights)
        try:
            return super().__call__(inputs, **kwargs)
        finally:
            self._count_weights = None

    def _compute(self, array):
        return encode_categorical(np.asarray(array).astype(np.int64), self.output_mode, self.num_tokens,
                                  self.dtype, getattr(self, "_count_weights", None))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if input_shape[-1] != 1 or len(input_shape) == 1:
                return input_shape + (self.num_tokens,)
            return input_shape[:-1] + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def get_config(self):
        return dict(super().get_config(), num_tokens=self.num_tokens, output_mode=self.output_mode)


def _hash_strings(values, fn):
    """``fn`` (bytes -> uint64) of every string of ``values``, computed once per distinct value."""
    uniques, inverse = np.unique(values.reshape(-1), return_inverse=True)
    hashed = np.array([fn(str(u).encode("utf-8")) for u in uniques], dtype=np.uint64)
    return hashed[inverse].reshape(values.shape)


def _as_hash_text(array):
    """Keras hashes numbers through their decimal text (floats truncated to int64 first)."""
    if is_text(array):
        return as_text_array(array)
    array = np.asarray(array)
    if array.dtype.kind == "f":
        array = array.astype(np.int64)
    return array.astype(np.int64).astype(str)


class Hashing(DataLayer):
    """Hash strings or integers into ``num_bins`` bins (Keras' FarmHash64, or SipHash64 with ``salt``).

    ``mask_value`` goes to bin 0 and the other values to [1, num_bins). ``output_mode``: ``"int"``
    (int64 bins, the input's shape), ``"one_hot"``, ``"multi_hot"``, ``"count"`` (float32).
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        dtype = kwargs.pop("dtype", None)
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(dtype=dtype, **kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                             f"Received: num_bins={num_bins}.")
        if output_mode == "int" and str(self.dtype) not in ("int32", "int64"):
            raise ValueError('When `output_mode="int"`, `dtype` should be an integer type, \'int32\' or \'in64\'. '
                             f"Received: dtype={dtype}")
        accepted_output_modes = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in accepted_output_modes:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of {accepted_output_modes}. "
                             f"Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError('`sparse` may only be true if `output_mode` is `"one_hot"`, `"multi_hot"`, or '
                             f'`"count"`. Received: sparse={sparse} and output_mode={output_mode}')
        if sparse:
            raise ValueError("`sparse=True` cannot be used with backend minidl")
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError("The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or "
                                 f"a single integer. Received: salt={salt}.")
        self.num_bins, self.mask_value, self.salt = int(num_bins), mask_value, salt
        self.strong_hash = salt is not None
        self.output_mode, self.sparse = output_mode, sparse

    def _bins(self, array):
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = array == (str(self.mask_value) if is_text(array) else self.mask_value)
        text = _as_hash_text(array)
        fn = (lambda b: siphash64(self.salt, b)) if self.strong_hash else fingerprint64
        out = (_hash_strings(text, fn) % np.uint64(bins)).astype(np.int64)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def _compute(self, array):
        if is_text(array):
            array = as_text_array(array)
        if self.output_mode == "one_hot" and array.ndim and array.shape[-1] == 1:
            array = array[..., 0]
        return encode_categorical(self._bins(array), self.output_mode, self.num_bins, self.dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def get_config(self):
        return dict(super().get_config(), num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                    output_mode=self.output_mode, sparse=self.sparse)


class HashedCrossing(DataLayer):
    """Cross two or more categorical features (each of shape (), (batch,) or (batch, 1)) into
    ``num_bins`` hashed bins, as ``tf.sparse.cross_hashed``: int64 bins (``"int"``) or float32
    one-hot rows (``"one_hot"``)."""

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        _check_mode("HashedCrossing", output_mode, ("int", "one_hot"))
        if sparse:
            raise ValueError("`sparse=True` cannot be used with backend minidl")
        self.num_bins, self.output_mode, self.sparse = int(num_bins), output_mode, sparse

    def __call__(self, inputs, *args, **kwargs):
        """Cross the features of the list/tuple ``inputs``."""
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`HashedCrossing` should be called on a list or tuple of inputs. Received: "
                             f"inputs={inputs}")
        if len(inputs) < 2:
            raise ValueError(f"`HashedCrossing` should be called on at least two inputs. Received: inputs={inputs}")
        if any(isinstance(v, KerasTensor) for v in inputs):
            return super().__call__(list(inputs), *args, **kwargs)
        out = self._compute_features([numpy_of(v) if isinstance(v, Tensor) else np.asarray(v) for v in inputs])
        return Tensor(out)

    def _forward(self, x, training=False):
        return Tensor(self._compute_features([numpy_of(v) for v in x]))

    def _compute_features(self, features):
        first = features[0].shape
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError("All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                             f"`(batch_size, 1)`. Received: shapes {[f.shape for f in features]}")
        if not all(f.shape == first for f in features[1:]):
            raise ValueError(f"All `HashedCrossing` inputs should have equal shape. Received: shapes "
                             f"{[f.shape for f in features]}")
        columns = []
        for f in features:
            flat = f.reshape(-1)
            if is_text(flat):
                columns.append(as_text_array(flat).tolist())
            elif flat.dtype.kind in "iub" or (flat.dtype.kind == "f" and np.all(flat == np.round(flat))):
                columns.append([int(v) for v in flat])  # (a model feeds integer inputs as float32)
            else:
                raise ValueError(f"`HashedCrossing` inputs must be strings or integers, got dtype {f.dtype}")
        bins = np.array([cross_fingerprint(row) % self.num_bins for row in zip(*columns)],
                        dtype=np.int64).reshape(first)
        return encode_categorical(bins, self.output_mode, self.num_bins,
                                  "int64" if self.output_mode == "int" else self.dtype)

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if first and first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self.dtype}


class Discretization(DataLayer):
    """Bucket numbers by ``bin_boundaries`` (``np.digitize``: bin i holds [b[i-1], b[i])), or by
    ``num_bins`` quantile boundaries learnt with ``adapt`` (Keras' approximate quantile summary
    with precision ``epsilon``). ``"int"`` output is int32; the others float32."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse and output_mode == "int":
            raise ValueError("`sparse=True` may only be used if `output_mode` is `'one_hot'`, `'multi_hot'`, or "
                             f"`'count'`. Received: sparse={sparse} and output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` cannot be used with backend minidl")
        _check_mode("Discretization", output_mode, ("int", "one_hot", "multi_hot", "count"))
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon, self.output_mode, self.sparse = num_bins, epsilon, output_mode, sparse
        self.summary = None if self.bin_boundaries else np.array([[], []], dtype="float32")

    def adapt(self, data, steps=None):
        """Learn ``num_bins`` quantile boundaries from ``data`` (an array, or an iterable of batches)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with "
                             "`bin_boundaries`, use `num_bins` instead.")
        self.reset_state()
        if hasattr(data, "__iter__") and not isinstance(data, (np.ndarray, Tensor)):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch[0] if isinstance(batch, tuple) else batch)
        else:
            self.update_state(data)
        self.finalize_state()

    def update_state(self, data):
        """Merge the quantile summary of one batch into the running one."""
        values = np.array(numpy_of(data) if isinstance(data, Tensor) else data).astype("float32")
        self.summary = _merge_summaries(_summarize(values, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self):
        """Set ``bin_boundaries`` from the summary."""
        if self.num_bins is not None:
            self.bin_boundaries = _compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        """Forget the adapted summary."""
        if self.num_bins is not None:
            self.summary = np.array([[], []], dtype="float32")

    def _compute(self, array):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at construction time or "
                             "call `adapt(dataset)` before you can start using the `Discretization` layer.")
        indices = np.digitize(np.asarray(array, dtype=np.float32), np.asarray(self.bin_boundaries, np.float32))
        return encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1,
                                  "int32" if self.output_mode == "int" else self.dtype)

    def _symbolic_dtype(self):
        return "int32" if self.output_mode == "int" else str(self.dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config` (an adapted layer keeps its learnt boundaries)."""
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)


def _summarize(values, epsilon):
    """(2, k) summary of ``values``: every ``step``-th sorted value and its weight ``step``."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _merge_summaries(first, second, epsilon):
    merged = np.concatenate((first, second), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress_summary(merged, epsilon)


def _compress_summary(summary, epsilon):
    """Re-bin ``summary`` at the cumulative-weight fractions epsilon, 2 epsilon, ..., 1 (linear
    interpolation of values and cumulative weights)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_fractions = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_fractions, summary[0])
    cum_weights = np.interp(percents, cum_fractions, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
