"""Order statistics, counting and distances (``median``, ``quantile``, ``mode``, ``unique``, ``searchsorted``,
``bincount``, ``cdist``, ...): values against NumPy and PyTorch's documented conventions (the lower median,
the last index of a mode, NaN propagation), gradients where the values are picked from the input."""
import math

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


def t(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_median_is_the_lower_median_with_indices(rng):
    assert mdl.median(mdl.tensor([3.0, 1.0, 2.0, 4.0])).item() == 2.0
    x = t(rng, 5, 7)
    r = mdl.median(x, 1)
    np.testing.assert_allclose(r.values.numpy(), np.sort(x.numpy(), 1)[:, 3])
    np.testing.assert_allclose(np.take_along_axis(x.numpy(), r.indices.numpy()[:, None], 1)[:, 0], r.values.numpy())
    assert mdl.median(x, 0, keepdim=True).values.shape == (1, 7)
    check(lambda a: mdl.median(a, 1).values, x)
    check(mdl.median, x)
    assert x.median(0).indices.dtype == mdl.int64


def test_median_nan_rules():
    x = mdl.tensor([1.0, math.nan, 2.0])
    assert math.isnan(mdl.median(x).item())
    assert mdl.nanmedian(x).item() == 1.0
    rows = mdl.tensor([[1.0, math.nan, 3.0], [5.0, 4.0, 6.0]])
    assert math.isnan(mdl.median(rows, 1).values[0].item()) and mdl.median(rows, 1).values[1].item() == 5.0
    assert mdl.nanmedian(rows, 1).values.tolist() == [1.0, 5.0]


def test_kthvalue_and_mode():
    r = mdl.kthvalue(mdl.tensor([3.0, 1.0, 2.0, 1.0]), 2)
    assert r.values.item() == 1.0 and r.indices.item() == 3
    r = mdl.mode(mdl.tensor([1, 2, 2, 1, 3]))
    assert r.values.item() == 1 and r.indices.item() == 3            # smallest of the most frequent, last index
    r = mdl.mode(mdl.tensor([[1.0, 1.0, 2.0], [3.0, 2.0, 2.0]]), 1)
    assert r.values.tolist() == [1.0, 2.0] and r.indices.tolist() == [1, 2]
    with pytest.raises(RuntimeError, match="out of range"):
        mdl.kthvalue(mdl.ones(3), 4)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_matches_numpy(rng, interpolation):
    x = t(rng, 4, 9)
    q = [0.0, 0.3, 0.5, 0.95, 1.0]
    got = mdl.quantile(x, mdl.tensor(q, dtype=mdl.float64), dim=1, interpolation=interpolation)
    np.testing.assert_allclose(got.numpy(), np.quantile(x.numpy(), q, axis=1, method=interpolation))
    assert mdl.quantile(x, 0.5, dim=0, keepdim=True).shape == (1, 9)
    assert mdl.quantile(x, mdl.tensor([0.25, 0.5]), dim=1, keepdim=True).shape == (2, 4, 1)
    np.testing.assert_allclose(mdl.quantile(x, 0.4).item(), np.quantile(x.numpy(), 0.4))


def test_quantile_gradient_and_nan(rng):
    check(lambda a: mdl.quantile(a, 0.3, dim=1), t(rng, 3, 6))
    x = mdl.tensor([[1.0, math.nan, 3.0], [1.0, 2.0, 3.0]])
    out = mdl.quantile(x, 0.5, dim=1)
    assert math.isnan(out[0].item()) and out[1].item() == 2.0
    assert mdl.nanquantile(x, 0.5, dim=1).tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="range"):
        mdl.quantile(x, 1.5)


def test_std_mean_var_mean(rng):
    x = t(rng, 4, 5)
    s, m = mdl.std_mean(x, 1)
    np.testing.assert_allclose(s.numpy(), x.numpy().std(1, ddof=1))
    np.testing.assert_allclose(m.numpy(), x.numpy().mean(1))
    v, m = mdl.var_mean(x, 0, correction=0)
    np.testing.assert_allclose(v.numpy(), x.numpy().var(0))


def test_unique_and_unique_consecutive():
    values, inverse, counts = mdl.unique(mdl.tensor([3, 1, 2, 1]), return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3] and inverse.tolist() == [2, 0, 1, 0] and counts.tolist() == [2, 1, 1]
    rows, inv = mdl.unique(mdl.tensor([[1, 2], [1, 2], [0, 1]]), dim=0, return_inverse=True)
    assert rows.tolist() == [[0, 1], [1, 2]] and inv.tolist() == [1, 1, 0]
    out, inv, cnt = mdl.unique_consecutive(mdl.tensor([1, 1, 2, 2, 3, 1]), return_inverse=True, return_counts=True)
    assert out.tolist() == [1, 2, 3, 1] and inv.tolist() == [0, 0, 1, 1, 2, 3] and cnt.tolist() == [2, 2, 1, 1]


