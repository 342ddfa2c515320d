"""The ``TensorBoard`` callback: ``fit``'s metrics as TensorBoard event files (Keras' layout).

Training values go to ``log_dir/train``, validation values (the ``val_*``
logs, with the prefix dropped) to ``log_dir/validation``, under Keras' tags
``epoch_loss``, ``epoch_accuracy``, ``epoch_learning_rate``..., so training
and validation curves share one chart. Needs ``tensorboardX``
(``pip install minidl[tensorboard]``).
"""
from __future__ import annotations

import numbers
import os

from minidl.train.callbacks import Callback

__all__ = ["TensorBoard"]

_SKIP = {"batch", "size", "time", "epoch"}


class TensorBoard(Callback):
    """Log ``fit``'s per-epoch values (and optionally per-batch ones) for TensorBoard.

    Args:
        log_dir: folder of the run (``train/`` and ``validation/`` are created in it).
        histogram_freq: every this many epochs, log a histogram of each parameter
            (0: never).
        update_freq: ``"epoch"``, or an int N: also log the running training
            loss and metrics every N batches (tags ``batch_<name>``).

    Example::

        fit(model, train_loader, epochs=10, optimizer=opt, loss="cross_entropy",
            val_data=val_loader, callbacks=[TensorBoard("logs/run1")])
    """

    def __init__(self, log_dir="logs", histogram_freq=0, update_freq="epoch"):
        super().__init__()
        if update_freq != "epoch" and (not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError(f"update_freq must be 'epoch' or a positive int, got {update_freq!r}")
        if int(histogram_freq) < 0:
            raise ValueError(f"histogram_freq must be >= 0, got {histogram_freq}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.update_freq = update_freq
        self._writers = {}
        self._step = 0

    def _writer(self, which):
        if which not in self._writers:
            from minidl.utils.tensorboard import SummaryWriter
            self._writers[which] = SummaryWriter(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_train_begin(self, logs=None):
        self._writer("train")  # fail early when tensorboardX is missing
        self._step = 0

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self.update_freq == "epoch" or self._step % self.update_freq:
            return
        w = self._writer("train")
        for name, value in (logs or {}).items():
            if name not in _SKIP and isinstance(value, numbers.Number):
                w.add_scalar(f"batch_{name}", value, self._step)

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            if name in _SKIP or not isinstance(value, numbers.Number):
                continue
            if name.startswith("val_"):
                self._writer("validation").add_scalar(f"epoch_{name[4:]}", value, epoch)
            elif name == "lr":
                self._writer("train").add_scalar("epoch_learning_rate", value, epoch)
            else:
                self._writer("train").add_scalar(f"epoch_{name}", value, epoch)
        if self.histogram_freq and (epoch + 1) % self.histogram_freq == 0 and self.model is not None:
            w = self._writer("train")
            for pname, p in self.model.named_parameters():
                w.add_histogram(pname, p, epoch)
        for w in self._writers.values():
            w.flush()

    def on_train_end(self, logs=None):
        for w in self._writers.values():
            w.close()
        self._writers = {}
