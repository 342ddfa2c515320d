"""Structured-data classification in the manner of keras.io's
examples/structured_data/structured_data_classification_from_scratch.py (Keras 3 version), written for
minidl on a random heart-disease-like table held in NumPy columns (no pandas): ``IntegerLookup`` and
``StringLookup`` one-hot encodings, ``Normalization`` adapted on a dataset of one column, a user
``Classifier`` layer called on a dict of inputs (reading ``inputs.values()``), a model built from that
dict, and a prediction on one sample given as a dict of ``ops.convert_to_tensor`` values. Not a copy of
the keras.io text."""
import numpy as np

from minidl import keras
from minidl.keras import layers, ops
from minidl.keras.dataset import Dataset

rng = np.random.default_rng(0)
n = 96
table = {"age": rng.integers(30, 70, n).astype("float32"), "chol": rng.integers(150, 300, n).astype("float32"),
         "sex": rng.integers(0, 2, n), "cp": rng.integers(0, 4, n), "thal": rng.choice(["fixed", "normal", "reversible"], n)}
target = rng.integers(0, 2, n)
numeric = ["age", "chol"]
vocabularies = {name: sorted(np.unique(table[name]).tolist()) for name in ("sex", "cp", "thal")}


def one_hot(name, values):
    lookup = layers.StringLookup if np.asarray(values).dtype.kind in "US" else layers.IntegerLookup
    return lookup(vocabulary=vocabularies[name], mask_token=None, num_oov_indices=0, output_mode="binary")(values)


encoded = {name: (table[name] if name in numeric else ops.convert_to_numpy(one_hot(name, table[name][:, None])))
           for name in table}  # (one value a row: a (N, 1) column encodes row by row)
train_ds = Dataset.from_tensor_slices(({k: v[:80] for k, v in encoded.items()}, target[:80])).batch(16)
val_ds = Dataset.from_tensor_slices(({k: v[80:] for k, v in encoded.items()}, target[80:])).batch(16)


def normalized(feature_input, name):
    normalizer = layers.Normalization()
    column = train_ds.map(lambda x, y: x[name]).map(lambda x: ops.reshape(x, (-1, 1)))
    normalizer.adapt(column)
    return normalizer(feature_input)


class Classifier(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(16, activation="relu")
        self.dropout = layers.Dropout(0.5)
        self.out = layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        return self.out(self.dropout(self.hidden(layers.concatenate(list(inputs.values())))))

    def build(self, input_shape):
        self.built = True


inputs = {}
for name in table:
    if name in numeric:
        inputs[name] = normalized(keras.Input(name=name, shape=(1,), dtype="float32"), name)
    else:
        inputs[name] = keras.Input(name=name, shape=(len(vocabularies[name]),), dtype="int64")
model = keras.Model(inputs, Classifier()(inputs))
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
model.summary()
history = model.fit(train_ds, epochs=2, validation_data=val_ds, verbose=2)
print("logged:", sorted(history.history))
sample = {"age": 60.0, "chol": 233.0, "sex": 1, "cp": 1, "thal": "fixed"}
features = {name: ops.convert_to_tensor([value if name in numeric else
                                         [int(v == value) for v in vocabularies[name]]])
            for name, value in sample.items()}
probability = model.predict(features, verbose=0)[0][0]
print(f"probability in [0, 1]: {0.0 <= probability <= 1.0}")
