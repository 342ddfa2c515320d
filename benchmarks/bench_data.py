"""DataLoader throughput: images/s with CIFAR-10 augmentation (RandomCrop(32, padding=4) + flip).

Two loaders are measured:

* minidl's own NumPy pipeline (``minidl.data.DataLoader``, batch ``--batch-size``,
  default 64): uint8 arrays, batched seeded augmentation, prefetch threads;
* the PyTorch-style pipeline (``minidl.utils.data.DataLoader`` over
  ``minidl.vision.datasets.CIFAR10`` with ``transforms.Compose([RandomCrop(32,
  padding=4), RandomHorizontalFlip(), ToTensor(), Normalize(...)])``, batch
  ``--vision-batch-size``, default 128), yielding Tensors: its batched path (the
  default), its image-by-image path (PIL transforms + ``default_collate``, what
  a custom ``collate_fn`` gets) and both with 2 worker processes.

Data: the real CIFAR-10 (``../shared/data/cifar10-jpeg.tar.gz`` next to the
repository, decoded once and cached under ``$MINIDL_DATA``) when present, else
the generated ``Shapes`` dataset at 32x32 (same size and layout).

For each configuration it runs several full passes over the 50,000 training
images (batch 64, shuffled, seeded) and reports the median images/s; the
per-sample rows (the generic path of datasets without ``get_batch``: ``ds[i]``
one by one, then stacked) run on 10,000 images only. The loader must keep well ahead of training:
the issues ask for >= 5x the training throughput of the CIFAR deep CNN N2
(minidl, batch 64, two threads: 424 images/s in docs/performance.md, 153 ms a
step), i.e. >= 2,120 images/s.

Run it as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_data.py

The development machines set OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which
slow NumPy; a user's machine has neither. If they are set anyway, this script
removes them and restarts itself, and says so. Options: ``--epochs N``,
``--batch-size B``, ``--shapes`` (skip the real data).

``--learnability`` instead checks that the generated Shapes dataset is
learnable but not trivial: it trains CNN Explainer's TinyVGG (2x(conv3x3-10,
relu), pool, 2x(conv3x3-10, relu), pool, dense) with PyTorch CPU (2 threads;
PyTorch is only used here, never by minidl) on Shapes(5000, 32, seed=0) and
prints the accuracy on Shapes(1000, 32, seed=1) after each epoch, with the wall
time and the process CPU time (the fairer number on a shared machine).
"""
from __future__ import annotations

import os
import sys

OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if any(v in os.environ for v in OPENBLAS_VARS):  # before NumPy loads OpenBLAS
    removed = [v for v in OPENBLAS_VARS if v in os.environ]
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    env["MINIDL_BENCH_UNSET"] = ",".join(removed)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from minidl.data import CIFAR10, DataLoader, Dataset, Shapes  # noqa: E402
from minidl.data import transforms as T  # noqa: E402
from minidl.utils import data as tud  # noqa: E402
from minidl.vision import datasets as vds  # noqa: E402
from minidl.vision import transforms as VT  # noqa: E402

N2_IMAGES_PER_SEC = 424  # docs/performance.md, two threads, batch 64

SHARED_TAR = REPO.parent / "shared" / "data" / "cifar10-jpeg.tar.gz"


class PerSample(Dataset):
    """Hides ``get_batch``: the loader falls back to ``ds[i]`` + stacking."""

    def __init__(self, ds, n):
        self.ds, self.n = ds, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.ds[i]


def load_data(use_shapes):
    if not use_shapes and SHARED_TAR.is_file():
        t0 = time.perf_counter()
        ds = CIFAR10(SHARED_TAR, train=True)
        return ds, f"CIFAR-10 train (JPEG copy, {SHARED_TAR}), loaded in {time.perf_counter() - t0:.1f} s"
    ds = Shapes(50000, image_size=32, seed=0)
    why = "--shapes" if use_shapes else f"{SHARED_TAR} not found"
    return ds, f"Shapes(50000, 32) ({why})"


def images_per_second(loader, epochs):
    rates = []
    for _ in range(epochs):
        n = 0
        t0 = time.perf_counter()
        for _x, y in loader:
            n += y.shape[0]
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates), min(rates), max(rates)


