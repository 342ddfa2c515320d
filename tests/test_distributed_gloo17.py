"""The "gloo" backend: two real processes talking over TCP, as in PyTorch's DDP tutorial.

The processes are started by ``mp.start_processes`` (fork, fast) or ``mp.spawn`` (the tutorial's
pattern), or by ``python -m minidl.distributed.run`` (torchrun's ``env://`` variables); each writes what it saw to a
pickle that the test checks against NumPy. Every run is bounded (``_JOIN_S``), ports are free ones.
The collectives and DDP tests run unchanged under PyTorch (``sed s/minidl/torch/``); the checks of
minidl's own messages are skipped there.
"""
import datetime
import os
import pickle
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import minidl as torch
import minidl.distributed as dist
import minidl.multiprocessing as mp
import minidl.nn as nn

MINIDL = torch.__name__ == "minidl"
_JOIN_S = 25
ROOT = Path(__file__).resolve().parent.parent


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(fn, tmp_path, *extra, start_method="fork", nprocs=2):
    """Run ``fn(rank, world_size, port, folder, *extra)`` in ``nprocs`` processes; their pickled results."""
    port = _free_port()
    ctx = mp.start_processes(fn, args=(nprocs, port, str(tmp_path), *extra), nprocs=nprocs, join=False,
                             start_method=start_method)
    deadline = time.monotonic() + _JOIN_S
    try:
        while not ctx.join(timeout=max(0.1, deadline - time.monotonic())):
            if time.monotonic() > deadline:
                pytest.fail(f"the {nprocs} processes did not finish within {_JOIN_S} s")
    finally:
        for p in ctx.processes:
            if p.is_alive():
                p.kill()
                p.join()
    return [pickle.loads((tmp_path / f"rank{r}.pkl").read_bytes()) for r in range(nprocs)]


def _save(folder, rank, result):
    Path(folder, f"rank{rank}.pkl").write_bytes(pickle.dumps(result))


def _np(t):
    return t.numpy().copy()


