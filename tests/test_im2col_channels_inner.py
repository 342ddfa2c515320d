"""im2col/col2im with columns (i, j, c) (``column_order="kkc"``) and the convolution path that uses them
(``minidl.config.im2col_channels_inner``): checked against the (c, i, j) kernels, the plain loops and
finite differences."""
import kernel_references as naive
import numpy as np
import pytest

import minidl as mdl
import minidl.kernels as K
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck
from minidl.kernels import to_channels_last

# (N, C, H, W), kernel, stride, padding, dilation: odd sizes, rectangular kernels, strides, dilations
CASES = [((3, 5, 9, 7), (3, 3), 1, 1, 1), ((2, 7, 11, 8), (3, 2), (2, 1), (1, 0), (1, 2)),
         ((1, 3, 6, 6), (1, 1), 2, 0, 1), ((2, 33, 10, 9), (3, 3), 1, 1, 1), ((3, 2, 5, 13), (2, 5), (1, 3), (0, 2), 1)]


def _to_kkc(cols_ckk, c, khw):
    rows = cols_ckk.shape[0]
    return cols_ckk.reshape(rows, c, khw).transpose(0, 2, 1).reshape(rows, -1)


@pytest.mark.parametrize("impl", ["numpy", "numba"])
@pytest.mark.parametrize("nhwc", [False, True], ids=["nchw", "nhwc"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_kkc_columns_are_the_reference_columns_permuted(case, nhwc, impl):
    shape, kernel, stride, padding, dilation = case
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    xi = to_channels_last(x) if nhwc else x
    c, khw = shape[1], kernel[0] * kernel[1]
    want = naive.im2col(x, kernel, stride, padding, dilation)
    with mdl.using_config(cpu_kernels=impl):
        got = K.im2col(xi, kernel, stride, padding, dilation, column_order="kkc")
        np.testing.assert_array_equal(got, _to_kkc(want, c, khw))
        gc = rng.standard_normal(want.shape)
        ref = naive.col2im(gc, shape, kernel, stride, padding, dilation)
        for channels_last in (False, True):
            dx = K.col2im(_to_kkc(gc, c, khw).copy(), shape, kernel, stride, padding, dilation,
                          channels_last=channels_last, column_order="kkc")
            np.testing.assert_allclose(dx, ref, rtol=1e-12, atol=1e-12)
            assert K.is_channels_last(dx) == (channels_last and min(shape[1], shape[2] * shape[3]) > 1)


def test_bad_column_order_is_one_line_error():
    with pytest.raises(ValueError, match="im2col: column_order must be 'ckk' or 'kkc', got 'kck'"):
        K.im2col(np.zeros((1, 1, 3, 3), np.float32), 2, 1, 0, 1, column_order="kck")


def _two_convs(x, w1, w2, b2):
    """The second convolution reads the first one's channels-last output: the (i, j, c) path."""
    return F.conv2d(F.relu(F.conv2d(x, w1, padding=1)), w2, b2, stride=(2, 1), padding=(1, 0), dilation=(1, 2))


def test_conv_chain_equals_ckk_columns_and_gradchecks():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in ((2, 3, 9, 8), (5, 3, 3, 3), (4, 5, 3, 2), (4,))]
    results = {}
    for inner in (False, True):
        with mdl.using_config(channels_last=True, conv_algorithm="im2col", im2col_channels_inner=inner):
            ts = [mdl.tensor(a, requires_grad=True) for a in arrays]
            out = _two_convs(*ts)
            (out * out).sum().backward()
            results[inner] = [out.numpy()] + [t.grad.numpy() for t in ts]
            if inner:
                assert gradcheck(_two_convs, ts)
                assert gradgradcheck(_two_convs, ts)
    for a, b in zip(results[False], results[True]):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10)
