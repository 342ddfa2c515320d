"""The minidl.keras fixes that a third round of keras.io guides and examples needed (session 12,
kscripts3), checked directly. Expected values and behaviour are Keras 3.15's (JAX backend) where noted."""
import numpy as np
import pytest


def test_random_flip_takes_one_unbatched_image():
    """The transfer-learning guide maps ``RandomFlip("horizontal")`` over single (H, W, C) images of a
    dataset; Keras flips them, minidl raised "RandomFlip expects images (N, H, W, C)"."""
    from minidl import keras
    image = np.arange(2 * 3 * 2, dtype="float32").reshape(2, 3, 2)
    layer = keras.layers.RandomFlip("horizontal")
    keras.utils.set_random_seed(0)
    seen = {tuple(np.asarray(layer(image)).ravel()) for _ in range(12)}
    assert seen == {tuple(image.ravel()), tuple(image[:, ::-1].ravel())}
    both = keras.layers.RandomFlip()
    out = np.asarray(both(image, training=False))
    np.testing.assert_array_equal(out, image)
    with pytest.raises(ValueError, match=r"RandomFlip random_flip_1: expected images of rank 4.*\(2, 3\)"):
        both(np.zeros((2, 3), "float32"))


def test_inputs_one_rank_short_of_a_trailing_one_gain_it():
    """pixelcnn and siamese_contrastive feed (N, 28, 28) MNIST arrays to ``Input((28, 28, 1))`` models:
    Keras 3's ``Functional._adjust_input_rank`` adds the trailing axis (and drops one of size 1); any
    other rank mismatch is a ValueError naming the expected and received shapes."""
    from minidl import keras
    rng = np.random.default_rng(0)
    images = rng.random((4, 6, 6)).astype("float32")
    inputs = keras.Input((6, 6, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3)(inputs))
    np.testing.assert_allclose(np.asarray(model(images)), np.asarray(model(images[..., None])), rtol=1e-6)
    model.compile("adam", "mse")
    model.fit(images, np.zeros((4, 4, 4, 2), "float32"), epochs=1, verbose=0)
    assert model.predict(images, verbose=0).shape == (4, 4, 4, 2)
    sequential = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(2, 3)])
    assert tuple(sequential(images).shape) == (4, 4, 4, 2)
    vectors = keras.Input((5,))
    dense = keras.Model(vectors, keras.layers.Dense(2)(vectors))
    assert tuple(dense(np.zeros((3, 5, 1), "float32")).shape) == (3, 2)
    for bad in (np.zeros((3, 5, 2), "float32"), np.zeros((3,), "float32")):
        with pytest.raises(ValueError, match=r"Expected shape \(None, 5\), but input has incompatible shape"):
            dense(bad)


