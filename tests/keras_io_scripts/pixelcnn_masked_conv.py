"""A PixelCNN in the manner of keras.io's examples/generative/pixelcnn.py (Keras 3 version), written for
minidl on random binary images: a ``Conv2D`` wrapped in a layer that masks its kernel with
``self.conv.kernel.assign(...)`` before each call, residual blocks of such layers, and MNIST-shaped data
of shape (N, H, W) fed to an ``Input((H, W, 1))`` model (Keras adds the channel axis), then pixel-by-pixel
sampling and ``keras.utils.save_img``. Not a copy of the keras.io text: same API calls, own code."""
import numpy as np

from minidl import keras
from minidl.keras import layers, ops

rng = np.random.default_rng(0)
images = (rng.random((48, 10, 10)) > 0.6).astype("float32")  # stand-in for thresholded MNIST


class MaskedConv(layers.Layer):
    """A convolution that only sees pixels above and to the left ("A": not the centre, "B": with it)."""

    def __init__(self, mask_type, **conv_args):
        super().__init__()
        self.mask_type = mask_type
        self.conv = layers.Conv2D(**conv_args)

    def build(self, input_shape):
        self.conv.build(input_shape)
        kh, kw = ops.shape(self.conv.kernel)[:2]
        self.mask = np.zeros(ops.shape(self.conv.kernel))
        self.mask[: kh // 2] = 1.0
        self.mask[kh // 2, : kw // 2] = 1.0
        if self.mask_type == "B":
            self.mask[kh // 2, kw // 2] = 1.0

    def call(self, inputs):
        self.conv.kernel.assign(self.conv.kernel * self.mask)
        return self.conv(inputs)


class Residual(layers.Layer):
    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.squeeze = layers.Conv2D(filters // 2, 1, activation="relu")
        self.masked = MaskedConv("B", filters=filters // 2, kernel_size=3, padding="same", activation="relu")
        self.expand = layers.Conv2D(filters, 1, activation="relu")

    def call(self, inputs):
        x = self.expand(self.masked(self.squeeze(layers.ReLU()(inputs))))
        return layers.add([inputs, x])


inputs = keras.Input(shape=(10, 10, 1))
x = MaskedConv("A", filters=16, kernel_size=5, padding="same", activation="relu")(inputs)
x = Residual(16)(x)
x = MaskedConv("B", filters=16, kernel_size=1, activation="relu")(x)
outputs = layers.Conv2D(1, 1, activation="sigmoid")(x)
pixel_cnn = keras.Model(inputs, outputs)
pixel_cnn.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy")
pixel_cnn.summary()
history = pixel_cnn.fit(images, images, batch_size=16, epochs=2, validation_split=0.25, verbose=2)

kernel = ops.convert_to_numpy(pixel_cnn.layers[1].conv.kernel)
print("masked weights are zero:", bool(np.all(kernel[3:] == 0) and np.all(kernel[2, 2:] == 0)))
canvas = np.zeros((2,) + pixel_cnn.input_shape[1:])
for row in range(2):
    for col in range(canvas.shape[2]):
        probs = pixel_cnn.predict(canvas, verbose=0)[:, row, col, 0]
        canvas[:, row, col, 0] = rng.random(2) < probs
for i, picture in enumerate(canvas):
    rgb = np.repeat(picture, 3, axis=-1) * 255.0
    keras.utils.save_img(f"generated_{i}.png", rgb.astype("uint8"))
print("sampled:", canvas.shape)
