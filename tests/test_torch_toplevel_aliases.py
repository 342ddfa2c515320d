"""``minidl.conv2d``, ``minidl.batch_norm``, ``minidl.kl_div``, ... (the ``torch.*`` forms of functional ops):
the same values as ``F.*`` under PyTorch's top-level signatures (positional ATen order, int ``reduction``,
``embedding(weight, indices)``), values read once from PyTorch 2.13 where the signatures differ, and float64
gradcheck + gradgradcheck for each differentiable one."""
import inspect

import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(11)


def t(*shape, positive=False, grad=True):
    a = RNG.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.2
    return mdl.tensor(a, requires_grad=grad)


def same(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_signatures_follow_pytorch():
    sig = {name: list(inspect.signature(getattr(mdl, name)).parameters) for name in (
        "dropout", "batch_norm", "instance_norm", "layer_norm", "embedding", "kl_div", "max_pool2d", "ctc_loss")}
    assert sig["dropout"] == ["input", "p", "train"]
    assert sig["batch_norm"] == ["input", "weight", "bias", "running_mean", "running_var", "training", "momentum",
                                 "eps", "cudnn_enabled"]
    assert sig["instance_norm"] == ["input", "weight", "bias", "running_mean", "running_var", "use_input_stats",
                                    "momentum", "eps", "cudnn_enabled"]
    assert sig["layer_norm"] == ["input", "normalized_shape", "weight", "bias", "eps", "cudnn_enable"]
    assert sig["embedding"] == ["weight", "indices", "padding_idx", "scale_grad_by_freq", "sparse"]
    assert sig["kl_div"] == ["input", "target", "reduction", "log_target"]
    assert sig["max_pool2d"] == ["input", "kernel_size", "stride", "padding", "dilation", "ceil_mode"]
    with pytest.raises(TypeError):
        mdl.dropout(mdl.ones(2), 0.5)            # train has no default, as torch.dropout


def test_convolutions_and_pools_equal_functional():
    x1, x2, x3 = t(2, 3, 7), t(2, 3, 6, 6), t(1, 2, 4, 4, 4)
    w1, b1 = t(4, 3, 3), t(4)
    same(mdl.conv1d(x1, w1, b1, 2, 1), F.conv1d(x1, w1, b1, 2, 1))
    w2 = t(4, 3, 3, 3)
    same(mdl.conv2d(x2, w2, None, 1, 1, 1, 1), F.conv2d(x2, w2, None, 1, 1))
    w3 = t(3, 2, 2, 2, 2)
    same(mdl.conv3d(x3, w3, None, 1, 1), F.conv3d(x3, w3, None, 1, 1))
    wt = t(3, 4, 3, 3)
    same(mdl.conv_transpose2d(x2, wt, None, 2, 1, 1), F.conv_transpose2d(x2, wt, None, 2, 1, 1))
    wt1 = t(3, 4, 3)
    same(mdl.conv_transpose1d(x1, wt1, None, 2, 1, 1), F.conv_transpose1d(x1, wt1, None, 2, 1, 1))
    wt3 = t(2, 3, 2, 2, 2)
    same(mdl.conv_transpose3d(x3, wt3), F.conv_transpose3d(x3, wt3))
    same(mdl.max_pool1d(x1, 2), F.max_pool1d(x1, 2, 2))
    same(mdl.max_pool2d(x2, 3, 2, 1, 1, True), F.max_pool2d(x2, 3, 2, 1, 1, True))
    same(mdl.max_pool3d(x3, 2), F.max_pool3d(x3, 2))
    v, i = mdl.max_pool1d_with_indices(x1, 3, 2, 1)
    same(v, F.max_pool1d(x1, 3, 2, 1))
    same(mdl.avg_pool1d(x1, 3, 2, 1, True, False), F.avg_pool1d(x1, 3, 2, 1, True, False))
    same(mdl.adaptive_avg_pool1d(x1, 4), F.adaptive_avg_pool1d(x1, 4))
    out = mdl.adaptive_max_pool1d(x1, 3)
    assert isinstance(out, tuple) and len(out) == 2 and out[1].dtype == mdl.int64
    same(out[0], F.adaptive_max_pool1d(x1, 3))


def test_normalisation_embedding_and_dropout():
    x = t(2, 3, 4, 4)
    rm, rv, w, b = t(3, grad=False), t(3, positive=True, grad=False), t(3), t(3)
    same(mdl.batch_norm(x, w, b, rm, rv, False, 0.1, 1e-5, False), F.batch_norm(x, rm, rv, w, b, False, 0.1, 1e-5))
    same(mdl.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False), F.instance_norm(x))
    same(mdl.layer_norm(x, [4, 4]), F.layer_norm(x, [4, 4]))
    g = t(2, 4, 5)
    same(mdl.group_norm(g, 2, t(4)[:4] * 0 + 1), F.group_norm(g, 2))
    rw = t(4)
    same(mdl.rms_norm(x, [4], rw), F.rms_norm(x, [4], rw))
    weight = t(10, 3)
    idx = mdl.tensor([[1, 2], [9, 0]])
    same(mdl.embedding(weight, idx), F.embedding(idx, weight))
    mdl.embedding(weight, mdl.tensor([2, 2, 1]), 2).sum().backward()
    assert weight.grad[2].tolist() == [0.0, 0.0, 0.0] and weight.grad[1].tolist() == [1.0, 1.0, 1.0]
    y = mdl.ones(1000)
    assert mdl.dropout(y, 0.5, False) is y and mdl.alpha_dropout(y, 0.5, False) is y
    mdl.manual_seed(0)
    kept = mdl.dropout(y, 0.5, True)
    assert set(np.unique(kept.numpy()).tolist()) <= {0.0, 2.0} and 350 < int((kept > 0).sum()) < 650
    z = mdl.ones(10)
    assert mdl.dropout_(z, 0.0, True) is z


