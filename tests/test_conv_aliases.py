"""torch.convolution / conv_tbc / affine_grid_generator / grid_sampler(_2d/_3d): PyTorch's values (sums printed
by PyTorch 2.13 for the same seed) and gradients through the aliases."""
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


def test_values_equal_pytorchs():
    mdl.manual_seed(0)
    x, w, b = mdl.randn(2, 3, 7, 6), mdl.randn(4, 3, 3, 3), mdl.randn(4)
    assert mdl.convolution(x, w, b, [2, 1], [1, 0], [1, 2], False, [0, 0], 1).sum().item() == \
        pytest.approx(-5.85382080078125, abs=1e-4)
    wt = mdl.randn(3, 2, 3, 3)
    out = mdl.convolution(x, wt, None, [2, 2], [1, 1], [1, 1], True, [1, 0], 1)
    assert tuple(out.shape) == (2, 2, 14, 11) and out.sum().item() == pytest.approx(21.993619918823242, abs=1e-4)
    x1, w1 = mdl.randn(2, 4, 9), mdl.randn(6, 2, 3)
    assert mdl.convolution(x1, w1, None, [1], [1], [1], False, [0], 2).sum().item() == \
        pytest.approx(-8.572643280029297, abs=1e-4)
    grid = mdl.affine_grid_generator(mdl.randn(2, 2, 3), [2, 3, 5, 4], False)
    assert grid.sum().item() == pytest.approx(-16.63290786743164, abs=1e-4)
    assert mdl.grid_sampler(x, grid, 0, 0, False).sum().item() == pytest.approx(2.393399238586426, abs=1e-4)
    assert mdl.grid_sampler(x, grid, 1, 1, True).sum().item() == pytest.approx(5.223515510559082, abs=1e-4)
    assert mdl.grid_sampler_2d(x, grid, 2, 2, False).sum().item() == pytest.approx(-2.9415040016174316, abs=1e-4)
    assert mdl.conv_tbc(mdl.randn(5, 2, 3), mdl.randn(3, 3, 4), mdl.randn(4), 1).sum().item() == \
        pytest.approx(2.3479673862457275, abs=1e-4)
    with pytest.raises(RuntimeError, match="interpolation_mode must be one of"):
        mdl.grid_sampler(x, grid, 5, 0, False)
    with pytest.raises(RuntimeError, match="expected 5D input"):
        mdl.grid_sampler_3d(x, grid, 0, 0, False)


def test_gradients_through_convolution():
    x = mdl.randn(1, 2, 5, 4, dtype=mdl.float64, requires_grad=True)
    w = mdl.randn(3, 2, 2, 2, dtype=mdl.float64, requires_grad=True)
    conv = lambda x, w: mdl.convolution(x, w, None, [1, 2], [1, 0], [1, 1], False, [0, 0], 1)  # noqa: E731
    assert gradcheck(conv, (x, w)) and gradgradcheck(conv, (x, w))
    wt = mdl.randn(2, 3, 2, 2, dtype=mdl.float64, requires_grad=True)
    tconv = lambda x, w: mdl.convolution(x, w, None, [2, 2], [0, 0], [1, 1], True, [1, 0], 1)  # noqa: E731
    assert gradcheck(tconv, (x, wt)) and gradgradcheck(tconv, (x, wt))


def test_empty_permuted_strides_as_pytorch():
    t = mdl.empty_permuted((2, 3, 4, 5), (0, 2, 3, 1))
    assert tuple(t.shape) == (2, 3, 4, 5) and t.stride() == (60, 1, 15, 3)
    assert t.is_contiguous(memory_format=mdl.channels_last)
    d = mdl.empty_permuted((2, 3), (1, 0), dtype=mdl.float64, requires_grad=True)
    assert d.dtype == mdl.float64 and d.requires_grad and d.is_leaf and d.stride() == (1, 2)
    with pytest.raises(RuntimeError, match="Duplicate dim not allowed"):
        mdl.empty_permuted((2, 3), (0, 0))
    with pytest.raises(RuntimeError, match="len\\(size\\) = 2 is not equal to len\\(physical_layout\\) = 1"):
        mdl.empty_permuted((2, 3), (0,))
