"""F.ctc_loss / nn.CTCLoss and F.affine_grid / F.grid_sample: values against plain NumPy references
(CTC by enumerating every alignment of a short input; grid sampling by a per-point loop), PyTorch's
errors, and float64 gradcheck + gradgradcheck.

Values were also compared with PyTorch 2.13 in a scratch script (losses, gradients with respect to
the logits, all modes and padding modes); the test needs only minidl.
"""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def _log_softmax(a):
    return a - np.log(np.exp(a).sum(-1, keepdims=True))


# --- CTC ---------------------------------------------------------------------------------

def _ctc_brute_force(lp, target, blank):
    """-log of the summed probability of every frame labelling that collapses to ``target``."""
    steps, classes = lp.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        collapsed = [k for i, k in enumerate(path) if (i == 0 or k != path[i - 1]) and k != blank]
        if collapsed == list(target):
            total += math.exp(sum(lp[t, k] for t, k in enumerate(path)))
    return -math.log(total) if total > 0 else math.inf


def test_ctc_matches_brute_force(rng):
    steps, batch, classes = 5, 4, 3
    lp = _log_softmax(rng.standard_normal((steps, batch, classes)))
    targets = np.array([[1, 2], [1, 1], [2, 0], [1, 2]])
    input_lengths, target_lengths = np.array([5, 5, 4, 3]), np.array([2, 2, 1, 2])
    losses = F.ctc_loss(mdl.tensor(lp), mdl.tensor(targets), mdl.tensor(input_lengths), mdl.tensor(target_lengths),
                        reduction="none").numpy()
    expected = [_ctc_brute_force(lp[:input_lengths[n], n], targets[n, :target_lengths[n]], 0) for n in range(batch)]
    np.testing.assert_allclose(losses, expected, rtol=1e-10)
    # another blank, concatenated targets, lists for the lengths, mean and sum reductions
    flat = np.array([0, 1, 1, 0, 1])
    by_lists = F.ctc_loss(mdl.tensor(lp), mdl.tensor(flat), [5, 5, 4, 3], [2, 1, 1, 1], blank=2, reduction="none")
    expected = [_ctc_brute_force(lp[:n_in, n], t, 2) for n, (n_in, t) in
                enumerate(zip([5, 5, 4, 3], [[0, 1], [1], [0], [1]]))]
    np.testing.assert_allclose(by_lists.numpy(), expected, rtol=1e-10)
    mean = F.ctc_loss(mdl.tensor(lp), mdl.tensor(flat), [5, 5, 4, 3], [2, 1, 1, 1], blank=2).item()
    assert mean == pytest.approx(np.mean(np.array(expected) / [2, 1, 1, 1]))
    total = nn.CTCLoss(blank=2, reduction="sum")(mdl.tensor(lp), mdl.tensor(flat), [5, 5, 4, 3], [2, 1, 1, 1])
    assert total.item() == pytest.approx(sum(expected))


