"""In-process A/B of the GPU path's per-launch overheads on the training step of the reference nets.

Two switches, alternated step by step in one process so that both sides see
the same machine state:

- ``launch``: ``minidl.config.cuda_launch`` = ``"numba"`` (Numba's dispatcher)
  against ``"ptx"`` (Numba's PTX launched through CuPy's driver binding);
- ``optimizer``: Adam as about fifteen CuPy operations per parameter against
  its fused kernel (``minidl/optim/_fused_gpu.py``; session 9's first A/B of
  this switch ran one fused kernel per parameter, before ``AdamBatch``);
- ``multitensor``: Adam's multi-tensor kernel launched with one parameter at a
  time against 32 (``AdamBatch``, ``MAX_TENSORS``);
- ``batchnorm``: batch norm's per-channel arithmetic as separate CuPy
  operations against one elementwise kernel per pass (``minidl/ops/_norm_gpu.py``).

For each net and switch it prints the median step time of each side, the
ratio of the medians and the median of the paired ratios (new over old).
``--profile NET`` then prints a cProfile of a few steps of NET with both
switches on (top functions by own time), to show what the host still spends
a step on. Every step ends with a device synchronisation.

Run on a machine with a GPU (CuPy, Numba CUDA)::

    python benchmarks/ab_gpu_overhead.py --nets N1 N2 N5 N6 --steps 20 --profile N6
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_train  # noqa: E402


def device_step(net):
    """A seeded ``net`` on the GPU with Adam and a fixed batch; returns ``step()`` (synchronised)."""
    import minidl as mdl
    import minidl.nn as nn
    import minidl.nn.functional as F
    import minidl.optim as optim
    from minidl import backend
    shape, batch, classes, _ = bench_train.NETS[net]
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    model = bench_train.build(net, nn, F).to("cuda")
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = mdl.tensor(rng.standard_normal((batch,) + shape).astype(np.float32), device="cuda")
    y = mdl.tensor(rng.integers(0, classes, batch), device="cuda")

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        backend.gpu_synchronize()
    return step


def _switch(name, new):
    """Set switch ``name`` to its new (True) or old (False) side."""
    import minidl
    from minidl.ops import _norm_gpu
    from minidl.optim import _fused_gpu
    if name == "launch":
        minidl.config.cuda_launch = "ptx" if new else "numba"
        return
    if name == "multitensor":
        _fused_gpu.MAX_TENSORS = 32 if new else 1
        return
    module = {"optimizer": _fused_gpu, "batchnorm": _norm_gpu}.get(name)
    if module is None:
        raise ValueError(f"unknown switch {name!r}")
    if not hasattr(module, "_real_fusable"):
        module._real_fusable = module.fusable
    module.fusable = module._real_fusable if new else (lambda *a: False)


def ab(net, name, steps, warmup):
    """Alternate switch ``name`` step by step on ``net``; returns (old seconds, new seconds) lists."""
    step = device_step(net)
    times = {False: [], True: []}
    for i in range(warmup + steps):
        for side in (False, True) if i % 2 == 0 else (True, False):
            _switch(name, side)
            t = time.perf_counter()
            step()
            if i >= warmup:
                times[side].append(time.perf_counter() - t)
    _switch(name, True)
    return times[False], times[True]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", nargs="+", default=["N1", "N2", "N3", "N4", "N5", "N6"])
    parser.add_argument("--switches", nargs="+", default=["launch", "optimizer", "multitensor", "batchnorm"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile", nargs="*", default=[])
    args = parser.parse_args(argv)
    import minidl
    if not minidl.cuda.is_available():
        print("no GPU: nothing to measure")
        return 0
    print(f"{'net':4} {'switch':10} {'old ms':>8} {'new ms':>8} {'new/old':>8} {'paired':>8}")
    for net in args.nets:
        for name in args.switches:
            old, new = ab(net, name, args.steps, args.warmup)
            mo, mn = statistics.median(old), statistics.median(new)
            paired = statistics.median(b / a for a, b in zip(old, new))
            print(f"{net:4} {name:10} {1e3 * mo:8.2f} {1e3 * mn:8.2f} {mn / mo:8.3f} {paired:8.3f}", flush=True)
    for net in args.profile:
        step = device_step(net)
        for _ in range(args.warmup):
            step()
        t = time.perf_counter()
        for _ in range(5):
            step()
        print(f"\n== profile {net}: {1e3 * (time.perf_counter() - t) / 5:.2f} ms/step unprofiled; 5 steps:")
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(5):
            step()
        prof.disable()
        stats = pstats.Stats(prof)
        stats.sort_stats("tottime").print_stats(28)
        stats.sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
