"""Time the CPU kernels: vectorised NumPy reference vs the Numba kernels.

Usage (unset OpenBLAS tuning variables so every run sees the same library setup):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_kernels.py [--repeat 9]

For each kernel on layer shapes taken from the reference nets of issue 5
(float32), prints the median time over ``--repeat`` runs after one warm-up
call of each implementation (so Numba compilation is not timed), and the ratio
NumPy / Numba (> 1 means Numba is faster).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from minidl.kernels import cpu, reference

# name, x shape, kernel, stride, padding
CONV_LAYERS = [
    ("N1 conv1 5x5", (64, 3, 32, 32), 5, 1, 0),
    ("N2 conv2 3x3", (64, 32, 32, 32), 3, 1, 1),
    ("N3 conv2 3x3", (32, 10, 62, 62), 3, 1, 0),
    ("N6 layer1 3x3", (32, 64, 32, 32), 3, 1, 1),
    ("N6 layer2 s2", (32, 64, 32, 32), 3, 2, 1),
]
POOL_LAYERS = [
    ("N2 pool 2x2", (64, 32, 32, 32), 2, 2, 0),
    ("N3 pool 2x2", (32, 10, 60, 60), 2, 2, 0),
    ("3x3 s2 p1", (32, 64, 32, 32), 3, 2, 1),
]


def median_time(fn, repeat):
    fn()  # warm-up (compiles Numba kernels)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cases(rng):
    for name, shape, k, s, p in CONV_LAYERS:
        x = rng.standard_normal(shape, dtype=np.float32)
        cols = reference.im2col(x, k, s, p, 1)
        dcols = rng.standard_normal(cols.shape, dtype=np.float32)
        buf = np.empty_like(cols)
        yield "im2col", name, lambda m, x=x, k=k, s=s, p=p, b=buf: m.im2col(x, k, s, p, 1, out=b)
        yield "col2im", name, lambda m, d=dcols, sh=shape, k=k, s=s, p=p: m.col2im(d, sh, k, s, p, 1)
    for name, shape, k, s, p in POOL_LAYERS:
        x = rng.standard_normal(shape, dtype=np.float32)
        out, arg = reference.maxpool2d_forward(x, k, s, p, False)
        dy = rng.standard_normal(out.shape, dtype=np.float32)
        yield "maxpool fwd", name, lambda m, x=x, k=k, s=s, p=p: m.maxpool2d_forward(x, k, s, p, False)
        yield "maxpool bwd", name, lambda m, dy=dy, a=arg, sh=shape: m.maxpool2d_backward(dy, a, sh)
        yield "avgpool fwd", name, lambda m, x=x, k=k, s=s, p=p: m.avgpool2d_forward(x, k, s, p, False, True)
        yield "avgpool bwd", name, lambda m, dy=dy, sh=shape, k=k, s=s, p=p: \
            m.avgpool2d_backward(dy, sh, k, s, p, False, True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    import numba
    print(f"numba {numba.__version__}, {numba.get_num_threads()} threads, numpy {np.__version__}, "
          f"median of {args.repeat}, float32")
    print(f"{'kernel':<12} {'layer':<15} {'numpy ms':>9} {'numba ms':>9} {'ratio':>6}")
    ratios = []
    for kernel, name, fn in cases(np.random.default_rng(0)):
        t_ref = median_time(lambda: fn(reference), args.repeat)
        t_nb = median_time(lambda: fn(cpu), args.repeat)
        ratios.append(t_ref / t_nb)
        print(f"{kernel:<12} {name:<15} {t_ref * 1e3:9.2f} {t_nb * 1e3:9.2f} {t_ref / t_nb:6.2f}x", flush=True)
    print(f"geometric mean ratio numpy/numba: {statistics.geometric_mean(ratios):.2f}x")


if __name__ == "__main__":
    main()
