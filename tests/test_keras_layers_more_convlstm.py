"""ConvLSTM1D/2D/3D: symbolic shapes, return_state/initial_state/stateful/go_backwards, training with
dropout, saving and float64 gradients. Values against Keras: tests/test_keras_layers_more_values.py."""
import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers

RNG = np.random.default_rng(5)


def _x(*shape):
    return RNG.standard_normal(shape).astype("f4")


@pytest.mark.parametrize("make,shape,expected", [
    (lambda: layers.ConvLSTM1D(3, 3), (None, 4, 7, 2), (None, 5, 3)),
    (lambda: layers.ConvLSTM1D(3, 3, padding="same", return_sequences=True), (None, 4, 7, 2), (None, 4, 7, 3)),
    (lambda: layers.ConvLSTM2D(2, 3, strides=2), (None, 3, 7, 6, 1), (None, 3, 2, 2)),
    (lambda: layers.ConvLSTM2D(2, 3, return_sequences=True), (None, None, 5, 5, 1), (None, None, 3, 3, 2)),
    (lambda: layers.ConvLSTM3D(2, 2), (None, 2, 3, 3, 3, 1), (None, 2, 2, 2, 2)),
])
def test_symbolic_shapes_and_summary(make, shape, expected):
    layer = make()
    inp = keras.Input(batch_shape=shape)
    out = layer(inp)
    assert tuple(out.shape) == expected
    model = keras.Model(inp, out)
    lines = []
    model.summary(print_fn=lambda s, *a, **k: lines.append(s))
    assert type(layer).__name__ in "\n".join(lines)
    concrete = tuple(3 if d is None else d for d in shape)
    assert model.predict(_x(*concrete), verbose=0).shape == layer.compute_output_shape(concrete)


def test_weights_in_keras_layout_and_unit_forget_bias():
    layer = layers.ConvLSTM2D(4, (3, 2))
    layer.build((None, 2, 5, 5, 3))
    assert [tuple(w.shape) for w in layer.weights] == [(3, 2, 3, 16), (3, 2, 4, 16), (16,)]
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    np.testing.assert_array_equal(layer.get_weights()[2], np.r_[np.zeros(4), np.ones(4), np.zeros(8)])


def test_return_state_initial_state_and_functional():
    inp = keras.Input((3, 6, 2))
    out, h, c = layers.ConvLSTM1D(2, 3, padding="same", return_state=True)(inp)
    assert tuple(h.shape) == tuple(c.shape) == (None, 6, 2)
    out2 = layers.ConvLSTM1D(2, 3, padding="same")(inp, initial_state=[h, c])
    model = keras.Model(inp, [out, out2])
    y1, y2 = model.predict(_x(2, 3, 6, 2), verbose=0)
    assert y1.shape == y2.shape == (2, 6, 2)
    # eager: initial states change the result; zeros give the same as none
    layer = layers.ConvLSTM2D(2, 3, padding="same", return_state=True)
    x = _x(2, 3, 4, 4, 1)
    o, h, c = layer(x)
    assert o.shape == h.shape == c.shape == (2, 4, 4, 2)
    np.testing.assert_allclose(o.numpy(), h.numpy())
    zeros = np.zeros((2, 4, 4, 2), "f4")
    np.testing.assert_allclose(layer(x, initial_state=[zeros, zeros])[0].numpy(), o.numpy(), rtol=1e-6)
    assert not np.allclose(layer(x, initial_state=[h, c])[0].numpy(), o.numpy())


def test_go_backwards_equals_reversed_sequence():
    x = _x(2, 4, 5, 2)
    fwd = layers.ConvLSTM1D(2, 3, return_sequences=True)
    back = layers.ConvLSTM1D(2, 3, return_sequences=True, go_backwards=True)
    fwd(x)
    back(x)
    back.set_weights(fwd.get_weights())
    np.testing.assert_allclose(back(x).numpy(), fwd(x[:, ::-1]).numpy(), rtol=1e-5, atol=1e-6)


def test_stateful_carries_states():
    layer = layers.ConvLSTM1D(2, 3, padding="same", stateful=True)
    model = keras.Sequential([keras.Input(batch_shape=(2, 3, 5, 1)), layer])
    x = _x(2, 6, 5, 1)
    whole = layers.ConvLSTM1D(2, 3, padding="same")
    whole(x)
    whole.set_weights(layer.get_weights())
    model.predict(x[:, :3], verbose=0)
    second = model.predict(x[:, 3:], verbose=0)
    np.testing.assert_allclose(second, whole(x).numpy(), rtol=1e-5, atol=1e-6)
    layer.reset_states()
    np.testing.assert_allclose(model.predict(x[:, :3], verbose=0), whole(x[:, :3]).numpy(), rtol=1e-5, atol=1e-6)


def test_fit_with_dropout_save_and_load(tmp_path):
    model = keras.Sequential([keras.Input((3, 5, 5, 1)),
                              layers.ConvLSTM2D(2, 3, padding="same", dropout=0.2, recurrent_dropout=0.2,
                                                return_sequences=True, kernel_constraint="max_norm"),
                              layers.ConvLSTM2D(2, 3), layers.Flatten(), layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = _x(4, 3, 5, 5, 1), _x(4, 1)
    before = model.get_weights()
    history = model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    path = tmp_path / "clstm.keras"
    model.save(path)
    back = keras.models.load_model(path)
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)
    assert back.layers[0].get_config() == model.layers[0].get_config()
    weights = tmp_path / "w.weights.h5"
    model.save_weights(weights)
    import h5py
    with h5py.File(weights) as f:  # Keras' file layout: the weights live in the layer's cell
        assert "layers/conv_lstm2d/cell/vars/0" in f


@pytest.mark.parametrize("make,shape", [
    (lambda: layers.ConvLSTM1D(2, 2, strides=2, padding="same", return_sequences=True), (1, 2, 4, 2)),
    (lambda: layers.ConvLSTM2D(1, 2, return_state=True, go_backwards=True), (1, 2, 3, 3, 1)),
])
def test_gradients_float64(make, shape):
    layer = make()
    layer(_x(*shape))
    for p in layer.parameters():
        p.array = RNG.standard_normal(p.array.shape) * 0.5
    x = minidl.tensor(RNG.standard_normal(shape), requires_grad=True)

    def run(t):
        out = layer._forward(t.permute(0, 3, 1, 2) if t.ndim == 4 else t)
        return out[0] + out[2].sum() if isinstance(out, list) else out
    assert gradcheck(run, (x,))


def test_bad_inputs():
    with pytest.raises(ValueError, match="expected ndim=5, found ndim=4"):
        layers.ConvLSTM2D(2, 3)(_x(1, 2, 5, 5))
    with pytest.raises(ValueError, match="static input shapes for the spatial dimension"):
        layers.ConvLSTM2D(2, 3)(keras.Input((3, None, 5, 1)))
    with pytest.raises(NotImplementedError, match="unroll"):
        layers.ConvLSTM1D(2, 3, unroll=True)


def test_dropout_only_in_training():
    layer = layers.ConvLSTM1D(3, 2, dropout=0.5, recurrent_dropout=0.5, return_sequences=True)
    x = _x(2, 3, 5, 2)
    infer = layer(x).numpy()
    np.testing.assert_array_equal(layer(x, training=False).numpy(), infer)
    trained = layer(x, training=True).numpy()
    assert trained.shape == infer.shape and not np.allclose(trained, infer)
