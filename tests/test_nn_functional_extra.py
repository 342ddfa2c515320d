"""Dropout3d, FeatureAlphaDropout, ChannelShuffle, LPPool1d/2d, gumbel_softmax, pdist, MaxUnpool1d, the
*_with_indices pools, ConvTranspose1d, TripletMarginWithDistanceLoss and MultiLabelMarginLoss: values
against NumPy, float64 gradcheck/gradgradcheck, reprs (PyTorch 2.13's) and errors."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def t64(a):
    return mdl.tensor(np.asarray(a, dtype=np.float64), dtype=mdl.float64, requires_grad=True)


def test_dropout3d_and_feature_alpha_dropout():
    x = mdl.ones(20, 30, 2, 3, 2)
    mdl.manual_seed(0)
    y = F.dropout3d(x, 0.4).numpy().reshape(20, 30, -1)
    assert np.all(y == y[:, :, :1]) and 0.3 < (y[:, :, 0] == 0).mean() < 0.5
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.6)}
    assert repr(nn.Dropout3d()) == "Dropout3d(p=0.5, inplace=False)"
    mdl.manual_seed(1)
    z = F.feature_alpha_dropout(mdl.randn(50, 40, 6, dtype=mdl.float64), 0.25, training=True).numpy()
    alpha = 1.6732632423543772 * 1.0507009873554805
    a = 1 / np.sqrt((alpha ** 2 * 0.25 + 1) * 0.75)
    dropped = np.all(np.isclose(z, a * alpha * (0.25 - 1)), axis=2)
    assert 0.18 < dropped.mean() < 0.32
    m = nn.FeatureAlphaDropout(0.2)
    m.eval()
    x2 = mdl.randn(2, 3)
    assert m(x2) is x2 and repr(m) == "FeatureAlphaDropout(p=0.2, inplace=False)"


def test_channel_shuffle():
    x = t64(np.random.default_rng(0).standard_normal((2, 6, 3, 2)))
    y = F.channel_shuffle(x, 3)
    np.testing.assert_array_equal(y.numpy(), x.numpy()[:, [0, 2, 4, 1, 3, 5]])
    assert gradcheck(lambda t: F.channel_shuffle(t, 3), (x,))
    assert repr(nn.ChannelShuffle(2)) == "ChannelShuffle(groups=2)"
    with pytest.raises(RuntimeError, match="divisible by groups"):
        F.channel_shuffle(mdl.randn(2, 5, 3), 2)


@pytest.mark.parametrize("p, k, s", [(2.0, 2, None), (3.0, (3, 2), 1), (1.5, 2, (1, 2))])
def test_lp_pool2d(p, k, s):
    a = np.abs(np.random.default_rng(1).standard_normal((2, 3, 6, 5))) + 0.1
    x = t64(a)
    kh, kw = (k, k) if isinstance(k, int) else k
    sh, sw = (kh, kw) if s is None else ((s, s) if isinstance(s, int) else s)
    oh, ow = (6 - kh) // sh + 1, (5 - kw) // sw + 1
    ref = np.empty((2, 3, oh, ow))
    for i in range(oh):
        for j in range(ow):
            ref[:, :, i, j] = (a[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] ** p).sum((2, 3)) ** (1 / p)
    np.testing.assert_allclose(F.lp_pool2d(x, p, k, s).numpy(), ref, rtol=1e-12)
    fn = lambda t: F.lp_pool2d(t, p, k, s)  # noqa: E731
    assert gradcheck(fn, (x,)) and gradgradcheck(fn, (x,))


def test_lp_pool1d_and_modules():
    a = np.abs(np.random.default_rng(2).standard_normal((2, 3, 7))) + 0.1
    x = t64(a)
    ref = np.stack([(a[..., i:i + 3] ** 2).sum(-1) ** 0.5 for i in range(0, 5, 2)], -1)
    np.testing.assert_allclose(F.lp_pool1d(x, 2, 3, stride=2).numpy(), ref, rtol=1e-12)
    assert gradcheck(lambda t: F.lp_pool1d(t, 2, 3, stride=2), (x,))
    assert repr(nn.LPPool1d(2, 3)) == "LPPool1d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    assert repr(nn.LPPool2d(2, 3, 2, True)) == "LPPool2d(norm_type=2, kernel_size=3, stride=2, ceil_mode=True)"
    assert nn.LPPool2d(2, 2)(mdl.rand(1, 2, 4, 4)).shape == (1, 2, 2, 2)


def test_gumbel_softmax():
    logits = t64(np.log([[0.7, 0.2, 0.1]] * 4000))
    mdl.manual_seed(3)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).numpy(), 1.0)
    mdl.manual_seed(3)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    counts = hard.numpy().sum(0) / 4000
    assert np.all(hard.numpy().sum(-1) == 1) and np.allclose(counts, [0.7, 0.2, 0.1], atol=0.03)
    np.testing.assert_array_equal(hard.numpy().argmax(-1), soft.numpy().argmax(-1))  # same seed, same sample
    (hard * mdl.tensor([1.0, 2.0, 3.0], dtype=mdl.float64)).sum().backward()
    assert np.all(np.isfinite(logits.grad.numpy())) and np.abs(logits.grad.numpy()).sum() > 0


def test_pdist():
    a = np.random.default_rng(4).standard_normal((5, 3))
    x = t64(a)
    i, j = np.triu_indices(5, 1)
    np.testing.assert_allclose(F.pdist(x).numpy(), np.linalg.norm(a[i] - a[j], axis=1), rtol=1e-12)
    np.testing.assert_allclose(F.pdist(x, p=1).numpy(), np.abs(a[i] - a[j]).sum(1), rtol=1e-12)
    assert gradcheck(F.pdist, (x,)) and gradgradcheck(F.pdist, (x,))
    with pytest.raises(RuntimeError, match="2D"):
        F.pdist(mdl.randn(3))


def test_max_unpool1d_and_with_indices():
    a = np.random.default_rng(5).standard_normal((2, 3, 8))
    x = t64(a)
    values, indices = F.max_pool1d_with_indices(x, 2)
    out = F.max_unpool1d(values, indices, 2)
    ref = np.where(a == np.repeat(a.reshape(2, 3, 4, 2).max(-1), 2, -1), a, 0)
    np.testing.assert_allclose(out.numpy(), ref)
    v = values.detach().requires_grad_()
    assert gradcheck(lambda t: F.max_unpool1d(t, indices, 2), (v,))
    m = nn.MaxUnpool1d(2)
    assert repr(m) == "MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))"
    assert m(*F.max_pool1d(x[:, :, :7], 2, return_indices=True), output_size=(7,)).shape == (2, 3, 7)
    v1, i1 = F.adaptive_max_pool1d_with_indices(x, 3)
    np.testing.assert_allclose(v1.numpy(), F.adaptive_max_pool1d(x, 3).numpy())
    v2, i2 = F.adaptive_max_pool2d_with_indices(x.reshape(2, 3, 2, 4), (1, 2))
    assert v2.shape == (2, 3, 1, 2) and i2.dtype == mdl.int64


def test_conv_transpose1d():
    rng = np.random.default_rng(6)
    x, w, b = t64(rng.standard_normal((2, 4, 5))), t64(rng.standard_normal((4, 3, 3))), t64(rng.standard_normal(6))
    out = F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1, groups=2, dilation=2)
    ref = np.zeros((2, 6, (5 - 1) * 2 + 2 * 2 + 1 + 1 + 2))      # before cropping the padding
    for g in range(2):
        for ci in range(2 * g, 2 * g + 2):
            for co in range(3):
                for t in range(5):
                    for k in range(3):
                        ref[:, 3 * g + co, t * 2 + k * 2] += x.numpy()[:, ci, t] * w.numpy()[ci, co, k]
    ref = ref[:, :, 1:1 + out.shape[-1]] + b.numpy()[:, None]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    fn = lambda a, c: F.conv_transpose1d(a, c, None, 2, 1, 1, 2, 2)  # noqa: E731
    assert gradcheck(fn, (x, w))
    m = nn.ConvTranspose1d(3, 4, 3)
    assert repr(m) == "ConvTranspose1d(3, 4, kernel_size=(3,), stride=(1,))"
    assert m.weight.shape == (3, 4, 3) and m(mdl.randn(2, 3, 5)).shape == (2, 4, 7)
    assert repr(nn.ConvTranspose1d(3, 4, 3, 2, 1, 1, bias=False, dilation=2)) == \
        ("ConvTranspose1d(3, 4, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), output_padding=(1,), "
         "bias=False)")


def test_triplet_margin_with_distance_loss():
    rng = np.random.default_rng(7)
    a, p, n = (t64(rng.standard_normal((4, 3))) for _ in range(3))
    np.testing.assert_allclose(F.triplet_margin_with_distance_loss(a, p, n).numpy(),
                               F.triplet_margin_loss(a, p, n).numpy(), rtol=1e-12)

    def cos_dist(u, v):
        return 1 - F.cosine_similarity(u, v)

    out = F.triplet_margin_with_distance_loss(a, p, n, distance_function=cos_dist, margin=0.5, swap=True,
                                              reduction="none")
    dn = np.minimum(cos_dist(a, n).detach().numpy(), cos_dist(p, n).detach().numpy())
    np.testing.assert_allclose(out.numpy(), np.maximum(0, 0.5 + cos_dist(a, p).detach().numpy() - dn))
    fn = lambda x, y, z: F.triplet_margin_with_distance_loss(x, y, z, distance_function=cos_dist)  # noqa: E731
    assert gradcheck(fn, (a, p, n))
    m = nn.TripletMarginWithDistanceLoss()
    assert repr(m) == "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)"


def test_multilabel_margin_loss():
    a = np.random.default_rng(8).standard_normal((3, 5))
    target = np.array([[3, 0, -1, 1, 1], [1, 2, 4, 0, -1], [-1, 0, 0, 0, 0]])
    x = t64(a)
    ref = np.zeros(3)
    for r in range(3):
        ys = []
        for cls in target[r]:
            if cls < 0:
                break
            ys.append(cls)
        for j in ys:
            for i in range(5):
                if i not in ys:
                    ref[r] += max(0.0, 1 - (a[r, j] - a[r, i]))
    ref /= 5
    np.testing.assert_allclose(F.multilabel_margin_loss(x, mdl.tensor(target), reduction="none").numpy(), ref)
    np.testing.assert_allclose(nn.MultiLabelMarginLoss()(x, mdl.tensor(target)).numpy(), ref.mean())
    fn = lambda t: F.multilabel_margin_loss(t, mdl.tensor(target), reduction="sum")  # noqa: E731
    assert gradcheck(fn, (x,)) and gradgradcheck(fn, (x,))
    assert F.multilabel_margin_loss(t64(a[0]), mdl.tensor(target[0])).shape == ()
