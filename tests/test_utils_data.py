"""minidl.utils.data: PyTorch's datasets, samplers, default_collate and the Tensor DataLoader."""
import collections
import os

import numpy as np
import pytest

import minidl as mdl
from minidl.generator import current_rng
from minidl.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    get_worker_info,
    random_split,
)


def arrays(batch):
    """A batch (nested lists/dicts of Tensors) as NumPy, for comparisons."""
    if isinstance(batch, mdl.Tensor):
        return batch.numpy()
    if isinstance(batch, dict):
        return {k: arrays(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [arrays(v) for v in batch]
    return batch


def same(a, b):
    a, b = arrays(a), arrays(b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    return a == b


class Noisy(Dataset):
    """Each sample adds noise drawn from the current generator (a random 'augmentation')."""

    def __init__(self, n=23):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(3, i, np.float32) + current_rng().random(3, dtype=np.float32), i


# ------------------------------------------------------------------- collate
def test_default_collate_follows_pytorch_rules():
    Point = collections.namedtuple("Point", "x y")
    batch = [{"img": np.ones((2, 2), np.float32), "label": 1, "w": 0.5, "name": "a",
              "flag": True, "pair": (1, 2.0), "pt": Point(1, 2), "t": mdl.tensor([1.0, 2.0])},
             {"img": np.zeros((2, 2), np.float32), "label": 2, "w": 1.5, "name": "b",
              "flag": False, "pair": (3, 4.0), "pt": Point(3, 4), "t": mdl.tensor([3.0, 4.0])}]
    out = default_collate(batch)
    assert isinstance(out["img"], mdl.Tensor) and out["img"].shape == (2, 2, 2)
    assert out["label"].dtype == np.int64 and out["label"].tolist() == [1, 2]
    assert out["w"].dtype == np.float64
    assert out["flag"].dtype == np.bool_
    assert out["name"] == ["a", "b"]
    assert isinstance(out["pair"], list) and out["pair"][1].dtype == np.float64   # tuples -> lists
    assert isinstance(out["pt"], Point) and out["pt"].y.tolist() == [2, 4]
    assert out["t"].shape == (2, 2) and out["t"].dtype == np.float32
    assert isinstance(default_collate([[1, 2], [3, 4]]), list)
    assert default_collate([np.int32(3), np.int32(4)]).dtype == np.int32


@pytest.mark.parametrize("bad, match", [([None, None], "found <class 'NoneType'>"),
                                         ([np.array(["a"]), np.array(["b"])], "found <U1"),
                                         ([[1, 2], [3]], "equal size"),
                                         ([np.zeros(2), np.zeros(3)], "equal size")])
def test_default_collate_errors(bad, match):
    with pytest.raises((TypeError, RuntimeError), match=match):
        default_collate(bad)


# ------------------------------------------------------------------ datasets
def test_tensor_dataset_subset_concat():
    x = mdl.tensor(np.arange(12, dtype=np.float32).reshape(6, 2))
    ds = TensorDataset(x, np.arange(6))
    a, b = ds[2]
    assert isinstance(a, mdl.Tensor) and a.tolist() == [4.0, 5.0] and int(b.item()) == 2
    sub = Subset(ds, [5, 0])
    assert len(sub) == 2 and int(sub[0][1].item()) == 5
    cat = ConcatDataset([ds, sub])
    assert len(cat) == 8 and int(cat[7][1].item()) == 0
    with pytest.raises(AssertionError, match="Size mismatch"):  # as PyTorch's assert
        TensorDataset(np.zeros(3), np.zeros(4))


def test_random_split_integer_and_fractional_lengths():
    g = mdl.Generator().manual_seed(0)
    parts = random_split(range(10), [3, 7], generator=g)
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(list(parts[0].indices) + list(parts[1].indices)) == list(range(10))
    again = random_split(range(10), [3, 7], generator=mdl.Generator().manual_seed(0))
    assert list(again[0].indices) == list(parts[0].indices)
    # PyTorch: floor(n * f) each, the remainder dealt round-robin from the first part
    assert [len(p) for p in random_split(range(10), [0.33, 0.33, 0.34], generator=1)] == [4, 3, 3]
    assert [len(p) for p in random_split(range(5), [0.5, 0.5])] == [3, 2]
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(range(10), [3, 3])


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    s = RandomSampler(range(6), generator=mdl.Generator().manual_seed(1))
    assert sorted(s) == list(range(6)) and len(s) == 6
    r = RandomSampler(range(3), replacement=True, num_samples=10, generator=2)
    assert len(list(r)) == 10 and set(r) <= {0, 1, 2}
    assert list(BatchSampler(range(5), 2, drop_last=True)) == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(5), 0, False)


# ----------------------------------------------------------------- DataLoader
def test_loader_yields_tensors_with_len():
    ds = TensorDataset(np.zeros((10, 3), np.float32), np.arange(10))
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    x, y = batches[-1]
    assert isinstance(x, mdl.Tensor) and x.shape == (2, 3) and y.dtype == np.int64
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    assert [y.tolist() for _, y in DataLoader(ds, batch_size=4)][0] == [0, 1, 2, 3]


def test_fast_tensor_path_equals_sample_by_sample():
    ds = TensorDataset(np.random.default_rng(0).random((9, 2, 2), dtype=np.float32), np.arange(9))
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, seed=3))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, seed=3, collate_fn=lambda s: default_collate(s)))
    assert same(fast, slow)