def test_ctc_unbatched_empty_target_and_impossible(rng):
    lp = _log_softmax(rng.standard_normal((4, 2, 3)))
    single = F.ctc_loss(mdl.tensor(lp[:, 0]), mdl.tensor([1, 2]), mdl.tensor(4), mdl.tensor(2), reduction="none")
    assert single.shape == () and single.item() == pytest.approx(_ctc_brute_force(lp[:, 0], [1, 2], 0))
    empty = F.ctc_loss(mdl.tensor(lp), mdl.tensor([[1], [1]]), [4, 3], [0, 1], reduction="none").numpy()
    assert empty[0] == pytest.approx(-lp[:, 0, 0].sum())
    too_long = F.ctc_loss(mdl.tensor(lp), mdl.tensor([[1, 1, 1], [1, 2, 1]]), [4, 2], [3, 3], reduction="none")
    assert too_long.tolist()[1] == math.inf          # 3 labels cannot fit in 2 frames
    logits = mdl.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
    zeroed = F.ctc_loss(logits.log_softmax(2), mdl.tensor([[1, 1, 1], [1, 2, 1]]), [4, 2], [3, 3],
                        reduction="none", zero_infinity=True)
    assert zeroed.tolist()[1] == 0.0
    zeroed.sum().backward()
    assert np.isfinite(logits.grad.numpy()).all() and (logits.grad.numpy()[:, 1] == 0).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"input_lengths": [6, 5]}, "Expected input_lengths to have value at most 5, but got value 6"),
    ({"blank": 3}, "blank must be in label range"),
    ({"target_lengths": [4, 2]}, "Expected tensor to have size at least 4 at dimension 1, but got size 2"),
    ({"target_lengths": [1]}, "target_lengths must have 2 entries"),
    ({"targets": mdl.tensor([[1, 3], [2, 2]])}, "target label 3 is out of range for 3 classes"),
])
def test_ctc_errors(kwargs, message):
    args = {"log_probs": mdl.zeros(5, 2, 3), "targets": mdl.tensor([[1, 2], [2, 2]]), "input_lengths": [5, 5],
            "target_lengths": [2, 2]}
    args.update(kwargs)
    with pytest.raises(RuntimeError, match=message):
        F.ctc_loss(**args)
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.ctc_loss(mdl.zeros(5, 2, 3), mdl.tensor([[1, 2], [2, 2]]), [5, 5], [2, 2], reduction="avg")


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_ctc_gradcheck(rng, reduction):
    """Through the log_softmax that makes log_probs (as PyTorch's own checks), first and second order."""
    targets, lengths = mdl.tensor([[1, 2, 2], [2, 1, 0]]), ([6, 4], [3, 2])
    logits = mdl.tensor(rng.standard_normal((6, 2, 4)), requires_grad=True)

    def loss(z):
        return F.ctc_loss(z.log_softmax(2), targets, *lengths, reduction=reduction)

    assert gradcheck(loss, (logits,))
    assert gradgradcheck(loss, (logits,))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_gradient_wrt_log_probs_is_pytorchs(rng, reduction):
    """PyTorch's kernel returns the exact derivative plus exp(log_probs) on each element's input frames
    (read off PyTorch 2.13); minidl's is the same, so the exact part matches finite differences."""
    targets, input_lengths, target_lengths = mdl.tensor([[1, 2, 2], [2, 1, 0]]), [6, 4], [3, 2]
    lp = mdl.tensor(_log_softmax(rng.standard_normal((6, 2, 4))), requires_grad=True)
    weights = mdl.tensor(rng.standard_normal(2 if reduction == "none" else ()))

    def loss(log_probs):
        return (F.ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction=reduction) * weights).sum()

    grad, = mdl.autograd.grad(loss(lp), lp)
    frames = (np.arange(6)[:, None] < np.array(input_lengths)[None, :])[..., None]
    w = weights.numpy()
    per_element = {"none": w, "sum": np.full(2, w), "mean": w / (2 * np.array(target_lengths))}[reduction]
    extra = np.exp(lp.detach().numpy()) * frames * per_element[None, :, None]
    base, eps = lp.detach().numpy(), 1e-6
    numeric = np.zeros_like(base)
    for idx in np.ndindex(*base.shape):
        up, down = base.copy(), base.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (float(loss(mdl.tensor(up))) - float(loss(mdl.tensor(down)))) / (2 * eps)
    np.testing.assert_allclose(grad.numpy() - extra, numeric, atol=1e-7)


# --- affine_grid / grid_sample ---------------------------------------------------------------

def _affine_grid_reference(theta, height, width, align_corners):
    def axis(steps):
        c = np.linspace(-1, 1, steps) if steps > 1 else np.zeros(1)
        return c if align_corners else c * (steps - 1) / steps
    xs, ys = axis(width), axis(height)
    out = np.zeros((theta.shape[0], height, width, 2))
    for n, i, j in itertools.product(range(theta.shape[0]), range(height), range(width)):
        out[n, i, j] = theta[n] @ np.array([xs[j], ys[i], 1.0])
    return out


def _source(coord, size, padding, align_corners):
    pixel = (coord + 1) / 2 * (size - 1) if align_corners else ((coord + 1) * size - 1) / 2
    if padding == "border":
        pixel = min(max(pixel, 0), size - 1)
    elif padding == "reflection":
        low, high = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
        span = high - low
        if span <= 0:
            return 0.0
        distance = abs(pixel - low)
        flips, extra = divmod(distance, span)
        pixel = low + extra if flips % 2 == 0 else high - extra
        pixel = min(max(pixel, 0), size - 1)
    return pixel


