"""First and second derivatives (float64 ``gradcheck`` / ``gradgradcheck``) of the layers added to
run public PyTorch scripts: 1-D convolution and pooling, scatter, and the recurrent layers. They are
compositions of differentiable primitives, so these checks pin that the compositions are right."""
import pytest

import minidl as torch
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def t(rng, *shape):
    return torch.tensor(rng.standard_normal(shape), dtype=torch.float64, requires_grad=True)


def test_conv1d_second_order(rng):
    x, w, b = t(rng, 2, 3, 7), t(rng, 4, 3, 3), t(rng, 4)

    def fn(a, ww, bb):
        return F.conv1d(a, ww, bb, stride=2, padding=1) ** 2
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize("pool", ["max_pool1d", "avg_pool1d"])
def test_pool1d_first_and_second_order(rng, pool):
    x = t(rng, 2, 3, 9)
    fn = {"max_pool1d": lambda a: F.max_pool1d(a, 3, 2) ** 2,
          "avg_pool1d": lambda a: F.avg_pool1d(a, 3, 2, padding=1) ** 2}[pool]
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_scatter_second_order(rng):
    index = torch.tensor([[0, 1, 2], [0, 1, 4]])
    base, src = t(rng, 3, 5), t(rng, 2, 3)
    assert gradgradcheck(lambda b, s: b.scatter(1, index, s) ** 2, (base, src))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers_first_and_second_order(rng, kind):
    torch.manual_seed(0)
    layer = getattr(nn, kind)(3, 2).double()
    x = t(rng, 4, 2, 3)
    assert gradcheck(lambda a: layer(a)[0], (x,))
    assert gradgradcheck(lambda a: layer(a)[0] ** 2, (x,))
