"""Channels-last (NHWC) memory: the kernels and ops keep the layout and give the NCHW results.

``minidl.config.channels_last`` makes the im2col convolution return an (N, C, H,
W) view of NHWC memory. Every consumer must be right for such arrays (and for
C-contiguous ones): the kernels are checked against ``tests/kernel_references.py``
on odd sizes, the conv op in float64 against the NCHW path and with
``gradcheck``/``gradgradcheck``, and a short training run for the same loss
trajectory with the layout on and off.
"""
import kernel_references as naive
import numpy as np
import pytest
from test_kernels import CONV_CASES, DTYPES, POOL_CASES, rand, tol

import minidl as mdl
import minidl.kernels as K
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck
from minidl.kernels import is_channels_last, to_channels_last

IMPLS = ["numpy", "numba"]


@pytest.fixture(params=IMPLS)
def impl(request):
    with mdl.using_config(cpu_kernels=request.param):
        yield request.param


def nhwc(a):
    """``a`` (N, C, H, W) as a channels-last view (C > 1 and H*W > 1 so that the layout is unambiguous)."""
    out = to_channels_last(a)
    assert is_channels_last(out)
    return out


def test_layout_helpers():
    x = rand((2, 3, 4, 5), np.float32)
    assert not is_channels_last(x) and is_channels_last(nhwc(x))
    np.testing.assert_array_equal(nhwc(x), x)
    # C == 1 or H*W == 1: both layouts are one memory order; counted as NCHW
    assert not is_channels_last(to_channels_last(rand((2, 1, 4, 5), np.float32)))
    assert not is_channels_last(to_channels_last(rand((2, 3, 1, 1), np.float32)))
    e = K.empty_in_layout((2, 3, 4, 5), True, x)
    assert e.shape == (2, 3, 4, 5) and is_channels_last(e) and e.dtype == np.float32


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_im2col_col2im_channels_last(impl, case, dtype):
    shape, k, s, p, d = case
    x = rand(shape, dtype)
    want = naive.im2col(x, k, s, p, d)
    src = to_channels_last(x)
    np.testing.assert_array_equal(K.im2col(src, k, s, p, d), want)
    cols = rand(want.shape, dtype, seed=1)
    dx = K.col2im(cols, shape, k, s, p, d, channels_last=True)
    assert dx.shape == shape and dx.dtype == dtype
    assert is_channels_last(dx) or shape[1] == 1 or shape[2] * shape[3] == 1
    np.testing.assert_allclose(dx, naive.col2im(cols, shape, k, s, p, d), **tol(dtype))


def test_im2col_any_strides(impl):
    # neither NCHW nor NHWC (a slice of a bigger array): copied, still right
    big = rand((3, 6, 9, 11), np.float64)
    x = big[:, ::2, 1:8, :]
    np.testing.assert_array_equal(K.im2col(x, (3, 2), (1, 2), (1, 0), (1, 1)),
                                  naive.im2col(np.ascontiguousarray(x), (3, 2), (1, 2), (1, 0), (1, 1)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_maxpool_channels_last(impl, case, dtype):
    shape, k, s, p = case
    x = rand(shape, dtype)
    x.reshape(-1)[::7] = x.reshape(-1)[3]        # ties: the first maximum must win
    x[0, 0, 0, 0] = np.nan                       # a NaN is the maximum
    want, want_arg = naive.maxpool2d_forward(x, k, s, p, False)
    out, arg = K.maxpool2d_forward(nhwc(x), k, s, p, False)
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(arg, want_arg)
    if impl == "numba" and want.shape[1] > 1 and want.shape[2] * want.shape[3] > 1:
        assert is_channels_last(out) and is_channels_last(arg)
    dy = rand(want.shape, dtype, seed=1)
    dx_want = naive.maxpool2d_backward(dy, want_arg, shape)
    for grad in (dy, to_channels_last(dy)):                   # dy in either layout
        dx = K.maxpool2d_backward(grad, arg, shape)
        np.testing.assert_allclose(dx, dx_want, **tol(dtype))
    if impl == "numba":
        assert is_channels_last(dx)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5, 7, 9), (2, 3, 40, 33), (1, 7, 3, 2)], ids=str)
def test_channel_stats_channels_last(impl, shape, dtype):
    a, b = rand(shape, dtype) + 3, rand(shape, dtype, seed=1)
    c = shape[1]
    alpha, beta, gamma = (rand((c,), dtype, seed=s) for s in (2, 3, 4))
    rtol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    for got, want in zip(K.channel_mean_var(nhwc(a)), naive.channel_mean_var(a)):
        np.testing.assert_allclose(got, want, **rtol)
    for left, right in ((nhwc(a), nhwc(b)), (nhwc(a), b), (a, nhwc(b))):      # either or both NHWC
        for got, want in zip(K.channel_sum_dot(left, right), naive.channel_sum_dot(a, b)):
            np.testing.assert_allclose(got, want, **rtol)
        out = K.channel_combine(left, right, alpha, beta, gamma)
        assert is_channels_last(out)
        np.testing.assert_allclose(out, naive.channel_combine(a, b, alpha, beta, gamma), **rtol)
    out = K.channel_affine(nhwc(a), alpha, beta)
    assert is_channels_last(out)
    np.testing.assert_allclose(out, naive.channel_affine(a, alpha, beta), **rtol)
    buf = nhwc(np.zeros(shape, dtype))                  # out= in the same layout
    assert K.channel_affine(nhwc(a), alpha, beta, out=buf) is buf
    np.testing.assert_allclose(buf, naive.channel_affine(a, alpha, beta), **rtol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5, 7, 9), (2, 3, 40, 33), (1, 7, 3, 2), (5, 11, 31, 29)], ids=str)
