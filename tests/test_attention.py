"""Attention and Transformer layers: F.scaled_dot_product_attention against a NumPy
reference and float64 gradcheck/gradgradcheck, F.multi_head_attention_forward's
derivatives, and nn.MultiheadAttention / TransformerEncoderLayer /
TransformerDecoderLayer against PyTorch.

``fixtures/attention_torch.npz`` holds state dicts, inputs and outputs that
PyTorch 2.13.0+cpu produced in float64; ``fixtures/make_attention_fixture.py``
wrote it (torch is not a dependency of these tests).
"""
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck

FIXTURE = Path(__file__).parent / "fixtures" / "attention_torch.npz"


def _fixture():
    packed = np.load(FIXTURE)
    values, arrays, offset = packed["values"], {}, 0
    for entry in packed["layout"]:
        name, dtype, shape = str(entry).split("|")
        shape = tuple(int(s) for s in shape.split(",") if s)
        size = int(np.prod(shape)) if shape else 1
        arrays[name] = values[offset:offset + size].reshape(shape).astype(dtype)
        offset += size
    return arrays


def _state(arrays, prefix):
    return {k.split("/", 1)[1]: mdl.tensor(v) for k, v in arrays.items() if k.startswith(prefix + "/")}


def t64(rng, *shape, grad=True):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=grad)


# ------------------------------------------------------------ the functional form
def sdpa_reference(q, k, v, mask=None, causal=False, scale=None):
    """softmax(q k^T * scale + bias) v in NumPy; rows with every key masked give 0."""
    scores = q @ np.swapaxes(k, -1, -2) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    bias = np.zeros(scores.shape[-2:])
    if causal:
        bias = np.where(np.tril(np.ones(bias.shape, bool)), 0.0, -np.inf)
    elif mask is not None:
        bias = np.where(mask, 0.0, -np.inf) if mask.dtype == bool else mask
    scores = scores + bias
    top = np.max(scores, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(scores - top)
    total = e.sum(-1, keepdims=True)
    weights = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return weights @ v


def test_sdpa_matches_the_reference_on_odd_shapes(rng):
    q, k, v = (rng.standard_normal(s) for s in ((3, 5, 7, 9), (3, 5, 11, 9), (3, 5, 11, 13)))
    bool_mask = rng.random((7, 11)) > 0.4
    bool_mask[2] = False                        # a query that may attend nothing -> zeros
    float_mask = rng.standard_normal((3, 1, 7, 11))
    cases = [({}, {}), ({"attn_mask": bool_mask}, {"mask": bool_mask}),
             ({"attn_mask": float_mask}, {"mask": float_mask}),
             ({"is_causal": True, "scale": 0.37}, {"causal": True, "scale": 0.37})]
    for kwargs, ref_kwargs in cases:
        got = F.scaled_dot_product_attention(mdl.tensor(q), mdl.tensor(k), mdl.tensor(v),
                                             **{k_: mdl.tensor(a) if isinstance(a, np.ndarray) else a
                                                for k_, a in kwargs.items()})
        assert got.shape == (3, 5, 7, 13) and got.dtype == mdl.float64
        np.testing.assert_allclose(got.numpy(), sdpa_reference(q, k, v, **ref_kwargs), rtol=1e-12, atol=1e-13)
    out = F.scaled_dot_product_attention(mdl.tensor(q), mdl.tensor(k), mdl.tensor(v), attn_mask=mdl.tensor(bool_mask))
    assert np.all(out.numpy()[:, :, 2] == 0)


def test_sdpa_grouped_query_attention_and_unbatched_inputs(rng):
    q, k, v = rng.standard_normal((2, 6, 3, 4)), rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 5, 4))
    got = F.scaled_dot_product_attention(mdl.tensor(q), mdl.tensor(k), mdl.tensor(v), enable_gqa=True)
    expected = sdpa_reference(q, np.repeat(k, 2, axis=1), np.repeat(v, 2, axis=1))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    with pytest.raises(RuntimeError):
        F.scaled_dot_product_attention(mdl.tensor(q), mdl.tensor(k), mdl.tensor(v))   # 6 heads vs 3 without gqa
    two_d = F.scaled_dot_product_attention(mdl.tensor(q[0, 0]), mdl.tensor(k[0, 0]), mdl.tensor(v[0, 0]))
    np.testing.assert_allclose(two_d.numpy(), sdpa_reference(q[0, 0], k[0, 0], v[0, 0]), rtol=1e-12)


