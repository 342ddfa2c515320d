"""minidl.utils.checkpoint: same values and gradients as without checkpointing, recomputation in the
backward pass (with the random state replayed), PyTorch's warnings and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
from minidl.utils.checkpoint import checkpoint, checkpoint_sequential


def _block():
    mdl.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.3), nn.Linear(8, 4))


def _grads(model):
    return [p.grad.numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_same_values_and_gradients_as_without_checkpointing(use_reentrant):
    model = _block()
    x = mdl.tensor(np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    mdl.manual_seed(7)
    plain = model(x)
    plain.pow(2).sum().backward()
    plain_grads, plain_x = _grads(model), x.grad.numpy().copy()
    model.zero_grad()
    x.grad = None
    mdl.manual_seed(7)
    checked = checkpoint(model, x, use_reentrant=use_reentrant)
    np.testing.assert_array_equal(checked.detach().numpy(), plain.detach().numpy())
    checked.pow(2).sum().backward()                  # dropout replays the same mask in the recomputation
    for a, b in zip(_grads(model), plain_grads):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), plain_x, rtol=1e-6)


def test_forward_runs_again_in_backward():
    calls = []
    layer = nn.Linear(3, 2)

    def run(t):
        calls.append(1)
        return layer(t)

    out = checkpoint(run, mdl.randn(2, 3), use_reentrant=False)
    assert len(calls) == 1 and out.requires_grad
    out.sum().backward()
    assert len(calls) == 2 and layer.weight.grad is not None


def test_reentrant_variant_needs_an_input_with_grad():
    layer = nn.Linear(3, 2)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        out = checkpoint(layer, mdl.randn(2, 3), use_reentrant=True)
    assert not out.requires_grad
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(layer, mdl.randn(2, 3, requires_grad=True))
    with pytest.raises(ValueError, match="Unexpected keyword arguments"):
        checkpoint(layer, mdl.randn(2, 3), use_reentrant=True, scale=2)


def test_keyword_arguments_and_tuple_outputs():
    w = nn.Parameter(mdl.ones(3))

    def run(t, *, scale):
        return t * w * scale, (t * w).sum()

    a, b = checkpoint(run, mdl.ones(2, 3), use_reentrant=False, scale=2.0)
    (a.sum() + b).backward()
    np.testing.assert_allclose(w.grad.numpy(), [2 * 2.0 + 2] * 3)


def test_checkpoint_sequential_matches_plain():
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 2))
    x = mdl.randn(3, 4, requires_grad=True)
    model(x).sum().backward()
    expected = _grads(model)
    model.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = checkpoint_sequential(model, 2, x, use_reentrant=False)
    out.sum().backward()
    for a, b in zip(_grads(model), expected):
        np.testing.assert_allclose(a, b, rtol=1e-6)
