"""Unfold/Fold (F.unfold/F.fold), MaxUnpool2d (F.max_unpool2d) and Bilinear (F.bilinear): values against
plain NumPy loops on odd sizes, float64 gradcheck/gradgradcheck, reprs and errors."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def t64(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True)


def _np_unfold(a, k, d, p, s):
    n, c, h, w = a.shape
    ap = np.pad(a, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c * k[0] * k[1], oh * ow))
    for ch in range(c):
        for i in range(k[0]):
            for j in range(k[1]):
                row = (ch * k[0] + i) * k[1] + j
                for oy in range(oh):
                    for ox in range(ow):
                        out[:, row, oy * ow + ox] = ap[:, ch, oy * s[0] + i * d[0], ox * s[1] + j * d[1]]
    return out


def _np_fold(cols, size, k, d, p, s):
    n, ck, _ = cols.shape
    c = ck // (k[0] * k[1])
    h, w = size
    out = np.zeros((n, c, h + 2 * p[0], w + 2 * p[1]))
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    for ch in range(c):
        for i in range(k[0]):
            for j in range(k[1]):
                row = (ch * k[0] + i) * k[1] + j
                for oy in range(oh):
                    for ox in range(ow):
                        out[:, ch, oy * s[0] + i * d[0], ox * s[1] + j * d[1]] += cols[:, row, oy * ow + ox]
    return out[:, :, p[0]:p[0] + h, p[1]:p[1] + w]


GEOMETRIES = [((2, 2), (1, 1), (0, 0), (1, 1)), ((3, 2), (1, 2), (1, 1), (2, 1)), ((3, 3), (1, 1), (1, 1), (2, 2))]


@pytest.mark.parametrize("k, d, p, s", GEOMETRIES)
def test_unfold_and_fold_match_numpy(rng, k, d, p, s):
    x = t64(rng, 2, 3, 7, 5)
    cols = F.unfold(x, k, dilation=d, padding=p, stride=s)
    np.testing.assert_allclose(cols.numpy(), _np_unfold(x.numpy(), k, d, p, s))
    c = t64(rng, *cols.shape)
    np.testing.assert_allclose(F.fold(c, (7, 5), k, dilation=d, padding=p, stride=s).numpy(),
                               _np_fold(c.numpy(), (7, 5), k, d, p, s))
    f_unfold = lambda t: F.unfold(t, k, dilation=d, padding=p, stride=s)  # noqa: E731
    f_fold = lambda t: F.fold(t, (7, 5), k, dilation=d, padding=p, stride=s)  # noqa: E731
    assert gradcheck(f_unfold, (x,)) and gradgradcheck(f_unfold, (x,))
    assert gradcheck(f_fold, (c,)) and gradgradcheck(f_fold, (c,))


def test_fold_unfold_modules_unbatched_and_errors(rng):
    x = t64(rng, 3, 5, 6)
    u = nn.Unfold(3, padding=1)
    assert repr(u) == "Unfold(kernel_size=3, dilation=1, padding=0, stride=1)".replace("padding=0", "padding=1")
    cols = u(x)
    assert cols.shape == (27, 30)
    fold = nn.Fold((5, 6), 3, padding=1)
    assert repr(fold) == "Fold(output_size=(5, 6), kernel_size=3, dilation=1, padding=1, stride=1)"
    ones = F.fold(F.unfold(mdl.ones(1, 1, 5, 6, dtype=mdl.float64), 3, padding=1), (5, 6), 3, padding=1)
    np.testing.assert_allclose(fold(cols).numpy(), x.numpy() * ones.numpy()[0])  # each pixel counted per window
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(mdl.randn(2, 5, 12), (4, 5), 2)
    with pytest.raises(RuntimeError, match="calculated number of sliding blocks 3 \\* 4 = 12"):
        F.fold(mdl.randn(2, 12, 10), (4, 5), 2)
    with pytest.raises(RuntimeError, match="Only 3D or 4D"):
        F.unfold(mdl.randn(5, 6), 2)


@pytest.mark.parametrize("shape, k, s", [((2, 3, 6, 4), 2, None), ((1, 2, 7, 5), 3, 2), ((3, 5, 5), 2, 2)])
def test_max_unpool2d(rng, shape, k, s):
    x = t64(rng, *shape)
    values, indices = F.max_pool2d(x, k, s, return_indices=True)
    stride = k if s is None else s
    default = tuple((n - 1) * stride + k for n in values.shape[-2:])
    size = tuple(shape[-2:])  # the indices address the input's planes: unpool to its size
    out = F.max_unpool2d(values, indices, k, s, output_size=None if default == size else size)
    assert out.shape == tuple(shape[:-2]) + size
    ref = np.zeros(out.shape).reshape(-1, size[0] * size[1])
    np.put_along_axis(ref, indices.numpy().reshape(ref.shape[0], -1), values.detach().numpy().reshape(
        ref.shape[0], -1), axis=1)
    np.testing.assert_allclose(out.numpy(), ref.reshape(out.shape))
    # overlapping windows may pick one maximum twice: then, as in PyTorch, both copies get its gradient
    # (which finite differences cannot see), so the check uses indices that are distinct per plane
    flat = indices.numpy().reshape(-1, values.shape[-2] * values.shape[-1])
    distinct = np.tile(np.arange(flat.shape[1]) * (size[0] * size[1] // flat.shape[1]), (flat.shape[0], 1))
    distinct = mdl.tensor(distinct.reshape(indices.shape))
    v = values.detach().requires_grad_()
    fn = lambda t: F.max_unpool2d(t, distinct, k, s, output_size=size)  # noqa: E731
    assert gradcheck(fn, (v,)) and gradgradcheck(fn, (v,))


def test_max_unpool2d_module_and_errors(rng):
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    assert repr(unpool) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    x = mdl.randn(1, 1, 5, 5)
    out = unpool(*pool(x), output_size=x.shape)
    assert out.shape == (1, 1, 5, 5)
    assert np.count_nonzero(out.numpy()) == 4
    with pytest.raises(RuntimeError, match="invalid max index"):
        F.max_unpool2d(mdl.ones(1, 1, 2, 2), mdl.tensor([[[[0, 1], [2, 99]]]]), 2)


def test_bilinear(rng):
    x1, x2, w, b = t64(rng, 4, 2), t64(rng, 4, 3), t64(rng, 5, 2, 3), t64(rng, 5)
    expected = np.einsum("ni,kij,nj->nk", x1.numpy(), w.numpy(), x2.numpy()) + b.numpy()
    np.testing.assert_allclose(F.bilinear(x1, x2, w, b).numpy(), expected, rtol=1e-12)
    assert gradcheck(F.bilinear, (x1, x2, w, b)) and gradgradcheck(F.bilinear, (x1, x2, w, b))
    m = nn.Bilinear(2, 3, 5)
    assert repr(m) == "Bilinear(in1_features=2, in2_features=3, out_features=5, bias=True)"
    assert list(m.state_dict()) == ["weight", "bias"] and m.weight.shape == (5, 2, 3)
    assert np.abs(m.weight.numpy()).max() <= 1 / np.sqrt(2)
    assert m(mdl.randn(7, 4, 2), mdl.randn(7, 4, 3)).shape == (7, 4, 5)
    assert nn.Bilinear(2, 3, 5, bias=False).bias is None
    with pytest.raises(RuntimeError, match="bilinear"):
        F.bilinear(mdl.randn(4, 3), mdl.randn(4, 3), mdl.randn(5, 2, 3))
