"""Attention, AdditiveAttention, MultiHeadAttention and EinsumDense of minidl.keras against Keras 3.

tests/fixtures/make_keras_attention_layers.py's ``run(keras)`` builds the layers with fixed
weights and inputs and returns their outputs; run once with Keras 3.15 (JAX backend, reference
venv) it wrote tests/fixtures/keras_attention_layers.npz, and it also saved a small functional
model with Keras (keras_attention_model.json.gz / .weights.h5.gz, outputs in
keras_attention_model_out.npz). Here the same code runs with minidl.keras.
"""
import gzip
import importlib.util
import io
from pathlib import Path

import h5py
import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers
from minidl.keras.models.saving import _load_weights_h5, model_from_config

FIX = Path(__file__).parent / "fixtures"
_spec = importlib.util.spec_from_file_location("make_attention_ref", FIX / "make_keras_attention_layers.py")
make_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_ref)
RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def outputs():
    return make_ref.run(keras)


@pytest.mark.parametrize("key", sorted(np.load(FIX / "keras_attention_layers.npz").files))
def test_outputs_match_keras(outputs, key):
    want = np.load(FIX / "keras_attention_layers.npz")[key]
    assert outputs[key].shape == want.shape, key
    np.testing.assert_allclose(outputs[key], want, rtol=1e-4, atol=2e-6, err_msg=key)


def test_keras_saved_model_loads_and_matches():
    import json
    config = json.loads(gzip.decompress((FIX / "keras_attention_model.json.gz").read_bytes()))
    model = model_from_config(config)
    with h5py.File(io.BytesIO(gzip.decompress((FIX / "keras_attention_model.weights.h5.gz").read_bytes())), "r") as f:
        _load_weights_h5(model, f, False, "fixture")
    q, v = make_ref.inputs()[:2]
    want = np.load(FIX / "keras_attention_model_out.npz")["out"]
    np.testing.assert_allclose(model([q, v]).numpy(), want, rtol=1e-4, atol=2e-6)
    mha = next(layer for layer in model.layers if isinstance(layer, layers.MultiHeadAttention))
    assert mha.count_params() == 168 and model.count_params() == 314  # as Keras' summary
    # the same model built by minidl gives the same outputs with the same weights, set in code or read
    # from Keras' weights file (its groups keyed as Keras keys them)
    built = make_ref.model(keras)
    np.testing.assert_allclose(built([q, v]).numpy(), want, rtol=1e-4, atol=2e-6)
    built.set_weights([w * 0 for w in built.get_weights()])
    with h5py.File(io.BytesIO(gzip.decompress((FIX / "keras_attention_model.weights.h5.gz").read_bytes())), "r") as f:
        _load_weights_h5(built, f, False, "fixture")
    np.testing.assert_allclose(built([q, v]).numpy(), want, rtol=1e-4, atol=2e-6)


def test_multi_head_attention_weights_in_keras_order_and_shapes():
    mha = layers.MultiHeadAttention(num_heads=4, key_dim=5, value_dim=3)
    out = mha(np.ones((2, 7, 8), np.float32), np.ones((2, 6, 10), np.float32))
    assert tuple(out.shape) == (2, 7, 8)
    shapes = [tuple(w.shape) for w in mha.weights]
    assert shapes == [(8, 4, 5), (4, 5), (10, 4, 5), (4, 5), (10, 4, 3), (4, 3), (4, 3, 8), (8,)]
    assert [w.path for w in mha.weights][::2] == [f"{mha.name}/{p}/kernel" for p in  # (Keras' nested scopes)
                                                  ("query", "key", "value", "attention_output")]
    assert mha.count_params() == sum(int(np.prod(s)) for s in shapes)
    # Glorot-uniform over the kernel's input/output axes, as Keras' EinsumDense: (8, 4, 5) has fans
    # 8 and 20 (limit sqrt(6 / 28) = 0.46), not a convolution's 32 and 40 (limit 0.29)
    query_kernel = mha.get_weights()[0]
    assert 0.3 < np.abs(query_kernel).max() <= np.sqrt(6 / 28)
    values = [RNG.normal(size=s).astype("f4") for s in shapes]
    mha.set_weights(values)
    for got, want in zip(mha.get_weights(), values):
        np.testing.assert_array_equal(got, want)
    no_bias = layers.MultiHeadAttention(2, 3, use_bias=False, output_shape=5)
    out = no_bias(np.ones((1, 3, 4), np.float32), np.ones((1, 2, 4), np.float32))
    assert tuple(out.shape) == (1, 3, 5) and len(no_bias.weights) == 4
    assert mha.query_dense.name == "query" and mha.output_dense.name == "attention_output"
    by_keras_signature = layers.MultiHeadAttention(2, 3)
    by_keras_signature.build((None, 4, 6), (None, 5, 7))
    assert [tuple(w.shape) for w in by_keras_signature.weights][::2] == [(6, 2, 3), (7, 2, 3), (7, 2, 3), (2, 3, 6)]
    assert by_keras_signature.compute_output_shape((None, 4, 6), (None, 5, 7)) == (None, 4, 6)


