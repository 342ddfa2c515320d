"""keras.config / keras.backend / keras.utils settings and helpers, keras.mixed_precision,
keras.dtype_policies, keras.tree and the top-level names, against Keras 3.15's behaviour
(values read from the reference Keras on JAX and written here)."""
import collections
import logging
import warnings

import numpy as np
import pytest

from minidl import keras


def test_config_is_a_real_module():
    import minidl.keras.config as config
    assert keras.config is config
    names = ["backend", "disable_flash_attention", "disable_interactive_logging", "disable_traceback_filtering",
             "dtype_policy", "enable_flash_attention", "enable_interactive_logging", "enable_traceback_filtering",
             "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format",
             "is_flash_attention_enabled", "is_interactive_logging_enabled", "is_nnx_enabled",
             "is_traceback_filtering_enabled", "max_epochs", "max_steps_per_epoch", "set_backend",
             "set_dtype_policy", "set_epsilon", "set_floatx", "set_image_data_format", "set_max_epochs",
             "set_max_steps_per_epoch"]
    assert [n for n in names if not hasattr(config, n)] == []
    assert config.backend() == keras.backend.backend() == "minidl"
    assert config.floatx() == "float32" and config.image_data_format() == "channels_last"
    assert config.max_epochs() is None and config.is_nnx_enabled() is False


def test_unsupported_settings_raise_instead_of_pretending():
    with pytest.raises(ValueError, match="float32 only"):
        keras.config.set_floatx("float64")
    with pytest.raises(ValueError, match="Unknown `floatx`"):
        keras.backend.set_floatx("float8")
    with pytest.raises(ValueError, match="channels_last"):
        keras.config.set_image_data_format("channels_first")
    with pytest.raises(ValueError, match="must be one of"):
        keras.backend.set_image_data_format("nhwc")
    with pytest.raises(ValueError, match="flash-attention"):
        keras.config.enable_flash_attention()
    with pytest.raises(ValueError, match="minidl"):
        keras.config.set_backend("jax")
    keras.config.set_floatx("float32")
    keras.config.set_image_data_format("channels_last")


def test_set_epsilon_changes_the_loss_clipping():
    y_true, y_pred = np.array([[1.0, 0.0]], "float32"), np.array([[0.0, 1.0]], "float32")
    loss = keras.losses.CategoricalCrossentropy()
    default = float(keras.ops.convert_to_numpy(loss(y_true, y_pred)))
    np.testing.assert_allclose(default, -np.log(1e-7), rtol=1e-4)  # log of the clipped 0
    try:
        keras.config.set_epsilon(1e-3)
        assert keras.backend.epsilon() == 1e-3
        changed = float(keras.ops.convert_to_numpy(loss(y_true, y_pred)))
        np.testing.assert_allclose(changed, -np.log(1e-3), rtol=1e-3)
    finally:
        keras.config.set_epsilon(1e-7)


