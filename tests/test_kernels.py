"""CPU kernels (vectorised NumPy reference, Numba) against direct loops.

Inputs are tiny, random (never zero) and odd-sized; every implementation is
checked, through the public dispatch functions with ``minidl.config.cpu_kernels``
set to each choice, against ``tests/kernel_references.py`` (direct loops,
obviously correct).
"""
import itertools

import kernel_references as naive
import numpy as np
import pytest

import minidl
import minidl.kernels as K
from minidl.kernels import unfold

IMPLS = ["numpy", "numba"]

# (x shape, kernel, stride, padding, dilation): every kernel size, stride 1/2/3,
# padding 0/1/2 and dilation 1/2 appear, mixed across h and w.
CONV_CASES = [
    ((2, 3, 7, 9), (1, 1), (1, 1), (0, 0), (1, 1)),
    ((2, 3, 7, 9), (1, 1), (2, 3), (1, 2), (1, 1)),
    ((2, 3, 7, 9), (2, 1), (1, 2), (0, 1), (1, 1)),
    ((3, 2, 8, 5), (1, 2), (3, 1), (2, 0), (2, 2)),
    ((2, 3, 7, 9), (3, 3), (1, 1), (1, 1), (1, 1)),
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1), (2, 2)),
    ((2, 2, 11, 9), (3, 3), (3, 2), (2, 0), (1, 2)),
    ((2, 2, 9, 11), (5, 5), (1, 1), (2, 2), (1, 1)),
    ((2, 2, 9, 11), (5, 5), (2, 3), (1, 2), (2, 1)),
    ((2, 2, 13, 11), (7, 7), (1, 2), (0, 2), (1, 1)),
    ((2, 2, 15, 13), (7, 7), (3, 3), (2, 1), (2, 2)),
    ((1, 3, 6, 6), (3, 5), (2, 1), (1, 2), (1, 1)),
    # the last windows stop short of the bottom rows and right columns
    ((1, 2, 7, 8), (2, 2), (3, 3), (0, 0), (1, 1)),
    # the only window lies in the padding: all-zero columns, no gradient
    ((1, 2, 1, 2), (1, 1), (10, 10), (3, 3), (1, 1)),
    # big enough for the Numba kernels to split rows and channels into blocks
    ((4, 8, 20, 19), (3, 3), (1, 1), (1, 1), (1, 1)),
]

# (x shape, kernel, stride, padding) for pooling; padding <= kernel // 2.
POOL_CASES = [
    ((2, 3, 7, 9), (1, 1), (1, 1), (0, 0)),
    ((2, 3, 7, 9), (2, 1), (2, 1), (1, 0)),
    ((2, 3, 7, 9), (1, 2), (1, 2), (0, 1)),
    ((2, 3, 7, 9), (2, 2), (2, 2), (0, 0)),
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1)),
    ((2, 3, 8, 7), (3, 3), (1, 3), (1, 0)),
    ((2, 2, 9, 11), (5, 5), (3, 2), (2, 1)),
    ((2, 2, 9, 11), (3, 2), (3, 3), (1, 1)),
    ((2, 2, 11, 9), (7, 7), (2, 3), (2, 3)),
    ((3, 2, 5, 6), (3, 3), (3, 3), (1, 1)),
]

DTYPES = [np.float32, np.float64]


def rand(shape, dtype, seed=0):
    """Random values bounded away from zero."""
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return v.astype(dtype)


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.fixture(params=IMPLS)
def impl(request):
    """The kernels module, with NumPy arrays going to the implementation under test."""
    with minidl.using_config(cpu_kernels=request.param):
        yield K


# --- output sizes -------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ((32, 3, 1, 1, 1), 32), ((32, 5, 1, 0, 1), 28), ((7, 3, 2, 1, 1), 4),
    ((7, 3, 2, 0, 2), 2), ((224, 7, 2, 3, 1), 112), ((5, 5, 3, 0, 1), 1),
])
def test_conv_output_size(args, expected):
    assert K.conv_output_size(*args) == expected


