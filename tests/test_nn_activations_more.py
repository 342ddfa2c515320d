"""The activations added for PyTorch's surface (ReLU6, Hardtanh, Softplus, SELU, ..., Softmax2d):
values against NumPy formulas, PyTorch's gradients at the joins, float64 gradcheck and
gradgradcheck, the in-place forms, the modules' reprs and the errors for bad input.

The expected gradients at the joins (e.g. hardswish' = 0 at -3 and 1 at 3) were read from
PyTorch 2.13.
"""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


REFERENCES = {
    "relu6": (F.relu6, lambda x: np.clip(x, 0, 6), (0, 6)),
    "hardtanh": (lambda x: F.hardtanh(x, -2.0, 3.0), lambda x: np.clip(x, -2, 3), (-2, 3)),
    "softplus": (F.softplus, _softplus, ()),
    "softplus_beta": (lambda x: F.softplus(x, beta=3.0, threshold=4.0), lambda x: _softplus(x, 3.0, 4.0), (4 / 3,)),
    "selu": (F.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1)), (0,)),
    "celu": (lambda x: F.celu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * (np.exp(x / 0.5) - 1)), (0,)),
    "mish": (F.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), ()),
    "hardswish": (F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6, (-3, 3)),
    "hardsigmoid": (F.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, (-3, 3)),
    "logsigmoid": (F.logsigmoid, lambda x: np.log(_sigmoid(x)), ()),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x)), (0,)),
    "tanhshrink": (F.tanhshrink, lambda x: x - np.tanh(x), ()),
    "threshold": (lambda x: F.threshold(x, 0.5, -3.0), lambda x: np.where(x > 0.5, x, -3.0), (0.5,)),
    "rrelu_eval": (F.rrelu, lambda x: np.where(x > 0, x, x * (1 / 8 + 1 / 3) / 2), (0,)),
    "softshrink": (lambda x: F.softshrink(x, 1.0), lambda x: np.where(x > 1, x - 1, np.where(x < -1, x + 1, 0)),
                   (-1, 1)),
    "hardshrink": (lambda x: F.hardshrink(x, 1.0), lambda x: np.where(np.abs(x) > 1, x, 0), (-1, 1)),
    "softmin": (lambda x: F.softmin(x, dim=1),
                lambda x: np.exp(-x) / np.exp(-x).sum(axis=1, keepdims=True), ()),
    "glu": (lambda x: F.glu(x, dim=1), lambda x: x[:, :3] * _sigmoid(x[:, 3:]), ()),
}


def _away_from(a, kinks, gap=0.05):
    """``a`` with every value within ``gap`` of a kink moved by 2 * gap (finite differences need smoothness)."""
    for k in kinks:
        a = np.where(np.abs(a - k) < gap, a + 2 * gap, a)
    return a


