"""The recurrent models of the Keras RNN file fixtures, written once for any Keras-style module.

``tests/fixtures/make_keras_rnn_files.py`` builds them with Keras 3 to write the fixtures and
``tests/test_keras_rnn_files.py`` with ``minidl.keras`` to load them, so the two cannot drift apart.
Each function takes the ``keras`` module and returns an unbuilt-weights model.
"""


def masked_text_model(keras):
    """Embedding(mask_zero) -> Bidirectional(LSTM) -> GRU -> SimpleRNN -> Dense, on (5,) int tokens."""
    L = keras.layers
    inp = keras.Input((5,), dtype="int32")
    x = L.Embedding(10, 4, mask_zero=True)(inp)
    x = L.Bidirectional(L.LSTM(3, return_sequences=True))(x)
    x = L.GRU(3, return_sequences=True)(x)
    x = L.SimpleRNN(2)(x)
    return keras.Model(inp, L.Dense(1)(x))


def sequential_model(keras):
    """Two Bidirectional layers (merge "ave" and "sum") in a Sequential, on (4, 3) steps."""
    L = keras.layers
    return keras.Sequential([keras.Input((4, 3)), L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="ave"),
                             L.Bidirectional(L.SimpleRNN(2), merge_mode="sum"), L.Dense(1)])


def masking_merge_model(keras):
    """Masking -> LSTM and GRU concatenated -> BatchNormalization -> GlobalAveragePooling1D -> Dense."""
    L = keras.layers
    inp = keras.Input((4, 3))
    x = L.Masking()(inp)
    y = L.Concatenate()([L.LSTM(2, return_sequences=True)(x), L.GRU(2, return_sequences=True)(x)])
    y = L.GlobalAveragePooling1D()(L.BatchNormalization()(y))
    return keras.Model(inp, L.Dense(1)(y))


BUILDERS = {"masked": masked_text_model, "sequential": sequential_model, "masking_merge": masking_merge_model}
