"""The further ``torch.*`` functions of ``functions_more``: NaN-ignoring extrema, integer helpers, dtype
queries, the ``*_scatter`` family, ``scatter_reduce`` (values as PyTorch's, tie-sharing gradients),
``index_put``/``masked_scatter``, integration, distances, ``histogram``, ``combinations``, ``renorm`` and the
Cholesky helpers; float64 gradients where PyTorch's are differentiable."""
import math

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


def t(rng, *shape, low=-2.0, high=2.0):
    return mdl.tensor(rng.uniform(low, high, shape), dtype=mdl.float64, requires_grad=True)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_fmax_fmin(rng):
    a, b = mdl.tensor([1.0, math.nan, 3.0, math.nan]), mdl.tensor([2.0, 0.0, math.nan, math.nan])
    assert mdl.fmax(a, b).tolist()[:3] == [2.0, 0.0, 3.0] and math.isnan(mdl.fmax(a, b).tolist()[3])
    assert mdl.fmin(a, b).tolist()[:3] == [1.0, 0.0, 3.0]
    x, y = t(rng, 3, 4), t(rng, 4)
    np.testing.assert_allclose(mdl.fmax(x, y).numpy(), np.fmax(x.numpy(), y.numpy()))
    check(mdl.fmax, x, y)
    check(mdl.fmin, x, y)


def test_aliases_and_queries():
    x = mdl.tensor([1, 2, 3])
    assert mdl.greater(x, 2).tolist() == [False, False, True] and mdl.less_equal(x, 2).tolist() == [True, True, False]
    assert mdl.not_equal(x, 2).tolist() == [True, False, True]
    assert mdl.greater_equal(x, 2).tolist() == [False, True, True]
    assert mdl.less(x, 2).tolist() == [True, False, False]
    assert mdl.absolute(mdl.tensor([-1.5])).item() == 1.5 and mdl.positive(x) is x
    assert mdl.sgn(mdl.tensor([-2.0, 0.0, 3.0])).tolist() == [-1.0, 0.0, 1.0]
    assert mdl.rsub(mdl.tensor([1.0, 2.0]), 5, alpha=2).tolist() == [3.0, 1.0]
    assert mdl.is_nonzero(mdl.tensor([0.5])) and not mdl.is_nonzero(mdl.tensor(0))
    with pytest.raises(RuntimeError, match="more than one value"):
        mdl.is_nonzero(x)
    assert mdl.is_same_size(x, mdl.zeros(3)) and not mdl.is_complex(x) and mdl.is_signed(x)
    assert not mdl.is_signed(mdl.tensor([1], dtype=mdl.uint8))
    assert mdl.result_type(mdl.tensor([1]), 1.0) == mdl.float32
    assert mdl.promote_types(mdl.int32, mdl.float32) == mdl.float32
    assert mdl.promote_types(mdl.uint8, mdl.int8) == mdl.int16
    assert not mdl.can_cast(mdl.float64, mdl.int32) and mdl.can_cast(mdl.int32, mdl.float16)
    with pytest.raises(RuntimeError, match="operator, on a bool tensor is not supported"):
        mdl.positive(mdl.tensor([True]))


def test_integer_helpers():
    assert mdl.gcd(mdl.tensor([12, 18]), mdl.tensor([8, 27])).tolist() == [4, 9]
    assert mdl.lcm(mdl.tensor([4, 6]), mdl.tensor([6, 4])).tolist() == [12, 12]
    with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):   # PyTorch's error
        mdl.gcd(mdl.tensor([1.0]), mdl.tensor([2.0]))
    assert mdl.ldexp(mdl.tensor([1.0]), mdl.tensor([3])).item() == 8.0
    assert mdl.nextafter(mdl.tensor([1.0], dtype=mdl.float64), mdl.tensor([2.0], dtype=mdl.float64)).item() == \
        np.nextafter(1.0, 2.0)
    assert mdl.bitwise_and(mdl.tensor([12]), mdl.tensor([10])).item() == 8


def test_combinations():
    assert mdl.combinations(mdl.tensor([1, 2, 3])).tolist() == [[1, 2], [1, 3], [2, 3]]
    assert mdl.combinations(mdl.tensor([1, 2]), with_replacement=True).tolist() == [[1, 1], [1, 2], [2, 2]]
    assert mdl.combinations(mdl.tensor([1, 2, 3]), 3).tolist() == [[1, 2, 3]]


INDEX = mdl.tensor([0, 0, 2, 2])
SRC = [1.0, 2.0, 3.0, -4.0]