def _input(rng, kinks, shape=(5, 6)):
    a = _away_from(rng.standard_normal(shape) * 3, kinks)
    return mdl.tensor(a, dtype=mdl.float64, requires_grad=True)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_values_match_numpy(rng, name):
    fn, ref, kinks = REFERENCES[name]
    x = _input(rng, kinks)
    np.testing.assert_allclose(fn(x).numpy(), ref(x.numpy()), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_gradcheck_and_gradgradcheck(rng, name):
    fn, _, kinks = REFERENCES[name]
    x = _input(rng, kinks)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_float32_stays_float32():
    x = mdl.tensor([-4.0, -1.0, 0.5, 30.0])
    for name, (fn, _ref, _) in REFERENCES.items():
        if name == "glu":
            continue
        y = fn(x.reshape(1, 4) if name == "softmin" else x)
        assert y.dtype == mdl.float32, name


def test_large_inputs_are_stable():
    x = mdl.tensor([-800.0, -50.0, 50.0, 800.0], dtype=mdl.float64)
    np.testing.assert_allclose(F.logsigmoid(x).numpy(), [-800.0, -50.0, -np.exp(-50.0), 0.0], rtol=1e-12)
    np.testing.assert_allclose(F.softplus(x).numpy(), [0.0, np.exp(-50.0), 50.0, 800.0], rtol=1e-12)


@pytest.mark.parametrize("fn, points, grads", [
    (F.hardswish, [-3.0, 3.0, -2.9], [0.0, 1.0, -2.9 / 3 + 0.5]),
    (F.relu6, [0.0, 6.0, 3.0], [0.0, 0.0, 1.0]),
    (F.hardsigmoid, [-3.0, 3.0, 0.0], [0.0, 0.0, 1 / 6]),
    (lambda x: F.hardtanh(x), [-1.0, 1.0], [0.0, 0.0]),
    (F.selu, [0.0], [SELU_ALPHA * SELU_SCALE]),
    (lambda x: F.celu(x, 2.0), [0.0], [1.0]),
    (lambda x: F.threshold(x, 1.0, 5.0), [1.0, 1.5], [0.0, 1.0]),
    (lambda x: F.hardshrink(x, 1.0), [1.0, -1.0], [0.0, 0.0]),
    (lambda x: F.softshrink(x, 1.0), [1.0, -1.0], [0.0, 0.0]),
    (F.softsign, [0.0], [1.0]),
    (F.rrelu, [0.0], [(1 / 8 + 1 / 3) / 2]),
])
def test_gradients_at_the_joins_are_pytorchs(fn, points, grads):
    x = mdl.tensor(points, dtype=mdl.float64, requires_grad=True)
    fn(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), grads, rtol=1e-12)


def test_prelu_shared_and_per_channel(rng):
    x = mdl.tensor(rng.standard_normal((2, 3, 4)), dtype=mdl.float64, requires_grad=True)
    w = mdl.tensor([0.1, 0.2, 0.3], dtype=mdl.float64, requires_grad=True)
    expected = np.where(x.numpy() > 0, x.numpy(), x.numpy() * w.numpy()[None, :, None])
    np.testing.assert_allclose(F.prelu(x, w).numpy(), expected)
    assert gradcheck(F.prelu, (x, w)) and gradgradcheck(F.prelu, (x, w))
    w1 = mdl.tensor([0.25], dtype=mdl.float64, requires_grad=True)
    assert gradcheck(F.prelu, (x, w1))
    with pytest.raises(RuntimeError, match="channel size"):
        F.prelu(x, mdl.tensor([0.1, 0.2], dtype=mdl.float64))


def test_prelu_module():
    m = nn.PReLU(3)
    assert [name for name, _ in m.named_parameters()] == ["weight"]
    assert m.weight.shape == (3,) and np.all(m.weight.numpy() == np.float32(0.25))
    y = m(mdl.tensor([[[-4.0], [1.0], [-2.0]]]))
    np.testing.assert_allclose(y.numpy().ravel(), [-1.0, 1.0, -0.5])
    assert repr(m) == "PReLU(num_parameters=3)"


def test_rrelu_training_draws_slopes_in_range():
    x = -mdl.ones(2000, dtype=mdl.float64)
    mdl.manual_seed(3)
    y = F.rrelu(x, 0.1, 0.3, training=True).numpy()
    assert np.all((-y >= 0.1) & (-y <= 0.3)) and y.std() > 0.03
    mdl.manual_seed(3)
    np.testing.assert_array_equal(F.rrelu(x, 0.1, 0.3, training=True).numpy(), y)
    m = nn.RReLU(0.1, 0.3)
    m.eval()
    np.testing.assert_allclose(m(x).numpy(), -0.2)


def test_glu_and_softmax2d_shapes():
    x = mdl.randn(2, 6, 3)
    assert F.glu(x, 1).shape == (2, 3, 3) and nn.GLU(dim=1)(x).shape == (2, 3, 3)
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(mdl.randn(3, 5))
    y = nn.Softmax2d()(mdl.randn(2, 3, 4, 5))
    np.testing.assert_allclose(y.sum(dim=1).numpy(), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="3D or 4D"):
        nn.Softmax2d()(mdl.randn(2, 3))


