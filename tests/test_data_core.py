"""minidl.data containers, splits, up-front augmentation and the DataLoader."""
import threading

import numpy as np
import pytest

import minidl.backend as backend
from minidl.data import (
    ArrayImageDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    augment_with_flips,
    random_split,
    stratified_split,
)
from minidl.data import transforms as T


def image_ds(n=50, h=6, w=5, c=3, classes=5, seed=0, transform=None):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, h, w, c), dtype=np.uint8)
    return ArrayImageDataset(data, np.arange(n) % classes, transform=transform)


class PlainDataset(Dataset):
    """Only __len__/__getitem__: the loader's generic path."""

    def __init__(self, inner):
        self.inner = inner

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        return self.inner[i]


# --- containers ----------------------------------------------------------------

def test_array_dataset_item_is_float_chw_in_unit_range():
    ds = image_ds()
    x, y = ds[3]
    assert x.shape == (3, 6, 5) and x.dtype == np.float32
    np.testing.assert_allclose(x, ds.data[3].transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert y == 3 and isinstance(y, int)
    assert len(ds) == 50 and ds.classes == ["0", "1", "2", "3", "4"]


def test_array_dataset_batch_matches_items():
    ds = image_ds()
    idx = np.array([7, 0, 49, 7])
    x, y = ds.get_batch(idx)
    assert x.shape == (4, 3, 6, 5) and x.dtype == np.float32 and y.dtype == np.int64
    for k, i in enumerate(idx):
        np.testing.assert_array_equal(x[k], ds[i][0])
        assert y[k] == ds[i][1]


def test_array_dataset_rejects_bad_arrays():
    with pytest.raises(ValueError, match="uint8"):
        ArrayImageDataset(np.zeros((2, 4, 4, 3), np.float32), [0, 1])
    with pytest.raises(ValueError, match="2 images but 3 targets"):
        ArrayImageDataset(np.zeros((2, 4, 4, 3), np.uint8), [0, 1, 2])


def test_tensor_dataset_and_labels_int64():
    x = np.arange(24, dtype=np.float32).reshape(6, 1, 2, 2)
    y = np.arange(6, dtype=np.int32)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[2]
    np.testing.assert_array_equal(xi, x[2])
    xb, yb = ds.get_batch([5, 1])
    np.testing.assert_array_equal(xb, x[[5, 1]])
    assert yb.dtype == np.int64 and list(yb) == [5, 1]
    with pytest.raises(ValueError, match="6 rows but array 1 has 5"):
        TensorDataset(x, y[:5])


def test_tensor_dataset_accepts_objects_with_numpy_method():
    class FakeTensor:
        def __init__(self, a):
            self.a = a

        def numpy(self):
            return self.a

    ds = TensorDataset(FakeTensor(np.ones((3, 2))), FakeTensor(np.array([0, 1, 2])))
    assert isinstance(ds.arrays[0], np.ndarray) and list(ds.targets) == [0, 1, 2]


def test_subset_nested_maps_indices_and_targets():
    ds = image_ds()
    inner = Subset(ds, [10, 11, 12, 13, 14])
    outer = Subset(inner, [4, 0])
    np.testing.assert_array_equal(outer[0][0], ds[14][0])
    x, y = outer.get_batch([0, 1])
    np.testing.assert_array_equal(x[1], ds[10][0])
    assert list(y) == [14 % 5, 10 % 5]
    assert list(outer.targets) == [4, 0]
    assert outer.classes == ds.classes


def test_concat_dataset_order_and_batches():
    a, b = image_ds(n=4, seed=1), image_ds(n=3, seed=2)
    cat = a + b
    assert isinstance(cat, ConcatDataset) and len(cat) == 7
    np.testing.assert_array_equal(cat[5][0], b[1][0])
    x, y = cat.get_batch([6, 0, 4])
    np.testing.assert_array_equal(x[0], b[2][0])
    np.testing.assert_array_equal(x[1], a[0][0])
    np.testing.assert_array_equal(x[2], b[0][0])
    assert list(cat.targets) == [0, 1, 2, 3, 0, 1, 2]
    with pytest.raises(IndexError):
        cat[7]


# --- splits ----------------------------------------------------------------------

def test_random_split_lengths_fractions_and_disjoint():
    ds = image_ds(n=50)
    a, b = random_split(ds, [30, 20], generator=0)
    assert len(a) == 30 and len(b) == 20
    assert not set(a.indices) & set(b.indices)
    c, d, e = random_split(ds, [0.5, 0.3, 0.2], generator=np.random.default_rng(1))
    assert (len(c), len(d), len(e)) == (25, 15, 10)
    a2, _ = random_split(ds, [30, 20], generator=0)
    np.testing.assert_array_equal(a.indices, a2.indices)
    with pytest.raises(ValueError, match="sum to 49"):
        random_split(ds, [30, 19])


def test_random_split_unseeded_follows_manual_seed():
    ds = image_ds(n=40)
    backend.manual_seed(5)
    a, _ = random_split(ds, [20, 20])
    backend.manual_seed(5)
    b, _ = random_split(ds, [20, 20])
    np.testing.assert_array_equal(a.indices, b.indices)


def test_stratified_split_is_class_balanced_and_deterministic():
    targets = np.repeat(np.arange(4), [40, 20, 10, 30])
    ds = ArrayImageDataset(np.zeros((100, 2, 2, 1), np.uint8), targets)
    tr, va = stratified_split(ds, (0.8, 0.2), seed=3)
    assert len(tr) + len(va) == 100 and not set(tr.indices) & set(va.indices)
    np.testing.assert_array_equal(np.bincount(va.targets, minlength=4), [8, 4, 2, 6])
    np.testing.assert_array_equal(np.bincount(tr.targets, minlength=4), [32, 16, 8, 24])
    tr2, _ = stratified_split(ds, (0.8, 0.2), seed=3)
    np.testing.assert_array_equal(tr.indices, tr2.indices)
    tr3, _ = stratified_split(ds, (0.8, 0.2), seed=4)
    assert not np.array_equal(tr.indices, tr3.indices)


def test_stratified_split_three_way_counts_add_up():
    targets = np.arange(103) % 7
    ds = ArrayImageDataset(np.zeros((103, 1, 1, 1), np.uint8), targets)
    parts = stratified_split(ds, (0.7, 0.2, 0.1), seed=0)
    assert sum(len(p) for p in parts) == 103
    assert len(np.unique(np.concatenate([p.indices for p in parts]))) == 103
    with pytest.raises(ValueError, match="sum to 1"):
        stratified_split(ds, (0.7, 0.2))


def test_stratified_split_keeps_groups_together():
    targets = np.repeat(np.arange(3), 10)
    ds = ArrayImageDataset(np.zeros((30, 1, 1, 1), np.uint8), targets)
    groups = np.arange(30) // 2            # pairs of samples, same class
    a, b = stratified_split(ds, (0.6, 0.4), seed=0, groups=groups)
    assert not set(groups[a.indices]) & set(groups[b.indices])
    assert len(a) + len(b) == 30
    # per class 5 groups -> 3 / 2 groups -> 6 / 4 samples
    np.testing.assert_array_equal(np.bincount(b.targets), [4, 4, 4])
    bad = groups.copy()
    bad[9] = 5                              # sample 9 (class 0) joins group 5 (class 1)
    bad[10] = 5
    with pytest.raises(ValueError, match="several classes"):
        stratified_split(ds, (0.5, 0.5), seed=0, groups=bad)


def test_augment_with_flips_appends_copies_grouped_with_original():
    ds = image_ds(n=12, h=4, w=5)
    aug, groups = augment_with_flips(ds, flips=("horizontal", "vertical", "both"))
    assert len(aug) == 48 and aug.data.dtype == np.uint8
    np.testing.assert_array_equal(aug.data[:12], ds.data)
    np.testing.assert_array_equal(aug.data[12:24], ds.data[:, :, ::-1])
    np.testing.assert_array_equal(aug.data[24:36], ds.data[:, ::-1])
    np.testing.assert_array_equal(aug.data[36:], ds.data[:, ::-1, ::-1])
    np.testing.assert_array_equal(aug.targets, np.tile(ds.targets, 4))
    np.testing.assert_array_equal(groups, np.tile(np.arange(12), 4))
    # the split reads aug.groups: every flipped copy sits with its original
    a, b = stratified_split(aug, (0.5, 0.5), seed=0)
    assert not set(groups[a.indices]) & set(groups[b.indices])
    assert len(a) + len(b) == 48
    with pytest.raises(ValueError, match="unknown flips"):
        augment_with_flips(ds, flips=("diagonal",))
    with pytest.raises(TypeError, match="uint8 .data"):
        augment_with_flips(TensorDataset(np.zeros((2, 3)), np.zeros(2)))


def test_augment_with_flips_of_a_subset_groups_by_subset_position():
    ds = image_ds(n=10)
    sub = Subset(ds, [3, 7])
    aug, groups = augment_with_flips(sub, flips=("horizontal",))
    np.testing.assert_array_equal(aug.data[1], ds.data[7])
    np.testing.assert_array_equal(aug.data[3], ds.data[7][:, ::-1])
    np.testing.assert_array_equal(groups, [0, 1, 0, 1])


# --- DataLoader --------------------------------------------------------------------

def epoch_batches(loader):
    return [(x.copy(), y.copy()) for x, y in loader]


def same_batches(a, b):
    return len(a) == len(b) and all(np.array_equal(p[0], q[0]) and np.array_equal(p[1], q[1])
                                    for p, q in zip(a, b))


def test_loader_shapes_dtypes_len_and_drop_last():
    ds = image_ds(n=50)
    loader = DataLoader(ds, batch_size=16)
    batches = epoch_batches(loader)
    assert len(loader) == 4 and [len(y) for _, y in batches] == [16, 16, 16, 2]
    x, y = batches[0]
    assert x.shape == (16, 3, 6, 5) and x.dtype == np.float32 and y.dtype == np.int64
    # no shuffle: the dataset's order
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), ds.targets)
    dl = DataLoader(ds, batch_size=16, drop_last=True)
    assert len(dl) == 3 and [len(y) for _, y in dl] == [16, 16, 16]


