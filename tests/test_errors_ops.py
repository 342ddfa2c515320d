"""Empty batches (N = 0) through every layer, forward and backward, as PyTorch; and bad input
to the ops and layers named after the public op or the layer's path (issue 11)."""
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F

# (layer factory, input shape, output shape); layers not in this build are skipped by name
EMPTY_CASES = [
    ("Conv2d", lambda: nn.Conv2d(3, 4, 3), (0, 3, 8, 8), (0, 4, 6, 6)),
    ("Conv2d", lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), (0, 3, 8, 8), (0, 4, 4, 4)),
    ("Conv2d", lambda: nn.Conv2d(4, 6, 3, groups=2, padding="same"), (0, 4, 8, 8), (0, 6, 8, 8)),
    ("Conv2d", lambda: nn.Conv2d(4, 6, 2, padding="same"), (0, 4, 8, 8), (0, 6, 8, 8)),
    ("Conv2d", lambda: nn.Conv2d(3, 4, 3, dilation=2), (0, 3, 9, 9), (0, 4, 5, 5)),
    ("MaxPool2d", lambda: nn.MaxPool2d(2), (0, 3, 8, 8), (0, 3, 4, 4)),
    ("MaxPool2d", lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True), (0, 3, 8, 8), (0, 3, 5, 5)),
    ("AvgPool2d", lambda: nn.AvgPool2d(2), (0, 3, 8, 8), (0, 3, 4, 4)),
    ("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d(1), (0, 3, 8, 8), (0, 3, 1, 1)),
    ("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d(3), (0, 3, 8, 8), (0, 3, 3, 3)),
    ("AdaptiveMaxPool2d", lambda: nn.AdaptiveMaxPool2d(3), (0, 3, 8, 8), (0, 3, 3, 3)),
    ("BatchNorm2d", lambda: nn.BatchNorm2d(3), (0, 3, 8, 8), (0, 3, 8, 8)),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(3), (0, 3), (0, 3)),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(3), (0, 3, 5), (0, 3, 5)),
    ("Linear", lambda: nn.Linear(3, 2), (0, 3), (0, 2)),
    ("Dropout", lambda: nn.Dropout(0.5), (0, 3), (0, 3)),
    ("Dropout2d", lambda: nn.Dropout2d(0.5), (0, 3, 4, 4), (0, 3, 4, 4)),
    ("Flatten", lambda: nn.Flatten(), (0, 3, 2, 2), (0, 12)),
    ("ReLU", lambda: nn.ReLU(), (0, 3), (0, 3)),
    ("LeakyReLU", lambda: nn.LeakyReLU(), (0, 3), (0, 3)),
    ("ELU", lambda: nn.ELU(), (0, 3), (0, 3)),
    ("GELU", lambda: nn.GELU(), (0, 3), (0, 3)),
    ("SiLU", lambda: nn.SiLU(), (0, 3), (0, 3)),
    ("Sigmoid", lambda: nn.Sigmoid(), (0, 3), (0, 3)),
    ("Tanh", lambda: nn.Tanh(), (0, 3), (0, 3)),
    ("Softmax", lambda: nn.Softmax(dim=1), (0, 3), (0, 3)),
    ("LogSoftmax", lambda: nn.LogSoftmax(dim=1), (0, 3), (0, 3)),
    ("Identity", lambda: nn.Identity(), (0, 3), (0, 3)),
]


def make(name, factory):
    if not hasattr(nn, name):
        pytest.skip(f"nn.{name} is not in this build")
    return factory()


