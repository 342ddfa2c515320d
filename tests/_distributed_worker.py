"""The program that tests/test_distributed_mpi.py runs on every rank with ``mpiexec -n 2``.

``python _distributed_worker.py checks OUT_DIR`` runs every data-parallel check
and writes ``OUT_DIR/rank<r>.npz``; ``python _distributed_worker.py raise`` makes
rank 1 raise while rank 0 waits in a collective. The test process imports
``build_model``, ``train`` and ``CONFIGS`` to compute the
one-process reference from the same code.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import minidl
import minidl.distributed as dist
import minidl.nn as nn
import minidl.nn.functional as F
from minidl import data, optim
from minidl.nn.parallel import DistributedDataParallel
from minidl.train import fit
from minidl.utils.data import DistributedSampler

N_SAMPLES = 36           # per rank 18: batches of 4, 4, 4, 4, 2 with b = 4 (a partial last batch)
PER_RANK_BATCH = 4
EPOCHS = 2
# name -> (optimizer keywords, DDP keywords, DDP overlap)
CONFIGS = {
    "sgd": ({"lr": 0.1}, {}, True),
    "momentum_wd": ({"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-2}, {"bucket_cap_mb": 0.0004}, True),
    "momentum_wd_no_overlap": ({"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-2},
                               {"bucket_cap_mb": 0.0004}, False),
}


def make_data():
    """A fixed (x, y) classification set: x float32 (N, 3, 8, 8), y int64 (N,) in 0..4."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(N_SAMPLES, 3, 8, 8)).astype(np.float32)
    y = rng.integers(0, 5, size=N_SAMPLES).astype(np.int64)
    return x, y


def build_model():
    """A small conv net, initialised from seed 0."""
    minidl.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 16), nn.ReLU(),
                         nn.Linear(16, 5))


class ArrayDataset:
    """(x, y) arrays as a map-style data set for the DataLoader."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def train(model, num_replicas, rank, batch_size, opt_kwargs):
    """``fit`` over the data set's DistributedSampler share; returns the final state dict (NumPy)."""
    ds = ArrayDataset(*make_data())
    sampler = DistributedSampler(ds, num_replicas=num_replicas, rank=rank, shuffle=True, seed=3)
    loader = data.DataLoader(ds, batch_size=batch_size, sampler=sampler, prefetch=0)
    opt = optim.SGD(model.parameters(), **opt_kwargs)
    history = fit(model, loader, epochs=EPOCHS, optimizer=opt, loss="cross_entropy", verbose=0, seed=0)
    inner = model.module if isinstance(model, DistributedDataParallel) else model
    return {k: v.numpy().copy() for k, v in inner.state_dict().items()}, history.history


def _training_checks(out, rank, world):
    for name, (opt_kwargs, ddp_kwargs, overlap) in CONFIGS.items():
        model = build_model()
        if rank == 1:  # DDP must replace this rank's weights with rank 0's
            for p in model.parameters():
                p.data += 1.0
        ddp = DistributedDataParallel(model, **ddp_kwargs)
        ddp.overlap_communication = overlap
        out[f"{name}/buckets"] = np.array(len(ddp.reducer.buckets))
        state, history = train(ddp, world, rank, PER_RANK_BATCH, opt_kwargs)
        for k, v in state.items():
            out[f"{name}/{k}"] = v
        out[f"{name}/loss"] = np.array(history["loss"])


def _sync_batchnorm_checks(out, rank):
    rng = np.random.default_rng(11)
    x_full = rng.normal(2.0, 3.0, size=(6, 3, 4, 5)).astype(np.float32)
    c_full = rng.normal(size=x_full.shape).astype(np.float32)
    part = slice(3 * rank, 3 * rank + 3)
    bn = nn.SyncBatchNorm(3)
    bn.weight.data[...] = [0.5, 1.5, -1.0]
    bn.bias.data[...] = [0.1, -0.2, 0.3]
    x = minidl.tensor(x_full[part], requires_grad=True)
    y = bn(x)
    (y * minidl.tensor(c_full[part])).sum().backward()
    out["syncbn/y"], out["syncbn/dx"] = y.numpy(), x.grad.numpy()
    out["syncbn/dweight"], out["syncbn/dbias"] = bn.weight.grad.numpy(), bn.bias.grad.numpy()
    out["syncbn/running_mean"], out["syncbn/running_var"] = bn.running_mean.numpy(), bn.running_var.numpy()
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3)))
    out["syncbn/converted"] = np.array(isinstance(converted[1], nn.SyncBatchNorm))


