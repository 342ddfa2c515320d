"""Keras 3 log names and orders of compiled metrics (differential: passes under minidl.keras and, with the
import switched to ``import keras``, under Keras 3.15 with KERAS_BACKEND=jax)."""
import warnings

import numpy as np
import pytest

import minidl.keras as keras

R = np.random.RandomState(1)
X = R.rand(20, 4).astype("float32")
Y = (R.rand(20, 1) > 0.5).astype("float32")
YR = R.rand(20, 2).astype("float32")
SW = R.rand(20).astype("float32")


def _seq():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.set_weights([np.random.RandomState(i).randn(*w.shape).astype("float32") * 0.3
                   for i, w in enumerate(m.get_weights())])
    return m


def _two():
    i = keras.Input((4,))
    h = keras.layers.Dense(3, activation="relu")(i)
    m = keras.Model(i, [keras.layers.Dense(1, activation="sigmoid", name="a")(h), keras.layers.Dense(2, name="b")(h)])
    m.set_weights([np.random.RandomState(i).randn(*w.shape).astype("float32") * 0.3
                   for i, w in enumerate(m.get_weights())])
    return m


def test_duplicate_metric_names_get_suffixes():
    m = _seq()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["mse", "mse"])
    h = m.fit(X, Y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    assert list(h.history) == ["loss", "mse", "mse_1"]
    d = m.evaluate(X, Y, verbose=0, return_dict=True)
    assert list(d) == ["loss", "mse", "mse_1"]
    values = m.evaluate(X, Y, verbose=0)
    # Keras' _flatten_metrics_in_order: loss, each sub-metric by its name (both "mse"), then the rest sorted
    np.testing.assert_allclose(values, [d["loss"], d["mse"], d["mse"], d["mse_1"]], rtol=1e-6)


def test_weighted_metric_with_a_taken_name_is_prefixed():
    m = _seq()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["accuracy"],
              weighted_metrics=["accuracy", "mse"])
    h = m.fit(X, Y, sample_weight=SW, epochs=1, batch_size=8, verbose=0, shuffle=False)
    assert list(h.history) == ["accuracy", "loss", "mse", "weighted_accuracy"]
    d = m.evaluate(X, Y, sample_weight=SW, verbose=0, return_dict=True)
    unweighted = float(np.mean((m.predict(X, verbose=0) > 0.5) == Y))
    assert d["accuracy"] == pytest.approx(unweighted, abs=1e-6)
    assert d["weighted_accuracy"] != pytest.approx(unweighted, abs=1e-6)
    values = m.evaluate(X, Y, sample_weight=SW, verbose=0)
    np.testing.assert_allclose(values, [d["loss"], d["accuracy"], d["accuracy"], d["mse"], d["weighted_accuracy"]],
                               rtol=1e-6)


def test_multi_output_weighted_metrics_names_and_order():
    m = _two()
    m.compile("sgd", loss=["binary_crossentropy", "mse"], metrics=[["accuracy"], ["mae"]],
              weighted_metrics=[["accuracy"], ["mae"]])
    h = m.fit(X, [Y, YR], sample_weight=[SW, SW], epochs=1, batch_size=8, verbose=0, shuffle=False)
    assert list(h.history) == ["a_accuracy", "a_loss", "a_weighted_accuracy", "b_loss", "b_mae",
                               "b_weighted_mae", "loss"]
    assert list(m.get_metrics_result()) == ["loss", "a_accuracy", "b_mae", "a_weighted_accuracy",
                                            "b_weighted_mae", "a_loss", "b_loss"]
    assert m.metrics_names == ["loss", "compile_metrics", "a_loss", "b_loss"]
    d = m.evaluate(X, [Y, YR], verbose=0, return_dict=True)
    values = m.evaluate(X, [Y, YR], verbose=0)
    order = ["loss", "a_loss", "b_loss", "a_accuracy", "a_weighted_accuracy", "b_mae", "b_weighted_mae"]
    np.testing.assert_allclose(values, [d[k] for k in order], rtol=1e-6)


