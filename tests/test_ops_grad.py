"""Float64 finite-difference gradient checks for every differentiable op, on CPU (and GPU when present)."""
import itertools

import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F

DEVICES = ["cpu", pytest.param("gpu", marks=pytest.mark.gpu)]


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param


def t(rng, *shape, device="cpu", positive=False):
    a = rng.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return mdl.tensor(a, dtype=mdl.float64, requires_grad=True, device=device)


def check(fn, *inputs):
    assert mdl.gradcheck(fn, inputs)


BINARY_SHAPES = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((2, 1, 3), (4, 1))]


@pytest.mark.parametrize("shapes", BINARY_SHAPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_binary_ops(rng, device, op, shapes):
    a = t(rng, *shapes[0], device=device, positive=op in ("pow", "div"))
    b = t(rng, *shapes[1], device=device, positive=op in ("pow", "div"))
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / y, "pow": lambda x, y: x ** y,
          "maximum": mdl.maximum, "minimum": mdl.minimum}[op]
    check(fn, a, b)


def test_scalar_operands(rng, device):
    a = t(rng, 3, 4, device=device, positive=True)
    check(lambda x: 2.0 - x * 3.0 + 1.0 / x - x / 4.0 + x ** 2.5 + 2.0 ** x, a)
    check(lambda x: -x, a)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "leaky_relu", "clip"])
def test_unary_ops(rng, device, name):
    a = t(rng, 3, 5, device=device, positive=name in ("log", "sqrt"))
    fn = {"exp": mdl.exp, "log": mdl.log, "sqrt": mdl.sqrt, "abs": mdl.abs, "relu": F.relu,
          "sigmoid": F.sigmoid, "tanh": F.tanh, "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
          "clip": lambda x: x.clip(-0.5, 0.6)}[name]
    check(fn, a)


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                                    ((2, 3, 4), (4, 2)), ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul(rng, device, shapes):
    check(lambda x, y: x @ y, t(rng, *shapes[0], device=device), t(rng, *shapes[1], device=device))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False), (-1, True)])
@pytest.mark.parametrize("reduce", ["sum", "mean", "amax"])
def test_reductions(rng, device, reduce, axis, keepdims):
    a = t(rng, 3, 4, 5, device=device)
    if reduce == "amax":
        check(lambda x: x.amax(() if axis is None else axis, keepdims), a)
    else:
        check(lambda x: getattr(x, reduce)(axis=axis, keepdims=keepdims), a)


def test_shape_ops(rng, device):
    a = t(rng, 2, 3, 4, device=device)
    check(lambda x: x.reshape(4, 6), a)
    check(lambda x: x.reshape(-1), a)
    check(lambda x: x.permute(2, 0, 1), a)
    check(lambda x: x.transpose(0, 2), a)
    check(lambda x: x.T, a)
    check(lambda x: x.flatten(1), a)
    check(lambda x: F.flatten(x), a)
    check(lambda x: x[1, :, ::2], a)
    check(lambda x: x[..., 1:3], a)
    check(lambda x: x[np.array([0, 1, 1, 0])], a)        # repeated integer indices accumulate
    check(lambda x: x[:, [2, 0, 2]], a)
    check(lambda x: F.pad(x, (1, 2, 0, 1)), a)
    b = t(rng, 2, 1, 4, device=device)
    check(lambda x, y: mdl.concat([x, y, x], axis=1), a, b)
    c = t(rng, 2, 3, 4, device=device)
    check(lambda x, y: mdl.stack([x, y], axis=2), a, c)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_family(rng, device, axis):
    a = t(rng, 3, 4, device=device)
    check(lambda x: F.softmax(x, axis), a)
    check(lambda x: F.log_softmax(x, axis), a)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy(rng, device, reduction, smoothing):
    a = t(rng, 5, 4, device=device)
    target = np.array([0, 3, 1, 1, 2])
    check(lambda x: F.cross_entropy(x, target, reduction=reduction, label_smoothing=smoothing), a)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_and_mse(rng, device, reduction):
    a = t(rng, 5, 4, device=device)
    check(lambda x: F.nll_loss(F.log_softmax(x, 1), np.array([0, 3, 1, 1, 2]), reduction=reduction), a)
    b = t(rng, 5, 4, device=device)
    check(lambda x, y: F.mse_loss(x, y, reduction=reduction), a, b)


