"""A training loop written from scratch in the manner of keras.io's
guides/writing_a_custom_training_loop_in_torch.py, written for minidl with ``minidl`` in the role of
``torch``: a Keras functional model fed from a ``minidl.utils.data.DataLoader``, trained once with a
``minidl.optim.Adam`` and ``minidl.nn.CrossEntropyLoss``, once with a Keras optimizer's ``apply`` and a
Keras loss, with ``CategoricalAccuracy`` metrics and a layer's ``add_loss``. Not a copy of the keras.io text."""
import numpy as np

import minidl as torch
from minidl import keras


def make_model():
    inputs = keras.Input(shape=(64,), name="digits")
    x = keras.layers.Dense(32, activation="relu")(inputs)
    return keras.Model(inputs=inputs, outputs=keras.layers.Dense(10, name="predictions")(x))


rng = np.random.default_rng(0)
x_all = rng.random((160, 64)).astype("float32")
y_all = keras.utils.to_categorical(rng.integers(0, 10, 160))
train = torch.utils.data.TensorDataset(torch.from_numpy(x_all[:128]), torch.from_numpy(y_all[:128]))
val = torch.utils.data.TensorDataset(torch.from_numpy(x_all[128:]), torch.from_numpy(y_all[128:]))
train_loader = torch.utils.data.DataLoader(train, batch_size=32, shuffle=True)
val_loader = torch.utils.data.DataLoader(val, batch_size=32, shuffle=False)

model = make_model()
torch_optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
torch_loss = torch.nn.CrossEntropyLoss()
for epoch in range(2):
    for step, (inputs, targets) in enumerate(train_loader):
        loss = torch_loss(model(inputs), targets)
        model.zero_grad()
        loss.backward()
        torch_optimizer.step()
    print(f"torch-optimizer epoch {epoch}: last loss {loss.detach().numpy():.4f}")

model = make_model()
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
train_accuracy, val_accuracy = keras.metrics.CategoricalAccuracy(), keras.metrics.CategoricalAccuracy()
for epoch in range(2):
    for step, (inputs, targets) in enumerate(train_loader):
        logits = model(inputs)
        loss = loss_fn(targets, logits)
        model.zero_grad()
        weights = list(model.trainable_weights)
        loss.backward()
        with torch.no_grad():
            optimizer.apply([v.value.grad for v in weights], weights)
        train_accuracy.update_state(targets, logits)
    print(f"keras-optimizer epoch {epoch}: train acc {float(train_accuracy.result()):.4f}")
    train_accuracy.reset_state()
    for inputs, targets in val_loader:
        val_accuracy.update_state(targets, model(inputs, training=False))
    print(f"keras-optimizer epoch {epoch}: val acc {float(val_accuracy.result()):.4f}")
    val_accuracy.reset_state()
print("optimizer steps:", optimizer.iterations)


class ActivityPenalty(keras.layers.Layer):
    def call(self, inputs):
        self.add_loss(1e-2 * torch.sum(inputs))
        return inputs


inputs = keras.Input(shape=(64,))
x = ActivityPenalty()(keras.layers.Dense(16, activation="relu")(inputs))
penalised = keras.Model(inputs, keras.layers.Dense(10)(x))
logits = penalised(torch.from_numpy(x_all[:4]))
print("tracked losses:", len(penalised.losses), float(torch.sum(*penalised.losses)) > 0)
