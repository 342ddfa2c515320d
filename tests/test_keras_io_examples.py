"""keras.io examples on minidl.keras with only the import changed, cut down to seconds.

- addition_rnn: https://github.com/keras-team/keras-io/blob/master/examples/nlp/addition_rnn.py
  (LSTM encoder, RepeatVector, LSTM decoder over one-hot characters; 300 questions, one epoch
  instead of 50000 and 30). Keras 3.15 prints the same summary for this model.
- timeseries_classification_from_scratch:
  https://github.com/keras-team/keras-io/blob/master/examples/timeseries/timeseries_classification_from_scratch.py
  (Conv1D/BatchNormalization/ReLU blocks, GlobalAveragePooling1D, ModelCheckpoint/ReduceLROnPlateau/
  EarlyStopping, load_model of the best checkpoint) on a synthetic stand-in for FordA (not downloadable
  here): 48 series of 176 steps, two epochs. The summary is Keras 3.15's for the same model.
- bidirectional_lstm_imdb: https://github.com/keras-team/keras-io/blob/master/examples/nlp/bidirectional_lstm_imdb.py
  (Embedding, two Bidirectional LSTMs) with Keras 3.15's summary, trained one epoch on 32 synthetic
  reviews of 20 ids (IMDB is not downloadable here).
"""
import os

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers

TIMESERIES_SUMMARY = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ input_layer (InputLayer)        │ (None, 176, 1)         │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv1d (Conv1D)                 │ (None, 176, 64)        │           256 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_normalization             │ (None, 176, 64)        │           256 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ re_lu (ReLU)                    │ (None, 176, 64)        │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv1d_1 (Conv1D)               │ (None, 176, 64)        │        12,352 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_normalization_1           │ (None, 176, 64)        │           256 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ re_lu_1 (ReLU)                  │ (None, 176, 64)        │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv1d_2 (Conv1D)               │ (None, 176, 64)        │        12,352 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_normalization_2           │ (None, 176, 64)        │           256 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ re_lu_2 (ReLU)                  │ (None, 176, 64)        │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ global_average_pooling1d        │ (None, 64)             │             0 │
│ (GlobalAveragePooling1D)        │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 2)              │           130 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 25,858 (101.01 KB)
 Trainable params: 25,474 (99.51 KB)
 Non-trainable params: 384 (1.50 KB)"""

IMDB_SUMMARY = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ input_layer (InputLayer)        │ (None, None)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ embedding (Embedding)           │ (None, None, 128)      │     2,560,000 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ bidirectional (Bidirectional)   │ (None, None, 128)      │        98,816 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ bidirectional_1 (Bidirectional) │ (None, 128)            │        98,816 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 1)              │           129 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 2,757,761 (10.52 MB)
 Trainable params: 2,757,761 (10.52 MB)
 Non-trainable params: 0 (0.00 B)"""

ADDITION_SUMMARY = """\
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ lstm (LSTM)                     │ (None, 128)            │        72,192 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ repeat_vector (RepeatVector)    │ (None, 4, 128)         │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ lstm_1 (LSTM)                   │ (None, 4, 128)         │       131,584 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 4, 12)          │         1,548 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 205,324 (802.05 KB)
 Trainable params: 205,324 (802.05 KB)
 Non-trainable params: 0 (0.00 B)"""


class CharacterTable:
    """Given a set of characters, one-hot encode and decode them (as in the example)."""

    def __init__(self, chars):
        self.chars = sorted(set(chars))
        self.char_indices = dict((c, i) for i, c in enumerate(self.chars))
        self.indices_char = dict((i, c) for i, c in enumerate(self.chars))

    def encode(self, C, num_rows):
        x = np.zeros((num_rows, len(self.chars)))
        for i, c in enumerate(C):
            x[i, self.char_indices[c]] = 1
        return x

    def decode(self, x, calc_argmax=True):
        if calc_argmax:
            x = x.argmax(axis=-1)
        return "".join(self.indices_char[x] for x in x)