def test_loader_shuffle_covers_each_sample_once():
    ds = image_ds(n=50)
    order = np.concatenate([ds_idx for ds_idx in DataLoader(ds, 8, shuffle=True, seed=1)
                            .batch_indices()])
    assert sorted(order) == list(range(50)) and list(order) != list(range(50))
    xs = np.concatenate([x for x, _ in DataLoader(ds, 8, shuffle=True, seed=1)])
    np.testing.assert_array_equal(xs, ds.get_batch(order)[0])


def test_loader_epoch_order_depends_only_on_seed_and_epoch():
    ds = image_ds(n=40)
    aug = T.Compose([T.RandomCrop(6, padding=2), T.RandomHorizontalFlip()])
    a = DataLoader(ds, 8, shuffle=True, seed=7, transform=aug)
    e0, e1, e2 = epoch_batches(a), epoch_batches(a), epoch_batches(a)
    assert a.epoch == 3
    assert not same_batches(e0, e1) and not same_batches(e1, e2)
    # a "resumed" run: a fresh loader told to start at epoch 2
    b = DataLoader(ds, 8, shuffle=True, seed=7, transform=aug)
    b.set_epoch(2)
    assert same_batches(epoch_batches(b), e2)
    b.set_epoch(0)
    assert same_batches(epoch_batches(b), e0)
    # another seed differs
    c = DataLoader(ds, 8, shuffle=True, seed=8, transform=aug)
    assert not same_batches(epoch_batches(c), e0)


