"""``keras.utils.timeseries_dataset_from_array``: sliding windows over a series as a batched
:class:`~minidl.keras.dataset.Dataset` (Keras returns a ``tf.data.Dataset``)."""
from __future__ import annotations

import numpy as np

from minidl.keras._tensor import numpy_of
from minidl.keras.dataset import Dataset
from minidl.tensor import Tensor

__all__ = ["timeseries_dataset_from_array"]


def _check(data, start_index, end_index, sampling_rate, sequence_stride):
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError(f"`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: start_index={start_index}, "
                             f"and end_index={end_index} ")
        if end_index >= n:
            raise ValueError(f"`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError(f"`sampling_rate` must be lower than the length of the data. Received: "
                         f"sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError(f"`sequence_stride` must be lower than the length of the data. Received: "
                         f"sequence_stride={sequence_stride}, for data of length {n}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1, batch_size=128,
                                  shuffle=False, seed=None, start_index=None, end_index=None, format="tf"):
    """Windows of ``sequence_length`` time steps, ``sampling_rate`` apart, starting every
    ``sequence_stride`` steps of ``data[start_index:end_index]``, batched by ``batch_size`` (None:
    unbatched), as Keras.

    Window ``i`` starts at ``p_i`` (relative to ``start_index``) and pairs with
    ``targets[start_index:end_index][p_i]`` (``targets=None``: windows only). The number of windows
    is ``min(end - start - (sequence_length - 1) * sampling_rate, len(targets))`` strided. With
    ``shuffle``, the start positions are permuted by ``np.random.RandomState(seed)`` (as Keras) and
    the windows pass a ``batch_size * 8`` shuffle buffer, reshuffled every pass.
    Elements: ``(batch, sequence_length, *data.shape[1:])`` windows in ``data``'s dtype.
    """
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    data = numpy_of(data) if isinstance(data, Tensor) else np.asarray(data)
    _check(data, start_index, end_index, sampling_rate, sequence_stride)
    start = start_index or 0
    end = len(data) if end_index is None else end_index
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = numpy_of(targets) if isinstance(targets, Tensor) else np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, num_seqs, sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    series = data[start:end]
    target_slice = None if targets is None else targets[start:end]
    offsets = np.arange(sequence_length) * sampling_rate

    def source():
        for p in positions:
            window = series[p + offsets]
            yield window if target_slice is None else (window, target_slice[p])
    ds = Dataset(source, len(positions))
    if shuffle:
        ds = ds.shuffle(batch_size * 8 if batch_size is not None else 1024, seed=seed)
    return ds if batch_size is None else ds.batch(batch_size)
