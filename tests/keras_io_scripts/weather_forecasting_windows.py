"""Time-series forecasting in the manner of keras.io's examples/timeseries/timeseries_weather_forecasting.py
(Keras 3 version), written for minidl on a random 7-feature series held in NumPy (no pandas): per-feature
normalisation, ``keras.preprocessing.timeseries_dataset_from_array`` windows sampled every ``step`` rows for
training and validation, an LSTM regressor, EarlyStopping and a ``ModelCheckpoint`` of the best weights
(``.weights.h5``) with ``verbose=1``. Not a copy of the keras.io text."""
import numpy as np

from minidl import keras

rng = np.random.default_rng(0)
series = rng.random((1400, 7)).astype("float32")
train_rows = int(0.715 * len(series))
series = (series - series[:train_rows].mean(axis=0)) / series[:train_rows].std(axis=0)
step, past, future, batch_size = 6, 120, 12, 32
window = past // step

start = past + future
x_train = series[: train_rows - 1]
y_train = series[start:start + train_rows][:, 1]
train_ds = keras.preprocessing.timeseries_dataset_from_array(x_train, y_train, sequence_length=window,
                                                             sampling_rate=step, batch_size=batch_size)
validation = series[train_rows:]
x_val = validation[: len(validation) - past - future]
y_val = series[train_rows + past + future:][:, 1]
val_ds = keras.preprocessing.timeseries_dataset_from_array(x_val, y_val, sequence_length=window, sampling_rate=step,
                                                           batch_size=batch_size)
for inputs, targets in train_ds.take(1):
    print("input batch:", tuple(inputs.numpy().shape), "target batch:", tuple(targets.numpy().shape))

series_in = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
model = keras.Model(series_in, keras.layers.Dense(1)(keras.layers.LSTM(16)(series_in)))
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
model.summary()
checkpoint = keras.callbacks.ModelCheckpoint(monitor="val_loss", filepath="best.weights.h5", verbose=1,
                                             save_weights_only=True, save_best_only=True)
history = model.fit(train_ds, epochs=2, validation_data=val_ds,
                    callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5), checkpoint])
print("epochs run:", len(history.history["loss"]))
model.load_weights("best.weights.h5")
for inputs, targets in val_ds.take(1):
    print("one forecast:", model.predict(inputs, verbose=0)[0].shape)
