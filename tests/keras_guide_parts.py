"""Parts of the Keras 3 guides, written against a ``keras`` module passed in, so that the same code runs
on minidl.keras (tests/test_keras_guides.py) and on Keras 3 (tests/fixtures/make_keras_guide_reference.py,
which records Keras' summaries and shapes once). Sources (keras-team/keras, guides/, Apache-2.0):

- https://github.com/keras-team/keras/blob/master/guides/understanding_masking_and_padding.py
- https://github.com/keras-team/keras/blob/master/guides/sequential_model.py
- https://github.com/keras-team/keras/blob/master/guides/functional_api.py
- https://github.com/keras-team/keras/blob/master/guides/making_new_layers_and_models_via_subclassing.py
- https://github.com/keras-team/keras/blob/master/guides/training_with_built_in_methods.py

Data sizes and epochs are cut down (a few samples, one epoch) to keep each part to seconds.
"""
import os

import numpy as np


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def masking_guide(keras):
    """understanding_masking_and_padding: pad_sequences, Embedding/Masking masks, a mask-passing layer,
    a layer splitting the mask, a mask-consuming TemporalSoftmax."""
    layers, ops = keras.layers, keras.ops
    raw_inputs = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]
    padded_inputs = keras.utils.pad_sequences(raw_inputs, padding="post")
    out = {"padded": np.asarray(padded_inputs).tolist(),
           "pre": np.asarray(keras.utils.pad_sequences(raw_inputs, maxlen=4, truncating="post")).tolist()}
    embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
    masked_output = embedding(padded_inputs)
    out["embedding_mask"] = np.asarray(ops.convert_to_numpy(masked_output._keras_mask)).tolist()
    unmasked_embedding = ops.cast(ops.tile(ops.expand_dims(padded_inputs, axis=-1), [1, 1, 10]), dtype="float32")
    masked_embedding = layers.Masking()(unmasked_embedding)
    out["masking_mask"] = np.asarray(ops.convert_to_numpy(masked_embedding._keras_mask)).tolist()

    class TemporalSplit(keras.layers.Layer):
        """Split the input tensor into 2 tensors along the time dimension."""

        def call(self, inputs):
            return ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            if mask is None:
                return None
            return ops.split(mask, 2, axis=1)

    first_half, second_half = TemporalSplit()(masked_embedding)
    out["split_masks"] = [np.asarray(ops.convert_to_numpy(h._keras_mask)).tolist() for h in (first_half, second_half)]

    class MyActivation(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return ops.relu(inputs)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    x = MyActivation()(x)
    out["symbolic_mask"] = [list(x._keras_mask.shape), str(x._keras_mask.dtype)]
    outputs = layers.LSTM(32)(x)
    model = keras.Model(inputs, outputs)
    out["lstm_out"] = list(model(np.random.randint(0, 5000, size=(4, 20))).shape)

    class TemporalSoftmax(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            assert mask is not None
            broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
            inputs_exp = ops.exp(inputs) * broadcast_float_mask
            inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
            return inputs_exp / inputs_sum

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
    x = layers.Dense(1)(x)
    outputs = TemporalSoftmax()(x)
    model = keras.Model(inputs, outputs)
    ids = np.array([[1, 2, 0, 0], [3, 0, 4, 5]])
    y = np.asarray(ops.convert_to_numpy(model(ids)))
    # 0/0 at the masked steps: NaN there
    out["temporal_softmax"] = [list(y.shape), np.isnan(y[ids == 0]).tolist(), y[ids != 0].round(6).tolist()]
    return out


def sequential_guide(keras):
    """sequential_model: a Sequential built by calling it on data, then one built by add() with an Input."""
    layers = keras.layers
    model = keras.Sequential([layers.Dense(2, activation="relu"), layers.Dense(3, activation="relu"), layers.Dense(4)])
    x = np.ones((1, 4))
    model(x)
    out = {"n_weights": len(model.weights), "called": _summary(model)}
    model = keras.Sequential()
    model.add(keras.Input(shape=(250, 250, 3)))
    model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    out["added"] = _summary(model)
    feature_extractor = keras.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    out["features"] = [list(f.shape) for f in feature_extractor(np.ones((1, 250, 250, 3), "float32"))]
    return out


def functional_guide(keras):
    """functional_api: the autoencoder (Conv2DTranspose, UpSampling2D, nested models), the multi-input
    multi-output ticket model trained with list and dict losses, the toy ResNet, a layer mixing
    subclassing and functional models."""
    layers, ops = keras.layers, keras.ops
    out = {}
    encoder_input = keras.Input(shape=(28, 28, 1), name="original_img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    decoder_input = keras.Input(shape=(16,), name="encoded_img")
    x = layers.Reshape((4, 4, 1))(decoder_input)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
    decoder = keras.Model(decoder_input, decoder_output, name="decoder")
    autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
    autoencoder = keras.Model(autoencoder_input, decoder(encoder(autoencoder_input)), name="autoencoder")
    out["decoder"], out["autoencoder"] = _summary(decoder), _summary(autoencoder)
    out["autoencoder_out"] = list(autoencoder(np.ones((2, 28, 28, 1), "float32")).shape)

    num_tags, num_words, num_departments = 12, 10000, 4
    title_input = keras.Input(shape=(None,), name="title")
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(num_tags,), name="tags")
    title_features = layers.LSTM(128)(layers.Embedding(num_words, 64)(title_input))
    body_features = layers.LSTM(32)(layers.Embedding(num_words, 64)(body_input))
    x = layers.concatenate([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    model = keras.Model(inputs=[title_input, body_input, tags_input], outputs={"priority": priority_pred,
                                                                             "department": department_pred})
    out["ticket"] = _summary(model)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                  loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
                        "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
                  loss_weights={"priority": 1.0, "department": 0.2})
    rng = np.random.default_rng(0)
    title_data = rng.integers(0, num_words, size=(16, 10))
    body_data = rng.integers(0, num_words, size=(16, 20))
    tags_data = rng.integers(0, 2, size=(16, num_tags)).astype("float32")
    priority_targets = rng.random(size=(16, 1))
    dept_targets = rng.integers(0, 2, size=(16, num_departments))
    history = model.fit({"title": title_data, "body": body_data, "tags": tags_data},
                        {"priority": priority_targets, "department": dept_targets}, epochs=1, batch_size=8,
                        verbose=0)
    out["ticket_logs"] = sorted(history.history)

    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])
    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs, outputs, name="toy_resnet")
    out["toy_resnet"] = _summary(model)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True), metrics=["acc"])
    x_train = rng.random((16, 32, 32, 3)).astype("float32")
    y_train = keras.utils.to_categorical(rng.integers(0, 10, 16), 10)
    history = model.fit(x_train, y_train, batch_size=8, epochs=1, validation_split=0.25, verbose=0)
    out["resnet_logs"] = sorted(history.history)

    units, timesteps, input_dim, batch_size = 32, 10, 5, 16

    class CustomRNN(layers.Layer):
        def __init__(self):
            super().__init__()
            self.units = units
            self.projection_1 = layers.Dense(units=units, activation="tanh")
            self.projection_2 = layers.Dense(units=units, activation="tanh")
            self.classifier = layers.Dense(1)

        def call(self, inputs):
            outputs = []
            state = ops.zeros(shape=(inputs.shape[0], self.units))
            for t in range(inputs.shape[1]):
                x = inputs[:, t, :]
                h = self.projection_1(x)
                y = h + self.projection_2(state)
                state = y
                outputs.append(y)
            features = ops.stack(outputs, axis=1)
            return self.classifier(features)

    inputs = keras.Input(batch_shape=(batch_size, timesteps, input_dim))
    x = layers.Conv1D(32, 3)(inputs)
    outputs = CustomRNN()(x)
    model = keras.Model(inputs, outputs)
    out["custom_rnn"] = [list(outputs.shape), list(model(np.zeros((batch_size, timesteps, input_dim))).shape)]
    return out


