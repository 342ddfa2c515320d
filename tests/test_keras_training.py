"""compile / fit / evaluate / predict / callbacks of minidl.keras against hand-computed values and
Keras 3's documented behaviour (loss meanings, History keys, progress-bar text, the
validation_split rule, the double-softmax guard)."""
import csv
import re

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()
    yield


def linear_model(n_in=3, n_out=2, activation="softmax", w=None):
    model = keras.Sequential([keras.Input((n_in,)), layers.Dense(n_out, activation=activation)])
    if w is not None:
        model.set_weights(w)
    return model


# ------------------------------------------------------------------------ losses
def test_categorical_crossentropy_takes_probabilities_with_keras_clipping():
    y = np.array([[0, 1, 0], [1, 0, 0]], np.float32)
    p = np.array([[0.2, 0.7, 0.1], [1.0, 0.0, 0.0]], np.float32)
    loss = keras.losses.CategoricalCrossentropy()(y, p)
    expected = (-np.log(0.7) - np.log(1 - 1e-7)) / 2
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    # rows are renormalised first, then clipped into [1e-7, 1 - 1e-7]
    unnormalised = np.array([[0.2, 0.3]], np.float32)
    value = keras.losses.categorical_crossentropy(np.array([[0, 1.0]]), unnormalised).numpy()
    np.testing.assert_allclose(value, [-np.log(0.6)], rtol=1e-5)
    logits = np.array([[2.0, 3.0]], np.float32)
    from_logits = keras.losses.CategoricalCrossentropy(from_logits=True)(np.array([[0, 1.0]]), logits)
    assert float(from_logits) == pytest.approx(np.log1p(np.exp(-1.0)), rel=1e-5)


def test_sparse_binary_mse_mae_by_hand():
    p = np.array([[0.25, 0.75], [0.9, 0.1]], np.float32)
    sparse = keras.losses.SparseCategoricalCrossentropy()(np.array([1, 0]), p)
    assert float(sparse) == pytest.approx(-(np.log(0.75) + np.log(0.9)) / 2, rel=1e-5)
    sparse_col = keras.losses.sparse_categorical_crossentropy(np.array([[1], [0]]), p).numpy()
    np.testing.assert_allclose(sparse_col, [-np.log(0.75), -np.log(0.9)], rtol=1e-5)
    q = np.array([[0.8], [0.3]], np.float32)
    bce = keras.losses.BinaryCrossentropy()(np.array([[1.0], [0.0]]), q)
    assert float(bce) == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2, rel=1e-5)
    z = np.array([[0.4], [-1.2]], np.float32)
    bce_logits = keras.losses.BinaryCrossentropy(from_logits=True)(np.array([[1.0], [0.0]]), z)
    sig = 1 / (1 + np.exp(-z[:, 0]))
    assert float(bce_logits) == pytest.approx(-(np.log(sig[0]) + np.log(1 - sig[1])) / 2, rel=1e-5)
    t = np.array([[1.0, 2.0], [0.0, -1.0]], np.float32)
    yhat = np.array([[1.5, 2.0], [1.0, 1.0]], np.float32)
    assert float(keras.losses.MeanSquaredError()(t, yhat)) == pytest.approx(np.mean((t - yhat) ** 2))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.losses.get("mae")(t, yhat)),   # per sample
                               np.mean(np.abs(t - yhat), axis=-1), rtol=1e-6)
    # sample weights: weighted sum / number of samples (Keras' sum_over_batch_size)
    weighted = keras.losses.MeanSquaredError()(t, yhat, sample_weight=np.array([2.0, 0.0]))
    assert float(weighted) == pytest.approx(2 * np.mean((t[0] - yhat[0]) ** 2) / 2)


# ------------------------------------------------------- the double-softmax guard
def test_probability_loss_on_logits_warns_and_trains_as_keras():
    """Keras computes a probability loss on logits all the same (rows divided by their sum, then
    clipped); minidl does too, with a warning naming from_logits (keras.io's training guide does this)."""
    model = linear_model(activation=None)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    before = model.get_weights()
    x = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32) * 5
    with pytest.warns(UserWarning, match="from_logits"):
        model.fit(x, keras.utils.to_categorical(np.arange(8) % 2, 2), verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # it trained
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match="from_logits"):
        assert np.isfinite(model.evaluate(x, np.arange(8) % 2, verbose=0))


