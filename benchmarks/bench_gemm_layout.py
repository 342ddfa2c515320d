"""Which orientation of the three convolution GEMMs OpenBLAS runs fastest.

For the conv layers of the CIFAR deep CNN (benchmark net N2) it times the
forward product, the weight gradient and the column gradient in each
orientation NumPy can hand to BLAS, on the column layout minidl uses.
It motivated computing dW^T = cols @ dy2^T instead of dy2 @ cols^T.

Run (the OPENBLAS_* variables set on the development machines slow BLAS, so
the command unsets them)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_gemm_layout.py
"""
import statistics
import time

import numpy as np


def median_ms(fn, repeats=9):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def main():
    rng = np.random.default_rng(0)
    print(f"{'O':>4} {'K':>5} {'N*P':>6} | {'fwd W@cols':>10} {'fwd cols.T@W.T':>14} | "
          f"{'dW dy@cols.T':>12} {'dW^T cols@dy.T':>14} | {'dcols W.T@dy':>12}")
    for O, K, NP in [(32, 27, 65536), (32, 288, 65536), (64, 576, 16384), (128, 1152, 4096)]:
        w = rng.standard_normal((O, K)).astype(np.float32)
        cols = rng.standard_normal((K, NP)).astype(np.float32)
        dy = rng.standard_normal((O, NP)).astype(np.float32)
        print(f"{O:4d} {K:5d} {NP:6d} | {median_ms(lambda: w @ cols):10.1f} {median_ms(lambda: cols.T @ w.T):14.1f} | "
              f"{median_ms(lambda: dy @ cols.T):12.1f} {median_ms(lambda: cols @ dy.T):14.1f} | "
              f"{median_ms(lambda: w.T @ dy):12.1f}")
    print("times in ms, medians of 9")


if __name__ == "__main__":
    main()
