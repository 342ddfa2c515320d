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
import os
import sys

import numpy as np

from minidl.distributed import is_main_process

__all__ = ["Callback", "CallbackList", "ProgressBar", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "LearningRateScheduler", "ReduceLROnPlateau", "TerminateOnNaN",
           "LambdaCallback", "resolve_mode", "model_weights", "unwrap_model"]


def model_weights(model) -> dict:
    """A NumPy copy of ``model``'s state dict (parameters and buffers)."""
    return {k: np.array(v.numpy(), copy=True) for k, v in model.state_dict().items()}


def unwrap_model(model):
    """The model inside a ``DistributedDataParallel`` (checkpoints hold its un-prefixed keys, so
    they load into a bare model and into a run with any number of ranks); else ``model``."""
    from minidl.nn.parallel import DistributedDataParallel
    return model.module if isinstance(model, DistributedDataParallel) else model


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
        if not is_main_process():
            return
        logs = logs or {}
        if self._file is None:
            self.on_train_begin()
        if self.keys is None:
            self.keys = self._columns(logs)
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

    def _columns(self, logs):
        """The logged keys the file has columns for, fixed by the first epoch's logs: all of them, sorted."""
        return sorted(logs)

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


# The other callback families live in modules of their own; they are importable from here too.
from minidl.monitor import resolve_mode  # noqa: E402
from minidl.train.checkpoint import ModelCheckpoint, callback_states  # noqa: E402,F401
from minidl.train.early_stopping import EarlyStopping, TerminateOnNaN  # noqa: E402
from minidl.train.lr_callbacks import LearningRateScheduler, ReduceLROnPlateau  # noqa: E402
