"""Second derivatives of the functional ops added with PyTorch's surface (activations, losses,
resizing, padding, adaptive max pooling, channel dropout): float64 ``gradgradcheck``.

Most of these ops are compositions of primitives whose ``backward_graph`` is checked in
``test_autograd_higher_order.py``; this file checks that the compositions (and the ``Erf``
Function behind the exact GELU) differentiate twice correctly.
"""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl.autograd import gradgradcheck


def t(rng, *shape, positive=False, unit=False):
    a = rng.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    if unit:  # probabilities away from 0 and 1
        a = 0.1 + 0.8 * rng.random(shape)
    return mdl.tensor(a, dtype=mdl.float64, requires_grad=True)


UNARY = {
    "elu": lambda x: F.elu(x, alpha=0.7),
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "log_softmax": lambda x: F.log_softmax(x, dim=1),
    "softmax": lambda x: F.softmax(x, dim=0),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_activations(rng, name):
    assert gradgradcheck(UNARY[name], (t(rng, 3, 5),))


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1}, {"reduction": "sum"},
                                    {"ignore_index": 1}, {"weight": "w"}])
def test_cross_entropy_class_targets(rng, kwargs):
    target = np.array([0, 1, 3, 2])
    if kwargs.get("weight") == "w":
        kwargs = {"weight": mdl.tensor([1.0, 2.0, 0.5, 1.5], dtype=mdl.float64), "label_smoothing": 0.2}
    assert gradgradcheck(lambda x: F.cross_entropy(x, target, **kwargs), (t(rng, 4, 4),))


def test_cross_entropy_probability_targets(rng):
    p = mdl.tensor(np.random.default_rng(1).dirichlet(np.ones(5), size=3))
    assert gradgradcheck(lambda x: F.cross_entropy(x, p), (t(rng, 3, 5),))


def test_spatial_cross_entropy(rng):
    target = np.random.default_rng(2).integers(0, 3, size=(2, 4, 3))
    assert gradgradcheck(lambda x: F.cross_entropy(x, target), (t(rng, 2, 3, 4, 3),))


@pytest.mark.parametrize("name", ["nll_loss", "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss",
                                  "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_losses(rng, name):
    if name == "nll_loss":
        target = np.array([2, 0, 1])
        fn = lambda x: F.nll_loss(F.log_softmax(x, dim=1), target)  # noqa: E731
        assert gradgradcheck(fn, (t(rng, 3, 4),))
        return
    if name == "binary_cross_entropy":
        y = mdl.tensor(np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]]))
        assert gradgradcheck(lambda p: F.binary_cross_entropy(p, y), (t(rng, 2, 3, unit=True),))
        return
    if name == "binary_cross_entropy_with_logits":
        y = mdl.tensor(np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]]))
        pw = mdl.tensor(np.array([1.0, 2.0, 0.5]))
        assert gradgradcheck(lambda z: F.binary_cross_entropy_with_logits(z, y, pos_weight=pw),
                             (t(rng, 2, 3),))
        return
    fn = getattr(F, name)
    # keep |input - target| away from the kinks of l1/smooth-l1/huber (finite differences)
    target = mdl.tensor(np.array([[3.0, -3.0, 3.0], [-3.0, 3.0, 0.0]]))
    x = mdl.tensor(np.array([[0.1, 0.4, -0.3], [0.2, -0.5, 1.7]]), requires_grad=True)
    assert gradgradcheck(lambda a: fn(a, target) * 1.0 if name != "smooth_l1_loss" else fn(a, target, beta=0.5),
                         (x,))


@pytest.mark.parametrize("mode,kwargs", [("nearest", {"scale_factor": 2}),
                                         ("bilinear", {"size": (5, 7), "align_corners": False}),
                                         ("bilinear", {"size": (5, 7), "align_corners": True})])
def test_interpolate(rng, mode, kwargs):
    x = t(rng, 1, 2, 3, 4)
    assert gradgradcheck(lambda a: F.interpolate(a, mode=mode, **kwargs) ** 2, (x,))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad(rng, mode):
    x = t(rng, 1, 2, 4, 5)
    assert gradgradcheck(lambda a: F.pad(a, (1, 2, 2, 1), mode=mode) ** 2, (x,))


def test_adaptive_max_pool2d(rng):
    x = t(rng, 2, 2, 5, 7)
    assert gradgradcheck(lambda a: F.adaptive_max_pool2d(a, (2, 3)) ** 2, (x,))


def test_dropout2d(rng):
    x = t(rng, 2, 3, 4, 4)

    def fn(a):
        mdl.manual_seed(0)  # the same channel mask at every evaluation
        return F.dropout2d(a, p=0.4, training=True) ** 2
    assert gradgradcheck(fn, (x,))


def test_conv2d_same_padding(rng):
    x, w = t(rng, 1, 2, 5, 6), t(rng, 3, 2, 2, 3)
    assert gradgradcheck(lambda a, b: F.conv2d(a, b, padding="same") ** 2, (x, w))
