"""``keras.ops.convert_to_tensor``/``keras.ops.array`` of Python ints and NumPy int64 give int32, as Keras 3
on JAX (64-bit types disabled); the dtypes below are the ones Keras 3.15 printed for the same calls."""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import ops

A = lambda: ops.convert_to_tensor([1, 2, 3])  # noqa: E731
B = lambda: ops.array(np.array([4, 5, 6]))  # noqa: E731
X = lambda: ops.convert_to_tensor(np.arange(12, dtype="float32").reshape(3, 4))  # noqa: E731

KERAS_DTYPES = [  # (call, Keras 3.15's dtype, values)
    (lambda: A(), "int32", [1, 2, 3]),
    (lambda: B(), "int32", [4, 5, 6]),
    (lambda: ops.convert_to_tensor(3), "int32", [3]),
    (lambda: ops.convert_to_tensor(np.array([1], "int16")), "int16", [1]),
    (lambda: ops.convert_to_tensor([1.5]), "float32", [1.5]),
    (lambda: A() + B(), "int32", [5, 7, 9]),
    (lambda: A() + 1, "int32", [2, 3, 4]),
    (lambda: A() * 2.5, "float32", [2.5, 5.0, 7.5]),
    (lambda: B() // A(), "int32", [4, 2, 2]),
    (lambda: ops.sum(A()), "int32", [6]),
    (lambda: ops.mean(A()), "float32", [2.0]),
    (lambda: ops.cumsum(A()), "int32", [1, 3, 6]),
    (lambda: ops.matmul(ops.convert_to_tensor([[1, 2]]), ops.convert_to_tensor([[3], [4]])), "int32", [11]),
    (lambda: ops.take(X(), A() - 1, axis=1), "float32", [0.0, 1.0, 2.0, 4.0, 5.0, 6.0]),
    (lambda: ops.one_hot(A(), 4), "float32", [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]),
    (lambda: X()[A() - 1], "float32", [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
    (lambda: ops.where(A() > 1, A(), B()), "int32", [4, 2, 3]),
    (lambda: ops.segment_sum(ops.convert_to_tensor([1.0, 2.0, 3.0]), ops.convert_to_tensor([0, 0, 1]), num_segments=2),
     "float32", [3.0, 3.0]),
    (lambda: ops.stack([A(), B()]), "int32", [1, 2, 3, 4, 5, 6]),
    (lambda: ops.square(A()), "int32", [1, 4, 9]),
    (lambda: ops.sqrt(A()), "float32", [1.0, 2 ** 0.5, 3 ** 0.5]),
    (lambda: ops.bincount(A()), "int32", [0, 1, 1, 1]),
    (lambda: keras.losses.sparse_categorical_crossentropy(ops.convert_to_tensor([1, 0]),
                                                          ops.convert_to_tensor([[0.2, 0.8], [0.6, 0.4]])),
     "float32", [-np.log(0.8), -np.log(0.6)]),
]


@pytest.mark.parametrize("index", range(len(KERAS_DTYPES)))
def test_integer_conversions_and_the_ops_on_them_have_keras_dtypes(index):
    call, dtype, values = KERAS_DTYPES[index]
    out = call()
    assert str(out.dtype).replace("minidl.", "") == dtype
    np.testing.assert_allclose(ops.convert_to_numpy(out).ravel()[:len(values)], values, rtol=1e-6)


def test_values_needing_64_bits_stay_int64_and_dtype_is_honoured():
    # Keras (x64 disabled) would wrap 2**40 to 0; minidl keeps the value in int64 rather than corrupt it
    big = ops.convert_to_tensor(np.array([2 ** 40]))
    assert str(big.dtype) == "minidl.int64" and int(ops.convert_to_numpy(big)[0]) == 2 ** 40
    assert str(ops.convert_to_tensor([1, 2], dtype="int64").dtype) == "minidl.int64"
    assert str(ops.convert_to_tensor(np.zeros(0, "int64")).dtype) == "minidl.int32"
