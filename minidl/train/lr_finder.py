"""Learning-rate range test (Smith, 2017): sweep the lr exponentially and record the loss."""
from __future__ import annotations

import copy
import math

import numpy as np

from minidl import backend
from minidl.train.callbacks import model_weights as _model_weights
from minidl.train.data import as_batches, epoch_seed
from minidl.train.loop import Trainer, _setup_device, _split_batch, _to_tensor, resolve_loss

__all__ = ["lr_range_test"]


def lr_range_test(model, data, optimizer, loss, start_lr=1e-7, end_lr=10.0, num_iter=100,
                  smooth_f=0.05, diverge_th=5.0, batch_size=32, device=None, seed=None):
    """Train ``num_iter`` steps with the lr growing exponentially from ``start_lr`` to
    ``end_lr``; return ``(lrs, losses)`` (lists of floats; losses smoothed
    exponentially with weight ``smooth_f`` on the newest value).

    Stops early once the smoothed loss exceeds ``diverge_th`` times the best
    (or is not finite). The model's weights and buffers, its train/eval mode
    and the optimiser's state and lrs are restored afterwards. ``data`` is
    cycled when it has fewer than ``num_iter`` batches. Plot the result with
    :func:`minidl.viz.plot_lr_finder`.
    """
    if not (0 < start_lr < end_lr):
        raise ValueError(f"need 0 < start_lr < end_lr, got {start_lr}, {end_lr}")
    if int(num_iter) < 2:
        raise ValueError(f"num_iter must be >= 2, got {num_iter}")
    saved_weights = _model_weights(model)
    saved_opt = copy.deepcopy(optimizer.state_dict())   # a snapshot: the state dict is a view, as PyTorch's
    was_training = getattr(model, "training", True)
    dev, dtype = _setup_device(model, device)
    trainer = Trainer(model, optimizer, resolve_loss(loss), [], dev, dtype)
    batches = as_batches(data, batch_size, True, seed)
    gamma = (end_lr / start_lr) ** (1.0 / (num_iter - 1))
    lrs, losses, best, smoothed = [], [], math.inf, None
    if seed is not None:
        backend.manual_seed(epoch_seed(seed, 0, 7))
    model.train()
    try:
        it = iter(batches)
        for i in range(int(num_iter)):
            lr = start_lr * gamma ** i
            for group in optimizer.param_groups:
                group["lr"] = lr
            try:
                batch = next(it)
            except StopIteration:
                it = iter(batches)
                batch = next(it)
            x, y = _split_batch(batch)
            optimizer.zero_grad()
            out = model(_to_tensor(x, dev, dtype))
            value = trainer.loss_fn(out, _to_tensor(y, dev, dtype))
            value.backward()
            optimizer.step()
            v = float(value.item())
            smoothed = v if smoothed is None else smooth_f * v + (1 - smooth_f) * smoothed
            lrs.append(float(lr))
            losses.append(float(smoothed))
            best = min(best, smoothed)
            if not np.isfinite(smoothed) or smoothed > diverge_th * best:
                break
    finally:
        model.load_state_dict(saved_weights)
        optimizer.load_state_dict(saved_opt)
        model.train(was_training)
    return lrs, losses
