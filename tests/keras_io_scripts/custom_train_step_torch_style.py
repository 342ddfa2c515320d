"""Overriding ``train_step``/``test_step`` in the manner of keras.io's guides/custom_train_step_in_torch.py,
written for minidl with ``minidl`` in the role of ``torch`` (minidl's autograd is PyTorch's): a model
whose ``train_step`` calls ``self.zero_grad()``, ``self.compute_loss``, ``loss.backward()``, reads
``v.value.grad`` and calls ``self.optimizer.apply`` under ``no_grad``; one with its own metric trackers
listed in ``metrics``; sample weights; a custom ``test_step``; and a small GAN with two optimizers trained
from a ``minidl.utils.data.DataLoader``. Not a copy of the keras.io text."""
import numpy as np

import minidl as torch
from minidl import keras
from minidl.keras import layers

rng = np.random.default_rng(0)
x, y = rng.random((64, 8)), rng.random((64, 1))


def apply_gradients(model, optimizer, weights):
    gradients = [v.value.grad for v in weights]
    with torch.no_grad():
        optimizer.apply(gradients, weights)


class CompiledLossModel(keras.Model):
    def train_step(self, data):
        inputs, targets = data[0], data[1]
        sample_weight = data[2] if len(data) == 3 else None
        self.zero_grad()
        predictions = self(inputs, training=True)
        loss = self.compute_loss(y=targets, y_pred=predictions, sample_weight=sample_weight)
        loss.backward()
        apply_gradients(self, self.optimizer, list(self.trainable_weights))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(targets, predictions, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        inputs, targets = data
        predictions = self(inputs, training=False)
        loss = self.compute_loss(y=targets, y_pred=predictions)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(targets, predictions)
        return {m.name: m.result() for m in self.metrics}


inputs = keras.Input(shape=(8,))
model = CompiledLossModel(inputs, layers.Dense(1)(inputs))
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
print("metrics:", [m.name for m in model.metrics])
first = model.fit(x, y, epochs=3, verbose=0)
print("compiled-loss history:", sorted(first.history), len(first.history["loss"]))
weighted = model.fit(x, y, sample_weight=rng.random((64, 1)), epochs=1, verbose=0)
print("weighted history:", sorted(weighted.history))
print("evaluate:", len(model.evaluate(x, y, verbose=0)))


class OwnTrackers(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_tracker = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_tracker]

    def train_step(self, data):
        inputs, targets = data
        self.zero_grad()
        predictions = self(inputs, training=True)
        loss = self.loss_fn(targets, predictions)
        loss.backward()
        apply_gradients(self, self.optimizer, list(self.trainable_weights))
        self.loss_tracker.update_state(loss)
        self.mae_tracker.update_state(targets, predictions)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_tracker.result()}


inputs = keras.Input(shape=(8,))
own = OwnTrackers(inputs, layers.Dense(1)(inputs))
own.compile(optimizer="adam")
losses = own.fit(x, y, epochs=4, verbose=0).history["loss"]
print("own-tracker losses decrease:", losses[-1] < losses[0])

latent_dim = 8
discriminator = keras.Sequential([keras.Input(shape=(12, 12, 1)), layers.Conv2D(8, 3, strides=2, padding="same"),
                                  layers.LeakyReLU(negative_slope=0.2), layers.GlobalMaxPooling2D(), layers.Dense(1)],
                                 name="discriminator")
generator = keras.Sequential([keras.Input(shape=(latent_dim,)), layers.Dense(3 * 3 * 8),
                              layers.LeakyReLU(negative_slope=0.2), layers.Reshape((3, 3, 8)),
                              layers.Conv2DTranspose(8, 4, strides=2, padding="same"),
                              layers.LeakyReLU(negative_slope=0.2),
                              layers.Conv2DTranspose(8, 4, strides=2, padding="same"),
                              layers.Conv2D(1, 3, padding="same", activation="sigmoid")], name="generator")


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.built = True

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        batch_size = real_images.shape[0]
        noise = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        combined = torch.concat([self.generator(noise), torch.tensor(real_images)], axis=0)
        labels = torch.concat([torch.ones((batch_size, 1)), torch.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * keras.random.uniform(labels.shape, seed=self.seed_generator)
        self.zero_grad()
        d_loss = self.loss_fn(labels, self.discriminator(combined))
        d_loss.backward()
        apply_gradients(self, self.d_optimizer, self.discriminator.trainable_weights)
        noise = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        self.zero_grad()
        g_loss = self.loss_fn(torch.zeros((batch_size, 1)), self.discriminator(self.generator(noise)))
        g_loss.backward()
        apply_gradients(self, self.g_optimizer, self.generator.trainable_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


images = rng.random((32, 12, 12, 1)).astype("float32")
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(images)),
                                     batch_size=16, shuffle=True)
gan = GAN(discriminator, generator, latent_dim)
gan.compile(d_optimizer=keras.optimizers.Adam(3e-4), g_optimizer=keras.optimizers.Adam(3e-4),
            loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
print("gan history:", sorted(gan.fit(loader, epochs=1, verbose=0).history))
