"""Winograd F(2x2, 3x3) on channels-last memory (``kernels/winograd_nhwc.py``).

Channels-last x gives channels-last y and dx (no transposing copy), dy is read in either layout. Checked:
each Numba transform against its NumPy reference on random odd sizes; the whole convolution against the
direct loops of ``tests/kernel_references.py`` in every combination of x and dy layouts (float64, tight);
the float32 error bound; gradcheck through ``F.conv2d`` on channels-last input; a conv chain keeps the
layout through its Winograd layers.
"""
import kernel_references as ref
import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl import kernels
from minidl.kernels import is_channels_last, to_channels_last, winograd, winograd_nhwc

# (N, C, O, H, W, padding): odd sizes, odd and even planes, paddings 0..3
CASES = [(3, 5, 7, 9, 11, (1, 1)), (1, 3, 5, 7, 7, (0, 0)), (3, 7, 3, 6, 5, (2, 2)), (2, 3, 3, 5, 8, (0, 2)),
         (1, 2, 3, 3, 3, (3, 1)), (5, 4, 2, 4, 9, (1, 0))]


def _tiles(h, w, padding):
    return (h + 2 * padding[0] - 1) // 2, (w + 2 * padding[1] - 1) // 2


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_numba_transforms_match_the_numpy_references(rng, case):
    n, c, o, h, w, (ph, pw) = case
    th, tw = _tiles(h, w, (ph, pw))
    oh, ow = h + 2 * ph - 2, w + 2 * pw - 2
    t = n * th * tw
    numba_tf, numpy_tf = winograd_nhwc.TRANSFORMS["numba"], winograd_nhwc.TRANSFORMS["numpy"]
    x = rng.standard_normal((n, h, w, c))
    m = rng.standard_normal((16, t, o))
    bias = rng.standard_normal(o)
    dy = rng.standard_normal((n, oh, ow, o))
    dv = rng.standard_normal((16, t, c))
    outs = []
    for tf in (numba_tf, numpy_tf):
        v, y, dm, dx = np.full((16, t, c), np.nan), np.full((n, oh, ow, o), np.nan), \
            np.full((16, t, o), np.nan), np.full((n, h, w, c), np.nan)
        tf[0](x, ph, pw, th, tw, v)
        tf[1](m, y, bias, th, tw)
        tf[2](dy, th, tw, dm)
        tf[3](dv, dx, ph, pw, th, tw)
        outs.append((v, y, dm, dx))
    for name, got, want in zip(("input", "output", "grad_output", "grad_input"), *outs):
        assert np.isfinite(got).all(), name
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13, err_msg=name)
    # strided (N, H, W, C) views, as the kernels get from NCHW memory, give the same
    v2 = np.empty((16, t, c))
    numba_tf[0](np.ascontiguousarray(x.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1), ph, pw, th, tw, v2)
    np.testing.assert_array_equal(v2, outs[0][0])


@pytest.mark.parametrize("impl", ["numba", "numpy"])
@pytest.mark.parametrize("budget", [1, 4 * 2 ** 20], ids=["one-image-chunks", "one-chunk"])
@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_channels_last_conv_matches_the_direct_loops(rng, case, impl, budget):
    n, c, o, h, w, padding = case
    x, wt, b = rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c, 3, 3)), rng.standard_normal(o)
    xcl = to_channels_last(x)
    with mdl.using_config(cpu_kernels=impl):
        y = kernels.conv2d_winograd_forward(xcl, wt, padding, bias=b, budget_bytes=budget)
        dy = rng.standard_normal(y.shape)
        rdx, rdw = ref.conv2d_backward(dy, x, wt, padding)
        for dy_in in (dy, to_channels_last(dy)):
            for x_in in (xcl, x):
                dx, dw = kernels.conv2d_winograd_backward(dy_in, x_in, wt, padding, budget_bytes=budget)
                assert is_channels_last(dx) == is_channels_last(x_in) or c == 1
                np.testing.assert_allclose(dx, rdx, rtol=1e-12, atol=1e-12)
                np.testing.assert_allclose(dw, rdw, rtol=1e-12, atol=1e-12)
    assert is_channels_last(y) or o == 1
    np.testing.assert_allclose(y, ref.conv2d_forward(x, wt, padding) + b.reshape(1, -1, 1, 1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 5, 7, 9, 11), (2, 64, 33, 13, 9)])
