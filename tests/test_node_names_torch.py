"""``grad_fn`` names as PyTorch 2.13 prints them (``tensor(..., grad_fn=<AddmmBackward0>)``) for the ops
scripts print most. Each expected name was read from torch 2.13 CPU running the same expression."""
import pytest

import minidl as mdl
import minidl.nn.functional as F

mdl.manual_seed(0)
X = mdl.randn(3, 4, requires_grad=True)
V = mdl.randn(4, requires_grad=True)
B3 = mdl.randn(2, 3, 4, requires_grad=True)
W = mdl.randn(5, 4, requires_grad=True)
BIAS = mdl.randn(5, requires_grad=True)

CASES = [
    ("linear 2-D", lambda: F.linear(X, W, BIAS), "AddmmBackward0"),
    ("linear 2-D, no bias", lambda: F.linear(X, W), "MmBackward0"),
    ("linear 3-D", lambda: F.linear(B3, W, BIAS), "ViewBackward0"),
    ("mm", lambda: X @ W.t(), "MmBackward0"),
    ("dot", lambda: V @ V, "DotBackward0"),
    ("mv", lambda: X @ V, "MvBackward0"),
    ("batched matmul", lambda: B3 @ W.t(), "UnsafeViewBackward0"),
    ("bmm", lambda: mdl.bmm(B3, B3.transpose(1, 2)), "BmmBackward0"),
    ("sum", lambda: X.sum(), "SumBackward0"),
    ("sum dim", lambda: X.sum(1), "SumBackward1"),
    ("mean", lambda: X.mean(), "MeanBackward0"),
    ("mean dim", lambda: X.mean(0), "MeanBackward1"),
    ("max", lambda: X.max(), "MaxBackward1"),
    ("max dim", lambda: X.max(1).values, "MaxBackward0"),
    ("min", lambda: X.min(), "MinBackward1"),
    ("min dim", lambda: X.min(1).values, "MinBackward0"),
    ("amax", lambda: X.amax(1), "AmaxBackward0"),
    ("pow", lambda: X ** 2, "PowBackward0"),
    ("pow tensor", lambda: X.abs() ** V, "PowBackward1"),
    ("square", lambda: X.square(), "PowBackward0"),
    ("rsqrt", lambda: X.abs().rsqrt(), "RsqrtBackward0"),
    ("reciprocal", lambda: X.reciprocal(), "ReciprocalBackward0"),
    ("norm", lambda: X.norm(), "LinalgVectorNormBackward0"),
    ("norm dim", lambda: X.norm(dim=1), "LinalgVectorNormBackward0"),
    ("std", lambda: X.std(), "StdBackward0"),
    ("var", lambda: X.var(), "VarBackward0"),
    ("logsumexp", lambda: X.logsumexp(1), "LogsumexpBackward0"),
    ("view", lambda: X.view(12), "ViewBackward0"),
    ("reshape", lambda: X.reshape(2, 6), "ViewBackward0"),
    ("flatten", lambda: X.flatten(), "ViewBackward0"),
    ("squeeze dim", lambda: X[None].squeeze(0), "SqueezeBackward1"),
    ("squeeze", lambda: X[None].squeeze(), "SqueezeBackward0"),
    ("unsqueeze", lambda: X.unsqueeze(0), "UnsqueezeBackward0"),
    ("t", lambda: X.t(), "TBackward0"),
    ("T", lambda: X.T, "PermuteBackward0"),
    ("transpose", lambda: B3.transpose(1, 2), "TransposeBackward0"),
    ("permute", lambda: B3.permute(2, 0, 1), "PermuteBackward0"),
    ("cat", lambda: mdl.cat([X, X]), "CatBackward0"),
    ("split", lambda: X.split(2)[0], "SplitBackward0"),
    ("chunk", lambda: X.chunk(2, 1)[0], "SplitBackward0"),
    ("unbind", lambda: X.unbind(0)[0], "UnbindBackward0"),
    ("clamp", lambda: X.clamp(-1, 1), "ClampBackward1"),
    ("clamp min", lambda: X.clamp(min=0), "ClampBackward1"),
    ("relu", lambda: X.relu(), "ReluBackward0"),
    ("F.relu", lambda: F.relu(X), "ReluBackward0"),
    ("leaky_relu", lambda: F.leaky_relu(X), "LeakyReluBackward0"),
    ("gelu", lambda: F.gelu(X), "GeluBackward0"),
    ("silu", lambda: F.silu(X), "SiluBackward0"),
    ("elu", lambda: F.elu(X), "EluBackward0"),
    ("mish", lambda: F.mish(X), "MishBackward0"),
    ("layer_norm", lambda: F.layer_norm(X, (4,)), "NativeLayerNormBackward0"),
    ("batch_norm", lambda: F.batch_norm(X, None, None, training=True), "NativeBatchNormBackward0"),
    ("group_norm", lambda: F.group_norm(mdl.randn(2, 4, 3, requires_grad=True), 2), "NativeGroupNormBackward0"),
    ("embedding", lambda: F.embedding(mdl.tensor([0, 1]), W), "EmbeddingBackward0"),
    ("conv2d", lambda: F.conv2d(mdl.randn(1, 1, 4, 4), mdl.randn(2, 1, 3, 3, requires_grad=True)),
     "ConvolutionBackward0"),
    ("max_pool2d", lambda: F.max_pool2d(mdl.randn(1, 1, 4, 4, requires_grad=True), 2), "MaxPool2DWithIndicesBackward0"),
    ("avg_pool2d", lambda: F.avg_pool2d(mdl.randn(1, 1, 4, 4, requires_grad=True), 2), "AvgPool2DBackward0"),
    ("adaptive_avg_pool2d 1", lambda: F.adaptive_avg_pool2d(mdl.randn(1, 1, 4, 4, requires_grad=True), 1),
     "MeanBackward1"),
    ("pad", lambda: F.pad(X, (1, 1)), "ConstantPadNdBackward0"),
    ("masked_fill", lambda: X.masked_fill(X > 0, 0.0), "MaskedFillBackward0"),
    ("cumsum", lambda: X.cumsum(1), "CumsumBackward0"),
    ("topk", lambda: X.topk(2).values, "TopkBackward0"),
    ("sort", lambda: X.sort().values, "SortBackward0"),
    ("double", lambda: X.double(), "ToCopyBackward0"),
    ("tril", lambda: X.tril(), "TrilBackward0"),
    ("roll", lambda: X.roll(1, 0), "RollBackward0"),
    ("softmax", lambda: X.softmax(1), "SoftmaxBackward0"),
    ("rsub", lambda: 1 - X, "RsubBackward1"),
    ("sign", lambda: X.sign(), "SignBackward0"),
    ("floor", lambda: X.floor(), "FloorBackward0"),
    ("ceil", lambda: X.ceil(), "CeilBackward0"),
    ("round", lambda: X.round(), "RoundBackward0"),
    ("round decimals", lambda: X.round(decimals=1), "RoundBackward1"),
    ("dropout", lambda: F.dropout(X, 0.5), "MulBackward0"),
    ("prod", lambda: X.prod(), "ProdBackward0"),
    ("prod dim", lambda: X.prod(1), "ProdBackward1"),
    ("trace", lambda: X[:, :3].trace(), "TraceBackward0"),
    ("lerp", lambda: mdl.lerp(X, X * 2, 0.5), "LerpBackward0"),
    ("addcmul", lambda: mdl.addcmul(X, X, X), "AddcmulBackward0"),
    ("log_softmax", lambda: F.log_softmax(X, 1), "LogSoftmaxBackward0"),
    ("mse_loss", lambda: F.mse_loss(X, mdl.zeros(3, 4)), "MseLossBackward0"),
    ("cross_entropy", lambda: F.cross_entropy(X, mdl.tensor([0, 1, 2])), "NllLossBackward0"),
]


@pytest.mark.parametrize("label,fn,expected", CASES, ids=[c[0] for c in CASES])
def test_grad_fn_name_as_pytorch(label, fn, expected):
    out = fn()
    assert out.grad_fn.name() == expected
    assert f"grad_fn=<{expected}>" in repr(out)
    out.sum().backward()                       # the name survives the release of the saved values
    assert out.grad_fn.name() == expected
