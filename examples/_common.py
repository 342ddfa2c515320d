"""Plumbing shared by the example scripts: flags, device, data sets, the training run
and its outputs. Each script only builds its model and picks its defaults.

Outputs of every run (in ``--out``, default ``runs/<name>/``):

* ``log.csv``: one row per epoch (loss, accuracy, val_*, lr, time);
* ``best.h5``: the checkpoint of the epoch with the best ``val_accuracy``
  (model state dict + config, optimiser, epoch, history); reload the model with
  ``minidl.load_model("runs/<name>/best.h5")``;
* ``last.h5``: the checkpoint of the last finished epoch (weights, optimiser,
  lr schedule, early-stopping state, epoch, history); ``--resume
  runs/<name>/last.h5`` with the same flags continues an interrupted run, and
  gives the same weights and metrics as a run that was never interrupted;
* ``curves.png``, ``confusion_matrix.png``, ``worst_errors.png``;
* ``summary.json``: ``test_accuracy`` (a fraction), ``test_top5_accuracy`` (more
  than 5 classes), ``epochs``, ``wall_time_s``, ``device``, ``dataset`` and the
  run's settings.

Data-parallel: ``mpiexec -n N python examples/<script>.py ...`` trains on N
processes (see docs/distributed.md; with as many ranks as cores, run them with
``OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1``). ``--batch-size`` is per rank, so the
global batch is N x ``--batch-size``; ``--lr`` is used as given (scale it
yourself, e.g. linearly with N for SGD). Each rank trains on its
``DistributedSampler`` share and validates on every N-th validation image; the
logged metrics are means over all ranks, and rank 0 alone prints, writes the
outputs and runs the final test. Checkpoints hold the bare model, so
``--init-weights`` takes them whatever the number of ranks.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

import minidl
import minidl.distributed as dist
import minidl.nn.functional as F
from minidl import data, metrics, optim, viz
from minidl import io as mio
from minidl.monitor import resolve_mode
from minidl.nn.parallel import DistributedDataParallel
from minidl.train import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    fit,
    load_checkpoint,
    predict,
)
from minidl.utils.data import DistributedSampler

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
DATASETS = ("shapes", "mnist", "fashion-mnist", "cifar10", "tiny-imagenet", "imagefolder")

# Where each data set is looked for when --data-dir is not given (the project's
# shared copies; otherwise minidl's default $MINIDL_DATA/<name>).
_SHARED = {"mnist": "mnist", "fashion-mnist": "fashion-mnist", "cifar10": "cifar10-jpeg.tar.gz",
           "tiny-imagenet": "tiny-imagenet-200"}


# ----------------------------------------------------------------- flags
def _number(kind, low, inclusive=True, high=None):
    """An argparse ``type``: ``kind`` (int/float) >= low (> low unless inclusive), < high."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, "
                                             f"got {text!r}") from None
        if (value < low if inclusive else value <= low) or (high is not None and value >= high):
            bound = f"{'>=' if inclusive else '>'} {low}" + (f" and < {high}" if high is not None else "")
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text}")
        return value
    parse.__name__ = kind.__name__
    return parse


