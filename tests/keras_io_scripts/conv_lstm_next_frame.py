"""Next-frame prediction in the manner of keras.io's examples/vision/conv_lstm.py (Keras 3 version),
written for minidl on random 10x10 "movies": an ``Input(shape=(None, H, W, 1))`` of any length, stacked
``ConvLSTM2D(return_sequences=True)`` with BatchNormalization, a ``Conv3D`` sigmoid output, EarlyStopping
and ReduceLROnPlateau on the validation loss, then frames predicted one after another. Not a copy of the
keras.io text."""
import numpy as np

from minidl import keras
from minidl.keras import layers

rng = np.random.default_rng(0)
movies = np.expand_dims(rng.integers(0, 255, (6, 6, 10, 10)), -1) / 255  # (samples, frames, h, w, 1)
train, val = movies[:4], movies[4:]


def shifted(data):
    return data[:, :-1], data[:, 1:]


x_train, y_train = shifted(train)
x_val, y_val = shifted(val)
print("training shapes:", x_train.shape, y_train.shape)

frames_in = layers.Input(shape=(None, *x_train.shape[2:]))
x = layers.ConvLSTM2D(filters=4, kernel_size=(3, 3), padding="same", return_sequences=True, activation="relu")(frames_in)
x = layers.BatchNormalization()(x)
x = layers.ConvLSTM2D(filters=4, kernel_size=(1, 1), padding="same", return_sequences=True, activation="relu")(x)
frames_out = layers.Conv3D(filters=1, kernel_size=(3, 3, 3), activation="sigmoid", padding="same")(x)
model = keras.models.Model(frames_in, frames_out)
model.compile(loss=keras.losses.binary_crossentropy, optimizer=keras.optimizers.Adam())
model.summary()
callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=10),
             keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=5)]
history = model.fit(x_train, y_train, batch_size=2, epochs=2, validation_data=(x_val, y_val), callbacks=callbacks,
                    verbose=2)
print("logged:", sorted(history.history))
frames = val[0][:3]
for _ in range(2):
    predicted = np.squeeze(model.predict(np.expand_dims(frames, 0), verbose=0), 0)
    frames = np.concatenate((frames, predicted[-1:]), axis=0)
print("extended movie:", frames.shape)
