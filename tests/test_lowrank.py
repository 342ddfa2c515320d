"""svd_lowrank / pca_lowrank: PyTorch's randomized algorithm on PyTorch's random stream (expected values printed
by PyTorch 2.13 for the same seed and matrix), exact on low-rank input, differentiable."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


def _matrix():
    return mdl.tensor(np.arange(35, dtype=np.float64).reshape(5, 7) ** 1.5 % 7.3)


def test_values_equal_pytorchs_for_the_same_seed():
    A = _matrix()
    mdl.manual_seed(0)
    U, S, V = mdl.svd_lowrank(A, q=2)
    np.testing.assert_allclose(S.numpy(), [19.598241357786485, 6.29322968924169], rtol=1e-12)
    assert tuple(U.shape) == (5, 2) and tuple(V.shape) == (7, 2)
    assert np.abs(U.numpy()).sum() == pytest.approx(3.884400586579336, rel=1e-10)
    mdl.manual_seed(0)
    _, S, _ = mdl.pca_lowrank(A.T, q=3)
    np.testing.assert_allclose(S.numpy(), [6.835560205232189, 6.256858228376225, 3.7544264329617443], rtol=1e-12)
    mdl.manual_seed(1)
    S32 = mdl.svd_lowrank(A.float(), q=2, niter=0)[1]
    assert S32.dtype == mdl.float32
    np.testing.assert_allclose(S32.numpy(), [19.06485366821289, 5.040622234344482], rtol=1e-5)


def test_exact_on_low_rank_input_and_batched():
    mdl.manual_seed(3)
    L = mdl.randn(4, 9, 3, dtype=mdl.float64) @ mdl.randn(4, 3, 6, dtype=mdl.float64)
    U, S, V = mdl.svd_lowrank(L, q=4)
    assert tuple(U.shape) == (4, 9, 4) and tuple(S.shape) == (4, 4) and tuple(V.shape) == (4, 6, 4)
    np.testing.assert_allclose((U * S.unsqueeze(-2) @ V.transpose(-2, -1)).numpy(), L.numpy(), atol=1e-9)
    np.testing.assert_allclose(S.numpy()[:, :3], np.linalg.svd(L.numpy(), compute_uv=False)[:, :3], rtol=1e-9)
    M = L.mean(dim=-2, keepdim=True)
    U, S, V = mdl.svd_lowrank(L, q=4, M=M)
    centred = np.linalg.svd((L - M).numpy(), compute_uv=False)
    np.testing.assert_allclose(S.numpy(), centred[:, :4], rtol=1e-8, atol=1e-9)


def test_pca_argument_checks():
    A = _matrix()
    with pytest.raises(ValueError, match=r"q\(=6\) must be non-negative integer and not greater than min\(m, n\)=5"):
        mdl.pca_lowrank(A, q=6)
    with pytest.raises(ValueError, match="niter"):
        mdl.pca_lowrank(A, niter=-1)
    assert mdl.pca_lowrank(A, center=False)[1].shape == (5,)


def test_gradients():
    A = mdl.randn(6, 4, dtype=mdl.float64, requires_grad=True)

    def singular_values(t):
        mdl.manual_seed(5)
        return mdl.svd_lowrank(t, q=4)[1]

    def pca_values(t):
        mdl.manual_seed(5)
        return mdl.pca_lowrank(t, q=3)[1]
    assert gradcheck(singular_values, (A,))
    assert gradgradcheck(singular_values, (A,))
    assert gradcheck(pca_values, (A,))
    assert gradgradcheck(pca_values, (A,))
