"""``keras.utils``: ``to_categorical``, ``normalize``, ``set_random_seed``, ``PyDataset``/``Sequence``,
``Progbar``, ``get_file``."""
from __future__ import annotations

import numpy as np

from minidl.keras._plot import model_to_dot, plot_model
from minidl.keras.datasets._cache import get_file
from minidl.keras.progbar import Progbar

__all__ = ["to_categorical", "normalize", "set_random_seed", "PyDataset", "Sequence", "Progbar",
           "get_file", "split_dataset", "pad_sequences", "plot_model", "model_to_dot"]


def to_categorical(x, num_classes=None):
    """One-hot rows of the class ids ``x`` (any shape; a trailing 1 is dropped), as Keras 3:
    float64 for NumPy input, ``num_classes`` defaulting to ``max(x) + 1``.

    >>> to_categorical([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1 if x.size else 0
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(f"to_categorical: class ids must be in [0, {num_classes - 1}], got values in "
                         f"[{x.min()}, {x.max()}]")
    categorical = np.zeros((x.shape[0], num_classes))
    categorical[np.arange(x.shape[0]), x] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """``x`` divided by its L-``order`` norm along ``axis`` (zero norms stay zero)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def set_random_seed(seed):
    """Seed Python's, NumPy's and minidl's generators (``minidl.manual_seed``)."""
    import random

    from minidl import backend
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} "
                         f"(of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    backend.manual_seed(int(seed))


class PyDataset:
    """Base class of batch datasets: implement ``__len__`` (number of batches) and
    ``__getitem__(index)`` returning ``(x, y)`` (or ``(x, y, sample_weight)``) for one batch;
    ``on_epoch_end`` runs after each epoch."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers, self.use_multiprocessing, self.max_queue_size = workers, use_multiprocessing, \
            max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called after each epoch (e.g. to reshuffle)."""

    @property
    def num_batches(self):
        """``len(self)``."""
        return len(self)


Sequence = PyDataset


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split a tuple of arrays in two by fraction or count (``left_size``/``right_size``)."""
    arrays = dataset if isinstance(dataset, tuple) else (dataset,)
    n = len(arrays[0])
    if left_size is None and right_size is None:
        raise ValueError("you must specify either `left_size` or `right_size`")
    if left_size is not None:
        left = int(left_size * n) if isinstance(left_size, float) else int(left_size)
    else:
        right = int(right_size * n) if isinstance(right_size, float) else int(right_size)
        left = n - right
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    a = tuple(np.asarray(arr)[order[:left]] for arr in arrays)
    b = tuple(np.asarray(arr)[order[left:]] for arr in arrays)
    return (a if isinstance(dataset, tuple) else a[0]), (b if isinstance(dataset, tuple) else b[0])


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Keras' ``pad_sequences``: a list of ``num_samples`` sequences (lists of ints, or of equally
    shaped items) as one NumPy array (num_samples, maxlen, *item_shape) filled with ``value``.
    ``maxlen`` defaults to the longest sequence; longer ones lose their start (``truncating="pre"``)
    or end (``"post"``); shorter ones are padded before (``padding="pre"``) or after (``"post"``).

    >>> pad_sequences([[1], [2, 3, 4]], padding="post").tolist()
    [[1, 0, 0], [2, 3, 4]]
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths, item_shape = [], None
    for seq in sequences:
        try:
            lengths.append(len(seq))
        except TypeError:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {seq}") from None
        if item_shape is None and len(seq):
            item_shape = np.asarray(seq).shape[1:]
    item_shape = item_shape or ()
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    text_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not text_dtype:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    out = np.full((len(sequences), maxlen) + tuple(item_shape), value, dtype=dtype)
    for i, seq in enumerate(sequences):
        if not len(seq) or not maxlen:
            continue
        kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if kept.shape[1:] != tuple(item_shape):
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {i} is different "
                             f"from expected shape {tuple(item_shape)}")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, maxlen - len(kept):] = kept
    return out

# session 11 (kimage): image helpers and image_dataset_from_directory
from minidl.keras.image_dataset import image_dataset_from_directory  # noqa: E402
from minidl.keras.image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: E402

__all__ += ["load_img", "img_to_array", "array_to_img", "save_img", "image_dataset_from_directory"]

# session 11 (kimage): split_dataset also splits a minidl.keras Dataset (image_dataset_from_directory's)
_split_arrays = split_dataset


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):  # noqa: F811
    """Split a tuple of arrays, or a :class:`minidl.keras.dataset.Dataset` (as Keras splits a ``tf.data.Dataset``:
    its samples listed, optionally shuffled, split, and batched again), by fraction or count."""
    from minidl.keras.dataset import Dataset
    from minidl.keras.dataset import split_dataset as split_keras_dataset
    if isinstance(dataset, Dataset):
        return split_keras_dataset(dataset, left_size, right_size, shuffle, seed)
    return _split_arrays(dataset, left_size, right_size, shuffle, seed)

# session 11 (ktext): text / time-series datasets
from minidl.keras.text_dataset import text_dataset_from_directory  # noqa: E402
from minidl.keras.timeseries_dataset import timeseries_dataset_from_array  # noqa: E402

__all__ += ["text_dataset_from_directory", "timeseries_dataset_from_array"]

# Keras 3's serialization names in keras.utils (the same objects as in keras.saving).
from minidl.keras._registry import (  # noqa: E402
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from minidl.keras.serialization import deserialize_keras_object, serialize_keras_object  # noqa: E402

__all__ += ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
            "get_registered_object", "register_keras_serializable", "serialize_keras_object",
            "deserialize_keras_object"]

# Keras 3's session, logging, dtype and data-packing helpers in keras.utils.
from minidl.keras._dtypes import standardize_dtype  # noqa: E402
from minidl.keras._utils_more import (  # noqa: E402
    Config,
    get_source_inputs,
    is_keras_tensor,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from minidl.keras.backend import clear_session  # noqa: E402
from minidl.keras.config import (  # noqa: E402
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)

__all__ += ["Config", "get_source_inputs", "is_keras_tensor", "pack_x_y_sample_weight", "unpack_x_y_sample_weight",
            "standardize_dtype", "clear_session", "enable_interactive_logging", "disable_interactive_logging",
            "is_interactive_logging_enabled"]

# session 12 (kdata): keras.utils.FeatureSpace
from minidl.keras.feature_space import FeatureSpace  # noqa: E402

__all__ += ["FeatureSpace"]
