"""In-process A/B of one ``minidl.config`` field on the training step of reference nets.

One process, one model per net: the step (forward, cross-entropy, backward,
Adam) alternates between the field's values, one step each, so both sides see
the same load. Prints the median step time per value, the ratio of the
medians, and the median of the paired ratios (each B step over the A step
next to it), which is the robust figure on a shared machine.

Run (the OPENBLAS_* variables set on the development machines slow BLAS)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/ab_config.py \\
        --field fuse_conv_bias --values 0 1 --nets N3 N1 --steps 40 --threads 1
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_train  # noqa: E402


def training_step(net):
    """One seeded model of ``net`` with Adam and a fixed batch; returns ``step()``, one training step."""
    import minidl as mdl
    import minidl.nn as nn
    import minidl.nn.functional as F
    import minidl.optim as optim
    shape, batch, classes, _ = bench_train.NETS[net]
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    model = bench_train.build(net, nn, F)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = mdl.tensor(rng.standard_normal((batch,) + shape).astype(np.float32))
    y = mdl.tensor(rng.integers(0, classes, batch))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def ab_net(net, field, values, steps, warmup, settle=0.0):
    """Alternate ``field`` over ``values`` step by step on ``net``; return {value: [seconds per step]}.

    ``settle``: seconds to sleep, untimed, before each step, so that threads a
    step left busy (OpenBLAS's workers spin for about 0.1 s after a GEMM) do
    not run into the next one, which may be the other value's. Fields that
    change thread counts leak state from one value's step into the next
    either way: measure those in separate processes too
    (``docs/performance.md``, "Session 8 after merging").
    """
    import minidl as mdl
    step = training_step(net)

    times = {v: [] for v in values}
    for i in range(warmup + steps):
        for value in values:
            with mdl.using_config(**{field: value}):
                if settle:
                    time.sleep(settle)
                t0 = time.perf_counter()
                step()
                if i >= warmup:
                    times[value].append(time.perf_counter() - t0)
    return times


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--field", required=True, help="a minidl.config field, e.g. fuse_conv_bias")
    ap.add_argument("--values", nargs=2, required=True, help="A and B (strings, as the environment gives them)")
    ap.add_argument("--nets", nargs="+", default=["N3"])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--settle", type=float, default=0.0,
                    help="untimed sleep before each step, in s (0.2 lets OpenBLAS's spinning workers stop; "
                         "use it for fields that change how many threads run)")
    args = ap.parse_args(argv)
    bench_train.reexec_with_blas_threads(args.threads)
    bench_train._limit_minidl_threads(args.threads)
    print(f"load average at start: {os.getloadavg()[0]:.1f}; {args.threads} thread(s); settle {args.settle} s; "
          f"OPENBLAS_CORETYPE {'set' if 'OPENBLAS_CORETYPE' in os.environ else 'unset'}")
    a, b = args.values
    for net in args.nets:
        times = ab_net(net, args.field, (a, b), args.steps, args.warmup, args.settle)
        med_a, med_b = statistics.median(times[a]), statistics.median(times[b])
        paired = statistics.median(tb / ta for ta, tb in zip(times[a], times[b]))
        print(f"{net}: {args.field}={a} {1e3 * med_a:.1f} ms, {args.field}={b} {1e3 * med_b:.1f} ms, "
              f"B/A medians {med_b / med_a:.3f}x, median paired B/A {paired:.3f}x "
              f"({args.steps} pairs; load now {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