def make_parser(name: str, description: str, datasets=DATASETS, **defaults) -> argparse.ArgumentParser:
    """The flags every example shares, with the script's ``defaults`` (the paper's recipe).

    Scripts add their own flags to the returned parser.
    """
    p = argparse.ArgumentParser(prog=f"{name}.py", description=description,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--device", default="cpu", choices=("cpu", "gpu", "cuda"),
                   help="where to train; gpu/cuda needs CuPy and a CUDA device")
    p.add_argument("--dataset", default=datasets[0], choices=datasets)
    p.add_argument("--data-dir", default=None,
                   help="the data set's folder (or archive); default: ../shared/data/<name> "
                        "when present, else $MINIDL_DATA/<name>")
    p.add_argument("--image-size", type=_number(int, 1), default=None,
                   help="resize images to this size (default: the data set's own / the model's)")
    p.add_argument("--epochs", type=_number(int, 0), default=10)
    p.add_argument("--batch-size", type=_number(int, 1), default=32)
    p.add_argument("--lr", type=_number(float, 0, inclusive=False), default=1e-3, help="initial learning rate")
    p.add_argument("--optimizer", default="adam", choices=("sgd", "adam", "adamw", "rmsprop", "adadelta"))
    p.add_argument("--momentum", type=_number(float, 0), default=0.0, help="SGD/RMSprop momentum")
    p.add_argument("--weight-decay", type=_number(float, 0), default=0.0, help="optimiser weight decay")
    p.add_argument("--decay", type=_number(float, 0), default=0.0,
                   help="Keras' legacy lr decay per batch: lr = lr0 / (1 + decay * iterations)")
    p.add_argument("--schedule", default="none", choices=("none", "cosine"),
                   help="epoch-wise lr schedule (cosine: anneal to 0 over --epochs)")
    p.add_argument("--patience", type=_number(int, 0), default=0,
                   help="early stopping patience on --monitor (0: off); restores the best weights")
    p.add_argument("--monitor", default="val_accuracy", help="metric for early stopping and best.h5")
    p.add_argument("--val-split", type=_number(float, 0, high=1), default=0.1,
                   help="fraction of the training set held out for validation (0: validate on the "
                        "test set)")
    p.add_argument("--augment", nargs="?", const="crop-flip", default="none",
                   choices=("none", "flip", "crop-flip"),
                   help="training augmentation: horizontal flips, or random 4-px-padded crops + "
                        "flips (--augment alone)")
    p.add_argument("--tta", default="none", choices=("none", "flip"),
                   help="test-time augmentation: 'flip' scores each test image by the mean softmax of it "
                        "and its horizontal mirror (the single-view accuracy is reported beside it)")
    p.add_argument("--seed", type=_number(int, 0), default=0)
    p.add_argument("--data-seed", type=_number(int, 0), default=None,
                   help="seed of the training stream only (shuffling, augmentation, dropout; default: --seed, "
                        "which also fixes the data, the validation split and the initialisation): a warm "
                        "restart (--init-weights) with a new --data-seed does not replay the earlier run's batches")
    p.add_argument("--init-weights", default=None, metavar="H5",
                   help="start from the weights in this checkpoint (e.g. an earlier run's best.h5, "
                        "same model flags) instead of a fresh initialisation")
    p.add_argument("--resume", default=None, metavar="CHECKPOINT",
                   help="continue an interrupted run from its checkpoint (e.g. runs/<name>/last.h5, "
                        "written after every epoch): weights, optimiser, lr schedule, early stopping "
                        "and epoch are restored; pass the same flags as the interrupted run")
    p.add_argument("--limit-train", type=_number(int, 1), default=None, metavar="N",
                   help="use only N training images (a quick smoke run)")
    p.add_argument("--limit-test", type=_number(int, 1), default=None, metavar="N", help="use only N test images")
    p.add_argument("--out", default=str(Path("runs") / name), help="output folder")
    p.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2),
                   help="0 quiet, 1 progress bar, 2 one line per epoch")
    p.set_defaults(**defaults)
    return p


def run_main(main) -> None:
    """Run ``main()``; a missing GPU (``minidl.DeviceError``) ends the process with
    status 2 and a one-line reason on stderr instead of a traceback."""
    try:
        main()
    except minidl.DeviceError as exc:
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


def check_device(name: str) -> str:
    """``"cpu"`` or ``"gpu"``; raises ``minidl.DeviceError`` when the GPU is not usable."""
    if name in ("gpu", "cuda"):
        minidl.backend.require_usable("gpu")  # raises DeviceError with the reason
        return "gpu"
    return "cpu"


# ------------------------------------------------------------------ data
def data_root(dataset: str, data_dir):
    """``data_dir``, else the shared copy of ``dataset`` when present, else None (minidl's default)."""
    if data_dir:
        return Path(data_dir).expanduser()
    shared = SHARED_DATA / _SHARED.get(dataset, "_none_")
    return shared if shared.exists() else None


