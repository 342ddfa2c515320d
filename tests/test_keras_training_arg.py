"""``training=`` as Keras 3 resolves it: the value passed, else the outer call's, else the layer's own
``call`` default (True for the augmentation layers, False for Dropout/noise, None for the others).

The per-layer table ``fixtures/training_arg.json`` was made with Keras 3.15 on JAX by
``fixtures/make_training_arg.py`` (whose ``probe`` runs here on minidl.keras); the propagation cases
below restate what the same Keras printed for them (see each comment).
"""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers as L

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
REFERENCE = json.loads((FIXTURES / "training_arg.json").read_text())


def _probe_module():
    spec = importlib.util.spec_from_file_location("make_training_arg", FIXTURES / "make_training_arg.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PROBE = _probe_module()


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_each_layer_acts_on_the_calls_keras_acts_on(name):
    got = PROBE.probe(keras, [name])[name]
    want = {kind: acts for kind, acts in REFERENCE[name].items() if acts is not None}  # None: Keras failed
    assert {kind: got[kind] for kind in want} == want


def _images(n=16):
    return np.arange(n * 4 * 4, dtype="float32").reshape(n, 4, 4, 1) + 1


def _flipped(y, x):
    return int((~np.isclose(np.asarray(y), x)).reshape(len(x), -1).any(axis=1).sum())


def _dropped(y):
    return int((np.asarray(y) == 0).sum())


def test_data_augmentation_sequential_augments_when_called_and_not_in_predict():
    # keras.io: data_augmentation = keras.Sequential([RandomFlip(...), RandomRotation(0.1)])
    x = _images()
    augmentation = keras.Sequential([L.RandomFlip("horizontal_and_vertical", seed=1), L.RandomRotation(0.1, seed=1)])
    assert all(_flipped(augmentation(x), x) > 0 for _ in range(3))  # plain call: augments (Keras: True)
    np.testing.assert_array_equal(augmentation(x, training=False).numpy(), x)
    model = keras.Sequential([keras.Input((4, 4, 1)), augmentation, L.Rescaling(1.0)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)  # inside predict: the identity
    np.testing.assert_array_equal(model(x, training=False).numpy(), x)
    assert _flipped(model(x), x) > 0  # the outer model called plainly passes None down: augments


def test_each_layer_of_a_model_called_plainly_uses_its_own_default():
    # Keras: Sequential([RandomFlip, Dropout])(x) flips but does not drop, in either order
    x = _images()
    for stack in ([L.RandomFlip(seed=1), L.Dropout(0.5, seed=1)], [L.Dropout(0.5, seed=1), L.RandomFlip(seed=1)]):
        model = keras.Sequential(stack)
        out = model(x)
        assert _flipped(out, x) > 0 and _dropped(out) == 0
        out = model(x, training=True)
        assert _flipped(out, x) == len(x) and _dropped(out) > 0


def test_a_layer_without_value_inherits_the_last_resolved_one_as_keras():
    # Keras' call context keeps each layer's resolved value for the later calls of the same outermost
    # call: in a user layer, Dropout after a RandomFlip drops; with call(training=False), neither acts
    x = _images()

    class Both(L.Layer):
        def __init__(self):
            super().__init__()
            self.flip, self.drop = L.RandomFlip(seed=1), L.Dropout(0.5, seed=1)

        def call(self, inputs):
            return self.drop(self.flip(inputs))

    class Inference(Both):
        def call(self, inputs, training=False):
            return self.drop(self.flip(inputs))

    assert _dropped(Both()(x)) > 0
    out = Inference()(x)
    assert _flipped(out, x) == 0 and _dropped(out) == 0
    assert _dropped(Inference()(x, training=True)) > 0


def test_batch_normalization_after_an_augmentation_layer_trains_on_a_plain_call_as_keras():
    # Keras 3.15: Sequential([Input, RandomFlip, BatchNormalization])(x) runs BN with training=True
    # (the flip's True is the context BN inherits); after Dropout (False) BN stays in inference
    x = _images()
    model = keras.Sequential([keras.Input((4, 4, 1)), L.RandomFlip("horizontal"), L.BatchNormalization()])
    model(x)
    np.testing.assert_allclose(model.layers[1].moving_mean.numpy(), [0.01 * x.mean()], rtol=1e-5)
    model = keras.Sequential([keras.Input((4, 4, 1)), L.Dropout(0.5), L.BatchNormalization()])
    model(x)
    np.testing.assert_array_equal(model.layers[1].moving_mean.numpy(), [0.0])
    bn = L.BatchNormalization()
    bn(x)  # a plain call: inference, as Keras
    np.testing.assert_array_equal(bn.moving_mean.numpy(), [0.0])


def test_training_passed_at_a_symbolic_call_is_recorded_and_overridden_by_predict():
    x = _images()
    inputs = keras.Input((4, 4, 1))
    model = keras.Model(inputs, L.Dropout(0.5, seed=1)(inputs, training=True))
    assert _dropped(model(x)) > 0  # Keras: drops on a plain call
    assert _dropped(model.predict(x, verbose=0)) == 0
    assert _dropped(model(x, training=False)) == 0


def test_an_explicit_none_is_a_value_as_keras():
    # Keras passes an explicit training=None to call: RandomFlip then does not flip
    x = _images()
    np.testing.assert_array_equal(L.RandomFlip(seed=1)(x, training=None).numpy(), x)


def test_user_layer_sees_true_in_fit_and_false_in_predict():
    seen = []

    class Spy(L.Layer):
        def call(self, inputs, training=None):
            seen.append(training)
            return inputs

    model = keras.Sequential([keras.Input((3,)), Spy(), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    seen.clear()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert seen and all(v is True for v in seen)
    seen.clear()
    model.predict(x, verbose=0)
    model.evaluate(x, y, verbose=0)
    assert seen and all(v is False for v in seen)
    seen.clear()
    model(x)
    assert seen == [None]  # Keras: the signature's default, None
