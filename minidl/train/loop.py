"""The training loop: ``fit``, ``evaluate``, ``predict``.

Reproducibility. With ``fit(..., seed=s)``, at the start of every epoch ``e``
the loop reseeds minidl's global generator with a value derived from
``(s, e)`` only (``minidl.manual_seed(epoch_seed(s, e))``), calls
``set_epoch(e)`` on the training data when it has one, and shuffles
``(x, y)`` arrays with a permutation drawn from ``(s, e)``. So dropout masks,
shuffling and augmentation of epoch ``e`` do not depend on what ran before:
a run stopped after epoch k and resumed from its checkpoint with
``initial_epoch=k`` computes exactly the same epoch k as an uninterrupted run.
Without a seed nothing is reseeded.

Data-parallel runs (``mpiexec -n N``, a model wrapped in
``nn.parallel.DistributedDataParallel``, each rank's data a
``DistributedSampler`` share): every rank runs ``fit``; the epoch logs
(training and validation loss and metrics) are sample-weighted means over all
ranks' samples, ``images_per_sec`` counts every rank's images, a stop asked
for on any rank stops all of them, and only rank 0 shows progress and writes
logs and checkpoints (``minidl.distributed.is_main_process``).

>>> import numpy as np, minidl as mdl, minidl.nn as nn, minidl.optim as optim
>>> _ = mdl.manual_seed(0)   # returns the default generator, as torch.manual_seed
>>> x = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
>>> y = (x[:, 0] > 0).astype(np.int64)
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> hist = fit(model, (x, y), epochs=2, optimizer=optim.SGD(model.parameters(), lr=0.1),
...            loss="cross_entropy", val_data=(x, y), verbose=0, seed=0)
>>> [k for k in hist.history if k not in ("time", "images_per_sec")]
['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']
>>> len(hist.history["loss"]), hist.epoch
(2, [0, 1])
"""
from __future__ import annotations

import time

import numpy as np

from minidl import backend
from minidl import distributed as dist
from minidl.autograd import no_grad
from minidl.dtypes import is_floating
from minidl.metrics import resolve_metric, to_numpy
from minidl.tensor import Tensor
from minidl.train.callbacks import CallbackList, ProgressBar
from minidl.train.checkpoint import state_keys
from minidl.train.data import as_batches, epoch_seed, num_samples
from minidl.train.history import History

__all__ = ["fit", "evaluate", "predict", "Trainer", "resolve_loss", "load_checkpoint"]

_LOSSES = {
    "cross_entropy": "cross_entropy", "crossentropy": "cross_entropy", "ce": "cross_entropy",
    "categorical_crossentropy": "cross_entropy", "sparse_categorical_crossentropy": "cross_entropy",
    "mse": "mse_loss", "mean_squared_error": "mse_loss", "mse_loss": "mse_loss",
    "nll": "nll_loss", "nll_loss": "nll_loss",
}


def resolve_loss(loss):
    """A loss callable ``fn(output, target) -> scalar Tensor`` from a callable or a name
    (``"cross_entropy"``, ``"mse"``, ``"nll"``, and Keras' names)."""
    if callable(loss):
        return loss
    if isinstance(loss, str):
        key = _LOSSES.get(loss.lower())
        if key is None:
            raise ValueError(f"unknown loss {loss!r}; use one of {sorted(_LOSSES)} or a callable")
        import minidl.nn.functional as F
        return getattr(F, key)
    raise TypeError(f"loss must be a callable or a name, got {type(loss).__name__}")


class _Means:
    """Sample-weighted running means of named values."""

    def __init__(self):
        self.sums, self.count = {}, 0

    def add(self, values: dict, n: int):
        self.count += n
        for k, v in values.items():
            self.sums[k] = self.sums.get(k, 0.0) + float(v) * n

    def means(self) -> dict:
        c = self.count or 1
        return {k: s / c for k, s in self.sums.items()}

    def reduce_across_ranks(self, keys) -> None:
        """Replace the sums and count by their totals over every rank (no-op in one process);
        ``keys`` (the same list on every rank) are the values logged, 0 where a rank has none."""
        if not dist.is_initialized() or dist.get_world_size() == 1:
            return
        keys = list(keys) + [k for k in self.sums if k not in keys]
        totals = dist.all_reduce_sums([self.sums.get(k, 0.0) for k in keys] + [self.count])
        self.sums = {k: float(v) for k, v in zip(keys, totals[:-1])}
        self.count = int(totals[-1])