@pytest.mark.parametrize("reduce,include_self,expected", [
    ("sum", True, [5.0, 2.0, 1.0]), ("sum", False, [3.0, 2.0, -1.0]),
    ("prod", True, [4.0, 2.0, -24.0]), ("prod", False, [2.0, 2.0, -12.0]),
    ("mean", True, [5 / 3, 2.0, 1 / 3]), ("mean", False, [1.5, 2.0, -0.5]),
    ("amax", True, [2.0, 2.0, 3.0]), ("amin", False, [1.0, 2.0, -4.0]),
])
def test_scatter_reduce_values(reduce, include_self, expected):
    out = mdl.full((3,), 2.0).scatter_reduce(0, INDEX, mdl.tensor(SRC), reduce, include_self=include_self)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_scatter_reduce_gradients(rng):
    base = mdl.tensor([2.0, 2.0, 2.0], dtype=mdl.float64, requires_grad=True)
    src = mdl.tensor(SRC, dtype=mdl.float64, requires_grad=True)
    base.scatter_reduce(0, INDEX, src, "amax").sum().backward()
    assert base.grad.tolist() == [0.5, 1.0, 0.0] and src.grad.tolist() == [0.0, 0.5, 1.0, 0.0]  # ties share
    x, s = t(rng, 4, 3, low=0.5, high=2), t(rng, 5, 3, low=0.5, high=2)
    index = mdl.tensor(rng.integers(0, 4, (5, 3)))
    for reduce in ("sum", "mean", "prod", "amax", "amin"):
        check(lambda a, b, r=reduce: mdl.scatter_reduce(a, 0, index, b, r), x, s)
        check(lambda a, b, r=reduce: mdl.scatter_reduce(a, 0, index, b, r, include_self=False), x, s)
    assert mdl.tensor([5, 5, 5]).scatter_reduce(0, mdl.tensor([0, 0, 2]), mdl.tensor([1, 2, 4]), "mean").tolist() \
        == [2, 5, 4]


def test_scatter_family(rng):
    assert mdl.select_scatter(mdl.zeros(2, 3), mdl.ones(2), 1, 0).tolist() == [[1, 0, 0], [1, 0, 0]]
    assert mdl.slice_scatter(mdl.zeros(4, 2), mdl.ones(2, 2), 0, 0, 4, 2).tolist() == [[1, 1], [0, 0], [1, 1], [0, 0]]
    assert mdl.diagonal_scatter(mdl.zeros(3, 3), mdl.ones(2), 1).tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    x = t(rng, 3, 4)
    check(lambda a, b: mdl.select_scatter(a, b, 0, 1), x, t(rng, 4))
    check(lambda a, b: mdl.slice_scatter(a, b, 1, 1, 3), x, t(rng, 3, 2))
    check(lambda a, b: mdl.diagonal_scatter(a, b, -1), x, t(rng, 2))
    with pytest.raises(RuntimeError, match="shape"):
        mdl.diagonal_scatter(mdl.zeros(3, 3), mdl.ones(2))


def test_index_put_and_masked_scatter(rng):
    acc = mdl.index_put(mdl.zeros(3), (mdl.tensor([0, 0, 2]),), mdl.tensor(1.0), accumulate=True)
    assert acc.tolist() == [2.0, 0.0, 1.0]
    put = mdl.zeros(2, 2).index_put((mdl.tensor([0, 1]), mdl.tensor([1, 0])), mdl.tensor([5.0, 6.0]))
    assert put.tolist() == [[0, 5], [6, 0]]
    y = mdl.zeros(3)
    y.index_put_((mdl.tensor([1]),), mdl.tensor(7.0))
    assert y.tolist() == [0, 7, 0]
    mask = mdl.tensor([[True, False, True], [False, True, False]])
    out = mdl.zeros(2, 3).masked_scatter(mask, mdl.arange(6.0).reshape(2, 3))
    assert out.tolist() == [[0, 0, 1], [0, 2, 0]]
    x, v = t(rng, 2, 3), t(rng, 6)
    check(lambda a, b: mdl.masked_scatter(a, mask, b), x, v)
    check(lambda a, b: mdl.index_put(a, (mdl.tensor([0, 1]),), b, accumulate=True), x, t(rng, 2, 3))


