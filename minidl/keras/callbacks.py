"""Keras' callbacks (``keras.callbacks``) on top of minidl's own.

EarlyStopping, ReduceLROnPlateau, CSVLogger, TerminateOnNaN, ModelCheckpoint
and LearningRateScheduler are minidl's callbacks
(:mod:`minidl.train.callbacks`) under Keras' names and arguments; only the
Keras-specific edges live here: ``ModelCheckpoint`` writes ``model.save``
(``.keras``) or ``model.save_weights`` (``.weights.h5``) files, the
learning-rate callbacks log ``learning_rate`` as Keras 3 does, and
``LearningRateScheduler`` accepts ``schedule(epoch)`` or ``schedule(epoch, lr)``.
"""
from __future__ import annotations

import os

import numpy as np

from minidl.keras.progbar import Progbar
from minidl.train import callbacks as _cb
from minidl.train import tensorboard as _tb
from minidl.train.history import History as _History

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "ReduceLROnPlateau", "LearningRateScheduler", "TerminateOnNaN",
           "LambdaCallback", "TensorBoard"]


class Callback(_cb.Callback):
    """Base class of Keras callbacks: every hook (training, test, predict, batch) is a no-op.

    ``self.model`` is the Keras model (``self.model.stop_training = True``
    stops training), ``self.params`` holds ``verbose``, ``epochs``, ``steps``.
    """

    def on_batch_begin(self, batch, logs=None):
        """Alias of ``on_train_batch_begin`` (Keras 2)."""

    def on_batch_end(self, batch, logs=None):
        """Alias of ``on_train_batch_end`` (Keras 2)."""

    def on_predict_begin(self, logs=None):
        """Before ``predict``."""

    def on_predict_end(self, logs=None):
        """After ``predict``."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Before each ``predict`` batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """After each ``predict`` batch."""


class CallbackList:
    """Dispatches every hook to each callback (Keras' order: the user's, then History, then the
    progress bar); ``on_train_batch_*`` also calls the Keras-2 ``on_batch_*`` aliases."""

    def __init__(self, callbacks=None, model=None, params=None, trainer=None, add_history=False,
                 add_progbar=False):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not hasattr(cb, "on_epoch_end"):
                raise TypeError(f"callbacks must be keras.callbacks.Callback instances, got "
                                f"{type(cb).__name__}")
        self.history = next((cb for cb in self.callbacks if isinstance(cb, _History)), None)
        if self.history is None and add_history:
            self.history = History()
            self.callbacks.append(self.history)
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        for cb in self.callbacks:
            if trainer is not None and hasattr(cb, "set_trainer"):
                cb.set_trainer(trainer)
            if model is not None:
                cb.set_model(model)
            if params is not None:
                cb.set_params(params)

    def _call(self, name, *args):
        for cb in self.callbacks:
            fn = getattr(cb, name, None)
            if fn is not None:
                fn(*args)

    def __getattr__(self, name):
        if not name.startswith("on_"):
            raise AttributeError(name)

        def call(*args):
            self._call(name, *args)
            if name.startswith("on_train_batch_"):
                self._call(name.replace("on_train_batch_", "on_batch_"), *args)
        return call


class History(_History, Callback):
    """Records the epoch logs: ``history.history`` (key -> list per epoch), ``history.epoch``,
    ``history.params``; ``model.fit`` returns it."""

    def set_model(self, model):
        super().set_model(model)
        model.history = self

    def on_epoch_end(self, epoch, logs=None):
        """Append each logged value to its key's list, as Keras: a key logged only on some epochs
        (``val_loss`` with ``validation_freq=2``) has a shorter list (no NaN padding)."""
        self.epoch.append(int(epoch))
        for key, value in (logs or {}).items():
            scalar = isinstance(value, (int, float)) or (hasattr(value, "item") and getattr(value, "ndim", 0) == 0)
            self.history.setdefault(key, []).append(float(value) if scalar else value)


class ProgbarLogger(Callback):
    """Prints Keras' progress bar (``verbose=1``) or one line per epoch (``verbose=2``)."""

    def __init__(self):
        super().__init__()
        self.progbar, self.seen, self.target = None, 0, None
        self.verbose, self.epochs, self._in_fit = 1, 1, False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _start(self):
        self.seen = 0
        self.progbar = Progbar(self.target, verbose=self.verbose)

    def _update(self, batch, logs):
        if self.progbar is None:
            self._start()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize(self, logs):
        if self.progbar is None:
            self._start()
        if self.target is None:
            self.target = self.progbar.target = self.seen
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._start()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finalize(None)