def _any_rank(flag) -> bool:
    """True when ``flag`` is true on any rank (every rank must call it together)."""
    if not dist.is_initialized() or dist.get_world_size() == 1:
        return bool(flag)
    return bool(dist.all_reduce_sums([1.0 if flag else 0.0])[0] > 0)


def _first_param(model):
    for p in model.parameters():
        return p
    return None


def _setup_device(model, device):
    """Move ``model`` to ``device`` (when given); return (device, float dtype) for inputs."""
    if device is not None:
        dev = backend.Device(device)
        backend.require_usable(dev)
        model.to(dev)
    else:
        p = _first_param(model)
        dev = p.device if p is not None else backend.Device("cpu")
    dtype = np.dtype(np.float32)
    for p in model.parameters():
        if is_floating(p.dtype):
            dtype = p.dtype
            break
    return dev, dtype


def _to_tensor(a, dev, float_dtype):
    if a is None:
        return None
    if isinstance(a, Tensor):
        a = a.array
    if not backend.is_device_array(a):
        a = np.asarray(a)
    if is_floating(a.dtype) and a.dtype != float_dtype:
        a = a.astype(float_dtype)
    return Tensor(backend.to_device(a, dev))


def _split_batch(batch):
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    if isinstance(batch, (tuple, list)) and len(batch) == 1:
        return batch[0], None
    return batch, None


def _batch_size(x) -> int:
    return int(x.shape[0])


