"""keras.utils.FeatureSpace in minidl.keras.

Values of the float features (Normalization statistics, Discretization's adapted boundaries, the encoded
outputs and their dtypes) and the saved config are Keras 3.15's, from tests/fixtures/keras_feature_space.json
(written by tests/fixtures/make_keras_feature_space.py; Keras' FeatureSpace itself needs TensorFlow to adapt
and call, so the generator runs its steps with Keras' own layers). The categorical features are checked
against minidl's lookup / hashing layers run alone, which their own tests compare with Keras.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers
from minidl.keras.dataset import Dataset
from minidl.keras.utils import FeatureSpace

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "keras_feature_space.json").read_text())


def _float_space(output_mode="dict", with_int=True):
    features = {"z_norm": FeatureSpace.float_normalized(name="z"), "a_plain": FeatureSpace.float(name="a"),
                "m_resc": FeatureSpace.float_rescaled(scale=0.5, offset=-1.0, name="m"),
                "d_disc": FeatureSpace.float_discretized(num_bins=4, name="d")}
    if with_int:
        features["e_disc_int"] = FeatureSpace.float_discretized(num_bins=3, output_mode="int", name="e")
    return FeatureSpace(features, output_mode=output_mode, name="space")


def _fixture_data():
    return {k: np.asarray(v, dtype=np.float32) for k, v in FIXTURE["data"].items()}


def test_float_features_match_keras():
    data = _fixture_data()
    space = _float_space()
    space.adapt(Dataset.from_tensor_slices(data))  # unbatched scalars: batched by 32, as Keras
    for key, want in FIXTURE["boundaries"].items():
        np.testing.assert_allclose(space.preprocessors[key].bin_boundaries, want, rtol=1e-6)
    norm = space.preprocessors["z_norm"]
    np.testing.assert_allclose(norm.mean.numpy().ravel(), FIXTURE["mean"], rtol=1e-5)
    np.testing.assert_allclose(norm.variance.numpy().ravel(), FIXTURE["variance"], rtol=1e-5)
    out = space(data)
    assert sorted(out) == sorted(FIXTURE["dict"])
    for key, want in FIXTURE["dict"].items():
        got = out[key].numpy()
        assert str(got.dtype) == FIXTURE["dict_dtypes"][key], key
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-6, err_msg=key)
    concat = _float_space("concat", with_int=False)
    concat.adapt(data)  # a dict of arrays is adapted as its Dataset
    expected = np.concatenate([np.asarray(FIXTURE["dict"][k]) for k in ("a_plain", "d_disc", "m_resc", "z_norm")], 1)
    got = concat(data)
    assert got.shape == (40, 7) and str(got.dtype).endswith("float32")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)
    one = concat({k: v[3] for k, v in data.items()})  # one sample of scalars: no batch axis
    np.testing.assert_allclose(one.numpy(), expected[3], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="has not been encoded"):
        _float_space("concat").adapt(data)  # an int output cannot be concatenated


def test_config_matches_keras():
    want = FIXTURE["config"]
    got = keras.saving.serialize_keras_object(_float_space())
    assert (got["module"], got["class_name"]) == ("keras.utils", "FeatureSpace")
    assert set(got["config"]) == set(want["config"])
    for key in ("output_mode", "crosses", "crossing_dim", "hashing_dim", "num_discretization_bins"):
        assert got["config"][key] == want["config"][key], key
    for key, feature in want["config"]["features"].items():
        mine = got["config"]["features"][key]
        for field in ("module", "class_name", "registered_name"):
            assert mine[field] == feature[field], (key, field)
        assert {k: v for k, v in mine["config"].items() if k != "preprocessor"} == \
            {k: v for k, v in feature["config"].items() if k != "preprocessor"}
        pre, keras_pre = mine["config"]["preprocessor"], feature["config"]["preprocessor"]
        assert pre["class_name"] == keras_pre["class_name"]
        assert pre["config"]["name"] == keras_pre["config"]["name"]  # e.g. "z_preprocessor"
    rebuilt = FeatureSpace.from_config(got["config"])
    assert list(rebuilt.features) == list(want["config"]["features"])
    assert type(rebuilt.preprocessors["d_disc"]) is layers.Discretization


RAW = {"color": ["red", "blue", "red", "green", "red", "blue"], "size": [3, 1, 3, 2, 2, 3],
       "price": [1.0, 2.5, 3.0, 0.5, 4.0, 2.0], "shop": ["x", "y", "x", "x", "z", "y"],
       "code": [10, 20, 10, 30, 40, 20]}


def _categorical_space(output_mode="concat"):
    return FeatureSpace({"color": "string_categorical", "size": "integer_categorical", "price": "float_normalized",
                         "shop": "string_hashed", "code": FeatureSpace.integer_hashed(num_bins=4)},
                        crosses=[("color", "size")], crossing_dim=8, hashing_dim=5, output_mode=output_mode)


def test_categorical_hashed_and_crossed_features():
    space = _categorical_space("dict")
    space.adapt(Dataset.from_tensor_slices(RAW).batch(4))  # batched (rank 1) columns gain a trailing axis
    out = space(RAW)
    assert sorted(out) == ["code", "color", "color_X_size", "price", "shop", "size"]
    color = layers.StringLookup()
    color.adapt(np.array(RAW["color"]))
    np.testing.assert_array_equal(out["color"].numpy(), np.eye(4)[color(np.array(RAW["color"])).numpy()])
    size = layers.IntegerLookup()
    size.adapt(np.array(RAW["size"]))
    np.testing.assert_array_equal(out["size"].numpy(), np.eye(4)[size(np.array(RAW["size"])).numpy()])
    shop = layers.Hashing(num_bins=5)(np.array(RAW["shop"])[:, None]).numpy().ravel()
    np.testing.assert_array_equal(out["shop"].numpy(), np.eye(5)[shop])
    code = layers.Hashing(num_bins=4)(np.array(RAW["code"])[:, None]).numpy().ravel()
    np.testing.assert_array_equal(out["code"].numpy(), np.eye(4)[code])
    crossed = layers.HashedCrossing(8)([color(np.array(RAW["color"])[:, None]), size(np.array(RAW["size"])[:, None])])
    np.testing.assert_array_equal(out["color_X_size"].numpy(), np.eye(8)[crossed.numpy().ravel()])
    price = np.array(RAW["price"], np.float32)
    np.testing.assert_allclose(out["price"].numpy().ravel(), (price - price.mean()) / price.std(), rtol=1e-5)
    concat = _categorical_space()
    concat.adapt(RAW)
    vector = concat(RAW).numpy()
    order = ["code", "color", "price", "shop", "size", "color_X_size"]  # sorted features, then sorted crosses
    np.testing.assert_allclose(vector, np.concatenate([out[k].numpy() for k in order], 1), rtol=1e-6)
    assert concat.get_encoded_features().shape == (None, 4 + 4 + 1 + 5 + 4 + 8)


def test_int_outputs_and_errors():
    space = FeatureSpace({"color": FeatureSpace.string_categorical(output_mode="int", num_oov_indices=0),
                          "size": FeatureSpace.integer_categorical(output_mode="int")},
                         crosses=[FeatureSpace.cross(("color", "size"), crossing_dim=16, output_mode="int")],
                         output_mode="dict")
    with pytest.raises(ValueError, match="adapt"):
        space(RAW)
    space.adapt(RAW)
    out = space({k: RAW[k] for k in ("color", "size")})
    assert out["color"].numpy().ravel().tolist() == [0, 1, 0, 2, 0, 1]  # red (3), blue (2), green (1); no OOV
    assert str(out["size"].dtype).endswith("int64") and out["color_X_size"].numpy().max() < 16
    sample = space({"color": "blue", "size": 1})
    assert sample["color"].shape == (1,) and int(sample["color"].numpy()[0]) == 1
    with pytest.raises(ValueError, match="with a dict"):
        space([1, 2])
    with pytest.raises(ValueError, match="Invalid feature type"):
        FeatureSpace({"a": "float_bucketed"})
    with pytest.raises(ValueError, match="unknown features"):
        FeatureSpace({"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace({"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="Both `num_bins` and `bin_boundaries`"):
        FeatureSpace.float_discretized(num_bins=3, bin_boundaries=[0.0, 1.0])  # as Keras
    with pytest.raises(ValueError, match="can only be called on a"):
        _categorical_space().adapt([1, 2, 3])
    with pytest.raises(ValueError, match="without labels"):
        _categorical_space().adapt(Dataset.from_tensor_slices((RAW, np.zeros(6))))
    with pytest.raises(ValueError, match=r"no values for the features \['price'\]"):
        _categorical_space().adapt({k: v for k, v in RAW.items() if k != "price"})


def test_custom_feature_and_unadaptable_features():
    data = {"text": ["1st string", "2nd string", "3rd string"], "x": [0.5, 1.5, 2.5]}
    space = FeatureSpace({"text": FeatureSpace.feature(preprocessor=layers.TextVectorization(output_mode="tf_idf"),
                                                       dtype="string", output_mode="float"),
                          "x": FeatureSpace.float_rescaled(scale=2.0)}, output_mode="concat")
    space.adapt(Dataset.from_tensor_slices(data))
    vector = space(data).numpy()
    tfidf = space.preprocessors["text"](np.array(data["text"])[:, None]).numpy()
    np.testing.assert_allclose(vector, np.concatenate([tfidf, [[1.0], [3.0], [5.0]]], 1), rtol=1e-6)
    fixed = FeatureSpace({"x": "float", "y": "float_rescaled"})  # nothing to adapt: usable at once
    np.testing.assert_allclose(fixed({"x": [1.0, 2.0], "y": [3.0, 4.0]}).numpy(), [[1.0, 3.0], [2.0, 4.0]])


def test_models_and_saving(tmp_path):
    keras.utils.set_random_seed(0)
    space = _categorical_space()
    space.adapt(RAW)
    inputs, encoded = space.get_inputs(), space.get_encoded_features()
    assert set(inputs) == set(RAW) and inputs["color"].dtype == "string" and inputs["size"].dtype == "int32"
    hidden = layers.Dense(4, activation="relu")(encoded)
    output = layers.Dense(1, activation="sigmoid")(hidden)
    training_model = keras.Model(encoded, output)
    training_model.compile("adam", "binary_crossentropy")
    labels = np.array([1, 0, 1, 0, 1, 0], np.float32)
    train = Dataset.from_tensor_slices((RAW, labels)).batch(4).map(lambda x, y: (space(x), y))
    history = training_model.fit(train, epochs=2, validation_data=train, verbose=0)
    assert len(history.history["val_loss"]) == 2
    inference = keras.Model(inputs, output)
    raw_columns = {k: np.array(v) for k, v in RAW.items()}
    want = training_model.predict(space(RAW), verbose=0)
    np.testing.assert_allclose(inference.predict(raw_columns, verbose=0), want, rtol=1e-5)
    inference.save(tmp_path / "inference.keras")
    reloaded = keras.models.load_model(tmp_path / "inference.keras")
    np.testing.assert_allclose(reloaded.predict(raw_columns, verbose=0), want, rtol=1e-5)
    space.save(tmp_path / "space.keras")
    loaded = keras.models.load_model(tmp_path / "space.keras")
    assert isinstance(loaded, FeatureSpace) and loaded is not space
    np.testing.assert_array_equal(loaded(RAW).numpy(), space(RAW).numpy())
    with pytest.raises(ValueError, match="extension"):
        space.save(tmp_path / "space.h5")
    keras.saving.save_model(space, tmp_path / "again.keras")
    assert isinstance(keras.saving.load_model(tmp_path / "again.keras"), FeatureSpace)
    with pytest.raises(FileExistsError):
        keras.saving.save_model(space, tmp_path / "again.keras", overwrite=False)
    reloaded_config = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(space))
    assert isinstance(reloaded_config, FeatureSpace) and sorted(reloaded_config.features) == sorted(RAW)