def _ddp_feature_checks(out, rank):
    rng = np.random.default_rng(100 + rank)
    xs = [minidl.tensor(rng.normal(size=(4, 3)).astype(np.float32)) for _ in range(2)]
    minidl.manual_seed(1)
    lin = nn.Linear(3, 2)
    ddp = DistributedDataParallel(lin)
    with ddp.no_sync():
        ddp(xs[0]).sum().backward()
    out["no_sync/local_after_first"] = lin.weight.grad.numpy().copy()
    ddp(xs[1]).sum().backward()
    out["no_sync/weight_grad"] = lin.weight.grad.numpy()

    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(3, 2), nn.Linear(3, 2)

        def forward(self, x):
            return self.used(x)

    minidl.manual_seed(2)
    net = TwoHeads()
    ddp = DistributedDataParallel(net, find_unused_parameters=True)
    for _ in range(2):  # a second iteration would raise if the first left the reduction unfinished
        net.zero_grad()
        F.mse_loss(ddp(xs[0]), minidl.zeros(4, 2)).backward()
    out["unused/used_grad"] = net.used.weight.grad.numpy()
    out["unused/unused_grad_is_none"] = np.array(net.unused.weight.grad is None)


def _collective_checks(out, rank, world):
    t = minidl.tensor(np.array([rank + 1.0, 10.0 * rank], np.float32))
    dist.all_reduce(t)
    out["coll/sum"] = t.numpy()
    m = np.array([rank, -rank], np.int64)
    dist.all_reduce(m, op=dist.ReduceOp.MAX)
    out["coll/max"] = m
    a = np.full((2, 3), rank + 1.0)[:, ::2]          # not contiguous
    dist.all_reduce(a, op=dist.ReduceOp.AVG)
    out["coll/avg"] = a
    b = minidl.tensor(np.full(3, 5.0 * rank, np.float32))
    dist.broadcast(b, src=1)
    out["coll/bcast"] = b.numpy()
    parts = [minidl.zeros(2) for _ in range(world)]
    dist.all_gather(parts, minidl.tensor(np.full(2, rank, np.float32)))
    out["coll/gather"] = np.stack([p.numpy() for p in parts])
    work = dist.all_reduce(np.ones(3), async_op=True)
    out["coll/async_done"] = np.array(work.wait())
    dist.barrier()


def checks(out_dir):
    """Run every check and write this rank's results to OUT_DIR/rank<r>.npz."""
    dist.init_process_group("mpi", timeout=60)
    rank, world = dist.get_rank(), dist.get_world_size()
    out = {"world_size": np.array(world), "main": np.array(dist.is_main_process())}
    _collective_checks(out, rank, world)
    _training_checks(out, rank, world)
    _sync_batchnorm_checks(out, rank)
    _ddp_feature_checks(out, rank)
    np.savez(Path(out_dir) / f"rank{rank}.npz", **out)
    dist.destroy_process_group()


def raise_on_rank_one():
    """Rank 1 raises; rank 0 waits in an allreduce that rank 1 never joins."""
    dist.init_process_group("mpi")
    if dist.get_rank() == 1:
        raise ValueError("deliberate failure on rank 1")
    dist.all_reduce(np.ones(4))
    print("rank 0 finished the allreduce", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "checks":
        checks(sys.argv[2])
    elif sys.argv[1] == "raise":
        raise_on_rank_one()
    else:
        raise SystemExit(f"unknown mode {sys.argv[1]!r}")
