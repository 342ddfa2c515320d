"""keras.utils.text_dataset_from_directory / timeseries_dataset_from_array and
keras.preprocessing.sequence in minidl.keras.

Keras returns tf.data datasets (the reference venv has no TensorFlow), so the expected values
are those Keras' code computes in NumPy before tf.data: the RandomState(seed) file shuffle and
the window start positions (see keras/src/utils/{dataset_utils,timeseries_dataset_utils}.py), and
the examples of Keras' docstrings.
"""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers


@pytest.fixture
def text_dir(tmp_path):
    for label, words in (("neg", "awful film hated it"), ("pos", "great movie loved it")):
        (tmp_path / label).mkdir()
        for i in range(5):
            (tmp_path / label / f"{label}{i}.txt").write_text(f"{words} {i}")
    (tmp_path / "pos" / "notes.md").write_text("not a text sample")
    (tmp_path / ".hidden").mkdir()
    return tmp_path


def _expected_order(root, seed):
    paths = [str(root / label / f"{label}{i}.txt") for label in ("neg", "pos") for i in range(5)]
    labels = np.array([0] * 5 + [1] * 5, dtype="int32")
    np.random.RandomState(seed).shuffle(paths)
    np.random.RandomState(seed).shuffle(labels)
    return paths, labels


def test_text_dataset_unshuffled_batches_and_message(text_dir, capsys):
    ds = keras.utils.text_dataset_from_directory(text_dir, batch_size=4, shuffle=False)
    assert capsys.readouterr().out.strip() == "Found 10 files belonging to 2 classes."
    assert ds.class_names == ["neg", "pos"] and len(ds) == 3 and ds.cardinality() == 3
    batches = list(ds)
    texts, labels = batches[0]
    assert texts.numpy().tolist() == [f"awful film hated it {i}".encode() for i in range(4)]
    assert labels.numpy().dtype == np.int32 and labels.numpy().tolist() == [0, 0, 0, 0]
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert batches[2][1].tolist() == [1, 1]


def test_text_dataset_split_follows_keras_file_shuffle(text_dir, capsys):
    train, val = keras.utils.text_dataset_from_directory(text_dir, batch_size=2, validation_split=0.3, subset="both",
                                                         seed=42)
    out = capsys.readouterr().out
    assert "Using 7 files for training." in out and "Using 3 files for validation." in out
    paths, labels = _expected_order(text_dir, 42)
    want_val = [open(p, "rb").read() for p in paths[7:]]
    got_val = [t for batch, _ in val for t in batch.numpy().tolist()]
    assert got_val == want_val  # the validation subset is not reshuffled
    assert [int(v) for _, lab in val for v in lab.numpy()] == labels[7:].tolist()
    got_train = sorted(t for batch, _ in train for t in batch.numpy().tolist())
    assert got_train == sorted(open(p, "rb").read() for p in paths[:7])
    first = [t for batch, _ in train for t in batch.numpy().tolist()]
    second = [t for batch, _ in train for t in batch.numpy().tolist()]
    assert sorted(first) == sorted(second)  # each pass: the same files, reshuffled
    with pytest.raises(ValueError, match="seed"):
        keras.utils.text_dataset_from_directory(text_dir, validation_split=0.2, subset="training")


def test_text_dataset_label_modes_and_options(text_dir):
    cat = keras.utils.text_dataset_from_directory(text_dir, label_mode="categorical", shuffle=False, batch_size=10,
                                                  max_length=5, verbose=False)
    texts, labels = next(iter(cat))
    assert texts.numpy()[0] == b"awful" and labels.numpy().dtype == np.float32
    np.testing.assert_array_equal(labels.numpy()[[0, 9]], [[1, 0], [0, 1]])
    binary = keras.utils.text_dataset_from_directory(text_dir, label_mode="binary", shuffle=False, verbose=False)
    assert next(iter(binary))[1].shape == (10, 1)
    unlabeled = keras.utils.text_dataset_from_directory(text_dir, labels=None, shuffle=False, batch_size=None,
                                                        verbose=False)
    assert unlabeled.class_names is None and next(iter(unlabeled)).numpy() == b"awful film hated it 0"
    given = keras.utils.text_dataset_from_directory(text_dir, labels=[3, 3, 3, 3, 3, 7, 7, 7, 7, 7], shuffle=False,
                                                    verbose=False)
    assert given.class_names == ["3", "7"] and next(iter(given))[1].tolist() == [3] * 5 + [7] * 5
    only_pos = keras.utils.text_dataset_from_directory(text_dir, class_names=["pos"], shuffle=False, verbose=False)
    assert len(next(iter(only_pos))[0]) == 5
    with pytest.raises(ValueError, match="class_names"):
        keras.utils.text_dataset_from_directory(text_dir, class_names=["cats"])
    with pytest.raises(ValueError, match="label_mode"):
        keras.utils.text_dataset_from_directory(text_dir, label_mode="sparse")