class Trainer:
    """The state of a running ``fit``, shared with callbacks as ``callback.trainer``.

    Attributes: ``model``, ``optimizer``, ``loss_fn``, ``metrics`` (list of
    ``(key, fn)``), ``device``, ``history`` (:class:`History`), ``callbacks``
    (the full list), ``epoch`` (current, 0-based), ``stop_training`` (set it
    to True to stop after the current batch).
    """

    def __init__(self, model, optimizer, loss_fn, metrics, device, dtype):
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.metrics = metrics
        self.device = device
        self.dtype = dtype
        self.history = None
        self.callbacks = []
        self.epoch = 0
        self.stop_training = False

    @property
    def should_stop(self) -> bool:
        """True when a callback asked to stop (here or via ``model.stop_training``)."""
        return bool(self.stop_training or getattr(self.model, "stop_training", False))

    def _log_keys(self, with_loss):
        """The names of the values a pass logs: the loss (when computed), then the metrics."""
        return (["loss"] if with_loss else []) + [key for key, _ in self.metrics]

    def _metric_values(self, out, y):
        if not self.metrics or y is None:
            return {}
        logits, labels = to_numpy(out), to_numpy(y)
        return {key: fn(logits, labels) for key, fn in self.metrics}

    def train_epoch(self, batches, callbacks):
        """One pass of optimiser steps over ``batches``; returns the epoch's mean logs."""
        model, opt = self.model, self.optimizer
        model.train()
        means = _Means()
        seen, start = 0, time.perf_counter()
        step = -1
        for step, batch in enumerate(batches):
            x, y = _split_batch(batch)
            n = _batch_size(x)
            callbacks.on_train_batch_begin(step, {"batch": step, "size": n})
            xt, yt = _to_tensor(x, self.device, self.dtype), _to_tensor(y, self.device, self.dtype)
            opt.zero_grad()
            out = model(xt)
            loss = self.loss_fn(out, yt)
            loss.backward()
            opt.step()
            values = {"loss": float(loss.item())}
            values.update(self._metric_values(out.detach(), y))
            means.add(values, n)
            seen += n
            logs = means.means()
            logs.update(batch=step, size=n,
                        images_per_sec=seen / max(time.perf_counter() - start, 1e-9))
            callbacks.on_train_batch_end(step, logs)
            if _any_rank(self.should_stop):
                self.stop_training = True
                break
        if step < 0:
            raise ValueError("the training data yielded no batches")
        seconds = time.perf_counter() - start
        means.reduce_across_ranks(self._log_keys(True))
        logs = means.means()
        logs["_seconds"], logs["_samples"] = seconds, means.count
        return logs

    def evaluate(self, batches, callbacks=None, with_loss=True, across_ranks=False):
        """Mean loss and metrics over ``batches`` in eval mode without gradients (over every
        rank's batches when ``across_ranks``: a collective, as in ``fit``)."""
        model = self.model
        was_training = getattr(model, "training", False)
        model.eval()
        means = _Means()
        cbs = callbacks or CallbackList()
        cbs.on_test_begin({})
        try:
            with no_grad():
                for step, batch in enumerate(batches):
                    x, y = _split_batch(batch)
                    n = _batch_size(x)
                    cbs.on_test_batch_begin(step, {"batch": step, "size": n})
                    out = model(_to_tensor(x, self.device, self.dtype))
                    values = {}
                    if with_loss and self.loss_fn is not None and y is not None:
                        values["loss"] = float(self.loss_fn(out, _to_tensor(y, self.device,
                                                                            self.dtype)).item())
                    values.update(self._metric_values(out, y))
                    means.add(values, n)
                    cbs.on_test_batch_end(step, dict(means.means(), batch=step, size=n))
        finally:
            model.train(was_training)
        if across_ranks:
            means.reduce_across_ranks(self._log_keys(with_loss and self.loss_fn is not None))
        logs = means.means()
        cbs.on_test_end(logs)
        return logs


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_fit_args(epochs, initial_epoch, optimizer, verbose, seed):
    """One-line errors naming the ``fit`` argument and its value."""
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if not _is_int(value):
            raise TypeError(f"fit: {name} must be an int, got {value!r} ({type(value).__name__})")
        if value < 0:
            raise ValueError(f"fit: {name} must be >= 0, got {value}")
    if epochs < initial_epoch:
        raise ValueError(f"fit: epochs ({epochs}) must be >= initial_epoch ({initial_epoch}); epochs is "
                         "the index of the last epoch + 1, as in Keras")
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "zero_grad") and hasattr(optimizer, "param_groups")):
        raise TypeError(f"fit: optimizer must be a minidl.optim optimizer (e.g. optim.SGD(model.parameters(), "
                        f"lr=0.01)), got {type(optimizer).__name__}")
    if verbose not in (0, 1, 2) or isinstance(verbose, float):
        raise ValueError(f"fit: verbose must be 0 (quiet), 1 (progress bar) or 2 (one line per epoch), "
                         f"got {verbose!r}")
    if seed is not None and (not _is_int(seed) or seed < 0):
        raise ValueError(f"fit: seed must be a non-negative int or None, got {seed!r}")


