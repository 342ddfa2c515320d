"""Gradients of minidl's hspmm/smm/sspaddmm (PyTorch 2.13 implements none: "derivative for aten::hspmm is
not implemented"); minidl differentiates them as the dense product, checked by finite differences."""
import numpy as np
import pytest

import minidl


@pytest.mark.parametrize("name", ["hspmm", "smm"])
def test_sparse_result_products_gradcheck(name):
    rng = np.random.default_rng(1)
    d = minidl.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    values = minidl.tensor([3., 4., 5., -1.], dtype=minidl.float64, requires_grad=True)

    def f(values, d):
        s = minidl.sparse_coo_tensor([[0, 1, 1, 4], [2, 0, 2, 1]], values, (5, 3))
        return getattr(minidl, name)(s, d).to_dense()

    assert minidl.autograd.gradcheck(f, (values, d))
    assert minidl.autograd.gradgradcheck(f, (values, d))


def test_sspaddmm_gradcheck():
    rng = np.random.default_rng(2)
    d = minidl.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    values = minidl.tensor([3., 4., 5., -1.], dtype=minidl.float64, requires_grad=True)
    base = minidl.tensor([1.5, -2.0], dtype=minidl.float64, requires_grad=True)

    def f(values, d, base):
        s = minidl.sparse_coo_tensor([[0, 1, 1, 4], [2, 0, 2, 1]], values, (5, 3))
        start = minidl.sparse_coo_tensor([[0, 3], [1, 0]], base, (5, 2))
        return minidl.sspaddmm(start, s, d, beta=0.5, alpha=2.0).to_dense()

    assert minidl.autograd.gradcheck(f, (values, d, base))
    assert minidl.autograd.gradgradcheck(f, (values, d, base))
