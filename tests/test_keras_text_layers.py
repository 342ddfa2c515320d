"""Keras 3 text / categorical preprocessing layers in minidl.keras.

Expected values: Keras' own docstring examples (TextVectorization, StringLookup, IntegerLookup,
Hashing, HashedCrossing need TensorFlow, which the reference venv lacks, so their documented
outputs are the reference), and tests/fixtures/keras_categorical.json for CategoryEncoding and
Discretization (made by tests/fixtures/make_keras_categorical.py with Keras 3.15 on JAX).
"""
import json
import os
from pathlib import Path

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers
from minidl.keras.layers._fingerprint import cross_fingerprint, fingerprint64, siphash64

FIXTURE = Path(__file__).parent / "fixtures" / "keras_categorical.json"


def arr(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


# ----------------------------------------------------------------------------- hashes
def test_fingerprint64_matches_tensorflow_buckets():
    # tf.strings.to_hash_bucket_fast docs and Keras' Hashing docstring
    assert [fingerprint64(s.encode()) % 3 for s in ("Hello", "TensorFlow", "2.x")] == [0, 2, 2]
    assert [fingerprint64(c.encode()) % 3 for c in "ABCDE"] == [1, 0, 1, 1, 2]


def test_siphash64_matches_tensorflow_buckets():
    assert [siphash64([1, 2], s.encode()) % 3 for s in ("Hello", "TF")] == [2, 0]  # to_hash_bucket_strong docs
    assert [siphash64([133, 137], c.encode()) % 3 for c in "ABCDE"] == [1, 2, 1, 0, 2]
    # the SipHash-2-4 reference vector (key 00..0f, message 00..0e)
    key = (int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little"))
    assert siphash64(key, bytes(range(15))) == 0xA129CA6149BE45E5


def test_fingerprint64_published_vectors_every_length_branch():
    # Guava's FarmHashFingerprint64Test (same function as farmhash::Fingerprint64): 4, 32, 256 bytes
    assert fingerprint64(b"test") == 8581389452482819506
    assert fingerprint64(b"test" * 8) == -4196240717365766262 % 2 ** 64
    assert fingerprint64(b"test" * 64) == 3500507768004279527
    assert fingerprint64(b"F7479877-4690-4A44-AFC9-8FE987EA512F:some_other_id") == 6862335115798125349  # 51 bytes
    assert fingerprint64(b"dXB@tDQ-v5<H]rq2Pcc*s>nC-[Mdy") == 8365906589669344754  # 29 bytes


def test_fingerprint64_long_inputs_are_deterministic_and_spread():
    texts = [("x" * n).encode() for n in range(0, 200)]
    values = [fingerprint64(t) for t in texts]
    assert len(set(values)) == len(values)
    assert all(0 <= v < 2 ** 64 for v in values)
    assert cross_fingerprint(["A", 101]) % 5 == 1


# ----------------------------------------------------------------------------- Hashing
def test_hashing_docstring_examples():
    inp = [["A"], ["B"], ["C"], ["D"], ["E"]]
    out = layers.Hashing(num_bins=3)(inp)
    assert arr(out).tolist() == [[1], [0], [1], [1], [2]] and arr(out).dtype == np.int64
    assert arr(layers.Hashing(num_bins=3, mask_value="")([["A"], ["B"], [""], ["C"], ["D"]])).ravel().tolist() == \
        [1, 1, 0, 2, 2]
    assert arr(layers.Hashing(num_bins=3, salt=[133, 137])(inp)).ravel().tolist() == [1, 2, 1, 0, 2]
    assert arr(layers.Hashing(num_bins=3, salt=133)(inp)).ravel().tolist() == [0, 0, 2, 1, 0]


def test_hashing_integers_hash_their_decimal_text_and_one_hot():
    ints = np.array([[1], [12], [-7]])
    want = [fingerprint64(s.encode()) % 4 for s in ("1", "12", "-7")]
    assert arr(layers.Hashing(num_bins=4)(ints)).ravel().tolist() == want
    one_hot = arr(layers.Hashing(num_bins=4, output_mode="one_hot")(ints))
    assert one_hot.shape == (3, 4) and one_hot.dtype == np.float32
    assert one_hot.argmax(1).tolist() == want
    cfg = layers.Hashing(num_bins=4, salt=3).get_config()
    assert cfg["salt"] == [3, 3] and cfg["num_bins"] == 4 and cfg["output_mode"] == "int"
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(num_bins=0)


def test_hashed_crossing_docstring_examples():
    feat1, feat2 = np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])
    assert arr(layers.HashedCrossing(num_bins=5)((feat1, feat2))).tolist() == [1, 4, 1, 1, 3]
    one_hot = arr(layers.HashedCrossing(num_bins=5, output_mode="one_hot")((feat1, feat2)))
    assert one_hot.tolist() == [[0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [0, 1, 0, 0, 0], [0, 1, 0, 0, 0],
                                [0, 0, 0, 1, 0]]
    with pytest.raises(ValueError, match="at least two inputs"):
        layers.HashedCrossing(num_bins=5)([feat1])


# ------------------------------------------------------------------ CategoryEncoding / Discretization
def test_category_encoding_matches_keras_fixture():
    ref = json.loads(FIXTURE.read_text())
    for case in ref["category_encoding"]:
        layer = layers.CategoryEncoding(num_tokens=4, output_mode=case["mode"])
        y = arr(layer(np.array(case["x"])))
        assert list(y.shape) == case["shape"], case
        assert y.dtype == np.float32
        np.testing.assert_array_equal(y, np.array(case["y"], dtype=np.float32))
    cw = ref["count_weights"]
    y = layers.CategoryEncoding(num_tokens=4, output_mode="count")(np.array(cw["x"]), count_weights=np.array(cw["w"]))
    np.testing.assert_allclose(arr(y), cw["y"])
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding()


def test_discretization_matches_keras_fixture():
    ref = json.loads(FIXTURE.read_text())
    for case in ref["discretization"]:
        y = arr(layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=case["mode"])(np.array(case["x"])))
        assert str(y.dtype) == case["dtype"]
        np.testing.assert_array_equal(y, np.array(case["y"]))
    data = np.random.RandomState(0).randn(3, 301).astype("float32")
    for case in ref["adapt"]:
        layer = layers.Discretization(num_bins=case["num_bins"], epsilon=case["epsilon"])
        layer.adapt(iter(list(data)))  # three batches, as the generator made them
        np.testing.assert_allclose(layer.bin_boundaries, case["boundaries"], rtol=1e-6)
    cfg = layers.Discretization(num_bins=3).get_config()
    assert set(cfg) == set(ref["config"]) and cfg["epsilon"] == 0.01


