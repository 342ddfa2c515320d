"""Callbacks: small hook objects around the ``fit`` loop, with Keras' hook names.

Writing your own
----------------
Subclass :class:`Callback` and override the hooks you need; each receives
``logs``, a dict of the values logged so far (don't keep it, copy it):

==============================================  =====================================================
hook                                            ``logs`` holds
==============================================  =====================================================
``on_train_begin(logs)`` / ``on_train_end``     {} / the last epoch's logs
``on_epoch_begin(epoch, logs)``                 {} (``epoch`` is 0-based)
``on_train_batch_begin(batch, logs)``           ``batch``, ``size``
``on_train_batch_end(batch, logs)``             running means of ``loss`` and metrics over the epoch
                                                so far, ``images_per_sec``, ``batch``, ``size``
``on_test_begin(logs)`` / ``on_test_end``       {} / the validation values (without ``val_``)
``on_test_batch_begin/end(batch, logs)``        as for training batches
``on_epoch_end(epoch, logs)``                   ``loss``, metrics, ``val_*``, ``lr``, ``time``,
                                                ``images_per_sec``
==============================================  =====================================================

Inside a hook, ``self.model`` is the model, ``self.optimizer`` the optimiser,
``self.params`` the run's parameters (``epochs``, ``steps``, ``verbose``,
``initial_epoch``, ``metrics``, ``do_validation``), ``self.trainer`` the running
fit state (``epoch``, ``history``, ``callbacks``). Stop training with
``self.model.stop_training = True`` (or ``self.trainer.stop_training = True``):
the loop finishes the current batch, then validates and ends the epoch.

Example::

    class PrintValLoss(Callback):
        def on_epoch_end(self, epoch, logs=None):
            print(f"epoch {epoch + 1}: val_loss={logs['val_loss']:.4f}")
            if logs["val_loss"] < 0.01:
                self.model.stop_training = True

    fit(model, (x, y), epochs=10, optimizer=opt, loss="cross_entropy",
        val_data=(xv, yv), callbacks=[PrintValLoss()])

A callback with ``state_dict()`` / ``load_state_dict(d)`` has its state saved in
``ModelCheckpoint`` checkpoints (under ``"callbacks"``) and restored by
:func:`minidl.train.load_checkpoint`.
"""
from __future__ import annotations

import csv
import math
import os
import sys
import warnings

import numpy as np

from minidl.distributed import is_main_process

__all__ = ["Callback", "CallbackList", "ProgressBar", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "LearningRateScheduler", "ReduceLROnPlateau", "TerminateOnNaN",
           "LambdaCallback", "resolve_mode"]


def resolve_mode(mode: str, monitor: str) -> str:
    """``"min"`` or ``"max"``; ``"auto"`` is ``"max"`` for accuracy-like names
    (containing ``acc``, or ending in ``auc``/``f1``), else ``"min"``."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.lower()
    return "max" if "acc" in name or name.endswith(("auc", "f1")) else "min"


def _model_weights(model) -> dict:
    """A NumPy copy of ``model``'s state dict (parameters and buffers)."""
    return {k: np.array(v.numpy(), copy=True) for k, v in model.state_dict().items()}


def _non_finite_entry(model):
    """The name of the first parameter or buffer of ``model`` holding NaN or inf, else None."""
    for name, value in model.state_dict().items():
        arr = value.numpy() if hasattr(value, "numpy") else np.asarray(value)
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            return name
    return None


