"""F.interpolate(..., antialias=True) and mode="lanczos": values and gradients against PyTorch 2.13 (fixture
made by tests/fixtures/make_interpolate_antialias.py), float64 gradchecks, PyTorch's refusals, and the
agreement with torchvision-style tensor resizing."""
from pathlib import Path

import numpy as np
import pytest

import minidl
import minidl.nn.functional as F
import minidl.vision.transforms.functional as TF
from minidl.autograd import gradcheck, gradgradcheck

FIXTURE = Path(__file__).parent / "fixtures" / "interpolate_antialias_torch.npz"
CASES = [((9, 11), dict(size=(4, 5))), ((9, 11), dict(size=(3, 17))), ((8, 8), dict(scale_factor=0.37)),
         ((7, 13), dict(scale_factor=(0.5, 0.3))), ((16, 10), dict(size=(16, 3))), ((5, 6), dict(size=(12, 13))),
         ((9, 11), dict(size=(4, 5), align_corners=True)), ((6, 7), dict(size=(1, 2))),
         ((10, 10), dict(scale_factor=0.45, recompute_scale_factor=True))]
PARAMS = [(mode, i) for mode in ("bilinear", "bicubic", "lanczos") for i in range(len(CASES))
          if not (mode == "lanczos" and CASES[i][1].get("align_corners"))]


@pytest.fixture(scope="module")
def reference():
    return np.load(FIXTURE)


@pytest.mark.parametrize("mode,case", PARAMS)
def test_values_and_gradients_match_pytorch(reference, mode, case):
    kw = CASES[case][1]
    x = minidl.tensor(reference[f"{mode}_{case}_x"], requires_grad=True)
    y = F.interpolate(x, mode=mode, antialias=True, **kw)
    grad, = minidl.autograd.grad((y * y).sum(), x)
    np.testing.assert_allclose(y.detach().numpy(), reference[f"{mode}_{case}_y"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad.numpy(), reference[f"{mode}_{case}_g"], rtol=1e-11, atol=1e-11)
    assert y.grad_fn.name() == f"Upsample{mode.capitalize()}2DAaBackward0"


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_float32_follows_float64(mode):
    x = np.random.default_rng(1).standard_normal((2, 3, 13, 9))
    y64 = F.interpolate(minidl.tensor(x), size=(5, 4), mode=mode, antialias=True)
    y32 = F.interpolate(minidl.tensor(x, dtype=minidl.float32), size=(5, 4), mode=mode, antialias=True)
    assert y32.dtype == minidl.float32
    np.testing.assert_allclose(y32.numpy(), y64.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_gradcheck(mode):
    x = minidl.tensor(np.random.default_rng(2).standard_normal((1, 2, 7, 6)), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, size=(3, 4), mode=mode, antialias=True), (x,))
    assert gradgradcheck(lambda t: F.interpolate(t, size=(3, 4), mode=mode, antialias=True), (x,))


def test_shrinking_averages_every_pixel():
    """A checkerboard shrunk 3x is nearly flat grey inside with antialiasing; plain bilinear hits one phase."""
    board = minidl.tensor((np.indices((24, 24)).sum(0) % 2).astype(np.float64)[None, None])
    smooth = F.interpolate(board, size=(8, 8), mode="bilinear", antialias=True).numpy()[0, 0, 1:-1, 1:-1]
    sharp = F.interpolate(board, size=(8, 8), mode="bilinear").numpy()[0, 0, 1:-1, 1:-1]
    assert np.abs(smooth - 0.5).max() < 0.01
    assert np.abs(sharp - 0.5).max() == 0.5


@pytest.mark.parametrize("kwargs,message", [
    (dict(mode="nearest", antialias=True), "Anti-alias option is restricted"),
    (dict(mode="lanczos"), "Lanczos mode requires antialias=True"),
    (dict(mode="lanczos", antialias=True, align_corners=True), "Lanczos mode does not support align_corners=True"),
])
def test_refusals(kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.interpolate(minidl.ones(1, 1, 4, 4), size=(2, 2), **kwargs)
    with pytest.raises(ValueError, match="Anti-alias option is restricted"):
        F.interpolate(minidl.ones(1, 1, 4), size=2, mode="linear", antialias=True)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_agrees_with_tensor_resize(mode):
    """torchvision's Tensor resize is interpolate(antialias=True); minidl.vision's gives the same."""
    x = minidl.rand(2, 3, 17, 23)
    interp = TF.InterpolationMode.BILINEAR if mode == "bilinear" else TF.InterpolationMode.BICUBIC
    for size in [(5, 7), (9, 30), (40, 11)]:
        a = TF.resize(x, list(size), interpolation=interp, antialias=True)
        b = F.interpolate(x, size=size, mode=mode, antialias=True)
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)