@pytest.mark.parametrize("args, expected", [
    # (size, kernel, stride, padding, ceil_mode): values from torch.nn.MaxPool2d
    ((32, 2, 2, 0, False), 16), ((7, 2, 2, 0, False), 3), ((7, 2, 2, 0, True), 4),
    ((6, 3, 2, 1, True), 4), ((5, 3, 2, 1, True), 3), ((5, 2, 2, 1, True), 3),
    ((6, 2, 2, 1, True), 4), ((112, 3, 2, 1, False), 56), ((1, 1, 1, 0, False), 1),
    ((4, 3, 3, 1, True), 2), ((10, 3, 3, 0, True), 4),
])
def test_pool_output_size(args, expected):
    assert K.pool_output_size(*args) == expected


def test_output_size_errors():
    with pytest.raises(ValueError, match="smaller than"):
        K.conv_output_size(2, 3, 1, 0, 1)
    with pytest.raises(ValueError, match="smaller than"):
        K.conv_output_size(5, 3, 1, 0, 3)
    with pytest.raises(ValueError, match="smaller than"):
        K.pool_output_size(2, 3, 1, 0, False)
    with pytest.raises(ValueError, match="half the kernel"):
        K.pool_output_size(8, 3, 1, 2, False)
    with pytest.raises(ValueError, match="stride"):
        K.conv_output_size(8, 3, 0, 0, 1)


# --- im2col / col2im ----------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_im2col_col2im_against_loops(impl, case, dtype):
    shape, k, s, p, d = case
    x = rand(shape, dtype)
    want = naive.im2col(x, k, s, p, d)
    got = impl.im2col(x, k, s, p, d)
    assert got.dtype == dtype and got.flags.c_contiguous
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)

    cols = rand(want.shape, dtype, seed=1)
    dx_want = naive.col2im(cols, shape, k, s, p, d)
    dx = impl.col2im(cols, shape, k, s, p, d)
    assert dx.dtype == dtype and dx.shape == shape and dx.flags.c_contiguous
    np.testing.assert_allclose(dx, dx_want, **tol(dtype))
    # col2im is the adjoint of im2col: <im2col(x), c> == <x, col2im(c)>
    lhs = np.vdot(got.astype(np.float64), cols.astype(np.float64))
    rhs = np.vdot(x.astype(np.float64), dx.astype(np.float64))
    assert lhs == pytest.approx(rhs, rel=1e-5 if dtype == np.float32 else 1e-12)


def test_im2col_layout(impl):
    # rows are output pixels (n, oy, ox), columns weight elements (c, i, j):
    # with a 1x1 kernel, cols is x in NHWC order
    x = rand((2, 3, 4, 5), np.float32)
    np.testing.assert_array_equal(impl.im2col(x, 1, 1, 0, 1), x.transpose(0, 2, 3, 1).reshape(-1, 3))
    # and cols @ w.reshape(O, -1).T is the convolution, a row per output pixel
    w = rand((4, 3, 2, 3), np.float64, seed=2)
    x = rand((2, 3, 5, 6), np.float64)
    y = impl.im2col(x, (2, 3), 1, 0, 1) @ w.reshape(4, -1).T          # (N*OH*OW, O)
    want = np.zeros((2, 4, 4, 4))
    for i in range(2):
        for j in range(3):
            want += np.einsum("nchw,oc->nohw", x[:, :, i:i + 4, j:j + 4], w[:, :, i, j])
    np.testing.assert_allclose(y.reshape(2, 4, 4, 4).transpose(0, 3, 1, 2), want, rtol=1e-12)


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_numba_conv_blocks(case):
    # every split of the Numba conv kernels into work items gives the same result:
    # im2col by blocks of output rows, col2im by blocks of channels
    shape, k, s, p, d = case
    x = rand(shape, np.float32)
    n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = K.shapes.ConvGeometry.of("t", shape, k, s, p, d)
    want = naive.im2col(x, k, s, p, d)
    unfold.compile_numba()
    for block in sorted({1, 2, 3, max(1, oh - 1), oh}):
        got = np.full(want.shape, np.nan, np.float32)
        unfold._im2col_rows(x, got.reshape(-1), kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, block)
        np.testing.assert_array_equal(got, want, err_msg=f"block={block}")
    cols = rand(want.shape, np.float32, seed=1)
    dx_want = naive.col2im(cols, shape, k, s, p, d)
    for cblock in sorted({1, 2, 3, max(1, c - 1), c}):
        dx = np.full(shape, np.nan, np.float32)
        unfold._col2im_blocks(cols.reshape(-1), dx, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cblock)
        np.testing.assert_allclose(dx, dx_want, **tol(np.float32), err_msg=f"cblock={cblock}")