def fit(model, train_data, *, epochs, optimizer, loss, val_data=None, metrics=("accuracy",),
        callbacks=(), device=None, verbose=1, initial_epoch=0, batch_size=32, shuffle=True,
        seed=None) -> History:
    """Train ``model`` for epochs ``initial_epoch .. epochs-1`` and return its :class:`History`.

    Args:
        model: an ``nn.Module`` returning logits (or any output ``loss`` takes).
        train_data: a DataLoader (any re-iterable of ``(x, y)`` NumPy batches,
            x float (N, ...), y int64 (N,); ``set_epoch(e)`` is called when
            present) or an ``(x, y)`` tuple of arrays, batched here with
            ``batch_size`` and shuffled each epoch when ``shuffle``.
        epochs: index of the last epoch + 1 (Keras): with ``initial_epoch=k``
            the run trains ``epochs - k`` epochs.
        optimizer: an ``optim`` optimiser over the model's parameters.
        loss: a callable ``loss(output, target) -> scalar Tensor`` (e.g.
            ``nn.CrossEntropyLoss()``, ``F.cross_entropy``) or a name
            (``"cross_entropy"``, ``"mse"``, ``"nll"``).
        val_data: like ``train_data`` (never shuffled); evaluated after each
            epoch in eval mode, logged with a ``val_`` prefix.
        metrics: names (``"accuracy"``, ``"top5_accuracy"``) or callables
            ``fn(logits, y) -> float``; accumulated as sample-weighted means.
        callbacks: :class:`~minidl.train.callbacks.Callback` objects.
        device: "cpu" / "gpu" / "cuda": moves the model there; batches follow.
            None keeps the model where it is.
        verbose: 0 quiet, 1 (or Keras' ``"auto"``) a progress bar per epoch, 2 a
            line per epoch (adds a :class:`ProgressBar` unless one is given).
        initial_epoch: the epoch to start at (resuming).
        batch_size, shuffle: for ``(x, y)`` arrays.
        seed: makes each epoch's randomness depend only on ``(seed, epoch)``
            (see the module docstring). A non-negative int or None.

    Returns:
        :class:`History`: ``history`` dict of per-epoch lists with keys
        ``loss``, each metric, ``val_loss`` and ``val_<metric>`` (with
        ``val_data``), ``lr`` (the first group's lr at the end of the epoch's
        training), ``time`` (epoch seconds, incl. validation) and
        ``images_per_sec`` (training samples / training seconds).
    """
    verbose = 1 if isinstance(verbose, str) and verbose == "auto" else verbose  # Keras' default
    _check_fit_args(epochs, initial_epoch, optimizer, verbose, seed)
    dev, dtype = _setup_device(model, device)
    metric_fns = [resolve_metric(m) for m in (metrics or ())]
    trainer = Trainer(model, optimizer, resolve_loss(loss), metric_fns, dev, dtype)
    train = as_batches(train_data, batch_size, shuffle, seed)
    val = as_batches(val_data, batch_size, False) if val_data is not None else None

    history = History()
    cb_list = [history] + list(callbacks)
    if verbose and not any(isinstance(cb, ProgressBar) for cb in callbacks):
        cb_list.insert(1, ProgressBar(verbose))
    trainer.history, trainer.callbacks = history, cb_list
    params = {"epochs": int(epochs), "initial_epoch": int(initial_epoch), "verbose": verbose,
              "steps": len(train) if hasattr(train, "__len__") else None,
              "samples": num_samples(train), "batch_size": batch_size,
              "metrics": [k for k, _ in metric_fns], "do_validation": val is not None}
    cbs = CallbackList(cb_list, trainer, params)

    model.stop_training = False
    cbs.on_train_begin({})
    logs = {}
    for epoch in range(int(initial_epoch), int(epochs)):
        trainer.epoch = epoch
        if seed is not None:
            backend.manual_seed(epoch_seed(seed, epoch))
        if hasattr(train, "set_epoch"):
            train.set_epoch(epoch)
        cbs.on_epoch_begin(epoch, {})
        start = time.perf_counter()
        train_logs = trainer.train_epoch(train, cbs)
        seconds, samples = train_logs.pop("_seconds"), train_logs.pop("_samples")
        logs = dict(train_logs)
        if val is not None:
            val_logs = trainer.evaluate(val, cbs, across_ranks=True)
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
        logs["lr"] = float(optimizer.param_groups[0]["lr"])
        logs["time"] = time.perf_counter() - start
        logs["images_per_sec"] = samples / max(seconds, 1e-9)
        cbs.on_epoch_end(epoch, logs)
        if _any_rank(trainer.should_stop):
            break
    cbs.on_train_end(logs)
    return history