# ---------------------------------------------------------------- every collective
_OPS = ("SUM", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR")


def _collectives(rank, world, port, folder):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    out = {"rank": dist.get_rank(), "world": dist.get_world_size(), "backend": dist.get_backend()}
    for name in _OPS:
        t = torch.tensor([rank + 1, 6 - rank, 12 | rank], dtype=torch.int64)
        dist.all_reduce(t, op=getattr(dist.ReduceOp, name))
        out["int_" + name] = _np(t)
    for name in ("SUM", "PRODUCT", "MIN", "MAX"):
        t = torch.tensor([rank + 1.5, -(rank + 2.0), 3.0 * rank])
        dist.all_reduce(t, op=getattr(dist.ReduceOp, name))
        out["float_" + name] = _np(t)
    t = torch.full((2, 3), float(rank + 1))
    work = dist.all_reduce(t, async_op=True)
    out["async"] = (work.wait(), _np(t))
    t = torch.full((3,), float(rank + 1))
    dist.reduce(t, dst=1, op=dist.ReduceOp.SUM)
    out["reduce"] = _np(t)
    t = torch.arange(4.0) * (rank + 1)
    dist.broadcast(t, src=1)
    out["broadcast"] = _np(t)
    parts = [torch.zeros(2, dtype=torch.int64) for _ in range(world)]
    dist.all_gather(parts, torch.tensor([rank, 10 * rank]))
    out["all_gather"] = [_np(p) for p in parts]
    gather_list = [torch.zeros(2) for _ in range(world)] if rank == 0 else None
    dist.gather(torch.tensor([rank + 0.5, rank - 0.5]), gather_list, dst=0)
    out["gather"] = None if gather_list is None else [_np(p) for p in gather_list]
    t = torch.zeros(3)
    dist.scatter(t, [torch.full((3,), 7.0 + r) for r in range(world)] if rank == 1 else None, src=1)
    out["scatter"] = _np(t)
    t = torch.zeros(2)
    dist.reduce_scatter(t, [torch.full((2,), float(10 * rank + r)) for r in range(world)], op=dist.ReduceOp.MAX)
    out["reduce_scatter"] = _np(t)
    outs = [torch.zeros(2) for r in range(world)]
    dist.all_to_all(outs, [torch.full((2,), float(100 * rank + r)) for r in range(world)])
    out["all_to_all"] = [_np(o) for o in outs]
    if MINIDL:  # minidl also takes sizes that differ between pairs of ranks (gloo does not)
        outs = [torch.zeros(r + 1) for r in range(world)]  # rank r sends r + 1 numbers to everyone
        dist.all_to_all(outs, [torch.full((rank + 1,), float(100 * rank + r)) for r in range(world)])
        out["all_to_all_sizes"] = [_np(o) for o in outs]
    if rank == 0:
        dist.send(torch.tensor([4.0, 2.0]), dst=1)
        t = torch.zeros(1)
        dist.irecv(t, src=1).wait()
        out["p2p"] = _np(t)
    else:
        t = torch.zeros(2)
        out["sender"] = dist.recv(t, src=0)
        out["p2p"] = _np(t)
        dist.isend(torch.tensor([9.0]), dst=0).wait()
    mine, theirs = torch.full((3_000_000,), float(rank)), torch.zeros(3_000_000)  # 12 MB both ways at once
    works = [dist.isend(mine, dst=1 - rank), dist.irecv(theirs, src=1 - rank)]
    for w in works:
        w.wait()
    out["exchange"] = (float(theirs.min()), float(theirs.max()))
    dist.barrier()
    dist.monitored_barrier(timeout=datetime.timedelta(seconds=10))
    world_group = dist.new_group()
    t = torch.ones(1)
    dist.all_reduce(t, group=world_group)
    out["new_group"] = _np(t)
    dist.destroy_process_group()
    _save(folder, rank, out)


def test_every_collective_and_reduce_op(tmp_path):
    res = _run(_collectives, tmp_path)
    assert [(r["rank"], r["world"], r["backend"]) for r in res] == [(0, 2, "gloo"), (1, 2, "gloo")]
    a = [np.array([r + 1, 6 - r, 12 | r]) for r in range(2)]
    f = [np.array([r + 1.5, -(r + 2.0), 3.0 * r], np.float32) for r in range(2)]
    expected = {"SUM": np.add, "PRODUCT": np.multiply, "MIN": np.minimum, "MAX": np.maximum,
                "BAND": np.bitwise_and, "BOR": np.bitwise_or, "BXOR": np.bitwise_xor}
    for r in res:
        for name in _OPS:
            np.testing.assert_array_equal(r["int_" + name], expected[name](*a), err_msg=name)
        for name in ("SUM", "PRODUCT", "MIN", "MAX"):
            np.testing.assert_allclose(r["float_" + name], expected[name](*f), err_msg=name)
        assert r["async"][0] is True and (r["async"][1] == 3.0).all()
        np.testing.assert_array_equal(r["broadcast"], np.arange(4.0) * 2)
        np.testing.assert_array_equal(np.stack(r["all_gather"]), [[0, 0], [1, 10]])
        np.testing.assert_array_equal(r["all_to_all"], [[r["rank"]] * 2, [100.0 + r["rank"]] * 2])
        if MINIDL:
            np.testing.assert_array_equal(r["all_to_all_sizes"][0], [r["rank"]])
            np.testing.assert_array_equal(r["all_to_all_sizes"][1], [100.0 + r["rank"]] * 2)
        np.testing.assert_array_equal(r["new_group"], [2.0])
        assert r["exchange"] == (1.0 - r["rank"], 1.0 - r["rank"])
    np.testing.assert_array_equal(res[1]["reduce"], [3.0] * 3)
    if MINIDL:  # not the destination: minidl leaves it alone (PyTorch's gloo leaves scratch values)
        np.testing.assert_array_equal(res[0]["reduce"], [1.0] * 3)
    np.testing.assert_array_equal(np.stack(res[0]["gather"]), [[0.5, -0.5], [1.5, 0.5]])
    assert res[1]["gather"] is None
    np.testing.assert_array_equal(res[0]["scatter"], [7.0] * 3)
    np.testing.assert_array_equal(res[1]["scatter"], [8.0] * 3)
    np.testing.assert_array_equal(res[0]["reduce_scatter"], [10.0] * 2)
    np.testing.assert_array_equal(res[1]["reduce_scatter"], [11.0] * 2)
    np.testing.assert_array_equal(res[1]["p2p"], [4.0, 2.0])
    assert res[1]["sender"] == 0
    np.testing.assert_array_equal(res[0]["p2p"], [9.0])


# ---------------------------------------------------------------- objects, env:// rendezvous
def _objects(rank, world, port, folder):
    os.environ.update(MASTER_ADDR="localhost", MASTER_PORT=str(port))  # the tutorial's setup
    dist.init_process_group("gloo", rank=rank, world_size=world)
    out = {}
    everyone = [None] * world
    dist.all_gather_object(everyone, {"rank": rank, "name": f"r{rank}"})
    out["all_gather_object"] = everyone
    objs = ["a", 1, {"k": [1, 2]}] if rank == 0 else [None, None, None]
    dist.broadcast_object_list(objs, src=0)
    out["broadcast_object_list"] = objs
    gathered = [None] * world if rank == 1 else None
    dist.gather_object(("from", rank), gathered, dst=1)
    out["gather_object"] = gathered
    sampler = torch.utils.data.DistributedSampler(list(range(10)), shuffle=False)
    out["sampler"] = (len(sampler), list(sampler))
    got = [None]
    dist.scatter_object_list(got, [{"to": r} for r in range(world)] if rank == 0 else None, src=0)
    out["scatter_object_list"] = got[0]
    dist.destroy_process_group()
    _save(folder, rank, out)


def test_object_collectives_with_master_addr_env(tmp_path):
    res = _run(_objects, tmp_path)
    for rank, r in enumerate(res):
        assert r["all_gather_object"] == [{"rank": 0, "name": "r0"}, {"rank": 1, "name": "r1"}]
        assert r["broadcast_object_list"] == ["a", 1, {"k": [1, 2]}]
        assert r["scatter_object_list"] == {"to": rank}
        assert r["sampler"] == (5, list(range(rank, 10, 2)))
    assert res[0]["gather_object"] is None
    assert res[1]["gather_object"] == [("from", 0), ("from", 1)]


def _file_init(rank, world, port, folder):
    dist.init_process_group("gloo", init_method=f"file://{folder}/rendezvous", rank=rank, world_size=world)
    t = torch.tensor([rank + 1.0])
    dist.all_reduce(t, op=dist.ReduceOp.PRODUCT)
    dist.destroy_process_group()
    _save(folder, rank, t.tolist())


def test_file_rendezvous(tmp_path):
    assert _run(_file_init, tmp_path) == [[2.0], [2.0]]
    if MINIDL:
        assert not (tmp_path / "rendezvous").exists()  # removed once everyone had joined


_LAUNCHED = textwrap.dedent("""
    import os, sys
    import minidl as torch
    import minidl.distributed as dist
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    t = torch.tensor([float(rank + 1)])
    dist.all_reduce(t)
    sys.stdout.write(f"rank {rank} local {os.environ['LOCAL_RANK']} of {dist.get_world_size()} sum {t.item()}\\n")
    dist.destroy_process_group()
""")


def test_launcher_module_like_torchrun(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(_LAUNCHED.replace("minidl", torch.__name__))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    launcher = [sys.executable, "-m", f"{torch.__name__}.distributed.run", "--nproc_per_node=2",
                f"--master_port={_free_port()}", str(script)]
    done = subprocess.run(launcher, env=env, capture_output=True, text=True, timeout=_JOIN_S)
    assert done.returncode == 0, done.stderr
    for rank in range(2):
        assert f"rank {rank} local {rank} of 2 sum 3.0" in done.stdout


def test_launcher_stops_the_others_when_one_fails(tmp_path):
    script = tmp_path / "fail.py"  # rank 1 fails at once; rank 0 would run for a minute
    script.write_text("import os, sys, time\nif os.environ['RANK'] == '1':\n    sys.exit(7)\ntime.sleep(60)\n")
    start = time.monotonic()
    failed = subprocess.run([sys.executable, "-m", f"{torch.__name__}.distributed.run", "--nproc_per_node=2",
                             f"--master_port={_free_port()}", str(script)],
                            env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                            timeout=_JOIN_S)
    assert failed.returncode != 0 and time.monotonic() - start < _JOIN_S
    if MINIDL:
        assert failed.returncode == 7 and "rank 1 (local rank 1) failed with exit code 7" in failed.stderr


# ---------------------------------------------------------------- errors
def test_bad_init_method_and_missing_env(monkeypatch):
    for var in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="env:// rendezvous: environment variable RANK expected, but not set"):
        dist.init_process_group("gloo", init_method="env://")
    with pytest.raises(ValueError, match="environment variable MASTER_ADDR expected, but not set"):
        dist.init_process_group("gloo", rank=0, world_size=1)
    with pytest.raises(ValueError, match="tcp:// rendezvous: port number missing"):
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1", rank=0, world_size=1)
    with pytest.raises(ValueError, match="tcp:// rendezvous: rank parameter missing"):
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:1234", world_size=2)
    with pytest.raises(ValueError, match="tcp:// rendezvous: world size parameter missing"):
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:1234", rank=0)
    with pytest.raises(ValueError, match="file:// rendezvous: world size parameter missing"):
        dist.init_process_group("gloo", init_method="file:///tmp/nothing", rank=0)
    with pytest.raises(RuntimeError, match="No rendezvous handler for foo://"):
        dist.init_process_group("gloo", init_method="foo://bar", rank=0, world_size=1)
    assert not dist.is_initialized()


def test_world_of_one_over_gloo(monkeypatch):
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(_free_port()))
    assert dist.Backend("GLOO") == dist.Backend.GLOO == "gloo" and dist.is_gloo_available()
    dist.init_process_group("cpu:gloo", rank=0, world_size=1)
    try:
        t = torch.tensor([2.0, 3.0])
        dist.all_reduce(t)
        objs = [None]
        dist.all_gather_object(objs, "x")
        assert t.tolist() == [2.0, 3.0] and objs == ["x"] and "gloo" in dist.get_backend()
        assert dist.new_group([0]) is not None and dist.get_node_local_rank(fallback_rank=0) >= 0
        if MINIDL:
            with pytest.raises(ValueError, match="only a group of every rank"):
                dist.new_group([0, 1])
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not MINIDL, reason="minidl's own messages")
def test_rendezvous_timeout_names_the_missing_rank():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"rendezvous on rank 0 timed out: rank\(s\) \[1\]"):
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{_free_port()}", rank=0, world_size=2,
                                timeout=1)
    with pytest.raises(RuntimeError, match="rendezvous on rank 1 timed out: cannot connect"):
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{_free_port()}", rank=1, world_size=2,
                                timeout=1)
    assert time.monotonic() - start < 10 and not dist.is_initialized()