def _numpy_mha(mha, q, v, mask=None):
    wq, bq, wk, bk, wv, bv, wo, bo = mha.get_weights()
    qp = np.einsum("btd,dnh->btnh", q, wq) + bq
    kp = np.einsum("bsd,dnh->bsnh", v, wk) + bk
    vp = np.einsum("bsd,dnh->bsnh", v, wv) + bv
    scores = np.einsum("bsnh,btnh->bnts", kp, qp / np.sqrt(wq.shape[-1]))
    if mask is not None:
        scores = np.where(mask[:, None], scores, -1e9)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh,nhd->btd", w, vp, wo) + bo, w


def test_multi_head_attention_numpy_reference_causal_and_mask():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    q, v = RNG.normal(size=(2, 5, 4)).astype("f4"), RNG.normal(size=(2, 5, 4)).astype("f4")
    mha(q, v)
    mha.set_weights([RNG.normal(size=w.shape).astype("f4") for w in mha.get_weights()])
    want, _ = _numpy_mha(mha, q, v)
    np.testing.assert_allclose(mha(q, v).numpy(), want, rtol=1e-4, atol=1e-5)
    causal = np.tril(np.ones((5, 5), bool))[None].repeat(2, 0)
    want, weights = _numpy_mha(mha, q, v, causal)
    out, scores = mha(q, v, use_causal_mask=True, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), weights, rtol=1e-4, atol=1e-6)
    assert np.all(scores.numpy()[..., 0, 1:] == 0)  # the first step sees only itself
    explicit = mha(q, v, attention_mask=causal)
    np.testing.assert_allclose(explicit.numpy(), want, rtol=1e-4, atol=1e-5)


def test_multi_head_attention_functional_model_options_mask_and_saving(tmp_path):
    tokens = keras.Input((6,), dtype="int32")
    emb = layers.Embedding(12, 8, mask_zero=True)(tokens)
    attended, scores = layers.MultiHeadAttention(2, 4, name="mha")(emb, emb, use_causal_mask=True,
                                                                   return_attention_scores=True)
    assert attended.shape == (None, 6, 8) and scores.shape == (None, 2, 6, 6)
    assert attended._keras_mask is not None  # the query's mask passes on, as Keras
    pooled = layers.GlobalAveragePooling1D()(attended)
    model = keras.Model(tokens, [layers.Dense(1)(pooled), scores])
    ids = RNG.integers(1, 12, size=(16, 6))
    ids[:, 4:] = 0
    out, got_scores = model(ids)
    assert tuple(got_scores.shape) == (16, 2, 6, 6)
    assert np.all(np.triu(got_scores.numpy()[0, 0], 1) == 0)  # causal in the model too
    assert np.all(got_scores.numpy()[:, :, :, 4:] == 0)  # padded keys get no weight
    for suffix in (".keras", ".h5"):
        path = tmp_path / f"m{suffix}"
        model.save(path)
        loaded = keras.models.load_model(path)
        again, again_scores = loaded(ids)
        np.testing.assert_allclose(again.numpy(), out.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(again_scores.numpy(), got_scores.numpy(), rtol=1e-5, atol=1e-6)
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert f["layers/multi_head_attention/query_dense/vars/0"].shape == (8, 2, 4)
        assert f["layers/multi_head_attention/output_dense/vars/0"].shape == (2, 4, 8)


def test_multi_head_attention_with_attention_mask_input_saves_it_as_keyword(tmp_path):
    x = keras.Input((4, 3))
    allowed = keras.Input((4, 4), dtype="bool")
    y = layers.MultiHeadAttention(1, 2)(x, x, attention_mask=allowed)
    model = keras.Model([x, allowed], y)
    data = RNG.normal(size=(2, 4, 3)).astype("f4")
    mask = np.tril(np.ones((2, 4, 4), bool))
    want = model([data, mask]).numpy()
    model.save(tmp_path / "m.keras")
    import json
    import zipfile
    config = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))
    node = next(e for e in config["config"]["layers"] if e["class_name"] == "MultiHeadAttention")["inbound_nodes"][0]
    assert len(node["args"]) == 2 and node["kwargs"]["attention_mask"]["class_name"] == "__keras_tensor__"
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded([data, mask]).numpy(), want, rtol=1e-5, atol=1e-6)
    assert not np.allclose(loaded([data, np.ones_like(mask)]).numpy(), want)


