"""F.scaled_dot_product_attention, MultiheadAttention and the Transformer layers: values against NumPy
references written from PyTorch's formulas, float64 gradcheck/gradgradcheck, state-dict keys and reprs
(PyTorch 2.13's), masks (boolean and float, key padding, causal) and batch_first/unbatched layouts.

The modules were also compared with PyTorch 2.13 itself (same state dicts, masks, inputs: outputs and
every gradient equal to 1e-9) while being written; these tests keep only NumPy references."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def t64(a, grad=True):
    return mdl.tensor(np.asarray(a, dtype=np.float64), dtype=mdl.float64, requires_grad=grad)


def _softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _sdpa(q, k, v, add=None, scale=None):
    s = q @ np.swapaxes(k, -1, -2) * (1 / np.sqrt(q.shape[-1]) if scale is None else scale)
    return _softmax(s if add is None else s + add) @ v


def test_sdpa_values_and_grads(rng):
    q, k, v = rng.standard_normal((2, 3, 4, 6)), rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((2, 3, 5, 7))
    allowed = rng.random((4, 5)) > 0.3
    allowed[:, 0] = True
    bias = rng.standard_normal((4, 5))
    causal = np.where(np.tril(np.ones((4, 5), bool)), 0.0, -np.inf)
    qt, kt, vt = t64(q), t64(k), t64(v)
    np.testing.assert_allclose(F.scaled_dot_product_attention(qt, kt, vt).numpy(), _sdpa(q, k, v), rtol=1e-12)
    np.testing.assert_allclose(F.scaled_dot_product_attention(qt, kt, vt, attn_mask=mdl.tensor(allowed)).numpy(),
                               _sdpa(q, k, v, np.where(allowed, 0, -np.inf)), rtol=1e-12)
    np.testing.assert_allclose(F.scaled_dot_product_attention(qt, kt, vt, attn_mask=t64(bias, False),
                                                              scale=0.3).numpy(),
                               _sdpa(q, k, v, bias, 0.3), rtol=1e-12)
    np.testing.assert_allclose(F.scaled_dot_product_attention(qt, kt, vt, is_causal=True).numpy(),
                               _sdpa(q, k, v, causal), rtol=1e-12)
    grouped = F.scaled_dot_product_attention(t64(q[:, :2]), kt[:, :1], vt[:, :1], enable_gqa=True)
    np.testing.assert_allclose(grouped.numpy(), _sdpa(q[:, :2], np.repeat(k[:, :1], 2, 1), np.repeat(v[:, :1], 2, 1)),
                               rtol=1e-12)
    fn = lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=mdl.tensor(allowed))  # noqa: E731
    small = (t64(q[:1, :1]), t64(k[:1, :1]), t64(v[:1, :1]))
    assert gradcheck(fn, small) and gradgradcheck(fn, small)
    # both a mask and is_causal: PyTorch 2.13's CPU kernel applies both (checked by hand against torch)
    np.testing.assert_allclose(
        F.scaled_dot_product_attention(qt, kt, vt, attn_mask=mdl.tensor(allowed), is_causal=True).numpy(),
        _sdpa(q, k, v, np.where(allowed, 0, -np.inf) + causal), rtol=1e-12)
    np.testing.assert_allclose(
        F.scaled_dot_product_attention(qt, kt, vt, attn_mask=t64(bias, False), is_causal=True).numpy(),
        _sdpa(q, k, v, bias + causal), rtol=1e-12)


def _mha_reference(m, q, k, v, kpm=None, add=None):
    """PyTorch's multi-head attention in NumPy, from the module's parameters; (L, N, E) layout."""
    e, h = m.embed_dim, m.num_heads
    w = m.in_proj_weight.numpy()
    b = m.in_proj_bias.numpy()
    qp, kp, vp = q @ w[:e].T + b[:e], k @ w[e:2 * e].T + b[e:2 * e], v @ w[2 * e:].T + b[2 * e:]
    length, batch, _ = q.shape
    d = e // h

    def heads(x):
        return x.reshape(x.shape[0], batch * h, d).transpose(1, 0, 2)

    scores = heads(qp) / np.sqrt(d) @ heads(kp).transpose(0, 2, 1)
    if add is not None:
        scores = scores + add
    if kpm is not None:
        scores = scores + np.repeat(np.where(kpm, -np.inf, 0.0), h, axis=0)[:, None, :]
    attn = _softmax(scores)
    out = (attn @ heads(vp)).transpose(1, 0, 2).reshape(length, batch, e)
    out = out @ m.out_proj.weight.numpy().T + m.out_proj.bias.numpy()
    return out, attn.reshape(batch, h, length, -1)


def test_multihead_attention_matches_reference(rng):
    m = nn.MultiheadAttention(8, 2).double()
    assert list(m.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert repr(m) == ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, "
                       "out_features=8, bias=True)\n)")
    assert np.all(m.in_proj_bias.numpy() == 0) and np.all(m.out_proj.bias.numpy() == 0)
    q, k, v = rng.standard_normal((4, 2, 8)), rng.standard_normal((5, 2, 8)), rng.standard_normal((5, 2, 8))
    kpm = np.array([[False, False, True, False, True], [False] * 5])
    add = rng.standard_normal((4, 5))
    out, weights = m(t64(q), t64(k), t64(v), key_padding_mask=mdl.tensor(kpm), attn_mask=t64(add, False))
    ref_out, ref_attn = _mha_reference(m, q, k, v, kpm, add)
    np.testing.assert_allclose(out.numpy(), ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.numpy(), ref_attn.mean(1), rtol=1e-10, atol=1e-12)
    _, per_head = m(t64(q), t64(k), t64(v), average_attn_weights=False)
    assert per_head.shape == (2, 2, 4, 5)
    assert m(t64(q), t64(k), t64(v), need_weights=False)[1] is None
    blocked = rng.random((4, 5)) > 0.7
    blocked[:, 0] = False
    out_bool, _ = m(t64(q), t64(k), t64(v), attn_mask=mdl.tensor(blocked))
    np.testing.assert_allclose(out_bool.numpy(), _mha_reference(m, q, k, v, None, np.where(blocked, -np.inf, 0))[0],
                               rtol=1e-10, atol=1e-12)
    fn = lambda a: m(a, t64(k, False), t64(v, False), key_padding_mask=mdl.tensor(kpm))[0]  # noqa: E731
    assert gradcheck(fn, (t64(q),)) and gradgradcheck(fn, (t64(q[:2]),))


def test_multihead_attention_layouts_and_options(rng):
    m = nn.MultiheadAttention(8, 2, batch_first=True).double()
    x = t64(rng.standard_normal((3, 4, 8)))
    out, w = m(x, x, x)
    ref, ref_w = _mha_reference(m, *(x.numpy().transpose(1, 0, 2),) * 3)
    np.testing.assert_allclose(out.numpy(), ref.transpose(1, 0, 2), rtol=1e-10, atol=1e-12)
    unbatched, w1 = m(x[0], x[0], x[0])
    np.testing.assert_allclose(unbatched.numpy(), out[0].numpy(), rtol=1e-10, atol=1e-12)
    assert w1.shape == (4, 4)
    kv = nn.MultiheadAttention(8, 2, kdim=3, vdim=6, add_bias_kv=True, add_zero_attn=True)
    assert [n for n, _ in kv.named_parameters()] == ["q_proj_weight", "k_proj_weight", "v_proj_weight",
                                                     "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
                                                     "out_proj.bias"]
    out, w = kv(mdl.randn(4, 2, 8), mdl.randn(5, 2, 3), mdl.randn(5, 2, 6))
    assert out.shape == (4, 2, 8) and w.shape == (2, 4, 7)  # 5 keys + bias_k + the zero key
    with pytest.raises(AssertionError, match="divisible by num_heads"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(x, x, x, is_causal=True)


def _layer_norm(a):
    return (a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + 1e-5)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_reference(rng, norm_first):
    layer = nn.TransformerEncoderLayer(8, 2, 16, norm_first=norm_first).double().eval()
    src = rng.standard_normal((5, 2, 8))
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=mdl.float64)

    def sa(x):
        return _mha_reference(layer.self_attn, x, x, x, None, mask.numpy())[0]

    def ff(x):
        hidden = np.maximum(0, x @ layer.linear1.weight.numpy().T + layer.linear1.bias.numpy())
        return hidden @ layer.linear2.weight.numpy().T + layer.linear2.bias.numpy()

    if norm_first:
        x = src + sa(_layer_norm(src))
        expected = x + ff(_layer_norm(x))
    else:
        x = _layer_norm(src + sa(src))
        expected = _layer_norm(x + ff(x))
    np.testing.assert_allclose(layer(t64(src), src_mask=mask).numpy(), expected, rtol=1e-9, atol=1e-10)
    assert gradcheck(lambda a: layer(a, src_mask=mask), (t64(src),))


def test_encoder_decoder_and_transformer(rng):
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", batch_first=True)
    encoder = nn.TransformerEncoder(layer, 3, norm=nn.LayerNorm(8))
    assert len(encoder.layers) == 3 and encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight
    x = mdl.randn(2, 5, 8)
    assert encoder(x).shape == (2, 5, 8)
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2)
    assert decoder(mdl.randn(4, 2, 8), mdl.randn(5, 2, 8)).shape == (4, 2, 8)
    model = nn.Transformer(8, 2, 1, 1, 16)
    keys = list(model.state_dict())
    assert keys[:2] == ["encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.self_attn.in_proj_bias"]
    assert "decoder.layers.0.multihead_attn.in_proj_weight" in keys and keys[-1] == "decoder.norm.bias"
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    np.testing.assert_array_equal(mask.numpy(), [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    src, tgt = mdl.randn(5, 2, 8), mdl.randn(3, 2, 8)
    out = model(src, tgt, tgt_mask=mask, src_key_padding_mask=mdl.tensor([[False] * 4 + [True], [False] * 5]))
    assert out.shape == (3, 2, 8)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        model(mdl.randn(5, 2, 8), mdl.randn(3, 3, 8))
