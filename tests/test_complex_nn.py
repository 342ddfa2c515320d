"""Complex tensors in nn.functional: PyTorch's NotImplementedError (same messages) from the functions whose
kernels refuse complex input, the ones PyTorch runs (linear with conjugating gradients, normalize, silu, ...),
and ``view_as_real_copy``/``view_as_complex_copy``."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck

Z = mdl.randn(2, 4, 6, dtype=mdl.cfloat)

REFUSED = {
    "softmax": (lambda z: F.softmax(z, -1), '"softmax_lastdim_kernel_impl"'),
    "softmax dim 1": (lambda z: F.softmax(z, 1), '"softmax_kernel_impl"'),
    "log_softmax": (lambda z: F.log_softmax(z, -1), '"log_softmax_lastdim_kernel_impl"'),
    "gelu": (F.gelu, '"GeluKernelImpl"'), "dropout": (F.dropout, '"bernoulli_scalar_cpu_"'),
    "layer_norm": (lambda z: F.layer_norm(z, (6,)), '"LayerNormKernelImpl"'),
    "group_norm": (lambda z: F.group_norm(z, 2), '"GroupNormKernelImpl"'),
    "batch_norm": (lambda z: F.batch_norm(z, None, None, training=True), '"batch_norm"'),
    "mse_loss": (lambda z: F.mse_loss(z, z), '"mse_cpu"'),
    "cross_entropy": (lambda z: F.cross_entropy(z, mdl.zeros(2, 6, dtype=mdl.long)), '"log_softmax_kernel_impl"'),
    "binary_cross_entropy": (lambda z: F.binary_cross_entropy(z, z), '"binary_cross_entropy"'),
    "max_pool1d": (lambda z: F.max_pool1d(z, 2), '"max_pool1d_impl"'),
    "avg_pool1d": (lambda z: F.avg_pool1d(z, 2), '"avg_pool2d"'),
    "relu": (F.relu, "clamp is not supported for complex types"),
    "hardtanh": (F.hardtanh, "clamp is not supported for complex types"),
    "leaky_relu": (F.leaky_relu, '"leaky_relu_cpu"'), "elu": (F.elu, '"elu_cpu"'), "selu": (F.selu, '"elu_cpu"'),
    "softplus": (F.softplus, '"softplus_cpu"'), "mish": (F.mish, '"mish_cpu"'),
    "hardswish": (F.hardswish, '"hardswish_cpu"'), "logsigmoid": (F.logsigmoid, '"log_sigmoid_cpu"'),
    "prelu": (lambda z: F.prelu(z, mdl.tensor([0.25], dtype=mdl.cfloat)), '"prelu_cpu"'),
    "interpolate": (lambda z: F.interpolate(z, scale_factor=2), '"compute_indices_weights_nearest"'),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_functions_refuse_complex_as_pytorch(name):
    fn, message = REFUSED[name]
    with pytest.raises(NotImplementedError, match=message.replace('"', '.').replace("(", ".").replace(")", ".")):
        fn(Z)


def test_refusing_functions_still_work_on_real_input_and_keep_their_signature():
    import inspect
    x = mdl.randn(2, 4, 6)
    np.testing.assert_allclose(F.softmax(x, -1).sum(-1).numpy(), np.ones((2, 4)), rtol=1e-6)
    assert F.dropout(Z, training=False) is Z or np.array_equal(F.dropout(Z, training=False).numpy(), Z.numpy())
    assert list(inspect.signature(F.gelu).parameters)[:2] == ["input", "approximate"]
    with pytest.raises(RuntimeError, match="kl_div: Complex inputs not supported"):
        F.kl_div(Z, Z)
    with pytest.raises(RuntimeError, match="common dtype is ComplexFloat"):
        F.cosine_similarity(Z, Z)


def test_functions_pytorch_runs_on_complex():
    for value in (F.silu(Z), F.softsign(Z), F.tanh(Z), F.sigmoid(Z), F.pad(Z, (1, 1)), F.normalize(Z)):
        assert value.dtype == mdl.complex64
    np.testing.assert_allclose(F.normalize(Z).abs().pow(2).sum(1).numpy(), np.ones((2, 6)), rtol=1e-5)
    assert F.l1_loss(Z, Z * 0).dtype == mdl.float32


def test_complex_linear_values_and_gradients():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 3)) + 1j * rng.standard_normal((2, 5, 3))
    w = rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))
    b = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    tx, tw, tb = (mdl.tensor(a, requires_grad=True) for a in (x, w, b))
    np.testing.assert_allclose(F.linear(tx, tw, tb).detach().numpy(), x @ w.T + b, rtol=1e-12)
    assert gradcheck(F.linear, (tx, tw, tb))
    assert gradgradcheck(F.linear, (tx, tw, tb))
    layer = mdl.nn.Linear(3, 4, dtype=mdl.cfloat)
    assert layer.weight.dtype == mdl.complex64 and layer(mdl.randn(2, 3, dtype=mdl.cfloat)).dtype == mdl.complex64
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(mdl.randn(2, 3, dtype=mdl.cfloat), mdl.randn(4, 3))


def test_view_as_real_and_complex_copies():
    z = mdl.randn(3, dtype=mdl.cdouble)
    pairs = mdl.view_as_real_copy(z)
    assert tuple(pairs.shape) == (3, 2) and pairs.dtype == mdl.float64
    pairs[0, 0] = 100.0
    assert z[0].real.item() != 100.0                        # a copy, not a view
    back = mdl.view_as_complex_copy(mdl.view_as_real(z))
    np.testing.assert_array_equal(back.numpy(), z.numpy())
    t = mdl.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    assert gradcheck(lambda a: mdl.view_as_complex_copy(a), (t,))
    with pytest.raises(RuntimeError, match="only supported for complex tensors"):
        mdl.view_as_real_copy(mdl.randn(3))


def _c(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def test_complex_convolutions_values_and_gradients():
    rng = np.random.default_rng(1)
    x, w, b = (mdl.tensor(a, requires_grad=True) for a in (_c(rng, 1, 2, 5, 4), _c(rng, 3, 2, 3, 2), _c(rng, 3)))
    out = F.conv2d(x, w, b, padding=1)
    ref = np.zeros((1, 3, 5, 5), complex)                       # a direct complex cross-correlation
    xp = np.pad(x.detach().numpy(), ((0, 0), (0, 0), (1, 1), (1, 1)))
    for o in range(3):
        for i in range(5):
            for j in range(5):
                ref[0, o, i, j] = (xp[0, :, i:i + 3, j:j + 2] * w.detach().numpy()[o]).sum() + b.detach().numpy()[o]
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda a, k, c: F.conv2d(a, k, c, padding=1, stride=(2, 1)), (x, w, b))
    assert gradgradcheck(lambda a, k, c: F.conv2d(a, k, c, padding=1, stride=(2, 1)), (x, w, b))
    x1, w1 = mdl.tensor(_c(rng, 1, 2, 6), requires_grad=True), mdl.tensor(_c(rng, 2, 2, 3), requires_grad=True)
    assert gradcheck(lambda a, k: F.conv1d(a, k, dilation=2), (x1, w1))
    wt = mdl.tensor(_c(rng, 2, 3, 2, 2), requires_grad=True)
    assert gradcheck(lambda a, k: F.conv_transpose2d(a, k, stride=2), (x, wt))
    assert gradgradcheck(lambda a, k: F.conv_transpose2d(a, k, stride=2), (x, wt))
    layer = mdl.nn.Conv2d(2, 4, 3, dtype=mdl.cfloat)
    assert layer(mdl.randn(1, 2, 5, 5, dtype=mdl.cfloat)).dtype == mdl.complex64
    with pytest.raises(RuntimeError, match="should be the same"):
        F.conv2d(mdl.randn(1, 2, 5, 5, dtype=mdl.cfloat), mdl.randn(3, 2, 3, 3))


def test_layers_refuse_complex_as_pytorch():
    nn = mdl.nn
    with pytest.raises(NotImplementedError, match='"max_pool1d_impl" not implemented for .ComplexFloat.'):
        nn.MaxPool1d(2)(Z)
    with pytest.raises(NotImplementedError, match='"avg_pool2d" not implemented'):
        nn.AvgPool1d(2)(Z)
    with pytest.raises(RuntimeError, match="mixed dtype \\(CPU\\): all inputs must share same datatype"):
        nn.LayerNorm(6)(Z)
    with pytest.raises(RuntimeError, match="mixed dtype"):
        nn.GroupNorm(2, 4)(Z)
    with pytest.raises(NotImplementedError, match='"softmax_lastdim_kernel_impl"'):
        nn.Softmax(-1)(Z)
    with pytest.raises(NotImplementedError, match='"mse_cpu"'):
        nn.MSELoss()(Z, Z)
    x = mdl.randn(2, 4, 6)
    assert nn.LayerNorm(6)(x).shape == x.shape and nn.MaxPool1d(2)(x).shape == (2, 4, 3)
    assert nn.GroupNorm(2, 4)(x).shape == x.shape and nn.SiLU()(Z).dtype == mdl.complex64
