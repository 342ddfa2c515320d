"""Tangents of forward-mode AD (``minidl.autograd.forward_ad``) for many ops, float64: each against the
reverse-mode ``minidl.autograd.functional.jvp`` (the double-backward trick, a different code path: one
backward pass of the whole function differentiated again) and, for a spread of them, against central finite
differences through ``gradcheck(check_forward_ad=True)``. Modules (recurrent layers, attention, batch norm)
go through ``functional_call`` with dual parameters."""
import numpy as np
import pytest

import minidl as torch
import minidl.autograd.forward_ad as fwAD
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd.functional import jvp as reverse_jvp
from minidl.func import functional_call

torch.manual_seed(0)
D = torch.float64


def r(*s):
    return torch.randn(*s, dtype=D)


def pos(*s):
    return torch.rand(*s, dtype=D) + 0.5


W = r(4, 6)
idx = torch.tensor([2, 0, 1])
tgt = torch.tensor([1, 0, 3])
spd = (lambda a: a @ a.T + 4 * torch.eye(4, dtype=D))(r(4, 4))

CASES = {
    "sin": (lambda x: x.sin(), [r(3, 4)]),
    "cos": (torch.cos, [r(3,4)]),
    "tanh": (torch.tanh, [r(3,4)]),
    "exp": (torch.exp, [r(3,4)]),
    "log": (torch.log, [pos(3,4)]),
    "sqrt": (torch.sqrt, [pos(3,4)]),
    "abs": (torch.abs, [r(3,4)]),
    "pow": (lambda x, y: x ** y, [pos(3,4), r(3,4)]),
    "pow_scalar": (lambda x: x ** 3, [r(3,4)]),
    "div": (lambda x, y: x / y, [r(3,4), pos(4)]),
    "sub_bcast": (lambda x, y: x - y, [r(3,4), r(1,4)]),
    "neg": (lambda x: -x, [r(3)]),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), [r(3,4)]),
    "maximum": (torch.maximum, [r(3,4), r(3,4)]),
    "where": (lambda x, y: torch.where(x > 0, x, y), [r(3,4), r(3,4)]),
    "sigmoid": (torch.sigmoid, [r(3,4)]),
    "softplus": (F.softplus, [r(3,4)]),
    "erf": (torch.erf, [r(3,4)]),
    "rsqrt": (torch.rsqrt, [pos(3)]),
    "reciprocal": (torch.reciprocal, [pos(3)]),
    "atan2": (torch.atan2, [r(3), r(3)]),
    "sum": (lambda x: x.sum(), [r(3,4)]),
    "sum_dim": (lambda x: x.sum(1, keepdim=True), [r(3,4)]),
    "mean": (lambda x: x.mean(0), [r(3,4)]),
    "prod": (lambda x: x.prod(1), [r(3,4)]),
    "max_dim": (lambda x: x.max(1).values, [r(3,4)]),
    "amax": (lambda x: x.amax(0), [r(3,4)]),
    "min": (lambda x: x.min(), [r(3,4)]),
    "logsumexp": (lambda x: x.logsumexp(1), [r(3,4)]),
    "var": (lambda x: x.var(1), [r(3,4)]),
    "std": (lambda x: x.std(), [r(3,4)]),
    "norm": (lambda x: x.norm(), [r(3,4)]),
    "vector_norm": (lambda x: torch.linalg.vector_norm(x, 3, dim=1), [r(3,4)]),
    "cumsum": (lambda x: x.cumsum(1), [r(3,4)]),
    "cumprod": (lambda x: x.cumprod(1), [r(3,4)]),
    "matmul": (lambda a, b: a @ b, [r(3,4), r(4,5)]),
    "bmm": (torch.bmm, [r(2,3,4), r(2,4,5)]),
    "einsum": (lambda a, b: torch.einsum("ij,jk->ik", a, b), [r(3,4), r(4,5)]),
    "linear": (F.linear, [r(3,6), r(4,6), r(4)]),
    "conv1d": (lambda x, w: F.conv1d(x, w, padding=1), [r(2,3,7), r(4,3,3)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [r(2,3,7,7), r(4,3,3,3), r(4)]),
    "conv_transpose2d": (lambda x, w: F.conv_transpose2d(x, w, stride=2), [r(1,3,4,4), r(3,2,3,3)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), [r(1,2,6,6)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1), [r(1,2,7,7)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, 3), [r(1,2,7,7)]),
    "max_pool1d": (lambda x: F.max_pool1d(x, 2), [r(1,2,8)]),
    "reshape": (lambda x: x.reshape(4, 3), [r(3,4)]),
    "view": (lambda x: x.view(-1), [r(3,4)]),
    "permute": (lambda x: x.permute(2, 0, 1), [r(2,3,4)]),
    "transpose": (lambda x: x.t(), [r(3,4)]),
    "cat": (lambda a, b: torch.cat([a, b], 1), [r(3,4), r(3,2)]),
    "stack": (lambda a, b: torch.stack([a, b]), [r(3), r(3)]),
    "split": (lambda x: x.split(2, 1)[1], [r(3,4)]),
    "chunk": (lambda x: x.chunk(2)[0], [r(4,3)]),
    "unbind": (lambda x: x.unbind(0)[1], [r(3,4)]),
    "squeeze": (lambda x: x.squeeze(1), [r(3,1,4)]),
    "unsqueeze": (lambda x: x.unsqueeze(0), [r(3)]),
    "expand": (lambda x: x.expand(3, 4), [r(1,4)]),
    "repeat": (lambda x: x.repeat(2, 3), [r(2,2)]),
    "flip": (lambda x: x.flip(0), [r(3,4)]),
    "roll": (lambda x: x.roll(1, 1), [r(3,4)]),
    "gather": (lambda x: x.gather(1, torch.tensor([[0, 1], [2, 2], [3, 0]])), [r(3,4)]),
    "index_select": (lambda x: x.index_select(0, idx), [r(3,4)]),
    "getitem": (lambda x: x[1:, ::2], [r(3,4)]),
    "getitem_adv": (lambda x: x[idx, 1], [r(3,4)]),
    "getitem_mask": (lambda x: x[x > 0], [r(3,4)]),
    "narrow": (lambda x: x.narrow(1, 1, 2), [r(3,4)]),
    "tril": (torch.tril, [r(4,4)]),
    "diagonal": (lambda x: x.diagonal(), [r(4,4)]),
    "relu": (F.relu, [r(3,4)]),
    "gelu": (F.gelu, [r(3,4)]),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), [r(3,4)]),
    "silu": (F.silu, [r(3,4)]),
    "elu": (F.elu, [r(3,4)]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), [r(3,4)]),
    "softmax": (lambda x: F.softmax(x, -1), [r(3,4)]),
    "log_softmax": (lambda x: F.log_softmax(x, 1), [r(3,4)]),
    "hardtanh": (F.hardtanh, [r(3,4)]),
    "mish": (F.mish, [r(3,4)]),
    "selu": (F.selu, [r(3,4)]),
    "mse_loss": (F.mse_loss, [r(3,4), r(3,4)]),
    "l1_loss": (F.l1_loss, [r(3,4), r(3,4)]),
    "smooth_l1": (F.smooth_l1_loss, [r(3,4), r(3,4)]),
    "huber": (F.huber_loss, [r(3,4), r(3,4)]),
    "cross_entropy": (lambda x: F.cross_entropy(x, tgt), [r(3,4)]),
    "nll_loss": (lambda x: F.nll_loss(x, tgt), [r(3,4)]),
    "cross_entropy_smooth": (lambda x: F.cross_entropy(x, tgt, label_smoothing=0.1), [r(3,4)]),
    "bce": (lambda p, y: F.binary_cross_entropy(p, y),
            [torch.rand(3, 4, dtype=D) * 0.8 + 0.1, torch.rand(3, 4, dtype=D)]),
    "bce_logits": (F.binary_cross_entropy_with_logits, [r(3,4), torch.rand(3,4,dtype=D)]),
    "kl_div": (lambda a, b: F.kl_div(a, b, reduction="batchmean"), [r(3,4).log_softmax(1), r(3,4).softmax(1)]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), [r(3,4), r(4), r(4)]),
    "batch_norm_train": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [r(5,3), r(3), r(3)]),
    "batch_norm_eval": (lambda x: F.batch_norm(x, torch.zeros(3, dtype=D), torch.ones(3, dtype=D), training=False),
                        [r(5, 3, 2, 2)]),
    "group_norm": (lambda x: F.group_norm(x, 2), [r(2,4,3)]),
    "instance_norm": (lambda x: F.instance_norm(x), [r(2,3,5)]),
    "interpolate_bilinear": (lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), [r(1,2,3,3)]),
    "interpolate_nearest": (lambda x: F.interpolate(x, scale_factor=2), [r(1,2,3,3)]),
    "pad": (lambda x: F.pad(x, (1, 2)), [r(3,4)]),
    "pad_reflect": (lambda x: F.pad(x, (1, 1), mode="reflect"), [r(1,3,4)]),
    "normalize": (F.normalize, [r(3,4)]),
    "cosine_similarity": (F.cosine_similarity, [r(3,4), r(3,4)]),
    "embedding": (lambda w: F.embedding(idx, w), [r(5,3)]),
    "sdpa": (F.scaled_dot_product_attention, [r(1,2,3,4), r(1,2,3,4), r(1,2,3,4)]),
    "inv": (torch.linalg.inv, [spd]),
    "det": (torch.linalg.det, [r(3,3)]),
    "solve": (torch.linalg.solve, [spd, r(4,2)]),
    "cholesky": (torch.linalg.cholesky, [spd]),
    "slogdet": (lambda a: torch.linalg.slogdet(a)[1], [spd]),
    "qr": (lambda a: torch.linalg.qr(a)[1], [r(4,3)]),
    "eigh": (lambda a: torch.linalg.eigh(a)[0], [spd]),
    "svdvals": (torch.linalg.svdvals, [r(4,3)]),
    "matrix_exp": (torch.linalg.matrix_exp, [r(3,3) * 0.3]),
    "unfold": (lambda x: F.unfold(x, 2), [r(1,2,4,4)]),
    "pixel_shuffle": (lambda x: F.pixel_shuffle(x, 2), [r(1,4,2,2)]),
    "std_mean": (lambda x: torch.std_mean(x, 1)[0], [r(3,4)]),
    "sort": (lambda x: x.sort(1).values, [r(3,4)]),
    "topk": (lambda x: x.topk(2).values, [r(3,4)]),
    "masked_fill": (lambda x: x.masked_fill(x > 0.5, 0.0), [r(3,4)]),
    "lerp": (lambda a, b: torch.lerp(a, b, 0.3), [r(3), r(3)]),
    "addmm": (torch.addmm, [r(3,5), r(3,4), r(4,5)]),
    "outer": (torch.outer, [r(3), r(4)]),
    "kron": (torch.kron, [r(2,2), r(2,3)]),
    "trace": (torch.trace, [r(3,3)]),
    "cdist": (torch.cdist, [r(3,4), r(2,4)]),
    "logit": (torch.logit, [torch.rand(3, dtype=D) * 0.8 + 0.1]),
    "lgamma": (torch.lgamma, [pos(3)]),
    "digamma": (torch.digamma, [pos(3)]),
    "hypot": (torch.hypot, [r(3), r(3)]),
    "xlogy": (torch.xlogy, [r(3), pos(3)]),
    "sinc": (torch.sinc, [r(3)]),
    "float_cast": (lambda x: x.float().double(), [r(3)]),
    "tensordot": (lambda a, b: torch.tensordot(a, b, dims=1), [r(3,4), r(4,2)]),
    "glu": (F.glu, [r(3,4)]),
    "logsigmoid": (F.logsigmoid, [r(3,4)]),
    "prelu": (F.prelu, [r(3,4), r(1)]),
    "triplet": (F.triplet_margin_loss, [r(3,4), r(3,4), r(3,4)]),
    "multi_margin": (lambda x: F.multi_margin_loss(x, tgt), [r(3,4)]),
}