def subclassing_guide(keras):
    """making_new_layers_and_models_via_subclassing: Linear, a non-trainable weight, nested layers,
    add_loss with and without a compiled loss, get_config/from_config, a VAE trained a few steps."""
    layers, ops = keras.layers, keras.ops

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                     trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    out = {}
    sums = ComputeSum(2)
    sums(ops.ones((2, 2)))
    out["sum"] = np.asarray(ops.convert_to_numpy(sums(ops.ones((2, 2))))).tolist()
    out["sum_weights"] = [len(sums.weights), len(sums.non_trainable_weights), len(sums.trainable_weights)]

    class MLPBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = Linear(32)
            self.linear_2 = Linear(32)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = self.linear_1(inputs)
            x = keras.activations.relu(x)
            x = self.linear_2(x)
            x = keras.activations.relu(x)
            return self.linear_3(x)

    mlp = MLPBlock()
    y = mlp(ops.ones(shape=(3, 64)))
    out["mlp"] = [len(mlp.weights), len(mlp.trainable_weights), list(y.shape)]

    class ActivityRegularizationLayer(keras.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(inputs))
            return inputs

    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    out["with_loss"] = sorted(model.fit(np.ones((2, 3)), np.zeros((2, 3)), verbose=0).history)
    model.compile(optimizer="adam")
    out["add_loss_only"] = float(model.fit(np.ones((2, 3)), np.zeros((2, 3)), verbose=0).history["loss"][0])
    layer = Linear(64)
    config = layer.get_config()
    out["config"] = sorted(config)
    out["from_config_units"] = Linear.from_config(config).units

    class Sampling(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class Encoder(layers.Layer):
        def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
            self.dense_mean = layers.Dense(latent_dim)
            self.dense_log_var = layers.Dense(latent_dim)
            self.sampling = Sampling()

        def call(self, inputs):
            x = self.dense_proj(inputs)
            z_mean = self.dense_mean(x)
            z_log_var = self.dense_log_var(x)
            z = self.sampling((z_mean, z_log_var))
            return z_mean, z_log_var, z

    class Decoder(layers.Layer):
        def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
            self.dense_output = layers.Dense(original_dim, activation="sigmoid")

        def call(self, inputs):
            return self.dense_output(self.dense_proj(inputs))

    class VariationalAutoEncoder(keras.Model):
        def __init__(self, original_dim, intermediate_dim=64, latent_dim=32, name="autoencoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.original_dim = original_dim
            self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
            self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

        def call(self, inputs):
            z_mean, z_log_var, z = self.encoder(inputs)
            reconstructed = self.decoder(z)
            kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
            self.add_loss(kl_loss)
            return reconstructed

    x_train = np.random.default_rng(1).random((64, 784)).astype("float32")
    vae = VariationalAutoEncoder(784, 64, 32)
    vae.compile(keras.optimizers.Adam(learning_rate=1e-3), loss=keras.losses.MeanSquaredError())
    history = vae.fit(x_train, x_train, epochs=2, batch_size=32, verbose=0)
    out["vae_logs"] = sorted(history.history)
    out["vae_loss"] = [float(v) for v in history.history["loss"]]
    return out


def training_guide(keras, tmpdir):
    """training_with_built_in_methods: a custom Metric with add_variable, an endpoint layer with
    add_loss and two positional inputs, a PyDataset (batch_size ignored), multi-output losses with a
    None, ModelCheckpoint every N batches."""
    layers, ops = keras.layers, keras.ops
    out = {}

    def get_uncompiled_model():
        inputs = keras.Input(shape=(784,), name="digits")
        x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
        x = layers.Dense(64, activation="relu", name="dense_2")(x)
        outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
        return keras.Model(inputs=inputs, outputs=outputs)

    class CategoricalTruePositives(keras.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
            values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
            values = ops.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = ops.cast(sample_weight, "float32")
                values = ops.multiply(values, sample_weight)
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives

        def reset_state(self):
            self.true_positives.assign(0)

    rng = np.random.default_rng(0)
    x_train = rng.random((64, 784)).astype("float32")
    y_train = rng.integers(0, 10, (64, 1))
    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(), metrics=[CategoricalTruePositives()])
    history = model.fit(x_train, y_train, batch_size=16, epochs=1, verbose=0)
    out["ctp_logs"] = sorted(history.history)
    ctp = history.history["categorical_true_positives"][0]
    out["ctp_is_count"] = bool(0 <= float(ctp) <= 64 and float(ctp) == int(float(ctp)))

    class LogisticEndpoint(keras.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            loss = self.loss_fn(targets, logits, sample_weights)
            self.add_loss(loss)
            return ops.softmax(logits)

    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")
    data = {"inputs": rng.random((3, 3)), "targets": rng.random((3, 10))}
    out["endpoint_loss"] = float(model.fit(data, verbose=0).history["loss"][0]) > 0
    out["endpoint_shape"] = list(predictions.shape)

    class ExamplePyDataset(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return int(np.ceil(len(self.x) / float(self.batch_size)))

        def __getitem__(self, idx):
            batch_x = self.x[idx * self.batch_size: (idx + 1) * self.batch_size]
            batch_y = self.y[idx * self.batch_size: (idx + 1) * self.batch_size]
            return batch_x, batch_y

    model = get_uncompiled_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
    train = ExamplePyDataset(x_train, y_train, batch_size=32)
    history = model.fit(train, batch_size=64, validation_data=ExamplePyDataset(x_train[:16], y_train[:16], 8),
                        epochs=1, verbose=0)
    out["pydataset_logs"] = sorted(history.history)

    image_input = keras.Input(shape=(32, 32, 3), name="img_input")
    timeseries_input = keras.Input(shape=(None, 10), name="ts_input")
    x1 = layers.Conv2D(3, 3)(image_input)
    x1 = layers.GlobalMaxPooling2D()(x1)
    x2 = layers.Conv1D(3, 3)(timeseries_input)
    x2 = layers.GlobalMaxPooling1D()(x2)
    x = layers.concatenate([x1, x2])
    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)
    model = keras.Model(inputs=[image_input, timeseries_input], outputs=[score_output, class_output])
    out["multi_io"] = _summary(model)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss=[None, keras.losses.CategoricalCrossentropy()])
    img_data = rng.random((8, 32, 32, 3))
    ts_data = rng.random((8, 20, 10))
    score_targets = rng.random((8, 1))
    class_targets = rng.random((8, 5))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # minidl warns that a probability loss gets logits here
        history = model.fit([img_data, ts_data], [score_targets, class_targets], batch_size=4, epochs=1, verbose=0)
        out["loss_none_logs"] = sorted(history.history)
        model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                      loss={"score_output": keras.losses.MeanSquaredError(),
                            "class_output": keras.losses.CategoricalCrossentropy()},
                      metrics={"score_output": [keras.metrics.MeanAbsolutePercentageError(),
                                                keras.metrics.MeanAbsoluteError()],
                               "class_output": [keras.metrics.CategoricalAccuracy()]},
                      loss_weights={"score_output": 2.0, "class_output": 1.0})
        history = model.fit({"img_input": img_data, "ts_input": ts_data},
                            {"score_output": score_targets, "class_output": class_targets}, batch_size=4, epochs=1,
                            verbose=0)
    out["dict_logs"] = sorted(history.history)

    model = get_uncompiled_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    callbacks = [keras.callbacks.ModelCheckpoint(filepath=os.path.join(tmpdir, "model-loss={loss:.2f}-{batch}.keras"),
                                                 save_freq=2)]
    model.fit(x_train, y_train, batch_size=16, epochs=1, callbacks=callbacks, verbose=0)
    out["checkpoints"] = len(os.listdir(tmpdir))
    return out