def test_loader_results_independent_of_threads_and_prefetch():
    ds = image_ds(n=70, transform=T.RandomHorizontalFlip())
    aug = T.RandomCrop(4, padding=1)
    ref = epoch_batches(DataLoader(ds, 8, shuffle=True, seed=3, transform=aug, prefetch=0))
    for kw in ({"prefetch": 1}, {"prefetch": 4}, {"num_workers": 3}, {"num_workers": 2, "prefetch": 0}):
        got = epoch_batches(DataLoader(ds, 8, shuffle=True, seed=3, transform=aug, **kw))
        assert same_batches(got, ref), kw


def test_loader_unseeded_draws_from_manual_seed():
    ds = image_ds(n=30)
    backend.manual_seed(11)
    a = epoch_batches(DataLoader(ds, 4, shuffle=True, transform=T.RandomHorizontalFlip()))
    backend.manual_seed(11)
    b = epoch_batches(DataLoader(ds, 4, shuffle=True, transform=T.RandomHorizontalFlip()))
    backend.manual_seed(12)
    c = epoch_batches(DataLoader(ds, 4, shuffle=True, transform=T.RandomHorizontalFlip()))
    assert same_batches(a, b) and not same_batches(a, c)


def test_loader_fast_path_equals_generic_path():
    ds = image_ds(n=33)
    fast = epoch_batches(DataLoader(ds, 5, shuffle=True, seed=2, prefetch=0))
    slow = epoch_batches(DataLoader(PlainDataset(ds), 5, shuffle=True, seed=2, prefetch=0))
    assert same_batches(fast, slow)