def test_channels_last_float32_error_within_the_bound(rng, shape):
    n, c, o, h, w = shape
    x, wt, dy = rng.random((n, c, h, w)), rng.random((o, c, 3, 3)), rng.random((n, o, h, w))
    x, dy = to_channels_last(x), to_channels_last(dy)
    y64 = kernels.conv2d_winograd_forward(x, wt, (1, 1))
    dx64, dw64 = kernels.conv2d_winograd_backward(dy, x, wt, (1, 1))
    x32, w32, dy32 = (a.astype(np.float32) for a in (x, wt, dy))      # astype keeps the layout
    y32 = kernels.conv2d_winograd_forward(x32, w32, (1, 1))
    dx32, dw32 = kernels.conv2d_winograd_backward(dy32, x32, w32, (1, 1))
    assert is_channels_last(y32) and is_channels_last(dx32) and y32.dtype == np.float32
    mx, mw, mg = (float(np.abs(a).max()) for a in (x, wt, dy))
    errors = (float(np.abs(y32 - y64).max()) / (mx * mw * 9 * c), float(np.abs(dx32 - dx64).max()) / (mg * mw * 9 * o),
              float(np.abs(dw32 - dw64).max()) / (mg * mx * n * h * w))
    assert 0 < max(errors) < winograd.FLOAT32_ERROR_BOUND, errors


def _t(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True)


def test_gradcheck_through_winograd_on_channels_last_input(rng):
    x, w, b = _t(rng, 2, 3, 5, 4), _t(rng, 4, 3, 3, 3), _t(rng, 4)

    def conv(a, ww, bb):
        return F.conv2d(a.to(memory_format=mdl.channels_last), ww, bb, padding=1)
    with mdl.using_config(conv_algorithm="winograd"):
        y = conv(x, w, b)
        assert y.creator.algorithm == "winograd" and is_channels_last(y.array)
        assert mdl.gradcheck(conv, (x, w, b))


def test_a_conv_chain_keeps_channels_last_through_winograd(rng):
    """im2col (strided) -> ReLU -> Winograd -> batch norm -> Winograd, as in N6: the outputs stay NHWC, and
    values and gradients equal the im2col path's (dx's layout is checked on the kernels above)."""
    x = _t(rng, 2, 3, 9, 7)
    w1, w2, w3 = _t(rng, 6, 3, 3, 3), _t(rng, 6, 6, 3, 3), _t(rng, 5, 6, 3, 3)
    bn = mdl.nn.BatchNorm2d(6).double()
    results = {}
    for algorithm in ("im2col", "winograd"):
        with mdl.using_config(conv_algorithm=algorithm, channels_last=True):
            h1 = F.relu(F.conv2d(x, w1, stride=2, padding=1))
            h2 = F.conv2d(h1, w2, padding=1)
            h3 = F.conv2d(bn(h2), w3, padding=1)
            assert h2.creator.algorithm == algorithm
            seen = [is_channels_last(t.array) for t in (h1, h2, h3)]
            (h3 * h3).sum().backward()
            assert seen == [True, True, True], seen
            results[algorithm] = [t.numpy() for t in (h3, x.grad, w1.grad, w2.grad, w3.grad)]
            for t in (x, w1, w2, w3):
                t.grad = None
    for a, c in zip(results["im2col"], results["winograd"]):
        np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-10)


def test_channels_last_off_gives_nchw_output(rng):
    x = mdl.tensor(to_channels_last(rng.standard_normal((2, 4, 6, 5))))
    w = mdl.tensor(rng.standard_normal((3, 4, 3, 3)))
    with mdl.using_config(conv_algorithm="winograd", channels_last=False):
        y = F.conv2d(x, w, padding=1)
    assert y.array.flags.c_contiguous
    np.testing.assert_allclose(y.numpy(), ref.conv2d_forward(x.numpy(), w.numpy(), (1, 1)), rtol=1e-12, atol=1e-12)