def test_dataset_object_operations(text_dir):
    ds = keras.utils.text_dataset_from_directory(text_dir, batch_size=3, shuffle=False, verbose=False)
    assert len(list(ds.take(2))) == 2 and len(ds.take(2)) == 2
    assert len(list(ds.skip(1))) == 3
    samples = list(ds.unbatch())
    assert len(samples) == 10 and samples[0][0].numpy() == b"awful film hated it 0"
    rebatched = list(ds.unbatch().batch(4, drop_remainder=True))
    assert len(rebatched) == 2 and rebatched[0][0].shape == (4,)
    lengths = [len(x) for x in ds.map(lambda x, y: x)]
    assert lengths == [3, 3, 3, 1]
    cached = ds.map(lambda x, y: (x, y * 2)).cache()
    assert [b[1].tolist() for b in cached] == [b[1].tolist() for b in cached]
    assert list(ds.as_numpy_iterator())[0][1].tolist() == [0, 0, 0]
    shuffled = ds.unbatch().shuffle(4, seed=1, reshuffle_each_iteration=False)
    assert [x.numpy() for x, _ in shuffled] == [x.numpy() for x, _ in shuffled]
    assert sorted(x.numpy() for x, _ in shuffled) == sorted(x.numpy() for x, _ in ds.unbatch())


def test_text_dataset_trains_a_model_with_text_vectorization(text_dir):
    keras.utils.set_random_seed(0)
    train = keras.utils.text_dataset_from_directory(text_dir, batch_size=4, seed=3, verbose=False)
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=6)
    vectorize.adapt(train.map(lambda x, y: x))
    assert vectorize.get_vocabulary()[2] == "it"
    vectors = train.map(lambda x, y: (vectorize(x), y))
    model = keras.Sequential([layers.Embedding(20, 8), layers.GlobalAveragePooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(vectors, epochs=15, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    assert model.evaluate(vectors, verbose=0)[1] == 1.0
    assert model.predict(train.map(lambda x, y: vectorize(x)), verbose=0).shape == (10, 1)


def test_timeseries_docstring_examples():
    data = np.arange(100)
    ds = keras.utils.timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    inputs, targets = next(iter(ds))
    np.testing.assert_array_equal(inputs[0], data[:10])
    assert targets[0] == data[10] and inputs.shape == (81, 10) and inputs.dtype == data.dtype
    windows = keras.utils.timeseries_dataset_from_array(np.arange(99), None, sequence_length=10, sampling_rate=2,
                                                        sequence_stride=3, batch_size=None)
    seqs = [w.tolist() for w in windows]
    assert seqs[:3] == [list(range(0, 20, 2)), list(range(3, 23, 2)), list(range(6, 26, 2))]
    assert seqs[-1] == list(range(78, 98, 2)) and len(seqs) == 27


def test_timeseries_windows_targets_and_shuffle():
    data = np.arange(60, dtype=np.float32).reshape(30, 2)
    targets = np.arange(30) * 10
    ds = keras.utils.timeseries_dataset_from_array(data, targets, sequence_length=4, sequence_stride=3,
                                                   sampling_rate=2, batch_size=3, start_index=2, end_index=25)
    num_seqs = 25 - 2 - 3 * 2  # Keras' count
    starts = np.arange(0, num_seqs, 3)
    got_x = np.concatenate([x.numpy() for x, _ in ds])
    got_y = np.concatenate([y.numpy() for _, y in ds])
    np.testing.assert_array_equal(got_x, np.stack([data[2:25][p + np.arange(4) * 2] for p in starts]))
    np.testing.assert_array_equal(got_y, targets[2:25][starts])
    assert len(ds) == -(-len(starts) // 3) and got_x.shape[1:] == (4, 2)
    shuffled = keras.utils.timeseries_dataset_from_array(data, targets, sequence_length=4, shuffle=True, seed=5,
                                                         batch_size=4)
    positions = np.arange(0, 27)
    np.random.RandomState(5).shuffle(positions)
    seen = np.concatenate([y.numpy() for _, y in shuffled]) // 10
    assert sorted(seen.tolist()) == sorted(positions.tolist())
    with pytest.raises(ValueError, match="sampling_rate"):
        keras.utils.timeseries_dataset_from_array(data, None, 4, sampling_rate=0)
    with pytest.raises(ValueError, match="end_index"):
        keras.utils.timeseries_dataset_from_array(data, None, 4, start_index=5, end_index=3)


def test_timeseries_dataset_fits_a_model():
    keras.utils.set_random_seed(1)
    series = np.sin(np.arange(200) / 5).astype(np.float32)[:, None]
    ds = keras.utils.timeseries_dataset_from_array(series[:-5], series[5:, 0], sequence_length=5, batch_size=32)
    model = keras.Sequential([keras.Input((5, 1)), layers.Flatten(), layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(ds, epochs=2, verbose=0)
    assert model.predict(ds, verbose=0).shape == (191, 1)
    rebatched = ds.unbatch().batch(50)  # unknown length: no len(), fit runs each pass to its end
    assert rebatched.cardinality() == -2
    with pytest.raises(TypeError, match="unknown"):  # as tf.data: len() of an unknown length raises
        len(rebatched)
    assert len(model.fit(rebatched, epochs=2, verbose=0).history["loss"]) == 2


def test_preprocessing_sequence_is_keras_pad_sequences():
    import minidl.keras.preprocessing.sequence as sequence
    assert sequence.pad_sequences is keras.utils.pad_sequences
    assert keras.preprocessing.sequence.pad_sequences([[1], [2, 3]], maxlen=3).tolist() == [[0, 0, 1], [0, 2, 3]]