def _cubic(distance, a=-0.75):
    """The cubic-convolution kernel (Keys, a = -0.75) at ``distance`` from a tap."""
    d = abs(distance)
    if d <= 1:
        return (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1
    if d < 2:
        return a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a
    return 0.0


def _source_pixel(pixel, size, padding, align_corners):
    """A tap's pixel position moved into the image by the padding mode (unchanged for 'zeros')."""
    if padding == "zeros":
        return pixel
    to_coord = (2 * pixel / (size - 1) - 1) if align_corners and size > 1 else (2 * pixel + 1) / size - 1
    return _source(to_coord, size, padding, align_corners) if size > 1 or not align_corners else 0.0


def _grid_sample_reference(image, grid, mode, padding, align_corners):
    n_batch, channels, height, width = image.shape
    out = np.zeros((n_batch, channels) + grid.shape[1:3])
    for n, i, j in itertools.product(range(n_batch), range(grid.shape[1]), range(grid.shape[2])):
        x = _source(grid[n, i, j, 0], width, padding, align_corners)
        y = _source(grid[n, i, j, 1], height, padding, align_corners)

        def pixel(r, c, n=n):
            return image[n, :, r, c] if 0 <= r < height and 0 <= c < width else np.zeros(channels)
        if mode == "nearest":
            out[n, :, i, j] = pixel(int(np.rint(y)), int(np.rint(x)))
        elif mode == "bicubic":    # taps at floor-1 .. floor+2, each moved by the padding mode
            x = (grid[n, i, j, 0] + 1) / 2 * (width - 1) if align_corners else ((grid[n, i, j, 0] + 1) * width - 1) / 2
            y = (grid[n, i, j, 1] + 1) / 2 * (height - 1) if align_corners else \
                ((grid[n, i, j, 1] + 1) * height - 1) / 2
            x0, y0 = math.floor(x), math.floor(y)
            total = np.zeros(channels)
            for a_row in range(-1, 3):
                for a_col in range(-1, 3):
                    r = round(_source_pixel(y0 + a_row, height, padding, align_corners))
                    c = round(_source_pixel(x0 + a_col, width, padding, align_corners))
                    total += _cubic(y - (y0 + a_row)) * _cubic(x - (x0 + a_col)) * pixel(r, c)
            out[n, :, i, j] = total
        else:
            x0, y0 = math.floor(x), math.floor(y)
            fx, fy = x - x0, y - y0
            out[n, :, i, j] = ((1 - fy) * ((1 - fx) * pixel(y0, x0) + fx * pixel(y0, x0 + 1))
                               + fy * ((1 - fx) * pixel(y0 + 1, x0) + fx * pixel(y0 + 1, x0 + 1)))
    return out


@pytest.mark.parametrize("align_corners", [True, False])
def test_affine_grid_matches_reference(rng, align_corners):
    theta = rng.standard_normal((2, 2, 3))
    grid = F.affine_grid(mdl.tensor(theta), (2, 3, 4, 5), align_corners=align_corners)
    assert grid.shape == (2, 4, 5, 2)
    np.testing.assert_allclose(grid.numpy(), _affine_grid_reference(theta, 4, 5, align_corners), rtol=1e-12)
    volume = F.affine_grid(mdl.tensor(rng.standard_normal((1, 3, 4))), (1, 2, 3, 4, 5), align_corners=align_corners)
    assert volume.shape == (1, 3, 4, 5, 3)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [True, False])
def test_grid_sample_matches_reference(rng, mode, padding_mode, align_corners):
    image = rng.standard_normal((2, 3, 4, 5))
    grid = rng.uniform(-1.6, 1.6, (2, 3, 7, 2))                  # includes points outside the image
    out = F.grid_sample(mdl.tensor(image), mdl.tensor(grid), mode=mode, padding_mode=padding_mode,
                        align_corners=align_corners)
    assert out.shape == (2, 3, 3, 7)
    np.testing.assert_allclose(out.numpy(), _grid_sample_reference(image, grid, mode, padding_mode, align_corners),
                               rtol=1e-10, atol=1e-12)


def test_identity_transform_reproduces_the_image(rng):
    image = mdl.tensor(rng.standard_normal((1, 2, 5, 6)))
    theta = mdl.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=mdl.float64)
    for align_corners in (True, False):
        grid = F.affine_grid(theta, (1, 2, 5, 6), align_corners=align_corners)
        out = F.grid_sample(image, grid, align_corners=align_corners)
        np.testing.assert_allclose(out.numpy(), image.numpy(), rtol=1e-12, atol=1e-12)


