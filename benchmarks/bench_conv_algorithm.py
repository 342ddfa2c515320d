"""Direct stride-1 convolution vs im2col + GEMM, per layer and per training step.

Usage (the OPENBLAS_* variables set on the development machines slow BLAS, so
the command unsets them)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_conv_algorithm.py --threads 1

Part 1 times one convolution's forward and backward (dx, dW, db) through the op
with ``minidl.config.conv_algorithm`` set to ``"im2col"`` and to
``"direct"``, on layer shapes from the reference nets of issue 5. Part 2 times
whole training steps of the nets with ``"im2col"`` and ``"auto"`` (the rule in
``minidl.kernels.direct_conv_suited``). Both parts alternate the two settings
call by call in one process, so load on a shared machine hits both alike, and
print medians and the median ratio. This is how ``DIRECT_MAX_CHANNELS`` and
``DIRECT_MIN_PLANE`` were chosen.
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

# name, x shape, (O, k), padding; stride 1 throughout (direct needs it)
LAYERS = [
    ("N1 conv1 3->6 5x5", (64, 3, 32, 32), (6, 5), 0),
    ("N1 conv2 6->16 5x5", (64, 6, 14, 14), (16, 5), 0),
    ("N3 conv1 3->10", (32, 3, 64, 64), (10, 3), 0),
    ("N3 conv2 10->10", (32, 10, 62, 62), (10, 3), 0),
    ("N3 conv4 10->10", (32, 10, 28, 28), (10, 3), 0),
    ("N2 conv1 3->32", (64, 3, 32, 32), (32, 3), 1),
    ("N2 conv2 32->32", (64, 32, 32, 32), (32, 3), 1),
]


def _alternate(fns, repeat):
    """Median seconds of each fn in ``fns`` (a dict), calls interleaved, plus paired ratios to the first."""
    times = {name: [] for name in fns}
    for fn in fns.values():
        fn()                                   # warm-up (Numba compilation)
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    first = next(iter(fns))
    ratios = {name: statistics.median(t / b for t, b in zip(times[name], times[first])) for name in fns}
    return {name: statistics.median(v) for name, v in times.items()}, ratios


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--nets", nargs="*", default=["N1", "N3"])
    args = ap.parse_args(argv)
    bench_train._limit_minidl_threads(args.threads)
    import minidl as mdl
    import minidl.nn as nn
    import minidl.nn.functional as F
    print(f"threads={args.threads}; OPENBLAS_CORETYPE/L2_SIZE "
          f"{'unset' if not any(v in os.environ for v in bench_train.OPENBLAS_VARS) else 'SET (slow BLAS)'}")

    rng = np.random.default_rng(0)
    print(f"\n{'layer':22s} {'im2col ms':>10s} {'direct ms':>10s} {'direct/im2col':>14s}")
    for name, shape, (o, k), pad in LAYERS:
        x = mdl.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
        w = mdl.tensor(rng.standard_normal((o, shape[1], k, k)).astype(np.float32) * 0.1, requires_grad=True)
        b = mdl.tensor(np.zeros(o, np.float32), requires_grad=True)

        def fwd_bwd(algorithm):
            def run():
                with mdl.using_config(conv_algorithm=algorithm):
                    F.conv2d(x, w, b, padding=pad).sum().backward()
            return run
        med, ratio = _alternate({"im2col": fwd_bwd("im2col"), "direct": fwd_bwd("direct")}, args.repeat)
        print(f"{name:22s} {med['im2col'] * 1e3:10.2f} {med['direct'] * 1e3:10.2f} {ratio['direct']:13.2f}x")

    print(f"\n{'net step':22s} {'im2col ms':>10s} {'auto ms':>10s} {'auto/im2col':>14s}")
    for net_name in args.nets:
        shape, batch, classes, _ = bench_train.NETS[net_name]
        net = bench_train.build(net_name, nn, F)
        opt = mdl.optim.Adam(net.parameters())
        x = mdl.tensor(rng.standard_normal((batch,) + shape).astype(np.float32))
        y = mdl.tensor(rng.integers(0, classes, batch))

        def step(algorithm):
            def run():
                with mdl.using_config(conv_algorithm=algorithm):
                    opt.zero_grad()
                    F.cross_entropy(net(x), y).backward()
                    opt.step()
            return run
        med, ratio = _alternate({"im2col": step("im2col"), "auto": step("auto")}, args.repeat)
        print(f"{net_name:22s} {med['im2col'] * 1e3:10.2f} {med['auto'] * 1e3:10.2f} {ratio['auto']:13.2f}x")


if __name__ == "__main__":
    main()
