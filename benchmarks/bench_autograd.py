"""Autograd overhead: a chain of 1000 elementwise ops, forward + backward, median over repeats.

Measures the engine's per-op cost (the arrays are small, so the arithmetic is
negligible). Modes:

* ``fast``: ``loss.backward()``, the array fast path every training step takes;
* ``dezero``: the same backward pass computed with the differentiable
  ``backward_graph`` methods in Tensor operations but without recording
  (grad mode off): what "backward written in Tensor ops", DeZero's design,
  costs when no higher-order gradient is wanted;
* ``create_graph``: ``loss.backward(create_graph=True)``, recording the
  backward pass for a second derivative.

Usage::

    python benchmarks/bench_autograd.py                  # all modes
    python benchmarks/bench_autograd.py --modes fast --repeats 50
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def chain(mdl, x, length):
    """``length`` elementwise ops: alternately multiply and add a scalar, with an exp/log pair now and then."""
    y = x
    for i in range(length):
        k = i % 4
        if k == 0:
            y = y * 1.0001
        elif k == 1:
            y = y + 0.001
        elif k == 2:
            y = y * x
        else:
            y = y / (x + 2.0)
    return y.sum()


def run(mode, length, size, repeats):
    import minidl as mdl
    x = mdl.tensor(np.random.default_rng(0).uniform(0.5, 1.0, size), requires_grad=True)
    fwd, bwd = [], []
    for _ in range(repeats + 2):
        x.grad = None
        t0 = time.perf_counter()
        loss = chain(mdl, x, length)
        t1 = time.perf_counter()
        if mode == "fast":
            loss.backward()
        elif mode == "create_graph":
            loss.backward(create_graph=True)
        else:
            from minidl.autograd import engine
            from minidl.tensor import Tensor
            order = engine._topological_order([loss.creator])
            with mdl.no_grad():
                engine._walk_graph(order, {loss.creator: Tensor(np.ones((), loss.dtype))}, False, None, None)
        t2 = time.perf_counter()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
    fwd, bwd = fwd[2:], bwd[2:]
    return statistics.median(fwd) * 1e3, statistics.median(bwd) * 1e3


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modes", nargs="+", default=["fast", "dezero", "create_graph"])
    ap.add_argument("--length", type=int, default=1000)
    ap.add_argument("--size", type=int, default=100, help="elements per tensor")
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args(argv)
    print(f"{'mode':13} {'forward ms':>10} {'backward ms':>11}  ({args.length} ops on {args.size} elements, "
          f"median of {args.repeats})")
    for mode in args.modes:
        f, b = run(mode, args.length, args.size, args.repeats)
        print(f"{mode:13} {f:10.2f} {b:11.2f}", flush=True)


if __name__ == "__main__":
    main()