def test_addition_rnn_example():
    keras.backend.clear_session()
    TRAINING_SIZE, DIGITS, REVERSE = 300, 3, True
    MAXLEN = DIGITS + 1 + DIGITS
    chars = "0123456789+ "
    ctable = CharacterTable(chars)
    rng = np.random.default_rng(0)
    questions, expected, seen = [], [], set()
    while len(questions) < TRAINING_SIZE:
        def f():
            return int("".join(rng.choice(list("0123456789")) for i in range(rng.integers(1, DIGITS + 1))))
        a, b = f(), f()
        key = tuple(sorted((a, b)))
        if key in seen:
            continue
        seen.add(key)
        q = "{}+{}".format(a, b)
        query = q + " " * (MAXLEN - len(q))
        ans = str(a + b)
        ans += " " * (DIGITS + 1 - len(ans))
        if REVERSE:
            query = query[::-1]
        questions.append(query)
        expected.append(ans)
    x = np.zeros((len(questions), MAXLEN, len(chars)), dtype=bool)
    y = np.zeros((len(questions), DIGITS + 1, len(chars)), dtype=bool)
    for i, sentence in enumerate(questions):
        x[i] = ctable.encode(sentence, MAXLEN)
    for i, sentence in enumerate(expected):
        y[i] = ctable.encode(sentence, DIGITS + 1)
    split_at = len(x) - len(x) // 10
    (x_train, x_val), (y_train, y_val) = (x[:split_at], x[split_at:]), (y[:split_at], y[split_at:])

    model = keras.Sequential()
    model.add(layers.LSTM(128, input_shape=(MAXLEN, len(chars))))
    model.add(layers.RepeatVector(DIGITS + 1))
    model.add(layers.LSTM(128, return_sequences=True))
    model.add(layers.Dense(len(chars), activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert text.startswith('Model: "sequential"') and text.split("\n", 1)[1].strip() == ADDITION_SUMMARY
    history = model.fit(x_train, y_train, batch_size=32, epochs=1, validation_data=(x_val, y_val), verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history["accuracy"][0] > 1 / len(chars)  # better than chance: spaces and digits
    preds = np.argmax(model.predict(x_val[:1], verbose=0), axis=-1)
    assert len(ctable.decode(preds[0], calc_argmax=False)) == DIGITS + 1


def test_repeat_vector_as_keras():
    out = layers.RepeatVector(3)(np.arange(4.0, dtype=np.float32).reshape(2, 2))
    assert tuple(out.shape) == (2, 3, 2) and out.numpy()[1, 2].tolist() == [2.0, 3.0]
    with pytest.raises(ValueError, match="expected ndim=2"):
        layers.RepeatVector(3)(np.ones((2, 2, 2), np.float32))
    with pytest.raises(TypeError, match="integer value for `n`"):
        layers.RepeatVector(2.0)
    assert layers.RepeatVector(5).get_config()["n"] == 5


def test_timeseries_classification_example(tmp_path):
    keras.backend.clear_session()
    rng = np.random.default_rng(0)
    steps = np.arange(176)
    y_train = rng.integers(0, 2, 48)
    x_train = np.sin(steps[None, :] * (0.05 + 0.1 * y_train[:, None])) + 0.3 * rng.normal(size=(48, 176))
    x_test, y_test = x_train[:8], y_train[:8]
    x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
    x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))
    num_classes = len(np.unique(y_train))

    def make_model(input_shape):
        input_layer = keras.layers.Input(input_shape)
        conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(input_layer)
        conv1 = keras.layers.BatchNormalization()(conv1)
        conv1 = keras.layers.ReLU()(conv1)
        conv2 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv1)
        conv2 = keras.layers.BatchNormalization()(conv2)
        conv2 = keras.layers.ReLU()(conv2)
        conv3 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv2)
        conv3 = keras.layers.BatchNormalization()(conv3)
        conv3 = keras.layers.ReLU()(conv3)
        gap = keras.layers.GlobalAveragePooling1D()(conv3)
        output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)
        return keras.models.Model(inputs=input_layer, outputs=output_layer)

    model = make_model(input_shape=x_train.shape[1:])
    lines = []
    model.summary(print_fn=lines.append)
    assert "\n".join(lines).strip() == TIMESERIES_SUMMARY
    best = os.path.join(tmp_path, "best_model.keras")
    callbacks = [keras.callbacks.ModelCheckpoint(best, save_best_only=True, monitor="val_loss"),
                 keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=20, min_lr=0.0001),
                 keras.callbacks.EarlyStopping(monitor="val_loss", patience=50, verbose=0)]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=16, epochs=2, callbacks=callbacks, validation_split=0.25,
                        verbose=0)
    assert sorted(history.history) == ["accuracy", "learning_rate", "loss", "val_accuracy", "val_loss"]
    model = keras.models.load_model(best)
    y_pred = model.predict(x_test, verbose=0).argmax(axis=1)
    assert y_pred.shape == y_test.shape
    assert model.layers[2].moving_mean.numpy().any()  # the batch statistics were saved with the model


def test_bidirectional_lstm_imdb_example():
    keras.backend.clear_session()
    max_features, maxlen = 20000, 20
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(max_features, 128)(inputs)
    x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(64))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    lines = []
    model.summary(print_fn=lines.append)
    assert "\n".join(lines).strip() == IMDB_SUMMARY
    rng = np.random.default_rng(0)
    x_train = keras.utils.pad_sequences([rng.integers(1, max_features, rng.integers(5, 30)) for _ in range(32)],
                                        maxlen=maxlen)
    y_train = rng.integers(0, 2, 32)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=16, epochs=1, validation_data=(x_train[:8], y_train[:8]),
                        verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert np.isfinite(history.history["loss"][0])
