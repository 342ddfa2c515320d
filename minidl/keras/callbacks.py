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
    stops training), ``self.params`` holds ``verbose``, ``epochs``, ``steps`` (None before ``fit``).
    """

    def __init__(self):
        super().__init__()
        self.params = None

    def on_batch_begin(self, batch, logs=None):
        """Alias of ``on_train_batch_begin`` (Keras 2)."""

    def on_batch_end(self, batch, logs=None):
        """Alias of ``on_train_batch_end`` (Keras 2)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Before each training batch: calls ``on_batch_begin`` (as Keras, for backwards compatibility)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """After each training batch: calls ``on_batch_end`` (as Keras, for backwards compatibility)."""
        self.on_batch_end(batch, logs=logs)

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
    progress bar): ``CallbackList(callbacks=None, add_history=False, add_progbar=False, model=None,
    **params)``, the ``params`` given to every callback's ``set_params``."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, _trainer=None,
                 **params):
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
        if _trainer is not None:
            for cb in self.callbacks:
                if hasattr(cb, "set_trainer"):
                    cb.set_trainer(_trainer)
        self.model = None
        self.set_model(model)
        self.set_params(params)

    def set_params(self, params):
        """Give ``params`` to every callback (when there are any)."""
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model):
        """Give ``model`` to every callback (when it is not None)."""
        if model is None:
            return
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def append(self, callback):
        """Add a callback at the end."""
        self.callbacks.append(callback)

    def _call(self, name, *args):
        for cb in self.callbacks:
            fn = getattr(cb, name, None)
            if fn is not None:
                fn(*args)

    def __getattr__(self, name):
        if not name.startswith("on_"):
            raise AttributeError(name)

        indexed = name.startswith(("on_epoch_", "on_batch_")) or "_batch_" in name
        n_args = 2 if indexed else 1

        def call(*args, logs=None):
            args = args + (logs,) if len(args) < n_args else args
            if args and args[-1] is None and len(args) == n_args:  # (Keras hands {} for missing logs)
                args = args[:-1] + ({},)
            if "batch" in name and len(args) == 2:  # (Keras passes a batch hook's logs by keyword)
                for cb in self.callbacks:
                    fn = getattr(cb, name, None)
                    if fn is not None:
                        fn(args[0], logs=args[1])
                return
            self._call(name, *args)
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
        self.verbose, self.epochs, self._called_in_fit = 1, 1, False

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
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._start()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finalize(None)


class TerminateOnNaN(Callback):
    """Stop training when the loss becomes NaN or infinite (``raise_error=True``: raise RuntimeError)."""

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        """Check the batch's loss."""
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                                   "Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training", flush=True)
            self.model.stop_training = True


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


class CSVLogger(Callback):
    """Stream the epoch results to a CSV file (Keras' ``CSVLogger``): an ``epoch`` column, then the
    sorted logged keys (with a ``val_`` twin of each, written ``NA``, when no ``val_`` key is logged).

    ``append=True`` appends to an existing file (writing the header only when it is empty).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        """Open the file (``"a"`` or ``"w"``)."""
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode)
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        """Write the epoch's row (the header first)."""
        import collections
        import csv
        logs = logs or {}

        def handle_value(k):
            if isinstance(k, str):
                return k
            if isinstance(k, collections.abc.Iterable) and not (isinstance(k, np.ndarray) and k.ndim == 0):
                return '"[' + ", ".join(map(str, k)) + ']"'
            return k

        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if not self.writer:
            class CustomDialect(csv.excel):
                delimiter = self.sep
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + (self.keys or []),
                                         dialect=CustomDialect)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        """Close the file."""
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class LearningRateScheduler(Callback):
    """Keras' LearningRateScheduler(schedule, verbose=0): at each epoch start the optimizer's learning
    rate becomes ``schedule(epoch, lr)`` (or ``schedule(epoch)``), which must return a float; logs
    ``learning_rate`` at each epoch end."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:  # new API
            learning_rate = float(np.asarray(optimizer.learning_rate))
            learning_rate = self.schedule(epoch, learning_rate)
        except TypeError:  # the old API: schedule(epoch)
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        """Set the epoch's learning rate."""
        optimizers = getattr(self.model.optimizer, "optimizers", None)
        for opt in optimizers if optimizers is not None else [self.model.optimizer]:
            learning_rate = self._update_optimizer_lr(opt, epoch)
            if self.verbose > 0:
                name = f"{opt.name} " if optimizers is not None else ""
                print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {name}learning rate to {learning_rate}.",
                      flush=True)

    def on_epoch_end(self, epoch, logs=None):
        """Log the learning rate."""
        logs = logs if logs is not None else {}
        optimizers = getattr(self.model.optimizer, "optimizers", None)
        if optimizers is not None:
            for opt in optimizers:
                logs[f"learning_rate_{opt.name}"] = float(np.asarray(opt.learning_rate))
        else:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))


class LambdaCallback(Callback):
    """A callback from functions (Keras' ``LambdaCallback``): ``on_epoch_begin``/``on_epoch_end``
    (``epoch, logs``), ``on_train_begin``/``on_train_end`` (``logs``), ``on_train_batch_begin``/
    ``on_train_batch_end`` (``batch, logs``); any other keyword becomes an attribute (``on_batch_end=``)."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        for name, fn in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                         ("on_train_begin", on_train_begin), ("on_train_end", on_train_end),
                         ("on_train_batch_begin", on_train_batch_begin), ("on_train_batch_end", on_train_batch_end)):
            if fn is not None:
                setattr(self, name, fn)


# more of Keras' callbacks (appended): BackupAndRestore, SwapEMAWeights, RemoteMonitor
from minidl.keras.callbacks_checkpoint import ModelCheckpoint  # noqa: E402
from minidl.keras.callbacks_monitor import EarlyStopping, ReduceLROnPlateau  # noqa: E402
from minidl.keras.callbacks_more import BackupAndRestore, RemoteMonitor, SwapEMAWeights  # noqa: E402

__all__ += ["BackupAndRestore", "SwapEMAWeights", "RemoteMonitor"]
