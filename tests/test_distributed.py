"""minidl.distributed in one process: the world-size-1 group, DistributedSampler, DDP and
SyncBatchNorm as no-ops, the post-accumulate-grad hooks, rank-0-only outputs of fit.

The multi-process checks (real ``mpiexec -n 2``) are in tests/test_distributed_mpi.py.
"""
import numpy as np
import pytest

import minidl as mdl
import minidl.distributed as dist
import minidl.nn as nn
import minidl.nn.functional as F
from minidl import autograd, data, optim
from minidl.distributed import communicators, group
from minidl.nn.parallel import DistributedDataParallel, SyncBatchNorm
from minidl.nn.parallel.sync_batchnorm import SyncBatchNormFunction
from minidl.train import CSVLogger, ModelCheckpoint, fit
from minidl.utils.data import DistributedSampler


def _without_mpi(monkeypatch):
    """Make mpi4py unusable and the process look as if no MPI launcher had started it."""
    def no_mpi():
        raise ImportError("mpi4py blocked by the test")
    monkeypatch.setattr(group, "import_mpi", no_mpi)
    for key in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def local_group(monkeypatch):
    """A world-size-1 default group without touching MPI (as where mpi4py is missing)."""
    _without_mpi(monkeypatch)
    dist.init_process_group("mpi")
    yield
    dist.destroy_process_group()


# ----------------------------------------------------------------- the group
def test_uninitialized_group_raises_like_pytorch():
    assert not dist.is_initialized() and dist.is_available() and dist.is_main_process()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="init_process_group"):
        dist.all_reduce(np.ones(2))


def test_group_of_one_without_mpi(local_group):
    assert dist.is_initialized() and (dist.get_rank(), dist.get_world_size()) == (0, 1)
    assert dist.get_backend() == "mpi" and dist.is_main_process()
    t = mdl.tensor([1.0, -2.0])
    for op in (dist.ReduceOp.SUM, dist.ReduceOp.AVG, dist.ReduceOp.MAX):
        dist.all_reduce(t, op=op)
        assert t.numpy().tolist() == [1.0, -2.0]
    dist.broadcast(t, src=0)
    out = [mdl.zeros(2)]
    dist.all_gather(out, t)
    assert out[0].numpy().tolist() == [1.0, -2.0]
    assert dist.all_reduce(t, async_op=True).wait() is True
    dist.barrier()
    with pytest.raises(RuntimeError, match="already initialized"):
        dist.init_process_group("mpi")


def test_collective_argument_errors(local_group):
    with pytest.raises(ValueError, match="src=1 is not a rank"):
        dist.broadcast(np.ones(2), src=1)
    with pytest.raises(ValueError, match="tensor_list has 2 entries but the world size is 1"):
        dist.all_gather([np.ones(2), np.ones(2)], np.ones(2))
    with pytest.raises(TypeError, match="AVG needs a floating tensor"):
        dist.all_reduce(np.ones(2, np.int64), op=dist.ReduceOp.AVG)
    with pytest.raises(TypeError, match="expected a Tensor or a NumPy/CuPy array, got list"):
        dist.all_reduce([1.0, 2.0])


def test_init_arguments_are_checked(monkeypatch):
    _without_mpi(monkeypatch)
    with pytest.raises(ValueError, match="unknown backend 'bogus'"):
        dist.init_process_group("bogus")  # "gloo" is a backend now: tests/test_distributed_gloo17.py
    with pytest.raises(ValueError, match="init_method 'tcp://10.0.0.1:23456' is not supported"):
        dist.init_process_group("mpi", init_method="tcp://10.0.0.1:23456")
    with pytest.raises(ValueError, match="world_size=4 but the launcher started 1"):
        dist.init_process_group("mpi", world_size=4)
    with pytest.raises(ValueError, match="timeout must be positive"):
        dist.init_process_group("mpi", timeout=0)
    assert not dist.is_initialized()


