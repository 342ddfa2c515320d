"""The NumPy-like ``keras.ops`` added in session 11: values against NumPy, Keras 3 dtypes (int inputs of
mean-like reductions give float32, index results int32), float64 gradient checks, error cases."""
import numpy as np
import pytest

import minidl
from minidl.autograd import gradcheck
from minidl.keras import ops
from minidl.keras.ops import numpy as knp

RNG = np.random.default_rng(0)
XF = RNG.standard_normal((3, 4, 5)).astype(np.float32)
XN = XF.copy()
XN[0, 1, 2] = XN[2, 0, 0] = XN[1, 3, 4] = np.nan
XI = RNG.integers(-5, 9, (3, 4)).astype(np.int32)


def _np(t):
    return ops.convert_to_numpy(t)


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanvar", "nanstd",
                                  "nanmedian", "amax", "amin", "ptp", "median"])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(name, axis, keepdims):
    x = XF if name in ("amax", "amin", "ptp", "median") else XN
    got = getattr(ops, name)(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(_np(got), getattr(np, name)(x, axis=axis, keepdims=keepdims), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantiles_match_numpy(method):
    q = [0.1, 0.5, 0.93]
    np.testing.assert_allclose(_np(ops.quantile(XF, q, axis=1, method=method)),
                               np.quantile(XF, q, axis=1, method=method), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(ops.nanpercentile(XN, 40, axis=(0, 2), method=method, keepdims=True)),
                               np.nanpercentile(XN, 40, axis=(0, 2), method=method, keepdims=True), rtol=1e-5)
    with pytest.raises(ValueError, match="q must lie"):
        ops.quantile(XF, 1.5)


def test_index_and_cumulative_nan_ops():
    assert ops.dtype(ops.nanargmax(XN, axis=1)) == "int32"
    np.testing.assert_array_equal(_np(ops.nanargmax(XN, axis=1)), np.nanargmax(XN, axis=1))
    np.testing.assert_array_equal(_np(ops.nanargmin(XN)), np.nanargmin(XN))
    np.testing.assert_allclose(_np(ops.nancumsum(XN, axis=2)), np.nancumsum(XN, axis=2), rtol=1e-5)
    np.testing.assert_allclose(_np(ops.nancumprod(XN, axis=0)), np.nancumprod(XN, axis=0), rtol=1e-5)
    np.testing.assert_allclose(_np(ops.average(XF, axis=1, weights=np.arange(1.0, 5.0))),
                               np.average(XF, axis=1, weights=np.arange(1.0, 5.0)), rtol=1e-5)


def test_keras_dtypes():
    assert ops.dtype(ops.nansum(XI)) == "int32" and ops.dtype(ops.nanmean(XI)) == "float32"
    assert ops.dtype(ops.median(XI)) == "float32" and ops.dtype(ops.nanprod(XI)) == "int32"
    assert ops.dtype(ops.cbrt(XI)) == "float32" and ops.dtype(ops.trunc(XI)) == "int32"
    assert ops.dtype(ops.logaddexp(XI, XI)) == "float32" and ops.dtype(ops.isclose(XI, XI)) == "bool"
    assert ops.dtype(ops.nonzero(XI)[0]) == "int32" and ops.dtype(ops.searchsorted([1, 2], [1])) == "int32"
    assert ops.dtype(ops.hstack([XI, XI.astype(np.float32)])) == "float32"
    # the basic ops as Keras 3 types them (read with KERAS_BACKEND=jax)
    for out in (ops.argmax(XF, axis=1), ops.argmin(XF), ops.argsort(XF), ops.top_k(XF, 2)[1], ops.where(XI > 0)[0],
                ops.count_nonzero(XI), ops.sum(XI), ops.sum(XI > 0), ops.prod(XI, axis=(0, 1)), ops.cumsum(XI),
                ops.cumprod(XI > 0), ops.trace(XI)):
        assert ops.dtype(out) == "int32"
    for out in (ops.var(XI), ops.std(XI, axis=0), ops.floor(XI), ops.ceil(XI), ops.softmax(XI), ops.sigmoid(XI)):
        assert ops.dtype(out) == "float32"
    assert ops.dtype(ops.relu(XI)) == "int32"
    np.testing.assert_array_equal(_np(ops.arange(0, 1, 0.5)), [0.0, 0.5])
    assert ops.dtype(ops.arange(0, 1, 0.5)) == "float32"


@pytest.mark.parametrize("name, ref", [
    ("cbrt", np.cbrt), ("exp2", np.exp2), ("trunc", np.trunc), ("fabs", np.fabs), ("deg2rad", np.deg2rad),
    ("rad2deg", np.rad2deg), ("sinc", np.sinc), ("i0", np.i0), ("signbit", np.signbit), ("arcsinh", np.arcsinh),
    ("isneginf", np.isneginf), ("isposinf", np.isposinf), ("ravel", np.ravel), ("flipud", np.flipud),
    ("fliplr", np.fliplr), ("angle", np.angle), ("real", np.real), ("imag", np.imag), ("conj", np.conj),
])
def test_unary_match_numpy(name, ref):
    x = XF.copy()
    x[0, 0, :2] = [np.inf, -np.inf]
    np.testing.assert_allclose(_np(getattr(ops, name)(x)), ref(x).astype(_np(getattr(ops, name)(x)).dtype),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, ref", [
    ("logaddexp", np.logaddexp), ("logaddexp2", np.logaddexp2), ("hypot", np.hypot), ("fmod", np.fmod),
    ("fmax", np.fmax), ("fmin", np.fmin), ("heaviside", np.heaviside), ("nextafter", np.nextafter),
    ("isclose", np.isclose), ("logical_xor", np.logical_xor), ("kron", np.kron), ("inner", np.inner),
])
def test_binary_match_numpy(name, ref):
    a, b = XN[0], np.round(XF[1], 1)
    if name in ("kron", "inner", "fmod", "heaviside", "nextafter"):
        a = XF[0]
    np.testing.assert_allclose(_np(getattr(ops, name)(a, b)), ref(a, b), rtol=1e-5, atol=1e-6)


def test_integer_ops():
    a, b = XI, np.abs(XI[::-1]) + 1
    for name in ("gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor"):
        np.testing.assert_array_equal(_np(getattr(ops, name)(a, b)), getattr(np, name)(a, b))
    np.testing.assert_array_equal(_np(ops.left_shift(b, 2)), np.left_shift(b, 2))
    np.testing.assert_array_equal(_np(ops.right_shift(b, 1)), np.right_shift(b, 1))
    np.testing.assert_array_equal(_np(ops.bitwise_invert(a)), np.invert(a))
    exponents = (np.arange(20).reshape(4, 5) % 4).astype(np.int32)
    np.testing.assert_allclose(_np(ops.ldexp(XF[0], exponents)), np.ldexp(XF[0], exponents))
    with pytest.raises(TypeError, match="ldexp"):
        ops.ldexp(XF, XF)
    with pytest.raises(TypeError, match="bitwise_and"):
        ops.bitwise_and(XF, XF)
    with pytest.raises(ValueError, match="gcd"):
        ops.gcd(XF, XF)


def test_divide_no_nan_and_saturate_cast():
    a, b = np.array([1.0, 2.0, -3.0], np.float32), np.array([0.0, 4.0, 0.0], np.float32)
    np.testing.assert_array_equal(_np(ops.divide_no_nan(a, b)), [0.0, 0.5, 0.0])
    x = minidl.tensor([1.0, 2.0, 3.0], dtype=minidl.float64, requires_grad=True)
    ops.divide_no_nan(x, minidl.tensor([0.0, 2.0, 0.0], dtype=minidl.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.0])
    out = ops.saturate_cast(np.array([-5.0, 3.7, 300.0, np.nan], np.float32), "uint8")
    assert ops.dtype(out) == "uint8"
    np.testing.assert_array_equal(_np(out), [0, 3, 255, 0])
    np.testing.assert_array_equal(_np(ops.saturate_cast(np.array([1e10, -1e10], np.float32), "int32")),
                                  [2147483520, -2147483648])


def test_stacking_splitting_and_shapes():
    a, b = XF[0], XF[1]
    np.testing.assert_array_equal(_np(ops.hstack([a, b])), np.hstack([a, b]))
    np.testing.assert_array_equal(_np(ops.vstack([a, b])), np.vstack([a, b]))
    np.testing.assert_array_equal(_np(ops.dstack([a, b])), np.dstack([a, b]))
    np.testing.assert_array_equal(_np(ops.append(a, b, axis=1)), np.append(a, b, axis=1))
    for got, want in zip(ops.array_split(XF, 3, axis=2), np.array_split(XF, 3, axis=2)):
        np.testing.assert_array_equal(_np(got), want)
    assert [ops.shape(p) for p in ops.hsplit(XF, 2)] == [(3, 2, 5)] * 2
    assert [ops.shape(p) for p in ops.vsplit(XF, [1])] == [(1, 4, 5), (2, 4, 5)]
    assert [ops.shape(p) for p in ops.dsplit(XF, [2, 3])] == [(3, 4, 2), (3, 4, 1), (3, 4, 2)]
    with pytest.raises(ValueError, match="rank >= 3"):
        ops.dsplit(a, 2)
    np.testing.assert_array_equal(_np(ops.diff(XF, n=2, axis=1)), np.diff(XF, n=2, axis=1))
    for got, want in zip(ops.meshgrid(np.arange(3), np.arange(4.0)), np.meshgrid(np.arange(3), np.arange(4.0))):
        np.testing.assert_array_equal(_np(got), want)
    np.testing.assert_array_equal(_np(ops.rot90(XF, 3, (1, 2))), np.rot90(XF, 3, (1, 2)))
    k = np.array([1, 2])
    with pytest.raises(TypeError, match="integer"):
        ops.rot90(XF, k)
    assert k.tolist() == [1, 2]
    np.testing.assert_array_equal(_np(ops.diagflat(a[:2, :2], 1)), np.diagflat(a[:2, :2], 1))
    np.testing.assert_array_equal(_np(ops.diagonal(XF, 1, 1, 2)), np.diagonal(XF, 1, 1, 2))
    np.testing.assert_array_equal(_np(ops.tri(3, 4, -1)), np.tri(3, 4, -1))
    np.testing.assert_allclose(_np(ops.logspace(0, 2, 5, base=2)), np.logspace(0, 2, 5, base=2), rtol=1e-6)
    np.testing.assert_allclose(_np(ops.geomspace(1, 1000, 4)), np.geomspace(1, 1000, 4), rtol=1e-6)
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        np.testing.assert_allclose(_np(getattr(ops, name)(7)), getattr(np, name)(7), atol=1e-6)
    np.testing.assert_allclose(_np(ops.kaiser(6, 3.0)), np.kaiser(6, 3.0), rtol=1e-6)
    assert ops.shape(ops.empty((2, 3))) == (2, 3) and ops.dtype(ops.empty_like(XI)) == "int32"


def test_products_and_searching():
    a, b = XF[0], XF[1]
    np.testing.assert_allclose(_np(ops.vdot(a, b)), np.vdot(a, b), rtol=1e-5)
    np.testing.assert_allclose(_np(ops.cross(a[:, :3], b[:, :3])), np.cross(a[:, :3], b[:, :3]), rtol=1e-5)
    np.testing.assert_allclose(_np(ops.cross(a[:, :2], b[:, :3])), np.cross(a[:, :2], b[:, :3]), rtol=1e-5)
    np.testing.assert_allclose(_np(ops.cross(a[:, :3].T, b[:, :3].T, axis=0)), np.cross(a[:, :3].T, b[:, :3].T,
                                                                                          axis=0), rtol=1e-5)
    for mode in ("valid", "same", "full"):
        np.testing.assert_allclose(_np(ops.correlate(a.ravel(), b[0], mode)), np.correlate(a.ravel(), b[0], mode),
                                   rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(_np(ops.correlate(b[0], a.ravel(), mode)), np.correlate(b[0], a.ravel(), mode),
                                   rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(ops.trapezoid(XF, dx=0.5, axis=1)), np.trapezoid(XF, dx=0.5, axis=1), rtol=1e-5)
    np.testing.assert_allclose(_np(ops.corrcoef(a)), np.corrcoef(a), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(_np(ops.vander(np.arange(4), 3)), np.vander(np.arange(4), 3))
    seq = np.sort(XF.ravel())
    np.testing.assert_array_equal(_np(ops.searchsorted(seq, a, side="right")), np.searchsorted(seq, a, "right"))
    np.testing.assert_array_equal(_np(ops.digitize(a, [-1.0, 0.0, 1.0])), np.digitize(a, [-1.0, 0.0, 1.0]))
    counts = np.abs(XI[0]) % 5
    np.testing.assert_array_equal(_np(ops.bincount(counts, minlength=7)), np.bincount(counts, minlength=7))
    np.testing.assert_allclose(_np(ops.bincount(counts, weights=a[0, :4])), np.bincount(counts, a[0, :4]), rtol=1e-6)
    hist, edges = ops.histogram(a.ravel(), bins=4)
    want_hist, want_edges = np.histogram(a.ravel(), bins=4)
    np.testing.assert_array_equal(_np(hist), want_hist)
    np.testing.assert_allclose(_np(edges), want_edges, rtol=1e-6)
    np.testing.assert_array_equal(_np(ops.isin(XI, [1, 2, 3], invert=True)), np.isin(XI, [1, 2, 3], invert=True))
    part = _np(ops.argpartition(a, 2, axis=1))
    picked = np.take_along_axis(a, part, axis=1)
    assert (picked[:, :2] <= picked[:, 2:3]).all() and (picked[:, 3:] >= picked[:, 2:3]).all()
    np.testing.assert_array_equal(_np(ops.select([XI > 2, XI < 0], [XI, -XI], 7)),
                                  np.select([XI > 2, XI < 0], [XI, -XI], 7))
    for got, want in zip(ops.unravel_index([3, 7, 11], (3, 4)), np.unravel_index([3, 7, 11], (3, 4))):
        np.testing.assert_array_equal(_np(got), want)
    for got, want in zip(ops.nonzero(XI > 3), np.nonzero(XI > 3)):
        np.testing.assert_array_equal(_np(got), want)
    values, index, inverse, counts = ops.unique(XI, return_index=True, return_inverse=True, return_counts=True)
    for got, want in zip((values, index, inverse, counts), np.unique(XI, True, True, True)):
        np.testing.assert_array_equal(_np(got), want.reshape(_np(got).shape))
    np.testing.assert_array_equal(_np(ops.unique(np.array([3, 1, 1], np.int32), size=4)), [1, 3, 1, 1])
    np.testing.assert_array_equal(_np(ops.get_item(XF, (0, slice(1, 3)))), XF[0, 1:3])
    np.testing.assert_array_equal(_np(ops.view(a, "int32")), a.view(np.int32))
    assert bool(ops.allclose(a, a + 1e-7)) and not bool(ops.allclose(a, a + 1))


def _p(*shape):
    return minidl.tensor(RNG.standard_normal(shape), dtype=minidl.float64, requires_grad=True)


def test_gradients():
    x = _p(3, 4)
    xn = minidl.tensor(np.where(RNG.random((3, 4)) < 0.2, np.nan, RNG.standard_normal((3, 4))), dtype=minidl.float64,
                       requires_grad=True)
    for fn in (lambda a: ops.nansum(a, axis=1), lambda a: ops.nanmean(a, axis=0), lambda a: ops.nanvar(a, axis=1),
               lambda a: ops.nanstd(a), lambda a: ops.nanmax(a, axis=1), lambda a: ops.nanprod(a, axis=1)):
        out = fn(xn)
        out.sum().backward()
        assert np.isfinite(xn.grad.numpy()).all()
        assert (xn.grad.numpy()[np.isnan(xn.array)] == 0).all()
        xn.grad = None
    assert gradcheck(lambda a: ops.median(a, axis=1), (x,))
    assert gradcheck(lambda a: ops.quantile(a, [0.3, 0.8], axis=0), (x,))
    assert gradcheck(lambda a: ops.nanmean(a, axis=1), (x,))
    assert gradcheck(lambda a: ops.nanvar(a, axis=1), (x,))
    assert gradcheck(lambda a: ops.average(a, axis=1, weights=np.arange(1.0, 5.0)), (x,))
    assert gradcheck(lambda a, b: ops.logaddexp(a, b), (x, _p(3, 4)))
    assert gradcheck(lambda a, b: ops.hypot(a, b), (x, _p(3, 4)))
    assert gradcheck(lambda a: ops.cbrt(a), (x,))
    assert gradcheck(lambda a, b: ops.cross(a, b), (_p(2, 3), _p(2, 3)))
    assert gradcheck(lambda a, b: ops.correlate(a, b, "same"), (_p(6), _p(3)))
    assert gradcheck(lambda a, b: ops.kron(a, b), (_p(2, 2), _p(2, 3)))
    assert gradcheck(lambda a: ops.corrcoef(a), (x,))
    assert gradcheck(lambda a: ops.ptp(a, axis=1), (x,))


def test_namespace_module_matches_top_level():
    assert knp.nanmean is ops.nanmean and knp.hstack is ops.hstack and knp.abs is ops.abs
    from minidl.keras.ops import linalg, nn
    assert nn.conv is ops.conv and linalg.svd is ops.svd and linalg.norm is ops.norm
