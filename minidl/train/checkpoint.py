"""ModelCheckpoint, and the rule naming the callback states a checkpoint holds."""
from __future__ import annotations

import os
import warnings

import numpy as np

from minidl.distributed import is_main_process
from minidl.dtypes import is_float_or_complex
from minidl.monitor import improves, initial_best, monitored_value, resolve_mode
from minidl.train.callbacks import Callback, model_weights, unwrap_model

__all__ = ["ModelCheckpoint", "callback_states", "state_keys"]


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

    Weights holding NaN or inf are never written (a warning says so and the
    last good file is kept). In a data-parallel run only rank 0 writes, and a
    ``DistributedDataParallel`` model is saved as the module it wraps (keys
    without ``module.``).
    """

    _missing_message = None  # (Keras' subclasses word the missing-monitor warning their own way)

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
                     else initial_best(self.mode))
        self.last_path = None
        self.saved = []

    def _is_improvement(self, value, reference) -> bool:
        """Whether ``value`` beats the best so far ``reference``."""
        return improves(value, reference, self.mode)

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
            current = monitored_value("ModelCheckpoint (not saving)", self.monitor, logs, self._missing_message)
            if current is None or not self._is_improvement(current, self.best):
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
        model = unwrap_model(self.model)
        config = getattr(model, "config", None)
        if self.save_weights_only:
            io.save(model, path)
            return
        ckpt = {"model": model_weights(model), "epoch": epoch + 1, "logs": logs,
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


def _non_finite_entry(model):
    """The name of the first parameter or buffer of ``model`` holding NaN or inf, else None."""
    for name, value in model.state_dict().items():
        arr = value.numpy() if hasattr(value, "numpy") else np.asarray(value)
        if is_float_or_complex(arr.dtype) and not np.isfinite(arr).all():
            return name
    return None


def state_keys(callbacks, method="state_dict"):
    """``[(key, callback)]`` for the callbacks that have ``method``: the names their states are saved under.

    The key is the class name, with ``_1``, ``_2`` ... for repeats of a class, in
    list order. :class:`ModelCheckpoint` saves with ``"state_dict"`` and
    :func:`minidl.train.load_checkpoint` restores with ``"load_state_dict"``
    under the same keys.
    """
    out, seen = [], {}
    for cb in callbacks:
        if getattr(cb, method, None) is None:
            continue
        name = type(cb).__name__
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append((name if n == 0 else f"{name}_{n}", cb))
    return out


def callback_states(callbacks) -> dict:
    """``{key: state}`` for every callback with ``state_dict`` (keys from :func:`state_keys`)."""
    return {key: cb.state_dict() for key, cb in state_keys(callbacks)}
