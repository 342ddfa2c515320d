"""minidl.gradient and minidl.histogramdd against torch 2.13.

The expected values, shapes, dtypes and error types are in tests/fixtures/torch_misc.json, written by
tests/fixtures/make_torch_misc.py with PyTorch (the same expressions are evaluated here with T = minidl).
gradient is differentiable: float64 gradcheck/gradgradcheck below, and a NumPy reference on random sizes.
"""
from __future__ import annotations

import builtins
import json
import pathlib

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "torch_misc.json").read_text())
RESULTS = FIXTURE["results"]
T = mdl  # the fixture's expressions name the framework T


def _dtype_name(dtype):
    return str(dtype).replace("minidl.", "torch.")


@pytest.mark.parametrize("name,expr", FIXTURE["gradients"], ids=[g[0] for g in FIXTURE["gradients"]])
def test_gradient_matches_pytorch(name, expr):
    expected = RESULTS[name]
    if "err" in expected:
        with pytest.raises(getattr(builtins, expected["err"])):
            eval(expr)
        return
    got = eval(expr)
    assert isinstance(got, tuple) and len(got) == len(expected["ok"])
    for g, e, shape, dtype in zip(got, expected["ok"], expected["shapes"], expected["dtypes"]):
        assert list(g.shape) == shape and _dtype_name(g.dtype) == dtype
        np.testing.assert_allclose(g.numpy(), np.asarray(e), rtol=1e-6)


@pytest.mark.parametrize("name,expr", FIXTURE["histograms"], ids=[h[0] for h in FIXTURE["histograms"]])
def test_histogramdd_matches_pytorch(name, expr):
    expected = RESULTS[name]
    if "err" in expected:
        with pytest.raises(getattr(builtins, expected["err"])):
            eval(expr)
        return
    got = eval(expr)
    assert type(got).__name__ == "histogramdd" and isinstance(got.bin_edges, tuple)
    assert _dtype_name(got.hist.dtype) == expected["dtype"]
    np.testing.assert_allclose(got.hist.numpy(), np.asarray(expected["hist"]), rtol=1e-6)
    for g, e in zip(got.bin_edges, expected["edges"]):
        np.testing.assert_allclose(g.numpy(), np.asarray(e), rtol=1e-6)
    hist, edges = got  # unpacks as PyTorch's named tuple
    assert hist is got.hist and edges is got.bin_edges


def test_gradient_matches_numpy_on_random_odd_sizes():
    rng = np.random.default_rng(0)
    for shape in [(7,), (5, 9), (3, 5, 7)]:
        a = rng.standard_normal(shape)
        for edge_order in (1, 2):
            coords = [np.cumsum(rng.uniform(0.2, 2.0, n)) for n in shape]
            got = mdl.gradient(mdl.tensor(a), spacing=[mdl.tensor(c) for c in coords], edge_order=edge_order)
            want = np.gradient(a, *coords, edge_order=edge_order)
            want = [want] if len(shape) == 1 else want
            for g, w in zip(got, want):
                np.testing.assert_allclose(g.numpy(), w, rtol=1e-10, atol=1e-12)
            got = mdl.gradient(mdl.tensor(a), spacing=0.7, edge_order=edge_order)
            want = np.gradient(a, 0.7, edge_order=edge_order)
            want = [want] if len(shape) == 1 else want
            for g, w in zip(got, want):
                np.testing.assert_allclose(g.numpy(), w, rtol=1e-10, atol=1e-12)


def test_gradient_gradcheck_and_gradgradcheck():
    x = mdl.tensor(np.random.default_rng(1).standard_normal((4, 5)), requires_grad=True)
    coords = mdl.tensor([0.0, 0.5, 1.7, 2.0, 3.1], dtype=mdl.float64)
    for edge_order in (1, 2):
        assert gradcheck(lambda x, e=edge_order: mdl.gradient(x, edge_order=e), (x,))
        assert gradgradcheck(lambda x, e=edge_order: mdl.gradient(x, spacing=[1.5, 0.5], edge_order=e), (x,))
        assert gradcheck(lambda x, e=edge_order: mdl.gradient(x, spacing=[coords], dim=1, edge_order=e), (x,))
    c = coords.detach().requires_grad_()
    assert gradcheck(lambda x, c: mdl.gradient(x, spacing=[c], dim=1, edge_order=2), (x, c))


def test_gradient_refuses_a_tensor_spacing_and_wrong_coordinates():
    with pytest.raises(TypeError):
        mdl.gradient(mdl.ones(3), spacing=mdl.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match="coordinates"):
        mdl.gradient(mdl.ones(3, 4), spacing=[mdl.tensor([0.0, 1.0])], dim=1)
    with pytest.raises(RuntimeError, match="list of length equal to 'self.dim\\(\\) = 2'"):
        mdl.gradient(mdl.ones(3, 4), spacing=(2.0,))
    assert mdl.gradient(mdl.tensor(3.0)) == ()
