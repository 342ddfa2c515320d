"""More ``grad_fn`` names as PyTorch 2.13 prints them: ops minidl composes from others (session 10).
Each expected name was read from torch 2.13 CPU running the same expression; the gradients are unchanged
(the renamed node is the composite's last one), checked here against finite differences for a few."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F

mdl.manual_seed(0)
X = mdl.randn(3, 4, requires_grad=True)
Y = mdl.randn(3, 4, requires_grad=True)
V = mdl.randn(4, requires_grad=True)
SQ = mdl.randn(3, 3, requires_grad=True)
IMG = mdl.randn(1, 4, 4, 4, requires_grad=True)
ROWS = mdl.tensor([[0], [1], [2]])

CASES = [
    ("hypot", lambda: mdl.hypot(X, Y), "HypotBackward0"),
    ("addmm", lambda: mdl.addmm(X, X, mdl.eye(4)), "AddmmBackward0"),
    ("addmv", lambda: mdl.addmv(V[:3], X, V), "AddmvBackward0"),
    ("baddbmm", lambda: mdl.baddbmm(X.unsqueeze(0), X.unsqueeze(0), mdl.eye(4).unsqueeze(0)), "BaddbmmBackward0"),
    ("addbmm", lambda: mdl.addbmm(X, X.unsqueeze(0), mdl.eye(4).unsqueeze(0)), "AddbmmBackward0"),
    ("masked_select", lambda: X.masked_select(X > 0), "MaskedSelectBackward0"),
    ("take", lambda: X.take(mdl.tensor([0, 5])), "TakeBackward0"),
    ("scatter value", lambda: X.scatter(1, ROWS, 1.0), "ScatterBackward1"),
    ("scatter src", lambda: X.scatter(1, ROWS, Y), "ScatterBackward0"),
    ("index_add", lambda: X.index_add(0, mdl.tensor([0]), X[:1]), "IndexAddBackward0"),
    ("selu", lambda: F.selu(X), "EluBackward0"),
    ("celu", lambda: F.celu(X), "CeluBackward0"),
    ("hardswish", lambda: F.hardswish(X), "HardswishBackward0"),
    ("hardsigmoid", lambda: F.hardsigmoid(X), "HardsigmoidBackward0"),
    ("threshold", lambda: F.threshold(X, 0.1, 0.0), "ThresholdBackward0"),
    ("glu", lambda: F.glu(X), "GluBackward0"),
    ("softshrink", lambda: F.softshrink(X), "SoftshrinkBackward0"),
    ("hardshrink", lambda: F.hardshrink(X), "HardshrinkBackward0"),
    ("cdist", lambda: mdl.cdist(X, Y), "CdistBackward0"),
    ("pixel_shuffle", lambda: F.pixel_shuffle(IMG, 2), "PixelShuffleBackward0"),
    ("pixel_unshuffle", lambda: F.pixel_unshuffle(IMG, 2), "PixelUnshuffleBackward0"),
    ("linalg.norm", lambda: mdl.linalg.norm(X), "LinalgVectorNormBackward0"),
    ("linalg.vector_norm", lambda: mdl.linalg.vector_norm(X), "LinalgVectorNormBackward0"),
    ("linalg.matrix_norm", lambda: mdl.linalg.matrix_norm(X), "LinalgVectorNormBackward0"),
    ("inverse", lambda: mdl.inverse(SQ), "LinalgInvExBackward0"),
    ("linalg.inv", lambda: mdl.linalg.inv(SQ), "LinalgInvExBackward0"),
    ("det", lambda: mdl.det(SQ), "LinalgDetBackward0"),
    ("slogdet", lambda: mdl.linalg.slogdet(SQ)[1], "LinalgSlogdetBackward0"),
    ("solve", lambda: mdl.linalg.solve(SQ, X[:, :3]), "LinalgSolveExBackward0"),
    ("log1p", lambda: X.abs().log1p(), "Log1PBackward0"),
    ("median", lambda: X.median(), "MedianBackward0"),
    ("median dim", lambda: X.median(1)[0], "MedianBackward1"),
    ("nanmedian", lambda: X.nanmedian(), "NanmedianBackward0"),
    ("kthvalue", lambda: X.kthvalue(2, 1)[0], "KthvalueBackward0"),
    ("unfold", lambda: X.unfold(1, 2, 1), "UnfoldBackward0"),
    ("interpolate nearest", lambda: F.interpolate(IMG, scale_factor=2), "UpsampleNearest2DBackward0"),
    ("interpolate bilinear", lambda: F.interpolate(IMG, scale_factor=2, mode="bilinear"),
     "UpsampleBilinear2DBackward0"),
    ("interpolate linear", lambda: F.interpolate(X.view(1, 3, 4), scale_factor=2, mode="linear"),
     "UpsampleLinear1DBackward0"),
]


@pytest.mark.parametrize("label,fn,expected", CASES, ids=[c[0] for c in CASES])
def test_grad_fn_name_as_pytorch(label, fn, expected):
    out = fn()
    assert out.grad_fn.name() == expected
    assert f"grad_fn=<{expected}>" in repr(out)
    out.sum().backward()                       # the name survives the release of the saved values
    assert out.grad_fn.name() == expected


def test_renamed_composites_keep_their_gradients():
    rng = np.random.default_rng(0)
    a = mdl.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = mdl.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert mdl.autograd.gradcheck(lambda p, q: mdl.hypot(p, q), (a, b))
    assert mdl.autograd.gradcheck(lambda p: F.hardswish(p), (a,))
    assert mdl.autograd.gradcheck(lambda p, q: p.scatter(1, ROWS, q), (a, b))
    assert mdl.autograd.gradgradcheck(lambda p: F.selu(p), (a,))
