"""``model.summary()`` text as Keras 3 prints it (differential: passes under minidl.keras and, with the
import switched to ``import keras``, under Keras 3.15 with KERAS_BACKEND=jax)."""
import numpy as np

import minidl.keras as keras


def _text(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda line, **kw: lines.append(line), **kwargs)
    return "\n".join(lines)


def test_subclassed_model_called_on_a_batch_shows_that_batch_size():
    keras.backend.clear_session()

    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(3)
            self.o = keras.layers.Dense(1)

        def call(self, x):
            return self.o(self.d(x))

    m = M()
    m(np.zeros((2, 4), "float32"))
    text = _text(m)
    assert "│ dense (Dense)                   │ (2, 3)                 │            15 │" in text
    assert "│ dense_1 (Dense)                 │ (2, 1)                 │             4 │" in text
    assert " Total params: 19 (76.00 B)" in text


def test_nested_functional_summary_expanded_with_trainable_column():
    keras.backend.clear_session()
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, keras.layers.Dense(3)(keras.layers.Dense(5)(inner_in)), name="enc")
    a = keras.Input((4,))
    m = keras.Model(a, keras.layers.Dense(1)(inner(a)))
    inner.trainable = False
    text = _text(m, expand_nested=True, show_trainable=True)
    assert "┃ Trai… ┃" in text.splitlines()[2]
    assert " Total params: 47 (188.00 B)" in text
    assert " Trainable params: 4 (16.00 B)" in text
    assert " Non-trainable params: 43 (172.00 B)" in text
    assert m.count_params() == 47


def test_sizes_in_kilobytes_and_megabytes():
    m = keras.Sequential([keras.Input((1000,)), keras.layers.Dense(2000), keras.layers.Dense(1000)])
    text = _text(m)
    assert " Total params: 4,003,000 (15.27 MB)" in text
    m = keras.Sequential([keras.Input((10,)), keras.layers.Dense(100)])
    assert " Total params: 1,100 (4.30 KB)" in _text(m)


def _seq():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dropout(0.1),
                             keras.layers.BatchNormalization(), keras.layers.Dense(1)])


def test_a_table_wider_than_the_console_is_cropped(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    m = _seq()
    m.layers[3].trainable = False
    lines = _text(m, show_trainable=True, line_length=120).splitlines()
    table = lines[1:-3]
    assert all(len(line) == 80 for line in table)
    assert table[1] == "┃ Layer (type)                                  ┃ Output Shape" + " " * 18
    assert lines[-2] == " Trainable params: 21 (84.00 B)"


def test_wrapped_header_cells_sit_at_the_bottom(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    lines = _text(_seq(), positions=[0.5, 0.7, 1.0]).splitlines()
    assert lines[2] == "┃                                     ┃ Output      ┃                      ┃"
    assert lines[3] == "┃ Layer (type)                        ┃ Shape       ┃              Param # ┃"