class _MonitorOp:
    """Keras' ``monitor_op`` (``keras.ops.less`` when the monitored value should fall, else ``greater``) and
    its check of ``mode="auto"``: at the first epoch end the monitored name (``val_`` dropped) must be
    ``loss`` or the name of a compiled metric, or Keras cannot tell the direction and raises."""

    def __init__(self, *args, **kwargs):
        import inspect
        super().__init__(*args, **kwargs)
        bound = inspect.signature(super().__init__).bind(*args, **kwargs)
        self._auto_mode_unchecked = bound.arguments.get("mode", "auto") == "auto"

    @property
    def monitor_op(self):
        """The comparison that says a value improves (from the resolved ``mode``)."""
        from minidl.keras import ops
        return ops.less if self.mode == "min" else ops.greater

    def on_epoch_end(self, epoch, logs=None):
        if getattr(self, "_auto_mode_unchecked", False):
            self._auto_mode_unchecked = False
            _check_auto_monitor(self, self.model)
        super().on_epoch_end(epoch, logs)

    def _is_improvement(self, value, reference) -> bool:
        """Keras' ``monitor_op(value - min_delta, reference)``: ``keras.ops.less``/``greater`` compare in
        float32 (so 0.6 - 0.05 does not beat 0.55)."""
        delta = abs(getattr(self, "min_delta", 0.0))
        if self.mode == "min":
            return bool(np.float32(value + delta) < np.float32(reference))
        return bool(np.float32(value - delta) > np.float32(reference))


def _check_auto_monitor(callback, model):
    from minidl.keras.models.custom_steps import CompileMetrics
    name = callback.monitor.removeprefix("val_")
    if name == "loss" or model is None:
        return
    compiled = [m for c in getattr(model, "metrics", []) if isinstance(c, CompileMetrics) for m in c.metrics]
    if not any(m.name == name for m in compiled):
        raise ValueError(f"{type(callback).__name__} callback received monitor={callback.monitor}, but Keras isn't "
                         "able to automatically determine whether that metric should be maximized or minimized. "
                         "Pass `mode='max'` in order to monitor based on the highest metric value, or pass "
                         "`mode='min'` in order to use the lowest value.")


class TerminateOnNaN(_cb.TerminateOnNaN, Callback):
    """Stop training when the loss becomes NaN or infinite."""


class TensorBoard(_tb.TensorBoard, Callback):
    """Keras' TensorBoard(log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
    write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
    embeddings_metadata=None): the epoch (and every ``update_freq`` batches) losses and metrics
    under Keras' tags in ``log_dir/train`` and ``log_dir/validation`` (needs ``tensorboardX``).
    The model graph is not written (``write_graph`` is accepted and has no effect); images,
    profiling and embeddings raise ``NotImplementedError``."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        for arg, value in (("write_images", write_images), ("write_steps_per_second", write_steps_per_second),
                           ("profile_batch", profile_batch), ("embeddings_freq", embeddings_freq),
                           ("embeddings_metadata", embeddings_metadata)):
            if value:
                raise NotImplementedError(f"TensorBoard: {arg}={value!r} is not supported by minidl.keras")
        update_freq = 1 if update_freq == "batch" else update_freq
        super().__init__(os.fspath(log_dir), histogram_freq=histogram_freq, update_freq=update_freq)
        self.write_graph = bool(write_graph)


class CSVLogger(_cb.CSVLogger, Callback):
    """Keras' CSVLogger(filename, separator=",", append=False): one row per epoch."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__(filename, separator=separator, append=append)

    def _columns(self, logs):
        """Keras' columns: the sorted keys, then (when there is no ``val_`` key) a ``val_`` twin of each,
        written as ``NA`` while there is no validation."""
        keys = sorted(logs)
        if keys and not any(k.startswith("val_") for k in keys):
            keys += [f"val_{k}" for k in keys]
        return keys


def _log_learning_rate(callback, logs):
    if logs is not None and callback.model is not None and getattr(callback.model, "optimizer", None):
        logs["learning_rate"] = float(callback.model.optimizer.learning_rate)


class LearningRateScheduler(_cb.LearningRateScheduler, Callback):
    """Keras' LearningRateScheduler(schedule, verbose=0): at each epoch start the learning rate
    becomes ``schedule(epoch, lr)`` (or ``schedule(epoch)``); logs ``learning_rate``."""

    _message_prefix = "\n"  # Keras prints "\nEpoch 1: LearningRateScheduler setting learning rate to ..."

    def __init__(self, schedule, verbose=0):
        self.schedule = schedule

        def two_args(epoch, lr):
            try:
                value = schedule(epoch, lr)
            except TypeError:
                value = schedule(epoch)
            if not isinstance(value, (float, int)) and not hasattr(value, "__float__"):
                raise ValueError(f"The output of the `schedule` function should be a float. "
                                 f"Got: {value}")
            return float(value)
        super().__init__(two_args, per="epoch", verbose=verbose)

    def on_epoch_end(self, epoch, logs=None):
        _log_learning_rate(self, logs)
        super().on_epoch_end(epoch, logs)


