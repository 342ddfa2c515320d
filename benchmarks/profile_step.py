"""Where a training step's time goes: a per-op breakdown of one reference net.

Runs a few training steps (forward, cross-entropy, backward, Adam) of a net
from ``bench_train.py`` under cProfile and sums each function's own time into
categories: direct convolution, im2col, col2im, convolution GEMMs (with their layout copies),
linear layers, pooling, batch norm, activations/dropout, loss, optimiser, and
everything else (autograd bookkeeping and Python overhead).

Run (the OPENBLAS_* variables set on the development machines slow BLAS, so the
command unsets them)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/profile_step.py N2 --threads 2
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_train  # noqa: E402

# (category, predicate on (file, function name)), first match wins
CATEGORIES = [
    ("direct conv kernels", lambda f, n: "kernels" in f and ("direct" in n or n == "_pad_planes")),
    ("im2col", lambda f, n: "kernels" in f and "im2col" in n),
    ("col2im", lambda f, n: "kernels" in f and "col2im" in n),
    ("conv GEMMs + layout copies", lambda f, n: f.endswith("ops/conv.py") and "gemm" in n),
    ("linear layers + other conv.py code", lambda f, n: f.endswith("ops/conv.py")),
    ("pooling", lambda f, n: "pool" in n or f.endswith("ops/pool.py")),
    ("batch norm", lambda f, n: "channel_" in n or f.endswith("ops/norm.py")
     or ("kernels" in f and n in ("_affine", "_sum_dot", "_mean_var", "_combine"))),
    ("activations + dropout", lambda f, n: f.endswith(("ops/activation.py", "ops/dropout.py"))
     or "random" in n),
    ("loss", lambda f, n: f.endswith("ops/loss.py")),
    ("optimiser", lambda f, n: "/optim/" in f),
]


OTHER = "autograd + Python overhead + other"


def _category(filename, func):
    for name, match in CATEGORIES:
        if match(filename, func):
            return name
    return OTHER


def categorise(stats):
    """Sum own time per category; a NumPy builtin's time goes to its callers' categories."""
    totals = {name: 0.0 for name, _ in CATEGORIES}
    totals[OTHER] = 0.0
    for (filename, _, func), (_, _, tottime, _, callers) in stats.stats.items():
        if filename == "~" and callers:  # a builtin (e.g. a transposing copy): split by caller
            weights = {key: value[2] for key, value in callers.items()}
            total = sum(weights.values()) or 1.0
            for (cfile, _, cfunc), w in weights.items():
                totals[_category(cfile, cfunc)] += tottime * w / total
        else:
            totals[_category(filename, func)] += tottime
    return totals


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("net", choices=sorted(bench_train.NETS))
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--top", type=int, default=0, help="also print the N functions with most own time")
    args = ap.parse_args(argv)
    bench_train.reexec_with_blas_threads(args.threads)
    bench_train._limit_minidl_threads(args.threads)
    import minidl as mdl
    import minidl.nn as nn
    import minidl.nn.functional as F
    import minidl.optim as optim
    shape, batch, classes, desc = bench_train.NETS[args.net]
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    model = bench_train.build(args.net, nn, F)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = mdl.tensor(rng.standard_normal((batch,) + shape).astype(np.float32))
    y = rng.integers(0, classes, batch)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    plain = (time.perf_counter() - t0) / args.steps
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(args.steps):
        step()
    prof.disable()
    stats = pstats.Stats(prof)
    totals = categorise(stats)
    whole = sum(totals.values())
    print(f"{args.net} ({desc}), batch {batch}, {args.threads} thread(s): "
          f"{1e3 * plain:.1f} ms per step without the profiler")
    for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {name:38s} {1e3 * seconds / args.steps:8.1f} ms  {100 * seconds / whole:5.1f}%")
    if args.top:
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