def _forward_tangent(f, args, tangents):
    with fwAD.dual_level():
        out = f(*[fwAD.make_dual(a, t) for a, t in zip(args, tangents)])
        primal, tangent = fwAD.unpack_dual(out)
    return primal, tangent


@pytest.mark.parametrize("name", sorted(CASES))
def test_tangent_equals_reverse_mode_jvp(name):
    f, args = CASES[name]
    rng = np.random.default_rng(1)
    tangents = [torch.tensor(rng.standard_normal(a.shape)) for a in args]
    primal, got = _forward_tangent(f, args, tangents)
    value, want = reverse_jvp(f, tuple(args), tuple(tangents))
    assert got is not None and got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(primal.numpy(), value.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-9)


FINITE_DIFFERENCES = ["sin", "pow", "div", "prod", "logsumexp", "matmul", "conv2d", "max_pool2d", "avg_pool2d",
                      "cat", "getitem_adv", "gather", "softmax", "gelu", "cross_entropy", "layer_norm",
                      "batch_norm_train", "interpolate_bilinear", "inv", "det", "solve", "sdpa", "cumprod",
                      "norm", "pad_reflect", "bce_logits"]


@pytest.mark.parametrize("name", FINITE_DIFFERENCES)
def test_tangent_against_finite_differences(name):
    f, args = CASES[name]
    args = [a.detach().clone().requires_grad_() for a in args]
    assert torch.autograd.gradcheck(f, tuple(args), check_forward_ad=True, check_backward_ad=False)


