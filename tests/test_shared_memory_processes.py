"""``Tensor.share_memory_()`` / ``Module.share_memory()`` share data with spawned processes, as PyTorch's (the
Hogwild pattern): a child's in-place writes reach the parent. A tensor that is not shared arrives as a copy;
``pickle``/``minidl.save`` of a shared tensor still hold its values; the shared block goes when its tensor does."""
import gc
import os
import pickle

import minidl
import minidl.multiprocessing as mp


def _write(rank, model, shared, private):
    with minidl.no_grad():
        model.weight.add_(1.0)
        shared[rank] = 10.0 + rank
        private.fill_(7.0)


def test_spawned_processes_write_into_shared_tensors():
    ctx = mp.get_context("spawn")
    model = minidl.nn.Linear(2, 2).share_memory()
    shared = minidl.zeros(3).share_memory_()
    private = minidl.zeros(2)
    assert model.weight.is_shared() and model.bias.is_shared() and shared.is_shared() and not private.is_shared()
    before = model.weight.clone()
    processes = [ctx.Process(target=_write, args=(rank, model, shared, private)) for rank in range(2)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    assert [p.exitcode for p in processes] == [0, 0]
    assert shared.tolist() == [10.0, 11.0, 0.0]
    assert (model.weight - before).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert private.tolist() == [0.0, 0.0]  # sent by value


def test_pickle_of_a_shared_tensor_holds_values_and_the_block_is_freed():
    from minidl import _shared_memory
    t = minidl.arange(4.0).share_memory_()
    back = pickle.loads(pickle.dumps(t))
    assert back.tolist() == [0.0, 1.0, 2.0, 3.0] and not back.is_shared()
    (name,) = [n for n in _shared_memory._blocks if n not in _before_blocks]
    assert t.share_memory_() is t and len(_shared_memory._blocks) == len(_before_blocks) + 1  # no second copy
    del t, back
    gc.collect()
    assert name not in _shared_memory._blocks
    if os.path.isdir("/dev/shm"):
        assert not os.path.exists(os.path.join("/dev/shm", name.lstrip("/")))


_before_blocks = set()


def setup_function(function):
    from minidl import _shared_memory
    gc.collect()
    _before_blocks.clear()
    _before_blocks.update(_shared_memory._blocks)
