"""Variable-length sequences for recurrent layers, PyTorch's ``torch.nn.utils.rnn``.

A :class:`PackedSequence` holds a batch of sequences of different lengths
without padding: the batch is sorted by decreasing length, and ``data`` stacks
time step after time step, each step holding only the sequences still running
(``batch_sizes[t]`` of them, a prefix of the sorted batch). ``nn.RNN``,
``nn.LSTM`` and ``nn.GRU`` accept one and return one.

Packing and padding are gathers with integer index arrays (``GetItem``), so
gradients, and gradients of gradients, flow through them.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from minidl.autograd.naming import name_grad_fn
from minidl.backend import to_numpy
from minidl.ops.shape import cat, getitem
from minidl.tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]

PackedSequence_ = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def _long_cpu(values) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.int64))


def invert_permutation(permutation):
    """The inverse of a 1-D permutation tensor (``None`` stays ``None``): ``out[permutation[i]] = i``."""
    if permutation is None:
        return None
    perm = to_numpy(permutation.array)
    out = np.empty_like(perm)
    out[perm] = np.arange(perm.size, dtype=perm.dtype)
    return Tensor(permutation.xp.asarray(out))


class PackedSequence(PackedSequence_):
    """A packed batch of variable-length sequences (a named tuple, as PyTorch's).

    Fields: ``data`` (sum(lengths), *) the steps of all sequences, time step by
    time step; ``batch_sizes`` (max_len,) int64 CPU tensor, how many sequences
    run at each step; ``sorted_indices`` (B,) the order that sorted the batch by
    decreasing length (``None`` when the input was already sorted) and
    ``unsorted_indices`` its inverse. Build it with :func:`pack_padded_sequence`
    or :func:`pack_sequence`, not by hand.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not isinstance(data, (list, tuple)) or len(data) != 2:
                raise TypeError("PackedSequence: give data and batch_sizes, or one (data, batch_sizes) pair")
            data, batch_sizes = data
        if isinstance(batch_sizes, Tensor) and batch_sizes.is_cuda:
            raise ValueError("PackedSequence: batch_sizes should always be on CPU. Instances of PackedSequence "
                             "should never be created manually; use pack_padded_sequence or pack_sequence.")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """``data`` moved/cast with ``Tensor.to``'s arguments, the indices moved to the same device;
        ``batch_sizes`` stays on the CPU. Returns ``self`` when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = None if self.sorted_indices is None else self.sorted_indices.to(data.device)
        unsorted_indices = None if self.unsorted_indices is None else self.unsorted_indices.to(data.device)
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs):
        """The sequence with ``data`` on the GPU."""
        return self.to(*(args or ("cuda",)), **kwargs)

    def cpu(self, *args, **kwargs):
        """The sequence with ``data`` on the CPU."""
        return self.to("cpu")

    def pin_memory(self):
        """The same sequence (minidl's host arrays need no pinning)."""
        return self

    def is_pinned(self):
        """False: minidl does not pin host memory."""
        return False

    def double(self):
        """``data`` as float64."""
        return self.to(dtype=np.float64)

    def float(self):
        """``data`` as float32."""
        return self.to(dtype=np.float32)

    def half(self):
        """``data`` as float16."""
        return self.to(dtype=np.float16)

    def long(self):
        """``data`` as int64."""
        return self.to(dtype=np.int64)

    def int(self):
        """``data`` as int32."""
        return self.to(dtype=np.int32)

    def short(self):
        """``data`` as int16."""
        return self.to(dtype=np.int16)

    def char(self):
        """``data`` as int8."""
        return self.to(dtype=np.int8)

    def byte(self):
        """``data`` as uint8."""
        return self.to(dtype=np.uint8)

    @property
    def is_cuda(self):
        """True when ``data`` is on the GPU."""
        return self.data.is_cuda


def _lengths_array(lengths) -> np.ndarray:
    """``lengths`` (a list or 1-D tensor) as a 1-D int64 NumPy array."""
    if isinstance(lengths, Tensor):
        if lengths.is_cuda:
            raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got a CUDA tensor")
        arr = np.asarray(lengths.numpy())
    else:
        arr = np.asarray(lengths)
    if arr.ndim != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {arr.ndim}D")
    return arr.astype(np.int64)


def _batch_sizes(lengths: np.ndarray) -> np.ndarray:
    """For lengths sorted decreasingly: how many sequences are longer than t, for t < max length."""
    steps = np.arange(int(lengths[0]))
    return (lengths[None, :] > steps[:, None]).sum(axis=1).astype(np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) ((B, T, *) with ``batch_first``) of sequences of ``lengths`` (B,).

    With ``enforce_sorted`` the lengths must decrease; otherwise the batch is
    sorted here (stably) and ``sorted_indices`` remembers the order. Returns a
    :class:`PackedSequence` whose ``data`` is (sum(lengths), *).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence(): input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(f"pack_padded_sequence(): input must have at least 2 dimensions (T, B, *), got shape "
                           f"{list(input.shape)}")
    if not enforce_sorted and np.ndim(lengths.numpy() if isinstance(lengths, Tensor) else lengths) > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")   # PyTorch's, from sorting first
    lengths = _lengths_array(lengths)
    batch_dim, time_dim = (0, 1) if batch_first else (1, 0)
    batch = input.shape[batch_dim]
    if lengths.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                           f"(batch_size={batch})")
    sorted_indices = None
    if enforce_sorted:
        if np.any(lengths[1:] > lengths[:-1]):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement if you do not need ONNX exportability.")
        order = np.arange(batch)
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = Tensor(input.xp.asarray(order.astype(np.int64)))
    if batch == 0 or lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if lengths[0] > input.shape[time_dim]:
        raise RuntimeError(f"pack_padded_sequence(): a length of {lengths[0]} exceeds the {input.shape[time_dim]} "
                           f"time steps of the input (shape {list(input.shape)})")
    batch_sizes = _batch_sizes(lengths)
    steps = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    rows = order[np.concatenate([np.arange(b) for b in batch_sizes])]
    xp = input.xp
    index = (xp.asarray(rows), xp.asarray(steps)) if batch_first else (xp.asarray(steps), xp.asarray(rows))
    data = name_grad_fn(getitem(input, index), "PackPaddedSequenceBackward0")
    return PackedSequence(data, _long_cpu(batch_sizes), sorted_indices, None)


def _packed_lengths(batch_sizes: np.ndarray) -> np.ndarray:
    """The length of each sorted sequence: how many steps have a batch larger than its position."""
    batch = int(batch_sizes[0])
    return (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1).astype(np.int64)


_C_TYPES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
            "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float"}


