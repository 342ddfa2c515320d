"""Autograd overhead: a chain of 1000 elementwise ops, forward + backward, median over repeats.

Measures the engine's per-op cost (the arrays are small, so the arithmetic is
negligible), as CPU time of this process (``time.process_time``: the work is
single-threaded Python, and CPU time is far less disturbed than wall-clock
time by other processes on a shared machine). Modes:

* ``fast``: ``loss.backward()``, the array fast path every training step takes;
* ``dezero``: the same backward pass computed with the differentiable
  ``backward_graph`` methods in Tensor operations but without recording
  (grad mode off): what "backward written in Tensor ops", DeZero's design,
  costs when no higher-order gradient is wanted;
* ``create_graph``: ``loss.backward(create_graph=True)``, recording the
  backward pass for a second derivative.

With ``--nets`` it times instead the backward pass of a training step of
``benchmarks/bench_train.py``'s reference nets, fast path vs Tensor-op
backward, on one thread.

Usage::

    python benchmarks/bench_autograd.py                  # all modes
    python benchmarks/bench_autograd.py --modes fast --repeats 50
    python benchmarks/bench_autograd.py --nets N1 N3 N4 N5
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
        t0 = time.process_time()
        loss = chain(mdl, x, length)
        t1 = time.process_time()
        if mode == "fast":
            loss.backward()
        elif mode == "create_graph":
            loss.backward(create_graph=True)
        else:
            _tensor_op_backward(loss)
        t2 = time.process_time()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
    fwd, bwd = fwd[2:], bwd[2:]
    return statistics.median(fwd) * 1e3, statistics.median(bwd) * 1e3


def _tensor_op_backward(loss):
    """The backward pass through ``backward_graph`` (Tensor ops) with recording off: DeZero's design."""
    import minidl as mdl
    from minidl.autograd import engine
    from minidl.tensor import Tensor
    order = engine._topological_order([loss.creator])
    with mdl.no_grad():
        engine._walk_graph(order, {loss.creator: Tensor(np.ones((), loss.dtype))}, False, None, None)


def run_nets(nets, repeats):
    """Median CPU time of a training step's backward pass, fast path vs Tensor-op backward, per net."""
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench_train
    bench_train._limit_minidl_threads(1)
    import minidl as mdl
    import minidl.nn as nn
    import minidl.nn.functional as F
    print(f"{'net':4} {'fast ms':>8} {'tensor-op ms':>12} {'ratio':>6}  (backward pass, median CPU time of {repeats})")
    for net in nets:
        shape, batch, classes, _ = bench_train.NETS[net]
        mdl.manual_seed(0)
        rng = np.random.default_rng(0)
        model = bench_train.build(net, nn, F)
        x = mdl.tensor(rng.standard_normal((batch,) + shape).astype(np.float32))
        y = mdl.tensor(rng.integers(0, classes, batch))
        times = {"fast": [], "tensor-op": []}
        for _ in range(repeats + 2):
            for mode, walk in (("fast", lambda loss: loss.backward()), ("tensor-op", _tensor_op_backward)):
                loss = F.cross_entropy(model(x), y)
                t0 = time.process_time()
                walk(loss)
                times[mode].append(time.process_time() - t0)
        fast, slow = (1e3 * statistics.median(times[m][2:]) for m in ("fast", "tensor-op"))
        print(f"{net:4} {fast:8.2f} {slow:12.2f} {slow / fast:6.2f}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modes", nargs="+", default=["fast", "dezero", "create_graph"])
    ap.add_argument("--length", type=int, default=1000)
    ap.add_argument("--size", type=int, default=100, help="elements per tensor")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--nets", nargs="+", help="time training-step backward passes of these bench_train nets instead")
    args = ap.parse_args(argv)
    if args.nets:
        return run_nets(args.nets, min(args.repeats, 10))
    print(f"{'mode':13} {'forward ms':>10} {'backward ms':>11}  ({args.length} ops on {args.size} elements, "
          f"median CPU time of {args.repeats})")
    for mode in args.modes:
        f, b = run(mode, args.length, args.size, args.repeats)
        print(f"{mode:13} {f:10.2f} {b:11.2f}", flush=True)


if __name__ == "__main__":
    main()
