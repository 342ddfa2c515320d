"""A siamese network with a contrastive loss in the manner of keras.io's
examples/vision/siamese_contrastive.py (Keras 3 version), written for minidl on random 28x28 "digits":
one embedding model called on two inputs (a shared tower), a ``Lambda`` Euclidean distance with
``output_shape``, BatchNormalization, a closure loss built from ``keras.ops``, (N, 28, 28) arrays fed to
``Input((28, 28, 1))`` towers, and the summary's "Connected to" column. Not a copy of the keras.io text."""
import random

import numpy as np

from minidl import keras
from minidl.keras import layers, ops

random.seed(0)
rng = np.random.default_rng(0)
digits = rng.integers(0, 255, (80, 28, 28)).astype("float32")
labels = np.arange(80) % 10


def pair_up(x, y):
    """Each image with one image of its class (label 0) and one of another class (label 1)."""
    by_class = [np.flatnonzero(y == c) for c in range(10)]
    pairs, targets = [], []
    for i in range(len(x)):
        other = random.choice([c for c in range(10) if c != y[i]])
        pairs += [[x[i], x[random.choice(by_class[y[i]])]], [x[i], x[random.choice(by_class[other])]]]
        targets += [0, 1]
    return np.array(pairs), np.array(targets, dtype="float32")


pairs, targets = pair_up(digits, labels)
train_pairs, val_pairs = pairs[:120], pairs[120:]
train_targets, val_targets = targets[:120], targets[120:]


def euclidean(vectors):
    a, b = vectors
    squared = ops.sum(ops.square(a - b), axis=1, keepdims=True)
    return ops.sqrt(ops.maximum(squared, keras.backend.epsilon()))


tower_in = keras.Input((28, 28, 1))
x = layers.BatchNormalization()(tower_in)
x = layers.Conv2D(4, 5, activation="tanh")(x)
x = layers.AveragePooling2D(2)(x)
x = layers.Flatten()(x)
x = layers.Dense(10, activation="tanh")(x)
tower = keras.Model(tower_in, x)

left, right = keras.Input((28, 28, 1)), keras.Input((28, 28, 1))
distance = layers.Lambda(euclidean, output_shape=(1,))([tower(left), tower(right)])
score = layers.Dense(1, activation="sigmoid")(layers.BatchNormalization()(distance))
siamese = keras.Model(inputs=[left, right], outputs=score)


def contrastive(margin=1):
    def loss(y_true, y_pred):
        return ops.mean((1 - y_true) * ops.square(y_pred) + y_true * ops.square(ops.maximum(margin - y_pred, 0)))
    return loss


siamese.compile(loss=contrastive(margin=1), optimizer="RMSprop", metrics=["accuracy"])
siamese.summary()
history = siamese.fit([train_pairs[:, 0], train_pairs[:, 1]], train_targets, batch_size=16, epochs=2,
                      validation_data=([val_pairs[:, 0], val_pairs[:, 1]], val_targets), verbose=2)
print("logged:", sorted(history.history))
print("test loss, test acc:", siamese.evaluate([val_pairs[:, 0], val_pairs[:, 1]], val_targets, verbose=0))
print("predictions:", siamese.predict([val_pairs[:, 0], val_pairs[:, 1]], verbose=0).shape)