def test_sdpa_dropout_is_seeded_and_errors_are_clear(rng):
    q = mdl.tensor(rng.standard_normal((2, 4, 3)))
    mdl.manual_seed(3)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    mdl.manual_seed(3)
    b = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), F.scaled_dot_product_attention(q, q, q).numpy())
    with pytest.raises(RuntimeError, match="dropout probability"):
        F.scaled_dot_product_attention(q, q, q, dropout_p=2.0)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(q, q.float(), q)
    with pytest.raises(RuntimeError, match="embedding size"):
        F.scaled_dot_product_attention(q, q[..., :2], q)


@pytest.mark.parametrize("case", ["plain", "bool_mask", "float_mask", "causal", "gqa"])
def test_sdpa_gradcheck_and_gradgradcheck(rng, case):
    q, k, v = t64(rng, 2, 2, 3, 4), t64(rng, 2, 2, 5, 4), t64(rng, 2, 2, 5, 3)
    kwargs = {}
    if case == "bool_mask":
        mask = rng.random((3, 5)) > 0.5
        mask[1] = False                         # a fully masked row: zero output, zero gradient
        mask[0, 0] = True
        kwargs["attn_mask"] = mdl.tensor(mask)
    elif case == "float_mask":
        kwargs["attn_mask"] = mdl.tensor(rng.standard_normal((3, 5)))
    elif case == "causal":
        kwargs.update(is_causal=True, scale=0.7)
    elif case == "gqa":
        q = t64(rng, 2, 4, 3, 4)
        kwargs["enable_gqa"] = True

    def f(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, **kwargs)
    assert gradcheck(f, (q, k, v))
    assert gradgradcheck(f, (q, k, v))


def test_sdpa_float_mask_gets_a_gradient(rng):
    q, k, v = t64(rng, 3, 4), t64(rng, 5, 4), t64(rng, 5, 2)
    mask = t64(rng, 3, 5)
    assert gradcheck(lambda m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), (mask,))


@pytest.mark.parametrize("need_weights", [True, False])
def test_multi_head_attention_forward_gradcheck(rng, need_weights):
    E, H, L, S, N = 4, 2, 3, 4, 2
    query, key, value = t64(rng, L, N, E), t64(rng, S, N, E), t64(rng, S, N, E)
    in_w, in_b, out_w, out_b = t64(rng, 3 * E, E), t64(rng, 3 * E), t64(rng, E, E), t64(rng, E)
    padding = mdl.tensor(np.array([[False, False, True, False], [False, False, False, False]]))

    def f(query, key, value, in_w, in_b, out_w, out_b):
        out, weights = F.multi_head_attention_forward(query, key, value, E, H, in_w, in_b, None, None, False, 0.0,
                                                      out_w, out_b, key_padding_mask=padding,
                                                      need_weights=need_weights)
        return out if weights is None else out.sum() + (weights * weights).sum()
    args = (query, key, value, in_w, in_b, out_w, out_b)
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


