"""minidl.multiprocessing, as torch.multiprocessing: the standard library's names, the sharing-strategy
switches, and spawn/start_processes (fn(i, *args) in each process; a child's exception re-raised in the
parent as ProcessRaisedException with its traceback)."""
from __future__ import annotations

import multiprocessing
import pathlib

import pytest

import minidl as mdl
import minidl.multiprocessing as mp


def _write_rank(i, folder, value):
    pathlib.Path(folder, f"rank{i}.txt").write_text(f"{i}:{value}")


def _fail_on_rank_one(i):
    if i == 1:
        raise ValueError("rank one failed on purpose")


def _exit_with_code(i):
    raise SystemExit(3)


def test_reexports_the_standard_library():
    for name in multiprocessing.__all__:
        assert getattr(mp, name) is getattr(multiprocessing, name) and name in mp.__all__
    assert mdl.multiprocessing is mp
    for name in ("set_start_method", "get_start_method", "Process", "Queue", "spawn", "start_processes"):
        assert name in mp.__all__


def test_sharing_strategy():
    assert mp.get_sharing_strategy() in mp.get_all_sharing_strategies()
    old = mp.get_sharing_strategy()
    mp.set_sharing_strategy("file_system")
    assert mp.get_sharing_strategy() == "file_system"
    mp.set_sharing_strategy(old)
    with pytest.raises(ValueError, match="unknown strategy"):
        mp.set_sharing_strategy("shared_pixels")


def test_spawn_runs_fn_with_the_rank(tmp_path):
    assert mp.spawn(_write_rank, args=(str(tmp_path), "x"), nprocs=2) is None
    assert sorted(p.read_text() for p in tmp_path.iterdir()) == ["0:x", "1:x"]


def test_start_processes_without_join_returns_the_context(tmp_path):
    ctx = mp.start_processes(_write_rank, args=(str(tmp_path), "y"), nprocs=2, join=False, start_method="fork")
    assert isinstance(ctx, mp.ProcessContext) and len(ctx.pids()) == 2
    while not ctx.join():
        pass
    assert ctx.join() is True
    assert sorted(p.read_text() for p in tmp_path.iterdir()) == ["0:y", "1:y"]


def test_a_child_exception_is_raised_in_the_parent():
    with pytest.raises(mp.ProcessRaisedException, match="rank one failed on purpose") as info:
        mp.start_processes(_fail_on_rank_one, nprocs=2, start_method="fork")
    assert info.value.error_index == 1 and "Process 1 terminated with the following error" in str(info.value)
    with pytest.raises(mp.ProcessExitedException, match="exit code 3") as info:
        mp.start_processes(_exit_with_code, nprocs=1, start_method="fork")
    assert info.value.exit_code == 3
