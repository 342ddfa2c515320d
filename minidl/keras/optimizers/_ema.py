"""Keras' exponential moving average of the weights (``use_ema=True`` on any Keras optimiser), and
the other per-step extras of Keras' base optimiser: ``loss_scale_factor`` and
``gradient_accumulation_steps`` (:func:`unscale_and_accumulate`).

After each step, ``average = m * average + (1 - m) * weight`` with ``m = ema_momentum``
(``m = 0`` on the first step, so the average starts at the updated weight); with
``ema_overwrite_frequency=n`` the weights take the averages every ``n`` steps, and
``finalize_variable_values`` (end of ``fit``) gives them the averages for good.
``keras.callbacks.SwapEMAWeights`` swaps weights and averages for evaluation.
"""
from __future__ import annotations

import numpy as np

from minidl import backend

__all__ = ["check_arguments", "average_shapes", "set_averages", "update", "overwrite_with_average", "averages",
           "swap", "finalize", "unscale_and_accumulate", "raw_iterations", "set_iterations", "accumulator_values",
           "set_accumulators"]


def check_arguments(use_ema, ema_momentum, ema_overwrite_frequency) -> None:
    """Keras' checks of the EMA arguments (ValueError)."""
    if not use_ema:
        return
    if ema_momentum > 1 or ema_momentum < 0:
        raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
    if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
        raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                         f"ema_overwrite_frequency={ema_overwrite_frequency}")


def average_shapes(optimizer) -> list:
    """The shapes of the averages Keras counts among the optimiser's variables (one per trainable weight)."""
    if not getattr(optimizer, "use_ema", False):
        return []
    return [tuple(p.shape) for group in optimizer.param_groups for p in group["params"]]


def averages(optimizer) -> dict:
    """``{id(param): (param, average array)}`` of ``optimizer`` (created on first use)."""
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer: the inner one's
    if not hasattr(optimizer, "_ema_averages"):
        optimizer._ema_averages = {}
    return optimizer._ema_averages


def set_averages(optimizer, params, arrays) -> None:
    """Replace the averages of ``params`` with ``arrays`` (weights files restore them)."""
    store = averages(optimizer)
    store.clear()
    for p, arr in zip(params, arrays):
        store[id(p)] = (p, arr)


def update(optimizer, params) -> None:
    """Fold the just-updated ``params`` into their averages (call before ``iterations`` grows)."""
    store = averages(optimizer)
    momentum = optimizer.ema_momentum if optimizer.iterations != 0 else 0.0
    for p in params:
        data = p.array
        entry = store.get(id(p))
        if entry is None:
            store[id(p)] = (p, data.copy() if momentum == 0.0 else
                            backend.get_array_module(data).zeros_like(data) + data * data.dtype.type(1 - momentum))
            continue
        avg = entry[1]
        avg *= avg.dtype.type(momentum)
        avg += data * data.dtype.type(1 - momentum)
    freq = optimizer.ema_overwrite_frequency
    if freq and (optimizer.iterations + 1) % freq == 0:
        overwrite_with_average(optimizer)


def overwrite_with_average(optimizer) -> None:
    """Copy every average into its weight."""
    for p, avg in averages(optimizer).values():
        p.array[...] = avg


def swap(optimizer) -> None:
    """Exchange the weights and their averages (``SwapEMAWeights``)."""
    if not getattr(optimizer, "use_ema", False):
        raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. Received: "
                         f"use_ema={getattr(optimizer, 'use_ema', False)}")
    for p, avg in averages(optimizer).values():
        tmp = p.array.copy()
        p.array[...] = avg
        avg[...] = tmp


def finalize(optimizer) -> None:
    """Set the averages to the weights (``SwapEMAWeights`` at the last epoch)."""
    for p, avg in averages(optimizer).values():
        avg[...] = p.array


def unscale_and_accumulate(optimizer, pairs):
    """The gradients of ``pairs`` (``(param, grad array, group)``) divided by ``loss_scale_factor``;
    with ``gradient_accumulation_steps=n``, None on the steps that only add them to the accumulators,
    and ``(grad + accumulated) / n`` on every n-th step (the accumulators then restart at 0)."""
    grads = [g for _, g, _ in pairs]
    if optimizer.loss_scale_factor is not None:
        grads = [g / g.dtype.type(optimizer.loss_scale_factor) for g in grads]
    steps = optimizer.gradient_accumulation_steps
    if not steps:
        return grads
    if not hasattr(optimizer, "_accumulated_gradients"):
        optimizer._accumulated_gradients = {}
    store = optimizer._accumulated_gradients
    if (getattr(optimizer, "_calls", 0) + 1) % steps != 0:
        for (p, _, _), g in zip(pairs, grads):
            acc = store.get(id(p))
            store[id(p)] = g.copy() if acc is None else acc + g
        return None
    out = []
    for (p, _, _), g in zip(pairs, grads):
        acc = store.pop(id(p), None)
        out.append((g if acc is None else g + acc) / g.dtype.type(steps))
    store.clear()
    return out


def raw_iterations(optimizer) -> int:
    """The step count Keras writes: every call when accumulating gradients, else ``iterations``."""
    if getattr(optimizer, "gradient_accumulation_steps", None):
        return int(getattr(optimizer, "_calls", 0))
    return int(optimizer.iterations)


def set_iterations(optimizer, raw) -> None:
    """Restore the step count :func:`raw_iterations` wrote."""
    steps = getattr(optimizer, "gradient_accumulation_steps", None)
    if steps:
        optimizer._calls, optimizer.iterations = raw, raw // steps
    else:
        optimizer.iterations = raw


def accumulator_values(optimizer) -> list:
    """The gradient accumulators (zeros where nothing is accumulated), one per trainable weight."""
    if not getattr(optimizer, "gradient_accumulation_steps", None):
        return []
    store = getattr(optimizer, "_accumulated_gradients", {})
    return [backend.to_numpy(store[id(p)]) if id(p) in store else np.zeros(tuple(p.shape), np.float32)
            for group in optimizer.param_groups for p in group["params"]]


def set_accumulators(optimizer, params, arrays) -> None:
    """Restore the gradient accumulators (all-zero ones mean nothing accumulated)."""
    optimizer._accumulated_gradients = {id(p): arr for p, arr in zip(params, arrays)
                                        if bool(backend.get_array_module(arr).any(arr != 0))}