def test_launched_by_mpiexec_without_mpi4py_is_an_error(monkeypatch):
    _without_mpi(monkeypatch)
    monkeypatch.setenv("PMI_SIZE", "2")
    with pytest.raises(RuntimeError, match=r"one of 2 started by an MPI launcher.*pip install minidl\[distributed\]"):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


def test_nccl_backend_without_gpu_says_why(monkeypatch):
    if mdl.gpu_available():
        pytest.skip("a GPU is usable here; the NCCL path is exercised by the gpu test")
    _without_mpi(monkeypatch)
    assert not dist.is_nccl_available()
    with pytest.raises(RuntimeError, match="the nccl backend needs CuPy and a CUDA device"):
        dist.init_process_group("nccl")
    assert not dist.is_initialized()


@pytest.mark.gpu
def test_nccl_group_of_one_on_gpu(monkeypatch):
    _without_mpi(monkeypatch)
    dist.init_process_group("nccl")
    try:
        x = mdl.tensor([1.0, 2.0], device="gpu")
        dist.all_reduce(x, op=dist.ReduceOp.AVG)
        dist.broadcast(x, src=0)
        out = [mdl.zeros(2).to("gpu")]
        dist.all_gather(out, x)
        assert out[0].numpy().tolist() == [1.0, 2.0] and x.numpy().tolist() == [1.0, 2.0]
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_uncaught_exception_hook_is_installed_only_for_several_ranks(local_group):
    import sys
    assert sys.excepthook is not group._abort_on_uncaught


# ------------------------------------------------------- DistributedSampler
# PyTorch's torch.utils.data.DistributedSampler(range(n), w, r, shuffle=False[, drop_last=True]),
# listed for every rank (generated once with PyTorch 2.13).
TORCH_SPLITS = {
    (10, 4, False): [[0, 4, 8], [1, 5, 9], [2, 6, 0], [3, 7, 1]],
    (3, 4, False): [[0], [1], [2], [0]],
    (2, 5, False): [[0], [1], [0], [1], [0]],
    (10, 4, True): [[0, 4], [1, 5], [2, 6], [3, 7]],
}


@pytest.mark.parametrize("n, world, drop_last", list(TORCH_SPLITS))
def test_sampler_split_rule_is_pytorchs(n, world, drop_last):
    got = [list(DistributedSampler(range(n), world, r, shuffle=False, drop_last=drop_last)) for r in range(world)]
    assert got == TORCH_SPLITS[(n, world, drop_last)]
    assert all(len(DistributedSampler(range(n), world, r, drop_last=drop_last)) == len(got[r])
               for r in range(world))


def test_sampler_shuffles_per_epoch_and_the_ranks_share_one_permutation():
    samplers = [DistributedSampler(range(23), 3, r, seed=5) for r in range(3)]
    first = [s.indices() for s in samplers]
    joined = np.concatenate(first)
    assert len(joined) == 24 and set(joined.tolist()) == set(range(23))   # one sample padded twice
    for s in samplers:
        s.set_epoch(1)
    assert not all(np.array_equal(a, s.indices()) for a, s in zip(first, samplers))
    samplers[0].set_epoch(0)
    assert np.array_equal(samplers[0].indices(), first[0])                # same (seed, epoch), same order


def test_sampler_errors_and_defaults_from_the_group(local_group):
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    s = DistributedSampler(range(5))
    assert (s.num_replicas, s.rank, len(s)) == (1, 0, 5)


def test_dataloader_takes_a_sampler_and_passes_set_epoch_on():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    ds = data.TensorDataset(x, np.arange(10)) if hasattr(data, "TensorDataset") else list(zip(x, np.arange(10)))
    sampler = DistributedSampler(ds, num_replicas=2, rank=1, shuffle=True, seed=0)
    loader = data.DataLoader(ds, batch_size=2, sampler=sampler, prefetch=0)
    loader.set_epoch(3)
    assert sampler.epoch == 3 and len(loader) == 3
    seen = np.concatenate([y for _, y in loader])
    assert seen.tolist() == sampler.indices().tolist()
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        data.DataLoader(ds, batch_size=2, sampler=sampler, shuffle=True)