def test_loader_fast_path_gathers_whole_batches_through_subsets():
    ds = image_ds(n=40)
    calls = []
    original = ds.get_batch

    def spy(indices, rng=None):
        calls.append(np.asarray(indices))
        return original(indices, rng=rng)

    ds.get_batch = spy
    sub = Subset(ds, np.arange(10, 40))
    list(DataLoader(sub, 10, prefetch=0))
    assert len(calls) == 3 and all(len(c) == 10 for c in calls)
    np.testing.assert_array_equal(calls[0], np.arange(10, 20))


def test_loader_prepares_batches_on_a_background_thread():
    ds = image_ds(n=40)
    seen = []
    original = ds.get_batch

    def spy(indices, rng=None):
        seen.append(threading.current_thread().name)
        return original(indices, rng=rng)

    ds.get_batch = spy
    list(DataLoader(ds, 10, prefetch=2))
    assert seen and all(name.startswith("minidl-loader") for name in seen)
    seen.clear()
    list(DataLoader(ds, 10, prefetch=0))
    assert seen == [threading.current_thread().name] * 4


def test_loader_prefetches_ahead_while_the_consumer_works():
    ds = image_ds(n=40)
    started = []
    original = ds.get_batch

    def spy(indices, rng=None):
        started.append(int(indices[0]))
        return original(indices, rng=rng)

    ds.get_batch = spy
    it = iter(DataLoader(ds, 10, prefetch=2))
    next(it)                                       # consumer holds batch 0 ...
    for _ in range(200):                           # ... while batches 1 and 2 get made
        if len(started) >= 3:
            break
        threading.Event().wait(0.01)
    assert started[:3] == [0, 10, 20]
    it.close()                                     # early exit shuts the pool down


def test_loader_propagates_errors_from_workers():
    class Broken(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 5:
                raise RuntimeError("sample 5 is broken")
            return np.zeros((1, 2, 2), np.float32), 0

    with pytest.raises(RuntimeError, match="sample 5 is broken"):
        list(DataLoader(Broken(), 2, num_workers=2))


def test_loader_passes_rng_to_transforms_and_plain_callables_work():
    ds = image_ds(n=8)
    got = []

    def with_rng(x, rng):
        got.append(isinstance(rng, np.random.Generator))
        return x

    list(DataLoader(ds, 4, transform=with_rng, seed=0))
    assert got == [True, True]
    out = list(DataLoader(ds, 4, transform=lambda x: x * 0))
    assert all(float(np.abs(x).max()) == 0.0 for x, _ in out)


def test_loader_rejects_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(image_ds(), batch_size=0)
    with pytest.raises(ValueError, match="prefetch"):
        DataLoader(image_ds(), prefetch=-1)
