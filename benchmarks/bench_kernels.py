"""Time the CPU kernels: vectorised NumPy reference vs the Numba kernels.

Usage (unset OpenBLAS tuning variables so every run sees the same library setup):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_kernels.py [--repeat 9]

For each kernel on layer shapes taken from the reference nets of issue 5
(float32; im2col/col2im in the (N*OH*OW, C*kh*kw) column layout), prints the median time over ``--repeat`` runs of each
implementation (runs alternate between the two; one warm-up call each, so
Numba compilation is not timed) and the median of the paired ratios
NumPy / Numba (> 1 means Numba is faster).
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import time

import numpy as np

import minidl
from minidl import kernels

# name, x shape, kernel, stride, padding
CONV_LAYERS = [
    ("N1 conv1 5x5", (64, 3, 32, 32), 5, 1, 0),
    ("N2 conv2 3x3", (64, 32, 32, 32), 3, 1, 1),
    ("N2 conv6 3x3", (64, 128, 8, 8), 3, 1, 1),
    ("N3 conv2 3x3", (32, 10, 62, 62), 3, 1, 0),
    ("N6 layer1 3x3", (32, 64, 32, 32), 3, 1, 1),
    ("N6 layer2 s2", (32, 64, 32, 32), 3, 2, 1),
    ("N6 layer4 3x3", (32, 512, 4, 4), 3, 1, 1),
]
POOL_LAYERS = [
    ("N2 pool 2x2", (64, 32, 32, 32), 2, 2, 0),
    ("N3 pool 2x2", (32, 10, 60, 60), 2, 2, 0),
    ("3x3 s2 p1", (32, 64, 32, 32), 3, 2, 1),
]


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _run(fn, choice):
    """``fn(minidl.kernels)`` with NumPy arrays sent to implementation ``choice``; returns seconds."""
    with minidl.using_config(cpu_kernels=choice):
        return _timed(lambda: fn(kernels))


def compare(fn, repeat):
    """Median times of ``fn`` on the NumPy references and on the Numba kernels, and the median of paired ratios.

    Runs alternate between the two implementations so both see the same
    machine load; one warm-up call each first (Numba compilation not timed).
    """
    _run(fn, "numpy")
    _run(fn, "numba")
    t_ref, t_nb = [], []
    for _ in range(repeat):
        t_ref.append(_run(fn, "numpy"))
        t_nb.append(_run(fn, "numba"))
    ratio = statistics.median(r / n for r, n in zip(t_ref, t_nb))
    return statistics.median(t_ref), statistics.median(t_nb), ratio


def cases(rng):
    for name, shape, k, s, p in CONV_LAYERS:
        x = rng.standard_normal(shape, dtype=np.float32)
        cols = kernels.im2col(x, k, s, p, 1)
        dcols = rng.standard_normal(cols.shape, dtype=np.float32)
        buf = np.empty_like(cols)
        yield "im2col", name, lambda m, x=x, k=k, s=s, p=p, b=buf: m.im2col(x, k, s, p, 1, out=b)
        yield "col2im", name, lambda m, d=dcols, sh=shape, k=k, s=s, p=p: m.col2im(d, sh, k, s, p, 1)
    for name, shape, k, s, p in POOL_LAYERS:
        x = rng.standard_normal(shape, dtype=np.float32)
        out, arg = kernels.maxpool2d_forward(x, k, s, p, False)
        dy = rng.standard_normal(out.shape, dtype=np.float32)
        yield "maxpool fwd", name, lambda m, x=x, k=k, s=s, p=p: m.maxpool2d_forward(x, k, s, p, False)
        yield "maxpool bwd", name, lambda m, dy=dy, a=arg, sh=shape: m.maxpool2d_backward(dy, a, sh)
        yield "avgpool fwd", name, lambda m, x=x, k=k, s=s, p=p: m.avgpool2d_forward(x, k, s, p, False, True)
        yield "avgpool bwd", name, lambda m, dy=dy, sh=shape, k=k, s=s, p=p: \
            m.avgpool2d_backward(dy, sh, k, s, p, False, True)


FUSED_LAYERS = [
    ("N2 conv1 out", (64, 32, 32, 32)),
    ("N4 bn1 in", (32, 32, 32, 32)),
]


def fused_cases(rng):
    for name, shape in FUSED_LAYERS:
        x = rng.standard_normal(shape, dtype=np.float32)
        dy = rng.standard_normal(shape, dtype=np.float32)
        v = rng.standard_normal(shape[1], dtype=np.float32)
        buf = np.empty_like(x)
        yield "chan mean/var", name, lambda m, x=x: m.channel_mean_var(x)
        yield "chan sum/dot", name, lambda m, dy=dy, x=x: m.channel_sum_dot(dy, x)
        yield "chan affine", name, lambda m, x=x, v=v, b=buf: m.channel_affine(x, v, v, out=b)
        yield "chan combine", name, lambda m, x=x, dy=dy, v=v, b=buf: m.channel_combine(dy, x, v, v, v, out=b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    import numba
    kernels.im2col(np.ones((1, 1, 2, 2), np.float32), 1, 1, 0, 1)    # loads Numba with minidl's thread policy
    print(f"numba {numba.__version__}, {numba.get_num_threads()} threads, numpy {np.__version__}, "
          f"median of {args.repeat}, float32")
    print(f"{'kernel':<13} {'layer':<15} {'numpy ms':>9} {'numba ms':>9} {'ratio':>6}")
    ratios = []
    rng = np.random.default_rng(0)
    for kernel, name, fn in itertools.chain(cases(rng), fused_cases(rng)):
        t_ref, t_nb, ratio = compare(fn, args.repeat)
        ratios.append(ratio)
        print(f"{kernel:<13} {name:<15} {t_ref * 1e3:9.2f} {t_nb * 1e3:9.2f} {ratio:6.2f}x", flush=True)
    print(f"geometric mean ratio numpy/numba: {statistics.geometric_mean(ratios):.2f}x")


if __name__ == "__main__":
    main()
