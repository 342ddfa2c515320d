"""EmbeddingBag / F.embedding_bag (sum, mean, max; offsets, 2-D bags, padding_idx, per_sample_weights,
include_last_offset, empty bags) against NumPy, float64 gradcheck/gradgradcheck, repr; and the deprecated
F.upsample* aliases of interpolate."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck

IDS = np.array([1, 2, 4, 5, 4, 3, 2, 9])
OFFSETS = np.array([0, 4, 4, 6])          # the second bag is empty


def _bags(ids, offsets):
    bounds = list(offsets) + [len(ids)]
    return [ids[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _reference(w, mode, padding_idx=None, psw=None):
    out = []
    for bag, (a, _) in zip(_bags(IDS, OFFSETS), zip(OFFSETS, list(OFFSETS[1:]) + [len(IDS)])):
        keep = [i for i, v in enumerate(bag) if v != padding_idx]
        rows = w[bag[keep]] * (psw[a:a + len(bag)][keep, None] if psw is not None else 1)
        if not keep:
            out.append(np.zeros(w.shape[1]))
        else:
            out.append({"sum": rows.sum(0), "mean": rows.mean(0), "max": rows.max(0)}[mode])
    return np.stack(out)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_values_and_grads(rng, mode, padding_idx):
    w = rng.standard_normal((10, 3))
    wt = mdl.tensor(w, requires_grad=True)
    out = F.embedding_bag(mdl.tensor(IDS), wt, mdl.tensor(OFFSETS), mode=mode, padding_idx=padding_idx)
    np.testing.assert_allclose(out.numpy(), _reference(w, mode, padding_idx), rtol=1e-12)
    fn = lambda t: F.embedding_bag(mdl.tensor(IDS), t, mdl.tensor(OFFSETS), mode=mode,  # noqa: E731
                                   padding_idx=padding_idx)
    assert gradcheck(fn, (wt,)) and gradgradcheck(fn, (wt,))


def test_two_dimensional_bags_last_offset_and_weights(rng):
    w = rng.standard_normal((10, 3))
    wt = mdl.tensor(w, requires_grad=True)
    ids2 = np.array([[1, 2, 4], [5, 4, 3]])
    np.testing.assert_allclose(F.embedding_bag(mdl.tensor(ids2), wt, mode="max").numpy(), w[ids2].max(1))
    last = F.embedding_bag(mdl.tensor(IDS), wt, mdl.tensor([0, 3, 8]), include_last_offset=True, mode="sum")
    np.testing.assert_allclose(last.numpy(), np.stack([w[IDS[:3]].sum(0), w[IDS[3:]].sum(0)]))
    psw = mdl.tensor(rng.standard_normal(8), requires_grad=True)
    out = F.embedding_bag(mdl.tensor(IDS), wt, mdl.tensor(OFFSETS), mode="sum", per_sample_weights=psw)
    np.testing.assert_allclose(out.numpy(), _reference(w, "sum", psw=psw.numpy()), rtol=1e-12)
    fn = lambda a, b: F.embedding_bag(mdl.tensor(IDS), a, mdl.tensor(OFFSETS), mode="sum",  # noqa: E731
                                      per_sample_weights=b)
    assert gradcheck(fn, (wt, psw))
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        F.embedding_bag(mdl.tensor(IDS), wt, mdl.tensor(OFFSETS), per_sample_weights=psw)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(mdl.tensor(ids2), wt, mdl.tensor([0, 1]))


def test_module():
    bag = nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0)
    assert repr(bag) == "EmbeddingBag(10, 3, mode='sum', padding_idx=0)"
    assert repr(nn.EmbeddingBag(10, 3)) == "EmbeddingBag(10, 3, mode='mean')"
    assert list(bag.state_dict()) == ["weight"] and np.all(bag.weight.numpy()[0] == 0)
    out = bag(mdl.tensor([1, 0, 2]), mdl.tensor([0, 2]))
    np.testing.assert_allclose(out.numpy(), np.stack([bag.weight.numpy()[1], bag.weight.numpy()[2]]), rtol=1e-6)
    out.sum().backward()
    assert np.all(bag.weight.grad.numpy()[0] == 0)
    frozen = nn.EmbeddingBag.from_pretrained(mdl.ones(4, 2))
    assert not frozen.weight.requires_grad and frozen(mdl.tensor([[0, 1]])).shape == (1, 2)


def test_upsample_aliases():
    x = mdl.randn(1, 2, 3, 3)
    with pytest.warns(UserWarning, match="deprecated"):
        y = F.upsample(x, scale_factor=2)
    np.testing.assert_array_equal(y.numpy(), F.interpolate(x, scale_factor=2).numpy())
    with pytest.warns(UserWarning, match="deprecated"):
        y = F.upsample_bilinear(x, size=(5, 4))
    np.testing.assert_array_equal(y.numpy(), F.interpolate(x, (5, 4), mode="bilinear", align_corners=True).numpy())
    with pytest.warns(UserWarning, match="deprecated"):
        assert F.upsample_nearest(x, size=(5, 4)).shape == (1, 2, 5, 4)