MODULES = {
    "linear": (lambda: nn.Linear(5, 3), (4, 5)),
    "conv_net": (lambda: nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                       nn.Linear(12, 2)), (2, 2, 6, 6)),
    "batch_norm": (lambda: nn.BatchNorm2d(3), (4, 3, 2, 2)),
    "lstm": (lambda: nn.LSTM(3, 4, batch_first=True), (2, 5, 3)),
    "gru": (lambda: nn.GRU(3, 4, num_layers=2), (5, 2, 3)),
    "multihead_attention": (lambda: nn.MultiheadAttention(4, 2, batch_first=True), (2, 3, 4)),
    "transformer_layer": (lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), (2, 3, 8)),
    "layer_norm": (lambda: nn.LayerNorm(4), (2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_jvp_in_input_and_parameters(name):
    make, shape = MODULES[name]
    torch.manual_seed(1)
    model = make().double()
    params = dict(model.named_parameters())
    tangents = [torch.randn_like(p) for p in params.values()]
    x, tx = r(*shape), r(*shape)

    def call(x, *values):
        inputs = (x, x, x) if name == "multihead_attention" else (x,)
        out = functional_call(model, dict(zip(params, values)), inputs)
        return out[0] if isinstance(out, tuple) else out

    _, got = _forward_tangent(call, [x, *params.values()], [tx, *tangents])
    _, want = reverse_jvp(call, (x, *params.values()), (tx, *tangents))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-9)


def test_batch_norm_running_stats_get_no_tangent():
    bn = nn.BatchNorm1d(3).double()
    with fwAD.dual_level():
        out = bn(fwAD.make_dual(r(4, 3), r(4, 3)))
        assert fwAD.unpack_dual(out).tangent is not None
        assert fwAD.unpack_dual(bn.running_mean).tangent is None
        assert fwAD.unpack_dual(bn.running_var).tangent is None


def test_dropout_tangent_uses_the_same_mask():
    x, t = r(50), r(50)
    with fwAD.dual_level():
        out = F.dropout(fwAD.make_dual(x, t), 0.5, training=True)
        primal, tangent = fwAD.unpack_dual(out)
    kept = primal.numpy() != 0
    np.testing.assert_allclose(tangent.numpy()[kept], 2 * t.numpy()[kept])
    assert (tangent.numpy()[~kept] == 0).all()


@pytest.mark.parametrize("name", sorted(CASES))
def test_direct_rules_equal_the_double_vjp_rule(name, monkeypatch):
    """The same tangents with the direct rules of ``_forward_fast.py`` switched off (every op by the double vjp)."""
    from minidl.autograd import _forward_rules
    f, args = CASES[name]
    rng = np.random.default_rng(2)
    tangents = [torch.tensor(rng.standard_normal(a.shape)) for a in args]
    _, fast = _forward_tangent(f, args, tangents)
    monkeypatch.setattr(_forward_rules, "fast_tangent", lambda *args: None)
    _, general = _forward_tangent(f, args, tangents)
    np.testing.assert_allclose(fast.numpy(), general.numpy(), rtol=1e-10, atol=1e-10)