def load_datasets(args, shapes_n=(5000, 1000), shapes_size=32):
    """``(train, test)`` datasets for ``args.dataset`` (each with ``.classes``, ``.targets``).

    Shapes is generated (train seed ``args.seed``, test seed ``args.seed + 1000``);
    ImageFolder is split 80/20 per class unless ``data_dir`` has ``train/`` and
    ``test/`` sub-folders; Tiny ImageNet's labelled ``val`` split is the test set.
    """
    name, root = args.dataset, data_root(args.dataset, args.data_dir)
    if name == "shapes":
        size = args.image_size or shapes_size
        n_train = args.limit_train or shapes_n[0]
        n_test = args.limit_test or shapes_n[1]
        train = data.Shapes(n_train, image_size=size, seed=args.seed)
        test = data.Shapes(n_test, image_size=size, seed=args.seed + 1000)
    elif name in ("mnist", "fashion-mnist"):
        cls = data.MNIST if name == "mnist" else data.FashionMNIST
        train, test = cls(root, train=True), cls(root, train=False)
    elif name == "cifar10":
        train, test = data.CIFAR10(root, train=True), data.CIFAR10(root, train=False)
    elif name == "tiny-imagenet":
        train, test = data.TinyImageNet(root, split="train"), data.TinyImageNet(root, split="val")
    elif name == "imagefolder":
        if root is None:
            raise SystemExit("error: --dataset imagefolder needs --data-dir <root>/<class>/<images>")
        size = args.image_size
        if (root / "train").is_dir() and (root / "test").is_dir():
            train = data.ImageFolder(root / "train", image_size=size, skip_corrupt=True)
            test = data.ImageFolder(root / "test", image_size=size, skip_corrupt=True)
        else:
            full = data.ImageFolder(root, image_size=size, skip_corrupt=True)
            train, test = data.stratified_split(full, (0.8, 0.2), seed=args.seed)
    else:
        raise SystemExit(f"error: unknown dataset {name!r}")
    return limit(train, args.limit_train, args.seed), limit(test, args.limit_test, args.seed + 1)


def resize_for(args, dataset):
    """``(transform, size)``: a Resize to ``--image-size`` when it differs from the
    data set's own size (else None), and the size the model sees."""
    _, h, _ = image_shape(dataset)
    size = args.image_size or h
    return (data.transforms.Resize(size) if size != h else None), size


def limit(dataset, n, seed):
    """A random subset of ``n`` samples of ``dataset`` (all of it when n is None or larger)."""
    if n is None or n >= len(dataset):
        return dataset
    idx = np.sort(np.random.default_rng(seed).permutation(len(dataset))[:n])
    return data.Subset(dataset, idx)


def split_validation(train, fraction, seed):
    """``(train, val)``: a class-balanced hold-out of ``fraction`` (val None when 0)."""
    if not fraction:
        return train, None
    part_train, part_val = data.stratified_split(train, (1.0 - fraction, fraction), seed=seed)
    return part_train, part_val


def image_shape(dataset):
    """(C, H, W) of one sample."""
    x, _ = dataset[0]
    return tuple(np.asarray(x).shape)


def init_distributed(args):
    """Join the process group (world size 1 without ``mpiexec``); returns ``(rank, world size,
    joined)``, ``joined`` True when this call created the group (``train_and_report`` then leaves
    it at the end, so that a script calling it twice in one process starts afresh)."""
    joined = not dist.is_initialized()
    if joined:
        gpu_ranks = args.device in ("gpu", "cuda") and dist.launcher_world_size() > 1
        dist.init_process_group("nccl" if gpu_ranks and dist.is_nccl_available() else "mpi")
    return dist.get_rank(), dist.get_world_size(), joined


def stream_seed(args) -> int:
    """The seed of the training stream (shuffling, augmentation, dropout): ``--data-seed``, else ``--seed``."""
    data_seed = getattr(args, "data_seed", None)
    return args.seed if data_seed is None else data_seed


def loaders(args, train, val, test, train_transform=None, eval_transform=None):
    """DataLoaders: shuffled, seeded training batches; fixed-order val/test batches.

    With several ranks: this rank's DistributedSampler share of ``train`` (the
    permutation seeded by the stream seed, augmentation by the stream seed + rank) and every
    N-th image of ``val``. The stream seed is ``--data-seed`` when given, else ``--seed``."""
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
    stream = stream_seed(args)
    if world > 1:
        train_dl = data.DataLoader(train, batch_size=args.batch_size, seed=stream + rank,
                                   sampler=DistributedSampler(train, seed=stream), transform=train_transform)
        val = data.Subset(val, np.arange(rank, len(val), world)) if val is not None else None
    else:
        train_dl = data.DataLoader(train, batch_size=args.batch_size, shuffle=True, seed=stream,
                                   transform=train_transform)
    eval_bs = max(args.batch_size, 256)
    val_dl = (data.DataLoader(val, batch_size=eval_bs, transform=eval_transform)
              if val is not None else None)
    test_dl = data.DataLoader(test, batch_size=eval_bs, transform=eval_transform)
    return train_dl, val_dl, test_dl


