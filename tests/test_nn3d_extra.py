"""F.max_unpool3d / nn.MaxUnpool3d, F.lp_pool3d / nn.LPPool3d and the *_with_indices 3-D pools: values
against plain NumPy loops, float64 gradcheck and gradgradcheck, reprs and PyTorch's errors."""
import numpy as np
import pytest

import minidl as torch
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def test_max_unpool3d_matches_loops(rng):
    x = torch.tensor(rng.standard_normal((2, 3, 5, 6, 7)))
    values, where = F.max_pool3d(x, (2, 3, 2), (2, 2, 3), (1, 1, 0), return_indices=True)
    out = F.max_unpool3d(values, where, (2, 3, 2), (2, 2, 3), (1, 1, 0), output_size=(5, 6, 7)).numpy()
    ref = np.zeros((2, 3, 5 * 6 * 7))
    v, w = values.numpy(), where.numpy()
    for n in range(2):
        for c in range(3):
            for pos, val in zip(w[n, c].ravel(), v[n, c].ravel()):
                ref[n, c, pos] = val
    np.testing.assert_array_equal(out, ref.reshape(2, 3, 5, 6, 7))
    # default size (D - 1) * stride - 2 * padding + kernel, and the module form with an unbatched input
    pooled, idx = nn.MaxPool3d(2, return_indices=True)(x[0, :, :4, :4, :6])
    back = nn.MaxUnpool3d(2)(pooled, idx)
    assert back.shape == (3, 4, 4, 6)
    kept = back.numpy() != 0
    np.testing.assert_array_equal(back.numpy()[kept], x.numpy()[0, :, :4, :4, :6][kept])
    assert kept.sum() == pooled.numel()


def test_lp_pool3d_matches_loops(rng):
    x = np.abs(rng.standard_normal((2, 3, 5, 6, 7))) + 0.1
    for p, k, s, ceil in [(2.0, (2, 2, 2), None, False), (1.5, (2, 2, 3), 1, True), (3.0, (3, 2, 2), 2, True)]:
        out = F.lp_pool3d(torch.tensor(x), p, k, s, ceil).numpy()
        st = k if s is None else (s,) * 3
        size = [(-(-(n - kk) // ss) if ceil else (n - kk) // ss) + 1 for n, kk, ss in zip(x.shape[2:], k, st)]
        size = [o - 1 if ceil and (o - 1) * ss >= n else o for o, ss, n in zip(size, st, x.shape[2:])]
        ref = np.zeros((2, 3, *size))
        for o in np.ndindex(*size):
            box = x[:, :, o[0] * st[0]:o[0] * st[0] + k[0], o[1] * st[1]:o[1] * st[1] + k[1],
                    o[2] * st[2]:o[2] * st[2] + k[2]]
            # PyTorch's rule: the mean of the p-th powers over the (ceil_mode-clipped) window times the full
            # kernel volume, so a clipped window is scaled up, not summed as it is
            mean = (box ** p).mean(axis=(2, 3, 4))
            ref[(slice(None), slice(None)) + o] = (mean * np.prod(k)) ** (1 / p)
        np.testing.assert_allclose(out, ref, rtol=1e-12)


def test_unpool_and_lp_pool_grads(rng):
    x = torch.tensor(rng.standard_normal((1, 2, 2, 3, 2)), dtype=torch.float64, requires_grad=True)
    where = F.max_pool3d(torch.tensor(rng.standard_normal((1, 2, 4, 6, 4))), 2, return_indices=True)[1]
    assert gradcheck(lambda a: F.max_unpool3d(a, where, 2) ** 2, (x,))
    assert gradgradcheck(lambda a: F.max_unpool3d(a, where, 2) ** 2, (x,))
    y = torch.tensor(np.abs(rng.standard_normal((1, 2, 3, 4, 3))) + 0.5, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda a: F.lp_pool3d(a, 2, 2, 1), (y,))
    assert gradgradcheck(lambda a: F.lp_pool3d(a, 2, 2, 1), (y,))


def test_with_indices_forms_and_reprs(rng):
    x = torch.tensor(rng.standard_normal((1, 2, 4, 4, 4)))
    values, where = F.max_pool3d_with_indices(x, 2)
    v2, w2 = F.max_pool3d(x, 2, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), v2.numpy())
    np.testing.assert_array_equal(where.numpy(), w2.numpy())
    assert F.adaptive_max_pool3d_with_indices(x, 2)[1].dtype == torch.int64
    assert repr(nn.MaxUnpool3d(2)) == "MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))"
    assert repr(nn.LPPool3d(2, (1, 2, 3), stride=2, ceil_mode=True)) == \
        "LPPool3d(norm_type=2, kernel_size=(1, 2, 3), stride=2, ceil_mode=True)"


def test_max_unpool3d_errors(rng):
    values, where = F.max_pool3d(torch.randn(1, 2, 4, 4, 6), 2, return_indices=True)
    with pytest.raises(RuntimeError, match=r"Found an invalid max index: \d+ \(output volumes are of size 4x4x6\)"):
        F.max_unpool3d(values, where * 100, 2)
    with pytest.raises(RuntimeError, match="Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor "
                                           "with 3 dimensions"):
        F.max_unpool3d(values[0, 0], where[0, 0], 2)