# --------------------------------------------------------------- DDP, one rank
def _net():
    mdl.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Linear(8, 3))


def _fit(model, seed=0):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 6)).astype(np.float32), rng.integers(0, 3, 40)
    inner = model.module if isinstance(model, DistributedDataParallel) else model
    opt = optim.SGD(inner.parameters(), lr=0.1, momentum=0.9)
    fit(model, (x, y), epochs=2, optimizer=opt, loss="cross_entropy", batch_size=8, verbose=0, seed=seed)
    return {k: v.numpy().copy() for k, v in inner.state_dict().items()}


def test_ddp_with_one_rank_trains_exactly_as_without(local_group):
    plain = _fit(_net())
    ddp = DistributedDataParallel(_net())
    assert ddp.reducer is None
    wrapped = _fit(ddp)
    assert plain.keys() == wrapped.keys()
    for k in plain:
        assert np.array_equal(plain[k], wrapped[k]), k
    assert list(ddp.state_dict())[:2] == ["module.0.weight", "module.0.bias"]
    ddp2 = DistributedDataParallel(_net())
    ddp2.load_state_dict(ddp.state_dict())
    assert np.array_equal(ddp2.module[0].weight.numpy(), ddp.module[0].weight.numpy())
    with ddp.no_sync():
        assert not ddp.require_backward_grad_sync
    assert ddp.require_backward_grad_sync


def test_ddp_needs_a_group_and_checks_its_arguments(local_group):
    with pytest.raises(TypeError, match="module must be an nn.Module"):
        DistributedDataParallel(lambda x: x)
    with pytest.raises(ValueError, match="one device per process"):
        DistributedDataParallel(nn.Linear(2, 2), device_ids=[0, 1])
    dist.destroy_process_group()
    with pytest.raises(ValueError, match="DistributedDataParallel: Default process group has not been"):
        DistributedDataParallel(nn.Linear(2, 2))
    dist.init_process_group()  # for the fixture's teardown


# ------------------------------------------------------------- SyncBatchNorm
def test_sync_batchnorm_alone_is_batchnorm(local_group):
    x = np.random.default_rng(1).normal(1.0, 2.0, size=(4, 3, 5, 5)).astype(np.float32)
    bn, sbn = nn.BatchNorm2d(3), nn.SyncBatchNorm(3)
    a, b = mdl.tensor(x, requires_grad=True), mdl.tensor(x, requires_grad=True)
    (bn(a) ** 2).sum().backward()
    (sbn(b) ** 2).sum().backward()
    assert np.array_equal(a.grad.numpy(), b.grad.numpy())
    assert np.array_equal(bn.running_var.numpy(), sbn.running_var.numpy())
    with pytest.raises(ValueError, match=r"SyncBatchNorm\(3.*expected input with num_features=3"):
        sbn(mdl.zeros(4, 2, 3, 3))


def test_sync_batchnorm_function_gradcheck_float64():
    rng = np.random.default_rng(2)
    x = mdl.tensor(rng.normal(size=(3, 2, 3, 2)), requires_grad=True)
    w = mdl.tensor(rng.normal(size=2), requires_grad=True)
    b = mdl.tensor(rng.normal(size=2), requires_grad=True)
    comm = communicators.LocalCommunicator()
    assert mdl.gradcheck(lambda x, w, b: SyncBatchNormFunction.apply(x, w, b, comm=comm), (x, w, b))
    y = SyncBatchNormFunction.apply(x, w, b, comm=comm)
    ref = F.batch_norm(x, None, None, w, b, training=True)
    np.testing.assert_allclose(y.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="more than 1 value per channel over all ranks"):
        SyncBatchNormFunction.apply(mdl.zeros(1, 2), comm=comm)


