"""minidl.linalg.ldl_factor / ldl_factor_ex / ldl_solve (Bunch-Kaufman LDL^T, LAPACK's sytf2/sytrs) against
NumPy: solutions against np.linalg.solve, Sylvester's inertia of D, hand-checked factorisations."""
import numpy as np
import pytest

import minidl as mdl


def symmetric(rng, n, small_diagonal=False):
    a = rng.standard_normal((n, n))
    a = a + a.T
    if small_diagonal:
        a[np.diag_indices(n)] *= 0.01  # forces 2x2 pivot blocks
    return a


def block_diagonal(ld, pivots):
    """D from the compact LD: 1x1 blocks on the diagonal, 2x2 blocks where pivots are negative."""
    n = ld.shape[0]
    d = np.diag(np.diag(ld))
    k = 0
    while k < n:
        if pivots[k] < 0:
            d[k + 1, k] = d[k, k + 1] = ld[k + 1, k]
            k += 2
        else:
            k += 1
    return d


def test_hand_checked_factorisations():
    LD, pivots = mdl.linalg.ldl_factor(mdl.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=mdl.float64))
    assert LD.tolist() == [[4.0, 0.0], [0.5, 2.0]] and pivots.tolist() == [1, 2] and pivots.dtype == mdl.int32
    # a zero diagonal: one 2x2 block with rows 2 and 3 swapped, then a 1x1 block (values worked by hand)
    S = mdl.tensor([[0.0, 1, 2], [1, 0, 3], [2, 3, 0]], dtype=mdl.float64)
    LD, pivots = mdl.linalg.ldl_factor(S)
    assert pivots.tolist() == [-3, -3, 3]
    np.testing.assert_allclose(LD.numpy(), [[0, 0, 0], [2, 0, 0], [1.5, 0.5, -3]], atol=1e-12)
    np.testing.assert_allclose(mdl.linalg.ldl_solve(LD, pivots, mdl.eye(3, dtype=mdl.float64)).numpy() @ S.numpy(),
                               np.eye(3), atol=1e-12)
    assert type(mdl.linalg.ldl_factor(S)).__name__ == "linalg_ldl_factor"


@pytest.mark.parametrize("n,small", [(1, False), (5, False), (7, True), (10, True), (9, False)])
def test_solve_and_inertia(rng, n, small):
    a = symmetric(rng, n, small)
    LD, pivots, info = mdl.linalg.ldl_factor_ex(mdl.tensor(a))
    assert info.item() == 0 and np.array_equal(np.triu(LD.numpy(), 1), np.zeros((n, n)))
    b = rng.standard_normal((n, 3))
    np.testing.assert_allclose(mdl.linalg.ldl_solve(LD, pivots, mdl.tensor(b)).numpy(), np.linalg.solve(a, b),
                               atol=1e-8)
    d = block_diagonal(LD.numpy(), pivots.numpy())
    assert (np.linalg.eigvalsh(d) < 0).sum() == (np.linalg.eigvalsh(a) < 0).sum()  # Sylvester's law of inertia
    pivots_np = pivots.numpy()
    assert (np.abs(pivots_np) >= 1).all() and (np.abs(pivots_np) <= n).all()


def test_batched_broadcast_and_only_lower_triangle_read(rng):
    a = np.stack([symmetric(rng, 6, True), symmetric(rng, 6)])
    garbage_upper = np.tril(a) + np.triu(rng.standard_normal((6, 6)), 1)
    LD, pivots = mdl.linalg.ldl_factor(mdl.tensor(garbage_upper))
    assert tuple(LD.shape) == (2, 6, 6) and tuple(pivots.shape) == (2, 6)
    b = rng.standard_normal((6, 2))
    x = mdl.linalg.ldl_solve(LD, pivots, mdl.tensor(b))
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b[None]), atol=1e-8)


def test_singular_and_errors():
    LD, pivots, info = mdl.linalg.ldl_factor_ex(mdl.zeros(3, 3, dtype=mdl.float64))
    assert info.item() == 1 and pivots.tolist() == [1, 2, 3]
    with pytest.raises(RuntimeError, match="singular"):
        mdl.linalg.ldl_factor(mdl.zeros(3, 3, dtype=mdl.float64))
    with pytest.raises(RuntimeError, match="square matrices, but they are 2 by 3"):
        mdl.linalg.ldl_factor(mdl.randn(2, 3))
    LD, pivots = mdl.linalg.ldl_factor(mdl.eye(3, dtype=mdl.float64))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        mdl.linalg.ldl_solve(LD, pivots, mdl.ones(3, dtype=mdl.float64))
    with pytest.raises(RuntimeError, match="Incompatible matrix sizes for torch.linalg.ldl_solve"):
        mdl.linalg.ldl_solve(LD, pivots, mdl.ones(4, 1, dtype=mdl.float64))
    with pytest.raises(RuntimeError, match="integers"):
        mdl.linalg.ldl_solve(LD, pivots.long(), mdl.ones(3, 1, dtype=mdl.float64))
