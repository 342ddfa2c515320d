"""Gradients of the sparse ops (minidl/sparse): float64 gradcheck and gradgradcheck with respect to the values
of sparse tensors and to the dense operands, and the sparse gradients of sparse leaves."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


def _pattern(rng, shape, nnz, duplicates=False):
    """(sparse_dim, nnz) int64 indices into ``shape``; unique unless ``duplicates``."""
    flat = rng.integers(0, int(np.prod(shape)), size=nnz) if duplicates else \
        rng.choice(int(np.prod(shape)), size=nnz, replace=False)
    return np.stack(np.unravel_index(flat, shape)).astype(np.int64)


def _values(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("duplicates", [False, True])
def test_to_dense_and_coalesce(rng, duplicates):
    idx = _pattern(rng, (5, 3), 7, duplicates)
    v = _values(rng, 7)
    check(lambda v: mdl.sparse_coo_tensor(idx, v, (5, 3)).to_dense(), v)
    check(lambda v: mdl.sparse_coo_tensor(idx, v, (5, 3)).to_dense(masked_grad=False), v)
    check(lambda v: mdl.sparse_coo_tensor(idx, v, (5, 3)).coalesce().values(), v)


def test_hybrid_values(rng):
    idx = _pattern(rng, (4,), 3)
    v = _values(rng, 3, 2)
    check(lambda v: (mdl.sparse_coo_tensor(idx, v, (4, 2)) * 3.0).to_dense(), v)
    check(lambda v: mdl.sparse_coo_tensor(idx, v, (4, 2)).transpose(0, 0).to_dense(), v)


@pytest.mark.parametrize("mm", ["sparse.mm", "torch.mm", "matmul_vec", "dense@sparse"])
def test_matmul(rng, mm):
    idx = _pattern(rng, (5, 3), 6)
    v = _values(rng, 6)
    d = _values(rng, 3, 4) if mm != "dense@sparse" else _values(rng, 2, 5)
    vec = _values(rng, 3)

    def fn(v, d, vec):
        s = mdl.sparse_coo_tensor(idx, v, (5, 3))
        if mm == "sparse.mm":
            return mdl.sparse.mm(s, d)
        if mm == "torch.mm":
            return mdl.mm(s, d)
        if mm == "matmul_vec":
            return s @ vec
        return d @ s
    check(fn, v, d, vec)


def test_addmm(rng):
    idx = _pattern(rng, (3, 4), 5)
    v, mat, d = _values(rng, 5), _values(rng, 3, 2), _values(rng, 4, 2)
    check(lambda v, mat, d: mdl.sparse.addmm(mat, mdl.sparse_coo_tensor(idx, v, (3, 4)), d, beta=0.5, alpha=2.0),
          v, mat, d)


def test_add_mul_sub(rng):
    ia, ib = _pattern(rng, (4, 5), 8), _pattern(rng, (4, 5), 9)
    va, vb = _values(rng, 8), _values(rng, 9)
    dense = _values(rng, 4, 5)

    def fn(va, vb, dense):
        a, b = mdl.sparse_coo_tensor(ia, va, (4, 5)), mdl.sparse_coo_tensor(ib, vb, (4, 5))
        return ((a + b) * a - b * dense + 2 * a / 3 + (-a) ** 2).to_dense() + (dense + a)
    check(fn, va, vb, dense)


def test_sum_softmax_select(rng):
    idx = _pattern(rng, (4, 3, 5), 11)
    v = _values(rng, 11, 2)

    def fn(v):
        s = mdl.sparse_coo_tensor(idx, v, (4, 3, 5, 2))
        parts = [mdl.sparse.sum(s).reshape(1), mdl.sparse.sum(s, 1).to_dense().reshape(-1),
                 mdl.sparse.sum(s, (0, 2, 3)).to_dense().reshape(-1),
                 mdl.sparse.sum(s, (0, 1, 2)).reshape(-1), mdl.sparse.softmax(s, 1).to_dense().reshape(-1),
                 mdl.sparse.log_softmax(s, 2).values().reshape(-1), mdl.sparse.softmax(s, 3).values().reshape(-1),
                 s.index_select(2, mdl.tensor([4, 0, 4])).to_dense().reshape(-1),
                 s.narrow_copy(0, 1, 2).to_dense().reshape(-1), s.transpose(0, 2).to_dense().reshape(-1),
                 s.permute(2, 0, 1, 3).to_dense().reshape(-1), s.unsqueeze(3).to_dense().reshape(-1)]
        return mdl.cat(parts)
    check(fn, v)


def test_to_sparse_and_sparse_mask(rng):
    # no zeros: a finite-difference step at an unstored zero would change the pattern to_sparse picks
    x = mdl.tensor(rng.standard_normal((4, 3)) + 5.0, dtype=mdl.float64, requires_grad=True)
    mask = mdl.sparse_coo_tensor(_pattern(rng, (4, 3), 5), np.ones(5), (4, 3))
    check(lambda x: x.to_sparse().to_dense() * 2, x)
    check(lambda x: x.sparse_mask(mask).to_dense(), x)
    check(lambda x: (x.to_sparse_csr() @ mdl.ones(3, 2, dtype=mdl.float64)), x)
    check(lambda x: x.to_sparse_csr().values(), x)
    check(lambda x: x.to_sparse_csc().values(), x)


def test_csr_values(rng):
    v = _values(rng, 3)
    d = _values(rng, 3, 2)
    check(lambda v, d: mdl.sparse_csr_tensor([0, 1, 3], [1, 0, 2], v, (2, 3)) @ d, v, d)
    check(lambda v: mdl.sparse_csr_tensor([0, 1, 3], [1, 0, 2], v, (2, 3)).to_dense(), v)
    check(lambda v, d: mdl.sparse_csc_tensor([0, 1, 2, 3], [1, 0, 1], v, (2, 3)) @ d, v, d)
    check(lambda v: mdl.sparse_csc_tensor([0, 1, 2, 3], [1, 0, 1], v, (2, 3)).to_sparse_csr().values(), v)


def test_sparse_leaf_gradients_are_sparse():
    idx = mdl.tensor([[0, 1, 1], [2, 0, 2]])
    s = mdl.sparse_coo_tensor(idx, [3.0, 4.0, 5.0], (2, 3), requires_grad=True)
    assert s.is_leaf and s.grad_fn is None
    d = mdl.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    mdl.sparse.mm(s, d).sum().backward()
    assert s.grad.is_sparse
    np.testing.assert_allclose(s.grad.to_dense().numpy(), np.array([[0, 0, 11], [3, 0, 11]]) * (np.arange(6).reshape(
        2, 3) >= 0))
    s.grad = None
    mdl.mm(s, d).sum().backward()          # torch.mm: a dense gradient, as PyTorch's
    assert not s.grad.is_sparse
    np.testing.assert_allclose(s.grad.numpy(), np.tile([3.0, 7.0, 11.0], (2, 1)))
    s.grad = None
    s.to_dense().sum().backward()
    assert s.grad.is_sparse and s.grad._nnz() == 3
    np.testing.assert_allclose(s.grad.to_dense().numpy(), [[0, 0, 1], [1, 0, 1]])
    s.grad = None
    s.to_dense(masked_grad=False).sum().backward()   # PyTorch: every element stored in the sparse gradient
    assert s.grad.is_sparse and s.grad._nnz() == 6
    np.testing.assert_allclose(s.grad.to_dense().numpy(), np.ones((2, 3)))


def test_values_grad_through_product():
    v = mdl.tensor([3.0, 4.0, 5.0], requires_grad=True)
    y = mdl.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], v, (2, 3))
    assert y.grad_fn.name() == "SparseCooTensorWithDimsAndTensorsBackward0" and not y.is_leaf
    (y * y).to_dense().sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [6.0, 8.0, 10.0])


@pytest.mark.parametrize("duplicates", [False, True])
def test_gradcheck_sparse_inputs(rng, duplicates):
    """gradcheck perturbs the stored values of a sparse input (PyTorch's masked=True semantics)."""
    s = mdl.sparse_coo_tensor(_pattern(rng, (4, 5), 7, duplicates), rng.standard_normal(7), (4, 5),
                              dtype=mdl.float64, requires_grad=True)
    d = _values(rng, 5, 3)
    assert gradcheck(lambda s, d: mdl.sparse.mm(s, d), (s, d), masked=True)
    assert gradcheck(lambda s, d: mdl.mm(s, d), (s, d))
    assert gradcheck(lambda s: (s * s).to_dense(), (s,), masked=True)
    assert gradcheck(lambda s: mdl.sparse.softmax(s, 1).to_dense(), (s,), masked=True)
    c = mdl.tensor(rng.standard_normal((3, 4)) + 4.0, dtype=mdl.float64).to_sparse_csr().requires_grad_()
    assert gradcheck(lambda c: c @ mdl.ones(4, 2, dtype=mdl.float64), (c,), masked=True)
    k = mdl.tensor(rng.standard_normal((3, 4)) + 4.0, dtype=mdl.float64).to_sparse_csc().requires_grad_()
    assert gradcheck(lambda k: (k.to_sparse_coo() * 2).to_dense(), (k,), masked=True)


def test_gradcheck_reports_a_wrong_sparse_gradient(rng):
    from minidl.gradcheck import GradcheckError
    from minidl.sparse._autograd import CooValues

    class Wrong(CooValues):
        def backward(self, g):
            return super().backward(2 * g)
    s = mdl.sparse_coo_tensor(_pattern(rng, (3, 3), 4), rng.standard_normal(4), (3, 3), dtype=mdl.float64,
                              requires_grad=True)
    with pytest.raises(GradcheckError, match="stored value"):
        gradcheck(lambda s: Wrong.apply(s), (s,), masked=True)
