"""Attributes and conversions of Tensor: size()/dim()/numel(), Python numbers, __index__, .to(), casts, copies."""
import numpy as np
import pytest

import minidl as mdl


def test_attributes():
    x = mdl.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(0) == 2 and x.size(-1) == 3 and x.size(dim=1) == 3
    assert x.dim() == 2 and x.ndim == 2 and x.numel() == 6 and x.nelement() == 6
    assert not x.is_cuda and x.device == mdl.device("cpu") and x.device.type == "cpu"
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        x.size(2)


def test_python_numbers_and_index():
    assert int(mdl.tensor([3])) == 3 and float(mdl.tensor(2)) == 2.0
    assert bool(mdl.tensor([0.0])) is False and bool(mdl.tensor(1)) is True
    classes = ["cat", "dog", "bird"]
    pred = mdl.tensor([[0.1, 0.9, 0.0]]).argmax(1)
    assert classes[pred[0]] == "dog"                       # a 0-d int64 tensor is an index
    assert classes[mdl.tensor([2])] == "bird"
    assert list(range(5))[mdl.tensor(1):mdl.tensor(3)] == [1, 2]
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        classes[mdl.tensor(1.0)]
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(mdl.tensor([1, 2]))
    with pytest.raises(ValueError, match="only one element tensors"):
        int(mdl.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        mdl.tensor([1, 2]).item()
    assert f"{mdl.tensor(0.5):.2f}" == "0.50"


def test_item_tolist_len_iteration():
    x = mdl.tensor([[1, 2], [3, 4]])
    assert x.tolist() == [[1, 2], [3, 4]] and mdl.tensor(3.5).item() == 3.5
    assert mdl.tensor(2.5).tolist() == 2.5
    assert len(x) == 2
    rows = [r.tolist() for r in x]
    assert rows == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(mdl.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(mdl.tensor(1.0))


def test_iteration_keeps_the_graph():
    x = mdl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    total = sum(row.sum() * (i + 1) for i, row in enumerate(x))
    total.backward()
    assert x.grad.tolist() == [[1.0, 1.0], [2.0, 2.0]]


def test_to_forms():
    x = mdl.tensor([1.0, 2.0])
    assert x.to("cpu") is x and x.to(mdl.float32) is x
    assert x.to(mdl.float64).dtype == mdl.float64
    assert x.to("cpu", mdl.float64).dtype == mdl.float64
    assert x.to(device="cpu", dtype=mdl.long).tolist() == [1, 2]
    assert x.to(mdl.zeros(1, dtype=mdl.int32)).dtype == mdl.int32      # to(other): its dtype and device
    assert x.to("cpu", non_blocking=True) is x
    assert x.to(mdl.device("cpu")) is x
    assert x.to(mdl.float32, copy=True) is not x


def test_to_is_differentiable():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * mdl.tensor([3.0, 4.0], dtype=mdl.float64)
    assert y.dtype == mdl.float64 and not y.is_leaf
    y.sum().backward()
    assert x.grad.dtype == mdl.float32 and x.grad.tolist() == [3.0, 4.0]


def test_casts():
    x = mdl.tensor([1.7, -2.7, 0.0])
    assert x.long().tolist() == [1, -2, 0] and x.long().dtype == mdl.int64     # toward zero, as C casts
    assert x.int().dtype == mdl.int32 and x.bool().tolist() == [True, True, False]
    assert mdl.tensor([1, 2]).float().dtype == mdl.float32 and mdl.tensor([1, 2]).double().dtype == mdl.float64
    assert mdl.tensor([1, 2]).half().dtype == mdl.float16
    assert mdl.tensor([1, 2]).type() == "torch.LongTensor" and x.type() == "torch.FloatTensor"
    assert mdl.tensor([1, 2]).type(mdl.float32).dtype == mdl.float32
    assert mdl.tensor([1, 2]).type("torch.DoubleTensor").dtype == mdl.float64
    assert mdl.tensor([1, 2]).type_as(x).dtype == mdl.float32
    assert x.is_floating_point() and not mdl.tensor([1]).is_floating_point()
    assert x.element_size() == 4


def test_detach_clone_contiguous():
    x = mdl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.array is x.array
    c = x.clone()
    assert c.array is not x.array and not c.is_leaf
    (c * 2).sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    t = x.detach().t()
    assert not t.is_contiguous() and t.contiguous().is_contiguous()
    assert x.contiguous() is x


def test_numpy_shares_memory_on_cpu():
    x = mdl.zeros(3)
    x.numpy()[0] = 1.0
    assert x.tolist() == [1.0, 0.0, 0.0]
    assert isinstance(np.asarray(x), np.ndarray)


def test_new_tensor_methods():
    x = mdl.tensor([1.0, 2.0], dtype=mdl.float64)
    assert x.new_zeros(3).dtype == mdl.float64 and x.new_zeros(2, 2).shape == (2, 2)
    assert x.new_ones((2,)).tolist() == [1.0, 1.0]
    assert x.new_full((2,), 3).tolist() == [3.0, 3.0]
    assert x.new_tensor([1, 2]).dtype == mdl.float64
    assert x.new_empty(4).shape == (4,)