def evaluate(model, data, loss=None, metrics=("accuracy",), batch_size=32, device=None,
             callbacks=()) -> dict:
    """Mean loss (when ``loss`` is given) and metrics of ``model`` over ``data``.

    ``data``: a DataLoader / iterable of ``(x, y)`` batches or an ``(x, y)``
    tuple. Runs in eval mode under ``no_grad`` (the model's mode is restored).
    Returns e.g. ``{"loss": 0.31, "accuracy": 0.9}`` (sample-weighted means).

    >>> import numpy as np, minidl as mdl, minidl.nn as nn
    >>> from minidl.train import evaluate
    >>> model = nn.Linear(2, 2)
    >>> model.weight.data[...] = [[1, 0], [0, 1]]; model.bias.data[...] = 0
    >>> x = np.array([[2.0, 0.0], [0.0, 3.0], [1.0, 0.0]], np.float32); y = np.array([0, 1, 1])
    >>> evaluate(model, (x, y), metrics=("accuracy",))["accuracy"]    # the third is wrong
    0.6666666666666666
    """
    dev, dtype = _setup_device(model, device)
    metric_fns = [resolve_metric(m) for m in (metrics or ())]
    trainer = Trainer(model, None, resolve_loss(loss) if loss is not None else None,
                      metric_fns, dev, dtype)
    batches = as_batches(data, batch_size, False)
    cbs = CallbackList(list(callbacks), trainer, {"metrics": [k for k, _ in metric_fns]})
    return trainer.evaluate(batches, cbs)


def predict(model, data, batch_size=32, device=None) -> np.ndarray:
    """The model's outputs (logits) over ``data`` as one NumPy array (N, ...).

    ``data``: an array ``x`` (N, ...), an ``(x, y)`` tuple, or an iterable of
    ``(x, y)`` / ``x`` batches. Eval mode, ``no_grad``; the mode is restored.

    >>> import numpy as np, minidl.nn as nn
    >>> from minidl.train import predict
    >>> predict(nn.Linear(3, 5), np.zeros((10, 3), np.float32), batch_size=4).shape
    (10, 5)
    """
    dev, dtype = _setup_device(model, device)
    batches = as_batches(data, batch_size, False, allow_bare=True)
    was_training = getattr(model, "training", False)
    model.eval()
    outs = []
    try:
        with no_grad():
            for batch in batches:
                x, _ = _split_batch(batch)
                outs.append(to_numpy(model(_to_tensor(x, dev, dtype))))
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError("predict: the data yielded no batches")
    return np.concatenate(outs, axis=0)


def load_checkpoint(path, model, optimizer=None, callbacks=(), strict=True) -> dict:
    """Restore a ``ModelCheckpoint`` file into ``model`` (and ``optimizer``, and the
    state of ``callbacks`` saved with it); return the checkpoint dict.

    Resume with ``fit(..., initial_epoch=ckpt["epoch"], seed=<the same seed>)``.

    Example::

        ckpt = load_checkpoint("ckpt.h5", model, opt, callbacks=[sched_cb])
        fit(model, loader, epochs=10, optimizer=opt, loss="cross_entropy",
            initial_epoch=ckpt["epoch"], seed=0, callbacks=[sched_cb])
    """
    from minidl import io
    from minidl.nn.parallel import DistributedDataParallel
    if isinstance(model, DistributedDataParallel):  # checkpoints hold the wrapped module's keys
        model = model.module
    ckpt = io.load(path)
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise ValueError(f"{path}: not a checkpoint (expected a dict with 'model'; "
                         f"got {type(ckpt).__name__} with keys {sorted(ckpt)[:8] if isinstance(ckpt, dict) else ''})")
    try:
        model.load_state_dict(ckpt["model"], strict=strict)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise type(exc)(f"{path}: {exc}") from exc
    if optimizer is not None:
        if "optimizer" not in ckpt:
            raise KeyError(f"{path}: the checkpoint has no 'optimizer' entry")
        try:
            optimizer.load_state_dict(ckpt["optimizer"])
        except (ValueError, KeyError) as exc:
            raise type(exc)(f"{path}: {exc}") from exc
    saved = ckpt.get("callbacks") or {}
    for key, cb in state_keys(callbacks, "load_state_dict"):
        if key in saved:
            cb.load_state_dict(saved[key])
    return ckpt