def test_get_metrics_result_follows_the_last_run_in_compile_order():
    m = _seq()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["mse", "mae"])
    m.fit(X, Y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    d = m.evaluate(X[:10], Y[:10], verbose=0, return_dict=True)
    r = m.get_metrics_result()
    assert list(r) == ["loss", "mse", "mae"]
    for k in d:
        assert float(r[k]) == pytest.approx(d[k], rel=1e-5)
    assert float(r["loss"]) > 0


def test_metrics_must_be_a_list_tuple_or_dict():
    m = _seq()
    with pytest.raises(ValueError, match="Expected `metrics` argument to be a list, tuple, or dict"):
        m.compile("sgd", "mse", metrics="mae")
    with pytest.raises(ValueError, match="Expected `weighted_metrics` argument to be a list, tuple, or dict"):
        m.compile("sgd", "mse", weighted_metrics="mae")


def test_validation_freq_list_names_one_based_epochs():
    m = _seq()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    h = m.fit(X, Y, validation_split=0.2, validation_freq=[1, 3], epochs=4, batch_size=8, verbose=0)
    assert len(h.history["loss"]) == 4 and len(h.history["val_loss"]) == 2


class _Events(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(("b", batch))

    def on_test_batch_begin(self, batch, logs=None):
        self.events.append(("t", batch))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("e", epoch))


def test_steps_per_epoch_continues_the_pass_over_arrays():
    m = _seq()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    cb = _Events()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        h = m.fit(X, Y, epochs=4, steps_per_epoch=2, batch_size=4, verbose=0, shuffle=False, callbacks=[cb],
                  validation_data=(X, Y), validation_steps=2)
    # 5 batches: epochs take 0-1, 2-3, 4 (the pass runs out, with a warning), then a new pass; each
    # validation starts over
    train = [[b for kind, b in group if kind == "b"] for group in _split(cb.events)]
    assert train == [[0, 1], [0, 1], [0], [0, 1]]
    assert all([b for kind, b in group if kind == "t"] == [0, 1] for group in _split(cb.events))
    assert h.params["steps"] == 2
    assert sum("ran out of data" in str(x.message) for x in w) == 1


def test_steps_per_epoch_beyond_the_data_is_cut_short():
    m = _seq()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    cb = _Events()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        h = m.fit(X, Y, epochs=2, steps_per_epoch=10, batch_size=4, verbose=0, shuffle=False, callbacks=[cb])
    assert h.params["steps"] == 10
    assert [b for kind, b in cb.events if kind == "b"] == [0, 1, 2, 3, 4] * 2
    assert sum("ran out of data" in str(x.message) for x in w) == 2


def _split(events):
    group, out = [], []
    for ev in events:
        group.append(ev)
        if ev[0] == "e":
            out.append(group)
            group = []
    return out


def test_class_weight_with_sample_weight_is_an_error():
    m = _seq()
    m.compile("sgd", "binary_crossentropy")
    with pytest.raises(ValueError, match="You cannot `class_weight` and `sample_weight` at the same time"):
        m.fit(X, Y, class_weight={0: 1.0, 1: 2.0}, sample_weight=SW, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="cannot be specified at the same time"):
        m.train_on_batch(X, Y, class_weight={0: 1.0, 1: 2.0}, sample_weight=SW)


def test_class_weight_defaults_to_one_for_missing_classes():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    m.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    yc = np.array([0, 1, 2, 2] * 5)
    weighted = m.fit(X, yc, class_weight={0: 1.0, 1: 1.0}, batch_size=20, epochs=1, verbose=0).history["loss"][0]
    plain = m.evaluate(X, yc, batch_size=20, verbose=0)
    assert weighted == pytest.approx(plain, rel=1e-5)


def test_validation_data_as_a_list_or_one_tuple():
    m = _seq()
    m.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    h = m.fit(X, Y, validation_data=[X[:5], Y[:5]], epochs=1, verbose=0)
    assert sorted(h.history) == ["loss", "val_loss"]
    with pytest.raises(ValueError):
        m.fit(X, Y, validation_data=(X,), epochs=1, verbose=0)


def test_uncompiled_fit_and_evaluate_raise_keras_value_error():
    m = _seq()
    for call in (lambda: m.fit(X, Y, verbose=0), lambda: m.evaluate(X, Y, verbose=0)):
        with pytest.raises(ValueError, match=r"You must call `compile\(\)` before using the model."):
            call()


def test_compile_config_round_trip():
    m = _seq()
    assert m.get_compile_config() == {}
    m.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    config = m.get_compile_config()
    assert sorted(config) == ["jit_compile", "loss", "loss_weights", "metrics", "optimizer", "run_eagerly",
                              "steps_per_execution", "weighted_metrics"]
    other = _seq()
    other.compile_from_config(config)
    h = other.fit(X, Y, epochs=1, verbose=0)
    assert type(other.optimizer).__name__ == "Adam"
    assert float(other.optimizer.learning_rate) == pytest.approx(0.01)
    assert sorted(h.history) == ["loss", "mae"]


class _TwoHeads(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = keras.layers.Dense(1, activation="sigmoid")
        self.d2 = keras.layers.Dense(2)

    def call(self, x):
        return [self.d1(x), self.d2(x)]


@pytest.mark.parametrize("loss, names", [
    (["mse", "mse"], ["loss", "mae", "mae_1", "mse_loss"]),
    ("mse", ["loss", "mae", "mae_1", "mse_loss"]),
    ([keras.losses.BinaryCrossentropy(), "mae"], ["binary_crossentropy_loss", "loss", "mae", "mae_1", "mae_loss"]),
])
def test_subclassed_model_with_several_outputs_trains(loss, names):
    m = _TwoHeads()
    m(X[:1])
    m.compile("sgd", loss, metrics=[["mae"], ["mae"]])
    h = m.fit(X, [Y, YR], epochs=1, batch_size=8, verbose=0, shuffle=False)
    assert sorted(h.history) == sorted(names)
    d = m.evaluate(X, [Y, YR], verbose=0, return_dict=True)
    assert sorted(d) == sorted(names)
    assert [p.shape for p in m.predict(X, verbose=0)] == [(20, 1), (20, 2)]
