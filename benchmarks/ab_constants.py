"""A/B of module constants (the per-op rule's thresholds, the Winograd split...) in separate processes.

Each variant is a ``;``-separated list of ``module:NAME=VALUE`` settings (VALUE a
Python expression, e.g. ``minidl.kernels._threads:LAUNCH_SPLIT_MIN_BYTES=1<<16``;
the empty string is the tree as committed). Every variant runs in its own
process, its steps back to back as a training runs them, because thread-heavy
paths alternated step by step in one process leak thread state into each other
(``docs/performance.md``, "Session 8 after merging"); the processes alternate
variant by variant for ``--pairs`` rounds (the order reversed every other
round). Prints each process's median step, and per variant the median of its
per-round ratios to the first variant.

Run (the OPENBLAS_* variables set on the development machines slow BLAS, so the
command unsets them)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/ab_constants.py --net N1 --pairs 5 \\
        --steps 200 -- "" "minidl.kernels._threads:LAUNCH_SPLIT_MIN_BYTES=1<<22"
"""
from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_train  # noqa: E402


def apply(spec):
    """Set every ``module:NAME=VALUE`` of ``spec`` (``;``-separated)."""
    for item in filter(None, (part.strip() for part in spec.split(";"))):
        target, value = item.split("=", 1)
        module, name = target.split(":")
        mod = importlib.import_module(module)
        if not hasattr(mod, name):
            raise SystemExit(f"ab_constants: {module} has no {name}")
        setattr(mod, name, eval(value, {}))


def child(net, spec, threads, steps, warmup):
    """Median step of ``net`` in ms with ``spec`` applied, steps back to back."""
    import ab_config
    bench_train._limit_minidl_threads(threads)
    apply(spec)
    step = ab_config.training_step(net)
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--net", default="N1", choices=sorted(bench_train.NETS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--pairs", type=int, default=3, help="rounds of one process per variant")
    ap.add_argument("--child", metavar="SPEC", help=argparse.SUPPRESS)
    ap.add_argument("variants", nargs="*", default=[""])
    args = ap.parse_args(argv)
    bench_train.reexec_with_blas_threads(args.threads)
    if args.child is not None:
        print(f"{child(args.net, args.child, args.threads, args.steps, args.warmup):.4f}")
        return
    blas = "SET (slow BLAS)" if any(v in os.environ for v in bench_train.OPENBLAS_VARS) else "unset"
    print(f"{args.net}, {args.threads} thread(s), {args.steps} steps per process; load average at start "
          f"{os.getloadavg()[0]:.1f}; OPENBLAS_CORETYPE/L2_SIZE {blas}", flush=True)
    medians = {v: [] for v in args.variants}
    for round_ in range(args.pairs):
        for variant in (args.variants if round_ % 2 == 0 else args.variants[::-1]):
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", variant, "--net", args.net,
                                  "--threads", str(args.threads), "--steps", str(args.steps),
                                  "--warmup", str(args.warmup)], capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"ab_constants: variant {variant!r} failed:\n{out.stderr[-2000:]}")
            medians[variant].append(float(out.stdout.split()[-1]))
    base = args.variants[0]
    for variant in args.variants:
        ratios = [m / b for m, b in zip(medians[variant], medians[base])]
        print(f"{variant or '(as committed)':60s} " + " ".join(f"{m:8.2f}" for m in medians[variant])
              + f"   median {statistics.median(medians[variant]):8.2f} ms   ratio {statistics.median(ratios):.3f}")
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
