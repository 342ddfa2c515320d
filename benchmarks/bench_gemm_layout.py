"""Which column layout and GEMM orientation OpenBLAS runs fastest for convolution.

For conv layers of the CIFAR deep CNN (benchmark net N2) and ResNet-18 (N6) it
times the three convolution GEMMs (forward product, weight gradient, column
gradient) and the copies around them, with the column matrix in each of the
two layouts:

* old: cols (K, N*P), K = C*kh*kw, P = OH*OW (a row per weight element);
  y2 = W2 @ cols, dW^T = cols @ dy2^T, dcols = W2^T @ dy2, with dy2 = dy as
  (O, N*P) (a cheap copy: contiguous runs of P);
* new: colsT (N*P, K) (a row per output pixel, what ``minidl.kernels.im2col``
  returns); yT = colsT @ W2^T, dW^T = colsT^T @ dyT, dcolsT = dyT @ W2, with
  dyT = dy as (N*P, O) (a transposing copy).

Columns printed (ms, medians): per GEMM the old and the new orientation (for
the weight gradient also the two other orientations the new layout allows,
dW = dyT^T @ colsT and dW = dy2 @ colsT), and the layout copies around the
GEMMs ("copy": forward, the GEMM result to (N, O, P) with the bias added;
backward, dy to dy2 (old) or dyT (new)).

Measured on the 2-core development machine (OpenBLAS 0.3, float32, load 3-4
from other work), N2 conv2 / conv4 / conv6 / N6 layer1:

* two BLAS threads (the default): forward 24/24/30/39 ms -> 16/16/8/16,
  column gradient 24/27/16/24 -> 16/16/8/24, weight gradient the same
  (16/16/8/24); the orientations whose result has only O rows (W2 @ cols,
  dyT^T @ colsT, dy2 @ colsT) are the ones OpenBLAS's threads handle badly on
  this loaded machine, up to 84-1164 ms for a 16 ms product;
* one BLAS thread (OPENBLAS_NUM_THREADS=1): forward 15/9/7/19 -> 10/8/6/22,
  column gradient 19/10/6/21 -> 14/10/6/17, weight gradient 11/8/7/16 ->
  13/9/7/18;
* the copies: the transposing dy -> dyT costs 2-4 ms on the 32x32 layers
  (0.5 ms for dy2), the forward copy 1-2 ms (1 ms).

So minidl's Conv2d uses yT = colsT @ W2^T, dW^T = colsT^T @ dyT and
dcolsT = dyT @ W2 (see ``minidl/ops/conv.py``).

Run (the OPENBLAS_* variables set on the development machines slow BLAS, so
the command unsets them; the machine is shared, so compare columns of one run)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_gemm_layout.py [--repeat 9]
"""
import argparse
import statistics
import time

import numpy as np

# (layer, N, C, O, H=W of the output, kernel): stride 1, "same" padding
LAYERS = [
    ("N2 conv2", 64, 32, 32, 32, 3),
    ("N2 conv4", 64, 64, 64, 16, 3),
    ("N2 conv6", 64, 128, 128, 8, 3),
    ("N6 layer1", 32, 64, 64, 32, 3),
]


def median_ms(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    r = args.repeat
    rng = np.random.default_rng(0)
    print(f"{'layer':10} {'O':>4} {'K':>5} {'N*P':>6} | {'fwd old':>7} {'new':>6} | {'copy old':>8} {'new':>5} | "
          f"{'dW old':>6} {'new':>7} {'alt':>7} {'alt':>6} | {'dcols old':>9} {'new':>6} | "
          f"{'dy copy old':>11} {'new':>5}")
    print(f"{'':10} {'':>4} {'':>5} {'':>6} | {'W2@c':>7} {'cT@W2T':>6} | {'':>8} {'':>5} | "
          f"{'c@dy2T':>6} {'cTT@dyT':>7} {'dyTT@cT':>7} {'dy2@cT':>6} | {'W2T@dy2':>9} {'dyT@W2':>6} |")
    for name, N, C, O, S, k in LAYERS:
        K, P = C * k * k, S * S
        NP = N * P
        w2 = rng.standard_normal((O, K), dtype=np.float32)
        b = rng.standard_normal(O, dtype=np.float32)
        cols = rng.standard_normal((K, NP), dtype=np.float32)          # old layout
        colsT = np.ascontiguousarray(cols.T)                            # new layout
        dy = rng.standard_normal((N, O, P), dtype=np.float32)
        dy2 = np.ascontiguousarray(dy.transpose(1, 0, 2)).reshape(O, NP)
        dyT = np.ascontiguousarray(dy.transpose(0, 2, 1)).reshape(NP, O)
        y2, yT = w2 @ cols, colsT @ w2.T
        y = np.empty((N, O, P), np.float32)
        t = {
            "fwd old": median_ms(lambda: w2 @ cols, r),
            "fwd new": median_ms(lambda: colsT @ w2.T, r),
            "copy old": median_ms(lambda: np.add(y2.reshape(O, N, P).transpose(1, 0, 2), b.reshape(1, O, 1), out=y), r),
            "copy new": median_ms(lambda: np.add(yT.reshape(N, P, O).transpose(0, 2, 1), b.reshape(1, O, 1), out=y), r),
            "dW old": median_ms(lambda: cols @ dy2.T, r),
            "dW new": median_ms(lambda: colsT.T @ dyT, r),
            "dW alt1": median_ms(lambda: dyT.T @ colsT, r),
            "dW alt2": median_ms(lambda: dy2 @ colsT, r),
            "dc old": median_ms(lambda: w2.T @ dy2, r),
            "dc new": median_ms(lambda: dyT @ w2, r),
            "dy old": median_ms(lambda: np.ascontiguousarray(dy.transpose(1, 0, 2)), r),
            "dy new": median_ms(lambda: np.ascontiguousarray(dy.transpose(0, 2, 1)), r),
        }
        print(f"{name:10} {O:4d} {K:5d} {NP:6d} | {t['fwd old']:7.1f} {t['fwd new']:6.1f} | "
              f"{t['copy old']:8.1f} {t['copy new']:5.1f} | {t['dW old']:6.1f} {t['dW new']:7.1f} {t['dW alt1']:7.1f} "
              f"{t['dW alt2']:6.1f} | "
              f"{t['dc old']:9.1f} {t['dc new']:6.1f} | {t['dy old']:11.1f} {t['dy new']:5.1f}", flush=True)
    print(f"times in ms, medians of {r}")


if __name__ == "__main__":
    main()