def test_bincount_histc():
    assert mdl.bincount(mdl.tensor([0, 1, 1, 3])).tolist() == [1, 2, 0, 1]
    assert mdl.bincount(mdl.tensor([0, 1, 1]), minlength=4).tolist() == [1, 2, 0, 0]
    w = mdl.bincount(mdl.tensor([0, 1, 1]), weights=mdl.tensor([1.0, 2.0, 3.0]))
    assert w.tolist() == [1.0, 5.0] and w.dtype == mdl.float32
    with pytest.raises(RuntimeError, match="non-negative"):
        mdl.bincount(mdl.tensor([-1, 2]))
    assert mdl.histc(mdl.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist() == [0.0, 2.0, 1.0, 0.0]


def test_searchsorted_and_bucketize():
    seq = mdl.tensor([1, 3, 5, 7, 9])
    vals = mdl.tensor([[3, 6, 9], [3, 6, 9]])
    assert mdl.searchsorted(seq, vals).tolist() == [[1, 3, 4], [1, 3, 4]]
    assert mdl.searchsorted(seq, vals, right=True).tolist() == [[2, 3, 5], [2, 3, 5]]
    assert mdl.searchsorted(seq, vals, side="right").tolist() == [[2, 3, 5], [2, 3, 5]]
    rows = mdl.tensor([[1, 3, 5], [2, 4, 6]])
    assert mdl.searchsorted(rows, mdl.tensor([[3], [5]]), right=True).tolist() == [[2], [2]]
    assert mdl.searchsorted(seq, 4).item() == 2
    assert mdl.searchsorted(seq, vals, out_int32=True).dtype == mdl.int32
    assert mdl.bucketize(mdl.tensor([1, 5, 9]), mdl.tensor([2, 4, 6, 8])).tolist() == [0, 2, 4]
    assert mdl.bucketize(mdl.tensor([2, 4]), mdl.tensor([2, 4]), right=True).tolist() == [1, 2]


def test_index_helpers():
    assert mdl.argwhere(mdl.tensor([[0, 1], [2, 0]])).tolist() == [[0, 1], [1, 0]]
    rows, cols = mdl.unravel_index(mdl.tensor([4, 5]), (2, 3))
    assert rows.tolist() == [1, 1] and cols.tolist() == [1, 2]
    rows, cols = mdl.unravel_index(mdl.tensor([9, -1]), (2, 4))       # PyTorch wraps around
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 3]
    assert mdl.tril_indices(3, 3).tolist() == [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    assert mdl.triu_indices(3, 3, 1).tolist() == [[0, 0, 1], [1, 2, 2]]
    assert mdl.tril_indices(3, 4, -1).shape == (2, 3)


def test_cdist_dist(rng):
    a, b = t(rng, 4, 3), t(rng, 5, 3)
    ref = np.sqrt(((a.numpy()[:, None] - b.numpy()[None]) ** 2).sum(-1))
    np.testing.assert_allclose(mdl.cdist(a, b).numpy(), ref)
    ref1 = np.abs(a.numpy()[:, None] - b.numpy()[None]).sum(-1)
    np.testing.assert_allclose(mdl.cdist(a, b, p=1).numpy(), ref1)
    check(mdl.cdist, a, b)
    check(lambda x, y: mdl.cdist(x, y, p=3), a, b)
    same = mdl.tensor([[1.0, 2.0]], requires_grad=True)
    mdl.cdist(same, same.detach()).sum().backward()
    assert same.grad.tolist() == [[0.0, 0.0]]                         # not NaN at distance 0
    assert mdl.dist(mdl.ones(3), mdl.zeros(3), 1).item() == 3.0
    np.testing.assert_allclose(mdl.dist(a, a * 0).item(), np.linalg.norm(a.numpy()))


def test_cov_corrcoef_aminmax(rng):
    x = rng.standard_normal((3, 8))
    np.testing.assert_allclose(mdl.cov(mdl.tensor(x)).numpy(), np.cov(x), rtol=1e-6)
    np.testing.assert_allclose(mdl.corrcoef(mdl.tensor(x)).numpy(), np.corrcoef(x), rtol=1e-6)
    fw = np.array([1, 2, 1, 1, 3, 1, 1, 2])
    np.testing.assert_allclose(mdl.cov(mdl.tensor(x), fweights=mdl.tensor(fw)).numpy(), np.cov(x, fweights=fw),
                               rtol=1e-6)
    r = mdl.aminmax(mdl.tensor([[1, 5], [-2, 3]]), dim=1)
    assert r.min.tolist() == [1, -2] and r.max.tolist() == [5, 3]
