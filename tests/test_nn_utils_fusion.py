"""nn.utils.fusion (conv/linear + eval batch norm folded into one layer), skip_init, and
functional_call (minidl.func and the deprecated nn.utils.stateless path)."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
from minidl.autograd import gradcheck, gradgradcheck
from minidl.func import functional_call
from minidl.nn.utils import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
    skip_init,
    stateless,
)


def _randomise_bn(bn, rng):
    c = bn.num_features
    with mdl.no_grad():
        bn.running_mean.copy_(mdl.tensor(rng.standard_normal(c)))
        bn.running_var.copy_(mdl.tensor(rng.random(c) + 0.5))
        if bn.weight is not None:
            bn.weight.copy_(mdl.tensor(rng.standard_normal(c)))
            bn.bias.copy_(mdl.tensor(rng.standard_normal(c)))
    return bn


@pytest.mark.parametrize("make,bn_cls,x_shape", [
    (lambda: nn.Conv2d(3, 5, 3, padding=1), nn.BatchNorm2d, (2, 3, 6, 7)),
    (lambda: nn.Conv2d(4, 6, 3, groups=2, bias=False), nn.BatchNorm2d, (2, 4, 5, 5)),
    (lambda: nn.Conv1d(3, 4, 3), nn.BatchNorm1d, (2, 3, 9)),
    (lambda: nn.Conv3d(2, 3, 2), nn.BatchNorm3d, (1, 2, 4, 4, 4)),
])
def test_fuse_conv_bn_eval_matches_conv_then_bn(rng, make, bn_cls, x_shape):
    conv = make().double().eval()
    bn = _randomise_bn(bn_cls(conv.out_channels).double().eval(), rng)
    x = mdl.tensor(rng.standard_normal(x_shape))
    fused = fuse_conv_bn_eval(conv, bn)
    assert type(fused) is type(conv) and fused is not conv
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), rtol=1e-10, atol=1e-10)
    assert isinstance(fused.weight, nn.Parameter) and fused.weight.requires_grad
    assert fused.bias.requires_grad == (conv.bias is not None)  # a new zero bias does not require grad
    assert not np.allclose(fused.weight.numpy(), conv.weight.numpy())  # the original is untouched


def test_fuse_conv_transpose_bn(rng):
    conv = nn.ConvTranspose2d(3, 4, 3, stride=2).double().eval()
    bn = _randomise_bn(nn.BatchNorm2d(4).double().eval(), rng)
    x = mdl.tensor(rng.standard_normal((2, 3, 4, 5)))
    fused = fuse_conv_bn_eval(conv, bn, transpose=True)
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), rtol=1e-10, atol=1e-10)


def test_fuse_bn_without_affine(rng):
    conv = nn.Conv2d(2, 3, 1).double().eval()
    bn = _randomise_bn(nn.BatchNorm2d(3, affine=False).double().eval(), rng)
    x = mdl.tensor(rng.standard_normal((1, 2, 3, 3)))
    np.testing.assert_allclose(fuse_conv_bn_eval(conv, bn)(x).detach().numpy(), bn(conv(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-10)


def test_fuse_linear_bn_eval(rng):
    lin = nn.Linear(5, 4).double().eval()
    bn = _randomise_bn(nn.BatchNorm1d(4).double().eval(), rng)
    x = mdl.tensor(rng.standard_normal((3, 5)))
    fused = fuse_linear_bn_eval(lin, bn)
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(lin(x)).detach().numpy(), rtol=1e-10, atol=1e-10)
    with pytest.raises(AssertionError, match="linear.out_features == bn.num_features"):
        fuse_linear_bn_eval(lin, nn.BatchNorm1d(3).eval())


def test_fusion_needs_eval():
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fuse_conv_bn_eval(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2).eval())
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fuse_linear_bn_eval(nn.Linear(1, 2).eval(), nn.BatchNorm1d(2))


def test_fuse_weights_formula_and_gradients(rng):
    w = mdl.tensor(rng.standard_normal((3, 2, 2, 2)), requires_grad=True)
    b = mdl.tensor(rng.standard_normal(3), requires_grad=True)
    rm, rv = mdl.tensor(rng.standard_normal(3)), mdl.tensor(rng.random(3) + 0.5)
    g, beta = mdl.tensor(rng.standard_normal(3)), mdl.tensor(rng.standard_normal(3))
    fw, fb = fuse_conv_bn_weights(w, b, rm, rv, 1e-5, g, beta)
    s = g.numpy() / np.sqrt(rv.numpy() + 1e-5)
    np.testing.assert_allclose(fw.numpy(), w.numpy() * s[:, None, None, None], rtol=1e-12)
    np.testing.assert_allclose(fb.numpy(), (b.numpy() - rm.numpy()) * s + beta.numpy(), rtol=1e-12)
    assert fw.is_leaf and fb.is_leaf and fw.dtype == mdl.float64
    lw, lb = fuse_linear_bn_weights(w[:, :, 0, 0], None, rm, rv, 1e-5, g, beta)
    np.testing.assert_allclose(lw.numpy(), w.numpy()[:, :, 0, 0] * s[:, None], rtol=1e-12)
    assert not lb.requires_grad
    # the fused layer is differentiable in its new parameters
    conv = nn.Conv2d(2, 3, 2).double()
    conv.weight, conv.bias = fw, fb
    x = mdl.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    assert gradcheck(conv, (x,)) and gradgradcheck(conv, (x,))


# ---------------------------------------------------------------------------------------------- skip_init
def test_skip_init():
    mdl.manual_seed(0)
    expected = mdl.rand(3).numpy()
    mdl.manual_seed(0)
    lin = skip_init(nn.Linear, 4, 3, bias=False)
    np.testing.assert_array_equal(mdl.rand(3).numpy(), expected)  # building it drew no random numbers
    assert type(lin) is nn.Linear and tuple(lin.weight.shape) == (3, 4) and lin.bias is None
    assert str(skip_init(nn.Linear, 2, 2, device="cpu").weight.device) == "cpu"
    with pytest.raises(RuntimeError, match="Expected a Module"):
        skip_init(int, 3)

    class NoDevice(nn.Module):
        def __init__(self, n):
            super().__init__()
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        skip_init(NoDevice, 3)


# ---------------------------------------------------------------------------------------- functional_call
def test_functional_call_replaces_and_restores():
    lin = nn.Linear(2, 2)
    w0 = lin.weight
    x = mdl.ones(1, 2)
    params = {"weight": mdl.eye(2), "bias": mdl.zeros(2)}
    for call in (lambda: functional_call(lin, params, x), lambda: functional_call(lin, params, (x,)),
                 lambda: functional_call(lin, params, args=(), kwargs={"input": x})):
        np.testing.assert_allclose(call().detach().numpy(), [[1.0, 1.0]])
    assert lin.weight is w0 and isinstance(lin.weight, nn.Parameter)
    out = functional_call(lin, [{"weight": mdl.eye(2)}, {"bias": mdl.ones(2)}], x)
    np.testing.assert_allclose(out.numpy(), [[2.0, 2.0]])
    with pytest.raises(ValueError, match=r"\['weight'\] appeared in multiple dictionaries"):
        functional_call(lin, [{"weight": mdl.eye(2)}, {"weight": mdl.eye(2)}], x)


def test_functional_call_gradients_go_to_given_tensors():
    lin = nn.Linear(2, 2)
    w = mdl.eye(2, requires_grad=True)
    functional_call(lin, {"weight": w}, mdl.ones(1, 2)).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.ones((2, 2)))
    assert lin.weight.grad is None


def test_functional_call_restores_after_error():
    lin = nn.Linear(2, 2)
    w0 = lin.weight
    with pytest.raises((ValueError, RuntimeError)):
        functional_call(lin, {"weight": mdl.eye(3)}, mdl.ones(1, 2))
    assert lin.weight is w0


def test_functional_call_strict_and_unknown_keys():
    lin = nn.Linear(2, 2)
    x = mdl.ones(1, 2)
    functional_call(lin, {"foo": mdl.ones(1)}, x)  # ignored when not strict
    assert not hasattr(lin, "foo")
    missing = "Error\\(s\\) in reparametrizing for Linear:\n\tMissing key\\(s\\): 'bias'."
    with pytest.raises(RuntimeError, match=missing):
        functional_call(lin, {"weight": mdl.eye(2)}, x, strict=True)
    with pytest.raises(RuntimeError, match="Unexpected key\\(s\\): 'foo'."):
        functional_call(lin, {"weight": mdl.eye(2), "bias": mdl.zeros(2), "foo": mdl.ones(1)}, x, strict=True)


def test_functional_call_buffers_and_tied_weights():
    bn = nn.BatchNorm1d(2).eval()
    out = functional_call(bn, {"running_mean": mdl.ones(2), "running_var": mdl.ones(2) * 4}, mdl.ones(1, 2) * 3)
    np.testing.assert_allclose(out.detach().numpy(), [[1.0, 1.0]], rtol=1e-5)
    assert float(bn.running_mean.sum()) == 0.0

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))
    t = Tied()
    x = mdl.ones(1, 2)
    np.testing.assert_allclose(functional_call(t, {"a.weight": 2 * mdl.eye(2)}, x).detach().numpy(), [[4.0, 4.0]])
    untied = functional_call(t, {"a.weight": 2 * mdl.eye(2)}, x, tie_weights=False)
    np.testing.assert_allclose(untied.detach().numpy(), 2 * x.numpy() @ t.a.weight.detach().numpy().T, rtol=1e-6)
    with pytest.raises(ValueError, match="which are tied. Consider using tie_weights=False"):
        functional_call(t, {"a.weight": mdl.eye(2), "b.weight": mdl.eye(2)}, x)


def test_stateless_functional_call_deprecated():
    lin = nn.Linear(2, 2)
    with pytest.warns(FutureWarning, match="`torch.nn.utils.stateless.functional_call` is deprecated"):
        out = stateless.functional_call(lin, {"weight": mdl.eye(2), "bias": mdl.zeros(2)}, mdl.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), [[1.0, 1.0]])


def test_functional_call_gradcheck(rng):
    lin = nn.Linear(3, 2).double()
    w = mdl.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    x = mdl.tensor(rng.standard_normal((4, 3)), requires_grad=True)

    def f(w, x):
        return functional_call(lin, {"weight": w}, (x,)).tanh()
    assert gradcheck(f, (w, x)) and gradgradcheck(f, (w, x))