class ModelCheckpoint(_MonitorOp, _cb.ModelCheckpoint, Callback):
    """Keras' ModelCheckpoint(filepath, monitor="val_loss", verbose=0, save_best_only=False,
    save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None).

    ``filepath`` may hold ``{epoch:02d}``/``{val_loss:.2f}`` fields (and ``{batch}`` when saving
    every ``save_freq`` batches); it must end in ``.keras`` (``model.save``) or, with
    ``save_weights_only``, in ``.weights.h5`` (``model.save_weights``). ``save_freq="epoch"``
    saves at each epoch's end; an int saves after every that many training batches (counted
    across epochs), with that batch's logs. When to save (``save_best_only``, ``mode``) is
    minidl's rule.
    """

    _missing_message = "Can save best model only with {monitor} available."

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None):
        path = os.fspath(filepath)
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or integer "
                             "values")
        self.save_freq = save_freq
        self._current_epoch, self._batches_seen, self._batch = 0, 0, None
        if save_weights_only and not path.endswith(".weights.h5"):
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                             f"provided must end in `.weights.h5` (Keras weights format). "
                             f"Received: filepath={path}")
        if not save_weights_only and not path.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={path}")
        super().__init__(path, monitor=monitor, save_best_only=save_best_only, mode=mode,
                         save_weights_only=save_weights_only, verbose=verbose,
                         initial_value_threshold=initial_value_threshold)
        self.filepath = path  # (Keras' attribute name)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen < self.save_freq:
            return
        self._batches_seen, self._batch = 0, batch
        try:  # the epoch-end rules (best value, file name), with this batch's logs
            self._checkpoint(self._current_epoch, logs)
        finally:
            self._batch = None

    def on_epoch_end(self, epoch, logs=None):
        if getattr(self, "_auto_mode_unchecked", False):  # (Keras' _set_monitor_op at the first epoch end)
            self._auto_mode_unchecked = False
            _check_auto_monitor(self, self.model)
        if self.save_freq == "epoch":
            self._checkpoint(epoch, logs)

    def _checkpoint(self, epoch, logs):
        """Save by the epoch-end rules, printing Keras 3.15's messages when ``verbose`` > 0."""
        verbose, self.verbose = self.verbose, 0  # (the base class's own message is not Keras')
        best, count = self.best, len(self.saved)
        try:
            _cb.ModelCheckpoint.on_epoch_end(self, epoch, logs)
        finally:
            self.verbose = verbose
        if not verbose:
            return
        saved = self.saved[-1][1] if len(self.saved) > count else None
        current = (logs or {}).get(self.monitor)
        if self.save_best_only and current is not None:
            unset = self.initial_value_threshold is None and not np.isfinite(best)
            best_text = "None" if unset else f"{float(best):.5f}"
            if saved is None:
                print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_text}", flush=True)
                return
            print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_text} to {float(current):.5f}, saving "
                  f"model to {saved}", flush=True)
        elif saved is not None:
            print(f"\nEpoch {epoch + 1}: saving model to {saved}", flush=True)
        if saved is not None:
            print(f"\nEpoch {epoch + 1}: finished saving model to {saved}", flush=True)

    def _file_path(self, epoch, logs):
        if self._batch is not None and "batch" not in logs and "{batch" in self.path:
            logs = dict(logs, batch=self._batch + 1)
        return super()._file_path(epoch, logs)

    def _save(self, path, epoch, logs):
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``
    (also ``on_epoch_begin``, ``on_train_batch_*``/``on_batch_*``, ``on_train_begin/end``)."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if not name.startswith("on_") or not hasattr(Callback, name):
                raise TypeError(f"LambdaCallback: unknown hook {name!r}")
            setattr(self, name, fn)




# more of Keras' callbacks (appended): BackupAndRestore, SwapEMAWeights, RemoteMonitor
from minidl.keras.callbacks_monitor import EarlyStopping, ReduceLROnPlateau  # noqa: E402
from minidl.keras.callbacks_more import BackupAndRestore, RemoteMonitor, SwapEMAWeights  # noqa: E402

__all__ += ["BackupAndRestore", "SwapEMAWeights", "RemoteMonitor"]