def test_im2col_out_buffer(impl):
    x = rand((2, 3, 7, 9), np.float32)
    want = naive.im2col(x, (3, 3), (2, 1), (1, 1), (1, 1))
    buf = np.full(want.shape, np.nan, dtype=np.float32)
    got = impl.im2col(x, (3, 3), (2, 1), (1, 1), (1, 1), out=buf)
    assert got is buf
    np.testing.assert_array_equal(buf, want)
    with pytest.raises(ValueError, match="out="):
        impl.im2col(x, (3, 3), (2, 1), (1, 1), (1, 1), out=np.empty(want.shape, np.float64))
    with pytest.raises(ValueError, match="out="):
        impl.im2col(x, (3, 3), (2, 1), (1, 1), (1, 1), out=np.empty((1,) + want.shape, np.float32))


def test_int_arguments_mean_square(impl):
    x = rand((1, 2, 6, 7), np.float64)
    np.testing.assert_array_equal(impl.im2col(x, 3, 2, 1, 1), naive.im2col(x, (3, 3), (2, 2), (1, 1), (1, 1)))


def test_conv_bad_input(impl):
    with pytest.raises(ValueError, match=r"im2col.*4-D.*\(3, 7, 9\)"):
        impl.im2col(rand((3, 7, 9), np.float32), 3, 1, 0, 1)
    with pytest.raises(ValueError, match="im2col.*float32 or float64"):
        impl.im2col(np.ones((1, 1, 5, 5), np.int64), 3, 1, 0, 1)
    with pytest.raises(ValueError, match=r"im2col.*\(1, 1, 2, 5\)"):
        impl.im2col(rand((1, 1, 2, 5), np.float32), 3, 1, 0, 1)
    with pytest.raises(ValueError, match="col2im.*does not match"):
        impl.col2im(rand((9, 10), np.float32), (1, 1, 5, 5), 3, 1, 0, 1)


# --- pooling ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_maxpool_against_loops(impl, case, ceil_mode, dtype):
    shape, k, s, p = case
    x = rand(shape, dtype)
    out_want, arg_want = naive.maxpool2d_forward(x, k, s, p, ceil_mode)
    out, arg = impl.maxpool2d_forward(x, k, s, p, ceil_mode)
    assert out.dtype == dtype and out.shape == out_want.shape
    assert arg.dtype in (np.int64, np.int32)
    np.testing.assert_array_equal(out, out_want)
    np.testing.assert_array_equal(arg, arg_want)

    dy = rand(out.shape, dtype, seed=2)
    dx = impl.maxpool2d_backward(dy, arg, shape)
    assert dx.dtype == dtype and dx.shape == shape
    np.testing.assert_allclose(dx, naive.maxpool2d_backward(dy, arg_want, shape), **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ceil_mode, count_include_pad", list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_avgpool_against_loops(impl, case, ceil_mode, count_include_pad, dtype):
    shape, k, s, p = case
    x = rand(shape, dtype)
    want = naive.avgpool2d_forward(x, k, s, p, ceil_mode, count_include_pad)
    out = impl.avgpool2d_forward(x, k, s, p, ceil_mode, count_include_pad)
    assert out.dtype == dtype and out.shape == want.shape
    np.testing.assert_allclose(out, want, **tol(dtype))

    dy = rand(out.shape, dtype, seed=3)
    dx = impl.avgpool2d_backward(dy, shape, k, s, p, ceil_mode, count_include_pad)
    assert dx.dtype == dtype and dx.shape == shape
    np.testing.assert_allclose(dx, naive.avgpool2d_backward(dy, shape, k, s, p, ceil_mode, count_include_pad),
                               **tol(dtype))


def test_avgpool_divisor_rule(impl):
    # Values checked against torch.nn.functional.avg_pool2d.
    # W=5, k=3, s=2, p=1, ceil mode: windows start at -1, 1, 3; the last covers
    # x[3], x[4] and one pad element: divisor 3 with count_include_pad, else 2.
    x = np.ones((1, 1, 1, 5), np.float64)
    inc = impl.avgpool2d_forward(x, (1, 3), (1, 2), (0, 1), True, True)
    exc = impl.avgpool2d_forward(x, (1, 3), (1, 2), (0, 1), True, False)
    np.testing.assert_allclose(inc.ravel(), [2 / 3, 1.0, 2 / 3])
    np.testing.assert_allclose(exc.ravel(), [1.0, 1.0, 1.0])
    # ceil mode adds a window that overhangs the right padding: W=6, k=3, s=2, p=1
    # -> windows at -1, 1, 3, 5; the last covers x[5], one pad element and one
    # element beyond the padding, which is clipped away first: divisor 2.
    x = np.ones((1, 1, 1, 6), np.float64)
    inc = impl.avgpool2d_forward(x, (1, 3), (1, 2), (0, 1), True, True)
    np.testing.assert_allclose(inc.ravel(), [2 / 3, 1.0, 1.0, 1 / 2])


def test_maxpool_ties_and_nan(impl):
    x = np.array([[[[1.0, 3.0, 3.0],
                    [3.0, 2.0, np.nan],
                    [0.0, 3.0, 1.0]]]])
    out, arg = impl.maxpool2d_forward(x, 2, 1, 0, False)
    # first max in row-major window order wins; a NaN is taken as the max
    np.testing.assert_array_equal(arg.ravel(), [1, 5, 3, 5])
    assert out[0, 0, 0, 0] == 3.0 and np.isnan(out[0, 0, 0, 1]) and np.isnan(out[0, 0, 1, 1])
    # all -inf window: the argmax is the first real element, like PyTorch
    x = np.full((1, 1, 3, 3), -np.inf)
    out, arg = impl.maxpool2d_forward(x, 3, 2, 1, False)
    np.testing.assert_array_equal(arg.ravel(), [0, 1, 3, 4])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5, 9, 13), (2, 3, 8, 6), (1, 1, 2, 2), (4, 2, 29, 31)], ids=str)