def test_epoch_order_depends_only_on_seed_and_epoch():
    ds = Noisy()
    first = DataLoader(ds, batch_size=5, shuffle=True, seed=7)
    epochs = [list(first) for _ in range(3)]
    assert not same(epochs[0], epochs[1])              # a new order and new noise each epoch
    other = DataLoader(ds, batch_size=5, shuffle=True, seed=7)
    other.set_epoch(2)
    mdl.manual_seed(123)                               # global state does not matter with a seed
    assert same(list(other), epochs[2])
    # generator= follows PyTorch (base seed and order drawn from the generator), not seed=: the same generator
    # seed gives the same order (test_diffoptim_fixes14 checks PyTorch's order), while the samples' own random
    # draws come, as in PyTorch, from the global stream (the same after the same manual_seed)
    g1, g2 = mdl.Generator().manual_seed(7), mdl.Generator().manual_seed(7)
    mdl.manual_seed(1)
    a = list(DataLoader(ds, batch_size=5, shuffle=True, generator=g1))
    b = list(DataLoader(ds, batch_size=5, shuffle=True, generator=g2))
    assert same([y for _, y in a], [y for _, y in b]) and not same(a, b)
    g1.manual_seed(7)
    mdl.manual_seed(1)
    assert same(list(DataLoader(ds, batch_size=5, shuffle=True, generator=g1)), a)
    assert not same(list(DataLoader(ds, batch_size=5, shuffle=True, seed=8)), epochs[0])


def test_unseeded_loader_follows_manual_seed():
    ds = Noisy()
    mdl.manual_seed(5)
    a = list(DataLoader(ds, batch_size=4, shuffle=True))
    mdl.manual_seed(5)
    b = list(DataLoader(ds, batch_size=4, shuffle=True))
    assert same(a, b)


@pytest.mark.parametrize("persistent", [False, True])
def test_worker_processes_give_the_same_batches(persistent):
    ds = Noisy()
    serial = DataLoader(ds, batch_size=4, shuffle=True, seed=11)
    workers = DataLoader(ds, batch_size=4, shuffle=True, seed=11, num_workers=2,
                         persistent_workers=persistent, prefetch_factor=1)
    for _ in range(2):
        assert same(list(workers), list(serial))


def _init(worker_id):
    os.environ["MINIDL_TEST_WORKER"] = str(worker_id)


