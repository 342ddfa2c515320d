"""Complex ``linalg.ldl_factor`` / ``ldl_solve`` against PyTorch 2.13 (session 17's sweep): complex symmetric
(LAPACK's csytf2 pivoting by |re| + |im|) and Hermitian (zhetf2 / zhetrs) factorisations, 2x2 pivots included.

Written against ``import minidl as torch``; passes under PyTorch with the import replaced. The cases are
PyTorch's outputs for 4x4 matrices (entries rounded to 3 decimals, LD to 6).
"""
import numpy as np
import pytest

import minidl as torch

LDL_CASES = [(False,
  [[(0.01+0j), (1.727-0.284j), (0.695-3.493j), (-2.04-0.044j)],
   [(1.727-0.284j), (0.893-0.551j), (-0.243-0.595j), (0.418+1.224j)],
   [(0.695-3.493j), (-0.243-0.595j), (0.057-0.35j), (0.065+1.696j)],
   [(-2.04-0.044j), (0.418+1.224j), (0.065+1.696j), (1.198-2.224j)]],
  [-3, -3, 4, 4],
  [[(0.01+0j), 0j, 0j, 0j], [(0.695-3.493j), (0.057-0.35j), 0j, 0j],
   [(0.131787-0.144669j), (0.172366+0.459744j), (-0.679252-1.699764j), 0j],
   [(-0.451684+0.166512j), (-0.098955-0.563043j), (-0.607035+0.617383j), (1.740271-0.58012j)]]),
 (True,
  [[(0.01+0j), (1.727-0.301j), (0.695+1.929j), (-2.04-0.471j)],
   [(1.727+0.301j), (0.893+0j), (-0.243+3.183j), (0.418+0.789j)],
   [(0.695-1.929j), (-0.243-3.183j), (0.057+0j), (0.065-2.54j)],
   [(-2.04+0.471j), (0.418-0.789j), (0.065+2.54j), (1.198+0j)]],
  [-3, -3, 3, 4],
  [[(0.01+0j), 0j, 0j, 0j], [(0.695-1.929j), (0.057+0j), 0j, 0j],
   [(1.397095+0.633705j), (0.147988+0.834721j), (-4.331485+0j), 0j],
   [(1.204025+0.383744j), (-0.553589-0.864332j), (-0.19388+0.706783j), (8.031433+0j)]]),
 (True,
  [[(0.378+0j), (1.277-1.449j), (-0.132+1.138j), (-2.77+0.837j)],
   [(1.277+1.449j), (2.288+0j), (-0.879-0.453j), (-0.018+1.915j)],
   [(-0.132-1.138j), (-0.879+0.453j), (1.955+0j), (0.144-2.48j)],
   [(-2.77-0.837j), (-0.018-1.915j), (0.144+2.48j), (-0.198+0j)]],
  [-4, -4, 3, 4],
  [[(0.378+0j), 0j, 0j, 0j], [(-2.77-0.837j), (-0.198+0j), 0j, 0j],
   [(-0.296009+0.772195j), (0.149582+0.471007j), (3.941243+0j), 0j],
   [(0.225555-0.59214j), (-0.561449-0.434258j), (-0.639188+0.169257j), (1.956329+0j)]])]


@pytest.mark.parametrize("hermitian,a,pivots,ld", LDL_CASES)
def test_complex_ldl_factor_and_solve(hermitian, a, pivots, ld):
    A = torch.tensor(a, dtype=torch.complex128)
    LD, piv = torch.linalg.ldl_factor(A, hermitian=hermitian)
    assert piv.tolist() == pivots and piv.dtype == torch.int32
    np.testing.assert_allclose(LD.numpy(), np.array(ld), atol=2e-6)
    b = torch.tensor(np.arange(8).reshape(4, 2) + 1j, dtype=torch.complex128)
    x = torch.linalg.ldl_solve(LD, piv, b, hermitian=hermitian)
    np.testing.assert_allclose((A @ x).numpy(), b.numpy(), atol=1e-10)


def test_complex_ldl_batched_complex64_and_info():
    a = torch.tensor([c[1] for c in LDL_CASES[1:]], dtype=torch.complex64)
    LD, piv, info = torch.linalg.ldl_factor_ex(a, hermitian=True)
    assert info.tolist() == [0, 0] and piv.tolist() == [c[2] for c in LDL_CASES[1:]]
    assert LD.dtype == torch.complex64
    x = torch.linalg.ldl_solve(LD, piv, torch.ones(2, 4, 1, dtype=torch.complex64), hermitian=True)
    np.testing.assert_allclose((a @ x).numpy(), np.ones((2, 4, 1)), atol=1e-4)
    zero = torch.zeros(2, 2, dtype=torch.complex128)
    assert torch.linalg.ldl_factor_ex(zero).info.item() == 1