KERAS_SHARED_SUMMARY = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)          ┃ Output Shape      ┃     Param # ┃ Connected to       ┃
┡━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━┩
│ a (InputLayer)        │ (None, 4)         │           0 │ -                  │
├───────────────────────┼───────────────────┼─────────────┼────────────────────┤
│ b (InputLayer)        │ (None, 4)         │           0 │ -                  │
├───────────────────────┼───────────────────┼─────────────┼────────────────────┤
│ shared (Dense)        │ (None, 3)         │          15 │ a[0][0], b[0][0]   │
├───────────────────────┼───────────────────┼─────────────┼────────────────────┤
│ dist (Lambda)         │ (None, 1)         │           0 │ shared[0][0],      │
│                       │                   │             │ shared[1][0]       │
├───────────────────────┼───────────────────┼─────────────┼────────────────────┤
│ cat (Concatenate)     │ (None, 7)         │           0 │ shared[0][0],      │
│                       │                   │             │ shared[1][0],      │
│                       │                   │             │ dist[0][0]         │
└───────────────────────┴───────────────────┴─────────────┴────────────────────┘
 Total params: 15 (60.00 B)
 Trainable params: 15 (60.00 B)
 Non-trainable params: 0 (0.00 B)"""


def test_summary_names_the_node_of_a_shared_layer_and_a_lambda_output_shape():
    """siamese_contrastive's summary: a layer called twice is connected as ``shared[0][0]`` and
    ``shared[1][0]`` (Keras' node index; minidl printed [0][0] twice), and a Lambda given
    ``output_shape`` shows it (minidl printed "?"). The table is Keras 3.15's, line_length=80."""
    from minidl import keras
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    shared = keras.layers.Dense(3, name="shared")
    ta, tb = shared(a), shared(b)
    dist = keras.layers.Lambda(lambda v: keras.ops.sum(v[0] - v[1], axis=1, keepdims=True), output_shape=(1,),
                               name="dist")([ta, tb])
    model = keras.Model([a, b], keras.layers.Concatenate(name="cat")([ta, tb, dist]), name="functional")
    lines = []
    model.summary(line_length=80, print_fn=lambda line, *args, **kwargs: lines.append(line))
    assert "\n".join(lines).rstrip("\n") == KERAS_SHARED_SUMMARY


class _Recommender:
    """collaborative_filtering_movielens' RecommenderNet, cut down (built lazily: keras differs per test)."""

    @staticmethod
    def make(keras, name):
        layers, ops = keras.layers, keras.ops

        class Recommender(keras.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.user = layers.Embedding(6, 4, name="user")
                self.item = layers.Embedding(7, 4, name="item")

            def call(self, inputs):
                u, v = self.user(inputs[:, 0]), self.item(inputs[:, 1])
                return ops.sigmoid(layers.Dot(axes=1)([u, v]))

        return Recommender(name=name)


def _summary_rows(model):
    lines = []
    model.summary(line_length=60, print_fn=lambda line, *args, **kwargs: lines.append(line))
    return [row for row in "\n".join(lines).splitlines() if "(Embedding)" in row]


def test_subclassed_model_called_on_an_input_traces_its_output_shape():
    """collaborative_filtering calls a subclassed model on ``Input((2,))``: its output is (None, 1) as in
    Keras (minidl returned the input's shape, (None, 2)); the inner layers' summary shapes are
    (None, 4) after that symbolic build and (4, 4) after a fit with batch_size=4 (Keras 3.15's, which
    builds on the first batch; minidl showed (1, 4) for both)."""
    from minidl import keras
    symbolic = _Recommender.make(keras, "sym")
    assert symbolic(keras.Input((2,))).shape == (None, 1)
    assert [row.split("│")[2].strip() for row in _summary_rows(symbolic)] == ["(None, 4)", "(None, 4)"]
    fitted = _Recommender.make(keras, "fitted")
    fitted.compile("adam", "binary_crossentropy")
    x = np.stack([np.arange(10) % 6, np.arange(10) % 7], axis=1)
    fitted.fit(x, np.ones(10), batch_size=4, epochs=1, verbose=0)
    assert [row.split("│")[2].strip() for row in _summary_rows(fitted)] == ["(4, 4)", "(4, 4)"]
    assert fitted.predict(x, verbose=0).shape == (10, 1)


def test_ops_take_shapes_and_repeats_as_tensors():
    """neural_machine_translation_with_transformer builds its causal mask with
    ``ops.tile(mask, ops.concatenate([ops.expand_dims(batch_size, -1), ...]))``: Keras takes a 1-D
    tensor (or NumPy array) wherever a shape or repeats go; minidl raised "only one element tensors can
    be converted to Python scalars" (tile, random.normal) or TypeError (reshape, zeros, ones, full)."""
    from minidl import keras
    ops = keras.ops
    shape = ops.convert_to_tensor([2, 3])
    mask = ops.ones((1, 3, 3), "int32")
    mult = ops.concatenate([ops.expand_dims(2, -1), ops.convert_to_tensor([1, 1])], axis=0)
    tiled = ops.tile(mask, mult)
    assert tuple(tiled.shape) == (2, 3, 3) and "int32" in str(tiled.dtype)
    assert tuple(ops.tile(mask, np.array([2, 1, 1])).shape) == (2, 3, 3)
    assert tuple(ops.tile(ops.ones((3,)), 2).shape) == (6,)
    assert tuple(ops.reshape(ops.arange(6), shape).shape) == (2, 3)
    assert tuple(ops.reshape(ops.arange(6), [ops.convert_to_tensor(2), -1]).shape) == (2, 3)
    assert tuple(ops.broadcast_to(ops.ones((3,)), shape).shape) == (2, 3)
    for make in (ops.zeros, ops.ones, lambda s: ops.full(s, 1.5), keras.random.normal, keras.random.uniform):
        assert tuple(make(shape).shape) == (2, 3)
        assert tuple(make(np.array([2, 3])).shape) == (2, 3)
    np.testing.assert_array_equal(np.asarray(ops.full(shape, 1.5)), np.full((2, 3), 1.5, "float32"))


def test_callbacks_print_and_log_as_keras(tmp_path, capsys):
    """The training guide's ModelCheckpoint(save_best_only=True, verbose=1) prints Keras 3.15's lines
    (minidl printed its own, without the file); LearningRateScheduler's message starts on a new line
    as Keras'; CSVLogger without validation writes Keras' ``val_`` columns as NA."""
    import re

    from minidl import keras
    rng = np.random.default_rng(0)
    x, y = rng.random((20, 4)).astype("float32"), rng.random((20, 1)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.0), "mse")
    best = str(tmp_path / "best_{epoch}.keras")
    every = str(tmp_path / "all.weights.h5")
    callbacks = [keras.callbacks.ModelCheckpoint(best, save_best_only=True, monitor="val_loss", verbose=1),
                 keras.callbacks.ModelCheckpoint(every, save_weights_only=True, verbose=1),
                 keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr, verbose=1)]
    model.fit(x, y, epochs=2, validation_split=0.2, callbacks=callbacks, verbose=0)
    out = re.sub(r"\d+\.\d{5}", "N", capsys.readouterr().out)
    first = str(tmp_path / "best_1.keras")
    assert out == ("\nEpoch 1: LearningRateScheduler setting learning rate to 0.0.\n"
                   f"\nEpoch 1: val_loss improved from None to N, saving model to {first}\n"
                   f"\nEpoch 1: finished saving model to {first}\n"
                   f"\nEpoch 1: saving model to {every}\n"
                   f"\nEpoch 1: finished saving model to {every}\n"
                   "\nEpoch 2: LearningRateScheduler setting learning rate to 0.0.\n"
                   "\nEpoch 2: val_loss did not improve from N\n"
                   f"\nEpoch 2: saving model to {every}\n"
                   f"\nEpoch 2: finished saving model to {every}\n")
    log = tmp_path / "log.csv"
    model.fit(x, y, epochs=2, callbacks=[keras.callbacks.CSVLogger(str(log))], verbose=0)
    rows = log.read_text().splitlines()
    assert rows[0] == "epoch,loss,val_loss" and rows[1].startswith("0,") and rows[1].endswith(",NA")