def _set_lr(optimizer, lr) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def _get_lr(optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _monitored(callback, logs):
    """The value of ``callback.monitor`` in ``logs``, or None with a warning naming what is there."""
    current = (logs or {}).get(callback.monitor)
    if current is None:
        warnings.warn(f"{type(callback).__name__}: '{callback.monitor}' is not in the logs "
                      f"(available: {sorted(logs or {})})", RuntimeWarning, stacklevel=3)
    return current


class Callback:
    """Base class of callbacks: every hook is a no-op (see the module docstring)."""

    def __init__(self):
        self.model = None
        self.params = {}
        self.trainer = None

    # wiring, done by the loop
    def set_model(self, model):
        """Called once before training with the model."""
        self.model = model

    def set_params(self, params):
        """Called once before training with the run's parameters (a dict)."""
        self.params = params

    def set_trainer(self, trainer):
        """Called once before training with the fit state (model, optimizer, history ...)."""
        self.trainer = trainer

    @property
    def optimizer(self):
        """The optimiser of the running fit (None outside ``fit``)."""
        return getattr(self.trainer, "optimizer", None)

    def request_stop(self):
        """Ask the loop to stop after the current batch."""
        if self.trainer is not None:
            self.trainer.stop_training = True
        if self.model is not None:
            self.model.stop_training = True

    # hooks
    def on_train_begin(self, logs=None):
        """Before the first epoch."""

    def on_train_end(self, logs=None):
        """After the last epoch (``logs``: the last epoch's logs)."""

    def on_epoch_begin(self, epoch, logs=None):
        """At the start of epoch ``epoch`` (0-based)."""

    def on_epoch_end(self, epoch, logs=None):
        """At the end of epoch ``epoch``, after validation; ``logs`` holds everything logged."""

    def on_train_batch_begin(self, batch, logs=None):
        """Before training batch ``batch`` (0-based within the epoch)."""

    def on_train_batch_end(self, batch, logs=None):
        """After the optimiser step of batch ``batch``; ``logs``: running epoch means."""

    def on_test_begin(self, logs=None):
        """Before validation / evaluation."""

    def on_test_end(self, logs=None):
        """After validation / evaluation; ``logs``: its results."""

    def on_test_batch_begin(self, batch, logs=None):
        """Before evaluation batch ``batch``."""

    def on_test_batch_end(self, batch, logs=None):
        """After evaluation batch ``batch``; ``logs``: running means."""


class CallbackList:
    """Calls each hook on every callback, in order."""

    _HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
              "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
              "on_test_batch_begin", "on_test_batch_end")

    def __init__(self, callbacks=(), trainer=None, params=None):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, got {type(cb).__name__}")
            if trainer is not None:
                cb.set_trainer(trainer)
                cb.set_model(trainer.model)
            if params is not None:
                cb.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __getattr__(self, name):
        if name not in self._HOOKS:
            raise AttributeError(name)

        def call(*args):
            for cb in self.callbacks:
                getattr(cb, name)(*args)
        return call


# --------------------------------------------------------------------- progress
class ProgressBar(Callback):
    """A tqdm bar per epoch, with the running loss, metrics and images/s.

    Args:
        verbose: 1 = a bar per epoch; 2 = one printed line per epoch;
            0 = quiet.
        file: where to write (default ``sys.stderr``).
    """

    def __init__(self, verbose: int = 1, file=None):
        super().__init__()
        self.verbose = int(verbose)
        self.file = file
        self._bar = None

    @staticmethod
    def _fmt(logs, skip=("batch", "size")):
        out = {}
        for k, v in logs.items():
            if k in skip or not isinstance(v, (int, float)):
                continue
            if k == "images_per_sec":
                out["img/s"] = f"{v:.0f}"
            elif k == "lr":
                out[k] = f"{v:.3g}"
            elif k != "time":
                out[k] = f"{v:.4f}"
        return out

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose != 1 or not is_main_process():
            return
        from tqdm.auto import tqdm
        epochs = self.params.get("epochs", "?")
        self._bar = tqdm(total=self.params.get("steps"), desc=f"Epoch {epoch + 1}/{epochs}",
                         unit="batch", file=self.file or sys.stderr, leave=True, dynamic_ncols=True)

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is not None:
            self._bar.set_postfix(self._fmt(logs or {}), refresh=False)
            self._bar.update(1)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._bar is not None:
            self._bar.set_postfix(self._fmt(logs), refresh=True)
            self._bar.close()
            self._bar = None
        elif self.verbose == 2 and is_main_process():
            parts = [f"{k}={v}" for k, v in self._fmt(logs).items()]
            t = logs.get("time")
            head = f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}"
            if isinstance(t, (int, float)):
                head += f" ({t:.1f}s)"
            print(head + " - " + " - ".join(parts), file=self.file or sys.stdout, flush=True)

    def on_train_end(self, logs=None):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