def test_activations_and_shape_ops():
    x = t(2, 3, 5)
    same(mdl.celu(x, 0.5), F.celu(x, 0.5))
    same(mdl.selu(x), F.selu(x))
    same(mdl.rrelu(x), F.rrelu(x))
    same(mdl.threshold(x, 0.1, 20.0), F.threshold(x, 0.1, 20.0))
    same(mdl.hardshrink(x, 0.7), F.hardshrink(x, 0.7))
    p = t(3)
    same(mdl.prelu(x, p), F.prelu(x, p))
    a, b, w = t(4, 3), t(4, 2), t(5, 3, 2)
    same(mdl.bilinear(a, b, w), F.bilinear(a, b, w))
    c = mdl.tensor([-1.0, 0.5, 2.0])
    assert mdl.celu_(c) is c and c[1].item() == 0.5
    d = mdl.tensor([-1.0, 0.5])
    assert mdl.threshold_(d, 0.0, 9.0) is d and d.tolist() == [9.0, 0.5]
    assert mdl.pixel_shuffle(mdl.zeros(1, 8, 2, 3), 2).shape == (1, 2, 4, 6)
    assert mdl.pixel_unshuffle(mdl.zeros(1, 2, 4, 6), 2).shape == (1, 8, 2, 3)
    assert mdl.channel_shuffle(mdl.arange(6.0).reshape(1, 6, 1, 1), 3).reshape(-1).tolist() == [0, 2, 4, 1, 3, 5]
    padded = mdl.constant_pad_nd(mdl.ones(1, 2), [1, 2, 0, 1], 3.5)
    assert padded.tolist() == [[3.5, 1.0, 1.0, 3.5, 3.5], [3.5, 3.5, 3.5, 3.5, 3.5]]
    assert mdl.unflatten(mdl.zeros(2, 6), 1, (3, 2)).shape == (2, 3, 2)


