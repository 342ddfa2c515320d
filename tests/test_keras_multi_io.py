"""Functional Keras models with several named inputs and outputs (lists and dicts): compile per output,
fit/evaluate/predict, Keras 3's log names and orders, save/load, and clear errors for bad keys.

The expected names and orders are Keras 3.15's (read once from the reference: a dict-output model
logs ``loss``, ``<key>_loss``, ``<key>_<metric>``; ``evaluate`` lists ``loss``, the per-output
losses in output order, then the metrics sorted by name; dict outputs flatten in sorted key order).
"""
import numpy as np
import pytest

from minidl.keras import Input, Model, layers, losses, models, utils


def _data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    xa = rng.normal(size=(n, 3)).astype("float32")
    xb = rng.normal(size=(n, 2)).astype("float32")
    t1 = rng.normal(size=(n, 1)).astype("float32")
    t2 = rng.integers(0, 3, size=(n,))
    return xa, xb, t1, t2


def _model(kind="dict", seed=1):
    utils.set_random_seed(seed)
    a, b = Input((3,), name="a"), Input((2,), name="b")
    h = layers.Dense(4, activation="tanh", name="hidden")(layers.Concatenate(name="cat")([a, b]))
    y1 = layers.Dense(1, name="y1")(h)
    y2 = layers.Dense(3, activation="softmax", name="y2")(h)
    if kind == "dict":
        return Model(inputs={"a": a, "b": b}, outputs={"y1": y1, "y2": y2})
    return Model(inputs=[a, b], outputs=[y1, y2])


def _compile_dict(model, optimizer="sgd"):
    model.compile(optimizer, loss={"y1": "mse", "y2": "sparse_categorical_crossentropy"},
                  loss_weights={"y1": 1.0, "y2": 0.5}, metrics={"y1": ["mae"], "y2": ["accuracy"]})


def _reference_logs(pred_y1, pred_y2, t1, t2):
    mse = float(np.mean((pred_y1 - t1) ** 2))
    p = np.clip(pred_y2[np.arange(len(t2)), t2], 1e-7, 1 - 1e-7)
    sce = float(np.mean(-np.log(p)))
    return {"loss": mse + 0.5 * sce, "y1_loss": mse, "y1_mae": float(np.mean(np.abs(pred_y1 - t1))),
            "y2_accuracy": float(np.mean(np.argmax(pred_y2, -1) == t2)), "y2_loss": sce}


