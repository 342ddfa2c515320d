"""Data-parallel scaling on this machine: images/s on 1 and 2 ranks, and allreduce time per step.

Two measurements, each in fresh processes started with ``mpiexec``, every rank
on one thread (BLAS, Numba):

* **training throughput**: a reference net of benchmarks/bench_train.py wrapped
  in ``DistributedDataParallel``, SGD with momentum, the net's reference batch
  on every rank (so the global batch grows with the ranks: weak scaling);
  images/s = ranks x batch / median step time. With two ranks it is measured
  with the gradient allreduce overlapped with backward and with it deferred
  to the end of backward (the MPI default), to see what overlapping gains here.
* **allreduce per step**: the gradient of each reference net (float32, in DDP's
  25 MB buckets, all started then all waited for, as DDP does) reduced over
  two ranks, with no training around it; median time and the bus bandwidth it
  implies, ``2 (p - 1) / p x bytes / time`` (NCCL's definition).

Usage::

    python benchmarks/bench_distributed.py                         # N1-N6 allreduce; N3, N6 training
    python benchmarks/bench_distributed.py --train-nets N2 --steps 5 --json out.json

mpiexec is looked for next to this Python, then on PATH (``pip install mpich``).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_train  # noqa: E402

BUCKET_MB = 25


def _mpi_env():
    """``(mpiexec, environment)`` for the ranks (one thread each), or exit with the reason."""
    candidate = Path(sys.executable).parent / "mpiexec"
    mpiexec = str(candidate) if candidate.exists() else shutil.which("mpiexec")
    if mpiexec is None:
        raise SystemExit("bench_distributed: no mpiexec next to this Python or on PATH (pip install mpich)")
    env = {k: v for k, v in os.environ.items() if k not in bench_train.OPENBLAS_VARS}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1",
               PYTHONPATH=str(HERE.parent))
    other_lib = Path(mpiexec).resolve().parent.parent / "lib"
    if "MPI4PY_LIBMPI" not in env and not list((Path(sys.prefix) / "lib").glob("libmpi.so*")):
        found = sorted(other_lib.glob("libmpi.so.*"))
        if found:
            env["MPI4PY_LIBMPI"] = str(found[0])
    return mpiexec, env


def _launch(ranks, child_args):
    mpiexec, env = _mpi_env()
    cmd = [mpiexec, "-n", str(ranks), sys.executable, __file__, "--child"] + child_args
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"bench_distributed: {' '.join(child_args)} on {ranks} rank(s) failed:\n"
                     f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")


# ------------------------------------------------------------------ children
def _gradient_numels():
    import minidl.nn as nn
    import minidl.nn.functional as F
    return {net: sum(p.numel() for p in bench_train.build(net, nn, F).parameters())
            for net in bench_train.NETS}


def child_allreduce(args):
    import minidl.distributed as dist
    dist.init_process_group("mpi")
    out = {}
    per_bucket = BUCKET_MB * (1 << 20) // 4
    for net, numel in _gradient_numels().items():
        buckets = [np.ones(min(per_bucket, numel - i), np.float32) for i in range(0, numel, per_bucket)]
        times = []
        for rep in range(args.warmup + args.steps):
            dist.barrier()
            t0 = time.perf_counter()
            works = [dist.all_reduce(b, async_op=True) for b in buckets]
            for w in works:
                w.wait()
            if rep >= args.warmup:
                times.append(time.perf_counter() - t0)
        out[net] = {"numel": numel, "mb": numel * 4 / 2 ** 20, "buckets": len(buckets),
                    "ms": 1e3 * statistics.median(times), "min_ms": 1e3 * min(times)}
    if dist.get_rank() == 0:
        print("RESULT " + json.dumps({"world": dist.get_world_size(), "nets": out}))


def child_train(args):
    bench_train._limit_minidl_threads(1)
    import minidl as mdl
    import minidl.distributed as dist
    import minidl.nn as nn
    import minidl.nn.functional as F
    from minidl import optim
    from minidl.nn.parallel import DistributedDataParallel
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    net = args.net
    shape, batch, classes, _ = bench_train.NETS[net]
    mdl.manual_seed(0)
    model = DistributedDataParallel(bench_train.build(net, nn, F))
    model.overlap_communication = bool(args.overlap)
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(rank)
    x = mdl.tensor(rng.standard_normal((batch,) + shape).astype(np.float32))
    y = mdl.tensor(rng.integers(0, classes, batch))
    model.train()
    times = []
    for rep in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        if rep >= args.warmup:
            times.append(time.perf_counter() - t0)
    step = statistics.median(times)
    gathered = [np.zeros(1) for _ in range(world)]
    dist.all_gather(gathered, np.array([step]))
    slowest = max(float(g[0]) for g in gathered)   # every rank waits for the slowest in the allreduce
    if rank == 0:
        print("RESULT " + json.dumps({"net": net, "world": world, "batch_per_rank": batch,
                                      "overlap": bool(args.overlap), "step_ms": 1e3 * slowest,
                                      "images_per_s": world * batch / slowest}))


# -------------------------------------------------------------------- parent
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train-nets", nargs="*", default=["N3", "N6"])
    ap.add_argument("--ranks", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--steps", type=int, default=5, help="timed steps (median reported)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--no-allreduce", action="store_true", help="skip the allreduce measurement")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="train", help=argparse.SUPPRESS)
    ap.add_argument("--net", default="N3", help=argparse.SUPPRESS)
    ap.add_argument("--overlap", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        (child_allreduce if args.mode == "allreduce" else child_train)(args)
        return
    common = ["--steps", str(args.steps), "--warmup", str(args.warmup)]
    results = {"train": [], "allreduce": None}
    print("the machine is shared: quote medians, expect noise\n")
    if not args.no_allreduce:
        res = _launch(2, ["--mode", "allreduce", "--steps", "10", "--warmup", "3"])
        results["allreduce"] = res
        print(f"allreduce of the gradient over {res['world']} ranks (float32, {BUCKET_MB} MB buckets):")
        print(f"{'net':4} {'params':>11} {'MB':>7} {'buckets':>7} {'median ms':>10} {'min ms':>8} {'busbw GB/s':>10}")
        for net, r in res["nets"].items():
            p = res["world"]
            busbw = 2 * (p - 1) / p * r["mb"] * 2 ** 20 / (r["ms"] / 1e3) / 1e9
            print(f"{net:4} {r['numel']:11,d} {r['mb']:7.2f} {r['buckets']:7d} {r['ms']:10.2f} "
                  f"{r['min_ms']:8.2f} {busbw:10.2f}")
        print()
    if args.train_nets:
        print(f"{'net':4} {'ranks':>5} {'overlap':>7} {'batch/rank':>10} {'step ms':>9} {'images/s':>9} "
              f"{'speed-up':>8}")
    for net in args.train_nets:
        base = None
        for ranks in args.ranks:
            for overlap in ((1, 0) if ranks > 1 else (1,)):
                res = _launch(ranks, ["--mode", "train", "--net", net, "--overlap", str(overlap)] + common)
                results["train"].append(res)
                base = res["images_per_s"] if ranks == 1 else base
                speedup = f"{res['images_per_s'] / base:.2f}x" if base else "-"
                print(f"{net:4} {ranks:5d} {'yes' if overlap else 'no':>7} {res['batch_per_rank']:10d} "
                      f"{res['step_ms']:9.1f} {res['images_per_s']:9.1f} {speedup:>8}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
