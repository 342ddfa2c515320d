"""A mixture density network in the manner of keras.io's
examples/keras_recipes/approximating_non_function_mappings.py (Keras 3 version), written for minidl on
noisy spirals: a plain MSE regressor with EarlyStopping on ``validation_split`` data, then a user layer
whose ``trainable_weights``/``non_trainable_weights`` properties are overridden, made of three Dense heads
(one with a custom activation) concatenated with ``layers.concatenate(..., name=...)``, and a mixture
negative log-likelihood written with ``keras.ops`` instead of TensorFlow Probability. Not a copy of the
keras.io text."""
import math
import random

import numpy as np

from minidl import keras
from minidl.keras import callbacks, layers, ops

random.seed(0)


def spiral(n, jitter=0.2):
    t = np.linspace(0, 360.0, n, endpoint=False)
    x = t / 360.0 * np.cos(t / 90.0 * math.pi) + np.array([random.uniform(-jitter, jitter) for _ in t])
    y = t / 360.0 * np.sin(t / 90.0 * math.pi) + np.array([random.uniform(-jitter, jitter) for _ in t])
    scale = lambda v: (v - v.min()) / (v.max() - v.min()) * 10 - 5  # noqa: E731
    return scale(x).astype("float32"), scale(y).astype("float32")


x, y = spiral(240)
x = np.expand_dims(x, axis=1)
plain = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(1)])
plain.compile(optimizer="adam", loss="mse")
plain.fit(x, y, epochs=2, batch_size=64, validation_split=0.15, verbose=0,
          callbacks=[callbacks.EarlyStopping(monitor="val_loss", patience=5)])
print("plain predictions:", plain.predict(x, verbose=0).shape)


def positive(v):
    return keras.activations.elu(v) + 1 + keras.backend.epsilon()


class MixtureOutput(layers.Layer):
    def __init__(self, output_dim, mixtures, **kwargs):
        super().__init__(**kwargs)
        self.output_dim, self.mixtures = output_dim, mixtures
        self.mus = layers.Dense(mixtures * output_dim, name="mdn_mus")
        self.sigmas = layers.Dense(mixtures * output_dim, activation=positive, name="mdn_sigmas")
        self.pi = layers.Dense(mixtures, name="mdn_pi")

    def build(self, input_shape):
        for head in (self.mus, self.sigmas, self.pi):
            head.build(input_shape)
        super().build(input_shape)

    @property
    def trainable_weights(self):
        return self.mus.trainable_weights + self.sigmas.trainable_weights + self.pi.trainable_weights

    @property
    def non_trainable_weights(self):
        return self.mus.non_trainable_weights + self.sigmas.non_trainable_weights + self.pi.non_trainable_weights

    def call(self, x, mask=None):
        return layers.concatenate([self.mus(x), self.sigmas(x), self.pi(x)], name="mdn_outputs")


mixtures = 4
network = keras.Sequential([layers.Dense(32, activation="relu"), MixtureOutput(1, mixtures)])


def mixture_nll(y_true, y_pred):
    y_pred = ops.reshape(y_pred, [-1, 3 * mixtures])
    y_true = ops.reshape(y_true, [-1, 1])
    mu, sigma, pi_logits = ops.split(y_pred, [mixtures, 2 * mixtures], axis=-1)
    log_density = -0.5 * ops.square((y_true - mu) / sigma) - ops.log(sigma) - 0.5 * math.log(2 * math.pi)
    return ops.mean(-ops.logsumexp(ops.log_softmax(pi_logits, axis=-1) + log_density, axis=-1))


network.compile(loss=mixture_nll, optimizer="adam")
history = network.fit(x, y, epochs=2, batch_size=64, validation_split=0.15, verbose=0,
                      callbacks=[callbacks.EarlyStopping(monitor="loss", patience=10, restore_best_weights=True),
                                 callbacks.ReduceLROnPlateau(monitor="loss", patience=5)])
print("logged:", sorted(history.history))
print("mixture parameters:", network.predict(x, verbose=0).shape)
print("trainable weights:", len(network.layers[-1].trainable_weights), len(network.trainable_weights))
