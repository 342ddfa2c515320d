"""CTC beam search decoding for ``keras.ops.nn.ctc_decode(strategy="beam_search")``: a NumPy port of
Keras 3's JAX algorithm (prefixes extended by every class each step, equal prefixes merged in log
space, the ``beam_width`` best kept, blank-ending and label-ending scores tracked apart), so the
decoded paths and their scores are Keras'. Decoding is not differentiable (as in Keras)."""
from __future__ import annotations

import numpy as np

PAD = -1


def _log_softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _unique_rows(paths, size):
    """jnp.unique(paths, axis=0, size=size, fill_value=PAD, return_inverse=True)."""
    rows, inverse = np.unique(paths, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    if rows.shape[0] < size:
        rows = np.concatenate([rows, np.full((size - rows.shape[0], paths.shape[1]), PAD, paths.dtype)])
    return rows[:size], inverse


def _merge(inverse, scores):
    """Log-sum-exp of ``scores`` per unique row (``-inf`` for rows without members)."""
    top = scores.max()
    top = 0.0 if not np.isfinite(top) else top
    merged = np.zeros_like(scores)
    np.add.at(merged, inverse, np.exp(scores - top))
    with np.errstate(divide="ignore"):
        return np.log(merged) + top


def _decode_one(logp, length, beam_width, top_paths, blank):
    steps, classes = logp.shape
    rows = 2 * beam_width
    paths = np.full((rows, steps), PAD, np.int64)
    first = min(classes, beam_width)
    best = np.argsort(logp[0], kind="stable")[-first:]
    paths[:first, 0] = np.where(best == blank, PAD, best)
    scores = np.full(rows, -np.inf)
    scores[:first] = logp[0][best]
    masked = paths[:, 0] == PAD
    labels = np.arange(classes)
    labels[blank] = PAD
    for t in range(1, steps):
        if t >= length:
            continue
        ext_paths = np.repeat(paths, classes, axis=0)
        ext_scores = np.repeat(scores, classes)
        prev_masked = np.repeat(masked, classes)
        tail_index = np.argmax(ext_paths == PAD, axis=1)
        span = np.arange(rows * classes)
        tails = np.where(tail_index == 0, PAD, ext_paths[span, tail_index - 1])
        new = np.tile(labels, rows)
        masked_now = new == PAD
        new = np.where(~prev_masked & (tails == new), PAD, new)
        ext_paths[span, tail_index] = new
        ext_scores = ext_scores + np.tile(logp[t], rows)
        unique, inverse = _unique_rows(ext_paths, rows * classes)
        emit = _merge(inverse, np.where(masked_now, -np.inf, ext_scores))
        blank_end = _merge(inverse, np.where(masked_now, ext_scores, -np.inf))
        total = np.logaddexp(emit, blank_end)
        keep = np.argsort(total, kind="stable")[-beam_width:]
        paths = np.tile(unique[keep], (2, 1))
        scores = np.concatenate([emit[keep], blank_end[keep]])
        masked = np.concatenate([np.zeros(beam_width, bool), np.ones(beam_width, bool)])
    unique, inverse = _unique_rows(paths, rows * classes)
    merged = _merge(inverse, scores)
    order = np.argsort(merged, kind="stable")[-top_paths:][::-1]
    return unique[order], merged[order]


def beam_search(logits, lengths, beam_width, top_paths, mask_index):
    """``(paths (top_paths, B, T) int32 with -1 padding, scores (B, top_paths))`` for ``(B, T, C)`` logits."""
    batch, _, classes = logits.shape
    if top_paths > beam_width:
        raise ValueError(f"ctc_decode: top_paths={top_paths} must not exceed beam_width={beam_width}")
    logp = _log_softmax(logits.astype(np.float64))[:, :, ::-1]
    blank = classes - (classes - 1 if mask_index is None else int(mask_index)) - 1
    decoded, scores = zip(*(_decode_one(logp[b], int(lengths[b]), int(beam_width), int(top_paths), blank)
                            for b in range(batch)))
    paths = np.stack(decoded)
    paths = np.where(paths == PAD, PAD, classes - paths - 1).transpose(1, 0, 2)
    return paths.astype(np.int32), np.stack(scores).astype(logits.dtype)
