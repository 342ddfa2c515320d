"""Reductions with dim/keepdim (and axis/keepdims), max/min named tuples, Bessel-corrected std/var."""
import math

import numpy as np
import pytest

import minidl as mdl


def x22():
    return mdl.tensor([[1.0, 2.0], [3.0, 5.0]])


def test_sum_mean_prod():
    x = x22()
    assert x.sum().item() == 11.0 and x.sum().dim() == 0
    assert x.sum(dim=1).tolist() == [3.0, 8.0] and x.sum(1).tolist() == [3.0, 8.0]
    assert x.sum(0, keepdim=True).tolist() == [[4.0, 7.0]] and x.sum((0, 1)).item() == 11.0
    assert x.sum(axis=1, keepdims=True).shape == (2, 1)                    # NumPy aliases
    assert x.mean().item() == 2.75 and x.mean(1, keepdim=True).tolist() == [[1.5], [4.0]]
    assert x.mean(dim=0).tolist() == [2.0, 3.5]
    assert x.prod().item() == 30.0 and x.prod(1).tolist() == [2.0, 15.0]
    assert mdl.tensor([[1, 2], [3, 5]]).prod(0).tolist() == [3, 10]
    assert mdl.tensor([1, 2], dtype=mdl.int32).sum().dtype == mdl.int64
    assert mdl.tensor([1, 2], dtype=mdl.uint8).sum().dtype == mdl.int64
    assert mdl.tensor([True, True]).sum().item() == 2
    assert x.sum(dtype=mdl.float64).dtype == mdl.float64
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        mdl.tensor([1, 2]).mean()
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sum(2)


def test_std_var_bessel():
    x = x22()
    # column 0: (1, 3), mean 2, squared deviations 1 + 1 = 2; n-1 = 1 -> var 2
    assert x.var(0).tolist() == [2.0, 4.5]
    assert x.std(0).tolist() == pytest.approx([math.sqrt(2), math.sqrt(4.5)])
    assert x.std(1, unbiased=False).tolist() == [0.5, 1.0]
    assert x.var(1, correction=0).tolist() == [0.25, 1.0]
    assert x.var(False).item() == pytest.approx(np.var([1, 2, 3, 5]))
    assert x.var().item() == pytest.approx(np.var([1, 2, 3, 5], ddof=1))
    assert x.var(dim=0, keepdim=True).shape == (1, 2)
    np.testing.assert_allclose(x.std(0, True, True).numpy(), [[math.sqrt(2), math.sqrt(4.5)]], rtol=1e-6)
    assert mdl.std(x, dim=1).tolist() == pytest.approx([math.sqrt(0.5), math.sqrt(2.0)])
    assert math.isnan(mdl.tensor([1.0]).std().item())      # n - 1 = 0, as PyTorch


def test_max_min_named_tuples():
    x = mdl.tensor([[1.0, 5.0], [3.0, 2.0]])
    out = x.max(1)
    values, indices = out
    assert values.tolist() == [5.0, 3.0] and indices.tolist() == [1, 0] and indices.dtype == mdl.int64
    assert out.values.tolist() == [5.0, 3.0] and out.indices.tolist() == [1, 0] and out[1].tolist() == [1, 0]
    assert type(out).__name__ == "max" and isinstance(out, mdl.return_types.max)
    assert "values=" in repr(out) and "indices=" in repr(out)
    _, pred = mdl.tensor([[0.1, 0.9], [0.8, 0.2]]).max(1)       # a batch of 2: still indices
    assert pred.tolist() == [1, 0]
    assert x.max(dim=0, keepdim=True).values.tolist() == [[3.0, 5.0]]
    assert x.min(1).values.tolist() == [1.0, 2.0] and x.min(-1).indices.tolist() == [0, 1]
    assert mdl.max(x, 1).indices.tolist() == [1, 0] and mdl.min(x, 0).values.tolist() == [1.0, 2.0]
    assert x.max().item() == 5.0 and x.max().dim() == 0 and mdl.min(x).item() == 1.0
    assert mdl.tensor([1, 3, 3]).max(0).indices.item() == 1                  # the first of tied maxima
    assert x.max(axis=1).values.tolist() == [5.0, 3.0]
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        mdl.ones(0).max()


def test_max_gradients():
    x = mdl.tensor([[1.0, 5.0], [3.0, 3.0]], requires_grad=True)
    x.max(1).values.sum().backward()                        # to the chosen index only
    assert x.grad.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    y = mdl.tensor([1.0, 3.0, 3.0], requires_grad=True)
    y.max().backward()                                      # ties share evenly, as PyTorch's max()
    assert y.grad.tolist() == [0.0, 0.5, 0.5]


