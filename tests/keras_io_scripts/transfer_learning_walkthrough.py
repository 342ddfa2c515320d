"""Freezing and fine-tuning in the manner of keras.io's guides/transfer_learning.py (Keras 3 version),
written for minidl on small random images: the ``trainable`` attribute (weights moving between
trainable and non-trainable, recursion into nested models, frozen weights unchanged by ``fit``),
``Resizing``/``RandomFlip``/``RandomRotation`` mapped over a dataset of single (H, W, C) images, a frozen
base model (``keras.applications.MobileNetV2(weights=None)``) called with ``training=False`` under a
``Rescaling`` layer, ``summary(show_trainable=True)`` before and after unfreezing, and a fine-tuning fit
after recompiling. Not a copy of the keras.io text."""
import numpy as np

from minidl import keras
from minidl.keras import layers
from minidl.keras.dataset import AUTOTUNE, Dataset

dense = layers.Dense(3)
dense.build((None, 4))
dense.trainable = False
print("frozen dense:", len(dense.weights), len(dense.trainable_weights), len(dense.non_trainable_weights))
norm = layers.BatchNormalization()
norm.build((None, 4))
print("batch norm:", len(norm.weights), len(norm.trainable_weights), len(norm.non_trainable_weights))

first, second = layers.Dense(3, activation="relu"), layers.Dense(3, activation="sigmoid")
small = keras.Sequential([keras.Input(shape=(3,)), first, second])
first.trainable = False
before = first.get_weights()
small.compile(optimizer="adam", loss="mse")
small.fit(np.random.random((4, 3)), np.random.random((4, 3)), verbose=0)
print("frozen layer unchanged:", all(np.array_equal(a, b) for a, b in zip(before, first.get_weights())))
inner = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(3), layers.Dense(3)])
outer = keras.Sequential([keras.Input(shape=(3,)), inner, layers.Dense(3)])
outer.trainable = False
print("recursive:", inner.trainable, inner.layers[0].trainable)

rng = np.random.default_rng(0)
images = rng.integers(0, 255, (12, 40, 44, 3)).astype("uint8")
labels = rng.integers(0, 2, 12)
size = 32
resize = layers.Resizing(size, size)
augmenters = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)]


def augment(image):
    for augmenter in augmenters:
        image = augmenter(image)
    return image


train_ds = Dataset.from_tensor_slices((images[:8], labels[:8])).map(lambda x, y: (resize(x), y))
train_ds = train_ds.map(lambda x, y: (augment(x), y)).batch(4).prefetch(AUTOTUNE).cache()
val_ds = Dataset.from_tensor_slices((images[8:], labels[8:])).map(lambda x, y: (resize(x), y)).batch(4)
for batch_images, _ in train_ds.take(1):
    print("augmented batch:", tuple(batch_images.shape))

base = keras.applications.MobileNetV2(weights=None, input_shape=(size, size, 3), include_top=False, alpha=0.35)
base.trainable = False
inputs = keras.Input(shape=(size, size, 3))
x = base(layers.Rescaling(scale=1 / 127.5, offset=-1)(inputs), training=False)
x = layers.Dropout(0.2)(layers.GlobalAveragePooling2D()(x))
model = keras.Model(inputs, layers.Dense(1)(x))
model.summary(show_trainable=True)
model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.BinaryCrossentropy(from_logits=True),
              metrics=[keras.metrics.BinaryAccuracy()])
model.fit(train_ds, epochs=1, validation_data=val_ds, verbose=2)
base.trainable = True
model.summary(show_trainable=True)
model.compile(optimizer=keras.optimizers.Adam(1e-5), loss=keras.losses.BinaryCrossentropy(from_logits=True),
              metrics=[keras.metrics.BinaryAccuracy()])
model.fit(train_ds, epochs=1, validation_data=val_ds, verbose=2)
print("evaluate:", len(model.evaluate(val_ds, verbose=0)))
