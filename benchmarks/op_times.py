"""Per-op wall time of a reference net's training step, and where channels-last memory is lost.

Wraps the ``forward`` and ``backward`` of every ``minidl.autograd.Function``
subclass with a timer, runs a few training steps (forward, cross-entropy,
backward, Adam) of a net from ``bench_train.py``, and prints the median step
time and each op's mean time per step, largest first. Unlike
``profile_step.py`` (cProfile, the calling thread only), the timers see the
wall time of whatever threads an op uses, so the one- and two-thread tables
can be compared op by op. ``--layouts`` instead prints, per op, the memory
layout of its 4-D array inputs and outputs (CL: channels-last, NCHW,
other) and flags the ops that turn channels-last input into NCHW output.

Run (the OPENBLAS_* variables set on the development machines slow BLAS, so
the command unsets them)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/op_times.py N6 --threads 2
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/op_times.py N2 --layouts
"""
from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_train  # noqa: E402


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _layout(a):
    from minidl.kernels import is_channels_last
    if not isinstance(a, np.ndarray) or a.ndim != 4:
        return "-"
    return "CL" if is_channels_last(a) else ("NCHW" if a.flags.c_contiguous else "other")


def _instrument(record):
    """Wrap every Function subclass's own forward/backward with ``record(cls, name, args, out, seconds)``."""
    import minidl.ops  # noqa: F401  (defines the op classes)
    from minidl.autograd import Function

    def wrap(cls, name):
        method = cls.__dict__.get(name)
        if method is None:
            return

        def timed(self, *args, **kwargs):
            t0 = time.perf_counter()
            out = method(self, *args, **kwargs)
            record(cls, name, args, out, time.perf_counter() - t0)
            return out
        setattr(cls, name, timed)

    for cls in list(_subclasses(Function)):
        wrap(cls, "forward")
        wrap(cls, "backward")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("net", choices=sorted(bench_train.NETS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--top", type=int, default=18, help="ops to list")
    ap.add_argument("--layouts", action="store_true", help="print each op's array layouts instead of times")
    args = ap.parse_args(argv)
    bench_train.reexec_with_blas_threads(args.threads)
    bench_train._limit_minidl_threads(args.threads)
    import minidl as mdl
    import minidl.nn as nn
    import minidl.nn.functional as F
    import minidl.optim as optim

    seconds = collections.defaultdict(float)
    layouts = collections.Counter()

    def record(cls, name, op_args, out, dt):
        seconds[(cls.__name__, name)] += dt
        if args.layouts:
            outs = out if isinstance(out, tuple) else (out,)
            layouts[(cls.__name__, name, ",".join(_layout(a) for a in op_args if isinstance(a, np.ndarray)),
                     ",".join(_layout(a) for a in outs if isinstance(a, np.ndarray)))] += 1
    _instrument(record)

    shape, batch, classes, _ = bench_train.NETS[args.net]
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    model = bench_train.build(args.net, nn, F)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = mdl.tensor(rng.standard_normal((batch,) + shape).astype(np.float32))
    y = mdl.tensor(rng.integers(0, classes, batch))
    steps = 1 if args.layouts else args.steps
    warmup = 0 if args.layouts else args.warmup
    totals = []
    for i in range(warmup + steps):
        if i == warmup:
            seconds.clear()
        time.sleep(0.2)          # OpenBLAS's idle workers spin for about 0.1 s after a GEMM
        t0 = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        if i >= warmup:
            totals.append(time.perf_counter() - t0)

    if args.layouts:
        for (op, name, ins, outs), count in sorted(layouts.items()):
            lost = "CL" in ins and "NCHW" in outs and "CL" not in outs
            print(f"{op:22s} {name:9s} in[{ins}] out[{outs}] x{count}"
                  + ("  <- channels-last in, NCHW out" if lost else ""))
        return
    print(f"{args.net}, {args.threads} thread(s): step median {1e3 * statistics.median(totals):.1f} ms "
          f"(min {1e3 * min(totals):.1f}), {steps} steps; load average {os.getloadavg()[0]:.2f}")
    for (op, name), total in sorted(seconds.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {op:28s} {name:9s} {1e3 * total / steps:8.2f} ms")
    traced = sum(seconds.values()) / steps
    print(f"  ops {1e3 * traced:.1f} ms; the rest (autograd, Python, optimiser) "
          f"{1e3 * (statistics.mean(totals) - traced):.1f} ms")


if __name__ == "__main__":
    main()