# ------------------------------------------------------------------- the modules
def test_multihead_attention_matches_torch_fixture():
    arrays = _fixture()
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, dtype=mdl.float64)
    assert sorted(mha.state_dict()) == sorted(_state(arrays, "mha"))
    mha.load_state_dict(_state(arrays, "mha"))
    mha.eval()
    query, key, value = (mdl.tensor(arrays[f"mha_in/{name}"]) for name in ("query", "key", "value"))
    out, weights = mha(query, key, value, key_padding_mask=mdl.tensor(arrays["mha_in/key_padding_mask"]),
                       attn_mask=mdl.tensor(arrays["mha_in/attn_mask"]), average_attn_weights=False)
    np.testing.assert_allclose(out.numpy(), arrays["mha_out/output"], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(weights.numpy(), arrays["mha_out/weights"], rtol=1e-12, atol=1e-14)


def test_transformer_layers_match_torch_fixture():
    arrays = _fixture()
    padding = mdl.tensor(arrays["mha_in/key_padding_mask"])
    enc = nn.TransformerEncoderLayer(4, 2, 8, activation="gelu", norm_first=True, dtype=mdl.float64)
    enc.load_state_dict(_state(arrays, "enc"))
    enc.eval()
    out = enc(mdl.tensor(arrays["enc_in/src"]), src_key_padding_mask=padding)
    np.testing.assert_allclose(out.numpy(), arrays["enc_out/output"], rtol=1e-12, atol=1e-13)
    dec = nn.TransformerDecoderLayer(4, 2, 8, dtype=mdl.float64)
    dec.load_state_dict(_state(arrays, "dec"))
    dec.eval()
    causal = nn.Transformer.generate_square_subsequent_mask(3, dtype=mdl.float64)
    out = dec(mdl.tensor(arrays["dec_in/tgt"]), mdl.tensor(arrays["enc_in/src"]), tgt_mask=causal, tgt_is_causal=True,
              memory_key_padding_mask=padding)
    np.testing.assert_allclose(out.numpy(), arrays["dec_out/output"], rtol=1e-12, atol=1e-13)


def test_multihead_attention_parameters_and_options():
    mha = nn.MultiheadAttention(6, 3)
    assert [(n, tuple(p.shape)) for n, p in mha.named_parameters()] == [
        ("in_proj_weight", (18, 6)), ("in_proj_bias", (18,)), ("out_proj.weight", (6, 6)), ("out_proj.bias", (6,))]
    assert mha.in_proj_bias.abs().sum().item() == 0 and mha.out_proj.bias.abs().sum().item() == 0
    assert type(mha.out_proj).__name__ == "NonDynamicallyQuantizableLinear" and mha.head_dim == 2
    separate = nn.MultiheadAttention(6, 3, bias=False, add_bias_kv=True, kdim=4, vdim=5)
    assert sorted(n for n, _ in separate.named_parameters()) == [
        "bias_k", "bias_v", "k_proj_weight", "out_proj.weight", "q_proj_weight", "v_proj_weight"]
    assert separate.in_proj_weight is None and separate.k_proj_weight.shape == (6, 4)
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(7, 2)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 2)