def test_maxpool_2x2_fast_path_ties_nan_and_infinities(impl, shape, dtype):
    # kernel 2, stride 2, no padding (the Numba kernels' unrolled path, odd planes leave a row/column out):
    # ties (values on a grid of 3), NaNs and infinities, against the loops, value and argmax
    rng = np.random.default_rng(shape[2])
    x = rng.integers(0, 3, shape).astype(dtype)
    x[rng.random(shape) < 0.05] = np.nan
    x[rng.random(shape) < 0.05] = np.inf
    x[rng.random(shape) < 0.05] = -np.inf
    for ceil_mode in (False, True):
        out_want, arg_want = naive.maxpool2d_forward(x, 2, 2, 0, ceil_mode)
        out, arg = impl.maxpool2d_forward(x, 2, 2, 0, ceil_mode)
        np.testing.assert_array_equal(out, out_want)
        np.testing.assert_array_equal(arg, arg_want)


def test_maxpool_backward_accumulates_overlaps(impl):
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    out, arg = impl.maxpool2d_forward(x, 3, 1, 1, False)
    assert (arg == 4).all()
    dx = impl.maxpool2d_backward(np.arange(1.0, 10.0).reshape(1, 1, 3, 3), arg, x.shape)
    assert dx[0, 0, 1, 1] == 45.0 and dx.sum() == 45.0


def test_pool_bad_input(impl):
    with pytest.raises(ValueError, match=r"maxpool2d_forward.*4-D"):
        impl.maxpool2d_forward(rand((7, 9), np.float32), 2, 2, 0, False)
    with pytest.raises(ValueError, match="half the kernel"):
        impl.avgpool2d_forward(rand((1, 1, 7, 9), np.float32), 2, 2, 2, False, True)
    with pytest.raises(ValueError, match="avgpool2d_backward.*dy shape"):
        impl.avgpool2d_backward(rand((1, 1, 3, 3), np.float32), (1, 1, 7, 9), 2, 2, 0, False, True)
    with pytest.raises(ValueError, match="maxpool2d_backward.*argmax shape"):
        impl.maxpool2d_backward(rand((1, 1, 3, 3), np.float32), np.zeros((1, 1, 3, 2), np.int64), (1, 1, 6, 6))


