"""``SummaryWriter`` (PyTorch's ``torch.utils.tensorboard``) writing TensorBoard event files.

The event files are written by the ``tensorboardX`` package, an optional
dependency (``pip install minidl[tensorboard]``); minidl Tensors are turned
into NumPy arrays on the way. View the logs with ``tensorboard --logdir runs``.

>>> import tempfile
>>> with SummaryWriter(tempfile.mkdtemp()) as w:    # doctest: +SKIP
...     w.add_scalar("loss", 0.5, global_step=1)
"""
from __future__ import annotations

import contextlib
import itertools
import os
import time

import numpy as np

__all__ = ["SummaryWriter"]


def _tensorboardx():
    try:
        import tensorboardX
    except ImportError as exc:
        raise ImportError("minidl.utils.tensorboard needs the tensorboardX package: "
                          "pip install minidl[tensorboard] (or pip install tensorboardX)") from exc
    return tensorboardX


@contextlib.contextmanager
def _verbatim_tags():
    """Keep tags as given ('training loss', 'T-shirt/top'), as PyTorch's writer does: tensorboardX would
    rewrite characters TensorFlow op names disallow (a space becomes '_') and log a warning."""
    from tensorboardX import summary
    cleaner = getattr(summary, "_clean_tag", None)
    if cleaner is None:
        yield
        return
    summary._clean_tag = lambda name: name
    try:
        yield
    finally:
        summary._clean_tag = cleaner


_file_uid = itertools.count()


def _unique_suffix(filename_suffix) -> str:
    """PyTorch's event-file naming, ``events.out.tfevents.<time>.<host>.<pid>.<uid><suffix>``: a writer
    reopened after ``close()`` within the same second gets a new file instead of overwriting the last one
    (tensorboardX names files by time and host only)."""
    return f".{os.getpid()}.{next(_file_uid)}{filename_suffix}"


def _numpy(value):
    from .. import backend
    from ..tensor import Tensor
    if isinstance(value, Tensor):
        value = value.array
    return backend.to_numpy(value)


def _scalar(value) -> float:
    arr = _numpy(value)
    if arr.size != 1:
        raise ValueError(f"a scalar needs one value, got shape {arr.shape}")
    return float(arr.reshape(()))


class SummaryWriter:
    """Write scalars, images, histograms, figures, PR curves, embeddings, hyperparameters and the model graph
    for TensorBoard into ``log_dir``.

    log_dir: the run's folder (None: ``runs/<date>_<host><comment>``, as
    PyTorch). Values may be minidl Tensors, NumPy arrays or numbers. Usable as
    a context manager (closed on exit).
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        tbx = _tensorboardx()
        self._writer = tbx.SummaryWriter(logdir=None if log_dir is None else str(log_dir),
                                         comment=comment, purge_step=purge_step,
                                         max_queue=max_queue, flush_secs=flush_secs,
                                         filename_suffix=_unique_suffix(filename_suffix))
        self._filename_suffix = filename_suffix
        self.log_dir = self._writer.logdir

    def get_logdir(self) -> str:
        """The folder the event files go to."""
        return self.log_dir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None):
        """Log one number (a Python number, 1-element array or Tensor) under ``tag``."""
        with _verbatim_tags():
            self._writer.add_scalar(tag, _scalar(scalar_value), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Log several related numbers ``{name: value}`` under ``main_tag``: one sub-run each, in PyTorch's folder
        ``<log_dir>/<main_tag with '/' as '_'>_<name>`` (tensorboardX would nest ``<main_tag>/<name>``)."""
        from tensorboardX import FileWriter
        from tensorboardX.summary import scalar
        writer = self._writer
        walltime = time.time() if walltime is None else walltime
        log_dir = str(writer._get_file_writer().get_logdir())
        for tag, value in tag_scalar_dict.items():
            run_dir = log_dir + "/" + main_tag.replace("/", "_") + "_" + tag
            run_writer = writer.all_writers.get(run_dir)
            if run_writer is None:
                run_writer = FileWriter(logdir=run_dir, max_queue=writer._max_queue, flush_secs=writer._flush_secs,
                                        filename_suffix=writer._filename_suffix)
                writer.all_writers[run_dir] = run_writer
            with _verbatim_tags():
                run_writer.add_summary(scalar(main_tag, _scalar(value)), global_step, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """Log an image: float values in [0, 1] or uint8, laid out as ``dataformats``."""
        with _verbatim_tags():
            self._writer.add_image(tag, _numpy(img_tensor), global_step, walltime, dataformats)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """Log a batch of images as one grid."""
        with _verbatim_tags():
            self._writer.add_images(tag, _numpy(img_tensor), global_step, walltime, dataformats)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None):
        """Log the distribution of ``values`` (any shape)."""
        with _verbatim_tags():
            self._writer.add_histogram(tag, _numpy(values).astype(np.float64).ravel(), global_step,
                                       bins, walltime, max_bins)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Log a piece of text (Markdown)."""
        with _verbatim_tags():
            self._writer.add_text(tag, text_string, global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """Log a matplotlib figure (or a list of them) rendered to an image; ``close`` closes it afterwards."""
        with _verbatim_tags():
            self._writer.add_figure(tag, figure, global_step, close, walltime)

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127, weights=None,
                     walltime=None):
        """Log a precision-recall curve: ``labels`` (N,) true/false (or 1/0), ``predictions`` (N,) probabilities
        in [0, 1] of the positive class, ``weights`` (N,) optional."""
        with _verbatim_tags():
            self._writer.add_pr_curve(tag, _numpy(labels), _numpy(predictions), global_step, num_thresholds,
                                      None if weights is None else _numpy(weights), walltime)

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        """Log points for the embedding projector: ``mat`` (N, D) feature rows, ``metadata`` N labels (each
        written with ``str``), ``label_img`` (N, C, H, W) thumbnails."""
        self._writer.add_embedding(_numpy(mat), metadata, None if label_img is None else _numpy(label_img),
                                   global_step, tag, metadata_header)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None, global_step=None):
        """Log one run's hyperparameters ``{name: value}`` with its final metrics ``{tag: number}`` (a sub-run
        named ``run_name``, the current time by default, as PyTorch)."""
        if hparam_domain_discrete is not None:
            raise ValueError("add_hparams: hparam_domain_discrete is not supported by the tensorboardX writer "
                             "minidl uses; leave it None")
        metrics = {k: _scalar(v) for k, v in metric_dict.items()}
        with _verbatim_tags():
            self._writer.add_hparams(hparam_dict, metrics, name=run_name, global_step=global_step)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """Log ``model``'s graph, recorded by running it once on ``input_to_model`` (a Tensor or a tuple of
        them; see :mod:`minidl.utils._tensorboard_graph`). ``verbose`` prints the nodes;
        ``use_strict_trace`` is PyTorch's TorchScript flag and changes nothing here."""
        from tensorboardX.proto import event_pb2

        from ._tensorboard_graph import graph_def
        graph = graph_def(model, input_to_model)
        if verbose:
            print(graph)
        self._writer._get_file_writer().add_event(event_pb2.Event(graph_def=graph.SerializeToString()))

    def flush(self):
        """Write pending events to disk."""
        self._writer.flush()

    def close(self):
        """Flush and close the event files; a later ``add_*`` call opens a new one, as in PyTorch."""
        self._writer.close()
        if hasattr(self._writer, "_filename_suffix"):
            self._writer._filename_suffix = _unique_suffix(self._filename_suffix)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
