"""User ``train_step`` / ``test_step`` / ``predict_step`` overrides, ``Model.metrics`` and
``optimizer.apply``: keras.io's "Customizing what happens in fit() with PyTorch" guide, with ``minidl``
as ``torch`` (minidl's autograd is PyTorch's: ``self.zero_grad()``, ``loss.backward()``,
``v.value.grad``). Before, ``fit`` ignored an overridden ``train_step`` and models had no ``metrics``."""
import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.keras import layers


def _guide_train_step(self, data):
    """The guide's first train_step, verbatim apart from ``torch`` -> ``minidl``."""
    x, y = data
    self.zero_grad()
    y_pred = self(x, training=True)
    loss = self.compute_loss(y=y, y_pred=y_pred)
    loss.backward()
    trainable_weights = [v for v in self.trainable_weights]
    gradients = [v.value.grad for v in trainable_weights]
    with minidl.no_grad():
        self.optimizer.apply(gradients, trainable_weights)
    for metric in self.metrics:
        if metric.name == "loss":
            metric.update_state(loss)
        else:
            metric.update_state(y, y_pred)
    return {m.name: m.result() for m in self.metrics}


def _convnet(model_class):
    inputs = keras.Input((6, 6, 2))
    x = layers.Conv2D(3, 3, activation="relu")(inputs)
    x = layers.Flatten()(x)
    return model_class(inputs, layers.Dense(1)(x))


def test_custom_train_step_trains_as_the_built_in_step():
    """With SGD, no shuffling and the compiled loss, the guide's step gives the built-in fit's weights
    and logs (the Conv2D kernel is a layout view: its ``value.grad`` is in Keras' layout)."""
    class CustomModel(keras.Model):
        train_step = _guide_train_step

    rng = np.random.default_rng(0)
    x, y = rng.random((12, 6, 6, 2)), rng.random((12, 1))
    keras.utils.set_random_seed(1)
    builtin = _convnet(keras.Model)
    custom = _convnet(CustomModel)
    custom.set_weights(builtin.get_weights())
    for model in (builtin, custom):
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    assert [m.name for m in custom.metrics] == ["loss", "compile_metrics"]
    h_builtin = builtin.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    h_custom = custom.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(builtin.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert sorted(h_custom.history) == ["loss", "mae"]
    np.testing.assert_allclose(h_custom.history["loss"], h_builtin.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(h_custom.history["mae"], h_builtin.history["mae"], rtol=1e-5)


def test_own_metrics_are_reset_each_epoch_and_sample_weights_reach_the_step():
    """The guide's lower-level model lists its own trackers in ``metrics`` (reset at each epoch start);
    ``fit(sample_weight=...)`` hands ``(x, y, sample_weight)`` to the step, as Tensors (float32)."""
    seen = []

    class CustomModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.batches = keras.metrics.Sum(name="batches")

        def train_step(self, data):
            x, y, sample_weight = data
            seen.append((type(x).__name__, str(x.dtype), tuple(sample_weight.shape)))
            self.zero_grad()
            loss = keras.losses.MeanSquaredError()(y, self(x, training=True), sample_weight)
            loss.backward()
            with minidl.no_grad():
                self.optimizer.apply([v.value.grad for v in self.trainable_weights], self.trainable_weights)
            self.loss_tracker.update_state(loss)
            self.batches.update_state(1.0)
            return {"loss": self.loss_tracker.result(), "batches": self.batches.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.batches]

    inputs = keras.Input((3,))
    model = CustomModel(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="adam")
    rng = np.random.default_rng(0)
    history = model.fit(rng.random((10, 3)), rng.random((10, 1)), sample_weight=rng.random(10), batch_size=4,
                        epochs=2, verbose=0)
    assert history.history["batches"] == [3.0, 3.0]
    assert seen[0] == ("Tensor", "minidl.float32", (4,))


def test_custom_test_and_predict_steps():
    """``evaluate`` runs the ``test_step`` override (and returns its values in ``metrics`` order);
    ``predict`` concatenates the ``predict_step`` override's outputs."""
    class CustomModel(keras.Model):
        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def predict_step(self, data):
            return {"doubled": 2 * self(data, training=False)}

    inputs = keras.Input((3,))
    model = CustomModel(inputs, layers.Dense(1)(inputs))
    model.compile(loss="mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    x, y = rng.random((10, 3)).astype("float32"), rng.random((10, 1)).astype("float32")
    predictions = np.asarray(model(x))
    loss, mae = model.evaluate(x, y, batch_size=10, verbose=0)
    np.testing.assert_allclose(loss, np.mean((predictions - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(mae, np.mean(np.abs(predictions - y)), rtol=1e-5)
    assert model.evaluate(x, y, batch_size=10, verbose=0, return_dict=True).keys() == {"loss", "mae"}
    out = model.predict(x, batch_size=4, verbose=0)
    np.testing.assert_allclose(out["doubled"], 2 * predictions, rtol=1e-6)


def test_gan_with_two_optimizers_updates_only_the_variables_given():
    """The guide's GAN: ``d_optimizer.apply(grads, discriminator.trainable_weights)`` changes the
    discriminator alone, although both sub-models hold gradients at that point."""
    discriminator = keras.Sequential([keras.Input((4,)), layers.Dense(1)], name="discriminator")
    generator = keras.Sequential([keras.Input((2,)), layers.Dense(4)], name="generator")
    d_optimizer = keras.optimizers.SGD(0.1)
    generator_before = [w.copy() for w in generator.get_weights()]
    latent = minidl.tensor(np.ones((3, 2), "float32"))
    loss = discriminator(generator(latent)).sum()
    loss.backward()
    assert all(v.value.grad is not None for v in generator.trainable_weights)
    with minidl.no_grad():
        d_optimizer.apply([v.value.grad for v in discriminator.trainable_weights], discriminator.trainable_weights)
    for before, after in zip(generator_before, generator.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert d_optimizer.iterations == 1
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        d_optimizer.apply([None, None], discriminator.trainable_weights[:1])


def test_compute_metrics_get_metrics_result_and_super_train_step():
    """Keras 3's ``compute_metrics(x, y, y_pred, sample_weight)`` / ``get_metrics_result()`` (the
    compiled metrics merged into one dict) and ``super().train_step(data)`` from an override."""
    calls = []

    class CustomModel(keras.Model):
        def train_step(self, data):
            calls.append(len(data))
            return super().train_step(data)

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            return self.compute_metrics(x, y, y_pred)

    inputs = keras.Input((3,))
    model = CustomModel(inputs, layers.Dense(2, activation="softmax")(inputs))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 3)), np.arange(8) % 2
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert calls == [2, 2, 2, 2] and sorted(history.history) == ["accuracy", "loss"]
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    expected = np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y)
    np.testing.assert_allclose(logs["accuracy"], expected)
    assert set(model.get_metrics_result()) == {"loss", "accuracy"}
