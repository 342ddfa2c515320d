"""Metric learning in the manner of keras.io's examples/vision/metric_learning.py, written for minidl on
random 16x16 images with its ``train_step`` in PyTorch style (``minidl`` as ``torch``): a
``keras.utils.Sequence`` yielding (2, classes, H, W, C) anchor/positive batches without targets, a
functional embedding model ending in ``UnitNormalization``, similarities from ``ops.einsum`` used as
logits against ``ops.arange`` labels through ``self.compute_loss``, and nearest neighbours from
``predict``. Not a copy of the keras.io text."""
import random
from collections import defaultdict

import numpy as np

import minidl as torch
from minidl import keras
from minidl.keras import layers, ops

random.seed(0)
rng = np.random.default_rng(0)
classes, size = 5, 16
images = rng.random((60, size, size, 3)).astype("float32")
labels = np.arange(60) % classes
by_class = defaultdict(list)
for i, label in enumerate(labels):
    by_class[label].append(i)


class AnchorPositivePairs(keras.utils.Sequence):
    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return self.batches

    def __getitem__(self, index):
        batch = np.empty((2, classes, size, size, 3), dtype=np.float32)
        for c in range(classes):
            anchor, positive = random.sample(by_class[c], 2)
            batch[0, c], batch[1, c] = images[anchor], images[positive]
        return batch


print("one batch:", next(iter(AnchorPositivePairs(1))).shape)


class EmbeddingModel(keras.Model):
    def train_step(self, data):
        if isinstance(data, tuple):
            data = data[0]
        self.zero_grad()
        anchors, positives = self(data[0], training=True), self(data[1], training=True)
        similarities = ops.einsum("ae,pe->ap", anchors, positives) / 0.2
        targets = ops.arange(classes)
        loss = self.compute_loss(y=targets, y_pred=similarities)
        loss.backward()
        weights = list(self.trainable_weights)
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in weights], weights)
        for metric in self.metrics:
            metric.update_state(loss) if metric.name == "loss" else metric.update_state(targets, similarities)
        return {m.name: m.result() for m in self.metrics}


inputs = layers.Input(shape=(size, size, 3))
x = layers.Conv2D(8, 3, strides=2, activation="relu")(inputs)
x = layers.GlobalAveragePooling2D()(layers.Conv2D(16, 3, strides=2, activation="relu")(x))
model = EmbeddingModel(inputs, layers.UnitNormalization()(layers.Dense(8)(x)))
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
history = model.fit(AnchorPositivePairs(4), epochs=2, verbose=0)
print("logged:", sorted(history.history), len(history.history["loss"]))
embeddings = model.predict(images[:20], verbose=0)
neighbours = np.argsort(embeddings @ embeddings.T)[:, -4:]
print("unit norm:", bool(np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-5)), neighbours.shape)