def _stalled_peer(rank, world, port, folder):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
                            timeout=1.5)
    out = {}
    if rank == 0:
        try:
            dist.all_reduce(torch.ones(3))
        except RuntimeError as exc:
            out["error"] = str(exc)
        try:
            dist.barrier()
        except RuntimeError as exc:
            out["after"] = str(exc)
        _save(folder, rank, out)
    else:
        time.sleep(4)  # never joins the all_reduce
        _save(folder, rank, out)
    dist.destroy_process_group()


@pytest.mark.skipif(not MINIDL, reason="minidl's own messages")
def test_collective_timeout_names_rank_and_collective(tmp_path):
    res = _run(_stalled_peer, tmp_path)
    error = res[0]["error"]
    assert "all_reduce on rank 0 timed out after 1.5 s" in error and "\n" not in error
    assert "unusable" in res[0]["after"] or "timed out" in res[0]["after"]


def _crash_on_rank_one(rank, world, port, folder):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    if rank == 1:
        raise ValueError("rank one failed on purpose")
    dist.all_reduce(torch.ones(2))  # the peer's exit ends this wait too


def test_child_error_reaches_the_parent(tmp_path):
    with pytest.raises(mp.ProcessRaisedException, match="rank one failed on purpose"):
        _run(_crash_on_rank_one, tmp_path)