# ------------------------------------------------------------------- stopping
class EarlyStopping(Callback):
    """Stop when ``monitor`` has stopped improving (Keras semantics).

    Each epoch the wait counter goes up by one; an improvement (``current``
    better than the best by more than ``min_delta``, in the direction of
    ``mode``) records the new best and resets the counter to 0 (if ``baseline``
    is set, only when ``current`` also beats the baseline). When the counter
    reaches ``patience`` (and this is not the first epoch), training stops and
    ``stopped_epoch`` records the epoch. With ``restore_best_weights``, the
    model gets the weights of the best epoch back at the end of training.

    Args:
        monitor: key of the epoch logs, e.g. ``"val_loss"``, ``"val_accuracy"``.
        min_delta: minimum change that counts as an improvement (>= 0).
        patience: epochs without improvement before stopping.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy-like names).
        baseline: a value the monitor must beat for the counter to reset.
        restore_best_weights: restore the best epoch's weights at the end.
        start_from_epoch: epochs to wait before monitoring starts.

    Attributes: ``best``, ``best_epoch``, ``wait``, ``stopped_epoch`` (0 when
    it did not stop).
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = int(start_from_epoch)
        self.mode = resolve_mode(mode, monitor)
        self.min_delta = abs(float(min_delta)) * (1 if self.mode == "max" else -1)
        self._reset()

    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = -math.inf if self.mode == "max" else math.inf
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value, reference):
        if self.mode == "max":
            return value - self.min_delta > reference
        return value - self.min_delta < reference

    def on_train_begin(self, logs=None):
        if not getattr(self, "_restored", False):
            self._reset()
        self._restored = False

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(self, logs)
        if current is None:
            return
        if epoch < self.start_from_epoch:
            return
        current = float(current)
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = _model_weights(_unwrap(self.model))  # if nothing ever improves
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _model_weights(_unwrap(self.model))
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.request_stop()

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            _unwrap(self.model).load_state_dict(self.best_weights)

    def state_dict(self):
        """Counters and best value, and the best weights with ``restore_best_weights``
        (so a resumed run restores the same weights at its end)."""
        state = {"wait": self.wait, "best": self.best, "best_epoch": self.best_epoch,
                 "stopped_epoch": self.stopped_epoch}
        if self.restore_best_weights and self.best_weights is not None:
            state["best_weights"] = self.best_weights
        return state

    def load_state_dict(self, state):
        """Restore :meth:`state_dict`'s values."""
        for k in ("wait", "best", "best_epoch", "stopped_epoch", "best_weights"):
            if k in state:
                setattr(self, k, state[k])
        self._restored = True  # the next on_train_begin keeps these


class TerminateOnNaN(Callback):
    """Stop training as soon as the loss becomes NaN or infinite."""

    def __init__(self):
        super().__init__()
        self.stopped_batch = None

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: invalid loss, terminating training", file=sys.stderr)
            self.stopped_batch = batch
            self.request_stop()


# ---------------------------------------------------------------- checkpoints
class ModelCheckpoint(Callback):
    """Save a checkpoint at the end of each epoch (or only when ``monitor`` improves).

    The file (written atomically with :func:`minidl.io.save`, HDF5 or npz by
    extension) holds the dict::

        {"model": state dict, "optimizer": optimizer state dict,
         "epoch": number of epochs completed (the ``initial_epoch`` to resume from),
         "history": the History dict so far, "logs": this epoch's logs,
         "monitor": monitor, "best": best value, "config": model.config (zoo models),
         "callbacks": {name: state} of callbacks with a state_dict}

    Args:
        path: file name; may hold format fields filled from the epoch
            (1-based, as in Keras) and the logs: ``"ckpt-{epoch:02d}-{val_loss:.3f}.h5"``.
        monitor: logged key deciding "best" (for ``save_best_only``).
        save_best_only: save only when ``monitor`` improves on the best so far.
        mode: ``"min"``, ``"max"`` or ``"auto"``.
        save_weights_only: write just the model's state dict (+ config).
        initial_value_threshold: a value the first saved epoch must beat.

    Attributes: ``best``, ``last_path`` (the last file written), ``saved``
    (list of ``(epoch, path)``).

    In a data-parallel run only rank 0 writes, and a ``DistributedDataParallel``
    model is saved as the module it wraps (keys without ``module.``).
    """

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto",
                 save_weights_only=False, verbose=0, initial_value_threshold=None):
        super().__init__()
        self.path = os.fspath(path)
        self.monitor = monitor
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.verbose = verbose
        self.mode = resolve_mode(mode, monitor)
        self.initial_value_threshold = initial_value_threshold
        self.best = (initial_value_threshold if initial_value_threshold is not None
                     else (-math.inf if self.mode == "max" else math.inf))
        self.last_path = None
        self.saved = []

    def _better(self, current):
        return current > self.best if self.mode == "max" else current < self.best

    def _file_path(self, epoch, logs):
        try:
            return self.path.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as exc:
            raise KeyError(f"ModelCheckpoint: cannot fill the path {self.path!r} from epoch and "
                           f"logs {sorted(logs)} ({exc!r})") from exc

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        bad = _non_finite_entry(self.model)
        if bad is not None:  # never overwrite a good checkpoint with diverged weights
            kept = f"the last good checkpoint {self.last_path} is kept" if self.last_path else "nothing saved"
            warnings.warn(f"ModelCheckpoint: epoch {epoch + 1} not saved: '{bad}' holds NaN or inf; {kept}",
                          RuntimeWarning, stacklevel=2)
            return
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"ModelCheckpoint: '{self.monitor}' is not in the logs "
                              f"(available: {sorted(logs)}); skipping", RuntimeWarning, stacklevel=2)
                return
            if not self._better(float(current)):
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{float(current):.5f}, saving model")
            self.best = float(current)
        path = self._file_path(epoch, logs)
        self._save(path, epoch, logs)
        self.last_path = path
        self.saved.append((epoch, path))

    def _save(self, path, epoch, logs):
        if not is_main_process():  # rank 0 writes; every rank keeps the same `best`
            return
        from minidl import io
        model = _unwrap(self.model)
        config = getattr(model, "config", None)
        if self.save_weights_only:
            io.save(model, path)
            return
        ckpt = {"model": _model_weights(model), "epoch": epoch + 1, "logs": logs,
                "monitor": self.monitor, "best": self.best}
        if self.optimizer is not None:
            ckpt["optimizer"] = self.optimizer.state_dict()
        history = getattr(self.trainer, "history", None)
        if history is not None:
            ckpt["history"] = {k: list(v) for k, v in history.history.items()}
            ckpt["history_epochs"] = list(history.epoch)
        if config is not None:
            ckpt["config"] = config
        states = callback_states(getattr(self.trainer, "callbacks", ()))
        if states:
            ckpt["callbacks"] = states
        io.save(ckpt, path)

    def state_dict(self):
        """The best value so far."""
        return {"best": self.best}

    def load_state_dict(self, state):
        """Restore the best value."""
        self.best = state.get("best", self.best)


