"""keras.layers.Embedding, GlobalAveragePooling1D / GlobalMaxPooling1D (the text-classification examples)."""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers, ops


def test_embedding_rows_and_weights():
    e = layers.Embedding(10, 3)
    ids = np.array([[1, 2], [3, 0]])
    y = ops.convert_to_numpy(e(ids))
    table = e.get_weights()[0]
    assert table.shape == (10, 3) and [w.name for w in e.weights] == ["embeddings"]
    assert np.abs(table).max() <= 0.05  # Keras' "uniform": U(-0.05, 0.05)
    np.testing.assert_array_equal(y, table[ids])
    cfg = e.get_config()
    assert cfg["input_dim"] == 10 and cfg["output_dim"] == 3 and cfg["mask_zero"] is False
    with pytest.raises(IndexError, match="id 10 is outside"):
        e(np.array([[10]]))


def test_global_pooling_1d():
    x = np.random.default_rng(0).random((2, 5, 3)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(layers.GlobalAveragePooling1D()(x)), x.mean(1), rtol=1e-6)
    np.testing.assert_array_equal(ops.convert_to_numpy(layers.GlobalMaxPooling1D(keepdims=True)(x)),
                                  x.max(1, keepdims=True))


def test_text_classifier_trains_and_gradients_reach_the_table():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, (32, 4))
    y = (x.sum(1) > 18).astype("float32")
    model = keras.Sequential([keras.Input((4,), dtype="int32"), layers.Embedding(10, 3),
                              layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid")])
    assert model.output_shape == (None, 1) and model.count_params() == 34
    before = model.layers[0].get_weights()[0].copy()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(model.layers[0].get_weights()[0], before)
    inputs = keras.Input(shape=(None,), dtype="int32")
    out = layers.Dense(2)(layers.GlobalMaxPooling1D()(layers.Embedding(20, 8)(inputs)))
    assert keras.Model(inputs, out).predict(rng.integers(0, 20, (3, 7)), verbose=0).shape == (3, 2)