def test_sequential_on_a_functional_base_builds_and_model_configs_match_keras():
    """The Sequential guide's ``keras.Sequential([base_model, layers.Dense(1000)])`` builds from the base
    model's input, as Keras (minidl left it unbuilt: "?" and 0 params in the summary); a Functional
    config has no ``dtype`` key and a Sequential's is a DTypePolicy dict, as Keras 3.15 writes them."""
    from minidl import keras
    inputs = keras.Input((8,))
    base = keras.Model(inputs, keras.layers.Dense(4)(inputs), name="base")
    base.trainable = False
    model = keras.Sequential([base, keras.layers.Dense(3)])
    assert model.built and model.output_shape == (None, 3)
    assert model.count_params() == 36 + 15 and len(model.trainable_weights) == 2
    assert sorted(base.get_config()) == ["input_layers", "layers", "name", "output_layers", "trainable"]
    assert model.get_config()["dtype"] == {"module": "keras", "class_name": "DTypePolicy",
                                           "config": {"name": "float32"}, "registered_name": None}


def test_activity_regularizer_adds_its_penalty_as_keras():
    """``Dense(..., activity_regularizer=...)`` (the sparse autoencoder of keras.io's blog, the Layer base
    argument of Keras 3) raised NotImplementedError (the base Layer ignored it silently): now each call adds
    ``regularizer(output) / batch_size`` to ``losses``, which ``fit`` trains with; values are Keras 3.15's
    (0.58587 and a loss of 4.8354 on this data; 14.58 for the Conv2D)."""
    from minidl import keras
    rng = np.random.default_rng(0)
    x = rng.random((6, 4)).astype("float32")
    inputs = keras.Input((4,))
    dense = keras.layers.Dense(3, activity_regularizer=keras.regularizers.L1(0.1), kernel_initializer="ones")
    model = keras.Model(inputs, dense(inputs))
    out = np.asarray(model(x))
    assert len(model.losses) == 1
    np.testing.assert_allclose(float(np.asarray(model.losses[0])), np.abs(out).sum() * 0.1 / 6, rtol=1e-6)
    np.testing.assert_allclose(float(np.asarray(model.losses[0])), 0.58587, atol=1e-5)
    assert dense.get_config()["activity_regularizer"] == {"module": "keras.regularizers", "class_name": "L1",
                                                          "config": {"l1": 0.10000000149011612},  # (float32)
                                                          "registered_name": None}
    model.compile("sgd", "mse")
    history = model.fit(x, np.zeros((6, 3)), batch_size=6, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], 4.8354, atol=1e-4)
    conv = keras.layers.Conv2D(2, 3, activity_regularizer="l2", kernel_initializer="ones")
    conv(np.ones((2, 5, 5, 1), "float32"))
    np.testing.assert_allclose(float(np.asarray(conv.losses[0])), 14.58, rtol=1e-5)