def test_stride_none_means_kernel(impl):
    x = rand((1, 2, 6, 7), np.float32)
    a, _ = impl.maxpool2d_forward(x, 2, None, 0, False)
    b, _ = impl.maxpool2d_forward(x, 2, 2, 0, False)
    np.testing.assert_array_equal(a, b)


def test_import_is_light():
    import subprocess
    import sys
    # Only what minidl.kernels adds is checked: other packages are not ours.
    code = ("import sys, minidl; pre = 'numba' in sys.modules; import minidl.kernels; "
            "print(pre or 'numba' not in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "True"


def test_dispatch_picks_cpu_kernels():
    from minidl.kernels._dispatch import implementation
    x = np.ones((1, 1, 3, 3), np.float32)
    assert K.cpu_kernels() == "numba" == minidl.config.cpu_kernels
    assert implementation(x) == "numba"
    with minidl.using_config(cpu_kernels="numpy"):
        assert implementation(x) == "numpy" and K.cpu_kernels() == "numpy"
    assert implementation(x) == "numba"
    with pytest.raises(ValueError, match="set_cpu_kernels.*cpu_kernels.*'fortran'"):
        K.set_cpu_kernels("fortran")
    assert K.cpu_kernels() == "numba"


def test_cudasim_choice_needs_the_simulator():
    from numba import config as numba_config
    if numba_config.ENABLE_CUDASIM:
        pytest.skip("this process runs the CUDA simulator")
    with minidl.using_config(cpu_kernels="cudasim"):
        with pytest.raises(ValueError, match="NUMBA_ENABLE_CUDASIM=1"):
            K.im2col(np.ones((1, 1, 3, 3), np.float32), 1, 1, 0, 1)


def test_maxpool_backward_rejects_bad_argmax():
    dy = rand((1, 1, 2, 2), np.float64)
    with minidl.using_config(cpu_kernels="numba"), pytest.raises(ValueError, match="outside"):
        K.maxpool2d_backward(dy, np.full((1, 1, 2, 2), 9, np.int64), (1, 1, 3, 3))


def test_non_contiguous_input(impl):
    x = rand((2, 3, 9, 14), np.float32)[:, :, :, ::2]
    np.testing.assert_array_equal(impl.im2col(x, 3, 1, 1, 1), naive.im2col(x, (3, 3), (1, 1), (1, 1), (1, 1)))
    out, arg = impl.maxpool2d_forward(x, 2, 2, 0, True)
    np.testing.assert_array_equal(out, naive.maxpool2d_forward(x, 2, 2, 0, True)[0])


# --- fused helpers ------------------------------------------------------------

FUSED_SHAPES = [(3, 4, 5, 7), (5, 3), (2, 1, 3, 3)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", FUSED_SHAPES, ids=str)
def test_channel_reductions_against_loops(impl, shape, dtype):
    x = rand(shape, dtype) + 3  # an offset mean: the variance must not cancel
    b = rand(shape, dtype, seed=6)
    mean, var = impl.channel_mean_var(x)
    mean_want, var_want = naive.channel_mean_var(x)
    assert mean.dtype == dtype and var.dtype == dtype and mean.shape == shape[1:2]
    np.testing.assert_allclose(mean, mean_want, **tol(dtype))
    np.testing.assert_allclose(var, var_want, **tol(dtype))
    s, d = impl.channel_sum_dot(x, b)
    s_want, d_want = naive.channel_sum_dot(x, b)
    np.testing.assert_allclose(s, s_want, **tol(dtype))
    np.testing.assert_allclose(d, d_want, **tol(dtype))


def test_channel_mean_var_is_stable(impl):
    # float32 data with a large mean and a small spread: E[x^2] - E[x]^2 in
    # float32 would lose every digit of the variance.
    rng = np.random.default_rng(7)
    x = (1000.0 + rng.standard_normal((4, 2, 8, 8))).astype(np.float32)
    _, var = impl.channel_mean_var(x)
    want = x.astype(np.float64).var(axis=(0, 2, 3))
    np.testing.assert_allclose(var, want, rtol=1e-3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", FUSED_SHAPES, ids=str)
def test_channel_affine_combine_against_loops(impl, shape, dtype):
    a, b = rand(shape, dtype), rand(shape, dtype, seed=8)
    al, be, ga = (rand(shape[1:2], dtype, seed=s) for s in (9, 10, 11))
    np.testing.assert_allclose(impl.channel_affine(a, al, be), naive.channel_affine(a, al, be), **tol(dtype))
    np.testing.assert_allclose(impl.channel_combine(a, b, al, be, ga), naive.channel_combine(a, b, al, be, ga),
                               **tol(dtype))
    want = naive.channel_affine(a, al, be)
    out = impl.channel_affine(a, al, be, out=a)  # in place
    assert out is a
    np.testing.assert_allclose(a, want, **tol(dtype))


def test_fused_bad_input(impl):
    x = rand((2, 3, 4, 4), np.float32)
    with pytest.raises(ValueError, match=r"channel_mean_var.*\(N, C\) or \(N, C, H, W\)"):
        impl.channel_mean_var(x[0])
    with pytest.raises(ValueError, match="channel_affine.*does not match 3 channels"):
        impl.channel_affine(x, np.zeros(4, np.float32), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="channel_combine.*dtype"):
        impl.channel_combine(x, x, np.zeros(3, np.float32), np.zeros(3, np.float64), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="channel_affine: out= must be a C-contiguous"):
        impl.channel_affine(x, np.zeros(3, np.float32), np.zeros(3, np.float32), out=x[:, :, :, ::2])
    with pytest.raises(ValueError, match="channel_sum_dot: arrays differ"):
        impl.channel_sum_dot(x, x[:1])


# --- direct stride-1 convolution ---------------------------------------------

# (x shape, (O, kh, kw), padding, dilation, groups): kernel shapes 1x1 to 5x5,
# 2x1 and 1x2, padding 0-2, dilation 1-2, grouped and depthwise.
DIRECT_CASES = [
    ((2, 3, 7, 9), (4, 3, 3), (0, 0), (1, 1), 1),
    ((2, 3, 7, 9), (4, 3, 3), (1, 1), (1, 1), 1),
    ((3, 2, 8, 5), (5, 2, 1), (1, 0), (2, 1), 1),
    ((1, 3, 6, 11), (2, 1, 2), (0, 2), (1, 2), 1),
    ((2, 4, 9, 7), (6, 5, 5), (2, 2), (1, 1), 2),
    ((2, 6, 5, 8), (6, 3, 3), (1, 2), (1, 1), 6),
    ((1, 3, 13, 11), (7, 1, 1), (0, 0), (1, 1), 1),
    ((2, 3, 32, 29), (6, 5, 5), (0, 0), (1, 1), 1),   # LeNet's first layer, odd width
    # the one-pass-per-kernel-row paths (kw 3 and 5) with dilated columns, and a plane of one output
    ((2, 3, 9, 11), (4, 3, 3), (1, 2), (2, 2), 1),
    ((1, 2, 12, 13), (3, 2, 5), (0, 1), (1, 2), 1),
    ((1, 2, 3, 5), (2, 3, 3), (0, 0), (1, 2), 1),
    # two output channels per pass (even channels per group, kw 3 or 5): dilated, padded, grouped
    ((2, 3, 10, 13), (4, 2, 5), (1, 2), (1, 2), 1),
    ((2, 4, 9, 7), (4, 5, 5), (2, 1), (1, 2), 2),
    ((3, 6, 7, 9), (8, 3, 3), (1, 1), (1, 1), 2),
]


def _conv_loops(x, w, padding, dilation, groups):
    """Direct-loop convolution and its gradients for dy = 1 + (index mod 7) / 7, per group."""
    o, cg, kh, kw = w.shape
    og = o // groups
    ys, dxs, dws = [], [], []
    for g in range(groups):
        xg = x[:, g * cg:(g + 1) * cg]
        wg = w[g * og:(g + 1) * og].reshape(og, -1)
        cols = naive.im2col(xg, (kh, kw), 1, padding, dilation)
        ys.append(cols @ wg.T)                                   # (N*OH*OW, Og)
    n, _, h, wd = x.shape
    oh = h + 2 * padding[0] - dilation[0] * (kh - 1)
    ow = wd + 2 * padding[1] - dilation[1] * (kw - 1)
    y = np.concatenate(ys, axis=1).reshape(n, oh * ow, o).transpose(0, 2, 1).reshape(n, o, oh, ow)
    dy = (1 + (np.arange(y.size) % 7) / 7).astype(x.dtype).reshape(y.shape)
    dyt = dy.reshape(n, o, -1).transpose(0, 2, 1).reshape(-1, o)
    for g in range(groups):
        xg = x[:, g * cg:(g + 1) * cg]
        cols = naive.im2col(xg, (kh, kw), 1, padding, dilation)
        dg = dyt[:, g * og:(g + 1) * og]
        dws.append((dg.T @ cols).reshape(og, cg, kh, kw))
        dxs.append(naive.col2im(dg @ w[g * og:(g + 1) * og].reshape(og, -1), xg.shape, (kh, kw), 1,
                                padding, dilation))
    return y, dy, np.concatenate(dxs, axis=1), np.concatenate(dws, axis=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", DIRECT_CASES, ids=str)
def test_direct_conv_against_loops(impl, case, dtype):
    x_shape, (o, kh, kw), padding, dilation, groups = case
    x = rand(x_shape, dtype, seed=1)
    w = rand((o, x_shape[1] // groups, kh, kw), dtype, seed=2)
    y_ref, dy, dx_ref, dw_ref = _conv_loops(x, w, padding, dilation, groups)
    y = impl.conv2d_direct_forward(x, w, padding, dilation, groups)
    assert y.dtype == dtype and y.flags.c_contiguous
    np.testing.assert_allclose(y, y_ref, **tol(dtype))
    dx, dw = impl.conv2d_direct_backward(dy, x, w, padding, dilation, groups)
    np.testing.assert_allclose(dx, dx_ref, **tol(dtype))
    big = dict(rtol=1e-4, atol=1e-3) if dtype == np.float32 else tol(dtype)   # sums of up to 1,700 terms
    np.testing.assert_allclose(dw, dw_ref, **big)
    only_w = impl.conv2d_direct_backward(dy, x, w, padding, dilation, groups, need_input=False)
    only_x = impl.conv2d_direct_backward(dy, x, w, padding, dilation, groups, need_weight=False)
    assert only_w[0] is None and only_x[1] is None
    np.testing.assert_allclose(only_w[1], dw, **big)
    np.testing.assert_allclose(only_x[0], dx, **tol(dtype))


@pytest.mark.parametrize("case", DIRECT_CASES[:2] + DIRECT_CASES[4:5] + DIRECT_CASES[-1:], ids=str)
def test_direct_conv_numba_same_bits_for_any_dy_layout_and_thread_count(case, monkeypatch):
    """The Numba kernels crop each output plane and widen each dy plane themselves, one plane per work
    item: a channels-last or strided dy, and a split over 1 or 3 threads, give the same bits."""
    from minidl.kernels import _threads
    x_shape, (o, kh, kw), padding, dilation, groups = case
    x = rand(x_shape, np.float64, seed=3)
    w = rand((o, x_shape[1] // groups, kh, kw), np.float64, seed=4)
    b = rand((o,), np.float64, seed=5)
    with minidl.using_config(cpu_kernels="numba"):
        y = K.conv2d_direct_forward(x, w, padding, dilation, groups, bias=b)
        dy = rand(y.shape, np.float64, seed=6)
        want = K.conv2d_direct_backward(dy, x, w, padding, dilation, groups, need_bias=True)
        dy_cl = np.ascontiguousarray(dy.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        dy_strided = np.repeat(dy, 2, axis=3)[:, :, :, ::2]
        for other in (dy_cl, dy_strided):
            got = K.conv2d_direct_backward(other, x, w, padding, dilation, groups, need_bias=True)
            for a, e in zip(got, want):
                np.testing.assert_array_equal(a, e)
        in_section = _threads.run(lambda i: K.conv2d_direct_forward(x, w, padding, dilation, groups, bias=b), 2)
        monkeypatch.setattr(_threads, "intra_op_threads", lambda array=None: 1 if _threads.in_section() else 3)
        with minidl.using_config(intra_op_parallel=True):
            threaded = K.conv2d_direct_forward(x, w, padding, dilation, groups, bias=b)
            threaded_grads = K.conv2d_direct_backward(dy, x, w, padding, dilation, groups, need_bias=True)
    for other in in_section + [threaded]:
        np.testing.assert_array_equal(other, y)
    for a, e in zip(threaded_grads, want):
        np.testing.assert_array_equal(a, e)
    np.testing.assert_allclose(y, _conv_loops(x, w, padding, dilation, groups)[0] + b.reshape(1, -1, 1, 1),
                               rtol=1e-12, atol=1e-12)


def test_direct_conv_bad_input(impl):
    x = rand((2, 4, 6, 6), np.float32)
    w = rand((3, 2, 3, 3), np.float32)
    with pytest.raises(ValueError, match=r"groups=2"):          # 3 outputs do not split into 2 groups
        impl.conv2d_direct_forward(x, w, 0, 1, 2)
    with pytest.raises(ValueError, match=r"\(2, 4, 6, 6\)"):
        impl.conv2d_direct_forward(x, rand((3, 4, 9, 9), np.float32), 0, 1, 1)
    w1 = rand((3, 4, 3, 3), np.float32)
    with pytest.raises(ValueError, match=r"dy shape \(2, 3, 5, 5\) != expected \(2, 3, 4, 4\)"):
        impl.conv2d_direct_backward(rand((2, 3, 5, 5), np.float32), x, w1, 0, 1, 1)


def test_direct_conv_suited_rule():
    """Direct only for stride 1, few channels and planes of at least 128 elements (Numba kernels)."""
    x = np.zeros((64, 3, 32, 32), np.float32)
    assert K.direct_conv_suited(x, (6, 3, 5, 5), (1, 1), (0, 0), (1, 1), 1)        # LeNet conv1
    assert not K.direct_conv_suited(x, (6, 3, 5, 5), (2, 2), (0, 0), (1, 1), 1)    # stride 2
    assert not K.direct_conv_suited(x, (32, 3, 3, 3), (1, 1), (1, 1), (1, 1), 1)   # 32 outputs
    x2 = np.zeros((64, 6, 14, 14), np.float32)
    assert K.direct_conv_suited(x2, (16, 6, 5, 5), (1, 1), (0, 0), (1, 1), 1)      # LeNet conv2: 10x14 plane
    x3 = np.zeros((64, 6, 12, 12), np.float32)
    assert not K.direct_conv_suited(x3, (16, 6, 5, 5), (1, 1), (0, 0), (1, 1), 1)  # 8x12 plane
    with minidl.using_config(cpu_kernels="numpy"):
        assert not K.direct_conv_suited(x, (6, 3, 5, 5), (1, 1), (0, 0), (1, 1), 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", DIRECT_CASES, ids=str)
def test_direct_conv_fused_bias_against_reference(impl, case, dtype):
    """The bias added inside the direct forward kernel, and db summed inside the dW pass, match y + b and dy.sum."""
    x_shape, (o, kh, kw), padding, dilation, groups = case
    x = rand(x_shape, dtype, seed=3)
    w = rand((o, x_shape[1] // groups, kh, kw), dtype, seed=4)
    bias = rand((o,), dtype, seed=5)
    plain = impl.conv2d_direct_forward(x, w, padding, dilation, groups)
    fused = impl.conv2d_direct_forward(x, w, padding, dilation, groups, bias=bias)
    assert fused.dtype == dtype and fused.flags.c_contiguous
    np.testing.assert_allclose(fused, plain + bias.reshape(1, -1, 1, 1), **tol(dtype))
    dy = rand(plain.shape, dtype, seed=6)
    dx, dw = impl.conv2d_direct_backward(dy, x, w, padding, dilation, groups)
    sums = dict(rtol=1e-4, atol=1e-3) if dtype == np.float32 else tol(dtype)
    for need_input, need_weight in ((True, True), (False, True), (True, False), (False, False)):
        gx, gw, gb = impl.conv2d_direct_backward(dy, x, w, padding, dilation, groups, need_input=need_input,
                                                 need_weight=need_weight, need_bias=True)
        np.testing.assert_allclose(gb, dy.astype(np.float64).sum(axis=(0, 2, 3)), **sums)
        assert (gx is None) != need_input and (gw is None) != need_weight
        if need_input:
            np.testing.assert_allclose(gx, dx, **tol(dtype))
        if need_weight:
            np.testing.assert_allclose(gw, dw, **sums)
    with pytest.raises(ValueError, match=r"bias shape \(1,\)"):
        impl.conv2d_direct_forward(x, w, padding, dilation, groups, bias=bias[:1])
