"""Sparse COO and CSR tensors (minidl/sparse): values against dense NumPy references on random odd shapes,
PyTorch's reprs (strings checked against torch 2.13's output), layouts, and the errors for what PyTorch
refuses."""
import numpy as np
import pytest

import minidl as mdl


def _sparse_dense(rng, shape, density=0.4, sparse_dim=None):
    """A NumPy array with zeros (whole dense slices zero beyond ``sparse_dim``) and its COO tensor."""
    sparse_dim = len(shape) if sparse_dim is None else sparse_dim
    keep = rng.random(shape[:sparse_dim]) < density
    dense = rng.standard_normal(shape) * keep.reshape(keep.shape + (1,) * (len(shape) - sparse_dim))
    return dense, mdl.tensor(dense).to_sparse(sparse_dim)


def _random_coo(rng, shape, nnz, duplicates=True):
    """A COO tensor with (possibly repeated) random indices, and its dense NumPy equivalent."""
    idx = np.stack([rng.integers(0, n, size=nnz) for n in shape])
    if not duplicates:
        flat = rng.choice(int(np.prod(shape)), size=nnz, replace=False)
        idx = np.stack(np.unravel_index(flat, shape))
    values = rng.standard_normal(nnz)
    dense = np.zeros(shape)
    np.add.at(dense, tuple(idx), values)
    return mdl.sparse_coo_tensor(idx, values, shape), dense


S = mdl.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))