def test_attention_layers_train_with_fit():
    q_in, v_in = keras.Input((5, 4)), keras.Input((6, 4))
    h = layers.MultiHeadAttention(2, 4, dropout=0.1)(q_in, v_in)
    h = layers.Attention(use_scale=True)([h, v_in])
    h = layers.AdditiveAttention()([h, v_in])
    out = layers.Dense(1)(layers.GlobalAveragePooling1D()(h))
    model = keras.Model([q_in, v_in], out)
    model.compile("adam", "mse")
    q, v = RNG.normal(size=(32, 5, 4)).astype("f4"), RNG.normal(size=(32, 6, 4)).astype("f4")
    y = (q.mean(axis=(1, 2)) + v.mean(axis=(1, 2)))[:, None]
    first = model.evaluate([q, v], y, verbose=0)
    model.fit([q, v], y, epochs=8, batch_size=8, verbose=0)
    assert model.evaluate([q, v], y, verbose=0) < first


def test_attention_configs_round_trip():
    for layer in (layers.Attention(use_scale=True, score_mode="concat", dropout=0.2, seed=3),
                  layers.AdditiveAttention(use_scale=False, dropout=0.1),
                  layers.MultiHeadAttention(3, 4, value_dim=2, dropout=0.1, output_shape=(5,), attention_axes=1,
                                            kernel_initializer="he_normal"),
                  layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c", activation="relu")):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert {k: v for k, v in clone.get_config().items() if k != "name"} == \
            {k: v for k, v in config.items() if k != "name"}
    assert "score_mode" not in layers.AdditiveAttention().get_config()
    mha_config = layers.MultiHeadAttention(2, 3).get_config()
    assert mha_config["value_dim"] == 3 and mha_config["attention_axes"] is None


def test_attention_numpy_reference_and_masks():
    q, v = RNG.normal(size=(2, 3, 4)).astype("f4"), RNG.normal(size=(2, 5, 4)).astype("f4")
    vm = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    qm = np.array([[1, 1, 0], [1, 1, 1]], bool)
    scores = q @ v.transpose(0, 2, 1)
    scores = np.where(vm[:, None], scores, scores - 1e9)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    want = np.where(qm[..., None], w @ v, 0)
    layer = layers.Attention()
    out = layer([q, v], mask=[qm, vm])
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-6)
    assert np.array_equal(out._keras_mask.numpy(), qm)  # the query mask passes on
    assert layers.Attention().compute_output_shape([(None, 3, 4), (None, 5, 7), (None, 5, 4)]) == (None, 3, 7)


def test_gradients_float64():
    mha = layers.MultiHeadAttention(2, 2, dtype="float64")
    q = RNG.normal(size=(2, 3, 4))
    mha(q.astype("f4"), q.astype("f4"))
    for p in mha.parameters():
        p.array = p.array.astype(np.float64)
    x = minidl.tensor(q, requires_grad=True)
    assert gradcheck(lambda t: mha._forward([t, t]), (x,))
    attention = layers.AdditiveAttention()
    attention([q.astype("f4"), q.astype("f4")])
    for p in attention.parameters():
        p.array = p.array.astype(np.float64)
    with attention.call_options({"use_causal_mask": True}):
        assert gradcheck(lambda t: attention._forward([t, t * 2.0]), (x,))
    dense = layers.EinsumDense("abc,cd->abd", output_shape=(None, 3), bias_axes="d")
    dense.build((None, 3, 4))
    for p in dense.parameters():
        p.array = p.array.astype(np.float64)
    assert gradcheck(lambda t: dense._forward(t), (x,))


def test_bad_inputs_raise_one_line_errors():
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="key_dim"):
        layers.MultiHeadAttention(2, 0)
    with pytest.raises(ValueError, match=r"multi_head_attention.*value_shape=\(None, 5, 4\) and "
                                         r"key_shape=\(None, 6, 4\)"):
        layers.MultiHeadAttention(2, 2)(keras.Input((3, 4)), keras.Input((5, 4)), keras.Input((6, 4)))
    with pytest.raises(ValueError, match="at least 3-D"):
        layers.MultiHeadAttention(2, 2)(np.ones((2, 4), np.float32), np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(np.ones((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match="length 2 or 3"):
        layers.Attention()([np.ones((2, 3, 4), np.float32)] * 4)
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="cosine")
    with pytest.raises(ValueError, match=r"same last dimension.*\(2, 3, 4\).*\(2, 5, 3\)"):
        layers.Attention()([np.ones((2, 3, 4), np.float32), np.ones((2, 5, 3), np.float32)])
    with pytest.raises(ValueError, match="einsum_dense.*invalid einsum equation"):
        layers.EinsumDense("abc->ab", output_shape=3)(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="einsum_dense.*bias dimension 'z'"):
        layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="z")(np.ones((2, 3), np.float32))
    dense = layers.EinsumDense("ab,bc->ac", output_shape=3)
    dense(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r'"einsum_dense.*\(2, 5\).*\(5, 3\).*\(4, 3\)'):
        dense(np.ones((2, 5), np.float32))