def test_grid_sample_warnings_and_errors():
    image, grid = mdl.zeros(1, 1, 3, 3), mdl.zeros(1, 2, 2, 2)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
        F.grid_sample(image, grid)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
        F.affine_grid(mdl.zeros(1, 2, 3), (1, 1, 3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.grid_sample(image, grid, align_corners=False)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or 'bicubic'"):
        F.grid_sample(image, grid, mode="area", align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode to be 'zeros', 'border', or 'reflection'"):
        F.grid_sample(image, grid, padding_mode="wrap", align_corners=False)
    with pytest.raises(ValueError, match="same dtype"):
        F.grid_sample(image, grid.double(), align_corners=False)
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        F.grid_sample(mdl.zeros(1, 1, 2, 2, 2), mdl.zeros(1, 1, 1, 1, 3), mode="bicubic", align_corners=False)
    with pytest.raises(ValueError, match="Expected a batch of 2D affine matrices of shape Nx2x3"):
        F.affine_grid(mdl.zeros(1, 3, 3), (1, 1, 3, 3), align_corners=False)
    with pytest.raises(NotImplementedError, match="affine_grid only supports 4D and 5D sizes"):
        F.affine_grid(mdl.zeros(1, 2, 3), (1, 3, 3), align_corners=False)


def _volume_reference(volume, grid, mode, padding, align_corners):
    n_batch, channels = volume.shape[:2]
    sizes = volume.shape[2:]
    out = np.zeros((n_batch, channels) + grid.shape[1:4])
    for n, d, i, j in itertools.product(range(n_batch), *(range(k) for k in grid.shape[1:4])):
        # grid holds (x, y, z): x indexes W (axis 2 of sizes), z indexes D (axis 0)
        pos = [_source(grid[n, d, i, j, 2 - axis], sizes[axis], padding, align_corners) for axis in range(3)]

        def voxel(idx, n=n):
            return volume[n, :, idx[0], idx[1], idx[2]] if all(0 <= k < s for k, s in zip(idx, sizes)) \
                else np.zeros(channels)
        if mode == "nearest":
            out[n, :, d, i, j] = voxel([int(np.rint(p)) for p in pos])
            continue
        lows = [math.floor(p) for p in pos]
        for bits in itertools.product((0, 1), repeat=3):
            weight = np.prod([(p - lo) if b else (1 - (p - lo)) for p, lo, b in zip(pos, lows, bits)])
            out[n, :, d, i, j] += weight * voxel([lo + b for lo, b in zip(lows, bits)])
    return out


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [True, False])
def test_volumetric_grid_sample_matches_reference(rng, mode, padding_mode, align_corners):
    volume = rng.standard_normal((2, 2, 3, 4, 5))
    grid = rng.uniform(-1.4, 1.4, (2, 2, 3, 2, 3))
    out = F.grid_sample(mdl.tensor(volume), mdl.tensor(grid), mode=mode, padding_mode=padding_mode,
                        align_corners=align_corners)
    assert out.shape == (2, 2, 2, 3, 2)
    np.testing.assert_allclose(out.numpy(), _volume_reference(volume, grid, mode, padding_mode, align_corners),
                               rtol=1e-10, atol=1e-12)


def _t(a):
    return mdl.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [True, False])
def test_grid_sample_bilinear_gradcheck(rng, padding_mode, align_corners):
    image = _t(rng.standard_normal((1, 2, 3, 4)))
    grid = _t(rng.uniform(-1.3, 1.3, (1, 2, 3, 2)))

    def sample(i, g):
        return F.grid_sample(i, g, padding_mode=padding_mode, align_corners=align_corners)

    assert gradcheck(sample, (image, grid))
    assert gradgradcheck(sample, (image, grid))


@pytest.mark.parametrize("padding_mode", ["zeros", "reflection"])
def test_grid_sample_bicubic_gradcheck(rng, padding_mode):
    image = _t(rng.standard_normal((1, 2, 3, 4)))
    grid = _t(rng.uniform(-1.2, 1.2, (1, 2, 2, 2)))

    def sample(i, g):
        return F.grid_sample(i, g, mode="bicubic", padding_mode=padding_mode, align_corners=False)

    assert gradcheck(sample, (image, grid))
    assert gradgradcheck(sample, (image, grid))


def test_grid_sample_nearest_gradcheck(rng):
    image = _t(rng.standard_normal((1, 2, 3, 4)))
    grid = mdl.tensor(rng.uniform(-1.1, 1.1, (1, 2, 3, 2)))

    def sample(i):
        return F.grid_sample(i, grid, mode="nearest", align_corners=False)

    assert gradcheck(sample, (image,))
    assert gradgradcheck(sample, (image,))


@pytest.mark.parametrize("padding_mode", ["zeros", "reflection"])
def test_volumetric_grid_sample_gradcheck(rng, padding_mode):
    volume = _t(rng.standard_normal((1, 1, 2, 3, 3)))
    grid = _t(rng.uniform(-1.2, 1.2, (1, 1, 2, 2, 3)))

    def sample(v, g):
        return F.grid_sample(v, g, padding_mode=padding_mode, align_corners=True)

    assert gradcheck(sample, (volume, grid))
    assert gradgradcheck(sample, (volume, grid))


def test_spatial_transformer_gradcheck_through_theta(rng):
    image = _t(rng.standard_normal((2, 1, 4, 4)))
    theta = _t(np.array([[[0.9, 0.1, 0.05], [-0.1, 0.8, 0.1]], [[1.1, 0.0, -0.1], [0.2, 0.9, 0.0]]]))

    def transform(t, i):
        return F.grid_sample(i, F.affine_grid(t, (2, 1, 3, 3), align_corners=False), align_corners=False)

    assert gradcheck(transform, (theta, image))
    assert gradgradcheck(transform, (theta, image))