def test_construction_and_queries():
    assert S.is_sparse and not S.is_sparse_csr and S.layout == mdl.sparse_coo
    assert S.shape == (2, 3) and S.numel() == 6 and S.ndim == 2 and S.dtype == mdl.float32
    assert S.sparse_dim() == 2 and S.dense_dim() == 0 and S._nnz() == 3 and not S.is_coalesced()
    assert not S.is_contiguous() and isinstance(S, mdl.Tensor)
    np.testing.assert_array_equal(S.to_dense().numpy(), [[0, 0, 3], [4, 0, 5]])
    np.testing.assert_array_equal(S._indices().numpy(), [[0, 1, 1], [2, 0, 2]])
    inferred = mdl.sparse_coo_tensor([[1, 0, 1]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert inferred.shape == (2, 2) and inferred.sparse_dim() == 1 and inferred.dense_dim() == 1
    c = inferred.coalesce()
    assert c.is_coalesced() and c._nnz() == 2
    np.testing.assert_array_equal(c.values().numpy(), [[3, 4], [6, 8]])
    np.testing.assert_array_equal(c.indices().numpy(), [[0, 1]])
    d = mdl.sparse_coo_tensor(S._indices(), [1, 2, 3], (2, 3), dtype=mdl.float64)
    assert d.dtype == mdl.float64 and not mdl.zeros(2).is_sparse and mdl.zeros(2).layout == mdl.strided
    assert mdl.sparse_coo_tensor([[0]], [1.0], (2,), is_coalesced=True).is_coalesced()


@pytest.mark.parametrize("shape, sparse_dim", [((5, 7), None), ((3, 4, 5), 2), ((7,), None), ((3, 5, 2), 1)])
def test_to_sparse_round_trip(rng, shape, sparse_dim):
    dense, s = _sparse_dense(rng, shape, sparse_dim=sparse_dim)
    assert s.is_coalesced() and s.sparse_dim() == (sparse_dim or len(shape))
    np.testing.assert_array_equal(s.to_dense().numpy(), dense)
    nonzero = np.abs(dense).reshape(dense.shape[:s.sparse_dim()] + (-1,)).sum(-1) != 0
    assert s._nnz() == int(nonzero.sum())
    np.testing.assert_array_equal(s.indices().numpy(), np.stack(np.nonzero(nonzero)))
    assert s.to_sparse_coo() is s and mdl.tensor(dense).to_sparse_coo().to_dense().allclose(mdl.tensor(dense))


def test_coalesce_sums_duplicates(rng):
    s, dense = _random_coo(rng, (5, 3, 4), 40)
    c = s.coalesce()
    flat = np.ravel_multi_index(tuple(c.indices().numpy()), (5, 3, 4))
    assert (np.diff(flat) > 0).all()
    np.testing.assert_allclose(c.to_dense().numpy(), dense)
    np.testing.assert_allclose(s.to_dense().numpy(), dense)


def test_arithmetic_matches_dense(rng):
    a, da = _random_coo(rng, (7, 5), 12)
    b, db = _random_coo(rng, (7, 5), 9)
    w = rng.standard_normal((7, 5))
    cases = {"a+b": (a + b, da + db), "a-b": (a - b, da - db), "a*b": (a * b, da * db), "2*a": (2 * a, 2 * da),
             "a/4": (a / 4, da / 4), "-a": (-a, -da), "a**2": (a ** 2, da ** 2), "a*w": (a * mdl.tensor(w), da * w),
             "relu": (mdl.relu(a), np.maximum(da, 0)), "abs": (a.abs(), np.abs(da)), "sin": (a.sin(), np.sin(da))}
    for name, (got, want) in cases.items():
        assert got.is_sparse, name
        np.testing.assert_allclose(got.to_dense().numpy(), want, rtol=1e-6, atol=1e-6, err_msg=name)
    np.testing.assert_allclose((mdl.tensor(w) + a).numpy(), w + da, rtol=1e-6)
    np.testing.assert_allclose((mdl.tensor(w) - a).numpy(), w - da, rtol=1e-6)
    assert (a + b).is_coalesced() and (a * b).is_coalesced()


def test_matmul_matches_dense(rng):
    a, da = _random_coo(rng, (7, 5), 13)
    m, v, left = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal((2, 7))
    f64 = mdl.float64
    np.testing.assert_allclose(mdl.sparse.mm(a, mdl.tensor(m, dtype=f64)).numpy(), da @ m, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(mdl.mm(a, mdl.tensor(m, dtype=f64)).numpy(), da @ m, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose((a @ mdl.tensor(m, dtype=f64)).numpy(), da @ m, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(a.matmul(mdl.tensor(v, dtype=f64)).numpy(), da @ v, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose((mdl.tensor(left, dtype=f64) @ a).numpy(), left @ da, rtol=1e-5, atol=1e-5)
    b, db = _random_coo(rng, (5, 4), 6)
    prod = mdl.sparse.mm(a, b)
    assert prod.is_sparse
    np.testing.assert_allclose(prod.to_dense().numpy(), da @ db, rtol=1e-5, atol=1e-5)
    mat = rng.standard_normal((7, 3))
    got = mdl.sparse.addmm(mdl.tensor(mat, dtype=f64), a, mdl.tensor(m, dtype=f64), beta=0.5, alpha=-2.0)
    np.testing.assert_allclose(got.numpy(), 0.5 * mat - 2.0 * (da @ m), rtol=1e-5, atol=1e-5)


def test_sum_transpose_select(rng):
    s, d = _random_coo(rng, (5, 3, 7), 20)
    np.testing.assert_allclose(float(mdl.sparse.sum(s)), d.sum(), rtol=1e-5)
    np.testing.assert_allclose(float(s.sum()), d.sum(), rtol=1e-5)
    for dim in (0, 1, -1, (0, 2), (1, 2)):
        got = mdl.sparse.sum(s, dim)
        assert got.is_sparse
        np.testing.assert_allclose(got.to_dense().numpy(), d.sum(axis=dim), rtol=1e-5, atol=1e-6)
    full = mdl.sparse.sum(s, (0, 1, 2))
    assert not full.is_sparse and full.shape == ()
    np.testing.assert_allclose(s.transpose(0, 2).to_dense().numpy(), d.transpose(2, 1, 0), rtol=1e-6)
    np.testing.assert_allclose(s[3].to_dense().numpy(), d[3], rtol=1e-6, atol=1e-6)
    m, dm = _random_coo(rng, (5, 7), 11)
    np.testing.assert_allclose(m.t().to_dense().numpy(), dm.T, rtol=1e-6)
    assert not m.t().is_coalesced()
    index = mdl.tensor([6, 0, 6, 3])
    np.testing.assert_allclose(m.index_select(1, index).to_dense().numpy(), dm[:, [6, 0, 6, 3]], rtol=1e-6)
    np.testing.assert_allclose(m.index_select(0, mdl.tensor([4, 1])).to_dense().numpy(), dm[[4, 1]], rtol=1e-6)
    np.testing.assert_allclose(m.narrow_copy(1, 2, 4).to_dense().numpy(), dm[:, 2:6], rtol=1e-6)
    np.testing.assert_allclose(mdl.tensor(dm).sparse_mask(m.coalesce()).to_dense().numpy(), dm, rtol=1e-6)


def test_permute_unsqueeze(rng):
    s, d = _random_coo(rng, (3, 5, 4), 9)
    h = mdl.sparse_coo_tensor(s._indices()[:2], mdl.tensor(rng.standard_normal((9, 4, 2))), (3, 5, 4, 2))
    dh = h.to_dense().numpy()
    np.testing.assert_allclose(s.permute(2, 0, 1).to_dense().numpy(), d.transpose(2, 0, 1), rtol=1e-6)
    np.testing.assert_allclose(h.permute(1, 0, 3, 2).to_dense().numpy(), dh.transpose(1, 0, 3, 2), rtol=1e-6)
    for dim, sparse_dim in ((0, 3), (1, 3), (2, 3), (3, 2)):   # PyTorch: a sparse dim up to sparse_dim()
        u = h.unsqueeze(dim)
        assert u.sparse_dim() == sparse_dim and u.shape == np.expand_dims(dh, dim).shape
        np.testing.assert_allclose(u.to_dense().numpy(), np.expand_dims(dh, dim), rtol=1e-6)
    with pytest.raises(RuntimeError, match="transpositions between sparse and dense dimensions are not allowed"):
        h.permute(2, 1, 0, 3)
    with pytest.raises(NotImplementedError, match="reshape is not implemented for sparse tensors"):
        h.unsqueeze(0).squeeze(0)


def _masked_softmax(dense, stored, axis, log=False):
    shifted = np.where(stored, dense, -np.inf)
    shifted = shifted - shifted.max(axis=axis, keepdims=True)
    e = np.where(stored, np.exp(shifted), 0.0)
    out = e / e.sum(axis=axis, keepdims=True)
    return np.where(stored, np.log(np.where(stored, out, 1.0)) if log else out, 0.0)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_matches_masked_dense(rng, dim):
    s, d = _random_coo(rng, (5, 7), 16, duplicates=False)
    stored = s.to_dense().numpy() != 0
    np.testing.assert_allclose(mdl.sparse.softmax(s, dim).to_dense().numpy(), _masked_softmax(d, stored, dim),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mdl.sparse.log_softmax(s, dim).to_dense().numpy(),
                               _masked_softmax(d, stored, dim, log=True), rtol=1e-5, atol=1e-5)
    # known values (torch 2.13: torch.sparse.softmax(S, 1) of the tensor S above)
    np.testing.assert_allclose(mdl.sparse.softmax(S, 1).values().numpy(), [1.0, 0.2689, 0.7311], atol=1e-4)


def test_csr(rng):
    dense = rng.standard_normal((5, 7)) * (rng.random((5, 7)) < 0.4)
    c = mdl.tensor(dense).to_sparse_csr()
    assert c.layout == mdl.sparse_csr and c.is_sparse_csr and not c.is_sparse and c._nnz() == (dense != 0).sum()
    rows, cols = np.nonzero(dense)
    np.testing.assert_array_equal(c.crow_indices().numpy(), np.concatenate([[0], np.cumsum(np.bincount(rows,
                                                                                                      minlength=5))]))
    np.testing.assert_array_equal(c.col_indices().numpy(), cols)
    np.testing.assert_array_equal(c.values().numpy(), dense[rows, cols])
    np.testing.assert_array_equal(c.to_dense().numpy(), dense)
    m = rng.standard_normal((7, 3))
    np.testing.assert_allclose((c @ mdl.tensor(m)).numpy(), dense @ m, rtol=1e-6)
    np.testing.assert_array_equal(c.to_sparse_coo().to_dense().numpy(), dense)
    np.testing.assert_array_equal(c.to_sparse_coo().to_sparse_csr().crow_indices().numpy(),
                                  c.crow_indices().numpy())
    built = mdl.sparse_csr_tensor([0, 1, 3], [1, 0, 2], [1.0, 2.0, 3.0], (2, 3))
    np.testing.assert_array_equal(built.to_dense().numpy(), [[0, 1, 0], [2, 0, 3]])
    assert mdl.tensor(dense).to_sparse(layout=mdl.sparse_csr).layout == mdl.sparse_csr


def test_csc(rng):
    dense = rng.standard_normal((6, 5)) * (rng.random((6, 5)) < 0.4)
    c = mdl.tensor(dense).to_sparse_csc()
    assert c.layout == mdl.sparse_csc and not c.is_sparse_csr and not c.is_sparse and c.sparse_dim() == 2
    rows, cols = np.nonzero(dense.T)[::-1]   # column-major order of the stored entries
    np.testing.assert_array_equal(c.ccol_indices().numpy(), np.concatenate([[0], np.cumsum((dense != 0).sum(0))]))
    np.testing.assert_array_equal(c.row_indices().numpy(), rows)
    np.testing.assert_array_equal(c.values().numpy(), dense[rows, cols])
    np.testing.assert_array_equal(c.to_dense().numpy(), dense)
    m = rng.standard_normal((5, 3))
    np.testing.assert_allclose((c @ mdl.tensor(m)).numpy(), dense @ m, rtol=1e-6)
    np.testing.assert_array_equal(c.to_sparse_coo().to_dense().numpy(), dense)
    np.testing.assert_array_equal(c.to_sparse_csr().to_sparse_csc().row_indices().numpy(), rows)
    assert mdl.tensor(dense).to_sparse(layout=mdl.sparse_csc).layout == mdl.sparse_csc
    built = mdl.sparse_csc_tensor([0, 1, 2, 3], [1, 0, 1], [2.0, 1.0, 3.0], (2, 3))
    np.testing.assert_array_equal(built.to_dense().numpy(), [[0, 1, 0], [2, 0, 3]])
    assert repr(built) == ("tensor(ccol_indices=tensor([0, 1, 2, 3]),\n"    # torch 2.13's, torch. -> minidl.
                           "       row_indices=tensor([1, 0, 1]),\n"
                           "       values=tensor([2., 1., 3.]), size=(2, 3), nnz=3,\n"
                           "       layout=minidl.sparse_csc)")


# the reprs below are torch 2.13's output with "torch." replaced by "minidl."
def test_repr():
    assert repr(S) == ("tensor(indices=tensor([[0, 1, 1],\n"
                       "                       [2, 0, 2]]),\n"
                       "       values=tensor([3., 4., 5.]),\n"
                       "       size=(2, 3), nnz=3, layout=minidl.sparse_coo)")
    s64 = mdl.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], mdl.tensor([3.0, 4.0, 5.0], dtype=mdl.float64,
                                                                     requires_grad=True), (2, 3)) * 2
    assert repr(s64) == ("tensor(indices=tensor([[0, 1, 1],\n"
                         "                       [2, 0, 2]]),\n"
                         "       values=tensor([ 6.,  8., 10.]),\n"
                         "       size=(2, 3), nnz=3, dtype=minidl.float64, layout=minidl.sparse_coo,\n"
                         "       grad_fn=<SparseCooTensorWithDimsAndTensorsBackward0>)")
    empty = mdl.sparse_coo_tensor(mdl.zeros(2, 0, dtype=mdl.int64), mdl.zeros(0, 2), (3, 4, 2))
    assert repr(empty) == ("tensor(indices=tensor([], size=(2, 0)),\n"
                           "       values=tensor([], size=(0, 2)),\n"
                           "       size=(3, 4, 2), nnz=0, layout=minidl.sparse_coo)")
    hybrid = mdl.sparse_coo_tensor([[1, 0, 1]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]).coalesce()
    assert repr(hybrid) == ("tensor(indices=tensor([[0, 1]]),\n"
                            "       values=tensor([[3., 4.],\n"
                            "                      [6., 8.]]),\n"
                            "       size=(2, 2), nnz=2, layout=minidl.sparse_coo)")
    csr = mdl.tensor([[0.0, 1.0], [2.0, 0.0]]).to_sparse_csr()
    assert repr(csr) == ("tensor(crow_indices=tensor([0, 1, 2]),\n"
                         "       col_indices=tensor([1, 0]),\n"
                         "       values=tensor([1., 2.]), size=(2, 2), nnz=2, layout=minidl.sparse_csr)")
    assert repr(mdl.sparse_coo) == "minidl.sparse_coo" and repr(mdl.sparse_csr) == "minidl.sparse_csr"
    zeroed = S.clone().zero_()
    assert repr(zeroed) == ("tensor(indices=tensor([], size=(2, 0)),\n"
                            "       values=tensor([], size=(0,)),\n"
                            "       size=(2, 3), nnz=0, layout=minidl.sparse_coo)")
    assert S.type() == "torch.sparse.FloatTensor"


def test_in_place_ops():
    s = S.clone()
    assert s.mul_(2) is s and s.add_(S, alpha=3) is s
    np.testing.assert_array_equal(s.to_dense().numpy(), 5 * S.to_dense().numpy())
    s.sub_(S).div_(4).neg_()
    np.testing.assert_array_equal(s.to_dense().numpy(), -S.to_dense().numpy())
    leaf = S.clone().requires_grad_()
    with pytest.raises(RuntimeError, match="in-place operations on a sparse tensor that requires grad"):
        leaf.mul_(2)


@pytest.mark.parametrize("call, error, match", [
    (lambda: S.exp(), NotImplementedError, "aten::exp.*SparseCPU"),
    (lambda: S.view(6), NotImplementedError, "aten::view"),
    (lambda: S.reshape(6), RuntimeError, "reshape is not implemented for sparse tensors"),
    (lambda: S[0:1], NotImplementedError, "aten::index"),
    (lambda: S.stride(), NotImplementedError, "SparseCPU"),
    (lambda: S.mean(), NotImplementedError, "aten::mean"),
    (lambda: S + mdl.ones(2, 3), RuntimeError, r"add\(sparse, dense\) is not supported"),
    (lambda: S.numpy(), TypeError, "can't convert Sparse layout tensor to numpy"),
    (lambda: S.tolist(), RuntimeError, "doesn't have storage"),
    (lambda: S.item(), RuntimeError, "6 elements cannot be converted to Scalar"),
    (lambda: S.indices(), RuntimeError, "uncoalesced tensor, please call .coalesce"),
    (lambda: S.values(), RuntimeError, "uncoalesced tensor, please call .coalesce"),
    (lambda: mdl.ones(2).values(), RuntimeError, "expected sparse"),
    (lambda: mdl.ones(2).coalesce(), RuntimeError, "coalesce expected sparse coordinate tensor layout"),
    (lambda: S / S, RuntimeError, "divided by a number"),
    (lambda: mdl.sparse.mm(S, mdl.ones(2, 2)), RuntimeError, r"cannot be multiplied \(2x3 and 2x2\)"),
    (lambda: mdl.sparse_coo_tensor([[0, 1]], [1.0], (3,)), RuntimeError, "same nnz"),
    (lambda: mdl.sparse_coo_tensor([0, 1], [1.0, 2.0], (3,)), RuntimeError, "sparse_dim x nnz"),
    (lambda: mdl.sparse_coo_tensor([[0, 1]], [1.0, 2.0], (3, 4)), RuntimeError, "sparse_dim \\(1\\) \\+ dense_dim"),
    (lambda: mdl.sparse_coo_tensor([[5]], [1.0], (3,)), RuntimeError, "size is 3 but found index 5"),
    (lambda: mdl.sparse_coo_tensor([[-1]], [1.0], (3,)), RuntimeError, "negative index -1"),
    (lambda: mdl.ones(2).to_sparse(3), RuntimeError, "sparse_dim argument must be in"),
    (lambda: mdl.sparse.sum(mdl.ones(2)), RuntimeError, "expected a sparse tensor"),
    (lambda: S.index_select(0, mdl.tensor([2])), IndexError, "out of range"),
    (lambda: mdl.sparse_csr_tensor([0, 2, 1], [0, 1], [1.0, 2.0], (2, 2)), RuntimeError, "non-decreasing"),
    (lambda: mdl.ones(2, 2).to_sparse_csr() + mdl.ones(2, 2).to_sparse_csr(), NotImplementedError, "SparseCsrCPU"),
    (lambda: mdl.cat([S, S]), NotImplementedError, "SparseCPU"),
    (lambda: mdl.sparse_csr_tensor([0, 2], [1, 0], [1.0, 2.0], (1, 3)), RuntimeError, "strictly increasing"),
    (lambda: mdl.sparse_csc_tensor([0, 1, 3], [0, 1], [1.0, 2.0], (2, 2)), RuntimeError, "end at nnz"),
    (lambda: mdl.eye(2).to_sparse_csr().type(), RuntimeError, "Unimplemented backend SparseCsrCPU"),
    (lambda: mdl.eye(2).ccol_indices(), RuntimeError, "expected sparse compressed column"),
    (lambda: S == S, NotImplementedError, "aten::eq"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
