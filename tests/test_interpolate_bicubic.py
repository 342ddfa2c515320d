"""``F.interpolate(mode="bicubic")``: PyTorch's values, a plain per-pixel reference, and gradients.

``tests/fixtures/bicubic_torch.npz`` holds PyTorch 2.13's outputs (made once by
``tests/fixtures/make_bicubic.py``)."""
from pathlib import Path

import numpy as np
import pytest

import minidl
import minidl.nn.functional as F
from minidl.gradcheck import gradcheck, gradgradcheck

FIXTURE = Path(__file__).parent / "fixtures" / "bicubic_torch.npz"
CASES = {"up_5x7": dict(size=(5, 7)), "up_5x7_ac": dict(size=(5, 7), align_corners=True),
         "scale_2.5": dict(scale_factor=2.5), "down_half": dict(scale_factor=0.5),
         "mixed": dict(scale_factor=(1.7, 0.6)), "one_ac": dict(size=(1, 1), align_corners=True),
         "recompute": dict(scale_factor=1.3, recompute_scale_factor=True)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    data = np.load(FIXTURE)
    out = F.interpolate(minidl.tensor(data["x"]), mode="bicubic", **CASES[name])
    np.testing.assert_allclose(out.numpy(), data[name], rtol=1e-5, atol=1e-5)


def _keys(x, a=-0.75):
    x = abs(x)
    if x <= 1:
        return ((a + 2) * x - (a + 3)) * x * x + 1
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a if x < 2 else 0.0


def _reference(img, oh, ow, align_corners):
    """Per output pixel: the 4 x 4 taps around its source point, clamped at the edges (float64)."""
    h, w = img.shape
    out = np.zeros((oh, ow))

    def src(d, n, o):
        if align_corners:
            return d * ((n - 1) / (o - 1) if o > 1 else 0.0)
        return (d + 0.5) * n / o - 0.5

    for i in range(oh):
        for j in range(ow):
            sy, sx = src(i, h, oh), src(j, w, ow)
            by, bx = int(np.floor(sy)), int(np.floor(sx))
            acc = 0.0
            for ky in range(-1, 3):
                for kx in range(-1, 3):
                    v = img[min(max(by + ky, 0), h - 1), min(max(bx + kx, 0), w - 1)]
                    acc += v * _keys(sy - (by + ky)) * _keys(sx - (bx + kx))
            out[i, j] = acc
    return out


@pytest.mark.parametrize("size,align_corners", [((7, 9), False), ((3, 2), False), ((6, 11), True), ((2, 3), True)])
def test_matches_plain_reference(size, align_corners):
    img = np.random.default_rng(1).standard_normal((5, 7))
    out = F.interpolate(minidl.tensor(img[None, None]), size=size, mode="bicubic", align_corners=align_corners)
    np.testing.assert_allclose(out.numpy()[0, 0], _reference(img, *size, align_corners), rtol=1e-12, atol=1e-12)


def test_same_size_is_identity_and_named_node():
    x = minidl.randn(1, 2, 3, 5, requires_grad=True)
    out = F.interpolate(x, size=(3, 5), mode="bicubic")
    np.testing.assert_array_equal(out.detach().numpy(), x.detach().numpy())
    assert F.interpolate(x, scale_factor=2, mode="bicubic").grad_fn.name() == "UpsampleBicubic2DBackward0"


def test_gradients_float64():
    x = minidl.randn(1, 2, 3, 4, dtype=minidl.float64, requires_grad=True)
    for kw in (dict(size=(5, 7)), dict(scale_factor=0.6, align_corners=True)):
        assert gradcheck(lambda t, kw=kw: F.interpolate(t, mode="bicubic", **kw), (x,))
        assert gradgradcheck(lambda t, kw=kw: F.interpolate(t, mode="bicubic", **kw) ** 2, (x,))


def test_needs_a_4d_input():
    with pytest.raises(NotImplementedError, match="bicubic mode needs 4D input"):
        F.interpolate(minidl.ones(1, 2, 3), size=5, mode="bicubic")