def test_max_epochs_and_steps_cap_fit():
    x, y = np.ones((32, 3), "float32"), np.ones((32, 1), "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    try:
        keras.config.set_max_epochs(2)
        keras.config.set_max_steps_per_epoch(3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = model.fit(x, y, epochs=5, batch_size=4, verbose=0)
        messages = {str(w.message) for w in caught}
        assert {"Limiting epochs to 2", "Limiting steps_per_epoch to 3"} <= messages
        assert len(history.history["loss"]) == 2
        assert model.optimizer.iterations == 2 * 3
    finally:
        keras.config.set_max_epochs(None)
        keras.config.set_max_steps_per_epoch(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(model.fit(x, y, epochs=3, batch_size=16, verbose=0).history["loss"]) == 3


def test_interactive_logging_switch(capsys, caplog):
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    keras.utils.disable_interactive_logging()
    try:
        assert keras.config.is_interactive_logging_enabled() is False
        with caplog.at_level(logging.INFO, logger="minidl.keras"):
            model.fit(x, y, epochs=1, verbose=1)
        assert "loss" not in capsys.readouterr().out
        assert any("loss:" in r.getMessage() and "\x1b" not in r.getMessage() for r in caplog.records)
    finally:
        keras.config.enable_interactive_logging()
    model.fit(x, y, epochs=1, verbose=1)
    assert "loss" in capsys.readouterr().out


def test_unsafe_deserialization_switch(tmp_path):
    from minidl.keras._settings import put
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 3.0)])
    model.save(tmp_path / "l.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        keras.models.load_model(tmp_path / "l.keras")
    keras.config.enable_unsafe_deserialization()
    try:
        loaded = keras.models.load_model(tmp_path / "l.keras")
        np.testing.assert_allclose(loaded.predict(np.ones((1, 2)), verbose=0), 3.0)
    finally:
        put("unsafe_deserialization", False)


def test_traceback_filtering_switch():
    keras.config.disable_traceback_filtering()
    assert keras.config.is_traceback_filtering_enabled() is False
    keras.config.enable_traceback_filtering()
    assert keras.config.is_traceback_filtering_enabled() is True


def test_backend_dtype_helpers_match_keras():
    b = keras.backend
    assert b.standardize_dtype(None) == "float32" and b.standardize_dtype(float) == "float32"
    assert b.standardize_dtype(np.int64) == "int64" and b.standardize_dtype(np.dtype("uint8")) == "uint8"
    assert b.standardize_dtype(int) == "int32" and keras.utils.standardize_dtype("bool") == "bool"
    with pytest.raises(ValueError, match="Invalid dtype: float"):
        b.standardize_dtype("float")
    assert b.is_float_dtype("float16") and b.is_float_dtype("bfloat16") and not b.is_float_dtype("int8")
    assert b.is_int_dtype("uint8") and not b.is_int_dtype("bool")
    # keras.backend.result_type on Keras 3.15 (JAX backend) for these arguments:
    cases = [(("int32", "float16"), "float16"), (("uint8", "int8"), "int16"), (("int64", "float16"), "float16"),
             (("uint64", "int64"), "float32"), ((int, "int8"), "int8"), ((float, "int32"), "float32"),
             (("bool", "bool"), "bool"), ((int, float), "float32"), (("float32", "float64"), "float32"),
             (("bfloat16", "float16"), "float32"), ((int,), "int32"), ((), "float32"), (("bool", int), "int32"),
             (("uint32", "int32"), "int32"), (("bool", "uint16"), "uint16"), ((float, "bfloat16"), "bfloat16")]
    for args, expected in cases:
        assert b.result_type(*args) == expected, args


def test_get_uid_and_clear_session():
    keras.backend.clear_session()
    assert [keras.backend.get_uid("t"), keras.backend.get_uid("t"), keras.backend.get_uid("u")] == [1, 2, 1]
    keras.utils.clear_session()
    assert keras.backend.get_uid("t") == 1


def test_keras_tensor_helpers():
    inputs = keras.Input((3,))
    other = keras.Input((3,))
    out = keras.layers.Add()([keras.layers.Dense(3)(inputs), other])
    assert keras.backend.is_keras_tensor(out) and keras.utils.is_keras_tensor(inputs)
    assert not keras.utils.is_keras_tensor(np.ones(3))
    sources = keras.utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is inputs and sources[1] is other
    assert keras.utils.get_source_inputs(inputs) == [inputs]


def test_pack_unpack():
    u = keras.utils
    assert u.pack_x_y_sample_weight(1) == 1 and u.pack_x_y_sample_weight((1, 2)) == ((1, 2),)
    assert u.pack_x_y_sample_weight(1, 2) == (1, 2) and u.pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    assert u.unpack_x_y_sample_weight((1, 2)) == (1, 2, None) and u.unpack_x_y_sample_weight(1) == (1, None, None)
    assert u.unpack_x_y_sample_weight([1]) == (1, None, None)
    with pytest.raises(ValueError, match="Data is expected"):
        u.unpack_x_y_sample_weight((1, 2, 3, 4))


def test_config_container():
    c = keras.utils.Config(learning_rate=0.1)
    c.momentum = 0.9
    c["seed"] = 1
    assert c.learning_rate == 0.1 and c["momentum"] == 0.9 and list(c) == ["learning_rate", "momentum", "seed"]
    assert c.as_dict() == {"learning_rate": 0.1, "momentum": 0.9, "seed": 1} and len(c) == 3 and "seed" in c
    assert c.to_json() == '{"learning_rate": 0.1, "momentum": 0.9, "seed": 1}'
    with pytest.raises(AttributeError, match="Did you mean 'momentum'"):
        c.momentun
    c.freeze()
    with pytest.raises(ValueError, match="frozen"):
        c.seed = 2
    c.unfreeze()
    c.seed = 2
    assert c.seed == 2


def test_dtype_policies_and_mixed_precision():
    p = keras.mixed_precision.Policy("mixed_float16")
    assert (p.name, p.compute_dtype, p.variable_dtype) == ("mixed_float16", "float16", "float32")
    assert repr(p) == '<DTypePolicy "mixed_float16">' and p.get_config() == {"name": "mixed_float16"}
    assert keras.DTypePolicy is keras.dtype_policies.DTypePolicy is keras.mixed_precision.DTypePolicy
    assert keras.dtype_policies.serialize(p) == {"module": "keras", "class_name": "DTypePolicy",
                                                 "config": {"name": "mixed_float16"}, "registered_name": None}
    assert keras.dtype_policies.get("float32") == keras.mixed_precision.global_policy()
    with pytest.raises(ValueError, match="Cannot convert 'foo'"):
        keras.DTypePolicy("foo")
    for name in ("mixed_float16", "mixed_bfloat16", "float64"):
        with pytest.raises(ValueError, match="float32 only"):
            keras.mixed_precision.set_global_policy(name)
    keras.config.set_dtype_policy("float32")
    assert keras.config.dtype_policy().name == "float32"


def test_tree_matches_keras():
    t = keras.tree
    P = collections.namedtuple("P", "x y")
    assert t.flatten(None) == [None] and t.flatten(P(1, [2, None])) == [1, 2, None]
    assert t.flatten({"b": 1, "a": {"d": 2, "c": 3}}) == [3, 2, 1] and t.flatten(1) == [1]
    assert t.map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)]) == [11, (22,)]
    assert list(t.map_structure(lambda a: a, {"b": 1, "a": 2})) == ["b", "a"]
    assert t.pack_sequence_as({"b": [0, 0], "a": 0}, [1, 2, 3]) == {"b": [2, 3], "a": 1}
    assert t.pack_sequence_as(P(0, [0]), [5, 6]) == P(5, [6])
    assert t.flatten_with_path({"a": [1, 2]}) == [(("a", 0), 1), (("a", 1), 2)]
    assert t.traverse(lambda x: x * 2 if isinstance(x, int) else None, [1, [2]]) == [2, [4]]
    assert t.traverse(lambda x: t.MAP_TO_NONE if x == 1 else None, [1, 2]) == [None, 2]
    assert t.map_structure_up_to([0, 0], str, [1, [2, 3]]) == ["1", "[2, 3]"]
    with pytest.raises(ValueError, match="list arity mismatch; expected: 2, got: 1"):
        t.assert_same_structure([1, 2], [1])
    with pytest.raises(ValueError, match="Expected an instance of list"):
        t.assert_same_structure([1, 2], (1, 2))
    t.assert_same_structure([1, [2]], [3, [4]])
    assert (t.is_nested(1), t.is_nested(P(1, 2)), t.is_nested({}), t.is_nested("ab")) == (False, True, True, False)
    assert t.lists_to_tuples({"a": [1, [2]]}) == {"a": (1, (2,))}
    assert t.map_shape_structure(len, [(1, 2), (3,)]) == [2, 1]
    assert t.map_structure(lambda a: 0, [None, 1], none_is_leaf=False) == [None, 0]


def test_top_level_names():
    assert keras.Loss is keras.losses.Loss and keras.Metric is keras.metrics.Metric
    assert keras.Initializer is keras.initializers.Initializer and keras.Regularizer is keras.regularizers.Regularizer
    assert keras.Optimizer is keras.optimizers.Optimizer and keras.version() == keras.__version__
    inputs = keras.Input((3,))
    fn = keras.Function(inputs, keras.layers.Dense(2, kernel_initializer="ones")(inputs))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(fn(np.ones((1, 3), "float32"))), [[3.0, 3.0]])
    from minidl.keras._toplevel import current_name_scope
    with keras.name_scope("a"), keras.name_scope("b"):
        assert current_name_scope() == "a/b"
    assert current_name_scope() == ""
    with keras.device("cpu:0"):
        assert str(keras.ops.ones((2,)).device) == "cpu"
    with pytest.raises(ValueError, match="device_name"):
        with keras.device("tpu:0"):
            pass
