"""minidl.keras' tf.data-like Dataset (minidl/keras/dataset.py), the one class every dataset utility
returns: tf.data's semantics for the methods Keras scripts call (expected values from tf.data's documented
behaviour: TensorFlow is not installed), strings as bytes, and use in model.fit/evaluate/predict."""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import dataset as tf_data
from minidl.keras import layers
from minidl.keras.dataset import Dataset, EagerArray, TensorSpec
from minidl.tensor import Tensor


def test_from_tensor_slices_structures_and_dtypes():
    ds = Dataset.from_tensor_slices(({"f": [0.5, 1.5, 2.5], "s": ["a", "bé", "c"], "i": np.arange(3)}, [1, 0, 1]))
    x, y = next(iter(ds))
    assert isinstance(x["f"], Tensor) and str(x["f"].dtype).endswith("float32")  # Python floats: float32 (tf)
    assert str(y.dtype).endswith("int32") and str(x["i"].dtype).endswith("int64")  # NumPy arrays keep theirs
    assert isinstance(x["s"], EagerArray) and x["s"].numpy() == b"a"  # strings are UTF-8 bytes
    numpy_rows = list(ds.as_numpy_iterator())
    assert numpy_rows[1][0]["s"] == "bé".encode() and numpy_rows[2][1] == 1
    assert len(ds) == 3 and int(ds.cardinality()) == 3 and ds.cardinality().numpy() == 3
    assert f"{ds.cardinality()}" == "3"
    assert ds.element_spec == ({"f": TensorSpec((), "float32"), "s": TensorSpec((), "string"),
                                "i": TensorSpec((), "int64")}, TensorSpec((), "int32"))
    batched = ds.batch(2)
    assert batched.element_spec[0]["s"] == TensorSpec((None,), "string")
    assert ds.batch(2, drop_remainder=True).element_spec[1] == TensorSpec((2,), "int32")
    texts = next(iter(batched))[0]["s"]
    assert texts.numpy().tolist() == [b"a", "bé".encode()] and texts.numpy().dtype == object
    assert [e["s"].numpy() for e, _ in batched.unbatch()] == [b"a", "bé".encode(), b"c"]
    images = Dataset.from_tensor_slices([np.zeros((2, 2)), np.ones((2, 2))])  # a list of arrays is stacked
    assert len(images) == 2 and next(iter(images)).shape == (2, 2)
    with pytest.raises(ValueError, match="different first dimensions"):
        Dataset.from_tensor_slices((np.arange(3), np.arange(4)))
    with pytest.raises(ValueError, match="at least one dimension"):
        Dataset.from_tensor_slices(np.float32(1.0))


def test_elements_do_not_alias_the_pipeline():
    source = np.arange(6, dtype=np.float32)
    ds = Dataset.from_tensor_slices(source).batch(3).cache()
    first = next(iter(ds))
    first.array[:] = -1  # an in-place change on an element reaches neither the source nor the cache
    assert source.tolist() == list(range(6)) and next(iter(ds)).numpy().tolist() == [0, 1, 2]
    assert next(iter(Dataset.from_tensor_slices(source))).shape == ()  # scalars stay 0-d


