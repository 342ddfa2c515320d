"""KLDivLoss, MarginRankingLoss, TripletMarginLoss, CosineEmbeddingLoss, HingeEmbeddingLoss,
SoftMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, PoissonNLLLoss, GaussianNLLLoss:
values against NumPy formulas for every reduction, float64 gradcheck/gradgradcheck, modules,
reprs and errors."""
import math
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck

Y = np.array([1.0, -1.0, 1.0, -1.0])
IDS = np.array([0, 4, 2, 2])


def t64(a, grad=True):
    return mdl.tensor(np.asarray(a, dtype=np.float64), dtype=mdl.float64, requires_grad=grad)


def _reduce(a, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](a)


def _log_sigmoid(x):
    return -np.logaddexp(0, -x)


def _pdist(a, b, p, eps=1e-6):
    return (np.abs(a - b + eps) ** p).sum(-1) ** (1 / p)


def _cos(a, b):
    return (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))


def _multi_margin(x, ids, p, margin, w):
    z = np.maximum(0, margin - x[np.arange(len(ids)), ids][:, None] + x) ** p
    z[np.arange(len(ids)), ids] = 0
    if w is not None:
        z = z * w[ids][:, None]
    return z.sum(1) / x.shape[1]


def _cases(rng):
    """name -> (minidl function of tensors, NumPy reference of arrays, input arrays)."""
    p = rng.dirichlet(np.ones(5), size=4)
    x45, a43, b43, c43 = (rng.standard_normal(s) for s in [(4, 5), (4, 3), (4, 3), (4, 3)])
    v4, w4, w5 = rng.standard_normal(4), rng.standard_normal(4), rng.random(5) + 0.5
    labels = (np.arange(20).reshape(4, 5) % 3 == 0).astype(float)
    counts = np.arange(12.0).reshape(4, 3)
    var = rng.random((4, 3)) + 0.2
    return {
        "kl_div": (lambda r: lambda x: F.kl_div(x, t64(p, False), reduction=r),
                   lambda r: lambda x: _reduce(p * (np.log(p) - x), r), [x45]),
        "kl_div_log_target": (lambda r: lambda x, t: F.kl_div(x, t, reduction=r, log_target=True),
                              lambda r: lambda x, t: _reduce(np.exp(t) * (t - x), r), [x45, np.log(p)]),
        "margin_ranking": (lambda r: lambda a, b: F.margin_ranking_loss(a, b, t64(Y, False), 0.3, reduction=r),
                           lambda r: lambda a, b: _reduce(np.maximum(0, -Y * (a - b) + 0.3), r), [v4, w4]),
        "hinge_embedding": (lambda r: lambda x: F.hinge_embedding_loss(x, t64(Y, False), 0.5, reduction=r),
                            lambda r: lambda x: _reduce(np.where(Y == 1, x, np.maximum(0, 0.5 - x)), r), [v4]),
        "soft_margin": (lambda r: lambda x: F.soft_margin_loss(x, t64(Y, False), reduction=r),
                        lambda r: lambda x: _reduce(np.log1p(np.exp(-Y * x)), r), [v4]),
        "multilabel_soft_margin": (
            lambda r: lambda x, w: F.multilabel_soft_margin_loss(x, t64(labels, False), weight=w, reduction=r),
            lambda r: lambda x, w: _reduce(-((labels * _log_sigmoid(x) + (1 - labels) * _log_sigmoid(-x)) * w)
                                           .mean(1), r), [x45, w5]),
        "multi_margin": (lambda r: lambda x: F.multi_margin_loss(x, mdl.tensor(IDS), reduction=r),
                         lambda r: lambda x: _reduce(_multi_margin(x, IDS, 1, 1.0, None), r), [x45]),
        "multi_margin_p2": (
            lambda r: lambda x: F.multi_margin_loss(x, mdl.tensor(IDS), p=2, margin=0.7, weight=t64(w5, False),
                                                    reduction=r),
            lambda r: lambda x: _reduce(_multi_margin(x, IDS, 2, 0.7, w5), r), [x45]),
        "cosine_embedding": (
            lambda r: lambda a, b: F.cosine_embedding_loss(a, b, t64(Y, False), margin=0.1, reduction=r),
            lambda r: lambda a, b: _reduce(np.where(Y == 1, 1 - _cos(a, b), np.maximum(0, _cos(a, b) - 0.1)), r),
            [a43, b43]),
        "triplet_margin": (
            lambda r: lambda a, b, c: F.triplet_margin_loss(a, b, c, margin=2.0, reduction=r),
            lambda r: lambda a, b, c: _reduce(np.maximum(0, 2.0 + _pdist(a, b, 2) - _pdist(a, c, 2)), r),
            [a43, b43, c43]),
        "triplet_margin_swap_p1": (
            lambda r: lambda a, b, c: F.triplet_margin_loss(a, b, c, p=1, swap=True, reduction=r),
            lambda r: lambda a, b, c: _reduce(np.maximum(0, 1.0 + _pdist(a, b, 1) - np.minimum(
                _pdist(a, c, 1), _pdist(b, c, 1))), r), [a43, b43, c43]),
        "poisson_nll": (lambda r: lambda x: F.poisson_nll_loss(x, t64(counts, False), reduction=r),
                        lambda r: lambda x: _reduce(np.exp(x) - counts * x, r), [a43]),
        "poisson_nll_full": (
            lambda r: lambda x: F.poisson_nll_loss(x, t64(counts, False), log_input=False, full=True, reduction=r),
            lambda r: lambda x: _reduce(x - counts * np.log(x + 1e-8) + np.where(
                counts > 1, counts * np.log(np.maximum(counts, 1)) - counts + 0.5 * np.log(
                    2 * np.pi * np.maximum(counts, 1)), 0), r), [var]),
        "gaussian_nll": (lambda r: lambda x, y, v: F.gaussian_nll_loss(x, y, v, reduction=r),
                         lambda r: lambda x, y, v: _reduce(0.5 * (np.log(v) + (x - y) ** 2 / v), r),
                         [a43, b43, var]),
        "gaussian_nll_full_homoscedastic": (
            lambda r: lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=True, reduction=r),
            lambda r: lambda x, y, v: _reduce(0.5 * (np.log(v[:, None]) + (x - y) ** 2 / v[:, None])
                                              + 0.5 * math.log(2 * math.pi), r), [a43, b43, var[:, 0]]),
    }


