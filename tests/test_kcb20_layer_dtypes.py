"""Layer dtype views (dtype_policy, compute_dtype, variable_dtype, input_dtype) against Keras 3.15
(differential: the file passes with ``import keras`` in place of minidl.keras)."""
import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
import minidl.keras as keras  # noqa: E402


@pytest.mark.parametrize("dtype,compute,variable", [(None, "float32", "float32"),
                                                    ("mixed_float16", "float16", "float32"),
                                                    ("mixed_bfloat16", "bfloat16", "float32"),
                                                    ("float16", "float16", "float16")])
def test_dense_dtype_views(dtype, compute, variable):
    layer = keras.layers.Dense(2, dtype=dtype)
    assert (layer.compute_dtype, layer.variable_dtype, layer.input_dtype) == (compute, variable, compute)
    assert layer.dtype_policy.name == (dtype or "float32")
    assert layer.dtype_policy.compute_dtype == compute


def test_preprocessing_dtype_views():
    layer = keras.layers.CategoryEncoding(4)
    assert (layer.compute_dtype, layer.variable_dtype, layer.input_dtype) == ("float32",) * 3
    layer = keras.layers.Discretization(bin_boundaries=[0.0])
    assert (layer.compute_dtype, layer.input_dtype) == ("float32", "float32")
