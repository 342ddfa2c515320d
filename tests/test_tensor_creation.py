"""Creation functions, dtypes and Size, checked against PyTorch's documented behaviour (values by hand)."""
import pickle

import numpy as np
import pytest

import minidl as mdl


def test_dtypes_compare_equal_to_each_other_and_to_numpy():
    assert mdl.float is mdl.float32 and mdl.double is mdl.float64
    assert mdl.long is mdl.int64 and mdl.int is mdl.int32
    assert mdl.float32 == np.float32 and mdl.float32 == np.dtype("float32") and mdl.float32 == "float32"
    assert mdl.int64 != mdl.int32 and mdl.bool == np.bool_ and mdl.uint8 == np.uint8
    assert hash(mdl.float32) == hash(np.dtype(np.float32))
    assert repr(mdl.float64) == "minidl.float64"
    assert mdl.float32.is_floating_point and not mdl.long.is_floating_point
    assert mdl.float16.itemsize == 2 and mdl.half is mdl.float16
    # NumPy accepts them as dtypes
    assert np.zeros(2, dtype=mdl.long).dtype == np.int64
    assert pickle.loads(pickle.dumps(mdl.float64)) is mdl.float64


def test_tensor_dtype_attribute():
    x = mdl.zeros(3)
    assert x.dtype is mdl.float32 and x.dtype == mdl.float and x.dtype == np.float32
    assert x.dtype.kind == "f"  # NumPy attributes still answer