def test_linear(rng, device):
    check(F.linear, t(rng, 4, 3, device=device), t(rng, 5, 3, device=device), t(rng, 5, device=device))
    check(lambda x, w: F.linear(x, w), t(rng, 2, 4, 3, device=device), t(rng, 5, 3, device=device))


CONV_CASES = [
    # (N, C, H, W), (O, kh, kw), stride, padding, dilation, groups
    ((2, 3, 7, 6), (4, 3, 3), 1, 0, 1, 1),
    ((2, 3, 7, 6), (4, 3, 3), 2, 1, 1, 1),
    ((1, 2, 8, 7), (3, 2, 1), 1, 0, 1, 1),
    ((1, 2, 7, 8), (3, 1, 2), (2, 1), (0, 1), 1, 1),
    ((1, 2, 9, 9), (2, 5, 5), 1, 2, 1, 1),
    ((1, 1, 11, 10), (2, 7, 7), 3, 3, 1, 1),
    ((2, 2, 9, 8), (2, 3, 3), 1, 2, 2, 1),
    ((1, 3, 9, 7), (3, 3, 2), (1, 2), (2, 1), (2, 1), 1),
    ((2, 4, 6, 5), (6, 3, 3), 1, 1, 1, 2),
    ((1, 4, 7, 7), (4, 3, 3), 2, 1, 1, 4),   # depthwise
    ((1, 6, 5, 5), (3, 1, 1), 1, 0, 1, 3),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
def test_conv2d(rng, device, case):
    xs, (o, kh, kw), stride, padding, dilation, groups = case
    x = t(rng, *xs, device=device)
    w = t(rng, o, xs[1] // groups, kh, kw, device=device)
    b = t(rng, o, device=device)
    check(lambda a, ww, bb: F.conv2d(a, ww, bb, stride, padding, dilation, groups), x, w, b)


DIRECT_CONV_CASES = [c for c in CONV_CASES if c[2] == 1]


@pytest.mark.parametrize("case", DIRECT_CONV_CASES, ids=[str(i) for i in range(len(DIRECT_CONV_CASES))])
def test_conv2d_direct_algorithm(rng, device, case):
    """The direct stride-1 path: finite-difference gradients, and the same values as im2col."""
    xs, (o, kh, kw), stride, padding, dilation, groups = case
    x = t(rng, *xs, device=device)
    w = t(rng, o, xs[1] // groups, kh, kw, device=device)
    b = t(rng, o, device=device)

    def run():
        for p in (x, w, b):
            p.grad = None
        y = F.conv2d(x, w, b, stride, padding, dilation, groups)
        (y * y).sum().backward()
        return [v.numpy() for v in (y, x.grad, w.grad, b.grad)]
    with mdl.using_config(conv_algorithm="im2col"):
        by_im2col = run()
    with mdl.using_config(conv_algorithm="direct"):
        by_direct = run()
    for a, c in zip(by_im2col, by_direct):
        np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-10)
    check(lambda a, ww, bb: F.conv2d(a, ww, bb, stride, padding, dilation, groups), x, w, b)


@pytest.mark.parametrize("fused", [True, False], ids=["fused-bias", "separate-bias"])
@pytest.mark.parametrize("case", DIRECT_CONV_CASES[:4], ids=[str(i) for i in range(4)])
def test_conv2d_direct_bias_fusion_gradcheck(rng, case, fused):
    """float64 finite differences through the direct kernels, bias fused into them (config.fuse_conv_bias) or not."""
    xs, (o, kh, kw), stride, padding, dilation, groups = case
    x, w, b = t(rng, *xs), t(rng, o, xs[1] // groups, kh, kw), t(rng, o)
    with mdl.using_config(conv_algorithm="direct", fuse_conv_bias=fused):
        check(lambda a, ww, bb: F.conv2d(a, ww, bb, stride, padding, dilation, groups), x, w, b)


def test_conv2d_algorithm_setting_is_checked():
    with pytest.raises(ValueError, match="conv_algorithm.*'auto', 'im2col', 'direct', 'winograd'.*'fft'"):
        with mdl.using_config(conv_algorithm="fft"):
            pass
    assert mdl.config.conv_algorithm in ("auto", "im2col", "direct", "winograd")


POOL_CASES = [c for c in itertools.product([(2, 2), (3, 3), (2, 1), (3, 2)], [None, 1, 2], [0, 1], [False, True])
              if c[2] <= min(c[0]) // 2]  # PyTorch allows padding up to half the kernel


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode", POOL_CASES)
def test_max_pool2d(rng, device, kernel, stride, padding, ceil_mode):
    x = t(rng, 2, 2, 7, 6, device=device)
    check(lambda a: F.max_pool2d(a, kernel, stride, padding, ceil_mode=ceil_mode), x)


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d(rng, device, kernel, stride, padding, ceil_mode, count_include_pad):
    x = t(rng, 2, 2, 7, 6, device=device)
    check(lambda a: F.avg_pool2d(a, kernel, stride, padding, ceil_mode, count_include_pad), x)


@pytest.mark.parametrize("output_size", [1, 2, (3, 2), (7, 5), (7, 1)])
def test_adaptive_avg_pool2d(rng, device, output_size):
    check(lambda a: F.adaptive_avg_pool2d(a, output_size), t(rng, 2, 3, 7, 5, device=device))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5, 4), (3, 2, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(rng, device, shape, training):
    x = t(rng, *shape, device=device)
    w, b = t(rng, shape[1], device=device), t(rng, shape[1], device=device)
    rm = mdl.tensor(rng.standard_normal(shape[1]), device=device)
    rv = mdl.tensor(np.abs(rng.standard_normal(shape[1])) + 0.5, device=device)
    # running stats are updated in place during training; snapshot so each call sees the same state
    rm0, rv0 = rm.numpy().copy(), rv.numpy().copy()

    def fn(a, ww, bb):
        rm.data[...] = rm.xp.asarray(rm0)
        rv.data[...] = rv.xp.asarray(rv0)
        return F.batch_norm(a, rm, rv, ww, bb, training=training)
    check(fn, x, w, b)
    check(lambda a: F.batch_norm(a, None, None, training=True), x)


def test_dropout_gradient_uses_the_same_mask(rng, device):
    x = t(rng, 4, 6, device=device)

    def fn(a):
        mdl.manual_seed(7)
        return F.dropout(a, 0.4, training=True)
    check(fn, x)


@pytest.mark.parametrize("groups", [1, 2])
def test_conv2d_chunked_over_the_batch_matches_unchunked(rng, groups):
    """A tiny im2col budget forces one image per chunk; values and gradients must not change."""
    x = t(rng, 5, 4, 7, 6)
    w = t(rng, 6, 4 // groups, 3, 2)
    b = t(rng, 6)

    def run():
        for p in (x, w, b):
            p.grad = None
        y = F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=groups)
        (y * mdl.tensor(np.arange(y.numel(), dtype=np.float64).reshape(y.shape))).sum().backward()
        return y.numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()
    full = run()
    with mdl.using_config(im2col_budget_mb=1e-6):      # one image per chunk
        chunked = run()
    for a, c in zip(full, chunked):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)
    check(lambda a, ww, bb: F.conv2d(a, ww, bb, 1, 1, 1, groups), x, w, b)


@pytest.mark.parametrize("device", DEVICES)
def test_im2col_budget_follows_the_array_device(device):
    """CPU arrays are chunked by im2col_budget_mb (cache-sized), device arrays by gpu_im2col_budget_mb."""
    from minidl.ops.conv import _im2col_budget_bytes
    x = mdl.zeros(2, 3, 4, 4, device=device).array
    with mdl.using_config(im2col_budget_mb=2, gpu_im2col_budget_mb=8):
        assert _im2col_budget_bytes(x) == (2 if device == "cpu" else 8) * 2 ** 20