# ---------------------------------------------------------------- DDP, the tutorial's way
def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def _data():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.normal(size=(8, 4)).astype(np.float32)),
            torch.tensor(rng.normal(size=(8, 2)).astype(np.float32)))


def _train(model, x, y, steps=5):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()


def _ddp_worker(rank, world, port, folder):
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "localhost", str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    model = nn.parallel.DistributedDataParallel(_model())
    x, y = _data()
    half = slice(rank * 4, rank * 4 + 4)
    _train(model, x[half], y[half])
    _save(folder, rank, {k: _np(v) for k, v in model.module.state_dict().items()})
    dist.destroy_process_group()


def test_ddp_two_processes_match_one_process_on_the_full_batch(tmp_path):
    res = _run(_ddp_worker, tmp_path, start_method="spawn")
    single = _model()
    x, y = _data()
    _train(single, x, y)
    for name, value in single.state_dict().items():
        np.testing.assert_array_equal(res[0][name], res[1][name], err_msg=name)
        np.testing.assert_allclose(res[0][name], _np(value), rtol=1e-5, atol=1e-6, err_msg=name)


# ---------------------------------------------------------------- the generic paths (any backend)
@pytest.mark.skipif(not MINIDL, reason="minidl's one-process MPI fallback")
def test_new_collectives_on_a_world_of_one_without_mpi(monkeypatch):
    from minidl.distributed import group
    monkeypatch.setattr(group, "import_mpi", lambda: (_ for _ in ()).throw(ImportError("blocked")))
    for key in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        monkeypatch.delenv(key, raising=False)
    dist.init_process_group("mpi")
    try:
        t = torch.tensor([1.0, 2.0])
        dist.reduce(t, dst=0, op=dist.ReduceOp.MAX)
        gathered = [torch.zeros(2)]
        dist.gather(t, gathered, dst=0)
        out = torch.zeros(2)
        dist.scatter(out, [torch.tensor([5.0, 6.0])], src=0)
        rs = torch.zeros(2)
        dist.reduce_scatter(rs, [torch.tensor([3.0, 4.0])])
        a2a = [torch.zeros(2)]
        dist.all_to_all(a2a, [torch.tensor([7.0, 8.0])])
        objs, got, sent = [None], [None], ["s", 1]
        dist.all_gather_object(objs, {"a": 1})
        dist.gather_object("g", got, dst=0)
        dist.broadcast_object_list(sent, src=0)
        scattered = [None]
        dist.scatter_object_list(scattered, ["only"], src=0)
        dist.monitored_barrier()
        assert t.tolist() == [1.0, 2.0] and gathered[0].tolist() == [1.0, 2.0]
        assert out.tolist() == [5.0, 6.0] and rs.tolist() == [3.0, 4.0] and a2a[0].tolist() == [7.0, 8.0]
        assert objs == [{"a": 1}] and got == ["g"] and sent == ["s", 1] and scattered == ["only"]
        with pytest.raises(ValueError, match="Argument ``gather_list`` must be specified on destination rank."):
            dist.gather(t, None, dst=0)
        with pytest.raises(ValueError, match="Argument ``scatter_list`` must be specified on source rank."):
            dist.scatter(out, None, src=0)
        with pytest.raises(ValueError, match="destination rank should not be the same as the rank"):
            dist.send(t, dst=0)
        with pytest.raises(RuntimeError, match="point-to-point communication needs the 'gloo' backend"):
            dist.recv(t, src=0)
        assert dist.new_group() is dist.group.WORLD and dist.get_process_group_ranks(dist.group.WORLD) == [0]
    finally:
        dist.destroy_process_group()
    assert dist.group.WORLD is None