def test_tensor_infers_pytorch_default_dtypes():
    assert mdl.tensor([1, 2]).dtype == mdl.int64
    assert mdl.tensor([1, 2.5]).dtype == mdl.float32
    assert mdl.tensor(True).dtype == mdl.bool
    assert mdl.tensor(np.float64(1.5)).dtype == mdl.float64      # a NumPy scalar keeps its dtype
    assert mdl.tensor(np.zeros(2, np.int32)).dtype == mdl.int32
    assert mdl.tensor([mdl.tensor(1.0), mdl.tensor(2.0)]).tolist() == [1.0, 2.0]
    assert mdl.tensor([1, 2], dtype=mdl.double).dtype == mdl.float64
    x = mdl.tensor([1.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        mdl.tensor([1, 2], requires_grad=True)


def test_as_tensor_and_from_numpy_share_memory():
    a = np.zeros(3, dtype=np.float32)
    t = mdl.from_numpy(a)
    t[0] = 5.0
    assert a[0] == 5.0 and t.dtype == mdl.float32
    assert mdl.as_tensor(a).array is a
    assert mdl.as_tensor(t) is t
    assert mdl.as_tensor(t, dtype=mdl.float64).dtype == mdl.float64
    assert mdl.as_tensor([1, 2]).dtype == mdl.int64
    with pytest.raises(TypeError, match="expected np.ndarray"):
        mdl.from_numpy([1, 2])


@pytest.mark.parametrize("fn,value", [(mdl.zeros, 0.0), (mdl.ones, 1.0)])
def test_zeros_ones_take_varargs_tuple_or_size(fn, value):
    for t in (fn(2, 3), fn((2, 3)), fn([2, 3]), fn(mdl.Size([2, 3])), fn(size=(2, 3))):
        assert t.shape == (2, 3) and t.dtype == mdl.float32
        assert t.numpy().tolist() == [[value] * 3] * 2
    assert fn(2, dtype=mdl.long).dtype == mdl.int64
    assert fn(2, requires_grad=True).requires_grad
    assert fn(mdl.tensor(3)).shape == (3,)  # a 0-d integer tensor works as a size


def test_empty_full_and_like_functions():
    assert mdl.empty(2, 3).shape == (2, 3)
    assert mdl.full((2, 2), 3).dtype == mdl.int64          # the dtype follows the fill value
    assert mdl.full((2, 2), 3.0).dtype == mdl.float32
    assert mdl.full((2,), True).dtype == mdl.bool
    assert mdl.full((2,), 7, dtype=mdl.float64).tolist() == [7.0, 7.0]
    base = mdl.ones(2, 3, dtype=mdl.long)
    assert mdl.zeros_like(base).dtype == mdl.int64 and mdl.zeros_like(base).shape == (2, 3)
    assert mdl.ones_like(base, dtype=mdl.float32).dtype == mdl.float32
    assert mdl.full_like(base, 7).tolist() == [[7, 7, 7]] * 2
    assert mdl.empty_like(base).shape == (2, 3)
    assert mdl.rand_like(mdl.ones(4)).shape == (4,) and mdl.randn_like(mdl.ones(4)).dtype == mdl.float32
    with pytest.raises(RuntimeError, match="negative dimension"):
        mdl.zeros(2, -1)


def test_arange_linspace_eye_values():
    assert mdl.arange(5).tolist() == [0, 1, 2, 3, 4] and mdl.arange(5).dtype == mdl.int64
    assert mdl.arange(1, 4).tolist() == [1, 2, 3]
    assert mdl.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert mdl.arange(0, 1, 0.25).dtype == mdl.float32
    assert mdl.arange(0.0, 3).tolist() == [0.0, 1.0, 2.0]
    assert mdl.arange(5, 0, -2).tolist() == [5, 3, 1]
    assert mdl.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert mdl.linspace(0, 1, 5).dtype == mdl.float32
    assert mdl.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert mdl.eye(3).shape == (3, 3) and mdl.eye(3).dtype == mdl.float32


def test_random_functions_are_seeded_and_typed():
    mdl.manual_seed(3)
    a = mdl.rand(2, 3)
    mdl.manual_seed(3)
    assert np.array_equal(a.numpy(), mdl.rand((2, 3)).numpy())
    assert 0.0 <= a.min().item() and a.max().item() < 1.0
    assert mdl.randn(2, 3, dtype=mdl.float64).dtype == mdl.float64
    r = mdl.randint(3, 10, (1000,))
    assert r.dtype == mdl.int64 and r.min().item() >= 3 and r.max().item() <= 9
    assert mdl.randint(5, size=(2, 2)).shape == (2, 2)
    p = mdl.randperm(6)
    assert p.dtype == mdl.int64 and sorted(p.tolist()) == list(range(6))
    with pytest.raises(RuntimeError, match="floating point"):
        mdl.rand(2, dtype=mdl.long)


def test_size_is_a_tuple_subclass_like_torch_size():
    s = mdl.zeros(2, 3, 4).size()
    assert isinstance(s, tuple) and isinstance(s, mdl.Size)
    assert s == (2, 3, 4) and s.numel() == 24 and repr(s) == "minidl.Size([2, 3, 4])"
    assert isinstance(s[1:], mdl.Size) and s[1:] == (3, 4) and s[0] == 2
    assert mdl.zeros(2, 3).shape == mdl.zeros(2, 3).size()
    assert f"{s}" == "minidl.Size([2, 3, 4])"   # as torch.Size formats (minidl's own messages: test_size_format.py)
    a, b, c = s
    assert (a, b, c) == (2, 3, 4)
    assert pickle.loads(pickle.dumps(s)) == s


def test_tensor_class_constructor_like_torch_tensor():
    assert mdl.Tensor(2, 3).shape == (2, 3) and mdl.Tensor(2, 3).dtype == mdl.float32
    assert mdl.Tensor(3).shape == (3,) and mdl.Tensor().shape == (0,)
    assert mdl.Tensor(mdl.Size([2, 2])).shape == (2, 2)
    assert mdl.Tensor([1, 2]).dtype == mdl.float32 and mdl.Tensor([1, 2]).tolist() == [1.0, 2.0]
    a = np.arange(3)
    assert mdl.Tensor(a).array is a                     # arrays are wrapped as they are
    w = mdl.nn.Parameter(mdl.Tensor(4, 3))             # the older custom-layer idiom
    assert w.shape == (4, 3) and w.requires_grad


def test_factories_fill_out_in_its_dtype_and_return_it():
    """``torch.rand(2, 2, out=c)`` (introyt's tensors tutorial): the values land in ``c`` itself, drawn in ``c``'s
    dtype from the same stream (PyTorch 2.13: float64 normals 1.5410, -0.2934 after seed 0), ``c`` resized
    silently; a different ``dtype=`` or an ``out`` requiring grad is a RuntimeError."""
    c = mdl.zeros(3, dtype=mdl.float64)
    mdl.manual_seed(0)
    assert mdl.randn(2, out=c) is c and c.dtype == mdl.float64 and c.shape == (2,)
    mdl.manual_seed(0)
    assert mdl.equal(c, mdl.randn(2, dtype=mdl.float64))
    ints = mdl.zeros(3, dtype=mdl.int32)
    assert mdl.ones(2, 2, out=ints) is ints and ints.dtype == mdl.int32 and ints.tolist() == [[1, 1], [1, 1]]
    mdl.manual_seed(0)
    assert mdl.randint(10, (3,), out=ints).tolist() == [4, 9, 3] and ints.dtype == mdl.int32
    assert mdl.randperm(3, out=ints) is ints and sorted(ints.tolist()) == [0, 1, 2]
    f = mdl.zeros(2)
    mdl.manual_seed(0)
    assert mdl.rand(2, 2, out=f) is f and mdl.allclose(f, mdl.tensor([[0.4963, 0.7682], [0.0885, 0.1320]]),
                                                       atol=1e-4)
    for make in (lambda o: mdl.arange(5, out=o), lambda o: mdl.linspace(0, 4, 5, out=o),
                 lambda o: mdl.full((5,), 2.0, out=o), lambda o: mdl.logspace(0, 1, 5, out=o),
                 lambda o: mdl.empty(5, out=o), lambda o: mdl.zeros(5, out=o)):
        o = mdl.zeros(2, dtype=mdl.float64)
        assert make(o) is o and o.shape == (5,) and o.dtype == mdl.float64
    assert mdl.eye(2, out=o) is o and o.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(RuntimeError, match="does not match dtype of out"):
        mdl.zeros(2, dtype=mdl.float64, out=mdl.zeros(2))
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        mdl.rand(2, out=mdl.zeros(2, requires_grad=True))


def test_linspace_is_pytorchs_bit_for_bit():
    """PyTorch's CPU formula (halves from each end, fused multiply-adds): introyt's autograd tutorial prints
    ``2 * sin(linspace(0, 2 pi, 25)) + 1`` where a 1-ulp difference in the input shows at 1e-7. Bit patterns from
    torch 2.13 (``torch.linspace(-1, 1, 7).numpy().view(np.int32)``...)."""
    bits = lambda t: t.numpy().view(np.int32).tolist()  # noqa: E731
    assert bits(mdl.linspace(-1, 1, 7)) == [-1082130432, -1087722838, -1096111446, -1291845632, 1051372202,
                                            1059760810, 1065353216]
    assert bits(mdl.linspace(0., 2. * np.pi, steps=25))[7::7] == [1072337536, 1080726144, 1085271520]
    assert bits(mdl.linspace(-1.3, 2.9, 100)[[20, 23, 49, 50, 53, 99]]) == [
        -1092145921, -1096416485, 1061641891, 1062353657, 1064488939, 1077516698]
    assert mdl.linspace(0, 1, 10, dtype=mdl.float64).tolist() == [
        0.0, 0.1111111111111111, 0.2222222222222222, 0.3333333333333333, 0.4444444444444444, 0.5555555555555556,
        0.6666666666666667, 0.7777777777777778, 0.8888888888888888, 1.0]
    assert mdl.linspace(-1.7, 2.9, 5, dtype=mdl.int64).tolist() == [-1, 0, 0, 1, 2]
    assert mdl.linspace(2, 3, 1).tolist() == [2.0] and mdl.linspace(2, 3, 0).shape == (0,)
