"""nn.utils' hook-based weight_norm / spectral_norm and the gradient-norm helpers (get_total_norm,
clip_grads_with_norm_, the deprecated clip_grad_norm)."""
import math
import types
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
from minidl.autograd import gradcheck, gradgradcheck
from minidl.nn.utils import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grads_with_norm_,
    get_total_norm,
    remove_spectral_norm,
    remove_weight_norm,
    spectral_norm,
    weight_norm,
)
from minidl.nn.utils.spectral_norm import SpectralNorm
from minidl.nn.utils.weight_norm import WeightNorm


def _wn(module, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return weight_norm(module, **kwargs)


def _np_norm_except(v, dim):
    if dim is None or dim == -1:
        return np.sqrt((v ** 2).sum())
    dim %= v.ndim
    axes = tuple(d for d in range(v.ndim) if d != dim)
    return np.sqrt((v ** 2).sum(axis=axes, keepdims=True))


# ------------------------------------------------------------------------------------------ weight_norm
def test_weight_norm_warns_and_keys():
    m = nn.Linear(4, 3)
    with pytest.warns(FutureWarning, match="`torch.nn.utils.weight_norm` is deprecated in favor of "
                                           "`torch.nn.utils.parametrizations.weight_norm`"):
        out = weight_norm(m)
    assert out is m
    assert list(m.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert [n for n, _ in m.named_parameters()] == ["bias", "weight_g", "weight_v"]
    assert isinstance(m.weight_g, nn.Parameter) and not isinstance(m.weight, nn.Parameter)
    assert m.weight.requires_grad and m.weight.grad_fn is not None


@pytest.mark.parametrize("dim,g_shape", [(0, (3, 1, 1, 1)), (1, (1, 2, 1, 1)), (None, ()), (-1, ()),
                                         (-2, (1, 1, 3, 1)), (2, (1, 1, 3, 1))])
def test_weight_norm_dims(dim, g_shape):
    m = nn.Conv2d(2, 3, 3).double()
    w0 = m.weight.numpy().copy()
    _wn(m, dim=dim)
    assert tuple(m.weight_g.shape) == g_shape and tuple(m.weight_v.shape) == (3, 2, 3, 3)
    np.testing.assert_allclose(m.weight_g.numpy(), _np_norm_except(w0, dim).reshape(g_shape), rtol=1e-12)
    np.testing.assert_allclose(m.weight.numpy(), w0, rtol=1e-12, atol=1e-14)  # g * v/||v|| == w at the start


def test_weight_norm_recomputed_before_forward():
    m = nn.Linear(4, 3).double()
    _wn(m)
    with mdl.no_grad():
        m.weight_g.mul_(2.0)
        m.weight_v.add_(0.5)
    x = mdl.randn(5, 4, dtype=mdl.float64)
    y = m(x)
    v, g = m.weight_v.numpy(), m.weight_g.numpy()
    w = g * v / _np_norm_except(v, 0)
    np.testing.assert_allclose(y.detach().numpy(), x.numpy() @ w.T + m.bias.numpy(), rtol=1e-12)
    y.sum().backward()
    assert m.weight_g.grad is not None and m.weight_v.grad is not None
    assert tuple(m.weight_g.grad.shape) == (3, 1)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_gradcheck(rng, dim):
    fn = WeightNorm("weight", dim)
    v = mdl.tensor(rng.standard_normal((3, 4)), dtype=mdl.float64, requires_grad=True)
    g_shape = {0: (3, 1), 1: (1, 4), None: ()}[dim]
    g = mdl.tensor(rng.standard_normal(g_shape) + 2.0, dtype=mdl.float64, requires_grad=True)

    def f(g, v):
        return fn.compute_weight(types.SimpleNamespace(weight_g=g, weight_v=v))
    assert gradcheck(f, (g, v))
    assert gradgradcheck(f, (g, v))


def test_weight_norm_1d_parameter():
    m = nn.Linear(3, 4).double()
    b0 = m.bias.numpy().copy()
    _wn(m, name="bias")
    np.testing.assert_allclose(m.bias_g.numpy(), np.abs(b0))
    np.testing.assert_allclose(m.bias.numpy(), b0, rtol=1e-12)


def test_remove_weight_norm_and_errors():
    m = nn.Linear(4, 3).double()
    _wn(m)
    with mdl.no_grad():
        m.weight_g.mul_(3.0)
    expected = m.weight_g.numpy() * m.weight_v.numpy() / _np_norm_except(m.weight_v.numpy(), 0)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same parameter weight"):
        _wn(m)
    assert remove_weight_norm(m) is m
    assert list(m.state_dict()) == ["bias", "weight"]  # PyTorch's order after removal
    assert isinstance(m.weight, nn.Parameter) and not m._forward_pre_hooks
    np.testing.assert_allclose(m.weight.numpy(), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in Linear"):
        remove_weight_norm(m)
    with pytest.raises(AttributeError, match="has no attribute 'foo'"):
        _wn(m, name="foo")


def test_weight_norm_load_state_dict_roundtrip():
    a, b = nn.Linear(4, 3), nn.Linear(4, 3)
    _wn(a)
    _wn(b)
    b.load_state_dict(a.state_dict())
    x = mdl.randn(2, 4)
    np.testing.assert_allclose(b(x).detach().numpy(), a(x).detach().numpy(), rtol=1e-6)


# ---------------------------------------------------------------------------------------- spectral_norm
def test_spectral_norm_keys_and_shapes():
    m = spectral_norm(nn.Linear(5, 3))
    assert list(m.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert [n for n, _ in m.named_parameters()] == ["bias", "weight_orig"]
    assert tuple(m.weight_u.shape) == (3,) and tuple(m.weight_v.shape) == (5,)
    np.testing.assert_allclose(np.linalg.norm(m.weight_u.numpy()), 1.0, rtol=1e-6)
    ct = spectral_norm(nn.ConvTranspose2d(3, 4, 3))  # weight (3, 4, 3, 3): dim 1 by default
    assert tuple(ct.weight_u.shape) == (4,) and tuple(ct.weight_v.shape) == (27,)
    c = spectral_norm(nn.Conv2d(3, 4, 3), dim=1)
    assert tuple(c.weight_u.shape) == (3,) and tuple(c.weight_v.shape) == (36,)


def test_spectral_norm_converges_to_unit_sigma():
    mdl.manual_seed(0)
    m = spectral_norm(nn.Conv2d(3, 6, 3).double())
    x = mdl.randn(1, 3, 5, 5, dtype=mdl.float64)
    for _ in range(60):
        m(x)
    w = m.weight.detach().numpy().reshape(6, -1)
    assert abs(np.linalg.svd(w, compute_uv=False)[0] - 1.0) < 1e-6
    w_orig = m.weight_orig.detach().numpy().reshape(6, -1)
    u, s, vt = np.linalg.svd(w_orig)
    assert abs(abs(m.weight_u.numpy() @ u[:, 0]) - 1) < 1e-6


def test_spectral_norm_power_iteration_step_and_eval():
    m = spectral_norm(nn.Linear(4, 3).double(), n_power_iterations=2)
    w = m.weight_orig.detach().numpy().copy()
    u, v = m.weight_u.numpy().copy(), m.weight_v.numpy().copy()
    for _ in range(2):
        v = w.T @ u
        v /= np.linalg.norm(v)
        u = w @ v
        u /= np.linalg.norm(u)
    x = mdl.randn(2, 4, dtype=mdl.float64)
    y = m(x)
    np.testing.assert_allclose(m.weight_u.numpy(), u, rtol=1e-12)
    np.testing.assert_allclose(m.weight_v.numpy(), v, rtol=1e-12)
    sigma = u @ w @ v
    np.testing.assert_allclose(m.weight.detach().numpy(), w / sigma, rtol=1e-12)
    np.testing.assert_allclose(y.detach().numpy(), x.numpy() @ (w / sigma).T + m.bias.numpy(), rtol=1e-12)
    m.eval()
    u_before = m.weight_u.numpy().copy()
    m(x)
    np.testing.assert_array_equal(m.weight_u.numpy(), u_before)  # no power iteration in eval mode


def test_spectral_norm_gradients(rng):
    fn = SpectralNorm("weight", 1, 0, 1e-12)
    u = mdl.tensor(rng.standard_normal(3), dtype=mdl.float64)
    v = mdl.tensor(rng.standard_normal(8), dtype=mdl.float64)
    w = mdl.tensor(rng.standard_normal((3, 2, 4)), dtype=mdl.float64, requires_grad=True)

    def f(w):
        return fn.compute_weight(types.SimpleNamespace(weight_orig=w, weight_u=u, weight_v=v), False)
    assert gradcheck(f, (w,))
    assert gradgradcheck(f, (w,))
    m = spectral_norm(nn.Linear(4, 3))
    m(mdl.randn(2, 4)).sum().backward()
    assert m.weight_orig.grad is not None and tuple(m.weight_orig.grad.shape) == (3, 4)


def test_remove_spectral_norm_and_errors():
    m = spectral_norm(nn.Linear(4, 3).double())
    m(mdl.randn(1, 4, dtype=mdl.float64))
    expected = m.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the same parameter weight"):
        spectral_norm(m)
    remove_spectral_norm(m)
    assert sorted(m.state_dict()) == ["bias", "weight"] and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(m.weight.numpy(), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in Linear"):
        remove_spectral_norm(m)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        spectral_norm(nn.Linear(2, 2), n_power_iterations=0)


# ------------------------------------------------------------------------------------ gradient norms
def test_get_total_norm_and_clip_grads_with_norm():
    a, b = mdl.ones(3), mdl.ones(2) * 2
    np.testing.assert_allclose(float(get_total_norm([a, b])), math.sqrt(3 + 8), rtol=1e-6)
    assert float(get_total_norm(mdl.tensor([3.0, -4.0]), norm_type="inf")) == 4.0
    assert float(get_total_norm([])) == 0.0
    assert get_total_norm([mdl.ones(2, dtype=mdl.float64)]).dtype == mdl.float64
    with pytest.raises(RuntimeError, match="non-finite"):
        get_total_norm([mdl.tensor([math.inf])], error_if_nonfinite=True)
    p = nn.Parameter(mdl.ones(3, dtype=mdl.float64))
    p.grad = mdl.ones(3, dtype=mdl.float64) * 3
    assert clip_grads_with_norm_([p], 1.0, mdl.tensor(10.0)) is None
    np.testing.assert_allclose(p.grad.numpy(), 3 / (10 + 1e-6))
    clip_grads_with_norm_([p], 1.0, mdl.tensor(0.01))  # coefficient clamped to 1
    np.testing.assert_allclose(p.grad.numpy(), 3 / (10 + 1e-6))
    with pytest.raises(TypeError, match=r"clamp\(\) received an invalid combination of arguments - got \(float"):
        clip_grads_with_norm_([p], 1.0, 0.5)   # PyTorch 2.13's TypeError (its clamp refuses the float)


def test_split_clipping_equals_clip_grad_norm_and_deprecated_alias():
    mdl.manual_seed(0)
    ps = [nn.Parameter(mdl.randn(3, 2)), nn.Parameter(mdl.randn(4))]
    for p in ps:
        p.grad = mdl.randn(*p.shape) * 5
    qs = [nn.Parameter(p.detach().clone()) for p in ps]
    for p, q in zip(ps, qs):
        q.grad = p.grad.detach().clone()
    total = get_total_norm([p.grad for p in ps])
    clip_grads_with_norm_(ps, 1.0, total)
    with pytest.warns(FutureWarning, match="`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                                           "`torch.nn.utils.clip_grad_norm_`"):
        total2 = clip_grad_norm(qs, 1.0)
    np.testing.assert_allclose(float(total), float(total2), rtol=1e-6)
    for p, q in zip(ps, qs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)
    assert float(clip_grad_norm_(ps, 1.0)) == pytest.approx(1.0, rel=1e-5)
