"""``F.ctc_loss``: the Connectionist Temporal Classification loss, by the log-space forward recursion.

For each batch element the target ``l`` (length S) is extended with blanks
to ``l' = (blank, l1, blank, l2, ..., lS, blank)`` (length 2S+1), and

    alpha_0(0) = lp_0(blank),  alpha_0(1) = lp_0(l1)
    alpha_t(s) = lp_t(l'_s) + logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2))

where the ``s-2`` term only counts when ``l'_s`` is not blank and differs from
``l'_{s-2}`` (two equal labels in a row need a blank between them). The loss
is ``-logsumexp(alpha_{T-1}(2S), alpha_{T-1}(2S-1))``, T the element's input
length. The recursion is written in differentiable tensor operations (one
step per time frame, vectorised over the batch and the extended target), so
it can be differentiated twice. As PyTorch's native kernel, the gradient with
respect to ``log_probs`` is the exact derivative plus ``exp(log_probs)`` on
each element's first ``input_length`` frames: the gradient with respect to the
logits once it flows back through the ``log_softmax`` that produces
``log_probs`` (whose Jacobian removes the extra term), so the two agree there.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..backend import to_numpy
from ..functions import stack, where
from ..ops import shape as _shape
from ..tensor import Tensor, as_tensor

__all__ = ["ctc_loss"]

# A finite stand-in for log(0): logsumexp of all -inf has a NaN gradient, this has a zero one.
_LOG_ZERO = -1e30


def _lengths(values, name, count):
    """``values`` (a tensor, list or tuple of ints, or one int) as an int64 NumPy array of ``count`` entries."""
    arr = to_numpy(values.array) if isinstance(values, Tensor) else np.asarray(values)
    if arr.dtype.kind not in "iu":
        raise RuntimeError(f"ctc_loss: {name} must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64).reshape(-1)
    if arr.size != count:
        raise RuntimeError(f"ctc_loss: {name} must have {count} entries (one per batch element), got {arr.size}")
    return arr


def _padded_targets(targets, target_lengths, batch):
    """The targets as an (N, S_max) int64 array, from padded (N, S) or concatenated 1-D form."""
    arr = to_numpy(targets.array) if isinstance(targets, Tensor) else np.asarray(targets)
    arr = arr.astype(np.int64)
    longest = int(target_lengths.max()) if target_lengths.size else 0
    if arr.ndim == 2:
        if arr.shape[1] < longest:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension 1, but got size "
                               f"{arr.shape[1]} for argument #2 'targets' (while checking arguments for ctc_loss)")
        return arr[:, :max(longest, 0)]
    if arr.ndim != 1:
        raise RuntimeError(f"ctc_loss: targets must be (N, S) or 1-D concatenated, got shape {arr.shape}")
    if arr.shape[0] != int(target_lengths.sum()):
        raise RuntimeError(f"ctc_loss: concatenated targets have {arr.shape[0]} labels but target_lengths sum to "
                           f"{int(target_lengths.sum())}")
    padded = np.zeros((batch, longest), np.int64)
    offsets = np.concatenate([[0], np.cumsum(target_lengths)])
    for n in range(batch):
        padded[n, :target_lengths[n]] = arr[offsets[n]:offsets[n + 1]]
    return padded


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """The CTC loss of ``log_probs`` (log-softmax outputs) against unaligned ``targets``.

    Shapes: ``log_probs`` (T, N, C) or unbatched (T, C); ``targets`` (N, S)
    padded, or 1-D with the N targets concatenated (``sum(target_lengths)``
    labels), or (S,) unbatched; ``input_lengths`` and ``target_lengths``
    (N,) (tensors, lists or tuples; 0-d/ints unbatched). Labels are in
    ``0..C-1`` and never ``blank``. ``reduction``: 'none' (N,) losses,
    'sum', or 'mean' (each loss divided by its target length, then the batch
    mean). ``zero_infinity`` turns infinite losses (targets too long for
    their inputs) and their gradients into zeros.

    Raises:
        RuntimeError: ``blank`` outside ``0..C-1``, a target label outside ``0..C-1``, an input length
            over T, targets shorter than a target length, or lengths of the wrong count.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> lp = mdl.full((2, 1, 2), 0.5).log()                  # T=2, N=1, C=2: every frame 50/50
    >>> F.ctc_loss(lp, mdl.tensor([[1]]), [2], [1], reduction="sum").item()   # 3 paths of 4: -log(3/4)
    0.2876820...
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not isinstance(log_probs, Tensor):
        log_probs = as_tensor(log_probs)
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0) if isinstance(targets, Tensor) else np.asarray(targets)[None]
    if log_probs.dim() != 3:
        raise RuntimeError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape {tuple(log_probs.shape)}")
    steps, batch, classes = log_probs.shape
    if not isinstance(blank, numbers.Integral) or not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    input_lengths = _lengths(input_lengths, "input_lengths", batch)
    target_lengths = _lengths(target_lengths, "target_lengths", batch)
    if input_lengths.size and input_lengths.max() > steps:
        raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got value "
                           f"{int(input_lengths.max())} (while checking arguments for ctc_loss)")
    labels = _padded_targets(targets, target_lengths, batch)
    longest = labels.shape[1]
    used = np.arange(longest)[None, :] < target_lengths[:, None]
    if used.any() and (labels[used].min() < 0 or labels[used].max() >= classes):
        bad = labels[used][(labels[used] < 0) | (labels[used] >= classes)][0]
        raise RuntimeError(f"ctc_loss: target label {int(bad)} is out of range for {classes} classes "
                           f"(log_probs has shape {tuple(log_probs.shape)})")

    # extended targets l' (N, 2S+1) and where the s-2 transition is allowed
    width = 2 * longest + 1
    extended = np.full((batch, width), blank, np.int64)
    extended[:, 1::2] = labels
    skip = np.zeros((batch, width), bool)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    xp = log_probs.xp
    dtype = log_probs.dtype

    # emissions lp_t(l'_s): (T, N, 2S+1), one differentiable gather
    index = Tensor(xp.asarray(np.broadcast_to(extended, (steps, batch, width)).copy()))
    emissions = log_probs.gather(2, index)
    log_zero = Tensor(xp.full((batch, 1), _LOG_ZERO, dtype=dtype))
    skip_mask = Tensor(xp.asarray(skip))
    zeros_row = Tensor(xp.full((batch, width), _LOG_ZERO, dtype=dtype))

    start = np.full((batch, width), False)
    start[:, 0] = True
    start[:, 1] = target_lengths > 0 if width > 1 else False
    alpha = where(Tensor(xp.asarray(start)), emissions[0], zeros_row)
    active_until = xp.asarray(input_lengths)
    for t in range(1, steps):
        stay = alpha
        step1 = _shape.cat([log_zero, alpha[:, :-1]], 1)
        step2 = _shape.cat([log_zero, log_zero, alpha[:, :-2]], 1) if width > 2 else zeros_row
        step2 = where(skip_mask, step2, zeros_row)
        new = stack([stay, step1, step2], 0).logsumexp(0) + emissions[t]
        running = Tensor((active_until > t).reshape(batch, 1))
        alpha = where(running, new, alpha)       # frozen once past the element's input length

    last = np.stack([2 * target_lengths, np.maximum(2 * target_lengths - 1, 0)], 1)
    ends = alpha.gather(1, Tensor(xp.asarray(last)))
    both = Tensor(xp.asarray(np.stack([np.ones(batch, bool), target_lengths > 0], 1)))
    ends = where(both, ends, Tensor(xp.full((batch, 2), _LOG_ZERO, dtype=dtype)))
    losses = -ends.logsumexp(1)
    if log_probs.requires_grad:
        # PyTorch's kernel returns d(loss)/d(log_probs) plus exp(log_probs) on each element's frames (the
        # gradient with respect to logits under log_softmax); this term is exactly 0 and adds that gradient.
        probs = log_probs.exp()
        frames = (np.arange(steps)[:, None] < input_lengths[None, :])[..., None]
        losses = losses + ((probs - probs.detach()) * Tensor(xp.asarray(frames, dtype=dtype))).sum((0, 2))
    impossible = (input_lengths == 0) | (to_numpy(losses.array) > -_LOG_ZERO / 10)
    if impossible.any():
        fill = 0.0 if zero_infinity else np.inf
        losses = where(Tensor(xp.asarray(impossible)), Tensor(xp.full((batch,), fill, dtype=dtype)), losses)
    if reduction == "none":
        return losses.squeeze(0) if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    divisor = Tensor(xp.asarray(np.maximum(target_lengths, 1).astype(np.dtype(dtype))))
    return (losses / divisor).mean()

