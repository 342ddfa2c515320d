"""
A tf.keras 2.x-era script: the keras.io "Simple MNIST convnet" model (keras-io/examples/vision/
mnist_convnet.py) trained on CIFAR-10 with real-time augmentation by `ImageDataGenerator`, with the
two training loops of tf.keras 2.x's `ImageDataGenerator` docstring ("Example of using `.flow(x, y)`",
tensorflow/keras/preprocessing/image.py, Apache License 2.0), code as published.

Keras 3 has no `ImageDataGenerator` in its public API (it kept it as keras.src.legacy) and its `fit`
rejects the docstring's float `steps_per_epoch=len(x_train) / 32` (TypeError); minidl.keras keeps
both for scripts of that era. Edits, all on import lines:
- `from tensorflow import keras` -> `from minidl import keras`;
  `from tensorflow.keras import layers, utils` -> `from minidl.keras import layers, utils`
- `from tensorflow.keras.datasets import cifar10` -> `from minidl.keras.datasets import cifar10`
- `from tensorflow.keras.preprocessing.image import ImageDataGenerator` ->
  `from minidl.keras.preprocessing.image import ImageDataGenerator`
"""
import numpy as np
from minidl import keras
from minidl.keras import layers, utils
from minidl.keras.datasets import cifar10
from minidl.keras.preprocessing.image import ImageDataGenerator

# Model / data parameters (mnist_convnet, for CIFAR-10's 32x32 RGB images)
num_classes = 10
input_shape = (32, 32, 3)
epochs = 15

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

# The ImageDataGenerator docstring's example of using `.flow(x, y)`:
(x_train, y_train), (x_test, y_test) = cifar10.load_data()
y_train = utils.to_categorical(y_train, num_classes)
y_test = utils.to_categorical(y_test, num_classes)
datagen = ImageDataGenerator(
    featurewise_center=True,
    featurewise_std_normalization=True,
    rotation_range=20,
    width_shift_range=0.2,
    height_shift_range=0.2,
    horizontal_flip=True,
    validation_split=0.2)
# compute quantities required for featurewise normalization
# (std, mean, and principal components if ZCA whitening is applied)
datagen.fit(x_train)
# fits the model on batches with real-time data augmentation:
model.fit(datagen.flow(x_train, y_train, batch_size=32,
         subset='training'),
         validation_data=datagen.flow(x_train, y_train,
         batch_size=8, subset='validation'),
         steps_per_epoch=len(x_train) / 32, epochs=epochs)
# here's a more "manual" example
for e in range(epochs):
    print('Epoch', e)
    batches = 0
    for x_batch, y_batch in datagen.flow(x_train, y_train, batch_size=32):
        model.fit(x_batch, y_batch)
        batches += 1
        if batches >= len(x_train) / 32:
            # we need to break the loop by hand because
            # the generator loops indefinitely
            break

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
