"""Layers: default initialisation, shapes, forward values, gradients, modes and error messages."""
import math

import numpy as np
import pytest

import minidl as mdl
from minidl.nn.layers.activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from minidl.nn.layers.conv import Conv2d
from minidl.nn.layers.dropout import Dropout
from minidl.nn.layers.flatten import Flatten
from minidl.nn.layers.linear import Identity, Linear
from minidl.nn.layers.loss import CrossEntropyLoss, MSELoss, NLLLoss
from minidl.nn.layers.normalization import BatchNorm1d, BatchNorm2d
from minidl.nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d


def f64(rng, *shape, requires_grad=False):
    return mdl.tensor(rng.standard_normal(shape), dtype="float64", requires_grad=requires_grad)


def conv_reference(x, w, b, stride, padding, dilation, groups):
    """Direct-loop cross-correlation (NCHW, weight (O, C/g, kh, kw))."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    sh, sw = stride
    ph, pw = padding
    dh, dw = dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for oc in range(o):
        g = oc // og
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg:(g + 1) * cg, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                           j * sw:j * sw + dw * (kw - 1) + 1:dw]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
        if b is not None:
            out[:, oc] += b[oc]
    return out


# ------------------------------------------------------------ default init
def test_linear_default_init_bounds_and_shapes():
    lin = Linear(400, 300)
    assert lin.weight.shape == (300, 400) and lin.bias.shape == (300,)
    assert lin.weight.dtype == np.float32 and lin.weight.requires_grad
    # kaiming_uniform_(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    bound = 1 / math.sqrt(400)
    w = lin.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert np.abs(lin.bias.numpy()).max() <= bound
    assert Linear(3, 2, bias=False).bias is None
    assert list(Linear(3, 2, bias=False).state_dict()) == ["weight"]


def test_conv_default_init_bounds_and_shapes():
    conv = Conv2d(32, 64, (3, 5), groups=4)
    assert conv.weight.shape == (64, 8, 3, 5) and conv.bias.shape == (64,)
    fan_in = 8 * 3 * 5
    bound = 1 / math.sqrt(fan_in)
    w = conv.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    assert np.abs(conv.bias.numpy()).max() <= bound
    assert conv.kernel_size == (3, 5) and conv.stride == (1, 1) and conv.padding == (0, 0)


def test_init_is_seeded():
    mdl.manual_seed(7)
    a = Linear(4, 3).weight.numpy().copy()
    mdl.manual_seed(7)
    b = Linear(4, 3).weight.numpy()
    np.testing.assert_array_equal(a, b)


def test_dtype_factory_kwarg():
    assert Linear(2, 3, dtype="float64").weight.dtype == np.float64
    assert Conv2d(1, 2, 3, dtype=np.float64).bias.dtype == np.float64
    assert BatchNorm2d(3, dtype="float64").running_var.dtype == np.float64


def test_batchnorm_initial_state():
    bn = BatchNorm2d(3)
    np.testing.assert_array_equal(bn.weight.numpy(), [1, 1, 1])
    np.testing.assert_array_equal(bn.bias.numpy(), [0, 0, 0])
    np.testing.assert_array_equal(bn.running_mean.numpy(), [0, 0, 0])
    np.testing.assert_array_equal(bn.running_var.numpy(), [1, 1, 1])
    assert bn.num_batches_tracked.dtype == np.int64 and bn.num_batches_tracked.item() == 0
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    plain = BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(plain.state_dict()) == [] and list(plain.parameters()) == []


# ------------------------------------------------------------------- reprs
def test_reprs_match_pytorch():
    assert repr(Conv2d(3, 16, 3)) == "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(Conv2d(3, 16, (3, 5), stride=2, padding=1, dilation=2, bias=False)) == (
        "Conv2d(3, 16, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
        "bias=False)")
    assert repr(Conv2d(4, 8, 3, padding="same", groups=2)) == (
        "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, groups=2)")
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=1)"
    assert repr(Dropout()) == "Dropout(p=0.5, inplace=False)"
    assert repr(LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(Softmax(1)) == "Softmax(dim=1)"
    assert repr(Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(Linear(3, 4)) == "Linear(in_features=3, out_features=4, bias=True)"
    assert repr(Identity()) == "Identity()"
    assert repr(ReLU()) == "ReLU()"
    assert repr(BatchNorm1d(4)) == (
        "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)")


# ------------------------------------------------------------ error messages
def test_conv_wrong_channels_names_layer_and_shapes():
    conv = Conv2d(3, 16, 3)
    with pytest.raises(ValueError) as err:
        conv(mdl.zeros(2, 4, 8, 8))
    msg = str(err.value)
    assert "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))" in msg
    assert "3 channels" in msg and "(2, 4, 8, 8)" in msg


def test_conv_wrong_ndim_names_layer_and_shape():
    conv = Conv2d(3, 16, 3)
    with pytest.raises(ValueError) as err:
        conv(mdl.zeros(2, 3, 8))  # (C, H, W) would need C == 3 at dim 0: here 2
    assert "Conv2d(3, 16" in str(err.value) and "(2, 3, 8)" in str(err.value)
    with pytest.raises(ValueError) as err:
        conv(mdl.zeros(8, 8))
    assert "4-D input" in str(err.value) and "(8, 8)" in str(err.value)


def test_conv_too_small_input():
    with pytest.raises(ValueError, match=r"too small.*\(1, 3, 2, 2\)|\(1, 3, 2, 2\).*too small"):
        Conv2d(3, 4, 3)(mdl.zeros(1, 3, 2, 2))


def test_conv_groups_validation():
    with pytest.raises(ValueError, match=r"in_channels \(3\) must be divisible by groups \(2\)"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"out_channels \(5\) must be divisible by groups \(2\)"):
        Conv2d(4, 5, 3, groups=2)
    with pytest.raises(ValueError, match="strided"):
        Conv2d(4, 4, 3, stride=2, padding="same")


def test_linear_wrong_in_features():
    lin = Linear(10, 5)
    with pytest.raises(ValueError) as err:
        lin(mdl.zeros(4, 12))
    msg = str(err.value)
    assert "Linear(in_features=10, out_features=5, bias=True)" in msg
    assert "in_features=10" in msg and "(4, 12)" in msg


def test_batchnorm_wrong_num_features():
    bn = BatchNorm2d(8)
    with pytest.raises(ValueError) as err:
        bn(mdl.zeros(2, 6, 4, 4))
    msg = str(err.value)
    assert "BatchNorm2d(8" in msg and "num_features=8" in msg and "(2, 6, 4, 4)" in msg
    with pytest.raises(ValueError, match=r"BatchNorm2d\(8.*\(2, 8\)"):
        bn(mdl.zeros(2, 8))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3.*num_features=3.*\(5, 4\)"):
        BatchNorm1d(3)(mdl.zeros(5, 4))


def test_batchnorm_single_value_per_channel_in_training():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm1d(3)(mdl.zeros(1, 3))
    BatchNorm1d(3).eval()(mdl.zeros(1, 3))  # fine in eval


def test_pool_errors():
    with pytest.raises(ValueError, match=r"MaxPool2d.*\(4, 4\)"):
        MaxPool2d(2)(mdl.zeros(4, 4))
    with pytest.raises(ValueError, match="at most half"):
        MaxPool2d(2, padding=2)
    with pytest.raises(ValueError, match="too small"):
        AvgPool2d(3)(mdl.zeros(1, 1, 2, 2))


def test_loss_argument_validation():
    with pytest.raises(ValueError, match="reduction"):
        MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        Dropout(1.2)


# ------------------------------------------------------------ forward values
def test_linear_forward_matches_numpy(rng):
    lin = Linear(5, 3).double()
    x = f64(rng, 4, 5)
    expected = x.numpy() @ lin.weight.numpy().T + lin.bias.numpy()
    np.testing.assert_allclose(lin(x).numpy(), expected, rtol=1e-12)
    # extra leading dimensions
    x3 = f64(rng, 2, 4, 5)
    assert lin(x3).shape == (2, 4, 3)


@pytest.mark.parametrize("kw", [
    dict(kernel_size=3, padding=1),
    dict(kernel_size=(2, 1), stride=(2, 1)),
    dict(kernel_size=(1, 3), dilation=2, padding=(0, 2)),
    dict(kernel_size=3, stride=2, groups=2, bias=False),
])
def test_conv_forward_matches_reference(rng, kw):
    conv = Conv2d(4, 6, **kw).double()
    x = f64(rng, 2, 4, 7, 6)
    b = None if conv.bias is None else conv.bias.numpy()
    expected = conv_reference(x.numpy(), conv.weight.numpy(), b, conv.stride, conv.padding,
                              conv.dilation, conv.groups)
    np.testing.assert_allclose(conv(x).numpy(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("k,d", [(3, 1), (4, 1), (3, 2), (2, 3)])
def test_conv_same_padding_keeps_size(rng, k, d):
    conv = Conv2d(2, 3, k, padding="same", dilation=d).double()
    x = f64(rng, 1, 2, 7, 8)
    out = conv(x)
    assert out.shape == (1, 3, 7, 8)
    total = d * (k - 1)
    lo, hi = total // 2, total - total // 2  # PyTorch pads the extra one at the bottom/right
    xpad = np.pad(x.numpy(), ((0, 0), (0, 0), (lo, hi), (lo, hi)))
    expected = conv_reference(xpad, conv.weight.numpy(), conv.bias.numpy(), (1, 1), (0, 0),
                              (d, d), 1)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_conv_unbatched_input(rng):
    conv = Conv2d(2, 3, 3).double()
    x = f64(rng, 2, 5, 5)
    out = conv(x)
    assert out.shape == (3, 3, 3)
    np.testing.assert_allclose(out.numpy(), conv(x.reshape(1, 2, 5, 5)).numpy()[0])


def test_pools_forward():
    x = mdl.tensor(np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(MaxPool2d(2)(x).numpy()[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(AvgPool2d(2)(x).numpy()[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(AdaptiveAvgPool2d(1)(x).numpy().reshape(-1), [7.5])
    assert MaxPool2d(3, stride=2, ceil_mode=True)(mdl.zeros(1, 1, 6, 6)).shape == (1, 1, 3, 3)
    assert MaxPool2d(3, stride=2)(mdl.zeros(1, 1, 6, 6)).shape == (1, 1, 2, 2)
    # count_include_pad=False divides by the real elements only
    y = AvgPool2d(2, padding=1, count_include_pad=False)(x).numpy()[0, 0]
    assert y[0, 0] == 0.0 and y[0, 1] == 1.5
    y = AvgPool2d(2, padding=1)(x).numpy()[0, 0]
    assert y[0, 1] == 0.75
    assert MaxPool2d(2)(mdl.zeros(3, 4, 4)).shape == (3, 2, 2)


def test_activations_forward():
    x = mdl.tensor([[-2.0, 0.5, 3.0]], dtype="float64")
    np.testing.assert_allclose(ReLU()(x).numpy(), [[0, 0.5, 3]])
    np.testing.assert_allclose(LeakyReLU(0.1)(x).numpy(), [[-0.2, 0.5, 3]])
    np.testing.assert_allclose(Sigmoid()(x).numpy(), 1 / (1 + np.exp(-x.numpy())))
    np.testing.assert_allclose(Tanh()(x).numpy(), np.tanh(x.numpy()))
    e = np.exp(x.numpy() - 3.0)
    np.testing.assert_allclose(Softmax(dim=1)(x).numpy(), e / e.sum())
    np.testing.assert_allclose(LogSoftmax(dim=-1)(x).numpy(), np.log(e / e.sum()))
    with pytest.warns(UserWarning, match="Implicit dimension"):  # implicit dim 1 for 2-D, with PyTorch's warning
        np.testing.assert_allclose(Softmax()(x).numpy().sum(axis=1), [1.0])
    assert Identity(3, foo=1)(x) is x


def test_flatten():
    x = mdl.zeros(2, 3, 4, 5)
    assert Flatten()(x).shape == (2, 60)
    assert Flatten(0)(x).shape == (120,)
    assert Flatten(1, 2)(x).shape == (2, 12, 5)
    assert Flatten(-3, -2)(x).shape == (2, 12, 5)


def test_dropout_train_and_eval():
    x = mdl.ones(200, 500)
    drop = Dropout(0.3)
    y = drop(x).numpy()
    kept = y != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())
    mdl.manual_seed(5)
    a = Dropout(0.5)(x).numpy()
    mdl.manual_seed(5)
    np.testing.assert_array_equal(a, Dropout(0.5)(x).numpy())


# -------------------------------------------------------------- batch norm
def test_batchnorm1d_training_stats_hand_computed():
    bn = BatchNorm1d(2).double()
    x = mdl.tensor([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0], [7.0, 2.0]], dtype="float64")
    y = bn(x).numpy()
    mean = np.array([4.0, 5.0])
    var_biased = np.array([5.0, 11.0])   # mean((x - mean)^2)
    var_unbiased = var_biased * 4 / 3
    np.testing.assert_allclose(y, (x.numpy() - mean) / np.sqrt(var_biased + 1e-5), rtol=1e-10)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * var_unbiased)
    assert bn.num_batches_tracked.item() == 1
    bn(x)
    assert bn.num_batches_tracked.item() == 2
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.9 * 0.1 * mean + 0.1 * mean)


def test_batchnorm_eval_uses_running_stats_and_does_not_update():
    bn = BatchNorm2d(2).double()
    bn.running_mean.data[:] = [1.0, -1.0]
    bn.running_var.data[:] = [4.0, 0.25]
    bn.weight.data[:] = [2.0, 1.0]
    bn.bias.data[:] = [0.5, 0.0]
    bn.eval()
    x = mdl.tensor(np.ones((1, 2, 2, 2)), dtype="float64")
    y = bn(x).numpy()
    np.testing.assert_allclose(y[0, 0], (1 - 1) / np.sqrt(4 + 1e-5) * 2 + 0.5)
    np.testing.assert_allclose(y[0, 1], (1 + 1) / np.sqrt(0.25 + 1e-5))
    assert bn.num_batches_tracked.item() == 0
    np.testing.assert_array_equal(bn.running_mean.numpy(), [1.0, -1.0])


def test_batchnorm_momentum_none_is_cumulative_average(rng):
    bn = BatchNorm1d(3, momentum=None).double()
    a, b = f64(rng, 6, 3), f64(rng, 6, 3)
    bn(a)
    bn(b)
    expected = (a.numpy().mean(0) + b.numpy().mean(0)) / 2
    np.testing.assert_allclose(bn.running_mean.numpy(), expected, rtol=1e-10)


def test_batchnorm1d_three_dim_input(rng):
    bn = BatchNorm1d(3).double()
    x = f64(rng, 4, 3, 5)
    y = bn(x).numpy()
    assert y.shape == (4, 3, 5)
    m = x.numpy().mean(axis=(0, 2), keepdims=True)
    v = x.numpy().var(axis=(0, 2), keepdims=True)
    np.testing.assert_allclose(y, (x.numpy() - m) / np.sqrt(v + 1e-5), rtol=1e-9, atol=1e-12)


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval(rng):
    bn = BatchNorm2d(2, track_running_stats=False).double().eval()
    x = f64(rng, 3, 2, 2, 2)
    y = bn(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), [0, 0], atol=1e-12)


# ------------------------------------------------------------------ losses
def test_cross_entropy_loss_hand_computed():
    logits = mdl.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype="float64")
    target = np.array([0, 2])
    lse0 = math.log(math.exp(2) + 2)
    l0, l1 = lse0 - 2.0, math.log(3)
    assert CrossEntropyLoss()(logits, target).item() == pytest.approx((l0 + l1) / 2)
    assert CrossEntropyLoss(reduction="sum")(logits, target).item() == pytest.approx(l0 + l1)
    np.testing.assert_allclose(CrossEntropyLoss(reduction="none")(logits, target).numpy(),
                               [l0, l1])
    # label smoothing: (1 - ls) * nll + ls * mean over classes of -log p
    ls = 0.1
    logp0 = np.array([2.0, 0.0, 0.0]) - lse0
    sm0 = (1 - ls) * l0 - ls * logp0.mean()
    sm1 = l1  # uniform logits: every -log p equals log 3
    assert CrossEntropyLoss(label_smoothing=ls)(logits, target).item() == pytest.approx(
        (sm0 + sm1) / 2)


def test_nll_and_mse_loss():
    logp = mdl.tensor(np.log([[0.5, 0.5], [0.25, 0.75]]), dtype="float64")
    assert NLLLoss()(logp, np.array([0, 1])).item() == pytest.approx(
        -(math.log(0.5) + math.log(0.75)) / 2)
    a = mdl.tensor([1.0, 2.0, 4.0], dtype="float64")
    b = mdl.tensor([1.0, 0.0, 1.0], dtype="float64")
    assert MSELoss()(a, b).item() == pytest.approx(13 / 3)
    assert MSELoss(reduction="sum")(a, b).item() == pytest.approx(13)


# ------------------------------------------------------------------ gradients
def _check_layer(layer, x):
    params = [p for p in layer.parameters()]
    return mdl.gradcheck(lambda x_, *ps: layer(x_), (x, *params))


def test_linear_gradcheck(rng):
    assert _check_layer(Linear(4, 3).double(), f64(rng, 5, 4, requires_grad=True))


@pytest.mark.parametrize("kw", [
    dict(kernel_size=3, padding=1),
    dict(kernel_size=(2, 1), stride=2, groups=2),
    dict(kernel_size=2, padding="same", dilation=2),
])
def test_conv_gradcheck(rng, kw):
    assert _check_layer(Conv2d(2, 4, **kw).double(), f64(rng, 2, 2, 5, 5, requires_grad=True))


def test_batchnorm_gradcheck_train_and_eval(rng):
    bn = BatchNorm2d(3).double()
    assert _check_layer(bn, f64(rng, 4, 3, 2, 2, requires_grad=True))
    bn.eval()
    assert _check_layer(bn, f64(rng, 2, 3, 2, 2, requires_grad=True))
    assert _check_layer(BatchNorm1d(3).double(), f64(rng, 5, 3, requires_grad=True))


@pytest.mark.parametrize("layer", [MaxPool2d(2), AvgPool2d(3, stride=2, padding=1),
                                   AdaptiveAvgPool2d(2), Flatten(), ReLU(), LeakyReLU(0.2),
                                   Sigmoid(), Tanh(), Softmax(1), LogSoftmax(1)])
def test_parameter_free_layer_gradcheck(rng, layer):
    assert _check_layer(layer, f64(rng, 2, 3, 4, 4, requires_grad=True))


def test_loss_gradcheck(rng):
    x = f64(rng, 4, 3, requires_grad=True)
    t = np.array([0, 2, 1, 2])
    assert mdl.gradcheck(lambda z: CrossEntropyLoss(label_smoothing=0.2)(z, t), (x,))
    y = f64(rng, 4, 3)
    assert mdl.gradcheck(lambda z: MSELoss()(z, y), (x,))


def test_small_network_trains_end_to_end(rng):
    from minidl.nn.containers import Sequential
    mdl.manual_seed(0)
    net = Sequential(Conv2d(1, 4, 3, padding=1), BatchNorm2d(4), ReLU(), MaxPool2d(2),
                     Flatten(), Linear(4 * 2 * 2, 2))
    x = mdl.tensor(rng.standard_normal((8, 1, 4, 4)).astype(np.float32))
    y = np.array([0, 1] * 4)
    loss_fn = CrossEntropyLoss()
    first = None
    for _ in range(30):
        net.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        for p in net.parameters():
            p.data -= 0.1 * p.grad.data
        first = first if first is not None else loss.item()
    assert loss.item() < 0.5 * first
    assert all(p.dtype == np.float32 for p in net.parameters())
