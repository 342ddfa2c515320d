"""Winograd F(2x2, 3x3) and F(4x4, 3x3) vs im2col + GEMM on the 3x3 stride-1 layers of N2, N4 and N6, per layer.

Usage (the OPENBLAS_* variables set on the development machines slow BLAS, so
the command unsets them)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_winograd.py --threads 1

Times one convolution's forward and backward (dx, dW, db) through ``F.conv2d``
with ``minidl.config.conv_algorithm`` set to ``"im2col"``, ``"winograd"``
(F(2x2, 3x3)) and ``"winograd4"`` (F(4x4, 3x3)), alternating call by call in one
process, at the nets' batch sizes, and prints the medians and the median of the
paired ratios to im2col. ``--channels-last`` hands the layers channels-last
input, as the nets' inner layers get it under ``config.channels_last``. This is
how ``kernels.WINOGRAD_MIN_CHANNELS`` was chosen. The whole-step A/B is
``benchmarks/ab_config.py --field conv_algorithm --values im2col auto``.
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

# name, x shape (batch, C, H, W), out channels; 3x3, stride 1, padding 1, as in the nets
LAYERS = [
    ("N2 3->32 @32", (64, 3, 32, 32), 32),
    ("N2 32->32 @32", (64, 32, 32, 32), 32),
    ("N2 32->64 @16", (64, 32, 16, 16), 64),
    ("N2 64->64 @16", (64, 64, 16, 16), 64),
    ("N2 64->128 @8", (64, 64, 8, 8), 128),
    ("N2 128->128 @8", (64, 128, 8, 8), 128),
    ("N4 3->32 @64", (32, 3, 64, 64), 32),
    ("N4 32->32 @64", (32, 32, 64, 64), 32),
    ("N4 32->32 @32", (32, 32, 32, 32), 32),
    ("N4 32->64 @32", (32, 32, 32, 32), 64),
    ("N4 64->128 @16", (32, 64, 16, 16), 128),
    ("N4 128->128 @8", (32, 128, 8, 8), 128),
    ("N6 3->64 @32", (32, 3, 32, 32), 64),
    ("N6 64->64 @32", (32, 64, 32, 32), 64),
    ("N6 128->128 @16", (32, 128, 16, 16), 128),
    ("N6 256->256 @8", (32, 256, 8, 8), 256),
    ("N6 512->512 @4", (32, 512, 4, 4), 512),
]


def _alternate(fns, repeat):
    """Median seconds of each fn in ``fns`` (a dict), calls interleaved, plus median paired ratios to the first."""
    times = {name: [] for name in fns}
    for fn in fns.values():
        fn()                                   # warm-up (Numba compilation, allocator)
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
    ap.add_argument("--layers", nargs="*", default=None, help="substrings of layer names to run (default all)")
    ap.add_argument("--channels-last", action="store_true", help="channels-last (NHWC memory) input")
    args = ap.parse_args(argv)
    bench_train.reexec_with_blas_threads(args.threads)
    bench_train._limit_minidl_threads(args.threads)
    import minidl as mdl
    import minidl.nn.functional as F
    from minidl.kernels import _numba
    print(f"threads: BLAS {args.threads}, Numba {_numba.num_threads()}; load average {os.getloadavg()[0]:.1f}; "
          f"OPENBLAS_CORETYPE/L2_SIZE "
          f"{'unset' if not any(v in os.environ for v in bench_train.OPENBLAS_VARS) else 'SET (slow BLAS)'}")
    rng = np.random.default_rng(0)
    print(f"{'layer':18s} {'im2col ms':>10s} {'F(2x2) ms':>10s} {'F(4x4) ms':>10s} {'F2/im2col':>10s} "
          f"{'F4/im2col':>10s}", flush=True)
    for name, shape, o in LAYERS:
        if args.layers and not any(s in name for s in args.layers):
            continue
        x_array = rng.standard_normal(shape).astype(np.float32)
        if args.channels_last:
            x_array = np.ascontiguousarray(x_array.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        x = mdl.tensor(x_array, requires_grad=shape[1] > 3)
        w = mdl.tensor(rng.standard_normal((o, shape[1], 3, 3)).astype(np.float32) * 0.1, requires_grad=True)
        b = mdl.tensor(np.zeros(o, np.float32), requires_grad=True)

        def fwd_bwd(algorithm):
            def run():
                with mdl.using_config(conv_algorithm=algorithm):
                    for p in (x, w, b):
                        p.grad = None
                    F.conv2d(x, w, b, padding=1).sum().backward()
            return run
        med, ratio = _alternate({a: fwd_bwd(a) for a in ("im2col", "winograd", "winograd4")}, args.repeat)
        print(f"{name:18s} {med['im2col'] * 1e3:10.2f} {med['winograd'] * 1e3:10.2f} {med['winograd4'] * 1e3:10.2f} "
              f"{ratio['winograd']:9.2f}x {ratio['winograd4']:9.2f}x", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