def test_matrix_helpers(rng):
    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    chol = mdl.linalg.cholesky(mdl.tensor(a))
    np.testing.assert_allclose(mdl.cholesky_solve(mdl.tensor([[1.0], [2.0]], dtype=mdl.float64), chol).numpy(),
                               np.linalg.solve(a, [[1.0], [2.0]]), rtol=1e-5)
    np.testing.assert_allclose(mdl.cholesky_inverse(chol).numpy(), np.linalg.inv(a), rtol=1e-5)
    np.testing.assert_allclose(mdl.cholesky_inverse(chol.mT, upper=True).numpy(), np.linalg.inv(a), rtol=1e-5)
    assert mdl.addr(mdl.ones(2, 2), mdl.tensor([1.0, 2.0]), mdl.tensor([3.0, 4.0]), alpha=2).tolist() == \
        [[7, 9], [13, 17]]
    assert mdl.chain_matmul(mdl.eye(2), mdl.ones(2, 2)).tolist() == [[1, 1], [1, 1]]
    assert mdl.matrix_exp(mdl.tensor([[0.0, 1.0], [0.0, 0.0]])).tolist() == [[1, 1], [0, 1]]
    assert mdl.dsplit(mdl.zeros(1, 1, 4), 2)[0].shape == (1, 1, 2)


def test_histogram_and_integration(rng):
    hist, edges = mdl.histogram(mdl.tensor([1.0, 2.0, 1.0, 5.0]), bins=4)
    np.testing.assert_allclose(hist.numpy(), [2, 1, 0, 1]) and np.testing.assert_allclose(edges.numpy(),
                                                                                        [1, 2, 3, 4, 5])
    dens = mdl.histogram(mdl.tensor([1.0, 2.0, 1.0]), bins=mdl.tensor([0.0, 1.5, 3.0]), density=True).hist
    np.testing.assert_allclose(dens.numpy(), np.histogram([1, 2, 1], [0, 1.5, 3], density=True)[0], rtol=1e-6)
    y = t(rng, 3, 7)
    np.testing.assert_allclose(mdl.trapezoid(y).numpy(), np.trapezoid(y.numpy(), axis=-1))
    xs = mdl.tensor(np.sort(rng.uniform(0, 5, 7)), dtype=mdl.float64)
    np.testing.assert_allclose(mdl.trapezoid(y, xs).numpy(), np.trapezoid(y.numpy(), xs.numpy(), axis=-1))
    np.testing.assert_allclose(mdl.trapz(y, dx=0.5, dim=0).numpy(), np.trapezoid(y.numpy(), dx=0.5, axis=0))
    assert mdl.cumulative_trapezoid(mdl.tensor([1.0, 4.0, 9.0])).tolist() == [2.5, 9.0]
    check(lambda a: mdl.trapezoid(a, xs), y)
    check(lambda a: mdl.cumulative_trapezoid(a, dim=0), y)


def test_distances_and_renorm(rng):
    x = t(rng, 5, 3)
    xn = x.numpy()
    ref = [np.linalg.norm(xn[i] - xn[j]) for i in range(5) for j in range(i + 1, 5)]
    np.testing.assert_allclose(mdl.pdist(x).numpy(), ref)
    check(mdl.pdist, x)
    a, b = t(rng, 4, 3), t(rng, 4, 3)
    cos = (a.numpy() * b.numpy()).sum(1) / np.linalg.norm(a.numpy(), axis=1) / np.linalg.norm(b.numpy(), axis=1)
    np.testing.assert_allclose(mdl.cosine_similarity(a, b).numpy(), cos)
    check(mdl.cosine_similarity, a, b)
    np.testing.assert_allclose(mdl.pairwise_distance(a, b).numpy(), np.linalg.norm(a.numpy() - b.numpy() + 1e-6,
                                                                                     axis=1))
    out = mdl.renorm(mdl.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-5)
    check(lambda v: mdl.renorm(v, 2, 1, 1.0), t(rng, 3, 4))


def test_vander_and_out_arguments():
    assert mdl.vander(mdl.tensor([1, 2, 3]), 3).tolist() == [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    assert mdl.vander(mdl.tensor([1.0, 2.0]), increasing=True).tolist() == [[1, 1], [1, 2]]
    out = mdl.empty(2, 2)
    assert mdl.tril(mdl.ones(2, 2), out=out) is out and out.tolist() == [[1, 0], [1, 1]]
    out = mdl.empty(2)
    mdl.quantile(mdl.tensor([[0.0, 1.0], [2.0, 3.0]]), 0.5, dim=1, out=out)
    assert out.tolist() == [0.5, 2.5]
    assert mdl.dot(mdl.tensor([1, 2]), tensor=mdl.tensor([3, 4])).item() == 11