@pytest.mark.parametrize("name, call", [
    ("relu_", lambda x: F.relu_(x)), ("elu_", lambda x: F.elu_(x, 0.5)),
    ("leaky_relu_", lambda x: F.leaky_relu_(x, 0.2)), ("hardtanh_", lambda x: F.hardtanh_(x, -0.5, 0.5)),
    ("threshold_", lambda x: F.threshold_(x, 0.1, 2.0)), ("celu_", lambda x: F.celu_(x, 0.7)),
    ("selu_", lambda x: F.selu_(x)),
])
def test_in_place_forms(rng, name, call):
    plain = {"relu_": F.relu, "elu_": lambda x: F.elu(x, 0.5), "leaky_relu_": lambda x: F.leaky_relu(x, 0.2),
             "hardtanh_": lambda x: F.hardtanh(x, -0.5, 0.5), "threshold_": lambda x: F.threshold(x, 0.1, 2.0),
             "celu_": lambda x: F.celu(x, 0.7), "selu_": F.selu}[name]
    a = rng.standard_normal((3, 4))
    x = mdl.tensor(a)
    assert call(x) is x
    np.testing.assert_allclose(x.numpy(), plain(mdl.tensor(a)).numpy(), rtol=1e-6)
    leaf = mdl.tensor(a, dtype=mdl.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        call(leaf)
    inner = leaf * 1.0  # inside a graph: recorded, and the gradient is the out-of-place one's
    out = call(inner)
    out.sum().backward()
    ref = mdl.tensor(a, dtype=mdl.float64, requires_grad=True)
    plain(ref).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), ref.grad.numpy())


def test_inplace_keyword_overwrites_input():
    x = mdl.tensor([-2.0, 0.5, 7.0])
    assert nn.ReLU6(inplace=True)(x) is x
    np.testing.assert_allclose(x.numpy(), [0.0, 0.5, 6.0])


@pytest.mark.parametrize("module, text", [
    (nn.ReLU6(), "ReLU6()"), (nn.ReLU6(inplace=True), "ReLU6(inplace=True)"),
    (nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (nn.Hardtanh(-2, 2, True), "Hardtanh(min_val=-2, max_val=2, inplace=True)"),
    (nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)"), (nn.SELU(), "SELU()"),
    (nn.CELU(), "CELU(alpha=1.0)"), (nn.Mish(), "Mish()"), (nn.Hardswish(), "Hardswish()"),
    (nn.Hardsigmoid(), "Hardsigmoid()"), (nn.LogSigmoid(), "LogSigmoid()"), (nn.Softmin(1), "Softmin(dim=1)"),
    (nn.Softsign(), "Softsign()"), (nn.Tanhshrink(), "Tanhshrink()"),
    (nn.Threshold(0.1, 20), "Threshold(threshold=0.1, value=20)"), (nn.GLU(), "GLU(dim=-1)"),
    (nn.RReLU(), "RReLU(lower=0.125, upper=0.3333333333333333)"), (nn.Softshrink(), "Softshrink(0.5)"),
    (nn.Hardshrink(), "Hardshrink(0.5)"), (nn.Softmax2d(), "Softmax2d()"),
])
def test_reprs_are_pytorchs(module, text):
    assert repr(module) == text


def test_errors():
    with pytest.raises(NotImplementedError, match="softplus_cpu.*Long"):
        F.softplus(mdl.tensor([1, 2]))
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(mdl.randn(3), 2.0, 1.0)
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0"):
        F.softshrink(mdl.randn(3), -1.0)
    np.testing.assert_array_equal(F.relu6(mdl.tensor([-1, 2, 9])).numpy(), [0, 2, 6])