class WhoAmI(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = get_worker_info()
        return {"worker": -1 if info is None else info.id,
                "init": int(os.environ.get("MINIDL_TEST_WORKER", "-1")), "pid": os.getpid()}


def test_worker_info_and_init_fn():
    assert get_worker_info() is None
    out = list(DataLoader(WhoAmI(), batch_size=1, num_workers=2, worker_init_fn=_init))
    workers = [int(b["worker"].item()) for b in out]
    assert workers == [0, 1, 0, 1]                     # batches go round-robin
    assert [int(b["init"].item()) for b in out] == workers
    assert all(int(b["pid"].item()) != os.getpid() for b in out)


class Broken(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise KeyError(f"sample {i} is broken")
        return i


def test_worker_errors_reach_the_caller():
    with pytest.raises(KeyError, match="sample 2 is broken"):
        list(DataLoader(Broken(), batch_size=1, num_workers=2))


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


def test_iterable_dataset_with_and_without_workers():
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    got = [b.tolist() for b in DataLoader(Stream(8), batch_size=2, num_workers=2)]
    assert got == [[0, 2], [1, 3], [4, 6], [5, 7]]     # worker 0, worker 1, worker 0, ...
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)


def test_unbatched_and_custom_batch_sampler():
    ds = TensorDataset(np.arange(6))
    single = list(DataLoader(ds, batch_size=None))
    assert len(single) == 6 and isinstance(single[0][0], mdl.Tensor) and single[0][0].shape == ()
    bs = BatchSampler(SequentialSampler(ds), 4, drop_last=False)
    assert [b[0].tolist() for b in DataLoader(ds, batch_sampler=bs)] == [[0, 1, 2, 3], [4, 5]]
    custom = DataLoader(ds, batch_size=2, collate_fn=lambda s: len(s))
    assert list(custom) == [2, 2, 2]


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_sampler": [[0]], "batch_size": 2}, "mutually exclusive"),
    ({"sampler": [0, 1], "shuffle": True}, "mutually exclusive with shuffle"),
    ({"num_workers": -1}, "non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor"),
    ({"persistent_workers": True}, "num_workers > 0"),
    ({"batch_size": 0}, "positive integer"),
    ({"seed": 1, "generator": mdl.Generator()}, "either generator= or seed="),
])
def test_loader_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(TensorDataset(np.arange(4)), **kwargs)


def test_pin_memory_and_timeout_are_accepted():
    ds = TensorDataset(np.arange(4))
    assert len(list(DataLoader(ds, batch_size=2, pin_memory=True, timeout=30, num_workers=1))) == 2


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        import time
        time.sleep(2)
        return i


def test_worker_timeout_is_a_clear_error():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        next(iter(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.3)))


def test_subset_random_sampler_in_a_loader():
    from minidl.utils.data import SubsetRandomSampler
    ds = TensorDataset(np.arange(10))
    loader = DataLoader(ds, batch_size=3, sampler=SubsetRandomSampler([1, 3, 5, 7]), seed=0)
    got = [v for (b,) in loader for v in b.tolist()]
    assert sorted(got) == [1, 3, 5, 7] and got == [v for (b,) in loader.__class__(
        ds, batch_size=3, sampler=SubsetRandomSampler([1, 3, 5, 7]), seed=0) for v in b.tolist()]


def test_breaking_out_early_keeps_persistent_workers():
    ds = Noisy()
    loader = DataLoader(ds, batch_size=2, num_workers=2, persistent_workers=True, seed=1)
    for _ in loader:
        break
    pool = loader._pool
    assert pool is not None and all(p.is_alive() for p in pool.procs)
    loader.set_epoch(0)
    assert same(list(loader), list(DataLoader(ds, batch_size=2, seed=1)))
    assert loader._pool is pool


def test_minidl_data_datasets_follow_the_loader_seed():
    from minidl.data import Shapes
    from minidl.data import transforms as DT
    ds = Shapes(12, image_size=8, seed=0, transform=DT.RandomCrop(8, padding=2))
    a = list(DataLoader(ds, batch_size=4, shuffle=True, seed=3))
    mdl.manual_seed(99)
    b = list(DataLoader(ds, batch_size=4, shuffle=True, seed=3, num_workers=2))
    assert same(a, b) and a[0][0].shape == (4, 3, 8, 8) and a[0][0].dtype == np.float32