def test_losses_take_an_int_reduction_that_defaults_to_none():
    a, b = t(3, 4), t(3, 4, positive=True)
    y = mdl.tensor([1.0, -1.0, 1.0])
    assert mdl.kl_div(a, b).shape == (3, 4)                               # torch.kl_div's default: 'none'
    same(mdl.kl_div(a, b, 1), F.kl_div(a, b, reduction="none").mean())  # 1: the mean over all elements
    same(mdl.kl_div(a, b, 2), F.kl_div(a, b, reduction="sum"))
    same(mdl.kl_div(a, b, 5), F.kl_div(a, b, reduction="none"))         # any other int: none, as torch
    same(mdl.kl_div(a, a, 1, log_target=True), F.kl_div(a, a, reduction="none", log_target=True).mean())
    with pytest.raises(TypeError, match="argument 'reduction' must be int, not str"):
        mdl.kl_div(a, b, reduction="mean")
    same(mdl.cosine_embedding_loss(a, b, y, 0.1), F.cosine_embedding_loss(a, b, y, 0.1, reduction="none"))
    same(mdl.cosine_embedding_loss(a, b, y, 0.1, 1), F.cosine_embedding_loss(a, b, y, 0.1))
    same(mdl.margin_ranking_loss(a[:, 0], b[:, 0], y, 0.2, 2), F.margin_ranking_loss(a[:, 0], b[:, 0], y, 0.2,
                                                                                     reduction="sum"))
    s = mdl.sign(b - 1.0)
    same(mdl.hinge_embedding_loss(a, s, 0.5, 1), F.hinge_embedding_loss(a, s, 0.5))
    same(mdl.triplet_margin_loss(a, b, a * 2, 1.0, 2.0, 1e-6, True, 1), F.triplet_margin_loss(a, b, a * 2, swap=True))
    same(mdl.poisson_nll_loss(a, b, True, True, 1e-8, 1), F.poisson_nll_loss(a, b, True, True))
    same(mdl.binary_cross_entropy_with_logits(a, b / 3), F.binary_cross_entropy_with_logits(a, b / 3,
                                                                                           reduction="none"))
    lp = mdl.tensor(np.log(RNG.dirichlet(np.ones(5), size=(6, 2))))
    targets = mdl.tensor([[1, 2], [3, 1]])
    same(mdl.ctc_loss(lp, targets, [6, 6], [2, 2]), F.ctc_loss(lp, targets, [6, 6], [2, 2], reduction="none"))
    np.testing.assert_allclose(mdl.ctc_loss(lp, targets, mdl.tensor([6, 6]), mdl.tensor([2, 2]), 0, 1).item(),
                               F.ctc_loss(lp, targets, [6, 6], [2, 2]).item())


def _seeded(fn, *args):
    """``fn(*args)`` with the same random draw every call (so finite differences see one function)."""
    mdl.manual_seed(3)
    return fn(*args)


