"""torch.spmm / smm / dsmm / hspmm / hsmm / sspaddmm / saddmm and Tensor.smm / sspaddmm.

Expected layouts (index order, coalescing, hybrid values) were read off PyTorch 2.13; this file passes
under PyTorch too with ``import minidl as torch`` changed to ``import torch`` (except the gradient tests of
hspmm/smm, which PyTorch does not implement and which are checked against the dense product instead).
"""
import numpy as np
import pytest

import minidl as torch


def _sparse(dtype=torch.float64):
    return torch.sparse_coo_tensor([[0, 1, 1, 4], [2, 0, 2, 1]], [3., 4., 5., -1.], (5, 3), dtype=dtype)


def _dense_mat(rows=3, cols=2, seed=0):
    return torch.tensor(np.random.default_rng(seed).standard_normal((rows, cols)))


def test_spmm_and_dsmm_are_dense_products():
    s, d = _sparse(), _dense_mat()
    want = s.to_dense() @ d
    for fn in (torch.spmm, torch.dsmm):
        out = fn(s, d)
        assert out.layout == torch.strided
        np.testing.assert_allclose(out.numpy(), want.numpy())
    np.testing.assert_allclose(torch.spmm(s.to_dense(), d).numpy(), want.numpy())


def test_hspmm_is_hybrid_with_the_stored_rows():
    s, d = _sparse(), _dense_mat()
    for fn in (torch.hspmm, torch.hsmm):
        out = fn(s, d)
        assert out.is_sparse and not out.is_coalesced() and out.sparse_dim() == 1 and out.dense_dim() == 1
        assert out._indices().tolist() == [[0, 1, 4]]
        np.testing.assert_allclose(out.to_dense().numpy(), (s.to_dense() @ d).numpy())


def test_smm_stores_every_column_of_the_stored_rows():
    s, d = _sparse(), _dense_mat()
    out = torch.smm(s, d)
    assert out.is_sparse and not out.is_coalesced() and out.sparse_dim() == 2
    assert out._indices().tolist() == [[0, 0, 1, 1, 4, 4], [0, 1, 0, 1, 0, 1]]
    np.testing.assert_allclose(out.to_dense().numpy(), (s.to_dense() @ d).numpy())
    assert s.smm(d)._indices().tolist() == out._indices().tolist()


def test_sspaddmm_lists_input_entries_then_the_product_uncoalesced():
    s, d = _sparse(), _dense_mat()
    base = torch.eye(5, 2, dtype=torch.float64).to_sparse()
    out = torch.sspaddmm(base, s, d, beta=2, alpha=0.5)
    assert out.is_sparse and not out.is_coalesced()
    assert out._indices().tolist() == [[0, 1, 0, 0, 1, 1, 4, 4], [0, 1, 0, 1, 0, 1, 0, 1]]
    want = 2 * base.to_dense() + 0.5 * (s.to_dense() @ d)
    np.testing.assert_allclose(out.to_dense().numpy(), want.numpy())
    np.testing.assert_allclose(torch.saddmm(base, s, d, beta=2, alpha=0.5).to_dense().numpy(), want.numpy())
    np.testing.assert_allclose(base.sspaddmm(s, d).to_dense().numpy(), (base.to_dense() + s.to_dense() @ d).numpy())


def test_dense_mat1_is_refused():
    with pytest.raises(RuntimeError):
        torch.smm(torch.ones(2, 3), torch.ones(3, 2))
    with pytest.raises(RuntimeError):
        torch.hspmm(torch.ones(2, 3), torch.ones(3, 2))


@pytest.mark.parametrize("name", ["spmm", "dsmm"])
def test_products_gradcheck(name):
    d = _dense_mat().requires_grad_()
    values = torch.tensor([3., 4., 5., -1.], dtype=torch.float64, requires_grad=True)

    def f(values, d):
        s = torch.sparse_coo_tensor([[0, 1, 1, 4], [2, 0, 2, 1]], values, (5, 3))
        return getattr(torch, name)(s, d)

    assert torch.autograd.gradcheck(f, (values, d))
