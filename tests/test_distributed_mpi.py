"""Data parallelism across real processes: ``mpiexec -n 2`` runs tests/_distributed_worker.py.

One launch runs every check (collectives, DDP training against one process with
twice the batch, SyncBatchNorm against BatchNorm over the concatenated batch,
no_sync, unused parameters) and leaves each rank's results in an npz file; a
second launch makes one rank raise. Skipped, with the reason, where mpi4py or
``mpiexec`` is missing (``pip install minidl[distributed]`` installs both).
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn

HERE = Path(__file__).resolve().parent
WORKER = HERE / "_distributed_worker.py"
TIMEOUT_S = 240


def _launcher():
    """``(mpiexec path, environment)`` for the ranks, or skip saying what is missing."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        pytest.skip("mpi4py is not installed (pip install minidl[distributed])")
    candidate = Path(sys.executable).parent / "mpiexec"
    mpiexec = str(candidate) if candidate.exists() else shutil.which("mpiexec")
    if mpiexec is None:
        pytest.skip(f"no mpiexec next to {sys.executable} or on PATH (pip install mpich)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_", "PMIX_"))}
    # one thread per rank (the ranks share the cores); NumPy kernels compile nothing
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1",
               MINIDL_CPU_KERNELS="numpy", PYTHONPATH=str(HERE.parent))
    # mpi4py looks for libmpi in this Python's prefix; point it at the library of the
    # MPI whose mpiexec we found when that is another installation
    own_lib = Path(sys.prefix) / "lib"
    other_lib = Path(mpiexec).resolve().parent.parent / "lib"
    if "MPI4PY_LIBMPI" not in env and not list(own_lib.glob("libmpi.so*")):
        found = sorted(other_lib.glob("libmpi.so.*")) + sorted(other_lib.glob("libmpi.so"))
        if not found:
            pytest.skip(f"no libmpi in {own_lib} or {other_lib} for mpi4py to load")
        env["MPI4PY_LIBMPI"] = str(found[0])
    problem = _mpi_problem(mpiexec, env)
    if problem:
        pytest.skip(f"MPI does not start here, so minidl is not what fails: {problem}")
    return mpiexec, env


_MPI_PROBLEM = {}


def _mpi_problem(mpiexec, env):
    """Why ``mpiexec -n 2`` cannot run a bare mpi4py program here (None when it can); asked once."""
    if mpiexec not in _MPI_PROBLEM:
        code = "from mpi4py import MPI; assert MPI.COMM_WORLD.Get_size() == 2"
        try:
            proc = subprocess.run([mpiexec, "-n", "2", sys.executable, "-c", code], env=env,
                                  capture_output=True, text=True, timeout=60)
            problem = None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["?"])[-1]
        except subprocess.TimeoutExpired:
            problem = "a two-rank mpi4py program did not finish in 60 s"
        _MPI_PROBLEM[mpiexec] = problem
    return _MPI_PROBLEM[mpiexec]


