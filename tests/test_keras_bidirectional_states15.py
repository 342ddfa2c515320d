"""``keras.layers.Bidirectional`` with ``return_state=True`` (eager and functional), ``merge_mode=None`` in a
functional model, and eager ``initial_state``.

The sums below were read off Keras 3.15 (jax backend) running the same code with ``import keras`` (a
separate venv; Keras is not a dependency of these tests).
"""
import numpy as np
import pytest

import minidl.keras as keras


def _x():
    return np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")


def _weights_for(layer):
    return [np.linspace(-0.5, 0.5, int(np.prod(w.shape))).reshape(tuple(w.shape)).astype("float32")
            for w in layer.weights]


CASES = [  # cell, return_sequences, merge_mode, output shapes, Keras' sums of each output
    ("LSTM", False, "concat", [(2, 8), (2, 4), (2, 4), (2, 4), (2, 4)], [2.1595, 1.3209, 2.2303, 0.8386, 1.3105]),
    ("LSTM", True, "concat", [(2, 5, 8), (2, 4), (2, 4), (2, 4), (2, 4)], [5.9212, 1.3209, 2.2303, 0.8386, 1.3105]),
    ("GRU", False, "sum", [(2, 4), (2, 4), (2, 4)], [1.637, 0.3829, 1.2541]),
    ("LSTM", True, None, [(2, 5, 4), (2, 5, 4), (2, 4), (2, 4), (2, 4), (2, 4)],
     [2.8709, 3.0503, 1.3209, 2.2303, 0.8386, 1.3105]),
    ("SimpleRNN", True, "ave", [(2, 5, 4), (2, 4), (2, 4)], [9.5061, 4.3696, 3.4566]),
]


@pytest.mark.parametrize("cell, sequences, merge_mode, shapes, sums", CASES)
def test_return_state_eager_and_functional(cell, sequences, merge_mode, shapes, sums):
    x = _x()
    bi = keras.layers.Bidirectional(getattr(keras.layers, cell)(4, return_state=True, return_sequences=sequences),
                                    merge_mode=merge_mode)
    bi(x)
    bi.set_weights(_weights_for(bi))
    out = bi(x)
    assert [tuple(o.shape) for o in out] == shapes
    np.testing.assert_allclose([float(keras.ops.convert_to_numpy(o).sum()) for o in out], sums, atol=2e-4)
    symbolic = keras.layers.Bidirectional(
        getattr(keras.layers, cell)(4, return_state=True, return_sequences=sequences),
        merge_mode=merge_mode)(keras.Input((5, 3)))
    assert [tuple(s.shape) for s in symbolic] == [(None,) + s[1:] for s in shapes]


def test_encoder_states_feed_a_functional_model():
    inp = keras.Input((5, 3))
    out, fh, fc, bh, bc = keras.layers.Bidirectional(keras.layers.LSTM(4, return_state=True))(inp)
    model = keras.Model(inp, [out, keras.layers.Concatenate()([fh, bh])])
    model.set_weights(_weights_for(model))
    merged, state = model.predict(_x(), verbose=0)
    np.testing.assert_allclose([merged.sum(), state.sum()], [2.1595, 2.1595], atol=2e-4)


def test_eager_initial_state_splits_between_the_directions():
    bi = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True))
    x = _x()
    bi(x)
    bi.set_weights(_weights_for(bi))
    states = [np.full((2, 4), v, "float32") for v in (0.1, 0.2, 0.3, 0.4)]
    assert float(keras.ops.convert_to_numpy(bi(x, initial_state=states)).sum()) == pytest.approx(8.9131, abs=2e-4)
