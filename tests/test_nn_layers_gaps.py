"""nn.AdaptiveLogSoftmaxWithLoss, nn.Buffer, nn.Container, F.conv_tbc and the F.grad (torch.nn.grad) module,
against NumPy references written here (log-softmax by hand, convolution loops, the adjoint identity)."""
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def asm_reference(layer, x):
    """Full log-probabilities (N, n_classes) from the layer's weights, with NumPy."""
    head = x @ layer.head.weight.numpy().T
    if layer.head.bias is not None:
        head = head + layer.head.bias.numpy()
    head = log_softmax(head)
    parts = [head[:, :layer.shortlist_size]]
    for i, (i2h, h2o) in enumerate(layer.tail):
        cluster = log_softmax(x @ i2h.weight.numpy().T @ h2o.weight.numpy().T)
        parts.append(cluster + head[:, layer.shortlist_size + i:layer.shortlist_size + i + 1])
    return np.concatenate(parts, axis=1)


@pytest.mark.parametrize("cutoffs,div_value,head_bias", [([3, 7], 2.5, False), ([2], 2.0, True),
                                                         ([4, 5, 9], 1.5, True)])
def test_adaptive_log_softmax_values(rng, cutoffs, div_value, head_bias):
    layer = nn.AdaptiveLogSoftmaxWithLoss(9, 11, cutoffs, div_value=div_value, head_bias=head_bias).double()
    x = rng.standard_normal((13, 9))
    target = rng.integers(0, 11, 13)
    full = asm_reference(layer, x)
    out = layer(mdl.tensor(x), mdl.tensor(target))
    assert type(out).__name__ == "_ASMoutput" and out._fields == ("output", "loss")
    np.testing.assert_allclose(out.output.numpy(), full[np.arange(13), target], atol=1e-12)
    assert out.loss.item() == pytest.approx(-full[np.arange(13), target].mean(), abs=1e-12)
    np.testing.assert_allclose(layer.log_prob(mdl.tensor(x)).numpy(), full, atol=1e-12)
    np.testing.assert_allclose(np.exp(full).sum(1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(layer.predict(mdl.tensor(x)).numpy(), full.argmax(1))
    single = layer(mdl.tensor(x[0]), mdl.tensor(target[0]))
    assert single.output.ndim == 0 and single.output.item() == pytest.approx(full[0, target[0]], abs=1e-12)
    assert layer.predict(mdl.tensor(x[1])).item() == full[1].argmax()


def test_adaptive_log_softmax_structure_gradients_errors(rng):
    layer = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0, head_bias=True).double()
    assert list(layer.state_dict()) == ["head.weight", "head.bias", "tail.0.0.weight", "tail.0.1.weight",
                                        "tail.1.0.weight", "tail.1.1.weight"]
    assert (layer.cutoffs, layer.shortlist_size, layer.n_clusters, layer.head_size) == ([3, 6, 10], 3, 2, 5)
    assert tuple(layer.tail[1][0].weight.shape) == (2, 8)
    x = mdl.tensor(rng.standard_normal((5, 8)), requires_grad=True)
    target = mdl.tensor([0, 4, 9, 2, 7])
    w = layer.tail[0][1].weight
    assert gradcheck(lambda x, w: layer(x, target).output, (x, w))
    assert gradgradcheck(lambda x, w: layer(x, target).loss, (x, w))
    with pytest.raises(ValueError, match="unique, positive integers"):
        nn.AdaptiveLogSoftmaxWithLoss(8, 10, [6, 3])
    with pytest.raises(ValueError, match="length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(8, 10, [])
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\]"):
        layer(x, mdl.tensor([0, 1, 2, 3, 10]))
    with pytest.raises(RuntimeError, match="same size in the batch dimension"):
        layer(x, mdl.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        layer(x, mdl.zeros(5, 2, dtype=mdl.long))


def test_buffer_and_container():
    source = mdl.ones(3, requires_grad=True)
    buf = nn.Buffer(source, persistent=False)
    assert buf is not source and buf.requires_grad and isinstance(buf, nn.Buffer) and not isinstance(source, nn.Buffer)
    assert buf.persistent is False and isinstance(buf, mdl.Tensor) and type(buf) is mdl.Tensor
    module = nn.Linear(2, 2)
    module.scratch = buf
    module.running = nn.Buffer(mdl.zeros(2))
    assert [name for name, _ in module.named_buffers()] == ["scratch", "running"]
    assert list(module.state_dict()) == ["weight", "bias", "running"]
    assert tuple(nn.Buffer().shape) == (0,)
    module.double()
    assert module.running.dtype == mdl.float64
    with pytest.raises(TypeError, match="must be a Tensor"):
        nn.Buffer([1, 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        container = nn.Container(a=nn.Linear(2, 3), b=nn.ReLU())
    assert any(issubclass(w.category, FutureWarning) for w in caught)
    assert list(container.state_dict()) == ["a.weight", "a.bias"] and isinstance(container, nn.Module)


def test_conv_tbc(rng):
    x, w, b = rng.standard_normal((7, 2, 3)), rng.standard_normal((3, 3, 4)), rng.standard_normal(4)
    for pad in (0, 2):
        padded = np.pad(x, ((pad, pad), (0, 0), (0, 0)))
        steps = padded.shape[0] - 2
        expect = np.stack([b + sum(padded[t + k] @ w[k] for k in range(3)) for t in range(steps)])
        out = F.conv_tbc(mdl.tensor(x), mdl.tensor(w), mdl.tensor(b), pad)
        np.testing.assert_allclose(out.numpy(), expect, atol=1e-12)
    tensors = [mdl.tensor(a, requires_grad=True) for a in (x[:4], w[:2], b)]
    fn = lambda x, w, b: F.conv_tbc(x, w, b, 1)  # noqa: E731
    assert gradcheck(fn, tensors) and gradgradcheck(fn, tensors)
    with pytest.raises(RuntimeError, match="Bias size must equal dim 2"):
        F.conv_tbc(mdl.tensor(x), mdl.tensor(w), mdl.tensor(b[:2]))
    with pytest.raises(RuntimeError, match="Input must have 3 dims"):
        F.conv_tbc(mdl.tensor(x[0]), mdl.tensor(w), mdl.tensor(b))
    with pytest.raises(RuntimeError, match="input channels"):
        F.conv_tbc(mdl.tensor(x), mdl.tensor(w[:, :2]), mdl.tensor(b))


@pytest.mark.parametrize("dims,x_shape,w_shape,kw", [
    (1, (3, 2, 11), (5, 2, 3), dict(stride=2)),
    (2, (2, 4, 9, 8), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 1), dilation=(1, 2), groups=2)),
    (3, (1, 2, 5, 6, 7), (3, 2, 2, 3, 2), dict(stride=(1, 2, 1), padding=(0, 0, 1))),
])
def test_nn_grad_adjoint_identity(rng, dims, x_shape, w_shape, kw):
    """<conv(x, w), g> = <x, conv_input(x.shape, w, g)> = <w, conv_weight(x, w.shape, g)>."""
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[dims]
    x, w = mdl.tensor(rng.standard_normal(x_shape)), mdl.tensor(rng.standard_normal(w_shape))
    y = conv(x, w, None, **kw)
    g = mdl.tensor(rng.standard_normal(tuple(y.shape)))
    grad_input = getattr(F.grad, f"conv{dims}d_input")(x.shape, w, g, **kw)
    grad_weight = getattr(nn.grad, f"conv{dims}d_weight")(x, list(w.shape), g, **kw)
    assert tuple(grad_input.shape) == x_shape and tuple(grad_weight.shape) == w_shape
    total = float((y.numpy() * g.numpy()).sum())
    assert float((x.numpy() * grad_input.numpy()).sum()) == pytest.approx(total, rel=1e-10)
    assert float((w.numpy() * grad_weight.numpy()).sum()) == pytest.approx(total, rel=1e-10)
    assert not grad_input.requires_grad


def test_nn_grad_conv1d_loop_reference_and_gradients(rng):
    x, w = rng.standard_normal((2, 3, 9)), rng.standard_normal((4, 3, 3))
    g = rng.standard_normal((2, 4, 7))
    expect_input = np.zeros_like(x)
    expect_weight = np.zeros_like(w)
    for t in range(7):
        for k in range(3):
            expect_input[:, :, t + k] += np.einsum("no,oc->nc", g[:, :, t], w[:, :, k])
            expect_weight[:, :, k] += np.einsum("no,nc->oc", g[:, :, t], x[:, :, t + k])
    np.testing.assert_allclose(F.grad.conv1d_input(x.shape, mdl.tensor(w), mdl.tensor(g)).numpy(), expect_input,
                               atol=1e-12)
    np.testing.assert_allclose(F.grad.conv1d_weight(mdl.tensor(x), w.shape, mdl.tensor(g)).numpy(), expect_weight,
                               atol=1e-12)
    w2, g2 = (mdl.tensor(rng.standard_normal(s), requires_grad=True) for s in ((3, 2, 2, 2), (2, 3, 2, 3)))
    x2 = mdl.tensor(rng.standard_normal((2, 2, 4, 5)), requires_grad=True)
    by_input = lambda w, g: F.grad.conv2d_input((2, 2, 4, 5), w, g, padding=(0, 1), stride=(2, 2))  # noqa: E731
    assert gradcheck(by_input, (w2, g2)) and gradgradcheck(by_input, (w2, g2))
    by_weight = lambda x, g: F.grad.conv2d_weight(x, (3, 2, 2, 2), g, padding=(0, 1), stride=(2, 2))  # noqa: E731
    assert gradcheck(by_weight, (x2, g2)) and gradgradcheck(by_weight, (x2, g2))
    with pytest.raises(RuntimeError, match="grad_output has shape"):
        F.grad.conv2d_input((2, 2, 4, 5), w2, g2)


def test_cross_map_lrn2d_window_and_gradients(rng):
    """Decode each channel's window from powers of two (x_c**2 = 2**c), as the legacy running sum makes it:
    channel c sums channels 0 .. c + pre_pad - 1 except 1 .. c - pre_pad (channel 0 is never dropped)."""
    channels = 9
    x = mdl.tensor(np.sqrt(2.0 ** np.arange(channels)).reshape(1, channels, 1, 1))
    expected = {1: ["1", "11", "101", "1001"], 3: ["11", "111", "1111", "10111"],
                5: ["111", "1111", "11111", "111111", "1011111", "10011111"]}
    for size, bits in expected.items():
        out = nn.CrossMapLRN2d(size, alpha=1.0, beta=1.0, k=0.0)(x)
        sums = (x.numpy() / out.numpy()).reshape(-1) * size
        assert [bin(int(round(s)))[2:][::-1] for s in sums[:len(bits)]] == bits
    layer = nn.CrossMapLRN2d(3, alpha=0.3, beta=0.75, k=2.0)
    assert repr(layer) == "CrossMapLRN2d(3, alpha=0.3, beta=0.75, k=2.0)" and list(layer.state_dict()) == []
    v = rng.standard_normal((2, 4, 3, 2))
    scale = 2.0 + 0.3 / 3 * np.einsum("oc,nchw->nohw", np.array([[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1],
                                                                    [1, 0, 1, 1]]), v ** 2)
    np.testing.assert_allclose(layer(mdl.tensor(v)).numpy(), v * scale ** -0.75, atol=1e-12)
    t = mdl.tensor(v, requires_grad=True)
    assert gradcheck(layer, (t,)) and gradgradcheck(layer, (t,))
    with pytest.raises(ValueError, match="Expected input to be 4D, got 3D"):
        layer(mdl.ones(2, 3, 4))


def test_nll_loss2d_and_native_channel_shuffle(rng):
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        loss2d = nn.NLLLoss2d(ignore_index=1)
    logp = mdl.tensor(rng.standard_normal((2, 3, 4, 5))).log_softmax(1)
    target = mdl.tensor(rng.integers(0, 3, (2, 4, 5)))
    assert isinstance(loss2d, nn.NLLLoss)
    assert loss2d(logp, target).item() == pytest.approx(nn.NLLLoss(ignore_index=1)(logp, target).item())
    x = mdl.arange(12.0).reshape(1, 4, 3)
    assert F.native_channel_shuffle(x, 2).numpy()[0, :, 0].tolist() == [0.0, 6.0, 3.0, 9.0]


def test_linear_cross_entropy(rng):
    x, w, b = rng.standard_normal((6, 5)), rng.standard_normal((4, 5)), rng.standard_normal(4)
    t = rng.integers(0, 4, 6)
    logp = log_softmax(x @ w.T + b)
    loss = F.linear_cross_entropy(mdl.tensor(x), mdl.tensor(w), mdl.tensor(t), linear_bias=mdl.tensor(b))
    assert loss.item() == pytest.approx(-logp[np.arange(6), t].mean(), abs=1e-12)
    w3, t3 = rng.standard_normal((4, 3, 5)), rng.integers(0, 4, (6, 3))
    per_item = F.linear_cross_entropy(mdl.tensor(x), mdl.tensor(w3), mdl.tensor(t3), reduction="none")
    logits3 = np.einsum("ni,cki->nck", x, w3)
    logp3 = logits3 - np.log(np.exp(logits3).sum(1, keepdims=True))
    np.testing.assert_allclose(per_item.numpy(), -np.take_along_axis(logp3, t3[:, None], 1)[:, 0], atol=1e-12)
    options = nn.LinearCrossEntropyOptions(batch_chunk_size=2, chunking_method=None)
    chunked = F.linear_cross_entropy(mdl.tensor(x), mdl.tensor(w), mdl.tensor(t), options=options, reduction="sum")
    assert chunked.item() == pytest.approx(-(log_softmax(x @ w.T))[np.arange(6), t].sum(), abs=1e-12)
    xt, wt = mdl.tensor(x[:3], requires_grad=True), mdl.tensor(w, requires_grad=True)
    fn = lambda xt, wt: F.linear_cross_entropy(xt, wt, mdl.tensor(t[:3]), label_smoothing=0.1)  # noqa: E731
    assert gradcheck(fn, (xt, wt)) and gradgradcheck(fn, (xt, wt))
    layer = nn.LinearCrossEntropyLoss(5, 4, out_features=(3,), bias=True).double()
    assert list(layer.state_dict()) == ["linear.weight", "linear.bias"] and layer.linear.out_features == 12
    expect = F.cross_entropy(layer.linear(mdl.tensor(x)).reshape(6, 4, 3), mdl.tensor(t3))
    assert layer(mdl.tensor(x), mdl.tensor(t3)).item() == pytest.approx(expect.item(), abs=1e-12)
    with pytest.raises(ValueError, match="invalid acc_policy"):
        nn.LinearCrossEntropyOptions(acc_policy="fast")
    with pytest.raises(ValueError, match="batch_chunk_size must be positive"):
        nn.LinearCrossEntropyOptions(batch_chunk_size=0)
    with pytest.raises(RuntimeError, match="expected equal input and linear_weight last dimensions"):
        F.linear_cross_entropy(mdl.tensor(x), mdl.tensor(w[:, :3]), mdl.tensor(t))
    with pytest.raises(RuntimeError, match="requires batched input"):
        F.linear_cross_entropy(mdl.tensor(x[0]), mdl.tensor(w3), mdl.tensor(t3[0]))
    with pytest.raises(RuntimeError, match="label_smoothing to be in range"):
        nn.LinearCrossEntropyLoss(5, 4, label_smoothing=2.0)


def test_torch_nn_modules_import_paths():
    from minidl.nn.common_types import _size_2_t  # noqa: F401
    from minidl.nn.modules.batchnorm import _BatchNorm
    from minidl.nn.modules.conv import Conv2d
    from minidl.nn.modules.loss import _Loss, _WeightedLoss
    from minidl.nn.modules.rnn import RNNBase
    from minidl.nn.modules.utils import (
        _list_with_default,
        _pair,
        _quadruple,
        _reverse_repeat_tuple,
        _single,
        _triple,
        consume_prefix_in_state_dict_if_present,
    )
    assert Conv2d is nn.Conv2d and RNNBase is nn.RNNBase and nn.modules.Linear is nn.Linear
    assert isinstance(nn.BatchNorm2d(3), _BatchNorm) and issubclass(nn.CrossEntropyLoss, _WeightedLoss)
    assert issubclass(nn.MSELoss, _Loss) and nn.modules.pooling.FractionalMaxPool2d is nn.FractionalMaxPool2d
    assert (_single(2), _pair(3), _triple((1, 2, 3)), _quadruple(0)) == ((2,), (3, 3), (1, 2, 3), (0, 0, 0, 0))
    assert _reverse_repeat_tuple((1, 2), 2) == (2, 2, 1, 1)
    assert _list_with_default([None, 4], [8, 5, 6]) == [5, 4]
    state = {"module.weight": 1, "module.sub.bias": 2, "other": 3}
    consume_prefix_in_state_dict_if_present(state, "module.")
    assert state == {"weight": 1, "sub.bias": 2, "other": 3}
    model = nn.Sequential(nn.Linear(2, 2))
    wrapped = {"module." + k: v for k, v in model.state_dict().items()}
    consume_prefix_in_state_dict_if_present(wrapped, "module.")
    model.load_state_dict(wrapped)


def test_sdpa_kernel_switch(rng):
    from minidl.nn.attention import SDPBackend, sdpa_kernel
    q = mdl.tensor(rng.standard_normal((2, 3, 5, 4)))
    expect = F.scaled_dot_product_attention(q, q, q).numpy()
    assert int(SDPBackend.MATH) == 0 and int(SDPBackend.ERROR) == -1 and int(SDPBackend.OVERRIDEABLE) == 4
    with sdpa_kernel([SDPBackend.MATH, SDPBackend.EFFICIENT_ATTENTION]) as state:
        assert state == {}
        np.testing.assert_array_equal(F.scaled_dot_product_attention(q, q, q).numpy(), expect)
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):  # PyTorch's CPU flash kernel: 4-D inputs, no dropout
        np.testing.assert_allclose(F.scaled_dot_product_attention(q, q, q).numpy(), expect)
        with pytest.raises(RuntimeError, match="No viable backend"):
            F.scaled_dot_product_attention(q, q, q, dropout_p=0.1)
        with pytest.raises(RuntimeError, match="No viable backend"):
            F.scaled_dot_product_attention(q[0], q[0], q[0])
        with sdpa_kernel(SDPBackend.EFFICIENT_ATTENTION):
            with pytest.raises(RuntimeError, match="No viable backend"):
                F.scaled_dot_product_attention(q, q, q)
        F.scaled_dot_product_attention(q, q, q)  # the outer block's set is back
    F.scaled_dot_product_attention(q[0], q[0], q[0], dropout_p=0.1)  # and all backends after it
    with pytest.raises(AssertionError, match="instance of SDPBackend"):
        with sdpa_kernel("math"):
            pass


@pytest.mark.parametrize("in_features, out_features", [(0, 3), (3, 0), (0, 0)])
def test_linear_with_zero_features_backward(in_features, out_features):
    # PyTorch allows empty Linear layers (AdaptiveLogSoftmaxWithLoss makes one when
    # in_features // div_value ** k is 0); their gradients are zeros of the right shapes
    layer = nn.Linear(in_features, out_features)
    x = mdl.randn(2, 5, in_features, requires_grad=True)
    y = layer(x)
    assert tuple(y.shape) == (2, 5, out_features)
    (y.sum() + x.sum()).backward()
    assert tuple(x.grad.shape) == (2, 5, in_features) and float(x.grad.sum()) == 2 * 5 * in_features
    assert tuple(layer.weight.grad.shape) == (out_features, in_features)
    assert tuple(layer.bias.grad.shape) == (out_features,)
    np.testing.assert_array_equal(layer.bias.grad.numpy(), np.full(out_features, 10.0))
