"""Per-op Python overhead: a 1000-op elementwise chain, forward and backward, on small tensors.

With tensors of 16 elements the arithmetic is negligible, so the time per op
is what the Tensor/Function machinery costs (argument handling, graph
recording, the backward walk). The chain cycles through ``+ scalar``,
``* tensor``, ``- tensor`` and ``tanh``, so it exercises scalar promotion,
two-tensor ops and a unary op.

Usage::

    python benchmarks/bench_op_overhead.py               # 20 repeats, prints medians
    python benchmarks/bench_op_overhead.py --ops 1000 --repeats 50
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minidl as mdl  # noqa: E402


def chain(x, w, n_ops):
    """Apply ``n_ops`` cheap elementwise ops to ``x`` and return the sum of the result."""
    y = x
    for _ in range(n_ops // 4):
        y = y + 0.5
        y = y * w
        y = y - x
        y = y.tanh()
    return y.sum()


def main(argv=None):
    """Time forward and backward of the chain; print the medians in microseconds per op."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--size", type=int, default=16)
    args = parser.parse_args(argv)
    mdl.manual_seed(0)
    x = mdl.randn(args.size, requires_grad=True)
    w = mdl.randn(args.size, requires_grad=True)
    forward, backward = [], []
    for _ in range(args.repeats + 2):
        t0 = time.perf_counter()
        out = chain(x, w, args.ops)
        t1 = time.perf_counter()
        out.backward()
        t2 = time.perf_counter()
        x.grad = w.grad = None
        forward.append(t1 - t0)
        backward.append(t2 - t1)
    forward, backward = forward[2:], backward[2:]  # warm-up
    f_ms, b_ms = statistics.median(forward) * 1e3, statistics.median(backward) * 1e3
    print(f"{args.ops}-op chain on {args.size}-element tensors, median of {args.repeats}:")
    print(f"  forward  {f_ms:8.2f} ms  ({f_ms * 1e3 / args.ops:6.2f} us/op)")
    print(f"  backward {b_ms:8.2f} ms  ({b_ms * 1e3 / args.ops:6.2f} us/op)")
    print(f"  total    {f_ms + b_ms:8.2f} ms")


if __name__ == "__main__":
    main()
