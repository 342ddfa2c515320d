"""Custom callbacks in the manner of keras.io's guides/writing_your_own_callbacks.py (Keras 3 version),
written for minidl on random data: a callback printing the keys of ``logs`` at every hook of ``fit``,
``evaluate`` and ``predict``, one printing the running loss, an early stop at the minimum loss with
``get_weights``/``set_weights``, and a learning-rate schedule setting ``model.optimizer.learning_rate``.
Not a copy of the keras.io text."""
import numpy as np

from minidl import keras

rng = np.random.default_rng(0)
x = rng.random((200, 16)).astype("float32")
y = rng.integers(0, 10, 200).astype("float32")


def make_model():
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.1), loss="mean_squared_error",
                  metrics=["mean_absolute_error"])
    return model


class KeyPrinter(keras.callbacks.Callback):
    def _show(self, what, logs):
        print(f"{what}: {sorted(logs or {})}")

    def on_train_begin(self, logs=None):
        self._show("train begin", logs)

    def on_epoch_end(self, epoch, logs=None):
        self._show(f"epoch {epoch} end", logs)

    def on_train_batch_end(self, batch, logs=None):
        self._show(f"train batch {batch} end", logs)

    def on_test_batch_end(self, batch, logs=None):
        self._show(f"test batch {batch} end", logs)

    def on_test_end(self, logs=None):
        self._show("test end", logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._show(f"predict batch {batch} end", logs)

    def on_train_end(self, logs=None):
        self._show("train end", logs)


model = make_model()
model.fit(x, y, batch_size=64, epochs=1, verbose=0, validation_split=0.5, callbacks=[KeyPrinter()])
model.evaluate(x, y, batch_size=128, verbose=0, callbacks=[KeyPrinter()])
model.predict(x, batch_size=128, verbose=0, callbacks=[KeyPrinter()])


class StopAtMinimum(keras.callbacks.Callback):
    def __init__(self, patience=0):
        super().__init__()
        self.patience = patience

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best, self.best_weights = 0, 0, np.inf, None

    def on_epoch_end(self, epoch, logs=None):
        if logs["loss"] < self.best:
            self.best, self.wait, self.best_weights = logs["loss"], 0, self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        print("stopped at epoch", self.stopped_epoch + 1 if self.stopped_epoch else None)


class Schedule(keras.callbacks.Callback):
    def __init__(self, plan):
        super().__init__()
        self.plan = plan

    def on_epoch_begin(self, epoch, logs=None):
        rate = self.plan.get(epoch, float(self.model.optimizer.learning_rate))
        self.model.optimizer.learning_rate = rate
        print(f"epoch {epoch}: learning rate {float(np.array(rate)):.3f}")


model = make_model()
model.fit(x, y, batch_size=64, epochs=8, verbose=0, callbacks=[StopAtMinimum(patience=1)])
model = make_model()
model.fit(x, y, batch_size=64, epochs=4, verbose=0, callbacks=[Schedule({1: 0.05, 3: 0.01})])
