"""Winograd in ``auto`` with two (or more) BLAS threads: A/B in separate processes, steps back to back.

``kernels.winograd_suited`` takes Winograd with one BLAS thread only
(``WINOGRAD4_ANY_THREADS`` and ``WINOGRAD_ANY_THREADS`` are False): on the
loaded machine of session 9 it measured slower with two. This script measures
that on a quiet machine. Each variant runs in its own process, its steps back
to back as a training runs them, because alternating thread-heavy paths step by
step in one process leaks thread state between them (docs/performance.md,
"Session 8 after merging"). The processes alternate variant by variant for
``--pairs`` rounds. The script prints each process's median and minimum step
and, per variant, the median over rounds of its median against the baseline's.

Variants (``VARIANTS``: constants of ``kernels/winograd.py``): ``none`` (im2col
with T > 1 threads), ``F4`` (F(4x4) where the one-thread rule takes it, the rule
as committed), ``F4F2`` (F(2x2) too), each thread on its own images
(``WINOGRAD_SPLIT = "batch"``); ``F4freq`` and ``F4F2freq`` the same with each
chunk's GEMMs split by frequency instead (``"frequency"``).

Run (the OPENBLAS_* variables set on the development machines slow BLAS)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/ab_winograd_threads.py --nets N6 --pairs 3
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_train  # noqa: E402

# module constants of kernels/winograd.py per variant (the rest as committed)
NEVER = 1 << 62
VARIANTS = {"none": dict(WINOGRAD4_MIN_CHANNELS_SPLIT=NEVER),
            "F4": dict(WINOGRAD4_MIN_CHANNELS_SPLIT=32),
            "F4F2": dict(WINOGRAD4_MIN_CHANNELS_SPLIT=32, WINOGRAD_ANY_THREADS=True),
            "F4freq": dict(WINOGRAD4_MIN_CHANNELS_SPLIT=32, WINOGRAD_SPLIT="frequency"),
            "F4F2freq": dict(WINOGRAD4_MIN_CHANNELS_SPLIT=32, WINOGRAD_ANY_THREADS=True, WINOGRAD_SPLIT="frequency")}


def child(variant, threads, net, steps, warmup):
    """Time ``steps`` back-to-back training steps of ``net`` under ``variant``; print 'median min' in ms."""
    import ab_config
    bench_train._limit_minidl_threads(threads)
    from minidl.kernels import winograd
    for name, value in VARIANTS[variant].items():
        setattr(winograd, name, value)
    step = ab_config.training_step(net)
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    print(f"{statistics.median(times) * 1e3:.3f} {min(times) * 1e3:.3f}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nets", nargs="+", default=["N6"])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS),
                    help="the first is the baseline")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--pairs", type=int, default=3, help="rounds of one process per variant")
    ap.add_argument("--child", nargs=2, metavar=("VARIANT", "NET"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    bench_train.reexec_with_blas_threads(args.threads)
    if args.child:
        child(args.child[0], args.threads, args.child[1], args.steps, args.warmup)
        return
    print(f"load average at start {os.getloadavg()[0]:.1f}; {args.threads} thread(s); OPENBLAS_CORETYPE "
          f"{'unset' if 'OPENBLAS_CORETYPE' not in os.environ else 'SET (slow BLAS)'}", flush=True)
    for net in args.nets:
        medians = {v: [] for v in args.variants}
        for round_ in range(args.pairs):
            order = args.variants if round_ % 2 == 0 else args.variants[::-1]
            for variant in order:
                out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", variant, net,
                                      "--threads", str(args.threads), "--steps", str(args.steps),
                                      "--warmup", str(args.warmup)], capture_output=True, text=True, check=True)
                median, minimum = (float(v) for v in out.stdout.split()[-2:])
                medians[variant].append(median)
                print(f"{net} round {round_ + 1} {variant:5s} median {median:8.1f} ms  min {minimum:8.1f} ms  "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
        base = args.variants[0]
        for variant in args.variants[1:]:
            ratios = [m / b for m, b in zip(medians[variant], medians[base])]
            print(f"{net}: {variant} / {base} per round {', '.join(f'{r:.3f}' for r in ratios)}; "
                  f"median {statistics.median(ratios):.3f}x", flush=True)


if __name__ == "__main__":
    main()
