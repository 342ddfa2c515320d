"""The 3-D layers: F.conv3d / conv_transpose3d / max_pool3d / avg_pool3d / adaptive pools, trilinear
interpolate, and nn.Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvg/MaxPool3d, BatchNorm3d.

Forward values are checked against plain NumPy loop references written here (PyTorch's formulas);
every differentiable function gets a float64 gradcheck and gradgradcheck on small odd-sized inputs."""
import math

import numpy as np
import pytest

import minidl as torch
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def t(rng, *shape, grad=True):
    return torch.tensor(rng.standard_normal(shape), dtype=torch.float64, requires_grad=grad)


# ---------------------------------------------------------------- NumPy loop references
def conv3d_ref(x, w, b, stride, padding, dilation, groups):
    n, c, *size = x.shape
    o, cg, *k = w.shape
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    out_size = [(s + 2 * p - d * (kk - 1) - 1) // st + 1 for s, p, d, kk, st in zip(size, padding, dilation, k, stride)]
    y = np.zeros((n, o, *out_size))
    og = o // groups
    for b_ in range(n):
        for oc in range(o):
            g = oc // og
            for od in range(out_size[0]):
                for oh in range(out_size[1]):
                    for ow in range(out_size[2]):
                        acc = 0.0
                        for ic in range(cg):
                            for i in range(k[0]):
                                for j in range(k[1]):
                                    for m in range(k[2]):
                                        acc += w[oc, ic, i, j, m] * xp[b_, g * cg + ic,
                                                                       od * stride[0] + i * dilation[0],
                                                                       oh * stride[1] + j * dilation[1],
                                                                       ow * stride[2] + m * dilation[2]]
                        y[b_, oc, od, oh, ow] = acc + (b[oc] if b is not None else 0.0)
    return y


def conv_transpose3d_ref(x, w, b, stride, padding, output_padding, groups, dilation):
    n, cin, *size = x.shape
    _, cog, *k = w.shape
    full = [(s - 1) * st + d * (kk - 1) + 1 + op for s, st, d, kk, op in zip(size, stride, dilation, k, output_padding)]
    y = np.zeros((n, cog * groups, *full))
    cig = cin // groups
    for b_ in range(n):
        for ic in range(cin):
            g = ic // cig
            for id_ in range(size[0]):
                for ih in range(size[1]):
                    for iw in range(size[2]):
                        for oc in range(cog):
                            for i in range(k[0]):
                                for j in range(k[1]):
                                    for m in range(k[2]):
                                        y[b_, g * cog + oc, id_ * stride[0] + i * dilation[0],
                                          ih * stride[1] + j * dilation[1],
                                          iw * stride[2] + m * dilation[2]] += \
                                            x[b_, ic, id_, ih, iw] * w[ic, oc, i, j, m]
    p = padding
    y = y[:, :, p[0]:full[0] - p[0], p[1]:full[1] - p[1], p[2]:full[2] - p[2]]
    return y + (b.reshape(1, -1, 1, 1, 1) if b is not None else 0.0)


def _out(size, k, s, p, d, ceil):
    num = size + 2 * p - d * (k - 1) - 1
    o = (-(-num // s) if ceil else num // s) + 1
    if ceil and (o - 1) * s >= size + p:
        o -= 1
    return o


def max_pool3d_ref(x, k, s, p, d, ceil):
    n, c, *size = x.shape
    out = [_out(*a, ceil) for a in zip(size, k, s, p, d)]
    y, idx = np.zeros((n, c, *out)), np.zeros((n, c, *out), dtype=np.int64)
    for b_ in range(n):
        for ch in range(c):
            for o0 in range(out[0]):
                for o1 in range(out[1]):
                    for o2 in range(out[2]):
                        best, where = -np.inf, None
                        for i in range(k[0]):
                            for j in range(k[1]):
                                for m in range(k[2]):
                                    q = (o0 * s[0] - p[0] + i * d[0], o1 * s[1] - p[1] + j * d[1],
                                         o2 * s[2] - p[2] + m * d[2])
                                    if all(0 <= qq < sz for qq, sz in zip(q, size)):
                                        v = x[b_, ch, q[0], q[1], q[2]]
                                        if v > best or np.isnan(v) or where is None:
                                            best, where = v, q
                        y[b_, ch, o0, o1, o2] = best
                        idx[b_, ch, o0, o1, o2] = (where[0] * size[1] + where[1]) * size[2] + where[2]
    return y, idx


def avg_pool3d_ref(x, k, s, p, ceil, count_include_pad, divisor_override):
    n, c, *size = x.shape
    out = [_out(sz, kk, ss, pp, 1, ceil) for sz, kk, ss, pp in zip(size, k, s, p)]
    y = np.zeros((n, c, *out))
    for o in np.ndindex(*out):
        starts = [oo * ss - pp for oo, ss, pp in zip(o, s, p)]
        ends = [min(st + kk, sz + pp) for st, kk, sz, pp in zip(starts, k, size, p)]
        pool = math.prod(e - st for st, e in zip(starts, ends))
        lo = [max(st, 0) for st in starts]
        hi = [min(e, sz) for e, sz in zip(ends, size)]
        total = x[:, :, lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]].sum(axis=(2, 3, 4))
        div = divisor_override or (pool if count_include_pad else math.prod(h - lo_ for lo_, h in zip(lo, hi)))
        y[(slice(None), slice(None)) + o] = total / div
    return y


def _bins(size, out):
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def adaptive_ref(x, out, kind):
    n, c, *size = x.shape
    y = np.zeros((n, c, *out))
    idx = np.zeros((n, c, *out), dtype=np.int64)
    for o in np.ndindex(*out):
        (a0, b0), (a1, b1), (a2, b2) = (_bins(sz, oo)[i] for sz, oo, i in zip(size, out, o))
        box = x[:, :, a0:b0, a1:b1, a2:b2]
        sel = (slice(None), slice(None)) + o
        if kind == "avg":
            y[sel] = box.mean(axis=(2, 3, 4))
        else:
            flat = box.reshape(n, c, -1)
            y[sel] = flat.max(axis=-1)
            arg = flat.argmax(axis=-1)
            h, w = b1 - a1, b2 - a2
            idx[sel] = ((a0 + arg // (h * w)) * size[1] + a1 + (arg // w) % h) * size[2] + a2 + arg % w
    return y, idx


def trilinear_ref(x, out, align_corners):
    def src(o, in_size, out_size):
        if align_corners:
            return o * (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
        return max((o + 0.5) * in_size / out_size - 0.5, 0.0)

    n, c, *size = x.shape
    y = np.zeros((n, c, *out))
    for o in np.ndindex(*out):
        corners = []
        for oo, si, so in zip(o, size, out):
            r = src(oo, si, so)
            i0 = min(int(r), si - 1)
            i1 = min(i0 + 1, si - 1)
            lam = min(r - i0, 1.0)
            corners.append(((i0, 1 - lam), (i1, lam)))
        acc = 0.0
        for (d0, wd) in corners[0]:
            for (h0, wh) in corners[1]:
                for (w0, ww) in corners[2]:
                    acc = acc + wd * wh * ww * x[:, :, d0, h0, w0]
        y[(slice(None), slice(None)) + o] = acc
    return y


# ---------------------------------------------------------------- forward values
@pytest.mark.parametrize("kw", [
    dict(stride=(1, 1, 1), padding=(0, 0, 0), dilation=(1, 1, 1), groups=1),
    dict(stride=(2, 1, 2), padding=(1, 2, 0), dilation=(1, 2, 1), groups=2),
])
def test_conv3d_matches_loops(rng, kw):
    x, w, b = rng.standard_normal((2, 4, 5, 6, 5)), rng.standard_normal((4, 4 // kw["groups"], 3, 2, 3)), \
        rng.standard_normal(4)
    y = F.conv3d(torch.tensor(x), torch.tensor(w), torch.tensor(b), **kw)
    np.testing.assert_allclose(y.numpy(), conv3d_ref(x, w, b, **kw), atol=1e-12)
    assert F.conv3d(torch.tensor(x[0]), torch.tensor(w), None, **kw).shape == y.shape[1:]


def test_conv3d_string_padding(rng):
    x, w = rng.standard_normal((1, 2, 5, 4, 6)), rng.standard_normal((3, 2, 2, 3, 4))
    same = F.conv3d(torch.tensor(x), torch.tensor(w), padding="same", dilation=(2, 1, 1))
    assert same.shape == (1, 3, 5, 4, 6)
    # "same" puts the odd extra padding at the end: (1, 1) on D (dilated 2 -> total 2), (1, 1) on H, (1, 2) on W
    padded = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1), (1, 2)])
    np.testing.assert_allclose(same.numpy(), conv3d_ref(padded, w, None, (1, 1, 1), (0, 0, 0), (2, 1, 1), 1),
                               atol=1e-12)
    valid = F.conv3d(torch.tensor(x), torch.tensor(w), padding="valid")
    np.testing.assert_allclose(valid.numpy(), conv3d_ref(x, w, None, (1,) * 3, (0,) * 3, (1,) * 3, 1), atol=1e-12)


@pytest.mark.parametrize("kw", [
    dict(stride=(2, 1, 3), padding=(1, 0, 1), output_padding=(1, 0, 2), groups=2, dilation=(1, 2, 1)),
    dict(stride=(2, 2, 2), padding=(0, 0, 0), output_padding=(0, 0, 0), groups=1, dilation=(1, 1, 1)),
])
def test_conv_transpose3d_matches_loops(rng, kw):
    x, w = rng.standard_normal((2, 4, 3, 2, 3)), rng.standard_normal((4, 3, 3, 2, 3))
    b = rng.standard_normal(3 * kw["groups"])
    y = F.conv_transpose3d(torch.tensor(x), torch.tensor(w), torch.tensor(b), **kw)
    np.testing.assert_allclose(y.numpy(), conv_transpose3d_ref(x, w, b, **kw), atol=1e-12)


@pytest.mark.parametrize("k,s,p,d,ceil", [((3, 3, 3), (2, 2, 2), (1, 1, 1), (1, 1, 1), False),
                                          ((2, 3, 2), (1, 2, 3), (1, 1, 0), (2, 1, 2), True),
                                          ((2, 2, 2), (2, 2, 2), (1, 1, 1), (1, 1, 1), True)])
def test_max_pool3d_matches_loops(rng, k, s, p, d, ceil):
    x = rng.standard_normal((2, 3, 5, 6, 7))
    x[0, 1, 2, 2, 2] = x[0, 1, 2, 2, 3] = np.nan
    y, idx = F.max_pool3d(torch.tensor(x), k, s, p, d, ceil, return_indices=True)
    ry, ridx = max_pool3d_ref(x, k, s, p, d, ceil)
    np.testing.assert_array_equal(y.numpy(), ry)
    np.testing.assert_array_equal(idx.numpy(), ridx)
    assert idx.dtype == torch.int64
    assert F.max_pool3d(torch.tensor(x[0]), k, s, p, d, ceil).shape == y.shape[1:]


@pytest.mark.parametrize("ceil,cip,div", [(False, True, None), (True, False, None), (True, True, 5)])
def test_avg_pool3d_matches_loops(rng, ceil, cip, div):
    x = rng.standard_normal((2, 3, 5, 6, 7))
    for k, s, p in [((3, 3, 3), (2, 2, 2), (1, 1, 1)), ((2, 3, 2), (1, 2, 3), (1, 1, 0))]:
        y = F.avg_pool3d(torch.tensor(x), k, s, p, ceil, cip, div)
        np.testing.assert_allclose(y.numpy(), avg_pool3d_ref(x, k, s, p, ceil, cip, div), atol=1e-12)


def test_adaptive_pool3d_matches_loops(rng):
    x = rng.standard_normal((2, 3, 5, 6, 7))
    for size, full in [((3, 4, None), (3, 4, 7)), (2, (2, 2, 2)), ((5, 1, 3), (5, 1, 3))]:
        np.testing.assert_allclose(F.adaptive_avg_pool3d(torch.tensor(x), size).numpy(),
                                   adaptive_ref(x, full, "avg")[0], atol=1e-12)
        y, idx = F.adaptive_max_pool3d(torch.tensor(x), size, return_indices=True)
        ry, ridx = adaptive_ref(x, full, "max")
        np.testing.assert_array_equal(y.numpy(), ry)
        np.testing.assert_array_equal(idx.numpy(), ridx)
    assert F.adaptive_avg_pool3d(torch.tensor(x[0]), 2).shape == (3, 2, 2, 2)


@pytest.mark.parametrize("align", [True, False])
def test_trilinear_matches_loops(rng, align):
    x = rng.standard_normal((2, 3, 3, 4, 5))
    y = F.interpolate(torch.tensor(x), size=(5, 3, 7), mode="trilinear", align_corners=align)
    np.testing.assert_allclose(y.numpy(), trilinear_ref(x, (5, 3, 7), align), atol=1e-12)
    up = nn.Upsample(scale_factor=2, mode="trilinear", align_corners=align)(torch.tensor(x))
    np.testing.assert_allclose(up.numpy(), trilinear_ref(x, (6, 8, 10), align), atol=1e-12)


def test_nearest_and_area_on_volumes(rng):
    x = rng.standard_normal((1, 2, 3, 4, 5))
    y = F.interpolate(torch.tensor(x), scale_factor=2, mode="nearest").numpy()
    np.testing.assert_array_equal(y, x.repeat(2, 2).repeat(2, 3).repeat(2, 4))
    src = [np.floor(np.arange(o) * s / o).astype(int) for o, s in zip((5, 7, 3), (3, 4, 5))]
    y = F.interpolate(torch.tensor(x), size=(5, 7, 3)).numpy()
    np.testing.assert_array_equal(y, x[:, :, src[0]][:, :, :, src[1]][:, :, :, :, src[2]])
    area = F.interpolate(torch.tensor(x), size=(2, 3, 2), mode="area").numpy()
    np.testing.assert_allclose(area, adaptive_ref(x, (2, 3, 2), "avg")[0], atol=1e-12)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(torch.tensor(x), scale_factor=2, mode="bilinear")
    with pytest.raises(NotImplementedError, match="trilinear mode needs 5D input"):
        F.interpolate(torch.tensor(x[0]), scale_factor=2, mode="trilinear")


# ---------------------------------------------------------------- first and second derivatives
def test_conv3d_grads(rng):
    x, w, b = t(rng, 1, 2, 3, 4, 3), t(rng, 2, 1, 2, 3, 2), t(rng, 2)

    def fn(a, ww, bb):
        return F.conv3d(a, ww, bb, stride=(1, 2, 1), padding=(1, 1, 0), dilation=(1, 1, 2), groups=2)
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_conv3d_same_and_modes_grads(rng):
    x = t(rng, 1, 1, 3, 3, 4)
    conv = nn.Conv3d(1, 2, (2, 3, 2), padding="same", padding_mode="reflect", dtype=torch.float64)
    assert gradcheck(lambda a: conv(a) ** 2, (x,))
    assert gradgradcheck(lambda a: conv(a) ** 2, (x,))


def test_conv_transpose3d_grads(rng):
    x, w, b = t(rng, 1, 2, 2, 3, 2), t(rng, 2, 1, 2, 2, 3), t(rng, 2)

    def fn(a, ww, bb):
        return F.conv_transpose3d(a, ww, bb, stride=(2, 1, 2), padding=(0, 1, 1), output_padding=(1, 0, 1),
                                  groups=2, dilation=(1, 1, 1))
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_max_pool3d_grads(rng):
    x = t(rng, 1, 2, 3, 5, 4)
    fn = lambda a: F.max_pool3d(a, (2, 3, 2), (1, 2, 2), (1, 1, 0), (1, 1, 2), True) ** 2  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_avg_pool3d_grads(rng):
    x = t(rng, 1, 2, 3, 5, 4)
    for kw in (dict(padding=1, ceil_mode=True, count_include_pad=False), dict(padding=(0, 1, 1), divisor_override=3)):
        fn = lambda a, kw=kw: F.avg_pool3d(a, (2, 3, 2), 2, **kw) ** 2  # noqa: E731
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def test_adaptive_pool3d_grads(rng):
    x = t(rng, 1, 2, 3, 5, 4)
    assert gradcheck(lambda a: F.adaptive_avg_pool3d(a, (2, 3, None)) ** 2, (x,))
    assert gradgradcheck(lambda a: F.adaptive_avg_pool3d(a, (2, 3, None)) ** 2, (x,))
    assert gradcheck(lambda a: F.adaptive_max_pool3d(a, (2, 3, 3)) ** 2, (x,))
    assert gradgradcheck(lambda a: F.adaptive_max_pool3d(a, (2, 3, 3)) ** 2, (x,))


def test_interpolate_volume_grads(rng):
    x = t(rng, 1, 1, 2, 3, 2)
    for kw in (dict(size=(3, 4, 3), mode="trilinear", align_corners=True), dict(scale_factor=1.5, mode="trilinear"),
               dict(size=(3, 2, 3), mode="nearest")):
        fn = lambda a, kw=kw: F.interpolate(a, **kw) ** 2  # noqa: E731
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def test_batch_norm3d_grads(rng):
    bn = nn.BatchNorm3d(2, dtype=torch.float64)
    x = t(rng, 2, 2, 2, 3, 2)
    assert gradcheck(lambda a, w, b: F.batch_norm(a, None, None, w, b, True) ** 2, (x, bn.weight, bn.bias))
    assert gradgradcheck(lambda a: bn(a) ** 2, (x,))


# ---------------------------------------------------------------- modules
def test_batch_norm3d_values_and_errors(rng):
    x = rng.standard_normal((2, 3, 3, 4, 5)) * 2 + 1
    bn = nn.BatchNorm3d(3, dtype=torch.float64)
    y = bn(torch.tensor(x)).numpy()
    mean, var = x.mean(axis=(0, 2, 3, 4)), x.var(axis=(0, 2, 3, 4))
    np.testing.assert_allclose(y, (x - mean[:, None, None, None]) / np.sqrt(var[:, None, None, None] + 1e-5),
                               atol=1e-10)
    m = x.size // 3
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * var * m / (m - 1), atol=1e-12)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean, atol=1e-12)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert repr(bn) == "BatchNorm3d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
        bn(torch.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"expected 4D or 5D input \(got 3D input\)"):
        nn.InstanceNorm3d(3)(torch.randn(2, 3, 4))
    assert nn.InstanceNorm3d(3)(torch.randn(3, 2, 3, 4)).shape == (3, 2, 3, 4)


def test_conv_layers_shapes_reprs_and_init():
    conv = nn.Conv3d(4, 6, (3, 2, 3), stride=2, padding=1, groups=2, bias=True)
    assert conv.weight.shape == (6, 2, 3, 2, 3) and conv.bias.shape == (6,)
    assert list(conv.state_dict()) == ["weight", "bias"]
    bound = 1 / math.sqrt(2 * 18)
    assert float(conv.weight.abs().max()) <= bound and float(conv.weight.abs().max()) > bound / 2
    assert float(conv.bias.abs().max()) <= bound
    assert repr(nn.Conv3d(3, 4, 3)) == "Conv3d(3, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1))"
    assert repr(nn.Conv3d(3, 6, 3, padding="same", groups=3)) == \
        "Conv3d(3, 6, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=same, groups=3)"
    assert repr(nn.Conv3d(3, 4, (1, 2, 3), stride=2, padding=1, dilation=2, bias=False, padding_mode="reflect")) == \
        ("Conv3d(3, 4, kernel_size=(1, 2, 3), stride=(2, 2, 2), padding=(1, 1, 1), dilation=(2, 2, 2), "
         "bias=False, padding_mode=reflect)")
    tconv = nn.ConvTranspose3d(3, 6, 3, stride=2, output_padding=1, groups=3, dilation=2)
    assert tconv.weight.shape == (3, 2, 3, 3, 3)
    assert repr(tconv) == ("ConvTranspose3d(3, 6, kernel_size=(3, 3, 3), stride=(2, 2, 2), dilation=(2, 2, 2), "
                           "output_padding=(1, 1, 1), groups=3)")
    assert conv(torch.randn(2, 4, 5, 6, 7)).shape == (2, 6, 3, 4, 4)
    assert tconv(torch.randn(3, 2, 2, 2)).shape == (6, 8, 8, 8)
    assert nn.ConvTranspose3d(3, 4, 3, stride=2)(torch.randn(1, 3, 2, 2, 2), output_size=(6, 5, 6)).shape == \
        (1, 4, 6, 5, 6)


def test_conv3d_padding_modes_match_explicit_pad(rng):
    x = torch.tensor(rng.standard_normal((1, 2, 4, 3, 5)))
    for mode in ("reflect", "replicate", "circular"):
        conv = nn.Conv3d(2, 3, (3, 2, 3), padding=(1, 1, 2), padding_mode=mode, dtype=torch.float64)
        ref = F.conv3d(F.pad(x, (2, 2, 1, 1, 1, 1), mode=mode), conv.weight, conv.bias)
        np.testing.assert_allclose(conv(x).detach().numpy(), ref.detach().numpy(), atol=1e-12)


def test_pool_layers_reprs():
    assert repr(nn.MaxPool3d(3)) == "MaxPool3d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool3d((2, 3, 3), stride=1, padding=1)) == \
        "AvgPool3d(kernel_size=(2, 3, 3), stride=1, padding=1)"
    assert repr(nn.AdaptiveMaxPool3d((2, None, 3))) == "AdaptiveMaxPool3d(output_size=(2, None, 3))"
    assert repr(nn.AdaptiveAvgPool3d(3)) == "AdaptiveAvgPool3d(output_size=3)"
    out, idx = nn.MaxPool3d(2, return_indices=True)(torch.randn(1, 2, 4, 4, 4))
    assert out.shape == idx.shape == (1, 2, 2, 2, 2)
    assert nn.AvgPool3d(2, divisor_override=1)(torch.ones(1, 1, 2, 2, 2)).item() == 8.0


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv3d(torch.randn(2, 3, 4), torch.randn(4, 3, 3, 3, 3)),
     r"Expected 4D \(unbatched\) or 5D \(batched\) input to conv3d, but got input of size: \[2, 3, 4\]"),
    (lambda: F.conv3d(torch.randn(2, 3, 5, 6, 7), torch.randn(4, 2, 3, 3, 3)),
     r"Given groups=1, weight of size \[4, 2, 3, 3, 3\], expected input\[2, 3, 5, 6, 7\] to have 2 channels"),
    (lambda: F.conv3d(torch.randn(1, 3, 2, 2, 2), torch.randn(4, 3, 3, 3, 3)),
     r"Kernel size can't be greater than actual input size"),
    (lambda: F.conv3d(torch.randn(1, 3, 5, 5, 5), torch.randn(4, 3, 3, 3, 3), stride=2, padding="same"),
     "padding='same' is not supported for strided convolutions"),
    (lambda: F.conv3d(torch.randn(1, 3, 5, 5, 5), torch.randn(4, 3, 3, 3, 3), stride=(1, 2)),
     "expected stride to be a single integer value or a list of 3 values"),
    (lambda: F.conv_transpose3d(torch.randn(1, 3, 3, 3, 3), torch.randn(3, 2, 3, 3, 3), output_padding=1),
     "output padding must be smaller than either stride or dilation"),
    (lambda: F.max_pool3d(torch.randn(1, 3, 5, 6, 7), 3, padding=2),
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1"),
    (lambda: F.max_pool3d(torch.randn(1, 3, 5, 6, 7), 7), "Output size is too small"),
    (lambda: F.avg_pool3d(torch.randn(3, 4), 2), r"non-empty 4D or 5D \(batch mode\) tensor expected for input"),
    (lambda: F.avg_pool3d(torch.randn(1, 1, 4, 4, 4), 2, divisor_override=0), "divisor must be not zero"),
    (lambda: F.adaptive_avg_pool3d(torch.randn(1, 1, 4, 4, 4), (2, 2)), "output_size must be 3"),
    (lambda: nn.Conv3d(3, 4, 3)(torch.randn(2, 5, 4, 4, 4)), r"^Conv3d\(3, 4.*expected input\[2, 5, 4, 4, 4\]"),
])
def test_errors_are_pytorchs(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


def test_constructor_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv3d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv3d(3, 4, 3, padding_mode="foo")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose3d'):
        nn.ConvTranspose3d(3, 4, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv3d(3, 4, 3, padding="same", stride=2)


def test_empty_batch_and_integer_inputs():
    empty = torch.randn(0, 3, 4, 5, 6)
    assert F.conv3d(empty, torch.randn(2, 3, 3, 3, 3)).shape == (0, 2, 2, 3, 4)
    assert F.conv_transpose3d(empty, torch.randn(3, 2, 3, 3, 3)).shape == (0, 2, 6, 7, 8)
    assert F.max_pool3d(empty, 2).shape == F.avg_pool3d(empty, 2).shape == (0, 3, 2, 2, 3)
    assert F.adaptive_avg_pool3d(empty, 2).shape == F.adaptive_max_pool3d(empty, 2).shape == (0, 3, 2, 2, 2)
    assert F.interpolate(empty, scale_factor=2, mode="trilinear").shape == (0, 3, 8, 10, 12)
    ints = torch.arange(64).reshape(1, 1, 4, 4, 4)
    out, idx = F.max_pool3d(ints, 2, padding=1, return_indices=True)
    last = [0, 2, 3]             # windows {0}, {1, 2}, {3} along each dimension: their last (largest) element
    assert out.dtype == torch.int64
    assert out.flatten().tolist() == ints.numpy()[0, 0][np.ix_(last, last, last)].ravel().tolist()
    assert idx.flatten().tolist() == out.flatten().tolist()