GRAD_CASES = {
    "conv1d": (lambda x, w: mdl.conv1d(x, w, None, 2, 1), [(1, 2, 5), (3, 2, 3)]),
    "conv2d": (lambda x, w: mdl.conv2d(x, w, None, 1, 1), [(1, 2, 4, 4), (2, 2, 3, 3)]),
    "conv_transpose1d": (lambda x, w: mdl.conv_transpose1d(x, w, None, 2), [(1, 2, 3), (2, 2, 3)]),
    "max_pool1d": (lambda x: mdl.max_pool1d(x, 2), [(1, 2, 6)]),
    "max_pool2d": (lambda x: mdl.max_pool2d(x, 2), [(1, 2, 4, 4)]),
    "avg_pool1d": (lambda x: mdl.avg_pool1d(x, 3, 1, 1), [(1, 2, 5)]),
    "adaptive_avg_pool1d": (lambda x: mdl.adaptive_avg_pool1d(x, 3), [(1, 2, 5)]),
    "adaptive_max_pool1d": (lambda x: mdl.adaptive_max_pool1d(x, 2)[0], [(1, 2, 5)]),
    "batch_norm": (lambda x, w: mdl.batch_norm(x, w, None, None, None, True, 0.1, 1e-5, False), [(4, 2, 3), (2,)]),
    "layer_norm": (lambda x, w: mdl.layer_norm(x, [3], w), [(2, 3), (3,)]),
    "group_norm": (lambda x: mdl.group_norm(x, 2), [(2, 4, 3)]),
    "instance_norm": (lambda x: mdl.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False), [(2, 2, 4)]),
    "rms_norm": (lambda x, w: mdl.rms_norm(x, [3], w), [(2, 3), (3,)]),
    "embedding": (lambda w: mdl.embedding(w, mdl.tensor([0, 2, 2])), [(4, 3)]),
    "bilinear": (lambda a, b, w: mdl.bilinear(a, b, w), [(2, 3), (2, 2), (2, 3, 2)]),
    "celu": (lambda x: mdl.celu(x, 0.7), [(3, 4)]),
    "selu": (lambda x: mdl.selu(x), [(3, 4)]),
    "prelu": (lambda x, w: mdl.prelu(x, w), [(2, 3, 2), (3,)]),
    "threshold": (lambda x: mdl.threshold(x, 0.05, 2.0), [(3, 4)]),
    "hardshrink": (lambda x: mdl.hardshrink(x, 0.05), [(3, 4)]),
    "pixel_shuffle": (lambda x: mdl.pixel_shuffle(x, 2), [(1, 4, 2, 2)]),
    "constant_pad_nd": (lambda x: mdl.constant_pad_nd(x, [1, 1]), [(2, 3)]),
    "kl_div": (lambda a, b: mdl.kl_div(a, b.abs() + 0.1, 1), [(2, 3), (2, 3)]),
    "cosine_embedding_loss": (lambda a, b: mdl.cosine_embedding_loss(a, b, mdl.tensor([1.0, -1.0]), 0.0, 1),
                              [(2, 3), (2, 3)]),
    "margin_ranking_loss": (lambda a, b: mdl.margin_ranking_loss(a, b, mdl.tensor([1.0, -1.0, 1.0]), 0.1, 1),
                            [(3,), (3,)]),
    "hinge_embedding_loss": (lambda a: mdl.hinge_embedding_loss(a, mdl.tensor([1.0, -1.0, 1.0]), 1.0, 2), [(3,)]),
    "triplet_margin_loss": (lambda a, p, n: mdl.triplet_margin_loss(a, p, n, 5.0, 2.0, 1e-6, False, 1),
                            [(2, 3), (2, 3), (2, 3)]),
    "poisson_nll_loss": (lambda a, b: mdl.poisson_nll_loss(a, b.abs(), True, False, 1e-8, 1), [(2, 3), (2, 3)]),
    "conv3d": (lambda x, w: mdl.conv3d(x, w, None, 1, 1), [(1, 2, 3, 3, 3), (2, 2, 2, 2, 2)]),
    "conv_transpose2d": (lambda x, w: mdl.conv_transpose2d(x, w, None, 2, 1, 1), [(1, 2, 3, 3), (2, 2, 3, 3)]),
    "conv_transpose3d": (lambda x, w: mdl.conv_transpose3d(x, w), [(1, 2, 2, 2, 2), (2, 1, 2, 2, 2)]),
    "max_pool3d": (lambda x: mdl.max_pool3d(x, 2), [(1, 1, 4, 4, 4)]),
    "max_pool1d_with_indices": (lambda x: mdl.max_pool1d_with_indices(x, 2)[0], [(1, 2, 6)]),
    "rrelu": (lambda x: mdl.rrelu(x), [(3, 4)]),
    "pixel_unshuffle": (lambda x: mdl.pixel_unshuffle(x, 2), [(1, 1, 4, 4)]),
    "channel_shuffle": (lambda x: mdl.channel_shuffle(x, 2), [(1, 4, 2, 2)]),
    "unflatten": (lambda x: mdl.unflatten(x, 1, (2, 3)) * 2, [(2, 6)]),
    "dropout": (lambda x: _seeded(mdl.dropout, x, 0.4, True), [(4, 5)]),
    "alpha_dropout": (lambda x: _seeded(mdl.alpha_dropout, x, 0.4, True), [(4, 5)]),
    "feature_alpha_dropout": (lambda x: _seeded(mdl.feature_alpha_dropout, x, 0.4, True), [(2, 3, 4)]),
    "selu_": (lambda x: mdl.selu_(x * 1), [(3, 4)]),
    "celu_": (lambda x: mdl.celu_(x * 1, 0.5), [(3, 4)]),
    "threshold_": (lambda x: mdl.threshold_(x * 1, 0.05, 2.0), [(3, 4)]),
    "binary_cross_entropy_with_logits": (lambda a: mdl.binary_cross_entropy_with_logits(
        a, mdl.tensor([[0.2, 0.7, 1.0], [0.0, 0.5, 0.9]], dtype=mdl.float64), None, None, 1), [(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients(name):
    fn, shapes = GRAD_CASES[name]
    inputs = tuple(t(*s) for s in shapes)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_ctc_loss_gradient():
    logits = t(5, 1, 4)
    targets = mdl.tensor([[1, 2]])

    def fn(z):
        return mdl.ctc_loss(z.log_softmax(2), targets, [5], [2], 0, 1)

    assert gradcheck(fn, (logits,))
