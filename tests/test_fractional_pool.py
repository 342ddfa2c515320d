"""F.fractional_max_pool2d/3d (+ _with_indices) and nn.FractionalMaxPool2d/3d against a NumPy loop reference
of PyTorch's window sequence (starts int((i + u) * alpha) - int(u * alpha), last one in - k, computed in the
input's float dtype; samples ordered (W, H) in 2-D and (T, H, W) in 3-D)."""
import itertools

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def starts_loop(u, size, out, k):
    """One axis' window starts, element by element, in u's dtype."""
    scalar = type(u)
    seq = []
    for i in range(out - 1):
        alpha = scalar(size - k) / scalar(out - 1)
        seq.append(int((scalar(i) + u) * alpha) - int(u * alpha))
    return seq + [size - k] if out > 0 else []


def reference(x, kernel, out, samples):
    """Values and flat indices by explicit loops over planes, outputs and windows (first max, last NaN)."""
    dims = len(kernel)
    spatial = x.shape[-dims:]
    values = np.zeros(x.shape[:2] + tuple(out), x.dtype)
    indices = np.zeros(x.shape[:2] + tuple(out), np.int64)
    column = (1, 0) if dims == 2 else (0, 1, 2)
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        seqs = [starts_loop(samples[n, c, column[a]], spatial[a], out[a], kernel[a]) for a in range(dims)]
        for cell in itertools.product(*[range(o) for o in out]):
            best, best_index = -np.inf, None
            for offset in itertools.product(*[range(k) for k in kernel]):
                pos = tuple(seqs[a][cell[a]] + offset[a] for a in range(dims))
                flat = int(np.ravel_multi_index(pos, spatial))
                best_index = flat if best_index is None else best_index
                val = x[(n, c) + pos]
                if val > best or np.isnan(val):
                    best, best_index = val, flat
            values[(n, c) + cell], indices[(n, c) + cell] = best, best_index
    return values, indices


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", [((11, 9), (3, 2), (5, 7)), ((7, 13), (2, 3), (6, 3)), ((5, 5), (1, 1), (1, 5)),
                                  ((9, 8), (2, 2), (8, 7))])
def test_2d_matches_loop_reference(rng, dtype, case):
    spatial, kernel, out = case
    x = rng.standard_normal((2, 3) + spatial).astype(dtype)
    x[0, 1] = np.round(x[0, 1])  # ties: the first largest wins
    x[1, 2, 1, 1] = np.nan
    samples = rng.random((2, 3, 2)).astype(dtype)
    values, indices = F.fractional_max_pool2d(mdl.tensor(x), kernel, out, return_indices=True,
                                              _random_samples=mdl.tensor(samples))
    ref_values, ref_indices = reference(x, kernel, out, samples)
    np.testing.assert_array_equal(values.numpy(), ref_values)
    np.testing.assert_array_equal(indices.numpy(), ref_indices)
    assert values.dtype == dtype and indices.dtype == mdl.int64
    again = F.fractional_max_pool2d_with_indices(mdl.tensor(x), kernel, out, _random_samples=mdl.tensor(samples))
    np.testing.assert_array_equal(again[1].numpy(), ref_indices)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_3d_matches_loop_reference(rng, dtype):
    x = rng.standard_normal((2, 2, 7, 6, 9)).astype(dtype)
    samples = rng.random((2, 2, 3)).astype(dtype)
    values, indices = F.fractional_max_pool3d(mdl.tensor(x), (2, 3, 2), (4, 3, 5), return_indices=True,
                                              _random_samples=mdl.tensor(samples))
    ref_values, ref_indices = reference(x, (2, 3, 2), (4, 3, 5), samples)
    np.testing.assert_array_equal(values.numpy(), ref_values)
    np.testing.assert_array_equal(indices.numpy(), ref_indices)
    with_indices = F.fractional_max_pool3d_with_indices(mdl.tensor(x), 2, output_ratio=0.5,
                                                        _random_samples=mdl.tensor(samples))
    assert tuple(with_indices[0].shape) == (2, 2, 3, 3, 4)


def test_output_ratio_unbatched_and_seeded_samples(rng):
    x = mdl.tensor(rng.standard_normal((3, 10, 7)))
    assert tuple(F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.75)).shape) == (3, 5, 5)
    mdl.manual_seed(7)
    first = F.fractional_max_pool2d(x, 2, output_size=4, return_indices=True)[1]
    mdl.manual_seed(7)
    second = F.fractional_max_pool2d(x, 2, output_size=4, return_indices=True)[1]
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    batched = F.fractional_max_pool2d(x.unsqueeze(0), 2, 4, _random_samples=mdl.full((1, 3, 2), 0.3,
                                                                                       dtype=mdl.float64))
    alone = F.fractional_max_pool2d(x, 2, 4, _random_samples=mdl.full((1, 3, 2), 0.3, dtype=mdl.float64))
    np.testing.assert_array_equal(batched.numpy()[0], alone.numpy())