def _unwrap(model):
    """The model inside a ``DistributedDataParallel`` (checkpoints hold its un-prefixed keys, so
    they load into a bare model and into a run with any number of ranks)."""
    from minidl.nn.parallel import DistributedDataParallel
    return model.module if isinstance(model, DistributedDataParallel) else model


def callback_states(callbacks) -> dict:
    """``{name: state}`` for every callback with ``state_dict`` (name: class, ``_1``... for repeats)."""
    out, seen = {}, {}
    for cb in callbacks:
        fn = getattr(cb, "state_dict", None)
        if fn is None:
            continue
        name = type(cb).__name__
        n = seen.get(name, 0)
        seen[name] = n + 1
        out[name if n == 0 else f"{name}_{n}"] = fn()
    return out


# --------------------------------------------------------------------- logging
class CSVLogger(Callback):
    """Write one CSV row per epoch: ``epoch`` (0-based, as in Keras) then every logged key, sorted.

    In a data-parallel run only rank 0 writes.

    The header is written when the file is new or empty (or ``append=False``);
    each row is flushed at once. Keys that are missing in an epoch are written
    as ``NA``. Floats are written with full precision (``repr``).
    """

    def __init__(self, path, separator=",", append=False):
        super().__init__()
        self.path = os.fspath(path)
        self.sep = separator
        self.append = append
        self.keys = None
        self._file = None
        self._writer = None

    def on_train_begin(self, logs=None):
        if not is_main_process():
            return
        parent = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(parent, exist_ok=True)
        has_content = self.append and os.path.exists(self.path) and os.path.getsize(self.path) > 0
        self._write_header = not has_content
        self._file = open(self.path, "a" if self.append else "w", newline="")
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not is_main_process():
            return
        if self._file is None:
            self.on_train_begin()
        if self.keys is None:
            self.keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch"] + self.keys,
                                          delimiter=self.sep, extrasaction="ignore")
            if self._write_header:
                self._writer.writeheader()
        row = {"epoch": epoch}
        for k in self.keys:
            v = logs.get(k, "NA")
            row[k] = repr(float(v)) if isinstance(v, (float, np.floating)) else v
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    Any hook name of :class:`Callback` may be given as a keyword.
    """

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if name not in CallbackList._HOOKS:
                raise TypeError(f"LambdaCallback: unknown hook {name!r}")
            setattr(self, name, fn)


# ------------------------------------------------------------------ lr control
def _is_plateau(scheduler) -> bool:
    return type(scheduler).__name__ == "ReduceLROnPlateau" and hasattr(scheduler, "num_bad_epochs")


class LearningRateScheduler(Callback):
    """Drive a learning-rate schedule from the fit loop.

    Args:
        scheduler: an ``optim.lr_scheduler`` object (stepped with ``.step()``;
            ``optim.lr_scheduler.ReduceLROnPlateau`` with ``.step(logs[monitor])``),
            or a Keras-style function ``schedule(epoch, lr) -> new lr`` applied
            to every group at the start of each epoch.
        per: ``"epoch"`` (step once after each epoch, PyTorch's convention) or
            ``"batch"`` (after each optimiser step). Default: ``"batch"`` for
            ``InverseTimeDecay`` (Keras' per-iteration ``decay``), else ``"epoch"``.
        monitor: the logged value fed to a plateau scheduler.

    >>> import minidl.nn as nn, minidl.optim as optim
    >>> opt = optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
    >>> LearningRateScheduler(optim.lr_scheduler.InverseTimeDecay(opt, decay=0.01)).per
    'batch'
    """

    def __init__(self, scheduler, per=None, monitor="val_loss", verbose=0):
        super().__init__()
        self.scheduler = scheduler
        self.monitor = monitor
        self.verbose = verbose
        self.is_function = not hasattr(scheduler, "step")
        if per is None:
            per = "batch" if type(scheduler).__name__ == "InverseTimeDecay" else "epoch"
        if per not in ("epoch", "batch"):
            raise ValueError(f"per must be 'epoch' or 'batch', got {per!r}")
        if self.is_function and per != "epoch":
            raise ValueError("a schedule function is applied per epoch")
        if _is_plateau(scheduler) and per != "epoch":
            raise ValueError("ReduceLROnPlateau steps once per epoch")
        self.per = per

    def on_epoch_begin(self, epoch, logs=None):
        if self.is_function:
            lr = float(self.scheduler(epoch, _get_lr(self.optimizer)))
            if not math.isfinite(lr):
                raise ValueError(f"the schedule returned lr={lr} for epoch {epoch}")
            _set_lr(self.optimizer, lr)
            if self.verbose:
                print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_train_batch_end(self, batch, logs=None):
        if self.per == "batch":
            self.scheduler.step()

    def on_epoch_end(self, epoch, logs=None):
        if self.is_function or self.per != "epoch":
            return
        if _is_plateau(self.scheduler):
            value = (logs or {}).get(self.monitor)
            if value is None:
                warnings.warn(f"LearningRateScheduler: '{self.monitor}' is not in the logs",
                              RuntimeWarning, stacklevel=2)
                return
            self.scheduler.step(float(value))
        else:
            self.scheduler.step()

    def state_dict(self):
        """The scheduler's state (empty for a schedule function)."""
        fn = getattr(self.scheduler, "state_dict", None)
        return fn() if fn is not None else {}

    def load_state_dict(self, state):
        """Restore the scheduler's state."""
        fn = getattr(self.scheduler, "load_state_dict", None)
        if fn is not None and state:
            fn(dict(state))


class ReduceLROnPlateau(Callback):
    """Multiply every group's lr by ``factor`` once ``monitor`` has not improved for
    ``patience`` epochs (Keras semantics).

    An improvement is ``current < best - min_delta`` (mode min) or
    ``current > best + min_delta`` (mode max). After a reduction, ``cooldown``
    epochs pass during which the wait counter stays at 0. The lr never goes
    below ``min_lr``; no reduction happens once it is there.

    Attributes: ``best``, ``wait``, ``cooldown_counter``.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.mode = resolve_mode(mode, monitor)
        self.min_delta = float(min_delta)
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)
        self._reset()

    def _reset(self):
        self.best = -math.inf if self.mode == "max" else math.inf
        self.wait = 0
        self.cooldown_counter = 0

    def _improved(self, current):
        if self.mode == "max":
            return current > self.best + self.min_delta
        return current < self.best - self.min_delta

    def in_cooldown(self) -> bool:
        """True during the cooldown epochs after a reduction."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        if not getattr(self, "_restored", False):
            self._reset()
        self._restored = False

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(self, logs)
        if current is None:
            return
        current = float(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = False
                for group in self.optimizer.param_groups:
                    old = float(group["lr"])
                    if old > np.float32(self.min_lr):
                        group["lr"] = max(old * self.factor, self.min_lr)
                        reduced = True
                if reduced:
                    if self.verbose:
                        print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {_get_lr(self.optimizer)}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def state_dict(self):
        """Counters and best value."""
        return {"best": self.best, "wait": self.wait, "cooldown_counter": self.cooldown_counter}

    def load_state_dict(self, state):
        """Restore :meth:`state_dict`'s values."""
        for k in ("best", "wait", "cooldown_counter"):
            if k in state:
                setattr(self, k, state[k])
        self._restored = True  # the next on_train_begin keeps these

