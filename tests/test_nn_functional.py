"""The functional ops added for PyTorch parity (issue 13): values from PyTorch's documented
formulas (written out here in NumPy), float64 gradient checks, and PyTorch's argument names.

No test imports torch: every expected value below is computed from the formula in
PyTorch's documentation for that function.
"""
import inspect
import math

import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F


def t64(a, grad=True):
    return mdl.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def check(fn, *inputs):
    assert mdl.gradcheck(fn, inputs)


# ---------------------------------------------------------------- signatures
SIGNATURES = {
    "conv2d": "input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1",
    "max_pool2d": "input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False",
    "avg_pool2d": ("input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, "
                   "divisor_override=None"),
    "adaptive_max_pool2d": "input, output_size, return_indices=False",
    "dropout": "input, p=0.5, training=True, inplace=False",
    "dropout2d": "input, p=0.5, training=True, inplace=False",
    "relu": "input, inplace=False",
    "leaky_relu": "input, negative_slope=0.01, inplace=False",
    "elu": "input, alpha=1.0, inplace=False",
    "gelu": "input, approximate='none'",
    "silu": "input, inplace=False",
    "cross_entropy": ("input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, "
                      "reduction='mean', label_smoothing=0.0"),
    "nll_loss": "input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'",
    "l1_loss": "input, target, size_average=None, reduce=None, reduction='mean', weight=None",
    "mse_loss": "input, target, size_average=None, reduce=None, reduction='mean', weight=None",
    "smooth_l1_loss": "input, target, size_average=None, reduce=None, reduction='mean', beta=1.0",
    "binary_cross_entropy": "input, target, weight=None, size_average=None, reduce=None, reduction='mean'",
    "binary_cross_entropy_with_logits": ("input, target, weight=None, size_average=None, reduce=None, "
                                         "reduction='mean', pos_weight=None"),
    "one_hot": "tensor, num_classes=-1",
    "interpolate": ("input, size=None, scale_factor=None, mode='nearest', align_corners=None, "
                    "recompute_scale_factor=None, antialias=False"),
    "pad": "input, pad, mode='constant', value=None",
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signatures_are_pytorchs(name):
    sig = str(inspect.signature(getattr(F, name)))[1:-1]
    assert sig == SIGNATURES[name]


def test_softmax_signature_takes_dim_dtype_and_axis():
    params = list(inspect.signature(F.softmax).parameters)
    assert params[:4] == ["input", "dim", "_stacklevel", "dtype"]
    x = mdl.tensor([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(F.softmax(x, axis=1).numpy(), F.softmax(x, dim=1).numpy())
    assert F.log_softmax(x, 1, dtype=mdl.float64).dtype == np.float64
    with pytest.warns(UserWarning, match="Implicit dimension"):
        assert F.softmax(x).shape == (1, 3)


# --------------------------------------------------------------- activations
def test_activation_values_follow_the_documented_formulas():
    x = np.array([-2.0, -0.5, 0.0, 0.7, 3.0])
    erf = np.vectorize(math.erf)
    cases = {
        "elu": (lambda a: F.elu(a, 0.5), np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
        "gelu": (F.gelu, 0.5 * x * (1 + erf(x / math.sqrt(2)))),
        "gelu_tanh": (lambda a: F.gelu(a, approximate="tanh"),
                      0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
        "silu": (F.silu, x / (1 + np.exp(-x))),
    }
    for name, (fn, expected) in cases.items():
        np.testing.assert_allclose(fn(mdl.tensor(x)).numpy(), expected, rtol=1e-12, err_msg=name)
        assert fn(mdl.tensor(x.astype(np.float32))).dtype == np.float32


@pytest.mark.parametrize("fn", [lambda a: F.elu(a, 0.3), F.gelu, lambda a: F.gelu(a, approximate="tanh"), F.silu,
                                lambda a: F.softmax(a, 0), lambda a: F.log_softmax(a, dim=-1)])
def test_activation_gradients(rng, fn):
    check(fn, t64(rng.standard_normal((3, 4))))


def test_elu_derivative_at_zero_is_alpha_as_pytorch():
    x = t64([0.0])
    F.elu(x, alpha=0.3).sum().backward()
    assert x.grad.numpy()[0] == pytest.approx(0.3)


def test_inplace_writes_into_the_input_without_graph_and_refuses_leaves():
    x = mdl.tensor([-1.0, 2.0])
    out = F.relu(x, inplace=True)
    assert out is x and x.tolist() == [0.0, 2.0]
    w = mdl.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        F.relu(w, inplace=True)
    y = w * 1.0
    F.leaky_relu(y, 0.1, inplace=True).sum().backward()   # inner node: a new result, correct gradient
    np.testing.assert_allclose(w.grad.numpy(), [0.1, 1.0])


# ------------------------------------------------------------ cross-entropy
def _ce_reference(logits, target, weight, ignore_index, reduction, eps):
    """PyTorch's documented cross-entropy with class weights, ignore_index and label smoothing."""
    n, c = logits.shape[:2]
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    logp = np.moveaxis(logp, 1, -1).reshape(-1, c)
    target = target.reshape(-1)
    w = np.ones(c) if weight is None else weight
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    nll = -w[safe] * logp[np.arange(len(safe)), safe] * valid
    smooth = -(logp * w).sum(1) * valid
    loss = (1 - eps) * nll + eps / c * smooth
    if reduction == "none":
        return loss.reshape((n,) + logits.shape[2:])
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (w[safe] * valid).sum()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_weight_ignore_index_and_smoothing_together(rng, reduction, smoothing, weighted):
    logits = rng.standard_normal((2, 4, 3, 2))
    target = rng.integers(0, 4, (2, 3, 2))
    target[0, 1, 1] = target[1, 2, 0] = 9
    weight = rng.random(4) + 0.3 if weighted else None
    got = F.cross_entropy(t64(logits, grad=False), target, weight=None if weight is None else mdl.tensor(weight),
                          ignore_index=9, reduction=reduction, label_smoothing=smoothing)
    expected = _ce_reference(logits, target, weight, 9, reduction, smoothing)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    check(lambda a: F.cross_entropy(a, target, weight=None if weight is None else mdl.tensor(weight),
                                    ignore_index=9, reduction=reduction, label_smoothing=smoothing),
          t64(logits))


def test_cross_entropy_plain_path_matches_the_general_formula(rng):
    logits = rng.standard_normal((5, 3))
    target = np.array([0, 2, 1, 1, 0])
    for eps in (0.0, 0.1):
        np.testing.assert_allclose(F.cross_entropy(t64(logits), target, label_smoothing=eps).item(),
                                   _ce_reference(logits, target, None, -100, "mean", eps), rtol=1e-12)


def test_cross_entropy_with_probability_targets(rng):
    logits, p = rng.standard_normal((4, 3)), rng.random((4, 3))
    p /= p.sum(1, keepdims=True)
    w = np.array([0.5, 1.0, 2.0])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    q = p * 0.9 + 0.1 / 3
    expected = -(logp * q * w).sum(1)
    got = F.cross_entropy(t64(logits, grad=False), mdl.tensor(p), weight=mdl.tensor(w), reduction="none",
                          label_smoothing=0.1)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    assert F.cross_entropy(t64(logits), mdl.tensor(p)).item() == pytest.approx(-(logp * p).sum(1).mean())
    check(lambda a, b: F.cross_entropy(a, b, label_smoothing=0.2), t64(logits), t64(p))


def test_cross_entropy_unbatched_and_all_ignored():
    logits = mdl.tensor([1.0, 2.0, 0.5])
    expected = -(2.0 - math.log(math.exp(1) + math.exp(2) + math.exp(0.5)))
    assert F.cross_entropy(logits, mdl.tensor(1)).item() == pytest.approx(expected, rel=1e-6)
    assert F.cross_entropy(logits, mdl.tensor(1), reduction="none").shape == ()
    assert math.isnan(F.cross_entropy(mdl.ones(2, 3), np.array([-100, -100])).item())  # 0/0, as PyTorch


def test_cross_entropy_target_errors_name_the_problem():
    with pytest.raises(IndexError, match="target class 3 is out of range for 3 classes"):
        F.cross_entropy(mdl.ones(2, 3), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.cross_entropy(mdl.ones(2, 3), np.array([0, 1]), weight=mdl.ones(4))
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert F.cross_entropy(mdl.ones(2, 3), np.array([0, 1]), reduce=False).shape == (2,)
    # PyTorch's advice names the equivalent reduction (yunjey's VAE: binary_cross_entropy(size_average=False))
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        F.binary_cross_entropy(mdl.full((2,), 0.5), mdl.ones(2), size_average=False)
    with pytest.warns(UserWarning, match="please use reduction='none' instead"):
        F.mse_loss(mdl.ones(2), mdl.ones(2), reduce=False)


def test_nll_loss_weighted_mean_divides_by_the_summed_weights(rng):
    logp = rng.standard_normal((4, 3))
    target = np.array([2, 0, 1, 2])
    w = np.array([0.2, 1.0, 3.0])
    expected = -(w[target] * logp[np.arange(4), target]).sum() / w[target].sum()
    assert F.nll_loss(t64(logp), target, weight=mdl.tensor(w)).item() == pytest.approx(expected, rel=1e-12)
    check(lambda a: F.nll_loss(a, target, weight=mdl.tensor(w), ignore_index=0), t64(logp))


# --------------------------------------------------------- elementwise losses
def test_regression_losses_follow_the_documented_formulas(rng):
    x, y = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    d = x - y
    huber_like = np.where(np.abs(d) < 0.6, 0.5 * d ** 2 / 0.6, np.abs(d) - 0.3)
    assert F.l1_loss(t64(x), t64(y)).item() == pytest.approx(np.abs(d).mean())
    assert F.mse_loss(t64(x), t64(y), reduction="sum").item() == pytest.approx((d ** 2).sum())
    np.testing.assert_allclose(F.smooth_l1_loss(t64(x), t64(y), reduction="none", beta=0.6).numpy(), huber_like)
    np.testing.assert_allclose(F.smooth_l1_loss(t64(x), t64(y), beta=0.0).item(), np.abs(d).mean())
    np.testing.assert_allclose(F.huber_loss(t64(x), t64(y), reduction="none", delta=0.6).numpy(), 0.6 * huber_like)
    for fn in (F.l1_loss, F.mse_loss, lambda a, b: F.smooth_l1_loss(a, b, beta=0.5),
               lambda a, b: F.huber_loss(a, b, delta=0.5)):
        check(fn, t64(x), t64(y))


def test_binary_cross_entropy_and_with_logits(rng):
    z, tgt = rng.standard_normal((4, 3)) * 3, rng.random((4, 3))
    w, pw = rng.random(3) + 0.5, rng.random(3) * 3
    p = 1 / (1 + np.exp(-z))
    bce = -(tgt * np.log(p) + (1 - tgt) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy(t64(p), t64(tgt), reduction="none").numpy(), bce, rtol=1e-10)
    with_pw = -w * (pw * tgt * np.log(p) + (1 - tgt) * np.log(1 - p))
    got = F.binary_cross_entropy_with_logits(t64(z), t64(tgt), mdl.tensor(w), reduction="none",
                                             pos_weight=mdl.tensor(pw))
    np.testing.assert_allclose(got.numpy(), with_pw, rtol=1e-10)
    check(lambda a, b: F.binary_cross_entropy(a, b, mdl.tensor(w)), t64(p), t64(tgt))
    check(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=mdl.tensor(pw)), t64(z), t64(tgt))


def test_binary_cross_entropy_edges_as_pytorch():
    # log is clamped at -100, so saturated probabilities give finite losses and gradients
    x = mdl.tensor([0.0, 1.0, 1.0], requires_grad=True)
    loss = F.binary_cross_entropy(x, mdl.tensor([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [100.0, 100.0, 0.0])
    loss.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(mdl.tensor([1.5]), mdl.tensor([1.0]))
    # d/dz of the logits form at z = 0 is sigmoid(0) - t
    z = mdl.tensor([0.0, 0.0], requires_grad=True)
    F.binary_cross_entropy_with_logits(z, mdl.tensor([1.0, 0.0]), reduction="sum").backward()
    np.testing.assert_allclose(z.grad.numpy(), [-0.5, 0.5])
    big = F.binary_cross_entropy_with_logits(mdl.tensor([1000.0, -1000.0]), mdl.tensor([0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(big.numpy(), [1000.0, 1000.0])


# ------------------------------------------------------------------ pooling
def _adaptive_bins(size, out):
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def test_adaptive_max_pool2d_values_indices_and_gradient(rng):
    x = rng.standard_normal((2, 3, 7, 5))
    out, idx = F.adaptive_max_pool2d(t64(x, grad=False), (3, 2), return_indices=True)
    for i, (h0, h1) in enumerate(_adaptive_bins(7, 3)):
        for j, (w0, w1) in enumerate(_adaptive_bins(5, 2)):
            win = x[:, :, h0:h1, w0:w1]
            np.testing.assert_array_equal(out.numpy()[:, :, i, j], win.max(axis=(2, 3)))
            flat = win.reshape(2, 3, -1).argmax(-1)
            np.testing.assert_array_equal(idx.numpy()[:, :, i, j], (h0 + flat // (w1 - w0)) * 5 + w0 + flat % (w1 - w0))
    assert idx.dtype == np.int64
    assert F.adaptive_max_pool2d(t64(x[0], grad=False), (None, 2)).shape == (3, 7, 2)
    check(lambda a: F.adaptive_max_pool2d(a, (3, 2)), t64(x))


def test_max_pool2d_dilation_and_return_indices(rng):
    x = rng.standard_normal((1, 2, 7, 6))
    out, idx = F.max_pool2d(t64(x, grad=False), 2, stride=2, padding=1, dilation=2, return_indices=True)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    oh, ow = (7 + 2 - 2 - 1) // 2 + 1, (6 + 2 - 2 - 1) // 2 + 1
    expected = np.full((1, 2, oh, ow), -np.inf)
    for i in range(oh):
        for j in range(ow):
            expected[:, :, i, j] = xp[:, :, 2 * i:2 * i + 3:2, 2 * j:2 * j + 3:2].max(axis=(2, 3))
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(1, 2, -1), idx.numpy().reshape(1, 2, -1), -1)
                                  .reshape(out.shape), expected)
    check(lambda a: F.max_pool2d(a, 3, 1, 1, 2), t64(x))
    values, indices = F.max_pool2d(t64(x, grad=False), 2, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), F.max_pool2d(t64(x, grad=False), 2).numpy())
    assert indices.shape == values.shape


def test_avg_pool2d_divisor_override(rng):
    x = rng.standard_normal((1, 1, 4, 4))
    got = F.avg_pool2d(t64(x, grad=False), 2, divisor_override=3).numpy()
    np.testing.assert_allclose(got, x.reshape(1, 1, 2, 2, 2, 2).sum(axis=(3, 5)) / 3)
    check(lambda a: F.avg_pool2d(a, 3, 2, 1, ceil_mode=True, divisor_override=2),
          t64(rng.standard_normal((1, 2, 6, 5))))


# ---------------------------------------------------- dropout2d and conv same
def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    mdl.manual_seed(0)
    y = F.dropout2d(mdl.ones(300, 20, 3, 3), p=0.25).numpy()
    per_channel = y.reshape(300, 20, -1)
    assert (per_channel == per_channel[:, :, :1]).all()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((per_channel[:, :, 0] == 0).mean() - 0.25) < 0.02
    assert F.dropout2d(mdl.ones(2, 3, 4, 4), 0.5, training=False).tolist() == mdl.ones(2, 3, 4, 4).tolist()
    x = t64(np.ones((4, 3, 2, 2)))
    mdl.manual_seed(1)
    F.dropout2d(x, 0.5).sum().backward()
    mdl.manual_seed(1)
    np.testing.assert_allclose(x.grad.numpy(), F.dropout2d(mdl.ones(4, 3, 2, 2, dtype=mdl.float64), 0.5).numpy())


@pytest.mark.parametrize("kernel,dilation", [((2, 4), 1), ((3, 3), 2), ((2, 3), (3, 1))])
def test_conv2d_same_pads_the_extra_on_the_bottom_right(rng, kernel, dilation):
    x, w = rng.standard_normal((1, 2, 6, 7)), rng.standard_normal((3, 2) + kernel)
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    total = [di * (k - 1) for di, k in zip(d, kernel)]
    padded = np.pad(x, ((0, 0), (0, 0), (total[0] // 2, total[0] - total[0] // 2),
                        (total[1] // 2, total[1] - total[1] // 2)))
    expected = F.conv2d(t64(padded, grad=False), t64(w, grad=False), dilation=dilation).numpy()
    got = F.conv2d(t64(x, grad=False), t64(w, grad=False), padding="same", dilation=dilation)
    assert got.shape == (1, 3, 6, 7)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    check(lambda a, b: F.conv2d(a, b, padding="same", dilation=dilation), t64(x), t64(w))
    assert F.conv2d(t64(x, grad=False), t64(w, grad=False), padding="valid").shape[2:] == (6 - kernel[0] + 1,
                                                                                          7 - kernel[1] + 1)
    with pytest.raises(ValueError, match="strided"):
        F.conv2d(t64(x, grad=False), t64(w, grad=False), stride=2, padding="same")