def test_argmax_argmin_all_any_logsumexp():
    x = mdl.tensor([[1.0, 5.0], [3.0, 2.0]])
    assert x.argmax().item() == 1 and x.argmax(1).tolist() == [1, 0]
    assert x.argmax(dim=1, keepdim=True).tolist() == [[1], [0]] and x.argmin(0).tolist() == [0, 1]
    assert mdl.argmax(x, dim=1).tolist() == [1, 0] and mdl.argmin(x).item() == 0
    b = mdl.tensor([[True, False], [True, True]])
    assert b.all().item() is False and b.all(1).tolist() == [False, True]
    assert mdl.tensor([[0, 0], [0, 1]]).any(dim=0).tolist() == [False, True]
    assert b.any().dtype == mdl.bool
    lse = x.logsumexp(1)
    assert lse.tolist() == pytest.approx([math.log(math.e + math.e ** 5), math.log(math.e ** 3 + math.e ** 2)])
    assert mdl.logsumexp(x, dim=0, keepdim=True).shape == (1, 2)
    assert mdl.tensor([[1000.0, 1000.0]]).logsumexp(1).item() == pytest.approx(1000 + math.log(2))
    assert x.amax(1).tolist() == [5.0, 3.0] and x.amin(0).tolist() == [1.0, 2.0]


def test_sort_topk_gather_norm():
    v, i = mdl.tensor([1.0, 5.0, 3.0, 4.0]).topk(2)
    assert v.tolist() == [5.0, 4.0] and i.tolist() == [1, 3]
    assert mdl.topk(mdl.tensor([1.0, 5.0, 3.0]), 2, largest=False).indices.tolist() == [0, 2]
    s = mdl.tensor([3.0, 1.0, 2.0]).sort()
    assert s.values.tolist() == [1.0, 2.0, 3.0] and s.indices.tolist() == [1, 2, 0]
    assert mdl.tensor([3.0, 1.0, 2.0]).sort(descending=True).indices.tolist() == [0, 2, 1]
    g = mdl.tensor([[3.0, 1.0], [2.0, 4.0]]).gather(1, mdl.tensor([[1], [0]]))
    assert g.tolist() == [[1.0], [2.0]]
    assert mdl.tensor([3.0, 4.0]).norm().item() == 5.0 and mdl.tensor([3.0, -4.0]).norm(p=1).item() == 7.0


def test_module_level_reductions():
    x = x22()
    assert mdl.sum(x, dim=0).tolist() == [4.0, 7.0] and mdl.mean(x, 1).tolist() == [1.5, 4.0]
    assert mdl.prod(mdl.tensor([1.0, 2.0, 3.0])).item() == 6.0
    assert mdl.var(x).item() == pytest.approx(np.var([1, 2, 3, 5], ddof=1))
    assert mdl.all(mdl.tensor([1, 1])).item() and mdl.any(mdl.tensor([0, 0])).item() is False


def test_module_functions_accept_the_array_behind_data():
    outputs = mdl.tensor([[0.1, 0.9], [0.8, 0.2]])
    _, predicted = mdl.max(outputs.data, 1)        # the CIFAR-10 tutorial's spelling
    assert predicted.tolist() == [1, 0] and (predicted == mdl.tensor([1, 1])).sum().item() == 1
    assert mdl.sum(np.ones(3)).item() == 3.0 and mdl.argmax(np.array([1, 3, 2])).item() == 1


def test_cumsum():
    x = mdl.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.cumsum(1).tolist() == [[1.0, 3.0], [3.0, 7.0]] and mdl.cumsum(x, dim=0).tolist() == [[1, 2], [4, 6]]
    assert mdl.tensor([1, 2, 3], dtype=mdl.int32).cumsum(0).dtype == mdl.int64


def test_two_norm_of_zeros_has_zero_gradient_as_pytorch():
    """``x / (x.norm(2, 1, keepdim=True) + eps)`` on a zero row: PyTorch's linalg_vector_norm gives the
    subgradient 0 where the norm is 0 (a plain sqrt(sum(x * x)) would give nan); values are unchanged."""
    x = mdl.zeros(3, requires_grad=True)
    n = x.norm()
    n.backward()
    assert n.item() == 0.0 and x.grad.tolist() == [0.0, 0.0, 0.0]
    assert n.grad_fn.name() == "LinalgVectorNormBackward0"
    y = mdl.tensor([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]], requires_grad=True)
    rows = y.norm(2, 1)
    rows.sum().backward()
    assert rows.tolist() == [5.0, 0.0]
    np.testing.assert_allclose(y.grad.numpy(), [[0.6, 0.8, 0.0], [0.0, 0.0, 0.0]], rtol=1e-6)
    x64 = mdl.randn(3, 4, dtype=mdl.float64, requires_grad=True)
    assert mdl.autograd.gradcheck(lambda t: t.norm(2, 1, keepdim=True), (x64,))
    assert mdl.autograd.gradgradcheck(lambda t: t.norm(), (x64,))