def test_multihead_attention_batch_first_unbatched_and_mask_errors(rng):
    mha = nn.MultiheadAttention(4, 2, dtype=mdl.float64)
    first = nn.MultiheadAttention(4, 2, batch_first=True, dtype=mdl.float64)
    first.load_state_dict(mha.state_dict())
    x = rng.standard_normal((5, 3, 4))
    out, weights = mha(mdl.tensor(x), mdl.tensor(x), mdl.tensor(x))
    out_b, weights_b = first(*(mdl.tensor(x.transpose(1, 0, 2)),) * 3)
    np.testing.assert_allclose(out_b.numpy(), out.numpy().transpose(1, 0, 2), rtol=1e-12)
    np.testing.assert_allclose(weights_b.numpy(), weights.numpy(), rtol=1e-12)
    assert weights.shape == (3, 5, 5)
    single, single_w = mha(*(mdl.tensor(x[:, 1]),) * 3)
    np.testing.assert_allclose(single.numpy(), out.numpy()[:, 1], rtol=1e-12)
    assert single_w.shape == (5, 5)
    none = mha(mdl.tensor(x), mdl.tensor(x), mdl.tensor(x), need_weights=False)
    assert none[1] is None
    np.testing.assert_allclose(none[0].numpy(), out.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        mha(mdl.tensor(x), mdl.tensor(x), mdl.tensor(x), is_causal=True)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        mha(mdl.tensor(x), mdl.tensor(x), mdl.tensor(x), attn_mask=mdl.zeros(4, 4, dtype=mdl.bool))
    with pytest.raises(AssertionError, match="only bool and floating"):
        mha(mdl.tensor(x), mdl.tensor(x), mdl.tensor(x), attn_mask=mdl.zeros(5, 5, dtype=mdl.int64))


def test_a_causal_mask_equals_is_causal(rng):
    mha = nn.MultiheadAttention(4, 2, dtype=mdl.float64)
    x = mdl.tensor(rng.standard_normal((5, 2, 4)))
    causal = nn.Transformer.generate_square_subsequent_mask(5, dtype=mdl.float64)
    assert causal.tolist()[0][1] == -math.inf and causal.tolist()[1][0] == 0
    with_mask = mha(x, x, x, attn_mask=causal, need_weights=False)[0]
    hinted = mha(x, x, x, attn_mask=causal, is_causal=True, need_weights=False)[0]
    bool_mask = mha(x, x, x, attn_mask=mdl.tensor(np.triu(np.ones((5, 5), bool), 1)))[0]
    np.testing.assert_allclose(hinted.numpy(), with_mask.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bool_mask.numpy(), with_mask.numpy(), rtol=1e-12)


def test_transformer_encoder_copies_layers_and_zeroes_padding_like_torch(rng):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 2)
    assert any("batch_first was not True" in str(w.message) for w in caught)
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True, dtype=mdl.float64)
    encoder = nn.TransformerEncoder(layer, 3).eval()
    assert len(encoder.layers) == 3 and encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight
    np.testing.assert_array_equal(encoder.layers[0].linear1.weight.numpy(), encoder.layers[2].linear1.weight.numpy())
    x = mdl.tensor(rng.standard_normal((2, 5, 4)))
    padding = mdl.tensor(np.array([[False, False, False, True, True], [False] * 5]))
    tracked = encoder(x, src_key_padding_mask=padding)
    with mdl.no_grad():                         # PyTorch's nested-tensor path: padding positions come out 0
        untracked = encoder(x, src_key_padding_mask=padding)
    assert np.all(untracked.numpy()[0, 3:] == 0) and not np.all(tracked.numpy()[0, 3:] == 0)
    np.testing.assert_allclose(untracked.numpy()[0, :3], tracked.numpy()[0, :3], rtol=1e-12)
    np.testing.assert_allclose(untracked.numpy()[1], tracked.numpy()[1], rtol=1e-12)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_transformer_trains_and_follows_seeded_dropout():
    def run():
        mdl.manual_seed(0)
        model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
                               batch_first=True)
        opt = mdl.optim.Adam(model.parameters(), lr=1e-2)
        src, tgt = mdl.randn(3, 5, 8), mdl.randn(3, 4, 8)
        mask = nn.Transformer.generate_square_subsequent_mask(4)
        losses = []
        for _ in range(15):
            opt.zero_grad()
            loss = ((model(src, tgt, tgt_mask=mask) - tgt) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses
    first = run()
    assert first[-1] < 0.7 * first[0]
    assert run() == first
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
    assert all(p.ndim < 2 or abs(p.numpy()).max() <= math.sqrt(6 / sum(p.shape)) + 1e-6 for p in model.parameters())
    with pytest.raises(RuntimeError, match="batch number"):
        model(mdl.randn(5, 3, 8), mdl.randn(4, 2, 8))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")


def test_causal_bias_masks_as_pytorchs():
    """``torch.nn.attention.bias`` (the SDPA tutorial): ``causal_upper_left``/``causal_lower_right`` are Tensor
    subclasses of one type holding PyTorch's masks, and as ``attn_mask`` the upper-left one attends as
    ``is_causal=True`` does; a lower-right mask with more queries than keys warns as PyTorch's."""
    import warnings

    from minidl.nn.attention.bias import CausalBias, CausalVariant, causal_lower_right, causal_upper_left
    upper, lower = causal_upper_left(2, 5), causal_lower_right(2, 5)
    assert type(upper) is type(lower) is CausalBias and issubclass(CausalBias, mdl.Tensor)
    assert upper.tolist() == [[True, False, False, False, False], [True, True, False, False, False]]
    assert lower.tolist() == [[True, True, True, True, False], [True, True, True, True, True]]
    assert lower.variant is CausalVariant.LOWER_RIGHT and (lower.seq_len_q, lower.seq_len_kv) == (2, 5)
    assert repr(lower) == repr(lower._materialize()) and type(lower._materialize()) is mdl.Tensor
    q, k = mdl.rand(1, 2, 2, 4), mdl.rand(1, 2, 5, 4)
    with_mask = F.scaled_dot_product_attention(q, k, k, attn_mask=upper)
    assert mdl.allclose(with_mask, F.scaled_dot_product_attention(q, k, k, is_causal=True))
    manual = F.scaled_dot_product_attention(q, k, k, attn_mask=mdl.ones(2, 5, dtype=mdl.bool).tril(3))
    assert mdl.allclose(F.scaled_dot_product_attention(q, k, k, attn_mask=lower), manual)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        causal_lower_right(5, 2)
    assert any("NaNs" in str(w.message) for w in caught)
    with pytest.raises(AssertionError, match="2D"):
        causal_upper_left(2, 3, 4)