NAMES = sorted(_cases(np.random.default_rng(0)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", NAMES)
def test_values(name, reduction):
    fn, ref, arrays = _cases(np.random.default_rng(7))[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's "mean" warning
        out = fn(reduction)(*(t64(a) for a in arrays))
    np.testing.assert_allclose(out.numpy(), ref(reduction)(*arrays), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_and_gradgradcheck(name):
    fn, _, arrays = _cases(np.random.default_rng(8))[name]
    f = fn("sum")
    inputs = tuple(t64(a) for a in arrays)
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def test_kl_div_reductions_and_zero_target():
    x = t64(np.log(np.full((2, 3), 1 / 3)))
    target = t64([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]], grad=False)
    expected = 0.5 * np.log(0.5 / (1 / 3)) * 2 + np.log(3)
    np.testing.assert_allclose(F.kl_div(x, target, reduction="sum").numpy(), expected)
    np.testing.assert_allclose(F.kl_div(x, target, reduction="batchmean").numpy(), expected / 2)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, target)
    F.kl_div(x, target, reduction="sum").backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    m = nn.KLDivLoss(reduction="batchmean", log_target=True)
    assert repr(m) == "KLDivLoss()" and m.log_target
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.KLDivLoss(reduction="avg")


def test_gaussian_nll_clamps_var_and_checks_shapes():
    x, y = t64(np.zeros((2, 3))), t64(np.ones((2, 3)), grad=False)
    var = t64(np.full((2, 3), 1e-9))
    out = F.gaussian_nll_loss(x, y, var, eps=1e-3, reduction="sum")
    np.testing.assert_allclose(out.numpy(), 6 * 0.5 * (np.log(1e-3) + 1 / 1e-3))
    out.backward()
    np.testing.assert_allclose(var.grad.numpy(), 0.5 * (1 / 1e-3 - 1 / 1e-6))
    np.testing.assert_allclose(F.gaussian_nll_loss(x, y, 0.5).numpy(), 0.5 * (np.log(0.5) + 2))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(x, y, t64(np.ones(3)))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(x, y, t64(-np.ones((2, 3))))


def test_modules():
    rng = np.random.default_rng(3)
    a, b, c = (t64(rng.standard_normal((4, 3))) for _ in range(3))
    y = t64(Y, grad=False)
    pairs = [
        (nn.MarginRankingLoss(0.2), (a[:, 0], b[:, 0], y), F.margin_ranking_loss(a[:, 0], b[:, 0], y, 0.2)),
        (nn.TripletMarginLoss(margin=0.5), (a, b, c), F.triplet_margin_loss(a, b, c, 0.5)),
        (nn.CosineEmbeddingLoss(), (a, b, y), F.cosine_embedding_loss(a, b, y)),
        (nn.HingeEmbeddingLoss(), (a[:, 0], y), F.hinge_embedding_loss(a[:, 0], y)),
        (nn.SoftMarginLoss(reduction="sum"), (a[:, 0], y), F.soft_margin_loss(a[:, 0], y, reduction="sum")),
        (nn.MultiLabelSoftMarginLoss(), (a, (b > 0).double()), F.multilabel_soft_margin_loss(a, (b > 0).double())),
        (nn.MultiMarginLoss(p=2), (a, mdl.tensor([0, 1, 2, 0])), F.multi_margin_loss(a, mdl.tensor([0, 1, 2, 0]), 2)),
        (nn.PoissonNLLLoss(), (a, b.abs()), F.poisson_nll_loss(a, b.abs())),
        (nn.GaussianNLLLoss(), (a, b, c.abs()[:, :1]), F.gaussian_nll_loss(a, b, c.abs()[:, :1])),
    ]
    for module, args, expected in pairs:
        np.testing.assert_allclose(module(*args).numpy(), expected.numpy())
        assert repr(module) == type(module).__name__ + "()"
    weighted = nn.MultiLabelSoftMarginLoss(weight=mdl.ones(3))
    assert list(weighted.state_dict()) == ["weight"]
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(TypeError):
        nn.GaussianNLLLoss(True)  # keyword-only, as PyTorch


def test_multi_margin_unbatched_and_errors():
    x = t64([0.1, 0.2, 0.4, 0.8])
    expected = (np.maximum(0, 1 - 0.4 + np.array([0.1, 0.2, 0.8]))).sum() / 4
    np.testing.assert_allclose(F.multi_margin_loss(x, mdl.tensor(2)).numpy(), expected)
    with pytest.raises(IndexError, match="out of bounds"):
        F.multi_margin_loss(t64(np.zeros((2, 3))), mdl.tensor([0, 3]))