def test_convert_sync_batchnorm_shares_parameters_and_buffers():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Sequential(nn.BatchNorm1d(5)))
    weight, running_mean = net[1].weight, net[1].running_mean
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert isinstance(converted[1], SyncBatchNorm) and isinstance(converted[2][0], SyncBatchNorm)
    assert converted[1].weight is weight and converted[1].running_mean is running_mean
    assert list(converted.state_dict()) == list(net.state_dict())


# ------------------------------------------------------- post-accumulate hooks
def test_post_accumulate_hook_runs_once_after_every_contribution():
    w = mdl.tensor([2.0, 3.0], requires_grad=True)
    seen = []
    handle = autograd.register_post_accumulate_grad_hook(w, lambda t: seen.append(t.grad.numpy().copy()))
    ((w * w).sum() + (w * 3).sum()).backward()          # three uses of w in one walk
    assert len(seen) == 1 and seen[0].tolist() == [7.0, 9.0]
    handle.remove()
    (w * 1).sum().backward()
    assert len(seen) == 1
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        autograd.register_post_accumulate_grad_hook(w * 2, print)


# ------------------------------------------------------ fit on a non-zero rank
def test_only_rank_zero_writes_logs_and_checkpoints(monkeypatch, tmp_path, capsys):
    comm = communicators.LocalCommunicator()
    comm.rank = 1                                          # pretend to be rank 1 of a group
    monkeypatch.setattr(group, "_group", group._Group(comm, "mpi", None))
    assert not dist.is_main_process()
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)).astype(np.float32), rng.integers(0, 2, 16)
    model = nn.Linear(4, 2)
    cbs = [CSVLogger(tmp_path / "log.csv"), ModelCheckpoint(tmp_path / "ckpt.h5", monitor="loss", save_best_only=True)]
    fit(model, (x, y), epochs=2, optimizer=optim.SGD(model.parameters(), lr=0.1), loss="cross_entropy",
        callbacks=cbs, verbose=2, batch_size=8)
    assert list(tmp_path.iterdir()) == []
    out = capsys.readouterr()
    assert "Epoch" not in out.out + out.err
    assert cbs[1].saved and cbs[1].best < float("inf")    # the same decisions as rank 0, without files


def test_checkpoints_of_a_ddp_model_hold_the_bare_model(local_group, tmp_path):
    from minidl.train import load_checkpoint
    ddp = DistributedDataParallel(_net())
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 6)).astype(np.float32), rng.integers(0, 3, 16)
    opt = optim.SGD(ddp.parameters(), lr=0.1)
    fit(ddp, (x, y), epochs=1, optimizer=opt, loss="cross_entropy", verbose=0,
        callbacks=[ModelCheckpoint(tmp_path / "ckpt.h5", monitor="loss")])
    ckpt = mdl.io.load(tmp_path / "ckpt.h5")
    assert list(ckpt["model"])[0] == "0.weight"
    bare, again = _net(), DistributedDataParallel(_net())
    load_checkpoint(tmp_path / "ckpt.h5", bare)
    load_checkpoint(tmp_path / "ckpt.h5", again, optim.SGD(again.parameters(), lr=0.1))
    for a, b in zip(bare.parameters(), again.module.parameters()):
        assert np.array_equal(a.numpy(), b.numpy())
    assert np.array_equal(bare[0].weight.numpy(), ddp.module[0].weight.numpy())


def test_early_stopping_keeps_the_bare_models_weights_under_ddp(local_group):
    from minidl.train import EarlyStopping
    ddp = DistributedDataParallel(_net())
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 6)).astype(np.float32), rng.integers(0, 3, 16)
    stop = EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    fit(ddp, (x, y), epochs=2, optimizer=optim.SGD(ddp.parameters(), lr=0.1), loss="cross_entropy",
        verbose=0, callbacks=[stop])
    assert list(stop.best_weights)[0] == "0.weight"        # loadable into a run with any number of ranks