def test_from_logits_after_softmax_warns_at_compile():
    model = linear_model(activation="softmax")
    with pytest.warns(UserWarning, match="from_logits"):
        model.compile(optimizer="adam",
                      loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    seq = keras.Sequential([keras.Input((3,)), layers.Dense(2), layers.Softmax()])
    with pytest.warns(UserWarning, match="from_logits"):
        seq.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))


def test_from_logits_on_probability_outputs_warns_at_first_batch():
    # the softmax hides inside a custom layer, so only the values reveal it
    class Probs(layers.Layer):
        def call(self, inputs):
            return keras.activations.softmax(inputs)

    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), Probs()])
    model.compile(optimizer="sgd", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    with pytest.warns(UserWarning, match="from_logits=True"):
        model.fit(np.ones((4, 3), np.float32), np.eye(4, dtype=np.float32), verbose=0)


def test_logits_model_with_from_logits_trains():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = linear_model(activation=None)
    model.compile(optimizer=keras.optimizers.SGD(0.5),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    hist = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.history["accuracy"][-1] > 0.8


# ------------------------------------------------------------------- compile
def test_optimizer_strings_have_keras_defaults():
    opts = {name: keras.optimizers.get(name) for name in
            ("adam", "sgd", "rmsprop", "adadelta", "adagrad", "adamw", "nadam")}
    assert (opts["adam"].learning_rate, opts["adam"].epsilon) == (1e-3, 1e-7)
    assert opts["sgd"].learning_rate == 0.01 and opts["sgd"].momentum == 0.0
    assert (opts["rmsprop"].learning_rate, opts["rmsprop"].rho, opts["rmsprop"].epsilon) == (1e-3, 0.9, 1e-7)
    assert (opts["adadelta"].learning_rate, opts["adadelta"].rho, opts["adadelta"].epsilon) == (1e-3, 0.95, 1e-7)
    assert opts["adagrad"].initial_accumulator_value == 0.1
    assert opts["adamw"].weight_decay == 0.004
    model = linear_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="Could not interpret loss"):
        model.compile(optimizer="adam", loss="categorical_cross_entropy")


def test_accuracy_resolves_like_keras():
    from minidl.keras.metrics import BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, resolve
    assert isinstance(resolve("accuracy", (8, 3), (8, 3)), CategoricalAccuracy)
    assert isinstance(resolve("accuracy", (8,), (8, 3)), SparseCategoricalAccuracy)
    assert isinstance(resolve("acc", (8, 1), (8, 3)), SparseCategoricalAccuracy)
    assert isinstance(resolve("accuracy", (8, 1), (8, 1)), BinaryAccuracy)
    assert resolve("acc", (8,), (8, 3)).name == "acc"


# ---------------------------------------------------------------------- fit
def test_fit_history_keys_and_evaluate_return_types():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    y = keras.utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    model = linear_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy", "mae"])
    hist = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0)
    assert list(hist.history) == ["accuracy", "loss", "mae", "val_accuracy", "val_loss", "val_mae"]
    assert hist.epoch == [0, 1, 2] and hist.params == {"verbose": 0, "epochs": 3, "steps": 4}
    assert model.history is hist
    loss, acc, mae = model.evaluate(x, y, verbose=0)  # [loss, *metrics] in compile order
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs == {"accuracy": acc, "loss": loss, "mae": mae}
    probs = model.predict(x, verbose=0)
    assert isinstance(probs, np.ndarray) and probs.dtype == np.float32 and probs.shape == (40, 2)
    assert acc == pytest.approx(np.mean(probs.argmax(1) == y.argmax(1)))
    assert loss == pytest.approx(np.mean(-np.log(np.clip(probs[y == 1], 1e-7, 1))), rel=1e-4)
    only_loss = linear_model()
    only_loss.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert isinstance(only_loss.evaluate(x, y, verbose=0), float)


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.zeros((10, 1), np.float32)
    seen = {}

    class Spy(keras.callbacks.Callback):
        def on_test_batch_begin(self, batch, logs=None):
            seen["val"] = True

    model = keras.Sequential([keras.Input((1,)), layers.Dense(1, use_bias=False)])
    model.set_weights([np.ones((1, 1), np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    hist = model.fit(x, y, validation_split=0.3, epochs=1, verbose=0, callbacks=[Spy()])
    # floor(10 * 0.7) = 7 training samples; the validation samples are 7, 8, 9
    assert hist.params["steps"] == 1 and seen["val"]
    assert hist.history["val_loss"][0] == pytest.approx(np.mean([49.0, 64.0, 81.0]))
    assert hist.history["loss"][0] == pytest.approx(np.mean(np.arange(7.0) ** 2))


def test_class_weight_and_sample_weight_scale_the_loss():
    x = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
    y = np.array([0, 1, 1, 0])
    model = keras.Sequential([keras.Input((1,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    p = model.predict(x, verbose=0)
    per_sample = -np.log(p[np.arange(4), y])
    hist = model.fit(x, y, class_weight={0: 2.0, 1: 0.5}, batch_size=4, shuffle=False, verbose=0)
    weights = np.where(y == 0, 2.0, 0.5)
    assert hist.history["loss"][0] == pytest.approx(np.sum(per_sample * weights) / 4, rel=1e-5)
    hist = model.fit(x, y, sample_weight=np.array([1.0, 0.0, 0.0, 1.0]), batch_size=4, verbose=0)
    assert hist.history["loss"][0] == pytest.approx((per_sample[0] + per_sample[3]) / 4, rel=1e-5)


def test_regularization_penalty_is_added_to_the_loss():
    model = keras.Sequential([keras.Input((2,)),
                              layers.Dense(1, kernel_regularizer=keras.regularizers.l2(0.1))])
    w = np.array([[1.0], [-2.0]], np.float32)
    model.set_weights([w, np.zeros(1, np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x, y = np.ones((3, 2), np.float32), np.zeros((3, 1), np.float32)
    expected = np.mean((x @ w) ** 2) + 0.1 * np.sum(w ** 2)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)
    assert float(model.losses[0]) == pytest.approx(0.5)


def test_initial_epoch_steps_per_epoch_and_generators():
    x = np.ones((20, 3), np.float32)
    y = np.zeros((20, 2), np.float32) + [1.0, 0.0]
    model = linear_model()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    hist = model.fit(x, y, epochs=4, initial_epoch=2, verbose=0)
    assert hist.epoch == [2, 3]

    def batches():
        while True:
            yield x[:5], y[:5]
    hist = model.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0)
    assert hist.params["steps"] == 3 and len(hist.history["loss"]) == 2

    class Data(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return x[i * 10:(i + 1) * 10], y[i * 10:(i + 1) * 10]
    assert model.fit(Data(), epochs=1, verbose=0).params["steps"] == 2
    assert model.predict(Data(), verbose=0).shape == (20, 2)
    # a finite generator without steps_per_epoch runs until exhausted, as Keras 3 (an infinite one would
    # run forever there too: session 12 dropped the ValueError minidl raised for any generator)
    assert model.fit((b for b in [(x[:5], y[:5])] * 2), verbose=0).history["loss"]


def test_progress_bar_and_one_line_per_epoch_formats(capsys):
    x = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    y = keras.utils.to_categorical(np.arange(20) % 2, 2)
    model = linear_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=8, epochs=2, validation_split=0.2)
    out = capsys.readouterr().out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert plain.startswith("Epoch 1/2\n")
    final = [line for line in plain.replace("\b", "").split("\r") if "val_loss" in line]
    assert len(final) == 2
    assert re.match(r"^2/2 ━{20} \d+s \d+(ms|us|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - "
                    r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}\n", final[0]), final[0]
    model.fit(x, y, batch_size=8, epochs=1, verbose=2)
    line = capsys.readouterr().out
    assert re.fullmatch(r"3/3 - \d+s - \d+(ms|us|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}\n", line)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ callbacks
def test_early_stopping_restores_best_weights_and_stops():
    x = np.ones((8, 3), np.float32)
    y = keras.utils.to_categorical(np.zeros(8), 2)
    model = linear_model()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    hist = model.fit(x, y, epochs=10, verbose=0, callbacks=[stop])
    assert len(hist.epoch) == 3 and stop.stopped_epoch == 2  # no improvement with lr 0


def test_model_checkpoint_csv_logger_reduce_lr_scheduler(tmp_path):
    x = np.random.default_rng(1).normal(size=(16, 3)).astype(np.float32)
    y = keras.utils.to_categorical(np.arange(16) % 2, 2)
    model = linear_model()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="categorical_crossentropy")
    ckpt = keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch:02d}.keras"))
    best = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"), monitor="loss",
                                           save_best_only=True, save_weights_only=True)
    log = keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5, min_delta=0.1)
    hist = model.fit(x, y, epochs=3, verbose=0, callbacks=[ckpt, best, log, plateau])
    assert sorted(p.name for p in tmp_path.glob("m-*.keras")) == ["m-01.keras", "m-02.keras", "m-03.keras"]
    assert (tmp_path / "best.weights.h5").exists()
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"] and "loss" in rows[0]
    assert list(hist.history) == ["loss", "learning_rate"]
    assert hist.history["learning_rate"] == pytest.approx([0.0, 0.0, 0.0])
    sgd = keras.optimizers.SGD(0.1)
    model.compile(optimizer=sgd, loss="categorical_crossentropy")
    sched = keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    hist = model.fit(x, y, epochs=3, verbose=0, callbacks=[sched])
    assert hist.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    with pytest.raises(ValueError, match=".weights.h5"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "w.h5"), save_weights_only=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_and_custom_callback():
    x = np.ones((8, 3), np.float32) * 1e30
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1e10), loss="mse")
    events = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            events.append((epoch, sorted(logs)))

    hist = model.fit(x, np.ones((8, 1), np.float32), batch_size=2, epochs=5, verbose=0,
                     callbacks=[keras.callbacks.TerminateOnNaN(), Recorder()])
    assert len(hist.epoch) == 1 and events == [(0, ["loss"])]


def test_to_categorical_is_keras_3():
    out = keras.utils.to_categorical([0, 2, 1])
    assert out.dtype == np.float64 and out.shape == (3, 3)
    np.testing.assert_array_equal(keras.utils.to_categorical(np.array([[1], [0]]), 3),
                                  [[0, 1, 0], [1, 0, 0]])
    assert keras.utils.to_categorical(np.zeros((2, 4), int), 5).shape == (2, 4, 5)


# ------------------------------------------------- gradients of the composites
def _gradcheck_cases():
    from minidl.keras import activations, losses, regularizers
    rng = np.random.default_rng(3)
    onehot = np.eye(4)[rng.integers(0, 4, 5)]
    binary = rng.integers(0, 2, (5, 3)).astype(np.float64)
    soft = np.abs(rng.normal(size=(5, 4))) + 0.05
    return [
        ("cce_probs", lambda p: losses.categorical_crossentropy(onehot, p).sum(), soft / soft.sum(1, keepdims=True)),
        ("cce_logits", lambda z: losses.categorical_crossentropy(onehot, z, from_logits=True).sum(),
         rng.normal(size=(5, 4))),
        ("sparse_probs", lambda p: losses.sparse_categorical_crossentropy(np.arange(5) % 4, p).sum(),
         soft / soft.sum(1, keepdims=True)),
        ("bce_probs", lambda p: losses.binary_crossentropy(binary, p).sum(), rng.uniform(0.1, 0.9, (5, 3))),
        ("bce_logits", lambda z: losses.binary_crossentropy(binary, z, from_logits=True).sum(),
         rng.normal(size=(5, 3))),
        ("huber", lambda p: losses.huber(binary, p).sum(), rng.normal(size=(5, 3)) * 2),
        ("kld", lambda p: losses.kl_divergence(soft / soft.sum(1, keepdims=True), p).sum(),
         rng.uniform(0.1, 0.9, (5, 4))),
        ("l1_l2", lambda w: regularizers.L1L2(0.3, 0.2)(w), rng.normal(size=(4, 3)) + 0.5),
        ("elu", lambda x: activations.elu(x).sum(), rng.normal(size=(7,)) + 0.01),
        ("softplus", lambda x: (activations.softplus(x) * activations.swish(x)).sum(), rng.normal(size=(7,))),
    ]


@pytest.mark.parametrize("case", _gradcheck_cases(), ids=lambda c: c[0])
def test_composite_losses_and_activations_gradcheck(case):
    import minidl
    from minidl.tensor import Tensor
    _, fn, value = case
    x = Tensor(np.asarray(value, np.float64), requires_grad=True)
    assert minidl.gradcheck(fn, (x,))


def test_freezing_a_layer_and_sharing_an_optimizer():
    x = np.random.default_rng(2).normal(size=(16, 3)).astype(np.float32)
    y = keras.utils.to_categorical(np.arange(16) % 2, 2)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu"),
                              layers.Dense(2, activation="softmax")])
    opt = keras.optimizers.SGD(0.1)
    model.compile(optimizer=opt, loss="categorical_crossentropy")
    model.fit(x, y, verbose=0)
    model.layers[0].trainable = False
    frozen = model.layers[0].get_weights()
    head = model.layers[1].get_weights()
    model.fit(x, y, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(head[0], model.layers[1].get_weights()[0])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    other = linear_model()
    other.compile(optimizer=opt, loss="categorical_crossentropy")  # the same optimiser object
    before = other.get_weights()[0].copy()
    other.fit(x, y, verbose=0)
    assert not np.allclose(before, other.get_weights()[0])

