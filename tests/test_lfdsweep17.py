"""Differential checks of minidl.linalg / fft against PyTorch 2.13 (session 17's sweep): info codes, out=,
lstsq drivers, tolerances, keyword spellings, input checks and messages, gradients at edge cases.

Written against ``import minidl as torch``; the same file passes under PyTorch with that import replaced by
``import torch`` (expected values were read from PyTorch 2.13 on CPU).
"""
import warnings

import numpy as np
import pytest

import minidl as torch


def _raises(exc, match, fn):
    with pytest.raises(exc, match=match):
        fn()


# --- info codes of the _ex functions ----------------------------------------------

SINGULAR = [[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 1.0]]]
NOT_PD = [[[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[-1.0, 0.0], [0.0, 1.0]]]


def test_inv_ex_info_batched():
    r = torch.linalg.inv_ex(torch.tensor(SINGULAR))
    assert r.info.tolist() == [2, 0, 1] and r.info.dtype == torch.int32
    assert r.inverse[1].tolist() == [[1.0, 0.0], [0.0, 1.0]]
    _raises(torch.linalg.LinAlgError, r"linalg.inv_ex: \(Batch element 0\): The diagonal element 2 is zero",
            lambda: torch.linalg.inv_ex(torch.tensor(SINGULAR), check_errors=True))
    _raises(RuntimeError, r"linalg.inv: \(Batch element 0\): The diagonal element 2 is zero, the inversion could "
            r"not be completed because the input matrix is singular.", lambda: torch.linalg.inv(torch.tensor(SINGULAR)))
    _raises(RuntimeError, r"^linalg.inv: The diagonal element 2 is zero",
            lambda: torch.linalg.inv(torch.tensor(SINGULAR[0])))
    assert torch.linalg.inv_ex(torch.eye(3)).info.tolist() == 0


def test_solve_ex_info_batched():
    r = torch.linalg.solve_ex(torch.tensor(SINGULAR), torch.ones(3, 2))
    assert r.info.tolist() == [2, 0, 1]
    assert r.result[1].tolist() == [1.0, 1.0]
    _raises(torch.linalg.LinAlgError, r"torch.linalg.solve: \(Batch element 0\): The solver failed because the "
            r"input matrix is singular.", lambda: torch.linalg.solve(torch.tensor(SINGULAR), torch.ones(3, 2)))


def test_cholesky_ex_info_batched():
    r = torch.linalg.cholesky_ex(torch.tensor(NOT_PD))
    assert r.info.tolist() == [2, 0, 1]
    assert r.L[1].tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert r.L[0].tolist() == [[1.0, 0.0], [2.0, -3.0]]   # LAPACK's partial factor, as PyTorch returns it
    msg = (r"linalg.cholesky: \(Batch element 0\): The factorization could not be completed because the input is "
           r"not positive-definite \(the leading minor of order 2 is not positive-definite\).")
    _raises(torch.linalg.LinAlgError, msg, lambda: torch.linalg.cholesky(torch.tensor(NOT_PD)))
    _raises(torch.linalg.LinAlgError, r"linalg.cholesky_ex: \(Batch element 0\)",
            lambda: torch.linalg.cholesky_ex(torch.tensor(NOT_PD), check_errors=True))
    _raises(torch.linalg.LinAlgError, r"^linalg.cholesky: The factorization could not be completed",
            lambda: torch.linalg.cholesky(torch.tensor(NOT_PD[0])))


# --- input checks ------------------------------------------------------------------

INT = torch.ones(3, 3, dtype=torch.int64)


@pytest.mark.parametrize("name", ["det", "inv", "cholesky", "svd", "qr", "slogdet", "matrix_exp", "inv_ex",
                                  "cholesky_ex", "svdvals"])
def test_int_input_message(name):
    reported = {"inv_ex": "inv", "cholesky_ex": "cholesky", "svdvals": "svd"}.get(name, name)
    _raises(RuntimeError, f"linalg.{reported}: Expected a floating point or complex tensor as input. Got Long",
            lambda: getattr(torch.linalg, name)(INT))


def test_int_input_other_messages():
    _raises(RuntimeError, "linalg.solve: Expected a floating point or complex tensor as input. Got Long",
            lambda: torch.linalg.solve(INT, torch.ones(3)))
    _raises(NotImplementedError, "\"linalg_eigh_cpu\" not implemented for 'Long'", lambda: torch.linalg.eigh(INT))
    _raises(RuntimeError, r"linalg.pinv\(Long\{\[3, 3\]\}\): expected a tensor with 2 or more dimensions of float, "
            "double, cfloat or cdouble types", lambda: torch.linalg.pinv(INT))
    _raises(RuntimeError, "This function doesn't handle types other than float and double",
            lambda: torch.linalg.matrix_rank(INT))
    for fn in (torch.norm, torch.linalg.norm, torch.linalg.vector_norm):
        _raises(RuntimeError, "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long",
                lambda fn=fn: fn(torch.ones(3, dtype=torch.int64)))
    _raises(RuntimeError, "linalg.matrix_norm: Expected a floating point or complex tensor as input. Got Long",
            lambda: torch.linalg.matrix_norm(INT))
    _raises(NotImplementedError, "\"triangular_solve_cpu\" not implemented for 'Long'",
            lambda: torch.linalg.solve_triangular(INT, torch.ones(3, 1), upper=True))


@pytest.mark.parametrize("name", ["inv", "cholesky", "eigh", "det"])
def test_non_square_and_dims(name):
    fn = getattr(torch.linalg, name)
    _raises(RuntimeError, f"linalg.{name}: A must be batches of square matrices, but they are 2 by 3 matrices",
            lambda: fn(torch.ones(2, 3)))
    _raises(RuntimeError, f"linalg.{name}: The input tensor A must have at least 2 dimensions.",
            lambda: fn(torch.ones(3)))


def test_solve_checks():
    _raises(RuntimeError, "linalg.solve: Expected A and B to have the same dtype, but found A of type Float and B of "
            "type Double instead", lambda: torch.linalg.solve(torch.eye(2), torch.ones(2, 1, dtype=torch.float64)))
    _raises(RuntimeError, "linalg.solve: A must be batches of square matrices, but they are 2 by 3 matrices",
            lambda: torch.linalg.solve(torch.ones(2, 3), torch.ones(2)))
    _raises(RuntimeError, "^linalg.solve_triangular: The input tensor B must have at least 2 dimensions.$",
            lambda: torch.linalg.solve_triangular(torch.eye(2), torch.ones(2), upper=True))


def test_solve_triangular_casts_b_to_a_dtype():
    eye32, eye64 = torch.eye(2), torch.eye(2, dtype=torch.float64)
    assert torch.linalg.solve_triangular(eye32, torch.ones(2, 1, dtype=torch.float64), upper=True).dtype == \
        torch.float32
    assert torch.linalg.solve_triangular(eye64, torch.ones(2, 1), upper=True).dtype == torch.float64
    assert torch.linalg.solve_triangular(eye32, torch.ones(2, 1, dtype=torch.int64), upper=True).dtype == \
        torch.float32
    assert torch.linalg.solve_triangular(eye32.to(torch.complex64), torch.ones(2, 1, dtype=torch.float64),
                                         upper=True).dtype == torch.complex64


def test_cholesky_solve_and_inverse_checks():
    _raises(RuntimeError, "u should have at least 2 dimensions, but has 1 dimensions instead",
            lambda: torch.cholesky_solve(torch.ones(2, 2), torch.ones(2)))
    _raises(RuntimeError, "b should have at least 2 dimensions, but has 1 dimensions instead",
            lambda: torch.cholesky_solve(torch.ones(2), torch.ones(2, 2)))
    _raises(NotImplementedError, "\"cholesky_solve_cpu\" not implemented for 'Long'",
            lambda: torch.cholesky_solve(torch.ones(2, 2, dtype=torch.int64), torch.ones(2, 2, dtype=torch.int64)))
    _raises(RuntimeError, "Expected b and A to have the same dtype, but found b of type Float and A of type Double "
            "instead.", lambda: torch.cholesky_solve(torch.ones(2, 2), torch.eye(2, dtype=torch.float64)))
    _raises(RuntimeError, "Incompatible matrix sizes for cholesky_solve: each A matrix is 2 by 2 but each b matrix "
            "is 3 by 2", lambda: torch.cholesky_solve(torch.ones(3, 2), torch.ones(2, 2)))
    _raises(RuntimeError, r"The size of tensor a \(3\) must match the size of tensor b \(2\) at non-singleton "
            "dimension 0", lambda: torch.cholesky_solve(torch.ones(3, 2, 2), torch.eye(2).expand(2, 2, 2)))
    _raises(NotImplementedError, "\"cholesky_inverse_out_cpu\" not implemented for 'Long'",
            lambda: torch.cholesky_inverse(torch.ones(2, 2, dtype=torch.int64)))
    _raises(RuntimeError, "cholesky_inverse: The input tensor A must have at least 2 dimensions.",
            lambda: torch.cholesky_inverse(torch.ones(2)))
    a = torch.tensor([[4.0, 1.0], [1.0, 3.0]], dtype=torch.float64)
    low = torch.linalg.cholesky(a)
    b = torch.tensor([[1.0], [2.0]], dtype=torch.float64)
    np.testing.assert_allclose(torch.cholesky_solve(b, low).numpy(), np.linalg.solve(a.numpy(), b.numpy()))
    np.testing.assert_allclose(torch.cholesky_solve(b, low.mT, upper=True).numpy(),
                               np.linalg.solve(a.numpy(), b.numpy()))
    np.testing.assert_allclose(torch.cholesky_inverse(low).numpy(), np.linalg.inv(a.numpy()))


def test_uplo_lowercase_and_keywords():
    a = torch.tensor([[2.0, 1.0], [1.0, 3.0]])
    assert torch.allclose(torch.linalg.eigh(a, UPLO="l").eigenvalues, torch.linalg.eigh(a).eigenvalues)
    assert torch.allclose(torch.linalg.eigvalsh(input=a, UPLO="u"), torch.linalg.eigvalsh(a, "U"))
    assert torch.allclose(torch.linalg.cholesky(input=a), torch.linalg.cholesky(a))
    assert torch.allclose(torch.linalg.matrix_exp(input=a), torch.linalg.matrix_exp(a))
    _raises(RuntimeError, "Expected UPLO argument to be 'L' or 'U', but got x", lambda: torch.linalg.eigh(a, UPLO="x"))
    assert torch.allclose(torch.linalg.solve(A=a, B=torch.ones(2)), torch.linalg.solve(a, torch.ones(2)))
    assert torch.allclose(torch.linalg.inv(A=a), torch.linalg.inv(a))
    assert torch.linalg.cholesky_ex(input=a, upper=True).L.shape == (2, 2)
    assert torch.linalg.det(A=a).item() == pytest.approx(5.0)


# --- fft: an int s -------------------------------------------------------------------

def test_fftn_int_s():
    x = torch.ones(4, 4)
    assert tuple(torch.fft.fftn(x, s=3).shape) == (4, 3)
    assert tuple(torch.fft.rfftn(x, s=3).shape) == (4, 2)
    assert tuple(torch.fft.ifftn(x, s=3).shape) == (4, 3)
    assert torch.fft.fftn(x, s=3)[0].tolist() == [3, 0, 0]
    _raises(RuntimeError, "When given, dim and shape arguments must have the same length",
            lambda: torch.fft.fft2(x, s=3))


# --- out= ------------------------------------------------------------------------------

E = torch.eye(2)


def test_out_single_results():
    out = torch.empty(0)
    r = torch.linalg.inv(E, out=out)
    assert r is out and out.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    out = torch.empty(0)
    assert torch.linalg.det(E, out=out) is out and out.item() == 1.0
    for name, args in [("matrix_norm", (E,)), ("vector_norm", (E,)), ("svdvals", (E,)), ("eigvalsh", (E,)),
                       ("pinv", (E,)), ("matrix_power", (E, 3)), ("cholesky", (E,)), ("solve", (E, E)),
                       ("multi_dot", ([E, E],)), ("cond", (E,)), ("tensorinv", (E, 1))]:
        out = torch.empty(0)
        expected = getattr(torch.linalg, name)(*args)
        assert getattr(torch.linalg, name)(*args, out=out) is out, name
        assert torch.allclose(out, expected), name
    out = torch.empty(0, dtype=torch.int64)
    assert torch.linalg.matrix_rank(E, out=out).item() == 2


def test_out_tuple_results():
    vals, vecs = torch.empty(0), torch.empty(0)
    r = torch.linalg.eigh(E, out=(vals, vecs))
    assert r.eigenvalues is vals and r.eigenvectors is vecs and vals.tolist() == [1.0, 1.0]
    outs = [torch.empty(0) for _ in range(3)]
    r = torch.linalg.svd(E, out=outs)
    assert r.S is outs[1] and outs[1].tolist() == [1.0, 1.0]
    inverse, info = torch.empty(0), torch.empty(0, dtype=torch.int32)
    r = torch.linalg.inv_ex(E, out=(inverse, info))
    assert r.info is info and info.tolist() == 0
    sign, logabs = torch.empty(0), torch.empty(0)
    assert torch.linalg.slogdet(E, out=(sign, logabs)).sign is sign and sign.item() == 1.0


def test_out_errors():
    _raises(RuntimeError, "Expected out tensor to have dtype float, but got double instead",
            lambda: torch.linalg.inv(E, out=torch.empty(0, dtype=torch.float64)))
    _raises(RuntimeError, "Expected out tensor to have dtype float, but got long int instead",
            lambda: torch.linalg.det(E, out=torch.empty(0, dtype=torch.int64)))
    _raises(RuntimeError, "linalg.norm expected out tensor dtype Float but got: Double",
            lambda: torch.linalg.norm(E, out=torch.empty(0, dtype=torch.float64)))
    _raises(RuntimeError, "linalg.pinv: Expected result to be safely castable from Float dtype, but got result with "
            "dtype Long", lambda: torch.linalg.pinv(E, out=torch.empty(0, dtype=torch.int64)))
    assert torch.linalg.pinv(E, out=torch.empty(0, dtype=torch.float64)).dtype == torch.float64
    _raises(RuntimeError, "multi_dot\\(\\): expected out tensor to have dtype float but got double",
            lambda: torch.linalg.multi_dot([E, E], out=torch.empty(0, dtype=torch.float64)))
    _raises(RuntimeError, "Expected out tensor to have dtype int, but got float instead",
            lambda: torch.linalg.inv_ex(E, out=(torch.empty(0), torch.empty(0))))
    _raises(TypeError, "linalg_slogdet\\(\\): argument 'out' must be tuple of Tensors, not Tensor",
            lambda: torch.linalg.slogdet(E, out=torch.empty(0)))
    _raises(RuntimeError, "torch.linalg.eigvals: Expected eigenvalues to be safely castable from ComplexFloat dtype, "
            "but got eigenvalues with dtype Float", lambda: torch.linalg.eigvals(E, out=torch.empty(0)))
    _raises(RuntimeError, "_linalg_det\\(\\): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad.",
            lambda: torch.linalg.det(torch.eye(2, requires_grad=True), out=torch.empty(0)))
    _raises(RuntimeError, "linalg_inv_ex\\(\\): functions with out=",
            lambda: torch.linalg.inv(torch.eye(2, requires_grad=True), out=torch.empty(0)))


def test_out_resize_warning():
    out = torch.empty(3)
    with pytest.warns(UserWarning, match=r"An output with one or more elements was resized since it had shape \[3\], "
                      r"which does not match the required output shape \[2, 2\]"):
        torch.linalg.inv(E, out=out)
    assert out.shape == (2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.linalg.inv(E, out=torch.empty(0))