@pytest.mark.parametrize("name, factory, in_shape, out_shape", EMPTY_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(EMPTY_CASES)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_empty_batch_forward_and_backward(name, factory, in_shape, out_shape, dtype):
    layer = make(name, factory).to(dtype=getattr(mdl, dtype)) if dtype == "float64" else make(name, factory)
    x = mdl.zeros(*in_shape, dtype=getattr(mdl, dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy "mean of empty slice" / divide warnings either
        y = layer(x)
        assert tuple(y.shape) == out_shape and y.dtype == x.dtype
        y.sum().backward()
    assert tuple(x.grad.shape) == in_shape
    for pname, p in layer.named_parameters():
        assert p.grad is not None and tuple(p.grad.shape) == tuple(p.shape), pname
        assert not np.any(p.grad.numpy()), f"{pname}: a sum over no samples is zero"


def test_empty_batch_batch_norm_keeps_running_stats_and_counts_the_batch():
    bn = nn.BatchNorm2d(3)
    bn.running_mean.data[...] = 0.5
    bn(mdl.zeros(0, 3, 4, 4))
    np.testing.assert_array_equal(bn.running_mean.numpy(), [0.5] * 3)
    np.testing.assert_array_equal(bn.running_var.numpy(), [1.0] * 3)
    assert int(bn.num_batches_tracked.item()) == 1  # as PyTorch
    with pytest.raises(ValueError, match="expected more than 1 value per channel when training"):
        bn(mdl.zeros(1, 3, 1, 1))  # one value per channel is still an error


def test_empty_batch_in_eval_mode_and_under_no_grad():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(2 * 3 * 3, 4)).eval()
    with mdl.no_grad():
        assert tuple(net(mdl.zeros(0, 1, 8, 8)).shape) == (0, 4)


def test_empty_batch_through_a_whole_net_and_loss():
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Dropout(0.5), nn.Linear(2 * 4 * 4, 3))
    out = net(mdl.zeros(0, 1, 8, 8))
    target = np.zeros(0, np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        total = F.cross_entropy(out, target, reduction="sum")
        total.backward()
        assert total.item() == 0.0
        mean = F.cross_entropy(net(mdl.zeros(0, 1, 8, 8)), target)
        assert np.isnan(mean.item())  # PyTorch: the mean over no samples is NaN
        mean.backward()
    assert all(not np.any(p.grad.numpy()) for p in net.parameters())


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("reduction, expected", [("sum", 0.0), ("mean", np.nan), ("none", None)])
def test_empty_batch_classification_losses(loss, reduction, expected):
    logits = mdl.zeros(0, 5, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = getattr(F, loss)(logits, np.zeros(0, np.int64), reduction=reduction)
        value.sum().backward()
    if expected is None:
        assert tuple(value.shape) == (0,)
    else:
        np.testing.assert_equal(value.item(), expected)
    assert tuple(logits.grad.shape) == (0, 5)


def test_empty_batch_mse_is_nan_without_warnings():
    a = mdl.zeros(0, 4, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = F.mse_loss(a, mdl.zeros(0, 4))
        value.backward()
    assert np.isnan(value.item()) and tuple(a.grad.shape) == (0, 4)


# ------------------------------------------------------------------ integer input
INT_X = np.zeros((2, 3, 8, 8), np.int64)


@pytest.mark.parametrize("call, op", [
    (lambda: F.conv2d(mdl.tensor(INT_X), mdl.ones(4, 3, 3, 3)), "conv2d"),
    (lambda: F.batch_norm(mdl.tensor(INT_X), mdl.zeros(3), mdl.ones(3), training=True), "batch_norm"),
    # max_pool2d/avg_pool2d take integer input, as PyTorch's CPU kernels do (tests/test_diffnn_fixes14.py)
    (lambda: F.adaptive_avg_pool2d(mdl.tensor(INT_X), 3), "adaptive_avg_pool2d"),
    (lambda: F.linear(mdl.tensor(np.zeros((2, 3), np.int64)), mdl.ones(4, 3)), "linear"),
    (lambda: F.dropout(mdl.tensor(np.zeros((2, 3), np.int64)), 0.5), "dropout"),
])
def test_integer_input_named_after_the_op(call, op):
    with pytest.raises(TypeError, match=rf"^{op}: input must be float32 or float64, got int64$"):
        call()


def test_integer_weight_named():
    with pytest.raises(TypeError, match=r"^conv2d: weight must be float32 or float64, got int32$"):
        F.conv2d(mdl.ones(1, 3, 8, 8), mdl.tensor(np.ones((4, 3, 3, 3), np.int32)))


def test_integer_input_inside_a_model_names_the_layer_path():
    model = nn.Sequential()
    model.add_module("features", nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2),
                                               nn.BatchNorm2d(4)))
    with pytest.raises(TypeError, match=r"^features\.0 \(Conv2d\): conv2d: input must be float32 or "
                                        r"float64, got int64$"):
        model(mdl.tensor(INT_X))
    with pytest.raises(TypeError, match=r"^0 \(Conv2d\): conv2d: input must be"):
        model.features(mdl.tensor(INT_X))  # paths are relative to the model called
    with pytest.raises(TypeError, match=r"^batch_norm: input must be"):
        model.features[3](mdl.tensor(np.zeros((2, 4, 3, 3), np.int64)))  # the layer itself: no path
    other = nn.Sequential(nn.Identity(), nn.BatchNorm2d(4))
    with pytest.raises(TypeError, match=r"^1 \(BatchNorm2d\): batch_norm: input must be float32 or "
                                        r"float64, got int64$"):
        other(mdl.tensor(np.zeros((2, 4, 3, 3), np.int64)))


def test_layer_check_inside_a_model_names_path_once():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(5, 2)))
    with pytest.raises(ValueError) as info:
        model(mdl.ones(2, 3))
    msg = str(info.value)
    assert msg.startswith("2.0 (Linear): "), msg
    assert "\n" not in msg and msg.count("(Linear)") == 1


def test_pool_window_larger_than_input_named_after_op():
    with pytest.raises(ValueError, match=r"^max_pool2d: input of shape \(1, 1, 2, 2\) padded by \(0, 0\) "
                                         r"is smaller than the kernel \(3, 3\)$"):
        F.max_pool2d(mdl.ones(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match=r"^avg_pool2d: input of shape"):
        F.avg_pool2d(mdl.ones(1, 1, 2, 2), 3)


@pytest.mark.parametrize("fn, x_shape, params", [
    (lambda x, w, b: F.conv2d(x, w, b, padding=1), (0, 2, 5, 5), [(3, 2, 3, 3), (3,)]),
    (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (0, 3, 4, 4), [(3,), (3,)]),
    (lambda x: F.max_pool2d(x, 2), (0, 2, 4, 4), []),
])
def test_empty_batch_gradcheck(fn, x_shape, params):
    """float64 finite differences agree with the (zero) gradients of the empty-batch path."""
    rng = np.random.default_rng(0)
    inputs = [mdl.tensor(np.zeros(x_shape), dtype="float64", requires_grad=True)]
    inputs += [mdl.tensor(rng.normal(size=s), dtype="float64", requires_grad=True) for s in params]
    assert mdl.gradcheck(lambda *t: fn(*t).sum() + sum((p * p).sum() for p in t[1:]), inputs)
