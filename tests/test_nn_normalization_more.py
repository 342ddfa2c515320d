"""GroupNorm, InstanceNorm1d/2d/3d, LocalResponseNorm, RMSNorm, F.normalize, cosine_similarity and
pairwise_distance: values against NumPy, float64 gradcheck/gradgradcheck, running statistics,
reprs (PyTorch 2.13's) and errors."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def t64(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True)


def _standardise(a, axes, eps):
    mean = a.mean(axis=axes, keepdims=True)
    return (a - mean) / np.sqrt(a.var(axis=axes, keepdims=True) + eps)


def test_group_norm_values_and_grads(rng):
    x, w, b = t64(rng, 2, 6, 3, 5), t64(rng, 6), t64(rng, 6)
    a = x.numpy().reshape(2, 3, -1)
    expected = _standardise(a, 2, 1e-5).reshape(2, 6, 3, 5) * w.numpy()[:, None, None] + b.numpy()[:, None, None]
    np.testing.assert_allclose(F.group_norm(x, 3, w, b).numpy(), expected, rtol=1e-10, atol=1e-12)
    fn = lambda x, w, b: F.group_norm(x, 3, w, b)  # noqa: E731
    assert gradcheck(fn, (x, w, b)) and gradgradcheck(fn, (x, w, b))
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(mdl.randn(2, 5, 3), 2)


def test_group_norm_module():
    m = nn.GroupNorm(2, 4)
    assert repr(m) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert list(m.state_dict()) == ["weight", "bias"]
    assert repr(nn.GroupNorm(2, 4, bias=False)) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=False)"
    assert list(nn.GroupNorm(2, 4, affine=False).state_dict()) == []
    y = m(mdl.randn(3, 4, 5))
    np.testing.assert_allclose(y.numpy().reshape(3, 2, -1).mean(axis=2), 0, atol=1e-6)
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)


def test_instance_norm_values_grads_and_running_stats(rng):
    x, w, b = t64(rng, 2, 3, 7), t64(rng, 3), t64(rng, 3)
    expected = _standardise(x.numpy(), 2, 1e-5) * w.numpy()[:, None] + b.numpy()[:, None]
    np.testing.assert_allclose(F.instance_norm(x, weight=w, bias=b).numpy(), expected, rtol=1e-10, atol=1e-12)
    fn = lambda x, w, b: F.instance_norm(x, weight=w, bias=b)  # noqa: E731
    assert gradcheck(fn, (x, w, b)) and gradgradcheck(fn, (x, w, b))
    rm, rv = mdl.zeros(3, dtype=mdl.float64), mdl.ones(3, dtype=mdl.float64)
    F.instance_norm(x, rm, rv, momentum=0.3)
    a = x.numpy()
    np.testing.assert_allclose(rm.numpy(), 0.3 * a.mean(axis=2).mean(axis=0))
    np.testing.assert_allclose(rv.numpy(), 0.7 + 0.3 * a.var(axis=2, ddof=1).mean(axis=0))
    y = F.instance_norm(x, rm, rv, use_input_stats=False)
    np.testing.assert_allclose(y.numpy(), (a - rm.numpy()[:, None]) / np.sqrt(rv.numpy()[:, None] + 1e-5))


def test_instance_norm_modules(rng):
    m = nn.InstanceNorm1d(3)
    assert repr(m) == ("InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, "
                       "track_running_stats=False)")
    assert list(m.state_dict()) == []
    x = mdl.tensor(rng.standard_normal((3, 7)), dtype=mdl.float32)
    np.testing.assert_allclose(m(x).numpy(), _standardise(x.numpy(), 1, 1e-5), rtol=1e-5, atol=1e-6)
    tracked = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    assert list(tracked.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    batch = mdl.randn(4, 3, 5, 5) * 2 + 1
    tracked(batch)
    assert np.all(tracked.running_mean.numpy() > 0.02)
    tracked.eval()
    expected = (batch.numpy() - tracked.running_mean.numpy()[:, None, None]) / np.sqrt(
        tracked.running_var.numpy()[:, None, None] + 1e-5)
    np.testing.assert_allclose(tracked(batch).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert nn.InstanceNorm3d(2)(mdl.randn(1, 2, 3, 3, 3)).shape == (1, 2, 3, 3, 3)
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        m(mdl.randn(3))
    with pytest.raises(ValueError, match="num_features"):
        nn.InstanceNorm1d(4, affine=True)(mdl.randn(2, 3, 5))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        F.instance_norm(mdl.randn(2, 3, 1))


def _lrn_reference(a, size, alpha, beta, k):
    c = a.shape[1]
    sq = a * a
    out = np.empty_like(a)
    for ch in range(c):
        lo, hi = max(0, ch - size // 2), min(c, ch + (size - 1) // 2 + 1)
        out[:, ch] = a[:, ch] / (k + alpha / size * sq[:, lo:hi].sum(axis=1)) ** beta
    return out


@pytest.mark.parametrize("size, shape", [(3, (2, 7, 3, 2)), (4, (2, 5, 3)), (1, (1, 3, 2))])
def test_local_response_norm(rng, size, shape):
    x = t64(rng, *shape)
    np.testing.assert_allclose(F.local_response_norm(x, size, alpha=0.5, beta=0.7, k=2.0).numpy(),
                               _lrn_reference(x.numpy(), size, 0.5, 0.7, 2.0), rtol=1e-12)
    fn = lambda x: F.local_response_norm(x, size, alpha=0.5, beta=0.7, k=2.0)  # noqa: E731
    assert gradcheck(fn, (x,)) and gradgradcheck(fn, (x,))
    m = nn.LocalResponseNorm(size)
    assert repr(m) == f"LocalResponseNorm({size}, alpha=0.0001, beta=0.75, k=1.0)"
    with pytest.raises(ValueError, match="3D or higher"):
        m(mdl.randn(2, 3))


def test_rms_norm(rng):
    x, w = t64(rng, 2, 3, 4), t64(rng, 3, 4)
    a = x.numpy()
    eps = np.finfo(np.float64).eps
    expected = a / np.sqrt((a * a).mean(axis=(1, 2), keepdims=True) + eps) * w.numpy()
    np.testing.assert_allclose(F.rms_norm(x, [3, 4], w).numpy(), expected, rtol=1e-12)
    fn = lambda x, w: F.rms_norm(x, (3, 4), w, eps=0.1)  # noqa: E731
    assert gradcheck(fn, (x, w)) and gradgradcheck(fn, (x, w))
    m = nn.RMSNorm(4)
    assert repr(m) == "RMSNorm((4,), eps=None, elementwise_affine=True)" and list(m.state_dict()) == ["weight"]
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.rms_norm(x, (3,))


@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, 0), (3.0, -1)])
def test_normalize(rng, p, dim):
    x = t64(rng, 3, 5)
    a = x.numpy()
    norm = (np.abs(a) ** p).sum(axis=dim, keepdims=True) ** (1 / p)
    np.testing.assert_allclose(F.normalize(x, p=p, dim=dim).numpy(), a / norm, rtol=1e-12)
    fn = lambda x: F.normalize(x, p=p, dim=dim)  # noqa: E731
    assert gradcheck(fn, (x,)) and gradgradcheck(fn, (x,))


def test_normalize_zero_rows_have_finite_gradient():
    """At a zero row the norm's own gradient is 0 (not NaN), so d(x / eps)/dx = 1/eps remains (PyTorch's)."""
    x = mdl.zeros(2, 3, dtype=mdl.float64, requires_grad=True)
    y = F.normalize(x)
    assert np.all(y.numpy() == 0)
    (y * mdl.arange(6, dtype=mdl.float64).reshape(2, 3)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.arange(6).reshape(2, 3) * 1e12)
    out = mdl.empty(0)
    assert F.normalize(mdl.tensor([[3.0, 4.0]]), out=out) is out
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8]])


def test_cosine_similarity(rng):
    x1, x2 = t64(rng, 4, 5), t64(rng, 4, 5)
    a, b = x1.numpy(), x2.numpy()
    expected = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(F.cosine_similarity(x1, x2).numpy(), expected, rtol=1e-12)
    assert gradcheck(F.cosine_similarity, (x1, x2)) and gradgradcheck(F.cosine_similarity, (x1, x2))
    row = t64(rng, 1, 5)
    assert F.cosine_similarity(x1, row, dim=-1).shape == (4,)
    assert nn.CosineSimilarity(dim=0)(x1, x2).shape == (5,)
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity()"


def test_pairwise_distance(rng):
    x1, x2 = t64(rng, 4, 5), t64(rng, 4, 5)
    d = x1.numpy() - x2.numpy() + 1e-6
    np.testing.assert_allclose(F.pairwise_distance(x1, x2).numpy(), np.linalg.norm(d, axis=1), rtol=1e-12)
    np.testing.assert_allclose(nn.PairwiseDistance(p=1.0, keepdim=True)(x1, x2).numpy(),
                               np.abs(d).sum(axis=1, keepdims=True), rtol=1e-12)
    assert F.pairwise_distance(x1[0], x2[0]).shape == ()
    fn = lambda a, b: F.pairwise_distance(a, b, p=3.0)  # noqa: E731
    assert gradcheck(fn, (x1, x2)) and gradgradcheck(fn, (x1, x2))