def _run(args, env, mpiexec):
    start = time.monotonic()
    proc = subprocess.run([mpiexec, "-n", "2", sys.executable, str(WORKER)] + args, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    return proc, time.monotonic() - start


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    """The two ranks' results of ``_distributed_worker.py checks``: a list of dicts."""
    mpiexec, env = _launcher()
    out = tmp_path_factory.mktemp("mpi")
    proc, _ = _run(["checks", str(out)], env, mpiexec)
    assert proc.returncode == 0, f"mpiexec failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-4000:]}"
    return [dict(np.load(out / f"rank{r}.npz")) for r in range(2)]


@pytest.fixture(scope="module")
def worker():
    sys.path.insert(0, str(HERE))
    try:
        import _distributed_worker
    finally:
        sys.path.remove(str(HERE))
    return _distributed_worker


def test_both_ranks_ran_in_one_world(ranks):
    assert [int(r["world_size"]) for r in ranks] == [2, 2]
    assert [bool(r["main"]) for r in ranks] == [True, False]


def test_collectives(ranks):
    for r in ranks:
        assert r["coll/sum"].tolist() == [3.0, 10.0]
        assert r["coll/max"].tolist() == [1, 0]
        assert r["coll/avg"].tolist() == [[1.5, 1.5], [1.5, 1.5]]
        assert r["coll/bcast"].tolist() == [5.0, 5.0, 5.0]
        assert r["coll/gather"].tolist() == [[0.0, 0.0], [1.0, 1.0]]
        assert bool(r["coll/async_done"])


@pytest.mark.parametrize("config", ["sgd", "momentum_wd", "momentum_wd_no_overlap"])
def test_two_ranks_of_batch_b_match_one_process_of_batch_2b(ranks, worker, config):
    with mdl.using_config(cpu_kernels="numpy"):   # the ranks' kernels (MINIDL_CPU_KERNELS=numpy)
        opt_kwargs = worker.CONFIGS[config][0]
        reference, history = worker.train(worker.build_model(), 1, 0, 2 * worker.PER_RANK_BATCH, opt_kwargs)
    if config != "sgd":
        assert int(ranks[0][f"{config}/buckets"]) > 1    # small buckets: several allreduces per step
    for key, expected in reference.items():
        for r in ranks:
            got = r[f"{config}/{key}"]
            assert np.abs(got - expected).max() < 1e-5, (config, key, np.abs(got - expected).max())
        assert np.array_equal(ranks[0][f"{config}/{key}"], ranks[1][f"{config}/{key}"])  # replicas identical
    # the logged epoch loss is the mean over both ranks' samples, i.e. the one-process value
    np.testing.assert_allclose(ranks[0][f"{config}/loss"], history["loss"], rtol=1e-5)


def test_sync_batchnorm_equals_batchnorm_over_the_concatenated_batch(ranks):
    rng = np.random.default_rng(11)                   # the worker's data
    x_full = rng.normal(2.0, 3.0, size=(6, 3, 4, 5)).astype(np.float32)
    c_full = rng.normal(size=x_full.shape).astype(np.float32)
    bn = nn.BatchNorm2d(3)
    bn.weight.data[...] = [0.5, 1.5, -1.0]
    bn.bias.data[...] = [0.1, -0.2, 0.3]
    x = mdl.tensor(x_full, requires_grad=True)
    y = bn(x)
    (y * mdl.tensor(c_full)).sum().backward()
    for r in range(2):
        part = slice(3 * r, 3 * r + 3)
        np.testing.assert_allclose(ranks[r]["syncbn/y"], y.numpy()[part], atol=1e-5)
        np.testing.assert_allclose(ranks[r]["syncbn/dx"], x.grad.numpy()[part], atol=1e-5)
        np.testing.assert_allclose(ranks[r]["syncbn/running_mean"], bn.running_mean.numpy(), rtol=1e-6)
        np.testing.assert_allclose(ranks[r]["syncbn/running_var"], bn.running_var.numpy(), rtol=1e-6)
        assert bool(ranks[r]["syncbn/converted"])
    # weight and bias gradients stay local: their sum over the ranks is the whole batch's
    np.testing.assert_allclose(ranks[0]["syncbn/dweight"] + ranks[1]["syncbn/dweight"],
                               bn.weight.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ranks[0]["syncbn/dbias"] + ranks[1]["syncbn/dbias"], bn.bias.grad.numpy(),
                               rtol=1e-5)


def _local_grads(seed_model, rank, n_inputs):
    rng = np.random.default_rng(100 + rank)
    xs = [mdl.tensor(rng.normal(size=(4, 3)).astype(np.float32)) for _ in range(2)]
    mdl.manual_seed(seed_model)
    lin = nn.Linear(3, 2)
    for x in xs[:n_inputs]:
        lin(x).sum().backward()
    return lin.weight.grad.numpy()


def test_no_sync_accumulates_locally_then_averages(ranks):
    for r in range(2):
        np.testing.assert_allclose(ranks[r]["no_sync/local_after_first"], _local_grads(1, r, 1), rtol=1e-6)
    expected = (_local_grads(1, 0, 2) + _local_grads(1, 1, 2)) / 2
    for r in range(2):
        np.testing.assert_allclose(ranks[r]["no_sync/weight_grad"], expected, rtol=1e-6)


def test_find_unused_parameters(ranks):
    for r in range(2):
        assert bool(ranks[r]["unused/unused_grad_is_none"])
    np.testing.assert_array_equal(ranks[0]["unused/used_grad"], ranks[1]["unused/used_grad"])


def test_a_rank_that_raises_ends_every_rank_with_the_error_shown():
    mpiexec, env = _launcher()
    proc, seconds = _run(["raise"], env, mpiexec)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "ValueError: deliberate failure on rank 1" in output and "[rank 1]" in output
    assert "rank 0 finished" not in output
    assert seconds < TIMEOUT_S


def test_init_process_group_without_mpiexec_is_world_size_one():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_", "PMIX_"))}
    code = ("import minidl.distributed as d; d.init_process_group('mpi'); "
            "print(d.get_rank(), d.get_world_size(), d.is_main_process()); d.destroy_process_group()")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "1", "True"]


def test_the_other_collectives_over_mpi():
    """reduce, gather, scatter, reduce_scatter, all_to_all and the object collectives on 2 ranks."""
    mpiexec, env = _launcher()
    proc = subprocess.run([mpiexec, "-n", "2", sys.executable, str(HERE / "_distributed_more_worker.py")],
                          env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "rank 0 ok" in output and "rank 1 ok" in output
