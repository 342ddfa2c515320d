"""CategoryEncoding / Discretization / lookup layers against Keras 3.15 (differential: CategoryEncoding and
Discretization expectations read from Keras 3.15.1 with the JAX backend; the lookup layers need TensorFlow
in Keras, so their expectations come from Keras 3.15's source and the tests skip where Keras cannot build
them; the file runs with ``import keras`` in place of minidl.keras)."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
import minidl.keras as keras  # noqa: E402

L = keras.layers


def _out(y):
    a = np.asarray(y)
    return str(a.dtype), a.shape, a.tolist()


@pytest.mark.parametrize("mode", ["multi_hot", "count"])
def test_category_encoding_rank3_reduces_axis_1(mode):
    x = np.array([[[1, 2]], [[0, 3]]])
    assert _out(L.CategoryEncoding(num_tokens=4, output_mode=mode)(x)) == (
        "float32", (2, 2, 4), [[[0, 1, 0, 0], [0, 0, 1, 0]], [[1, 0, 0, 0], [0, 0, 0, 1]]])


def test_category_encoding_modes_and_count_weights():
    x = np.array([[0, 1, 1], [2, 3, 0]])
    assert _out(L.CategoryEncoding(4, output_mode="count")(x))[2] == [[1, 2, 0, 0], [1, 0, 1, 1]]
    assert _out(L.CategoryEncoding(4)(x))[2] == [[1, 1, 0, 0], [1, 0, 1, 1]]
    assert _out(L.CategoryEncoding(4, output_mode="one_hot")(np.array([[0], [3]]))) == (
        "float32", (2, 4), [[1, 0, 0, 0], [0, 0, 0, 1]])
    assert _out(L.CategoryEncoding(4, output_mode="one_hot", dtype="int32")(np.array([[0, 1]])))[:2] == (
        "int32", (1, 2, 4))
    y = L.CategoryEncoding(4, output_mode="count")(np.array([[0, 1, 1]]), count_weights=np.array([[0.5, 1., 2.]]))
    assert np.asarray(y).tolist() == [[0.5, 3.0, 0.0, 0.0]]


def test_category_encoding_errors():
    with pytest.raises(ValueError, match="Unknown arg for output_mode: int"):
        L.CategoryEncoding(4, output_mode="int")
    with pytest.raises(ValueError, match="num_tokens must be set"):
        L.CategoryEncoding()


def test_discretization_outputs_and_errors():
    x = np.array([[-1.5, 0.0, 0.5, 1.0, 2.5]])
    d = L.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    assert _out(d(x)) == ("int32", (1, 5), [[0, 1, 1, 2, 3]])
    assert _out(L.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode="count")(x)) == (
        "float32", (1, 4), [[1, 2, 1, 1]])
    with pytest.raises(ValueError, match=r"Unknown value for `output_mode` argument of Discretization. Allowed "
                                         r"values are: \('int', 'one_hot', 'multi_hot', 'count'\). Received: "
                                         r"output_mode=tf_idf"):
        L.Discretization(bin_boundaries=[0.], output_mode="tf_idf")
    with pytest.raises(ValueError, match="Both `num_bins` and `bin_boundaries` should not be set"):
        L.Discretization(bin_boundaries=[0., 1.], num_bins=3)


def _lookup(cls, **kwargs):
    try:
        return getattr(L, cls)(**kwargs)
    except ImportError:  # Keras' lookup layers need TensorFlow
        pytest.skip(f"{cls} needs TensorFlow in Keras")


def test_lookup_dtypes():
    s = _lookup("StringLookup", vocabulary=["a", "b", "c"], dtype="int32")
    assert (s.dtype, s.compute_dtype, s.variable_dtype, s.vocabulary_dtype) == ("string",) * 4
    assert s.get_config()["dtype"]["config"]["name"] == "float32"
    assert str(np.asarray(s(np.array([["a", "z"]]))).dtype) == "int64"
    i = _lookup("IntegerLookup", vocabulary=[5, 7])
    assert (i.dtype, i.vocabulary_dtype) == ("int64", "int64")
    assert np.asarray(i(np.array([5, 9, 7]))).tolist() == [1, 0, 2]


def test_lookup_errors():
    with pytest.raises(ValueError, match=r"Unknown value for `output_mode` argument of StringLookup. Allowed values "
                                         r"are: \('int', 'one_hot', 'multi_hot', 'count', 'tf_idf'\)"):
        _lookup("StringLookup", output_mode="x")
    with pytest.raises(ValueError, match=r"Unrecognized keyword argument\(s\): \{'foo': 1\}"):
        _lookup("StringLookup", foo=1)
    with pytest.raises(ValueError, match="`output_mode` must be `'int'` when `invert` is true"):
        _lookup("StringLookup", invert=True, output_mode="one_hot")


def test_lookup_reserved_tokens_in_vocabulary():
    # Keras 3.15's IndexLookup.set_vocabulary: the OOV token is only refused with invert=True; the index
    # printed is the last occurrence, as numpy prints np.argwhere(...)[-1]
    layer = _lookup("StringLookup", vocabulary=["a", "[UNK]", "b"])
    assert layer.get_vocabulary() == ["[UNK]", "a", "[UNK]", "b"]
    with pytest.raises(ValueError, match=r"Found reserved OOV token at unexpected location in `vocabulary`.*"
                                         r"Received: oov_token=\[UNK\] at vocabulary index \[1\]"):
        _lookup("StringLookup", vocabulary=["a", "[UNK]", "b"], invert=True)
    with pytest.raises(ValueError, match=r"Found reserved mask token at unexpected location.*"
                                         r"Received: mask_token=m at vocabulary index \[1\]"):
        _lookup("StringLookup", vocabulary=["a", "m", "b"], mask_token="m")


def test_sparse_int_output_errors():
    with pytest.raises(ValueError, match=r"`sparse=True` may only be used if `output_mode` is `'one_hot'`, "
                                         r"`'multi_hot'`, or `'count'`. Received: sparse=True and output_mode=int"):
        L.Discretization(bin_boundaries=[0.0], sparse=True)