def one_by_one(samples):
    """A collate_fn other than the default: the loader then loads and transforms image by image."""
    return tud.default_collate(samples)


def vision_dataset(use_shapes, transform):
    """The PyTorch-style CIFAR-10 (the same images as :func:`load_data`)."""
    if not use_shapes and SHARED_TAR.is_file():
        return vds.CIFAR10(SHARED_TAR, train=True, transform=transform)
    return vds.Shapes(50000, image_size=32, seed=0, transform=transform)


def vision_table(args):
    """Time minidl.utils.data.DataLoader of Tensors with the standard CIFAR-10 augmentation."""
    aug = VT.Compose([VT.RandomCrop(32, padding=4), VT.RandomHorizontalFlip(), VT.ToTensor(),
                      VT.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))])
    t0 = time.perf_counter()
    ds = vision_dataset(args.shapes, aug)
    print(f"data: minidl.vision.datasets.{type(ds).__name__}, {len(ds)} images, "
          f"loaded in {time.perf_counter() - t0:.1f} s")
    bs = args.vision_batch_size
    small = tud.Subset(ds, range(10000))
    configs = [
        ("batched (default collate)", tud.DataLoader(ds, bs, shuffle=True, seed=0), args.epochs),
        ("batched, num_workers=2", tud.DataLoader(ds, bs, shuffle=True, seed=0, num_workers=2,
                                                  persistent_workers=True), args.epochs),
        ("image by image (10k)", tud.DataLoader(small, bs, shuffle=True, seed=0,
                                                collate_fn=one_by_one), 3),
        ("image by image, num_workers=2 (10k)", tud.DataLoader(small, bs, shuffle=True, seed=0,
                                                               collate_fn=one_by_one, num_workers=2,
                                                               persistent_workers=True), 3),
    ]
    print(f"\nminidl.utils.data.DataLoader (Tensors), minidl.vision CIFAR10 with RandomCrop(32, padding=4), "
          f"RandomHorizontalFlip, ToTensor, Normalize; batch {bs}\n")
    print(f"| {'configuration':<36} | {'passes':>6} | {'images/s (median)':>17} | {'min - max':>17} |")
    print(f"|{'-' * 38}|{'-' * 8}|{'-' * 19}|{'-' * 19}|")
    results = {}
    for name, loader, epochs in configs:
        med, lo, hi = images_per_second(loader, epochs)
        results[name] = med
        print(f"| {name:<36} | {epochs:>6} | {med:>17,.0f} | {f'{lo:,.0f} - {hi:,.0f}':>17} |", flush=True)
    target = 5 * N2_IMAGES_PER_SEC
    main_rate = results[configs[0][0]]
    print(f"\nTensor DataLoader, batch {bs}: {main_rate:,.0f} images/s; target >= 5x N2 "
          f"({N2_IMAGES_PER_SEC} images/s) = {target:,}: {'met' if main_rate >= target else 'NOT met'} "
          f"({main_rate / N2_IMAGES_PER_SEC:.1f}x)")