def test_transformations_follow_tf_data():
    ds = Dataset.range(10)
    assert [int(v) for v in ds.take(3)] == [0, 1, 2] and len(ds.take(-1)) == 10
    assert list(ds.skip(-1)) == [] and len(ds.skip(-1)) == 0 and len(ds.skip(12)) == 0
    assert [int(v) for v in ds.filter(lambda v: v % 3 == 0)] == [0, 3, 6, 9]
    assert ds.filter(lambda v: v > 2).cardinality() == -2 and ds.repeat().filter(lambda v: True).cardinality() == -1
    assert [a.tolist() for a in ds.batch(4).as_numpy_iterator()] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [a.tolist() for a in ds.batch(4).rebatch(3).as_numpy_iterator()] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    cycled = [a.tolist() for a in ds.batch(4).rebatch([3, 1], drop_remainder=True).as_numpy_iterator()]
    assert cycled == [[0, 1, 2], [3], [4, 5, 6], [7]]  # sizes cycle; the short [8, 9] (of 3) is dropped
    assert ds.batch(4).unbatch().cardinality() == -2
    assert len(ds.repeat(3)) == 30 and ds.repeat().cardinality() == -1 and Dataset.range(0).repeat().cardinality() == 0
    assert [int(v) for v in ds.repeat().take(12)][-2:] == [0, 1]
    pairs = list(Dataset.range(2).enumerate(start=5).as_numpy_iterator())
    assert pairs == [(5, 0), (6, 1)]
    assert [int(v) for v in Dataset.range(2).concatenate(Dataset.range(3))] == [0, 1, 0, 1, 2]
    assert len(Dataset.range(2).concatenate(Dataset.range(3))) == 5
    zipped = Dataset.zip({"a": Dataset.range(3), "b": (Dataset.range(5), Dataset.range(10, 20))})
    assert list(zipped.as_numpy_iterator())[1] == {"a": 1, "b": (1, 11)} and len(zipped) == 3
    assert list(Dataset.zip(Dataset.range(2), Dataset.range(3)).as_numpy_iterator()) == [(0, 0), (1, 1)]
    assert list(Dataset.from_tensors([1, 2]).as_numpy_iterator())[0].tolist() == [1, 2]
    mapped = Dataset.from_tensor_slices(({"x": np.arange(3.0)}, np.arange(3))).map(lambda d, y: (d["x"] * 2, [y, y]))
    x, (y1, y2) = list(mapped.as_numpy_iterator())[2]
    assert x == 4.0 and y1 == y2 == 2  # a list result becomes a tuple, as tf.data
    assert mapped.map(lambda x, ys: x, num_parallel_calls=tf_data.AUTOTUNE, deterministic=True).cardinality() == 3
    with pytest.raises(ValueError, match="batch_size must be positive"):
        ds.batch(0)
    with pytest.raises(ValueError, match="different shapes"):
        Dataset.from_tensor_slices(np.arange(4)).map(lambda v: np.zeros(int(v))).batch(2).as_numpy_iterator().__next__()
    with pytest.raises(ValueError, match="at least one dimension"):
        list(ds.unbatch())
    with pytest.raises(TypeError, match="infinite"):
        len(ds.repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(ds.filter(lambda v: True))


def test_shuffle_cache_prefetch():
    ds = Dataset.range(20)
    shuffled = ds.shuffle(5, seed=3)
    first, second = [int(v) for v in shuffled], [int(v) for v in shuffled]
    assert sorted(first) == list(range(20)) and first != second  # reshuffled on every pass
    assert [int(v) for v in ds.shuffle(5, seed=3)] == first  # same seed, same orders
    fixed = ds.shuffle(5, seed=3, reshuffle_each_iteration=False)
    assert [int(v) for v in fixed] == [int(v) for v in fixed]
    assert all(v < 5 + i for i, v in enumerate(first))  # a 5-element buffer filled in order
    calls = []
    cached = ds.map(lambda v: calls.append(1) or v).cache()
    assert list(cached.as_numpy_iterator()) == list(cached.as_numpy_iterator()) and len(calls) == 20
    assert [int(v) for v in ds.prefetch(tf_data.AUTOTUNE)] == list(range(20))

    def broken(v):
        if int(v) == 3:
            raise RuntimeError("bad element 3")
        return v
    with pytest.raises(RuntimeError, match="bad element 3"):  # raised in the consumer, not lost in the thread
        list(ds.map(broken).prefetch(2))
    with pytest.raises(NotImplementedError, match="file"):
        ds.cache("cache_file")
    assert tf_data.experimental.AUTOTUNE == tf_data.AUTOTUNE == -1
    assert int(tf_data.experimental.cardinality(ds.batch(6))) == 4
    assert tf_data.experimental.INFINITE_CARDINALITY == -1 and tf_data.experimental.UNKNOWN_CARDINALITY == -2


def test_dataset_utilities_return_the_dataset(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("hello")
    text = keras.utils.text_dataset_from_directory(tmp_path, verbose=False)
    series = keras.utils.timeseries_dataset_from_array(np.arange(10), None, sequence_length=3)
    assert isinstance(text, Dataset) and isinstance(series, Dataset)
    assert text.class_names == ["a"] and text.take(1).class_names == ["a"]  # kept through transformations
    assert text.element_spec == (TensorSpec((None,), "string"), TensorSpec((None,), "int32"))


def test_fit_evaluate_predict_with_dict_inputs():
    keras.utils.set_random_seed(0)
    n = 64
    rng = np.random.default_rng(0)
    features = {"a": rng.normal(size=(n, 2)).astype("float32"), "b": rng.normal(size=(n, 1)).astype("float32")}
    labels = (features["a"][:, 0] + features["b"][:, 0] > 0).astype("float32")
    inputs = {"a": keras.Input((2,), name="a"), "b": keras.Input((1,), name="b")}
    merged = layers.Concatenate()([inputs["a"], inputs["b"]])
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(merged))
    model.compile(keras.optimizers.Adam(0.1), "binary_crossentropy", metrics=["accuracy"])
    train = Dataset.from_tensor_slices((features, labels)).shuffle(n, seed=1).batch(16)
    history = model.fit(train, validation_data=train, epochs=8, verbose=0)
    assert len(history.history["val_accuracy"]) == 8 and history.history["accuracy"][-1] > 0.8
    steps = model.fit(train.repeat(), steps_per_epoch=3, epochs=1, verbose=0)
    assert len(steps.history["loss"]) == 1
    assert model.evaluate(train, verbose=0)[1] > 0.8
    predictions = model.predict(train.map(lambda x, y: x), verbose=0)
    assert predictions.shape == (n, 1)


def test_layers_in_a_prefetch_thread_keep_their_own_call_context():
    # a prefetched map runs its layers in a background thread while fit's step runs in the main thread:
    # the step's training=True must not reach the map's layers, nor their calls reset the step's value
    import threading

    from minidl.keras.layers._symbolic import _CONTEXT, training_context
    seen = {}

    def in_thread():
        seen["dropout"] = layers.Dropout(0.5)(np.ones((4, 8), np.float32)).numpy()
        layers.Normalization(mean=0.0, variance=1.0)(np.ones((2, 1), np.float32))  # resolves training=False
    with training_context(True):
        worker = threading.Thread(target=in_thread)
        worker.start()
        worker.join()
        assert _CONTEXT[0].training is True
    assert np.all(seen["dropout"] == 1)  # a plain eager call: no dropout
    keras.utils.set_random_seed(3)
    x, y = np.random.default_rng(0).normal(size=(32, 4)).astype("float32"), np.arange(32) % 2

    def train():
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dropout(0.5), layers.Dense(2)])
        model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        norm = layers.Normalization(mean=0.0, variance=1.0)
        ds = Dataset.from_tensor_slices((x, y)).batch(8).map(lambda a, b: (norm(a), b)).prefetch(2)
        return model.fit(ds, epochs=3, verbose=0).history["loss"]
    assert train() == train()  # same seed, same run, with the prefetch thread