def test_channel_sum_every_layout(impl, shape, dtype):
    # the bias gradient of a convolution: float64 sums in every layout, so float32 results
    # match the float64 reference to float32 rounding (the NumPy per-row sum of a strided
    # channels-last axis lost an order of magnitude here)
    a = rand(shape, dtype)
    want = a.astype(np.float64).sum(axis=(0, 2, 3))
    scale = np.abs(a).astype(np.float64).sum(axis=(0, 2, 3))
    bound = 2 ** -23 if dtype == np.float32 else 1e-14
    for x in (a, nhwc(a), a[:, :, ::-1, :]):
        got = K.channel_sum(x)
        assert got.dtype == dtype and got.shape == (shape[1],)
        assert np.all(np.abs(got - want) <= bound * scale), (x.strides, np.max(np.abs(got - want) / scale))
    flat = a.reshape(shape[0], -1)[:, :shape[1]]                       # (N, C) input
    np.testing.assert_allclose(K.channel_sum(flat), flat.astype(np.float64).sum(axis=0), rtol=1e-6)


def test_channel_sum_independent_of_thread_count():
    import numba
    a = nhwc(rand((6, 9, 37, 41), np.float32))                           # 9,102 rows: several blocks
    saved = numba.get_num_threads()
    try:
        sums = []
        for threads in sorted({1, saved}):
            numba.set_num_threads(threads)
            sums.append(K.channel_sum(a))
    finally:
        numba.set_num_threads(saved)
    assert all(np.array_equal(s, sums[0]) for s in sums)


def test_channel_sum_bad_input():
    with pytest.raises(ValueError, match=r"channel_sum: expected a \(N, C\) or \(N, C, H, W\) array, "
                                         r"got shape \(3, 4, 5\)"):
        K.channel_sum(np.zeros((3, 4, 5), np.float32))


# --- the conv op -----------------------------------------------------------------

# (x shape, weight shape, stride, padding, dilation, groups)
CONV_OPS = [
    ((3, 4, 9, 7), (5, 4, 3, 3), 1, 1, 1, 1),
    ((2, 6, 11, 8), (4, 3, 3, 2), (2, 1), (1, 0), (1, 2), 2),
    ((3, 3, 8, 9), (6, 1, 2, 3), 2, (0, 1), 1, 3),
    ((1, 5, 6, 6), (3, 5, 1, 1), 2, 0, 1, 1),
]


def _conv_chain(x, w1, b1, w2, stride, padding, dilation, groups):
    """conv -> relu -> max pool -> batch norm -> conv: the second conv reads the first's layout."""
    y = F.conv2d(x, w1, b1, stride=stride, padding=padding, dilation=dilation, groups=groups)
    h = F.relu(y)
    if min(h.shape[2:]) >= 2:
        h = F.max_pool2d(h, 2, 1)
    h = F.batch_norm(h, None, None, training=True)
    return y, F.conv2d(h, w2, None, padding=1)


@pytest.mark.parametrize("budget", [4.0, 1e-4], ids=["whole", "chunked"])
@pytest.mark.parametrize("case", CONV_OPS, ids=str)
def test_conv_chain_matches_nchw(case, budget):
    xs, ws, stride, padding, dilation, groups = case
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0]),
              rng.standard_normal((3, ws[0], 3, 3))]
    results = {}
    for layout in (False, True):
        with mdl.using_config(channels_last=layout, conv_algorithm="im2col", im2col_budget_mb=budget):
            ts = [mdl.tensor(a, requires_grad=True) for a in arrays]
            y, z = _conv_chain(*ts, stride, padding, dilation, groups)
            (z * z).sum().backward()
            results[layout] = [y.numpy(), z.numpy()] + [t.grad.numpy() for t in ts]
            grads = [t.grad.array for t in ts]
            if layout and ws[0] > 1:
                assert is_channels_last(y.array)
                assert is_channels_last(grads[0]) is False        # dx keeps x's NCHW layout
    for a, b in zip(results[False], results[True]):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10)