def test_sequential_without_input_records_the_first_batch_shape():
    """A Sequential without an ``Input`` is built on the first batch it sees, as Keras 3.15: its summary
    shows that batch size ((128, 32) after ``fit(batch_size=128)``, (7, 2) after ``predict`` on 7 rows);
    other batch sizes still run."""
    from minidl import keras
    lines = []
    model = keras.Sequential([keras.layers.Dense(2)])
    model.predict(np.zeros((7, 3)), verbose=0)
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    assert "(7, 2)" in "\n".join(lines)
    model = keras.Sequential([keras.layers.Dense(32), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(np.zeros((170, 1)), np.zeros(170), batch_size=128, epochs=1, verbose=0)
    assert model.layers[0].output_shape == (128, 32)
    assert model.predict(np.zeros((5, 1)), verbose=0).shape == (5, 1)


def test_user_layer_called_on_a_dict_of_inputs(tmp_path):
    """structured_data_classification_from_scratch calls its ``Classifier`` layer on a dict of tensors
    (``inputs.values()`` in ``call``): minidl turned the dict into one Tensor ("'Tensor' object has no
    attribute 'values'"). The dict reaches ``build`` and ``call`` in its own key order, the graph links it
    in sorted key order as Keras' summary does, and the model saves and loads (Keras writes the dict)."""
    from minidl import keras
    layers = keras.layers
    built = []

    class Classifier(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(1, activation="sigmoid", kernel_initializer="ones")

        def call(self, inputs):
            return self.dense(layers.concatenate([inputs["b"], inputs["a"]]))

        def build(self, input_shape):
            built.append(list(input_shape))
            self.built = True

    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    out = Classifier(name="clf")({"b": b, "a": a})
    assert out.shape == (None, 1) and built == [["b", "a"]]
    model = keras.Model({"b": b, "a": a}, out)
    lines = []
    model.summary(line_length=80, print_fn=lambda line, *args, **kwargs: lines.append(line))
    assert "│ clf (Classifier)      │ (None, 1)         │           6 │ a[0][0], b[0][0]   │" in lines[0]
    x = {"a": np.ones((4, 2), "float32"), "b": np.full((4, 3), 0.1, "float32")}
    expected = 1 / (1 + np.exp(-2.3))
    np.testing.assert_allclose(np.asarray(model(x)).ravel(), [expected] * 4, rtol=1e-6)
    entry = model.get_config()["layers"][-1]["inbound_nodes"][0]["args"][0]
    assert list(entry) == ["b", "a"]
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", custom_objects={"Classifier": Classifier})
    np.testing.assert_allclose(loaded.predict(x, verbose=0).ravel(), [expected] * 4, rtol=1e-6)
    assert tuple(Classifier()({"a": np.ones((2, 2)), "b": np.ones((2, 3))}).shape) == (2, 1)


def test_positional_tensor_calls_masks_and_lists_of_layers_as_keras():
    """The NMT transformer's ``Decoder()(x, encoder_outputs)`` with ``call(self, inputs, encoder_outputs,
    mask=None)``: with several tensor arguments Keras passes no ``mask`` (only ``<argument>_mask``
    parameters get one), where minidl passed a list (``mask[:, None, :]`` failed and the symbolic call fell
    back to the input's shape). A one-input layer traced with a mask gets that mask, not a one-element list
    (the Encoder showed 0 parameters). A list of layers held by a user layer is tracked (its weights count,
    save and load). A functional model given a masked input does not warn (Keras' Functional computes masks)."""
    import warnings

    from minidl import keras
    from minidl.keras import layers, ops
    seen = {}

    class Marker(layers.Layer):
        def call(self, inputs):
            return inputs

        def compute_mask(self, inputs, mask=None):
            return ops.not_equal(inputs[..., 0], 0)

    class TwoInputs(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.norms = [layers.LayerNormalization() for _ in range(2)]
            self.supports_masking = True

        def call(self, inputs, context, mask=None, context_mask=None):
            seen["mask"], seen["context_mask"] = mask, context_mask
            return self.norms[1](self.norms[0](inputs) + context)

    class OneInput(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(4)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            seen["one"] = type(mask).__name__
            return self.dense(inputs) * ops.cast(mask[:, :, None], "float32")

    x, context = keras.Input((3, 4)), keras.Input((3, 4))
    marked = Marker()(x)
    two = TwoInputs()
    out = two(marked, Marker()(context))
    assert out.shape == (None, 3, 4) and seen["mask"] is None and seen["context_mask"] is not None
    one = OneInput()
    assert one(marked).shape == (None, 3, 4) and seen["one"] == "Tensor" and one.count_params() == 20
    assert len(two.weights) == 4
    inner = keras.Model(x, OneInput()(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inner(marked)


def test_eagerly_built_user_layer_has_no_made_up_output_shape():
    """intro_to_keras_for_engineers' ``MyDense(10)`` inside a subclassed model: built by an eager call, its
    summary row shows "?" as in Keras 3.15 (minidl showed its *input* shape, (32, 8), for a (32, 10) output)."""
    from minidl import keras

    class MyDense(keras.layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

        def call(self, inputs):
            return keras.ops.matmul(inputs, self.w)

    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = MyDense(10)

        def call(self, x):
            return self.dense(x)

    model = Outer()
    model.compile("adam", "mse")
    model.fit(np.zeros((32, 8)), np.zeros((32, 10)), verbose=0)
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    row = [line for line in "\n".join(lines).splitlines() if "(MyDense)" in line][0]
    assert row.split("│")[2].strip() == "?" and row.split("│")[3].strip() == "80"
    symbolic = MyDense(3)
    assert symbolic(keras.Input((5,))).shape == (None, 3) and symbolic.output_shape == (None, 3)


def test_one_target_for_the_one_output_with_a_loss():
    """text_generation_with_miniature_gpt compiles a two-output model with ``loss=[loss_fn, None]`` and fits
    it on ``(x, y)`` with one ``y``: Keras gives the target to the output that has a loss (minidl asked
    for a list of 2 arrays)."""
    from minidl import keras
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3)(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(2)(hidden), hidden])
    model.compile("adam", loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True), None])
    rng = np.random.default_rng(0)
    history = model.fit(rng.random((8, 4)), rng.integers(0, 2, 8), batch_size=4, epochs=1, verbose=0)
    assert sorted(history.history) == ["loss"]
    with pytest.raises(ValueError, match="pass `y` as a list of 2 arrays"):
        model.compile("adam", loss=["mse", "mse"])
        model.fit(rng.random((8, 4)), rng.random((8, 2)), verbose=0)


def test_history_lists_only_the_epochs_a_key_was_logged():
    """``fit(validation_freq=2)``: Keras' ``history.history["val_loss"]`` holds the validated epochs only
    (2 of 3 epochs from ``initial_epoch=1``); minidl padded it with NaN to 3 entries."""
    from minidl import keras
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(rng.random((20, 3)), rng.random((20, 1)), epochs=4, initial_epoch=1, validation_split=0.25,
                        validation_freq=2, verbose=0)
    assert history.epoch == [1, 2, 3]
    assert len(history.history["loss"]) == 3 and len(history.history["val_loss"]) == 2
    assert all(np.isfinite(history.history["val_loss"]))


def test_fit_on_a_finite_generator_without_steps():
    """Keras 3 trains on a Python generator until it is exhausted when ``steps_per_epoch`` is not given
    (minidl refused it); a later epoch finding it empty stops training with Keras' warning."""
    from minidl import keras

    def batches(n):
        for _ in range(n):
            yield np.ones((4, 3), "float32"), np.ones((4, 1), "float32")

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert len(model.fit(batches(3), epochs=1, verbose=0).history["loss"]) == 1
    with pytest.warns(UserWarning, match="Your input ran out of data; interrupting training"):
        history = model.fit(batches(3), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1
    assert model.optimizer.iterations == 6