# ----------------------------------------------------------------------------- lookups
def test_string_lookup_docstring_examples():
    vocab = ["a", "b", "c", "d"]
    data = [["a", "c", "d"], ["d", "z", "b"]]
    assert arr(layers.StringLookup(vocabulary=vocab)(data)).tolist() == [[1, 3, 4], [4, 0, 2]]
    out = layers.StringLookup(vocabulary=vocab, num_oov_indices=2)(data)
    assert arr(out).tolist() == [[2, 4, 5], [5, fingerprint64(b"z") % 2, 3]]
    layer = layers.StringLookup(vocabulary=vocab, output_mode="multi_hot")
    got = arr(layer([["a", "c", "d", "d"], ["d", "z", "b", "z"]]))
    assert got.tolist() == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]] and got.dtype == np.float32
    got = arr(layers.StringLookup(vocabulary=vocab, output_mode="count")([["a", "c", "d", "d"], ["d", "z", "b", "z"]]))
    assert got.tolist() == [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]
    one_hot = arr(layers.StringLookup(vocabulary=vocab, output_mode="one_hot")(["a", "b", "c", "d", "z"]))
    assert one_hot.tolist() == np.eye(5)[[1, 2, 3, 4, 0]].tolist()
    tfidf = layers.StringLookup(output_mode="tf_idf", vocabulary=vocab, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(arr(tfidf([["a", "c", "d", "d"], ["d", "z", "b", "z"]])),
                               [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    inverse = layers.StringLookup(vocabulary=vocab, invert=True)
    assert arr(inverse(np.array([[1, 3, 4], [4, 0, 2]]))).tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]


def test_string_lookup_adapt_orders_by_count_then_token_descending():
    layer = layers.StringLookup()
    layer.adapt(np.array([["a", "c", "d"], ["d", "z", "b"], ["c", "c", "d"]]))
    assert layer.get_vocabulary() == ["[UNK]", "d", "c", "z", "b", "a"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["d", "c", "z", "b", "a"]
    assert layer.vocabulary_size() == 6
    masked = layers.StringLookup(mask_token="", max_tokens=4)
    masked.adapt(["x", "y", "y", "", "z", "z", "z"])
    assert masked.get_vocabulary() == ["", "[UNK]", "z", "y"]
    assert arr(masked(["z", "", "x"])).tolist() == [2, 0, 1]


def test_string_lookup_tf_idf_adapt():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt([["a", "b"], ["a", "a"], ["c", "b"]])
    vocab = layer.get_vocabulary()
    assert vocab == ["[UNK]", "a", "b", "c"]  # a: 3, b: 2, c: 1
    idf = np.log(1 + 3 / (1 + np.array([2, 2, 1])))  # a, b, c document counts
    want = np.concatenate([[idf.mean()], idf])
    out = arr(layer([["a", "a", "q"]]))
    np.testing.assert_allclose(out, [[want[0], 2 * want[1], 0, 0]], rtol=1e-6)


def test_integer_lookup_docstring_examples():
    vocab = [12, 36, 1138, 42]
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    assert arr(layers.IntegerLookup(vocabulary=vocab)(data)).tolist() == [[1, 3, 4], [4, 0, 2]]
    adapted = layers.IntegerLookup()
    adapted.adapt(data)
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    two_oov = layers.IntegerLookup(vocabulary=vocab, num_oov_indices=2)
    assert arr(two_oov(data)).tolist() == [[2, 4, 5], [5, 0, 3]]  # 1000 % 2 = 0
    masked = layers.IntegerLookup(vocabulary=vocab, mask_token=0)
    assert masked.get_vocabulary() == [0, -1, 12, 36, 1138, 42]
    assert arr(masked(np.array([[12, 0, 7]]))).tolist() == [[2, 0, 1]]
    inverse = layers.IntegerLookup(vocabulary=vocab, invert=True)
    assert arr(inverse(np.array([[1, 3, 4], [4, 0, 2]]))).tolist() == [[12, 1138, 42], [42, -1, 36]]
    mh = arr(layers.IntegerLookup(vocabulary=vocab, output_mode="multi_hot")(data))
    assert mh.tolist() == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]


def test_lookup_errors_name_the_problem():
    with pytest.raises(ValueError, match="repeated"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(["b"])
    with pytest.raises(ValueError, match="invert"):
        layers.StringLookup(invert=True, output_mode="multi_hot")
    with pytest.raises(ValueError, match="static vocabulary"):
        layers.StringLookup(vocabulary=["a"]).adapt(["a"])
    with pytest.raises(ValueError, match="larger than the maximum"):
        layers.StringLookup(vocabulary=["a", "b", "c"], max_tokens=3)


def test_lookup_config_round_trip_keeps_adapted_vocabulary(tmp_path):
    layer = layers.StringLookup(mask_token="", name="lk")
    layer.adapt(["b", "a", "b"])
    cfg = layer.get_config()
    assert cfg["vocabulary"] == ["b", "a"] and cfg["encoding"] == "utf-8" and "vocabulary_dtype" not in cfg
    clone = layers.StringLookup.from_config(cfg)
    assert clone.get_vocabulary() == layer.get_vocabulary()
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("x\ny\n")
    assert layers.StringLookup(vocabulary=str(vocab_file)).get_vocabulary() == ["[UNK]", "x", "y"]
    icfg = layers.IntegerLookup(vocabulary=np.array([3, 5])).get_config()
    assert icfg["vocabulary"] == [3, 5] and icfg["vocabulary_dtype"] == "int64"


# ----------------------------------------------------------------------------- TextVectorization
def test_text_vectorization_docstring_examples():
    vocab = ["earth", "wind", "and", "fire"]
    layer = layers.TextVectorization(max_tokens=5000, output_sequence_length=4, vocabulary=vocab)
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    out = layer(np.array([["earth wind and also fire"]]))
    assert arr(out).tolist() == [[2, 3, 4, 1]] and arr(out).dtype == np.int64
    adapted = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    adapted.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert adapted.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    assert arr(adapted([["foo qux bar"], ["qux baz"]])).tolist() == [[4, 1, 3, 0], [1, 2, 0, 0]]


def test_text_vectorization_standardize_split_ngrams():
    layer = layers.TextVectorization(output_mode="int")
    layer.adapt(["Hello, World!", "HELLO   it's me\tagain"])
    # punctuation (the apostrophe too) removed, ASCII lower-cased, ASCII whitespace runs split
    assert set(layer.get_vocabulary()[2:]) == {"hello", "world", "its", "me", "again"}
    assert layer.get_vocabulary()[2] == "hello"
    out = arr(layer(["world hello", "again"]))
    assert out.shape == (2, 2)  # padded to the longest row
    chars = layers.TextVectorization(split="character", standardize=None, vocabulary=["a", "b"])
    assert arr(chars(["abca"])).tolist() == [[2, 3, 1, 2]]
    bigrams = layers.TextVectorization(ngrams=2, vocabulary=["a", "b", "a b"], output_mode="count")
    assert arr(bigrams(["a b a"])).tolist() == [[1, 2, 1, 1]]  # a, b, a, "a b", "b a"(OOV)
    custom = layers.TextVectorization(standardize=lambda x: np.char.upper(x), split=None, vocabulary=["HI"])
    assert arr(custom(np.array([["hi"], ["yo"]]))).tolist() == [[2], [1]]


def test_text_vectorization_bag_of_words_modes():
    docs = ["the cat sat", "the dog sat", "the end"]
    for mode in ("multi_hot", "count", "tf_idf"):
        layer = layers.TextVectorization(output_mode=mode, max_tokens=6, pad_to_max_tokens=True)
        layer.adapt(docs)
        vocab = layer.get_vocabulary()
        assert vocab[:3] == ["[UNK]", "the", "sat"]
        out = arr(layer(["the the cat zebra"]))
        assert out.shape == (1, 6) and out.dtype == np.float32
        counts = np.zeros(6)
        for tok in ["the", "the", "cat", "zebra"]:
            counts[vocab.index(tok) if tok in vocab else 0] += 1
        if mode == "multi_hot":
            np.testing.assert_array_equal(out[0], counts > 0)
        elif mode == "count":
            np.testing.assert_array_equal(out[0], counts)
        else:
            doc_counts = {"the": 3, "sat": 2}
            idf = {t: np.log(1 + 3 / (1 + doc_counts.get(t, 1))) for t in vocab[1:]}
            assert out[0][vocab.index("the")] == pytest.approx(2 * idf["the"], rel=1e-6)
            assert out[0][0] == pytest.approx(np.mean(list(idf.values())), rel=1e-6)


def test_text_vectorization_in_a_model_fit_save_load(tmp_path):
    texts = np.array([["good movie great"], ["bad film awful"], ["great great fun"], ["awful boring bad"]])
    labels = np.array([1, 0, 1, 0])
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=6)
    vectorize.adapt(texts)
    inputs = keras.Input(shape=(1,), dtype="string")
    x = vectorize(inputs)
    assert x.shape == (None, 6) and x.dtype == "int64"
    x = layers.Embedding(20, 4)(x)
    x = layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
    model.compile("adam", "binary_crossentropy")
    model.fit(texts, labels, epochs=2, batch_size=2, verbose=0)
    before = model.predict(texts, verbose=0)
    path = os.path.join(tmp_path, "text.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), before, rtol=1e-6)
    assert loaded.layers[1].get_vocabulary() == vectorize.get_vocabulary()
    cfg = vectorize.get_config()
    assert cfg["vocabulary_size"] == vectorize.vocabulary_size()
    assert layers.TextVectorization.from_config(cfg).get_vocabulary() == vectorize.get_vocabulary()


def test_lookup_as_first_sequential_layer_and_in_dataset_map():
    seq = keras.Sequential([layers.StringLookup(vocabulary=["a", "b"], output_mode="one_hot"), layers.Dense(2)])
    assert seq.predict(np.array([["a"], ["b"], ["z"]]), verbose=0).shape == (3, 2)
    ints = keras.Sequential([keras.Input(shape=(2,), dtype="int64"), layers.IntegerLookup(vocabulary=[4, 9]),
                             layers.CategoryEncoding(num_tokens=3, output_mode="count")])
    np.testing.assert_array_equal(ints.predict(np.array([[4, 4], [9, 1]]), verbose=0), [[0, 2, 0], [1, 0, 1]])


def test_structured_data_model_with_every_preprocessing_layer(tmp_path):
    rng = np.random.RandomState(0)
    n = 40
    thal = rng.choice(["fixed", "normal", "reversible"], size=(n, 1))
    sex = rng.randint(0, 2, size=(n, 1))
    age = rng.uniform(30, 70, size=(n, 1)).astype("float32")
    labels = (age[:, 0] > 50).astype("float32")
    thal_in = keras.Input(shape=(1,), name="thal", dtype="string")
    sex_in = keras.Input(shape=(1,), name="sex", dtype="int64")
    age_in = keras.Input(shape=(1,), name="age")
    lookup = layers.StringLookup(output_mode="one_hot")
    lookup.adapt(thal)
    int_lookup = layers.IntegerLookup(output_mode="one_hot")
    int_lookup.adapt(sex)
    norm = layers.Normalization()
    norm.adapt(age)
    bins = layers.Discretization(num_bins=4)
    bins.adapt(age)
    feats = layers.concatenate([lookup(thal_in), int_lookup(sex_in), norm(age_in),
                                layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")(bins(age_in)),
                                layers.HashedCrossing(num_bins=8, output_mode="one_hot")([thal_in, sex_in]),
                                layers.Hashing(num_bins=5, output_mode="one_hot")(thal_in)])
    assert feats.shape == (None, 4 + 3 + 1 + 4 + 8 + 5)
    out = layers.Dense(1, activation="sigmoid")(layers.Dense(8, activation="relu")(feats))
    model = keras.Model([thal_in, sex_in, age_in], out)
    model.compile("adam", "binary_crossentropy")
    model.fit([thal, sex, age], labels, epochs=2, batch_size=8, verbose=0)
    before = model.predict([thal, sex, age], verbose=0)
    path = os.path.join(tmp_path, "structured.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict([thal, sex, age], verbose=0), before, rtol=1e-6)


def test_large_integer_ids_stay_exact():
    ids = np.array([[123456789], [123456790], [7]])
    vocab = [123456789, 123456790]
    assert arr(layers.IntegerLookup(vocabulary=vocab)(ids)).ravel().tolist() == [1, 2, 0]
    model = keras.Sequential([keras.Input((1,), dtype="int64"), layers.IntegerLookup(vocabulary=vocab)])
    assert model.predict(ids, verbose=0).ravel().tolist() == [1, 2, 0]
    want = [fingerprint64(b"123456789") % 1000]
    assert arr(layers.Hashing(num_bins=1000)(np.array([123456789]))).tolist() == want


def test_load_model_reads_keras_vocabulary_assets(tmp_path):
    """A Keras archive keeps an adapted vocabulary in assets/layers/<key>/vocabulary.txt (the config
    has vocabulary=None); rebuilt here from a minidl file in that layout."""
    import zipfile
    texts = np.array([["b a b"], ["c b"]])
    vectorize = layers.TextVectorization(output_sequence_length=3)
    vectorize.adapt(texts)
    lookup = layers.StringLookup()
    lookup.adapt(np.array([["x"], ["y"], ["y"]]))
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, [vectorize(inputs), lookup(inputs)])
    saved = os.path.join(tmp_path, "minidl.keras")
    model.save(saved)
    keras_like = os.path.join(tmp_path, "keras.keras")
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(keras_like, "w") as dst:
        config = json.loads(src.read("config.json"))
        for entry in config["config"]["layers"]:
            if entry["class_name"] in ("TextVectorization", "StringLookup"):
                entry["config"]["vocabulary"] = None
        dst.writestr("config.json", json.dumps(config))
        dst.writestr("model.weights.h5", src.read("model.weights.h5"))
        dst.writestr("assets/layers/text_vectorization/vocabulary.txt", "\n".join(vectorize.get_vocabulary()))
        dst.writestr("assets/layers/string_lookup/vocabulary.txt", "\n".join(lookup.get_vocabulary()))
    loaded = keras.models.load_model(keras_like)
    assert loaded.layers[1].get_vocabulary() == ["", "[UNK]", "b", "c", "a"]
    assert loaded.layers[2].get_vocabulary() == ["[UNK]", "y", "x"]
    out = loaded.predict(np.array([["a c z"], ["y"]]), verbose=0)
    assert out[0].tolist() == [[4, 3, 1], [1, 0, 0]] and out[1].ravel().tolist() == [0, 1]