def augmentation(args, image_size):
    """The ``--augment`` transform: horizontal flips ("flip"), random 4-px-padded
    crops + flips ("crop-flip"), or None."""
    T = data.transforms
    if args.augment == "flip":
        return T.RandomHorizontalFlip()
    if args.augment == "crop-flip":
        return T.Compose([T.RandomCrop(image_size, padding=4), T.RandomHorizontalFlip()])
    return None


def compose(*transforms):
    """Compose the non-None transforms (None when there are none)."""
    ts = [t for t in transforms if t is not None]
    if not ts:
        return None
    return ts[0] if len(ts) == 1 else data.transforms.Compose(ts)


# ------------------------------------------------------------- optimiser
def make_optimizer(args, params):
    """The optimiser named by ``--optimizer`` with ``--lr``, ``--momentum``, ``--weight-decay``."""
    params = list(params)
    name, lr, wd = args.optimizer, args.lr, args.weight_decay
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=args.momentum, weight_decay=wd)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=wd)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=wd or 1e-2)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, momentum=args.momentum, weight_decay=wd)
    if name == "adadelta":
        return optim.Adadelta(params, lr=lr, weight_decay=wd)
    raise SystemExit(f"error: unknown optimizer {name!r}")


def lr_callbacks(args, optimizer):
    """LearningRateScheduler callbacks for ``--decay`` (per batch) and ``--schedule``."""
    cbs = []
    if args.decay:
        cbs.append(LearningRateScheduler(optim.lr_scheduler.InverseTimeDecay(optimizer, args.decay)))
    if args.schedule == "cosine":
        cbs.append(LearningRateScheduler(
            optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(args.epochs, 1))))
    return cbs