def test_dict_model_evaluate_matches_the_per_output_losses_and_keras_names():
    xa, xb, t1, t2 = _data()
    model = _model("dict")
    _compile_dict(model)
    pred = model.predict({"a": xa, "b": xb}, verbose=0)
    assert isinstance(pred, dict) and sorted(pred) == ["y1", "y2"]
    assert pred["y1"].shape == (12, 1) and pred["y2"].shape == (12, 3)
    logs = model.evaluate({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, verbose=0, return_dict=True)
    expected = _reference_logs(pred["y1"], pred["y2"], t1, t2)
    assert list(logs) == sorted(expected)
    for key, value in expected.items():
        assert logs[key] == pytest.approx(value, rel=1e-5), key
    values = model.evaluate({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, verbose=0)
    assert values == pytest.approx([expected[k] for k in ("loss", "y1_loss", "y2_loss", "y1_mae", "y2_accuracy")],
                                   rel=1e-5)
    assert model.metrics_names == ["loss", "compile_metrics", "y1_loss", "y2_loss"]
    assert model.output_names == ["y1", "y2"] and model.input_names == ["a", "b"]


def test_fit_history_keys_and_validation_split_with_dicts():
    xa, xb, t1, t2 = _data()
    model = _model("dict")
    _compile_dict(model, "adam")
    history = model.fit({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, batch_size=4, epochs=2, verbose=0,
                        validation_split=0.25)
    assert list(history.history) == ["loss", "val_loss", "val_y1_loss", "val_y1_mae", "val_y2_accuracy",
                                     "val_y2_loss", "y1_loss", "y1_mae", "y2_accuracy", "y2_loss"]
    assert all(len(v) == 2 for v in history.history.values())


def test_list_model_accepts_lists_and_dicts_keyed_by_layer_names():
    xa, xb, t1, t2 = _data()
    model = _model("list")
    model.compile("sgd", loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
                  metrics=[["mae"], ["accuracy"]])
    pred = model.predict([xa, xb], verbose=0)
    assert isinstance(pred, list) and [p.shape for p in pred] == [(12, 1), (12, 3)]
    by_list = model.evaluate([xa, xb], [t1, t2], verbose=0)
    by_dict = model.evaluate({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, verbose=0)
    expected = _reference_logs(pred[0], pred[1], t1, t2)
    assert by_list == pytest.approx(by_dict)
    assert by_list == pytest.approx([expected[k] for k in ("loss", "y1_loss", "y2_loss", "y1_mae", "y2_accuracy")],
                                    rel=1e-5)
    out = model([xa, xb])
    assert isinstance(out, list) and tuple(out[1].shape) == (12, 3)


def test_zero_loss_weight_leaves_that_head_untrained():
    xa, xb, t1, t2 = _data()
    model = _model("dict")
    model.compile("sgd", loss={"y1": "mse", "y2": "sparse_categorical_crossentropy"},
                  loss_weights={"y1": 1.0, "y2": 0.0})
    before_y1, before_y2 = model.get_layer("y1").get_weights(), model.get_layer("y2").get_weights()
    history = model.fit({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, batch_size=12, epochs=1, verbose=0,
                        shuffle=False)
    for w0, w1 in zip(before_y2, model.get_layer("y2").get_weights()):
        np.testing.assert_array_equal(w0, w1)
    assert any(not np.array_equal(w0, w1) for w0, w1 in zip(before_y1, model.get_layer("y1").get_weights()))
    assert history.history["loss"][0] == pytest.approx(history.history["y1_loss"][0], rel=1e-6)


def test_one_loss_for_every_output_and_a_partial_loss_dict():
    xa, xb, t1, t2 = _data()
    model = _model("list")
    t2_onehot = np.eye(3, dtype="float32")[t2]
    model.compile("sgd", loss="mse")
    pred = model.predict([xa, xb], verbose=0)
    logs = model.evaluate([xa, xb], [t1, t2_onehot], verbose=0, return_dict=True)
    mse1, mse2 = np.mean((pred[0] - t1) ** 2), np.mean((pred[1] - t2_onehot) ** 2)
    assert logs == pytest.approx({"loss": mse1 + mse2, "y1_loss": mse1, "y2_loss": mse2}, rel=1e-5)
    model.compile("sgd", loss={"y1": "mse"})  # one loss: logged as `loss` alone, as Keras does
    logs = model.evaluate([xa, xb], {"y1": t1}, verbose=0, return_dict=True)
    assert logs == pytest.approx({"loss": mse1}, rel=1e-5)


def test_dict_outputs_flatten_in_sorted_key_order():
    xa, xb, t1, t2 = _data()
    utils.set_random_seed(3)
    a, b = Input((3,), name="a"), Input((2,), name="b")
    h = layers.Concatenate()([a, b])
    y1, y2 = layers.Dense(1, name="first")(h), layers.Dense(3, name="second")(h)
    model = Model(inputs={"a": a, "b": b}, outputs={"zz": y1, "aa": y2})
    assert model.output_names == ["second", "first"]
    assert [t.shape for t in model.outputs] == [(None, 3), (None, 1)]
    model.compile("sgd", loss="mse", metrics={"zz": "mae", "aa": ["mae"]})
    t2_soft = np.full((12, 3), 0.5, "float32")
    values = model.evaluate({"a": xa, "b": xb}, {"zz": t1, "aa": t2_soft}, verbose=0)
    logs = model.evaluate({"a": xa, "b": xb}, {"zz": t1, "aa": t2_soft}, verbose=0, return_dict=True)
    assert list(logs) == ["aa_loss", "aa_mae", "loss", "zz_loss", "zz_mae"]
    assert values == pytest.approx([logs[k] for k in ("loss", "aa_loss", "zz_loss", "aa_mae", "zz_mae")])


def test_generator_and_pydataset_of_dict_batches():
    xa, xb, t1, t2 = _data()

    class Batches(utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            s = slice(4 * i, 4 * i + 4)
            return {"a": xa[s], "b": xb[s]}, {"y1": t1[s], "y2": t2[s]}

    model = _model("dict")
    _compile_dict(model)
    expected = model.evaluate({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, batch_size=4, verbose=0,
                              return_dict=True)
    assert model.evaluate(Batches(), verbose=0, return_dict=True) == pytest.approx(expected)

    def gen():
        while True:
            yield {"a": xa, "b": xb}, {"y1": t1, "y2": t2}
    history = model.fit(gen(), steps_per_epoch=2, epochs=1, verbose=0)
    assert sorted(history.history) == ["loss", "y1_loss", "y1_mae", "y2_accuracy", "y2_loss"]


def test_per_output_sample_weights():
    xa, xb, t1, t2 = _data()
    model = _model("dict")
    model.compile("sgd", loss={"y1": "mse", "y2": "sparse_categorical_crossentropy"})
    pred = model.predict({"a": xa, "b": xb}, verbose=0)
    w = np.linspace(0.0, 2.0, 12).astype("float32")
    logs = model.evaluate({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, sample_weight={"y1": w}, verbose=0,
                          batch_size=12, return_dict=True)
    mse_w = float(np.sum(w * np.mean((pred["y1"] - t1) ** 2, -1)) / 12)
    assert logs["y1_loss"] == pytest.approx(mse_w, rel=1e-5)
    assert logs["y2_loss"] == pytest.approx(float(np.mean(losses.sparse_categorical_crossentropy(
        t2, pred["y2"]).numpy())), rel=1e-5)


def test_save_and_load_round_trip_of_a_dict_model(tmp_path):
    xa, xb, t1, t2 = _data()
    model = _model("dict")
    _compile_dict(model, "adam")
    model.fit({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, epochs=1, verbose=0)
    path = tmp_path / "multi.keras"
    model.save(path)
    loaded = models.load_model(path)
    assert sorted(loaded.output) == ["y1", "y2"] and sorted(loaded.input) == ["a", "b"]
    before = model.predict({"a": xa, "b": xb}, verbose=0)
    after = loaded.predict({"a": xa, "b": xb}, verbose=0)
    for key in before:
        np.testing.assert_allclose(after[key], before[key], rtol=1e-6)
    assert loaded.evaluate({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, verbose=0, return_dict=True) == \
        pytest.approx(model.evaluate({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, verbose=0, return_dict=True))


def test_bad_keys_and_missing_inputs_raise_one_line_errors():
    xa, xb, t1, t2 = _data()
    model = _model("dict")
    with pytest.raises(ValueError, match="'yy'"):
        model.compile("sgd", loss={"y1": "mse", "yy": "mse"})
    with pytest.raises(ValueError, match="'zz'"):
        model.compile("sgd", loss="mse", metrics={"zz": ["mae"]})
    with pytest.raises(ValueError, match="3 entries"):
        model.compile("sgd", loss=["mse", "mse", "mse"])
    _compile_dict(model)
    with pytest.raises(ValueError, match='Missing data for input "b"'):
        model.evaluate({"a": xa}, {"y1": t1, "y2": t2}, verbose=0)
    with pytest.raises(ValueError, match='Missing data for input "b"'):
        model.predict({"a": xa}, verbose=0)
    with pytest.raises(ValueError, match="'y3'"):
        model.evaluate({"a": xa, "b": xb}, {"y1": t1, "y2": t2, "y3": t2}, verbose=0)
    with pytest.raises(ValueError, match="output 'y2'"):
        model.evaluate({"a": xa, "b": xb}, {"y1": t1}, verbose=0)
    with pytest.raises(ValueError, match="2 outputs"):
        model.evaluate({"a": xa, "b": xb}, t1, verbose=0)
    with pytest.raises(ValueError, match="class_weight"):
        model.fit({"a": xa, "b": xb}, {"y1": t1, "y2": t2}, class_weight={0: 1.0}, verbose=0)


def test_weights_files_use_keras_class_keys_whatever_the_layer_names(tmp_path):
    import h5py
    model = _model("dict")
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    with h5py.File(path) as f:  # Keras 3's saving_lib keys: class name numbered in layer order
        assert sorted(f["layers"]) == ["concatenate", "dense", "dense_1", "dense_2", "input_layer", "input_layer_1"]
        assert f["layers/dense_1/vars/0"].shape == (4, 1) and f["layers/dense_2/vars/0"].shape == (4, 3)
        # a file keyed by layer names (minidl's earlier layout) still loads
        legacy = tmp_path / "legacy.weights.h5"
        with h5py.File(legacy, "w") as g:
            for key, layer in zip(["a", "b", "cat", "hidden", "y1", "y2"], model.layers):
                assert layer.name == key
                vars_group = g.create_group(f"layers/{key}/vars")
                for i, w in enumerate(layer.get_weights()):
                    vars_group.create_dataset(str(i), data=w + 1.0)
    model.load_weights(legacy)
    np.testing.assert_allclose(model.get_layer("y2").get_weights()[1], 1.0)
    model.load_weights(path)
    np.testing.assert_allclose(model.get_layer("y2").get_weights()[1], 0.0)


@pytest.mark.parametrize("kind", ["list", "dict"])
def test_a_one_element_output_list_or_dict_logs_as_one_output(kind):
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    a = Input((3,), name="a")
    out = layers.Dense(1, activation="sigmoid", name="out")(a)
    model = Model(a, [out] if kind == "list" else {"o": out})
    model.compile("sgd", loss=["binary_crossentropy"] if kind == "list" else {"o": "binary_crossentropy"},
                  metrics=[["accuracy"]] if kind == "list" else {"o": "accuracy"})
    targets = [y] if kind == "list" else {"o": y}
    assert sorted(model.fit(x, targets, verbose=0).history) == ["accuracy", "loss"]
    assert sorted(model.fit(x, y, verbose=0).history) == ["accuracy", "loss"]
    pred = model.predict(x, verbose=0)  # Keras: an array for [out], a dict for {"o": out}
    assert isinstance(pred, np.ndarray) if kind == "list" else sorted(pred) == ["o"]


def test_dict_input_keys_that_differ_from_input_names_warn_and_key_the_data():
    xa, xb, t1, t2 = _data()
    a, b = Input((3,), name="a"), Input((2,), name="b")
    h = layers.Concatenate()([a, b])
    with pytest.warns(UserWarning, match="Received key 'z[ab]' mapping to value .* which has name '[ab]'"):
        model = Model(inputs={"zb": b, "za": a}, outputs=layers.Dense(1)(h))
    assert model.input_names == ["a", "b"]  # flattened in sorted key order: za, zb
    by_keys = model.predict({"za": xa, "zb": xb}, verbose=0)
    np.testing.assert_allclose(model.predict([xa, xb], verbose=0), by_keys)
    model.compile("sgd", loss="mse")
    per_output = model.evaluate({"za": xa, "zb": xb}, t1, sample_weight=np.ones(12), verbose=0)
    assert per_output == pytest.approx(float(np.mean((by_keys - t1) ** 2)), rel=1e-5)


def _nested():
    utils.set_random_seed(5)
    a, b = Input((3,), name="a"), Input((2,), name="b")
    h = layers.Concatenate()([a, b])
    inner = Model({"a": a, "b": b}, {"p": layers.Dense(2, name="p")(h), "q": layers.Dense(3, name="q")(h)},
                  name="inner")
    x1, x2 = Input((3,), name="x1"), Input((2,), name="x2")
    mid = inner({"a": x1, "b": x2})
    out = layers.Dense(1, name="o")(layers.Concatenate(name="j")([mid["p"], mid["q"]]))
    return inner, Model([x1, x2], [out, mid["q"]])


def test_a_multi_output_model_nests_in_a_functional_model(tmp_path, capsys):
    xa, xb, t1, _ = _data()
    inner, outer = _nested()
    assert [t.shape for t in outer.outputs] == [(None, 1), (None, 3)]
    pred = outer.predict([xa, xb], verbose=0)
    parts = inner.predict({"a": xa, "b": xb}, verbose=0)
    np.testing.assert_allclose(pred[1], parts["q"], rtol=1e-6)
    joined = np.concatenate([parts["p"], parts["q"]], axis=-1)
    kernel, bias = outer.get_layer("o").get_weights()
    np.testing.assert_allclose(pred[0], joined @ kernel + bias, rtol=1e-5, atol=1e-6)
    outer.summary()
    text = capsys.readouterr().out  # Keras 3's rows for the nested model and its second output
    assert "inner (Functional)" in text and "[(None, 2)," in text and "inner[0][1]" in text
    outer.compile("sgd", loss=["mse", "mse"])
    before = inner.get_layer("p").get_weights()[0].copy()
    history = outer.fit([xa, xb], [t1, np.zeros((12, 3), "float32")], verbose=0)
    assert sorted(history.history) == ["inner_loss", "loss", "o_loss"]  # Keras names the output by its layer
    assert not np.array_equal(before, inner.get_layer("p").get_weights()[0])  # gradients reach the nested model
    path = tmp_path / "nested.keras"
    outer.save(path)
    loaded = models.load_model(path)
    for got, want in zip(loaded.predict([xa, xb], verbose=0), outer.predict([xa, xb], verbose=0)):
        np.testing.assert_allclose(got, want, rtol=1e-6)