def test_conv_output_is_pytorch_visible_nchw():
    # shape, indexing, view/flatten, numpy(), contiguous() and saving see NCHW
    rng = np.random.default_rng(1)
    x = mdl.tensor(rng.standard_normal((2, 3, 6, 5)).astype(np.float32))
    w = mdl.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
    with mdl.using_config(channels_last=False, conv_algorithm="im2col"):
        want = F.conv2d(x, w, padding=1).numpy()
    with mdl.using_config(channels_last=True, conv_algorithm="im2col"):
        y = F.conv2d(x, w, padding=1)
    assert tuple(y.shape) == (2, 4, 6, 5) and is_channels_last(y.array)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y[1, 2].numpy(), want[1, 2], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y.view(y.size(0), -1).numpy(), want.reshape(2, -1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y.flatten(1).numpy(), want.reshape(2, -1), rtol=1e-5, atol=1e-5)
    assert not y.is_contiguous() and y.contiguous().is_contiguous()
    np.testing.assert_allclose(y.contiguous().numpy(), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(y.tolist()), want, rtol=1e-5, atol=1e-5)


def test_conv_output_saves_and_loads(tmp_path):
    rng = np.random.default_rng(2)
    with mdl.using_config(channels_last=True, conv_algorithm="im2col"):
        y = F.conv2d(mdl.tensor(rng.standard_normal((2, 3, 5, 5))), mdl.tensor(rng.standard_normal((4, 3, 3, 3))))
    assert is_channels_last(y.array)
    mdl.save({"y": y}, tmp_path / "y.pt")
    back = mdl.load(tmp_path / "y.pt")["y"]
    np.testing.assert_array_equal(back.numpy(), y.numpy())


@pytest.mark.parametrize("case", CONV_OPS[:3], ids=str)
def test_conv_gradcheck_channels_last(case):
    xs, ws, stride, padding, dilation, groups = case
    rng = np.random.default_rng(3)
    xs = (2,) + xs[1:]
    ins = [mdl.tensor(rng.standard_normal(s), requires_grad=True) for s in (xs, ws, (ws[0],), (2, ws[0], 2, 2))]

    def fn(x, w, b, w2):
        y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
        return F.conv2d(F.tanh(y), w2)              # the second conv reads NHWC

    with mdl.using_config(channels_last=True, conv_algorithm="im2col"):
        assert gradcheck(fn, ins)
        assert gradgradcheck(fn, ins)


def test_training_trajectory_same_with_and_without():
    # the same net and data, trained with the layout on and off: the same losses to float32 rounding
    def run(layout):
        mdl.manual_seed(0)
        with mdl.using_config(channels_last=layout):
            model = nn.Sequential(nn.Conv2d(3, 24, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.BatchNorm2d(24), nn.Conv2d(24, 32, 3, stride=2, padding=1), nn.ReLU(),
                                  nn.Conv2d(32, 32, 1), nn.BatchNorm2d(32), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 5))
            opt = mdl.optim.Adam(model.parameters(), lr=1e-2)
            rng = np.random.default_rng(0)
            x = mdl.tensor(rng.standard_normal((8, 3, 16, 16)).astype(np.float32))
            y = mdl.tensor(rng.integers(0, 5, 8))
            losses = []
            for _ in range(8):
                opt.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
                losses.append(loss.item())
        return np.array(losses)

    off, on = run(False), run(True)
    assert off[-1] < off[0]
    np.testing.assert_allclose(on, off, rtol=2e-4)


@pytest.mark.parametrize("algorithm", ["direct", "im2col"])
def test_other_consumers_of_channels_last_input(algorithm):
    # a direct-path conv, average pooling and adaptive pooling fed NHWC memory: NCHW's values and gradients
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5, 9, 8))
    w = rng.standard_normal((4, 5, 3, 3))

    def run(src):
        xt, wt = mdl.tensor(src, requires_grad=True), mdl.tensor(w, requires_grad=True)
        with mdl.using_config(conv_algorithm=algorithm):
            y = F.conv2d(xt, wt, padding=1)
        z = F.avg_pool2d(F.relu(y), 3, 2, 1) + F.adaptive_avg_pool2d(y, (5, 4))
        (z * z).sum().backward()
        return z.numpy(), xt.grad.numpy(), wt.grad.numpy()

    for got, want in zip(run(nhwc(x)), run(x)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_dropout_keeps_channels_last_and_the_seeds_mask():
    # dropout after a channels-last conv output: same values, mask and gradient as on NCHW memory
    # for the same seed, and the output stays channels-last, so the next conv reads it in place
    x = rand((3, 6, 7, 5), np.float64)

    def run(src):
        xt = mdl.tensor(src, requires_grad=True)
        mdl.manual_seed(11)
        y = F.dropout(xt, 0.4)
        (y * y).sum().backward()
        return y, xt.grad

    y_cl, g_cl = run(nhwc(x))
    y, g = run(x)
    assert is_channels_last(y_cl.array) and is_channels_last(g_cl.array)
    np.testing.assert_array_equal(y_cl.numpy(), y.numpy())
    np.testing.assert_array_equal(g_cl.numpy(), g.numpy())
    dropped = y.numpy() == 0
    assert 0 < dropped.mean() < 1
    np.testing.assert_allclose(y.numpy()[~dropped], x[~dropped] / 0.6, rtol=1e-12)
