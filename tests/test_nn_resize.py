"""``F.interpolate``, ``F.pad`` modes, ``F.one_hot`` and ``nn.Upsample`` against PyTorch's
documented index rules (written out here as direct loops; no torch import)."""
import math

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F


def t64(a, grad=True):
    return mdl.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _nearest_src(in_size, out_size, scale, exact):
    # PyTorch: src = min(floor((dst [+ 0.5]) * s), in - 1), s = 1/scale_factor when given, else in/out
    s = np.float32(1.0 / scale) if scale else np.float32(in_size) / np.float32(out_size)
    off = 0.5 if exact else 0.0
    return [min(int(math.floor(np.float32(d + off) * s)), in_size - 1) for d in range(out_size)]


def _linear_weights(in_size, out_size, scale, align_corners):
    out = []
    for d in range(out_size):
        if align_corners:
            src = d * (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
        else:
            r = 1.0 / scale if scale else in_size / out_size
            src = max(r * (d + 0.5) - 0.5, 0.0)
        i0 = min(int(src), in_size - 1)
        i1 = min(i0 + 1, in_size - 1)
        lam = min(src - i0, 1.0)
        out.append((i0, i1, 1.0 - lam, lam))
    return out


def _bilinear_reference(x, out_h, out_w, scales, align_corners):
    rows = _linear_weights(x.shape[2], out_h, scales[0], align_corners)
    cols = _linear_weights(x.shape[3], out_w, scales[1], align_corners)
    y = np.zeros(x.shape[:2] + (out_h, out_w))
    for i, (r0, r1, a0, a1) in enumerate(rows):
        for j, (c0, c1, b0, b1) in enumerate(cols):
            y[:, :, i, j] = (a0 * (b0 * x[:, :, r0, c0] + b1 * x[:, :, r0, c1])
                             + a1 * (b0 * x[:, :, r1, c0] + b1 * x[:, :, r1, c1]))
    return y


@pytest.mark.parametrize("kwargs,out_hw,scales", [
    (dict(scale_factor=2), (10, 14), (2.0, 2.0)),
    (dict(size=(7, 3)), (7, 3), (None, None)),
    (dict(scale_factor=(1.7, 0.6)), (8, 4), (1.7, 0.6)),
    (dict(scale_factor=1.7, recompute_scale_factor=True), (8, 11), (None, None)),
])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_interpolate_nearest_index_rule(rng, kwargs, out_hw, scales, mode):
    x = rng.standard_normal((2, 3, 5, 7))
    got = F.interpolate(t64(x, grad=False), mode=mode, **kwargs)
    rows = _nearest_src(5, out_hw[0], scales[0], mode == "nearest-exact")
    cols = _nearest_src(7, out_hw[1], scales[1], mode == "nearest-exact")
    np.testing.assert_array_equal(got.numpy(), x[:, :, rows][:, :, :, cols])


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kwargs,out_hw,scales", [
    (dict(scale_factor=2), (10, 14), (2.0, 2.0)),
    (dict(size=(3, 9)), (3, 9), (None, None)),
    (dict(scale_factor=(0.5, 1.3)), (2, 9), (0.5, 1.3)),
])
def test_interpolate_bilinear_weights(rng, kwargs, out_hw, scales, align_corners):
    x = rng.standard_normal((2, 3, 5, 7))
    got = F.interpolate(t64(x, grad=False), mode="bilinear", align_corners=align_corners, **kwargs)
    expected = _bilinear_reference(x, *out_hw, scales if not align_corners else (None, None), align_corners)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode,kw", [("nearest", {}), ("bilinear", {"align_corners": False}),
                                     ("bilinear", {"align_corners": True}), ("area", {})])
def test_interpolate_gradients(rng, mode, kw):
    mdl.gradcheck(lambda a: F.interpolate(a, size=(4, 6), mode=mode, **kw), (t64(rng.standard_normal((1, 2, 3, 5))),))
    mdl.gradcheck(lambda a: F.interpolate(a, scale_factor=1.5, mode=mode, **kw),
                  (t64(rng.standard_normal((1, 1, 4, 3))),))


def test_interpolate_1d_area_and_errors(rng):
    x = rng.standard_normal((2, 3, 4))
    lin = F.interpolate(t64(x, grad=False), size=7, mode="linear", align_corners=True).numpy()
    np.testing.assert_allclose(lin[..., 0], x[..., 0])
    np.testing.assert_allclose(lin[..., -1], x[..., -1])
    area = F.interpolate(t64(rng.standard_normal((1, 1, 4, 6)), grad=False), size=(2, 3), mode="area")
    assert area.shape == (1, 1, 2, 3)
    inf = np.ones((1, 1, 2, 2))
    inf[0, 0, 0, 0] = np.inf
    assert np.isinf(F.interpolate(t64(inf, grad=False), scale_factor=2).numpy()[0, 0, :2, :2]).all()
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(t64(x, grad=False), size=3, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(t64(x, grad=False), size=3, align_corners=True)
    with pytest.raises(ValueError, match="mode 'cubic' is not supported"):
        F.interpolate(t64(rng.standard_normal((1, 1, 2, 2)), grad=False), size=3, mode="cubic")


def test_upsample_module(rng):
    up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
    assert repr(up) == "Upsample(scale_factor=2.0, mode='bilinear')"
    assert repr(nn.Upsample(size=(3, 4))) == "Upsample(size=(3, 4), mode='nearest')"
    x = rng.standard_normal((1, 2, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(up(mdl.tensor(x)).numpy(),
                               F.interpolate(mdl.tensor(x), scale_factor=2, mode="bilinear").numpy())
    assert nn.UpsamplingNearest2d(scale_factor=3)(mdl.tensor(x)).shape == (1, 2, 9, 9)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_match_numpy_pad(rng, mode):
    x = rng.standard_normal((2, 3, 4, 5))
    got = F.pad(t64(x, grad=False), (1, 2, 3, 0), mode=mode).numpy()
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    np.testing.assert_array_equal(got, np.pad(x, ((0, 0), (0, 0), (3, 0), (1, 2)), mode=np_mode))
    mdl.gradcheck(lambda a: F.pad(a, (2, 1), mode=mode), (t64(rng.standard_normal((1, 2, 3))),))


def test_pad_constant_value_and_errors():
    x = mdl.zeros(1, 2)
    assert F.pad(x, (1, 1), "constant", 5.0).tolist() == [[5.0, 0.0, 0.0, 5.0]]
    assert F.pad(x, (0, 1), value=2.0).tolist() == [[0.0, 0.0, 2.0]]
    with pytest.raises(ValueError, match="must be < its size"):
        F.pad(mdl.zeros(1, 1, 3), (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="mode must be one of"):
        F.pad(x, (1, 1), mode="wrap")


def test_one_hot():
    y = F.one_hot(mdl.tensor([[0, 2], [1, 1]]))
    assert y.dtype == np.int64 and y.shape == (2, 2, 3)
    assert y.tolist() == [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 0]]]
    assert F.one_hot(mdl.tensor([1]), num_classes=4).tolist() == [[0, 1, 0, 0]]
    with pytest.raises(ValueError, match="smaller than num_classes"):
        F.one_hot(mdl.tensor([3]), 3)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(mdl.tensor([-1]))
    with pytest.raises(TypeError, match="index tensor"):
        F.one_hot(mdl.tensor([1.0]))