# ------------------------------------------------------------------- run
def train_and_report(args, model, train, test, *, loss=F.cross_entropy, optimizer=None,
                     train_transform=None, eval_transform=None, callbacks=(), extra=None,
                     val=None):
    """Train ``model``, evaluate it on ``test`` and write every output to ``args.out``.

    ``val``: a validation set; default: ``--val-split`` of ``train`` (or the
    test set when that is 0). The best epoch by ``--monitor`` is saved to
    ``best.h5`` and its weights are the ones tested. Returns the summary dict (None on
    ranks other than 0 of a data-parallel run).
    """
    start = time.perf_counter()
    device = check_device(args.device)
    rank, world, joined = init_distributed(args)
    say = print if rank == 0 else (lambda *a, **k: None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    minidl.manual_seed(args.seed)
    if val is None:
        train, val = split_validation(train, args.val_split, args.seed)
    val_is_test = val is None
    if val_is_test:
        val = test
    classes = list(getattr(test, "classes", None) or range(int(np.max(test.targets)) + 1))
    if getattr(args, "init_weights", None):
        if getattr(args, "resume", None):
            fail("--init-weights and --resume exclude each other (--resume restores the weights too)")
        try:
            mio.load_weights(model, args.init_weights)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:  # missing file, other model
            fail(f"--init-weights: {exc}")
        say(f"initial weights from {args.init_weights}", flush=True)
    if optimizer is None:
        optimizer = make_optimizer(args, model.parameters())
    train_dl, val_dl, test_dl = loaders(args, train, val, test, train_transform, eval_transform)

    n_params = sum(int(np.prod(p.shape)) for p in model.parameters())
    say(f"{args.dataset}: {len(train)} train / {len(val)} "
          f"{'val (= test)' if val_is_test else 'val'} / {len(test)} test images of "
          f"{image_shape(test)}, {len(classes)} classes; model "
          f"{getattr(model, 'config', {}).get('name', type(model).__name__)} "
          f"({n_params:,} parameters) on {device}"
        + (f", {world} ranks x batch {args.batch_size}" if world > 1 else ""), flush=True)

    best_path = out / "best.h5"
    mode = resolve_mode("auto", args.monitor)
    resume = getattr(args, "resume", None)
    cbs = [CSVLogger(out / "log.csv", append=bool(resume)),
           ModelCheckpoint(best_path, monitor=args.monitor, mode=mode, save_best_only=True)]
    cbs += lr_callbacks(args, optimizer)
    if args.patience:
        cbs.append(EarlyStopping(monitor=args.monitor, mode=mode, patience=args.patience,
                                 restore_best_weights=True))
    cbs += list(callbacks)
    cbs.append(ModelCheckpoint(out / "last.h5"))  # last: saved after every other callback's epoch end
    initial_epoch = 0
    if resume:
        initial_epoch, previous = resume_from(resume, model, optimizer, cbs, out / "log.csv")
        cbs.insert(0, _PreviousEpochs(previous))
    metric_names = ["accuracy"] + (["top5_accuracy"] if len(classes) > 5 else [])
    train_start = time.perf_counter()
    trained = DistributedDataParallel(model) if world > 1 else model
    history = fit(trained, train_dl, epochs=args.epochs, optimizer=optimizer, loss=loss,
                  val_data=val_dl, metrics=metric_names, callbacks=cbs, device=device,
                  verbose=args.verbose, seed=stream_seed(args), initial_epoch=initial_epoch)
    train_time = time.perf_counter() - train_start
    epochs_run = len(history.history.get("loss", []))
    if joined:
        dist.destroy_process_group()
    if rank != 0:  # rank 0 alone tests the model and writes the outputs
        return None
    if best_path.exists():
        mio.load_weights(model, best_path)

    logits = predict(model, test_dl, device=device)
    y_true = np.asarray(test.targets)
    single_view = None
    if getattr(args, "tta", "none") == "flip":
        single_view = float(metrics.accuracy(logits, y_true))
        mirrored = data.DataLoader(test, batch_size=test_dl.batch_size,
                                   transform=compose(eval_transform, data.transforms.RandomHorizontalFlip(p=1.0)))
        logits = flip_averaged_log_probs(logits, predict(model, mirrored, device=device))
    y_pred = logits.argmax(axis=1)
    summary = {
        "test_accuracy": float(metrics.accuracy(logits, y_true)),
        "test_loss": float(F.cross_entropy(minidl.tensor(logits), minidl.tensor(y_true)).item()),
        "epochs": epochs_run,
        "wall_time_s": None,
        "train_time_s": round(train_time, 2),
        "device": device,
        "dataset": args.dataset,
        "world_size": world,
        "global_batch_size": world * args.batch_size,
    }
    if single_view is not None:
        summary["tta"] = "flip"
        summary["test_accuracy_single_view"] = single_view
    if resume:
        summary["resumed_from"] = {"checkpoint": str(resume), "epoch": initial_epoch}
    if len(classes) > 5:
        summary["test_top5_accuracy"] = float(metrics.top_k_accuracy(logits, y_true, k=5))
    hist = history.history
    values = hist.get(args.monitor) or []
    if values:
        best = int(np.argmax(values) if mode == "max" else np.argmin(values))
        summary["best_epoch"] = best + 1
        summary["best_" + args.monitor] = float(values[best])
    summary.update({
        "model": getattr(model, "config", None),
        "parameters": n_params,
        "n_train": len(train), "n_val": len(val), "n_test": len(test),
        "val_is_test": val_is_test,
        "images_per_sec": float(np.mean(hist["images_per_sec"])) if hist.get("images_per_sec") else None,
        "args": {k: v for k, v in vars(args).items()},
        "python": platform.python_version(), "numpy": np.__version__,
        "threads": os.environ.get("OMP_NUM_THREADS") or os.environ.get("OPENBLAS_NUM_THREADS"),
    })
    if extra:
        summary.update(extra)
    write_plots(out, history, y_true, y_pred, logits, test, classes)
    summary["wall_time_s"] = round(time.perf_counter() - start, 2)
    with mio.atomic_path(out / "summary.json") as tmp:
        Path(tmp).write_text(json.dumps(summary, indent=2, default=str) + "\n")
    top5 = f", top-5 {summary['test_top5_accuracy']:.2%}" if "test_top5_accuracy" in summary else ""
    if single_view is not None:
        top5 += f" (flip TTA; single view {single_view:.2%})"
    print(f"test accuracy {summary['test_accuracy']:.2%}{top5} after {epochs_run} epochs, "
          f"{summary['wall_time_s']:.0f} s; outputs in {out}/", flush=True)
    return summary


def flip_averaged_log_probs(logits, logits_mirrored):
    """log of the mean softmax of two views (N, classes) -> (N, classes): log((p + p_mirrored) / 2).

    The result is itself a valid logits array: its softmax is the averaged
    probabilities and its cross-entropy the averaged view's negative log-likelihood.
    """
    def softmax(z):
        z = np.asarray(z, dtype=np.float64)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    mean = (softmax(logits) + softmax(logits_mirrored)) / 2
    return np.log(np.maximum(mean, np.finfo(np.float64).tiny)).astype(np.float32)


def fail(message: str) -> None:
    """End the run with status 2 and a one-line ``error: message`` on stderr."""
    print(f"error: {message}".splitlines()[0], file=sys.stderr)
    sys.exit(2)


class _PreviousEpochs(Callback):
    """Puts the epochs of the interrupted run back in front of the resumed run's History,
    so that its plots, summary and the next checkpoints cover the whole run."""

    def __init__(self, previous):
        super().__init__()
        self.history, self.epochs = previous

    def on_train_begin(self, logs=None):
        record = self.trainer.history
        record.history = {k: list(v) for k, v in self.history.items()}
        record.epoch = list(self.epochs)


def resume_from(path, model, optimizer, callbacks, csv_path) -> tuple:
    """Restore ``model``, ``optimizer`` and the callbacks' state (lr schedule, early
    stopping, best value) from the checkpoint ``path``; rewrite ``csv_path`` with the
    checkpoint's epochs (a log row written after the checkpoint is dropped, as that
    epoch runs again). Returns ``(epoch to resume at, (history dict, epoch list) so far)``."""
    try:
        ckpt = load_checkpoint(path, model, optimizer, callbacks=callbacks)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        fail(f"--resume: {exc}")
    epoch = int(ckpt["epoch"])
    history = {k: list(v) for k, v in (ckpt.get("history") or {}).items()}
    epochs = list(ckpt.get("history_epochs") or range(epoch))
    keys = sorted(history)
    if dist.is_main_process():  # under mpiexec, rank 0 alone rewrites the log and speaks
        with mio.atomic_path(csv_path) as tmp:
            with open(tmp, "w", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(["epoch"] + keys)
                for i, e in enumerate(epochs):
                    writer.writerow([e] + [repr(float(history[k][i])) if isinstance(history[k][i], float)
                                           else history[k][i] for k in keys])
        print(f"resuming from {path} after epoch {epoch}", flush=True)
    return epoch, (history, epochs)


def write_plots(out, history, y_true, y_pred, logits, test, classes, n_worst=16):
    """curves.png (when an epoch ran), confusion_matrix.png, worst_errors.png (and classification_report.txt)."""
    names = [str(c) for c in classes]
    if history.history.get("loss"):      # --epochs 0 only evaluates (e.g. --init-weights with --tta)
        viz.plot_history(history, out / "curves.png")
    cm = metrics.confusion_matrix(y_true, y_pred, num_classes=len(classes))
    viz.plot_confusion_matrix(cm, out / "confusion_matrix.png", class_names=names)
    (out / "classification_report.txt").write_text(
        metrics.classification_report(y_true, y_pred, class_names=names) + "\n")
    probs = F.softmax(minidl.tensor(logits), 1).numpy()
    wrong = np.flatnonzero(y_pred != y_true)
    worst = wrong[np.argsort(-probs[wrong, y_pred[wrong]], kind="stable")][:n_worst]
    if not len(worst):  # nothing wrong: the plot says so
        worst = np.arange(min(4, len(y_true)))
    images = np.stack([np.asarray(test[int(i)][0]) for i in worst])
    viz.plot_worst_errors(images, y_true[worst], y_pred[worst], probs[worst],
                          out / "worst_errors.png", class_names=names, n=n_worst)