def learnability(epochs, n_train=5000, size=32, lr=2e-3):
    """Train TinyVGG (PyTorch CPU) on Shapes; print test accuracy and time per epoch."""
    try:
        import torch
        import torch.nn as tnn
    except ImportError:
        print("--learnability needs PyTorch (pip install torch); minidl itself never uses it")
        return
    torch.set_num_threads(2)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    train, test = Shapes(n_train, size, seed=0), Shapes(1000, size, seed=1)
    print(f"Shapes({n_train}, {size}) + test Shapes(1000, {size}, seed=1) generated in "
          f"{time.perf_counter() - t0:.1f} s")
    f = ((size - 4) // 2 - 4) // 2
    net = tnn.Sequential(tnn.Conv2d(3, 10, 3), tnn.ReLU(), tnn.Conv2d(10, 10, 3), tnn.ReLU(),
                         tnn.MaxPool2d(2), tnn.Conv2d(10, 10, 3), tnn.ReLU(),
                         tnn.Conv2d(10, 10, 3), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
                         tnn.Linear(10 * f * f, 10))
    opt = torch.optim.Adam(net.parameters(), lr)
    loader = DataLoader(train, 64, shuffle=True, seed=0)
    xte = torch.from_numpy(test.get_batch(np.arange(len(test)))[0])
    yte = torch.from_numpy(test.targets)
    print(f"TinyVGG, Adam lr {lr}, batch 64, inputs in [0, 1], no augmentation")
    t0, c0 = time.perf_counter(), time.process_time()
    for ep in range(epochs):
        net.train()
        for x, y in loader:
            opt.zero_grad()
            loss = tnn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            acc = (net(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {ep + 1:2d}: test accuracy {acc:.3f}, wall {time.perf_counter() - t0:6.1f} s, "
              f"process CPU {time.process_time() - c0:6.1f} s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=None,
                    help="passes per configuration (default 5; --learnability: 12)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--vision-batch-size", type=int, default=128,
                    help="batch size of the Tensor DataLoader (minidl.utils.data)")
    ap.add_argument("--only", choices=("numpy", "tensors"), default=None,
                    help="time only minidl.data's loader or only the Tensor loader")
    ap.add_argument("--shapes", action="store_true", help="use Shapes even if CIFAR-10 is present")
    ap.add_argument("--learnability", action="store_true",
                    help="train TinyVGG (PyTorch) on Shapes instead of timing the loader")
    args = ap.parse_args()
    if args.learnability:
        learnability(args.epochs or 12)
        return
    args.epochs = args.epochs or 5

    unset = os.environ.get("MINIDL_BENCH_UNSET")
    print("environment: " + (f"unset {unset} (and restarted)" if unset else
                             "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE not set"))
    print(f"cpus: {os.cpu_count()}, numpy {np.__version__}")
    if args.only != "numpy":
        vision_table(args)
        if args.only == "tensors":
            return
    ds, what = load_data(args.shapes)
    print(f"data: {what}; {len(ds)} images {ds.data.shape[1:]} uint8")
    aug = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()])
    bs = args.batch_size
    configs = [
        ("crop+flip, prefetch=2 (default)", DataLoader(ds, bs, shuffle=True, seed=0, transform=aug), args.epochs),
        ("crop+flip, prefetch=0 (no thread)",
         DataLoader(ds, bs, shuffle=True, seed=0, transform=aug, prefetch=0), args.epochs),
        ("crop+flip, num_workers=2",
         DataLoader(ds, bs, shuffle=True, seed=0, transform=aug, num_workers=2), args.epochs),
        ("no augmentation, prefetch=2", DataLoader(ds, bs, shuffle=True, seed=0), args.epochs),
        ("no augmentation, per-sample (10k)", DataLoader(PerSample(ds, 10000), bs, shuffle=True, seed=0), 3),
        ("crop+flip, per-sample (10k)", DataLoader(PerSample(ds, 10000), bs, shuffle=True, seed=0, transform=aug), 3),
    ]
    print(f"\nbatch size {bs}; median of the passes (min-max)\n")
    print(f"| {'configuration':<36} | {'passes':>6} | {'images/s (median)':>17} | {'min - max':>17} |")
    print(f"|{'-' * 38}|{'-' * 8}|{'-' * 19}|{'-' * 19}|")
    results = {}
    for name, loader, epochs in configs:
        med, lo, hi = images_per_second(loader, epochs)
        results[name] = med
        print(f"| {name:<36} | {epochs:>6} | {med:>17,.0f} | {f'{lo:,.0f} - {hi:,.0f}':>17} |", flush=True)
    main_rate = results[configs[0][0]]
    print(f"\nDataLoader with RandomCrop(32, padding=4) + RandomHorizontalFlip, batch {bs}: "
          f"{main_rate:,.0f} images/s (median of {args.epochs} passes)")
    print(f"target: >= 5x the N2 training throughput ({N2_IMAGES_PER_SEC} images/s) = "
          f"{5 * N2_IMAGES_PER_SEC:,} images/s: {'met' if main_rate >= 5 * N2_IMAGES_PER_SEC else 'NOT met'}")


if __name__ == "__main__":
    main()
