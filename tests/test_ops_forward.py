"""Forward values of the functional ops against plain NumPy reference implementations."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F


def conv2d_direct(x, w, b, stride, padding, dilation, groups):
    """Direct-loop cross-correlation (the textbook definition), for reference."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    N, C, H, W = x.shape
    O, Cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    OH = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    OW = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((N, O, OH, OW))
    og = O // groups
    for n in range(N):
        for o in range(O):
            g = o // og
            for oy in range(OH):
                for ox in range(OW):
                    acc = 0.0
                    for c in range(Cg):
                        for i in range(kh):
                            for j in range(kw):
                                acc += w[o, c, i, j] * xp[n, g * Cg + c, oy * sh + i * dh, ox * sw + j * dw]
                    out[n, o, oy, ox] = acc + (b[o] if b is not None else 0.0)
    return out


def pool_direct(x, k, s, p, ceil_mode, mode, count_include_pad=True):
    """Direct-loop max/avg pooling with PyTorch's output-size and divisor rules."""
    N, C, H, W = x.shape

    def osize(n, kk, ss, pp):
        num = n + 2 * pp - kk
        o = (-(-num // ss) if ceil_mode else num // ss) + 1
        if ceil_mode and (o - 1) * ss >= n + pp:
            o -= 1
        return o
    OH, OW = osize(H, k[0], s[0], p[0]), osize(W, k[1], s[1], p[1])
    out = np.zeros((N, C, OH, OW))
    for oy in range(OH):
        for ox in range(OW):
            h0, w0 = oy * s[0] - p[0], ox * s[1] - p[1]
            h1, w1 = min(h0 + k[0], H + p[0]), min(w0 + k[1], W + p[1])
            pool_size = (h1 - h0) * (w1 - w0)
            hs, ws = max(h0, 0), max(w0, 0)
            he, we = min(h1, H), min(w1, W)
            win = x[:, :, hs:he, ws:we]
            if mode == "max":
                out[:, :, oy, ox] = win.max(axis=(2, 3))
            else:
                div = pool_size if count_include_pad else (he - hs) * (we - ws)
                out[:, :, oy, ox] = win.sum(axis=(2, 3)) / div
    return out


CONV_CASES = [
    ((2, 3, 9, 8), (5, 3, 3), (1, 1), (0, 0), (1, 1), 1),
    ((2, 3, 9, 8), (5, 5, 5), (2, 2), (2, 2), (1, 1), 1),
    ((1, 2, 11, 9), (4, 7, 7), (3, 3), (3, 3), (1, 1), 1),
    ((3, 2, 8, 7), (4, 2, 1), (1, 1), (0, 0), (1, 1), 1),
    ((3, 2, 7, 8), (4, 1, 2), (1, 2), (1, 0), (1, 1), 1),
    ((2, 4, 10, 9), (6, 3, 3), (1, 2), (2, 1), (2, 3), 2),
    ((2, 4, 7, 7), (4, 3, 3), (2, 2), (1, 1), (1, 1), 4),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
def test_conv2d_matches_direct_loop(rng, case, dtype):
    xs, (o, kh, kw), stride, padding, dilation, groups = case
    x = rng.standard_normal(xs)
    w = rng.standard_normal((o, xs[1] // groups, kh, kw))
    b = rng.standard_normal(o)
    got = F.conv2d(mdl.tensor(x, dtype=dtype), mdl.tensor(w, dtype=dtype), mdl.tensor(b, dtype=dtype),
                   stride, padding, dilation, groups)
    assert got.dtype == dtype
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got.numpy(), conv2d_direct(x, w, b, stride, padding, dilation, groups),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("k,s,p,ceil_mode", [((2, 2), (2, 2), (0, 0), False), ((3, 3), (2, 2), (1, 1), True),
                                             ((3, 2), (1, 2), (1, 0), False), ((2, 1), (2, 1), (0, 0), True),
                                             ((3, 3), (3, 3), (0, 0), True)])
@pytest.mark.parametrize("mode", ["max", "avg", "avg_nopad"])
def test_pooling_matches_direct_loop(rng, k, s, p, ceil_mode, mode):
    x = rng.standard_normal((2, 3, 9, 7))
    if mode == "max":
        got = F.max_pool2d(mdl.tensor(x), k, s, p, ceil_mode=ceil_mode)
    else:
        got = F.avg_pool2d(mdl.tensor(x), k, s, p, ceil_mode, count_include_pad=mode == "avg")
    ref = pool_direct(x, k, s, p, ceil_mode, mode[:3], count_include_pad=mode == "avg")
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)


def test_adaptive_and_global_pooling(rng):
    x = rng.standard_normal((2, 3, 7, 5))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(mdl.tensor(x), 1).numpy(), x.mean(axis=(2, 3), keepdims=True))
    out = F.adaptive_avg_pool2d(mdl.tensor(x), (3, 2)).numpy()
    # PyTorch bins for 7 -> 3: [0,3), [2,5), [4,7); for 5 -> 2: [0,3), [2,5)
    np.testing.assert_allclose(out[:, :, 1, 0], x[:, :, 2:5, 0:3].mean(axis=(2, 3)))
    np.testing.assert_allclose(out[:, :, 2, 1], x[:, :, 4:7, 2:5].mean(axis=(2, 3)))
    # equal bins go through the average-pool kernels; identity when the size already matches
    y = rng.standard_normal((2, 3, 8, 6))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(mdl.tensor(y), (4, 3)).numpy(),
                               y.reshape(2, 3, 4, 2, 3, 2).mean(axis=(3, 5)))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(mdl.tensor(y), (8, 6)).numpy(), y)


def test_batch_norm_training_updates_running_stats_like_pytorch(rng):
    x = rng.standard_normal((8, 3, 4, 5)) * 2 + 1
    rm, rv = mdl.zeros(3, dtype=mdl.float64), mdl.ones(3, dtype=mdl.float64)
    y = F.batch_norm(mdl.tensor(x), rm, rv, training=True, momentum=0.1, eps=1e-5).numpy()
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(y, (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5))
    m = 8 * 4 * 5
    np.testing.assert_allclose(rm.numpy(), 0.1 * mean)
    np.testing.assert_allclose(rv.numpy(), 0.9 + 0.1 * var * m / (m - 1))   # unbiased running variance
    # eval mode normalises with the running statistics
    z = F.batch_norm(mdl.tensor(x), rm, rv, training=False).numpy()
    np.testing.assert_allclose(z, (x - rm.numpy()[None, :, None, None])
                               / np.sqrt(rv.numpy()[None, :, None, None] + 1e-5))


def test_dropout_is_inverted_and_identity_in_eval(rng):
    x = mdl.ones(200, 50)
    y = F.dropout(x, 0.3, training=True).numpy()
    kept = y != 0
    assert 0.65 < kept.mean() < 0.75
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert F.dropout(x, 0.3, training=False) is x
    mdl.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    mdl.manual_seed(3)
    np.testing.assert_array_equal(a, F.dropout(x, 0.5).numpy())


def test_softmax_and_cross_entropy_are_stable_and_correct(rng):
    logits = rng.standard_normal((6, 5))
    target = np.array([0, 4, 2, 2, 1, 3])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    ce = -logp[np.arange(6), target]
    np.testing.assert_allclose(F.cross_entropy(mdl.tensor(logits), target).item(), ce.mean())
    np.testing.assert_allclose(F.cross_entropy(mdl.tensor(logits), target, reduction="sum").item(), ce.sum())
    np.testing.assert_allclose(F.cross_entropy(mdl.tensor(logits), target, reduction="none").numpy(), ce)
    smooth = 0.9 * ce - 0.1 / 5 * logp.sum(1)
    np.testing.assert_allclose(F.cross_entropy(mdl.tensor(logits), target, label_smoothing=0.1).item(), smooth.mean())
    big = mdl.tensor([[1000.0, 0.0, -1000.0]])
    assert np.isfinite(F.log_softmax(big, dim=1).numpy()).all()
    np.testing.assert_allclose(F.softmax(big, dim=1).numpy(), [[1.0, 0.0, 0.0]])
    assert np.isfinite(F.cross_entropy(big, np.array([2])).item())


def test_matmul_follows_numpy(rng):
    for sa, sb in [((3, 4), (4, 2)), ((4,), (4, 3)), ((2, 3, 4), (4,)), ((2, 1, 3, 4), (5, 4, 2))]:
        a, b = rng.standard_normal(sa), rng.standard_normal(sb)
        np.testing.assert_allclose((mdl.tensor(a) @ mdl.tensor(b)).numpy(), a @ b)


def test_activations_and_misc(rng):
    x = rng.standard_normal((4, 5))
    tx = mdl.tensor(x)
    np.testing.assert_allclose(F.relu(tx).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(F.leaky_relu(tx, 0.1).numpy(), np.where(x > 0, x, 0.1 * x))
    np.testing.assert_allclose(F.sigmoid(tx).numpy(), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(F.tanh(tx).numpy(), np.tanh(x))
    np.testing.assert_allclose(F.pad(tx, (1, 2)).numpy(), np.pad(x, ((0, 0), (1, 2))))
    np.testing.assert_allclose(F.pad(tx, (1, 0, 0, 2), value=3.0).numpy(),
                               np.pad(x, ((0, 2), (1, 0)), constant_values=3.0))
    np.testing.assert_allclose(mdl.concat([tx, tx], 1).numpy(), np.concatenate([x, x], 1))
    np.testing.assert_allclose(mdl.stack([tx, tx], 0).numpy(), np.stack([x, x]))
    np.testing.assert_allclose(F.mse_loss(tx, mdl.zeros(4, 5, dtype=mdl.float64)).item(), (x ** 2).mean())
    np.testing.assert_allclose(F.linear(tx, mdl.tensor(np.eye(5)[:3])).numpy(), x[:, :3])