def test_gradients_with_fixed_samples(rng):
    x = mdl.tensor(rng.standard_normal((2, 2, 7, 6)), requires_grad=True)
    samples = mdl.tensor(rng.random((2, 2, 2)))
    pool = lambda x: F.fractional_max_pool2d(x, (3, 2), (4, 3), _random_samples=samples) ** 2  # noqa: E731
    assert gradcheck(pool, (x,)) and gradgradcheck(pool, (x,))
    v = mdl.tensor(rng.standard_normal((1, 2, 5, 4, 6)), requires_grad=True)
    samples3 = mdl.tensor(rng.random((1, 2, 3)))
    pool3 = lambda v: F.fractional_max_pool3d(v, 2, (3, 2, 4), _random_samples=samples3).sin()  # noqa: E731
    assert gradcheck(pool3, (v,)) and gradgradcheck(pool3, (v,))
    out = F.fractional_max_pool2d(x, 2, 3, _random_samples=samples)
    out.sum().backward()
    # every output sends exactly one 1 to its winner: the gradient sums to the number of outputs
    assert x.grad.sum().item() == pytest.approx(out.numel())


def test_layers_and_state_dict(rng):
    samples = mdl.tensor(rng.random((1, 3, 2)).astype(np.float32))
    layer = nn.FractionalMaxPool2d(3, output_size=(4, 5), return_indices=True, _random_samples=samples)
    assert list(layer.state_dict()) == ["_random_samples"] and layer.kernel_size == (3, 3)
    assert layer.output_size == (4, 5) and layer.output_ratio is None and repr(layer) == "FractionalMaxPool2d()"
    x = mdl.randn(1, 3, 9, 11)
    values, indices = layer(x)
    ref_values, ref_indices = reference(x.numpy(), (3, 3), (4, 5), samples.numpy())
    np.testing.assert_array_equal(values.numpy(), ref_values)
    assert list(nn.FractionalMaxPool2d(2, output_ratio=0.5).state_dict()) == []
    layer3 = nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 0.6))
    assert layer3.output_ratio == (0.5, 0.5, 0.6) and tuple(layer3(mdl.randn(2, 6, 6, 5)).shape) == (2, 3, 3, 3)


def test_errors():
    with pytest.raises(ValueError, match="either an output size, or a pooling ratio"):
        nn.FractionalMaxPool2d(3)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        nn.FractionalMaxPool3d(3, output_size=2, output_ratio=0.5)
    with pytest.raises(ValueError, match=r"between 0 and 1 \(got 1.5\)"):
        nn.FractionalMaxPool2d(3, output_ratio=1.5)
    x = mdl.randn(2, 2, 7, 7)
    with pytest.raises(ValueError, match="output_size or an output_ratio"):
        F.fractional_max_pool2d(x, 2)
    with pytest.raises(RuntimeError, match="pool height 5 too large relative to input height 7"):
        F.fractional_max_pool2d(x, 5, 4)
    with pytest.raises(RuntimeError, match="pool time 2 too large"):
        F.fractional_max_pool3d(mdl.randn(1, 1, 5, 5, 5), 2, 4)
    with pytest.raises(RuntimeError, match="Expected 3D or 4D"):
        F.fractional_max_pool2d(mdl.randn(1, 1, 2, 7, 7), 2, 3)
    with pytest.raises(RuntimeError, match="channel size"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=mdl.rand(2, 3, 2))
    with pytest.raises(RuntimeError, match="no less then input batch size"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=mdl.rand(1, 2, 2))
    with pytest.raises(RuntimeError, match="size\\(2\\) equals to 2"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=mdl.rand(2, 2, 3))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=mdl.rand(2, 2, 2, dtype=mdl.float64))
    with pytest.raises(RuntimeError, match="output_size must either be a single Int"):
        F.fractional_max_pool2d(x, 2, (3, 3, 3))


def test_empty_and_extreme_outputs():
    x = mdl.randn(1, 2, 7, 7)
    values, indices = F.fractional_max_pool2d(x, 2, (0, 3), return_indices=True)
    assert tuple(values.shape) == (1, 2, 0, 3) and tuple(indices.shape) == (1, 2, 0, 3)
    whole = F.fractional_max_pool2d(x, 7, 1)
    np.testing.assert_array_equal(whole.numpy()[..., 0, 0], x.numpy().max(axis=(2, 3)))
    np.testing.assert_array_equal(F.fractional_max_pool2d(x, 1, 7).numpy(), x.numpy())
