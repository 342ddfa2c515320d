"""grad_fn names of common ops, as PyTorch 2.13 (CPU) names them: they show in every printed Tensor
(``tensor([...], grad_fn=<AddmmBackward0>)``) and tutorials print them. The table was read once with torch
running the same expressions (``/work/refvenv/bin/python``); torch is not a test dependency."""
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F

x = mdl.randn(3, 4, requires_grad=True)
v = mdl.randn(4, requires_grad=True)
x3 = mdl.randn(2, 3, 4, requires_grad=True)
w = mdl.randn(5, 4)
CASES = {
    "linear 2-D with bias": (lambda: F.linear(x, w, mdl.randn(5)), "AddmmBackward0"),
    "linear 2-D without bias": (lambda: F.linear(x, w), "MmBackward0"),
    "linear 3-D with bias": (lambda: F.linear(x3, w, mdl.randn(5)), "ViewBackward0"),
    "linear 3-D without bias": (lambda: F.linear(x3, w), "UnsafeViewBackward0"),
    "linear 1-D without bias": (lambda: F.linear(v, w), "SqueezeBackward4"),
    "nn.Linear 2-D": (lambda: nn.Linear(4, 2)(x), "AddmmBackward0"),
    "view": (lambda: x.view(12), "ViewBackward0"),
    "reshape": (lambda: x.reshape(2, 6), "ViewBackward0"),
    "flatten(1)": (lambda: x3.flatten(1), "ViewBackward0"),
    "t": (lambda: x.t(), "TBackward0"),
    "t 1-D": (lambda: v.t(), "TBackward0"),
    "transpose": (lambda: x.transpose(0, 1), "TransposeBackward0"),
    "permute": (lambda: x.permute(1, 0), "PermuteBackward0"),
    "squeeze()": (lambda: x3[:1].squeeze(), "SqueezeBackward0"),
    "squeeze(0)": (lambda: x.unsqueeze(0).squeeze(0), "SqueezeBackward1"),
    "squeeze((0, 2))": (lambda: x.unsqueeze(0).unsqueeze(2).squeeze((0, 2)), "SqueezeBackward2"),
    "unsqueeze": (lambda: x.unsqueeze(1), "UnsqueezeBackward0"),
    "cat": (lambda: mdl.cat([x, x]), "CatBackward0"),
    "sum": (lambda: x.sum(), "SumBackward0"),
    "sum(1)": (lambda: x.sum(1), "SumBackward1"),
    "sum((0, 1))": (lambda: x.sum((0, 1)), "SumBackward1"),
    "mean": (lambda: x.mean(), "MeanBackward0"),
    "mean(1)": (lambda: x.mean(1), "MeanBackward1"),
    "max()": (lambda: x.max(), "MaxBackward1"),
    "max(1)": (lambda: x.max(1)[0], "MaxBackward0"),
    "min()": (lambda: x.min(), "MinBackward1"),
    "min(1)": (lambda: x.min(1)[0], "MinBackward0"),
    "amax": (lambda: x.amax(1), "AmaxBackward0"),
    "amin": (lambda: x.amin(1), "AminBackward0"),
    "topk": (lambda: x.topk(2)[0], "TopkBackward0"),
    "sort": (lambda: x.sort(1)[0], "SortBackward0"),
    "mm": (lambda: x.mm(x.t()), "MmBackward0"),
    "matmul 2-D": (lambda: x @ x.t(), "MmBackward0"),
    "matmul 2-D @ 1-D": (lambda: x @ v, "MvBackward0"),
    "matmul 1-D @ 1-D": (lambda: v @ v, "DotBackward0"),
    "matmul 1-D @ 2-D": (lambda: v @ x.t(), "SqueezeBackward4"),
    "matmul 3-D": (lambda: x3 @ mdl.randn(4, 2), "UnsafeViewBackward0"),
    "bmm": (lambda: mdl.bmm(x.unsqueeze(0), x.t().unsqueeze(0)), "BmmBackward0"),
    "relu": (lambda: F.relu(x), "ReluBackward0"),
    "leaky_relu": (lambda: F.leaky_relu(x), "LeakyReluBackward0"),
    "gelu": (lambda: F.gelu(x), "GeluBackward0"),
    "gelu tanh": (lambda: F.gelu(x, approximate="tanh"), "GeluBackward0"),
    "silu": (lambda: F.silu(x), "SiluBackward0"),
    "elu": (lambda: F.elu(x), "EluBackward0"),
    "pow": (lambda: x.pow(2), "PowBackward0"),
    "** 0.5": (lambda: x ** 0.5, "PowBackward0"),
    "clamp": (lambda: x.clamp(0, 1), "ClampBackward1"),
    "clamp(min=)": (lambda: x.clamp(min=0), "ClampBackward1"),
    "double": (lambda: x.double(), "ToCopyBackward0"),
    "to(float64)": (lambda: x.to(mdl.float64), "ToCopyBackward0"),
    "dropout": (lambda: F.dropout(x, 0.5), "MulBackward0"),
    "conv2d": (lambda: F.conv2d(x.view(1, 1, 3, 4), mdl.randn(2, 1, 2, 2)), "ConvolutionBackward0"),
    "max_pool2d": (lambda: F.max_pool2d(x.view(1, 1, 3, 4), 2), "MaxPool2DWithIndicesBackward0"),
    "avg_pool2d": (lambda: F.avg_pool2d(x.view(1, 1, 3, 4), 2), "AvgPool2DBackward0"),
    "adaptive_avg_pool2d(1)": (lambda: F.adaptive_avg_pool2d(x.view(1, 1, 3, 4), 1), "MeanBackward1"),
    "embedding": (lambda: F.embedding(mdl.tensor([0, 2]), x), "EmbeddingBackward0"),
    "nn.Embedding": (lambda: nn.Embedding(3, 2)(mdl.tensor([1])), "EmbeddingBackward0"),
    "layer_norm": (lambda: F.layer_norm(x, (4,)), "NativeLayerNormBackward0"),
    "nn.LayerNorm": (lambda: nn.LayerNorm(4)(x3), "NativeLayerNormBackward0"),
    "batch_norm": (lambda: F.batch_norm(x, None, None, training=True), "NativeBatchNormBackward0"),
    "nn.BatchNorm1d": (lambda: nn.BatchNorm1d(3)(x3), "NativeBatchNormBackward0"),
    "cumsum": (lambda: x.cumsum(1), "CumsumBackward0"),
    "logsumexp": (lambda: x.logsumexp(1), "LogsumexpBackward0"),
    "minimum": (lambda: mdl.minimum(x, x * 2), "MinimumBackward0"),
    "maximum": (lambda: mdl.maximum(x, x * 2), "MaximumBackward0"),
    "std": (lambda: x.std(), "StdBackward0"),
    "index_select": (lambda: x.index_select(0, mdl.tensor([0, 2])), "IndexSelectBackward0"),
    "softmax": (lambda: F.softmax(x, 1), "SoftmaxBackward0"),
    "select": (lambda: x[0], "SelectBackward0"),
    "split": (lambda: x.split(2, 1)[0], "SplitBackward0"),
    "split sizes": (lambda: x.split([1, 3], 1)[1], "SplitWithSizesBackward0"),
    "chunk": (lambda: x.chunk(2, 1)[1], "SplitBackward0"),
    "unbind": (lambda: x.unbind(0)[1], "UnbindBackward0"),
    "masked_fill": (lambda: x.masked_fill(x > 0, 0.0), "MaskedFillBackward0"),
    "1 - x": (lambda: 1 - x, "RsubBackward1"),
    "sign": (lambda: x.sign(), "SignBackward0"),
    "floor": (lambda: x.floor(), "FloorBackward0"),
    "ceil": (lambda: x.ceil(), "CeilBackward0"),
    "trunc": (lambda: x.trunc(), "TruncBackward0"),
    "round": (lambda: x.round(), "RoundBackward0"),
    "round(decimals=1)": (lambda: x.round(decimals=1), "RoundBackward1"),
    "pad": (lambda: F.pad(x, (1, 1)), "ConstantPadNdBackward0"),
    "norm": (lambda: x.norm(), "LinalgVectorNormBackward0"),
    "norm(2, 1)": (lambda: x.norm(2, 1, keepdim=True), "LinalgVectorNormBackward0"),
    "norm(1)": (lambda: x.norm(1), "LinalgVectorNormBackward0"),
    "norm(inf)": (lambda: x.norm(float("inf")), "LinalgVectorNormBackward0"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_grad_fn_name_as_pytorch(case):
    make, expected = CASES[case]
    out = make()
    assert out.grad_fn.name() == expected
    assert f"grad_fn=<{expected}>" in repr(out)


def test_names_survive_backward_and_gradients_are_unchanged():
    """The name is kept when backward frees the node (``Function._release``), and renaming changes no value."""
    a = mdl.randn(3, 4, dtype=mdl.float64, requires_grad=True)
    layer = nn.Linear(4, 2).double()
    out = layer(a)
    out.sum().backward()
    assert out.grad_fn.name() == "AddmmBackward0"
    assert mdl.allclose(a.grad, layer.weight.sum(0).expand(3, 4))
    assert mdl.autograd.gradcheck(lambda t: F.relu(t.t()).mm(t).sum(1), (a,))
    assert mdl.autograd.gradgradcheck(lambda t: F.relu(t.t()).mm(t).sum(1), (a,))


def test_reflected_operators_build_pytorchs_nodes():
    """``2 * b`` is PyTorch's ``mul(b, 2)``: b's edge first in ``next_functions`` (introyt's autograd tutorial walks
    ``d.grad_fn.next_functions[0][0]`` down to ``SinBackward0``); ``2 / b`` is ``reciprocal(b) * 2`` in PyTorch,
    node and values (they differ from a true division by an ulp in a quarter of float32 elements); a number base
    of ``**`` or ``torch.pow`` is ``PowBackward2``; ``torch.rsub`` is ``RsubBackward0``/``1``."""
    b = mdl.linspace(0.5, 3.0, 7, requires_grad=True).sin()
    for made in (2 * b, 2 + b, 2.5 * b, True + b):
        (first, _), (second, _) = made.grad_fn.next_functions
        assert first is b.grad_fn and second is None
    q = 7.0 / b
    assert q.grad_fn.name() == "MulBackward0"
    assert q.grad_fn.next_functions[0][0].name() == "ReciprocalBackward0"
    x = mdl.rand(1000) + 0.5
    assert mdl.equal(7.0 / x, x.reciprocal() * 7.0)
    assert (2 / mdl.arange(1, 4)).dtype == mdl.float32
    assert (2 ** b).grad_fn.name() == "PowBackward2" and mdl.pow(2, b).grad_fn.name() == "PowBackward2"
    assert mdl.pow(b, 2).grad_fn.name() == "PowBackward0" and mdl.pow(b, b).grad_fn.name() == "PowBackward1"
    assert mdl.rsub(b, 2).grad_fn.name() == "RsubBackward1"
    assert mdl.rsub(b, mdl.ones(7)).grad_fn.name() == "RsubBackward0"
    g, = mdl.autograd.grad((3.0 / b).sum(), b)
    assert mdl.allclose(g, -3.0 / b.detach() ** 2)
