"""More of Keras 3's callbacks: BackupAndRestore, SwapEMAWeights and RemoteMonitor."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from minidl.keras.callbacks import Callback
from minidl.keras.optimizers import _ema

__all__ = ["BackupAndRestore", "SwapEMAWeights", "RemoteMonitor"]


def _write_text_atomic(path, text):
    """Write ``text`` to ``path`` through a temporary file and a rename (user's umask kept)."""
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _copy_atomic(src, dst):
    """Copy ``src`` to ``dst`` through a temporary file and a rename (a torn copy never replaces ``dst``)."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(dst) or ".")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        shutil.copymode(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class BackupAndRestore(Callback):
    """Back up the model's weights and optimizer state to ``backup_dir`` (``latest.weights.h5`` and
    ``training_metadata.json``) at the end of each epoch (or every ``save_freq`` batches), so that a
    ``fit`` interrupted by an error resumes, in a new ``fit`` call with this callback, from the last
    completed epoch with the same weights and optimizer state. A finished ``fit`` deletes the backup
    (``delete_checkpoint``); ``double_checkpoint`` keeps the previous backup as ``*.bkp``, used when
    the latest one cannot be read."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        self.save_freq, self.double_checkpoint, self.delete_checkpoint = save_freq, double_checkpoint, delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. Expected "
                             "either 'epoch' or an integer value.")

    def on_train_begin(self, logs=None):
        """Restore the backup, if there is one (falling back to the ``.bkp`` copy)."""
        try:
            self._load_model()
        except OSError:
            if not os.path.exists(self._prev_weights_path):
                raise
            _copy_atomic(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                _copy_atomic(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        import h5py

        from minidl.keras.models import saving_weights
        model = self.model
        if not model.built:
            raise ValueError(f"To use the BackupAndRestore callback, you model must be built before you call "
                             f"`fit()`. Model {model} is unbuilt. You can build it beforehand by calling it on a "
                             "batch of data.")
        if os.path.exists(self._weights_path):
            model.load_weights(self._weights_path)
            opt = getattr(model, "optimizer", None)
            if opt is not None:
                with h5py.File(self._weights_path, "r") as f:
                    saving_weights._restore_optimizer(model, f)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                metadata = json.loads(f.read())
            model._initial_epoch = metadata["epoch"]

    def on_epoch_end(self, epoch, logs=None):
        """Back up after each epoch (``save_freq="epoch"``)."""
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        """Back up every ``save_freq`` batches (integer ``save_freq``)."""
        if self._should_save_on_batch(batch):
            self._save_model()

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            _copy_atomic(self._weights_path, self._prev_weights_path)
        if self.double_checkpoint and os.path.exists(self._training_metadata_path):
            _copy_atomic(self._training_metadata_path, self._prev_training_metadata_path)
        self.model.save_weights(self._weights_path, overwrite=True)
        _write_text_atomic(self._training_metadata_path,
                           json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        add = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def on_train_end(self, logs=None):
        """A finished ``fit`` removes the backup (``delete_checkpoint``)."""
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


class SwapEMAWeights(Callback):
    """Evaluate and predict with the moving averages of an optimizer built with ``use_ema=True``:
    the weights and their averages are swapped around ``evaluate``/validation/``predict``
    (``swap_on_epoch=True``: also from each epoch's end to the next epoch's start, so that
    checkpoints written at epoch end hold the averages). Like Keras 3.15, ``on_predict_end``
    leaves the averages in the model (swapped back at the next ``on_test_end``/epoch start)."""

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizer(self):
        opt = self.model.optimizer
        return getattr(opt, "inner_optimizer", opt)

    def _swap_variables(self):
        _ema.swap(self._optimizer())

    def _finalize_ema_values(self):
        _ema.finalize(self._optimizer())

    def on_epoch_begin(self, epoch, logs=None):
        """Put the trained weights back (``swap_on_epoch``)."""
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        """Put the averages in the model (``swap_on_epoch``); after the last epoch they stay."""
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        """Evaluate with the averages."""
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        """Put the trained weights back."""
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        """Predict with the averages."""
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_predict_end(self, logs=None):
        """Keras 3.15's condition, kept: it only swaps when the averages are not in the model."""
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False


class RemoteMonitor(Callback):
    """POST each epoch's logs (with ``epoch``) to ``root + path``: as a form field ``field`` holding
    JSON, or as a JSON body (``send_as_json``); an unreachable server gives a warning."""

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers, self.send_as_json = headers, send_as_json

    def on_epoch_end(self, epoch, logs=None):
        """Send ``{"epoch": epoch, **logs}``."""
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) and np.size(value) == 1 else \
                value.tolist() if isinstance(value, np.ndarray) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except urllib.error.HTTPError:
            pass  # the server answered (Keras' requests.post does not raise on an error status either)
        except (urllib.error.URLError, OSError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
