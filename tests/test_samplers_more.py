"""WeightedRandomSampler, ChainDataset and StackDataset: PyTorch's behaviour, errors and seeding."""
import numpy as np
import pytest

import minidl as mdl
from minidl.utils.data import (
    ChainDataset,
    DataLoader,
    IterableDataset,
    StackDataset,
    TensorDataset,
    WeightedRandomSampler,
)


def test_weighted_sampler_frequencies_follow_the_weights():
    weights = [0.1, 0.0, 0.6, 0.3]
    draws = list(WeightedRandomSampler(weights, 20000, generator=mdl.Generator().manual_seed(0)))
    counts = np.bincount(draws, minlength=4) / 20000
    np.testing.assert_allclose(counts, weights, atol=0.015)
    assert counts[1] == 0                                                   # a zero weight is never drawn
    sampler = WeightedRandomSampler(mdl.tensor([1.0, 3.0]), 7)
    assert len(sampler) == 7 and sampler.weights.dtype == mdl.float64 and sampler.replacement is True
    assert sampler.weights.tolist() == [1.0, 3.0] and sampler.num_samples == 7


def test_weighted_sampler_without_replacement():
    weights = [5.0, 0.0, 1.0, 0.0, 2.0]
    firsts = []
    for seed in range(200):
        order = list(WeightedRandomSampler(weights, 5, replacement=False, generator=seed))
        assert sorted(order) == [0, 1, 2, 3, 4]
        assert set(order[:3]) == {0, 2, 4}                                  # positive weights come first
        firsts.append(order[0])
    share = np.bincount(firsts, minlength=5) / 200
    np.testing.assert_allclose(share[[0, 2, 4]], [5 / 8, 1 / 8, 2 / 8], atol=0.09)
    assert len(set(WeightedRandomSampler([1, 1, 1, 1, 1, 1], 3, replacement=False, generator=1))) == 3


def test_weighted_sampler_seeding():
    a = list(WeightedRandomSampler([1, 2, 3], 10, generator=mdl.Generator().manual_seed(3)))
    b = list(WeightedRandomSampler([1, 2, 3], 10, generator=mdl.Generator().manual_seed(3)))
    assert a == b
    mdl.manual_seed(4)
    c = list(WeightedRandomSampler([1, 2, 3], 10))
    mdl.manual_seed(4)
    assert list(WeightedRandomSampler([1, 2, 3], 10)) == c
    sampler = WeightedRandomSampler([1, 2, 3], 10, generator=mdl.Generator().manual_seed(3))
    assert list(sampler) != list(sampler)                                   # a fresh draw per iteration


@pytest.mark.parametrize("args, kwargs, error, match", [
    (([1, 2], 0), {}, ValueError, "num_samples should be a positive integer value, but got num_samples=0"),
    (([1, 2], 2.0), {}, ValueError, "num_samples=2.0"),
    (([1, 2], True), {}, ValueError, "num_samples=True"),
    (([[1, 2]], 2), {}, ValueError, r"weights should be a 1d sequence but given weights have shape \(1, 2\)"),
    (([1, 2], 2), {"replacement": 1}, ValueError, "replacement should be a boolean value, but got replacement=1"),
])
def test_weighted_sampler_argument_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        WeightedRandomSampler(*args, **kwargs)


@pytest.mark.parametrize("weights, num, replacement, match", [
    ([1, -2], 2, True, "probability entry < 0"),
    ([1, float("nan")], 2, True, "probability entry < 0"),
    ([1, float("inf")], 2, True, "infinity or NaN"),
    ([0, 0], 2, True, r"sum of probabilities <= 0"),
    ([1, 2, 3], 5, False, "cannot sample n_sample > prob_dist.size"),
])
def test_weighted_sampler_distribution_errors_on_iteration(weights, num, replacement, match):
    sampler = WeightedRandomSampler(weights, num, replacement=replacement)
    with pytest.raises(RuntimeError, match=match):
        list(sampler)


def test_weighted_sampler_in_a_dataloader():
    ds = TensorDataset(mdl.arange(6).float(), mdl.tensor([0, 0, 0, 0, 1, 1]))
    weights = [1 / 4] * 4 + [1 / 2] * 2                                      # balance the two classes
    loader = DataLoader(ds, batch_size=50, sampler=WeightedRandomSampler(weights, 2000, generator=0))
    labels = np.concatenate([y.numpy() for _, y in loader])
    assert len(labels) == 2000 and 0.45 < labels.mean() < 0.55


class Count(IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        return iter(range(self.start, self.stop))

    def __len__(self):
        return self.stop - self.start


def test_chain_dataset():
    chained = ChainDataset([Count(0, 2), Count(10, 13)])
    assert list(chained) == [0, 1, 10, 11, 12] and len(chained) == 5
    added = Count(0, 2) + Count(5, 6)
    assert isinstance(added, ChainDataset) and list(added) == [0, 1, 5]
    batches = list(DataLoader(chained, batch_size=2))
    assert [b.tolist() for b in batches] == [[0, 1], [10, 11], [12]]
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([Count(0, 1), [1, 2]]))
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        len(ChainDataset([[1, 2]]))


def test_stack_dataset():
    images, labels = mdl.arange(8).float().reshape(4, 2), [3, 1, 4, 1]
    stacked = StackDataset(images, labels)
    x, y = stacked[2]
    assert x.tolist() == [4.0, 5.0] and y == 4 and len(stacked) == 4
    named = StackDataset(image=images, label=labels)
    assert set(named[0]) == {"image", "label"} and named[0]["label"] == 3
    assert named.__getitems__([1, 3])[1]["label"] == 1
    assert [t[1] for t in stacked.__getitems__([3, 0])] == [1, 3]
    batch = next(iter(DataLoader(named, batch_size=4)))
    assert batch["image"].shape == (4, 2) and batch["label"].tolist() == [3, 1, 4, 1]
    xb, yb = next(iter(DataLoader(stacked, batch_size=3)))
    assert xb.shape == (3, 2) and yb.tolist() == [3, 1, 4]
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(a=[1, 2], b=[1])
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset([1, 2], b=[1, 2])
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        StackDataset()


def test_random_sampler_refuses_an_empty_source_and_a_non_bool_replacement():
    """yunjey/pytorch-tutorial's ``DataLoader(CustomDataset(), shuffle=True)`` over a dataset of length 0: PyTorch's
    RandomSampler refuses it (its num_samples defaults to the length); ``replacement`` must be a bool."""
    import minidl

    class Empty(minidl.utils.data.Dataset):
        def __getitem__(self, index):
            raise IndexError(index)

        def __len__(self):
            return 0

    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        minidl.utils.data.DataLoader(Empty(), batch_size=64, shuffle=True)
    assert list(minidl.utils.data.DataLoader(Empty(), batch_size=64)) == []
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        minidl.utils.data.RandomSampler([1, 2], replacement=1)
