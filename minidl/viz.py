"""Training plots as PNG files, drawn with matplotlib's object API on the Agg canvas.

Every function builds a ``matplotlib.figure.Figure`` rendered by
``FigureCanvasAgg``: pyplot and the global backend are never touched, so
these work headless and leave a user's interactive backend alone. Each
writes its PNG atomically (temp file + rename) and returns the path.

>>> import os, tempfile
>>> p = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]},
...                  os.path.join(tempfile.mkdtemp(), "h.png"))
>>> open(p, "rb").read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""
from __future__ import annotations

import math
import os

import numpy as np

from minidl.metrics import to_numpy

__all__ = ["plot_history", "plot_confusion_matrix", "plot_worst_errors", "plot_filters",
           "plot_lr_finder", "lr_range_test", "new_figure", "save_figure"]


def new_figure(figsize=(6.4, 4.8), dpi=100):
    """A pyplot-free ``Figure`` attached to an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path) -> str:
    """Write ``fig`` as a PNG at ``path`` atomically; returns the path (str)."""
    from minidl.io import atomic_path
    path = os.fspath(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    return path


def _history_dict(history) -> dict:
    h = getattr(history, "history", history)
    if not isinstance(h, dict):
        raise TypeError(f"expected a History or a dict of lists, got {type(history).__name__}")
    return h


def plot_history(history, path, title=None) -> str:
    """Train vs validation curves: one panel for the loss, one per metric logged
    (accuracy, top-k accuracy ...), and the lr (log scale) when it changed.

    Args:
        history: a :class:`~minidl.train.History` or its ``.history`` dict.
        path: PNG file to write.
    """
    from matplotlib.ticker import MaxNLocator
    h = _history_dict(history)
    skip = {"lr", "time", "images_per_sec"}
    bases = [k for k in h if not k.startswith("val_") and k not in skip]
    bases += [k[4:] for k in h if k.startswith("val_") and k[4:] not in bases and k[4:] not in skip]
    if "loss" in bases:
        bases.remove("loss")
        bases.insert(0, "loss")
    lrs = h.get("lr")
    show_lr = lrs is not None and len(set(lrs)) > 1
    panels = bases + (["lr"] if show_lr else [])
    if not panels:
        raise ValueError(f"plot_history: nothing to plot in keys {sorted(h)}")
    cols = min(len(panels), 3)
    rows = math.ceil(len(panels) / cols)
    fig = new_figure(figsize=(4.5 * cols, 3.5 * rows))
    epoch_list = getattr(history, "epoch", None)
    for i, name in enumerate(panels):
        ax = fig.add_subplot(rows, cols, i + 1)
        for key, label, style in ((name, "train", "-o"), (f"val_{name}", "val", "-s")):
            values = h.get(key) if name != "lr" or key == "lr" else None
            if not values:
                continue
            epochs = (np.asarray(epoch_list) + 1 if epoch_list and len(epoch_list) == len(values)
                      else np.arange(1, len(values) + 1))
            ax.plot(epochs, np.asarray(values, dtype=np.float64), style, markersize=3,
                    label=label if name != "lr" else "lr")
        if name == "lr":
            ax.set_yscale("log")
        ax.set_title(name.replace("_", " "))
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_confusion_matrix(cm, path, class_names=None, normalize=False, title=None) -> str:
    """Heatmap of a confusion matrix (rows true, columns predicted).

    Args:
        cm: (C, C) counts (from :func:`minidl.metrics.confusion_matrix`).
        class_names: tick labels (default 0..C-1).
        normalize: show each row as fractions of its true class.
        Cell values are written in the cells when C <= 20.
    """
    cm = to_numpy(cm).astype(np.float64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot_confusion_matrix: expected a square (C, C) matrix, got {cm.shape}")
    c = cm.shape[0]
    names = [str(n) for n in class_names] if class_names is not None else [str(i) for i in range(c)]
    if len(names) != c:
        raise ValueError(f"plot_confusion_matrix: {len(names)} class names for {c} classes")
    if normalize:
        sums = cm.sum(axis=1, keepdims=True)
        cm = np.divide(cm, sums, out=np.zeros_like(cm), where=sums != 0)
    size = max(4.0, 0.45 * c + 2.5)
    fig = new_figure(figsize=(size + 1, size))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(cm, cmap="Blues", interpolation="nearest")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(c))
    ax.set_yticks(range(c))
    ax.set_xticklabels(names, rotation=45, ha="right")
    ax.set_yticklabels(names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or ("confusion matrix (normalized)" if normalize else "confusion matrix"))
    if c <= 20:
        thresh = cm.max() / 2.0 if cm.size else 0
        for i in range(c):
            for j in range(c):
                txt = f"{cm[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
                ax.text(j, i, txt, ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > thresh else "black")
    fig.tight_layout()
    return save_figure(fig, path)


def _as_display(img):
    """One image (H, W, C) or (H, W) -> (H, W) or (H, W, 3) in [0, 1]."""
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    lo, hi = img.min(), img.max()
    if lo < 0 or hi > 1:
        img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    return img


def _probabilities(scores):
    s = to_numpy(scores).astype(np.float64)
    if s.ndim != 2:
        raise ValueError(f"expected scores of shape (N, C), got {s.shape}")
    rows_are_probs = s.min() >= 0 and np.allclose(s.sum(axis=1), 1.0, atol=1e-3)
    if rows_are_probs:
        return s
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def plot_worst_errors(images, y_true, y_pred, scores, path, class_names=None, n=16) -> str:
    """A grid of the ``n`` most confidently misclassified images, titled with the true
    and predicted labels and the predicted class's probability.

    Args:
        images: (N, C, H, W) or (N, H, W, C) or (N, H, W) (any range; rescaled).
        y_true: labels (N,).
        y_pred: predicted labels (N,), or None to take ``scores.argmax(1)``.
        scores: logits or probabilities (N, C) (softmax applied unless rows
            already sum to 1).
        class_names: names for the labels.
    """
    imgs = to_numpy(images)
    if imgs.ndim == 4 and imgs.shape[1] in (1, 3):
        imgs = imgs.transpose(0, 2, 3, 1)  # NCHW -> NHWC
    t = to_numpy(y_true).astype(np.int64)
    probs = _probabilities(scores)
    p = probs.argmax(axis=1) if y_pred is None else to_numpy(y_pred).astype(np.int64)
    if not (len(imgs) == len(t) == len(p) == len(probs)):
        raise ValueError(f"plot_worst_errors: lengths differ: images {len(imgs)}, y_true {len(t)}, "
                         f"y_pred {len(p)}, scores {len(probs)}")
    wrong = np.flatnonzero(t != p)
    conf = probs[wrong, p[wrong]]
    worst = wrong[np.argsort(-conf, kind="stable")][:int(n)]

    def name(i):
        return str(class_names[i]) if class_names is not None else str(i)
    k = max(len(worst), 1)
    cols = min(k, 4 if k <= 8 else 8)
    rows = math.ceil(k / cols)
    fig = new_figure(figsize=(2.0 * cols, 2.3 * rows))
    if len(worst) == 0:
        ax = fig.add_subplot(1, 1, 1)
        ax.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
        ax.axis("off")
    for j, i in enumerate(worst):
        ax = fig.add_subplot(rows, cols, j + 1)
        img = _as_display(imgs[i])
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest")
        ax.set_title(f"true: {name(t[i])}\npred: {name(p[i])} ({probs[i, p[i]]:.2f})", fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_filters(weight, path, max_filters=64, title=None) -> str:
    """The filters of a conv layer as a grid of small images.

    Args:
        weight: a Conv2d (its ``.weight`` is used), a Tensor or an array
            (O, C, kh, kw). With C == 3 each filter is drawn in RGB; otherwise
            the mean over input channels in grey. Each filter is rescaled to [0, 1].
        max_filters: draw at most this many (the first ones).
    """
    w = getattr(weight, "weight", weight)
    w = to_numpy(w).astype(np.float64)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a weight of shape (O, C, kh, kw), got {w.shape}")
    w = w[:int(max_filters)]
    o = w.shape[0]
    cols = min(o, 8)
    rows = math.ceil(o / cols)
    fig = new_figure(figsize=(1.2 * cols + 0.5, 1.2 * rows + 0.5))
    for i in range(o):
        f = w[i].transpose(1, 2, 0) if w.shape[1] == 3 else w[i].mean(axis=0)
        lo, hi = f.min(), f.max()
        f = (f - lo) / (hi - lo) if hi > lo else np.zeros_like(f)
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(f, cmap="gray" if f.ndim == 2 else None, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title or f"{o} filters {tuple(w.shape[1:])}")
    return save_figure(fig, path)


def plot_lr_finder(lrs, losses, path, skip_start=0, skip_end=0, suggest=True) -> str:
    """Loss vs learning rate (log x axis) from :func:`lr_range_test`; with
    ``suggest``, marks the lr of the steepest loss decrease."""
    lrs = np.asarray(lrs, dtype=np.float64)
    losses = np.asarray(losses, dtype=np.float64)
    if lrs.shape != losses.shape or lrs.ndim != 1:
        raise ValueError(f"plot_lr_finder: lrs {lrs.shape} and losses {losses.shape} must be equal 1-D")
    end = len(lrs) - int(skip_end) if skip_end else len(lrs)
    lrs, losses = lrs[int(skip_start):end], losses[int(skip_start):end]
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(lrs, losses)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    finite = np.isfinite(losses)
    if suggest and finite.sum() >= 3:
        g = np.gradient(losses[finite], np.log(lrs[finite]))
        i = int(np.argmin(g))
        ax.scatter([lrs[finite][i]], [losses[finite][i]], color="red", zorder=3,
                   label=f"steepest: {lrs[finite][i]:.2e}")
        ax.legend()
    ax.set_title("learning-rate range test")
    return save_figure(fig, path)


def lr_range_test(*args, **kwargs):
    """Alias of :func:`minidl.train.lr_range_test` (the sweep; plot it with :func:`plot_lr_finder`)."""
    from minidl.train.lr_finder import lr_range_test as run
    return run(*args, **kwargs)