def _check_padding_fits(value, dtype):
    """RuntimeError, worded as PyTorch's fill, when ``value`` overflows ``dtype`` (inf and nan fit floats)."""
    value = float(value)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        fits = info.min <= value <= info.max
    elif dtype.kind == "f" or dtype.name == "bfloat16":
        fits = not np.isfinite(value) or abs(value) <= float(np.finfo(dtype).max)
    else:
        return
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_C_TYPES.get(dtype.name, dtype.name)} without overflow")


def _padded_gather(values, grid, padding_value):
    """``values`` (M, *) gathered at ``grid`` (any shape, -1 meaning padding) -> grid.shape + (*)."""
    rest = tuple(values.shape[1:])
    xp = values.xp
    _check_padding_fits(padding_value, values.array.dtype)
    pad = Tensor(xp.full((1,) + rest, padding_value, dtype=values.array.dtype))
    extended = cat([values, pad], 0)
    grid = np.where(grid < 0, values.shape[0], grid)
    return getitem(extended, xp.asarray(grid))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo :func:`pack_padded_sequence`: returns ``(padded, lengths)``.

    ``padded`` is (T, B, *) ((B, T, *) with ``batch_first``), T = ``total_length``
    or the longest length, filled with ``padding_value`` past each sequence's
    end, in the batch order given to the packing; ``lengths`` is an int64 CPU
    tensor (B,).
    """
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence(): sequence must be a PackedSequence, got {type(sequence).__name__}")
    batch_sizes = to_numpy(sequence.batch_sizes.array).astype(np.int64)
    max_length = int(batch_sizes.size)
    if total_length is not None:
        if total_length < max_length:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_length}")
        max_length = int(total_length)
    lengths = _packed_lengths(batch_sizes)
    batch = lengths.size
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    grid = np.full((max_length, batch), -1, dtype=np.int64)
    for t, (offset, size) in enumerate(zip(offsets, batch_sizes)):
        grid[t, :size] = offset + np.arange(size)
    if sequence.unsorted_indices is not None:
        unsorted = to_numpy(sequence.unsorted_indices.array).astype(np.int64)
        grid, lengths = grid[:, unsorted], lengths[unsorted]
    if batch_first:
        grid = grid.T
    node = "torch::autograd::CopySlices" if sequence.unsorted_indices is None else "IndexSelectBackward0"
    return name_grad_fn(_padded_gather(sequence.data, grid, padding_value), node), _long_cpu(lengths)


def _fit_trailing(s, i, reference):
    """Sequence ``i`` broadcast to the trailing shape of ``reference`` (sequences[0]'s shape), as PyTorch copies
    it into the padded tensor: a size-1 dimension stretches, any other mismatch is its broadcasting error."""
    trailing = tuple(s.shape[1:])
    if trailing == reference[1:]:
        return s
    if s.ndim != len(reference):
        raise RuntimeError(f"pad_sequence(): sequences[{i}] has trailing shape {list(trailing)}, expected "
                           f"{list(reference[1:])} as sequences[0]")
    for d in range(s.ndim - 1, 0, -1):
        if s.shape[d] != reference[d] and 1 not in (s.shape[d], reference[d]):
            raise RuntimeError(f"The size of tensor a ({reference[d]}) must match the size of tensor b "
                               f"({s.shape[d]}) at non-singleton dimension {d}")
    target = [s.shape[0], *reference[1:]]
    if any(s.shape[d] > 1 and reference[d] == 1 for d in range(1, s.ndim)):
        broadcast = [max(a, b) for a, b in zip(target, s.shape)]
        raise RuntimeError(f"output with shape {target} doesn't match the broadcast shape {broadcast}")
    return s.expand(*target)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences (L_i, *) into one padded tensor (max L, B, *) ((B, max L, *) with ``batch_first``).

    ``padding_side`` 'right' pads after each sequence, 'left' before it.
    """
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence(): sequences[{i}] must be a Tensor, got {type(s).__name__}")
        if s.ndim == 0:
            raise RuntimeError(f"pad_sequence(): sequences[{i}] is 0-dimensional; each sequence needs a length")
        sequences[i] = _fit_trailing(s, i, tuple(sequences[0].shape))
    # the padded tensor has the first sequence's dtype: the others are converted into it (PyTorch's)
    sequences = [s if s.dtype == sequences[0].dtype else s.to(sequences[0].dtype) for s in sequences]
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    max_length = int(lengths.max())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    steps = np.arange(max_length)[:, None]
    shift = (max_length - lengths)[None, :] if padding_side == "left" else 0
    position = steps - shift
    grid = np.where((position >= 0) & (position < lengths[None, :]), starts[None, :] + position, -1)
    if batch_first:
        grid = grid.T
    return name_grad_fn(_padded_gather(cat(sequences, 0), grid, padding_value), "torch::autograd::CopySlices")


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch (T, B, *) ((B, T, *) with ``batch_first``) back into a list of (L_i, *) tensors."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = _lengths_array(lengths)
    if lengths.size != padded_sequences.shape[0]:
        raise RuntimeError(f"unpad_sequence(): {lengths.size} lengths for a batch of {padded_sequences.shape[0]}")
    return [name_grad_fn(padded_sequences[b, :int(length)], "IndexBackward0") for b, length in enumerate(lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences (L_i, *) (decreasing lengths unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Undo :func:`pack_sequence`: the list of (L_i, *) tensors in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)

