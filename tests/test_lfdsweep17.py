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


# --- lstsq drivers, residuals -------------------------------------------------------------

LA = [[[2.041, -2.556, 0.418], [-0.568, -0.453, -0.216], [-2.02, -0.232, -0.865], [3.323, 0.226, -0.353],
       [-0.281, -0.668, -1.055]],
      [[-0.391, 0.482, -0.239], [0.958, -0.2, 0.024], [1.546, 0.545, -0.505], [-0.183, 0.541, 1.935],
       [-0.27, -0.244, 1.002]]]
LB = [[[-0.886, -0.292], [0.883, 0.58], [0.092, 0.67], [-2.828, 1.021], [-0.96, -1.669]],
      [[0.276, 0.701], [-0.445, -1.076], [0.026, -0.053], [1.406, 0.747], [0.194, 1.112]]]
L_SOLUTION = [[[-0.717424, 0.115545], [-0.072255, 0.289547], [1.216327, 0.182171]],
              [[-0.177222, -0.511408], [0.918876, 0.829311], [0.439186, 0.27589]]]
L_RESIDUALS = [[0.619881, 3.926542], [0.033631, 1.308766]]
L_SINGULAR = [[4.562221, 2.523798, 1.415375], [2.40993, 1.727507, 0.870417]]


@pytest.mark.parametrize("driver", ["gels", "gelsy", "gelsd", "gelss", None])
def test_lstsq_drivers(driver):
    a, b = torch.tensor(LA, dtype=torch.float64), torch.tensor(LB, dtype=torch.float64)
    r = torch.linalg.lstsq(a, b, driver=driver)
    np.testing.assert_allclose(r.solution.numpy(), L_SOLUTION, atol=1e-6)
    if driver in ("gels", "gelsd", "gelss"):
        np.testing.assert_allclose(r.residuals.numpy(), L_RESIDUALS, atol=1e-6)
    else:
        assert tuple(r.residuals.shape) == (0,) and r.residuals.dtype == torch.float64
    if driver == "gels":
        assert tuple(r.rank.shape) == (0,) and r.rank.dtype == torch.int64
    else:
        assert r.rank.tolist() == [3, 3]
    if driver in ("gelsd", "gelss"):
        np.testing.assert_allclose(r.singular_values.numpy(), L_SINGULAR, atol=1e-6)
    else:
        assert tuple(r.singular_values.shape) == (0,)


def test_lstsq_rank_deficient_vector_and_errors():
    a = torch.tensor(LA, dtype=torch.float64)
    a[1, :, 2] = a[1, :, 1]
    b = torch.tensor(LB, dtype=torch.float64)
    for driver in ("gelsy", "gelsd", "gelss"):
        r = torch.linalg.lstsq(a, b, driver=driver)
        assert r.rank.tolist() == [3, 2] and tuple(r.residuals.shape) == (0,)
    r = torch.linalg.lstsq(torch.tensor(LA, dtype=torch.float64), b[..., 0], driver="gelsd")
    assert tuple(r.solution.shape) == (2, 3) and tuple(r.residuals.shape) == (2, 1)
    np.testing.assert_allclose(r.residuals[:, 0].numpy(), np.array(L_RESIDUALS)[:, 0], atol=1e-6)
    _raises(RuntimeError, r"torch.linalg.lstsq: parameter `driver` should be one of \(gels, gelsy, gelsd, gelss\)",
            lambda: torch.linalg.lstsq(a, b, driver="foo"))
    _raises(RuntimeError, r"torch.linalg.lstsq: input.size\(-2\) should match other.size\(-2\)",
            lambda: torch.linalg.lstsq(a[0], b[0, :3]))
    _raises(RuntimeError, r"torch.linalg.lstsq: input.size\(-2\) should match other.size\(-1\)",
            lambda: torch.linalg.lstsq(a[0], b[0, :4, 0]))
    _raises(RuntimeError, "torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
            "dtype Float and other's dtype Double", lambda: torch.linalg.lstsq(a[0].float(), b[0]))
    wide = torch.linalg.lstsq(a[0].mT, b[0, :3], driver="gelsd")
    assert tuple(wide.residuals.shape) == (0,) and wide.rank.item() == 3
    assert torch.linalg.lstsq(torch.tensor(LA[0], dtype=torch.float64), b[0], rcond=0.5,
                              driver="gelsd").rank.item() == 2


# --- matrix_rank / pinv tolerances --------------------------------------------------------------

def test_rank_and_pinv_tolerances():
    ones = torch.ones(3, 3)
    assert torch.linalg.matrix_rank(ones, tol=0.5).item() == 1
    assert torch.linalg.matrix_rank(ones, 0.5).item() == 1
    assert torch.linalg.matrix_rank(ones, atol=torch.tensor(0.5)).item() == 1
    assert torch.linalg.matrix_rank(torch.ones(2, 3, 3), atol=torch.tensor([0.5, 5.0])).tolist() == [1, 0]
    assert torch.linalg.matrix_rank(torch.ones(2, 3, 3), hermitian=True,
                                    rtol=torch.tensor([[0.5], [5.0]])).tolist() == [[1, 1], [0, 0]]
    assert torch.linalg.matrix_rank(ones, atol=0.5, rtol=0.1).item() == 1
    assert torch.linalg.matrix_rank(torch.diag(torch.tensor([3.0, 1.0, 1e-3])), rtol=1e-2).item() == 2
    np.testing.assert_allclose(torch.linalg.pinv(ones, rcond=0.5).numpy(), np.full((3, 3), 1 / 9), rtol=1e-5)
    np.testing.assert_allclose(torch.linalg.pinv(ones, 0.5).numpy(), np.full((3, 3), 1 / 9), rtol=1e-5)
    p = torch.linalg.pinv(torch.ones(2, 3, 3), atol=torch.tensor([0.5, 5.0]))
    np.testing.assert_allclose(p.numpy(), [np.full((3, 3), 1 / 9), np.zeros((3, 3))], rtol=1e-5, atol=1e-7)
    p = torch.linalg.pinv(torch.ones(2, 3, 3), rtol=torch.tensor([0.5, 5.0]))
    np.testing.assert_allclose(p.numpy(), [np.full((3, 3), 1 / 9), np.zeros((3, 3))], rtol=1e-5, atol=1e-7)
    h = torch.tensor([[2.0, 1.0], [1.0, -3.0]], dtype=torch.float64)
    np.testing.assert_allclose(torch.linalg.pinv(h, hermitian=True).numpy(), np.linalg.inv(h.numpy()))


# --- gradients: QR of wide matrices, det at singular matrices, jvp through eig ---------------------

def _grads(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if dtype == torch.complex128:
        a = a + 1j * rng.standard_normal(shape)
    a = torch.tensor(a, dtype=dtype, requires_grad=True)
    k = min(shape[-2:])
    wq = torch.tensor(rng.standard_normal(shape[:-1] + (k,)), dtype=dtype)
    wr = torch.tensor(rng.standard_normal(shape[:-2] + (k, shape[-1])), dtype=dtype)
    q, r = torch.linalg.qr(a)
    loss = ((q * wq).sum() + (r * wr).sum()).real
    g, = torch.autograd.grad(loss, a, create_graph=True)
    gg, = torch.autograd.grad((g * g.conj()).sum().real, a)
    return g.detach().numpy().ravel()[:6], gg.numpy().ravel()[:4]


# PyTorch 2.13's values (the first six of the gradient)
QR_CASES = [((2, 4), torch.float64, [7.26512, -0.257936, 0.685438, 1.182259, -0.682976, -0.285279]),
            ((3, 5), torch.float64, [0.75089, 3.458547, -0.434871, 0.678535, 1.183108, 2.801827]),
            ((2, 3, 5), torch.float64, [-1.86194, -0.339544, 0.827193, 2.540254, 0.261729, 0.314691]),
            ((5, 3), torch.float64, [0.27548, 0.116713, -1.224174, -0.27617, -0.153597, 0.212714])]


@pytest.mark.parametrize("shape,dtype,expected", QR_CASES)
def test_qr_gradient_wide(shape, dtype, expected):
    g, gg = _grads(shape, dtype, {(2, 4): 0, (3, 5): 1, (2, 3, 5): 2, (5, 3): 3}[shape])
    np.testing.assert_allclose(g, expected, atol=1e-5)
    assert np.isfinite(gg).all()


def test_qr_gradient_wide_matches_finite_differences():
    a = torch.tensor(np.random.default_rng(5).standard_normal((2, 3, 5)), requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: torch.linalg.qr(x).R, (a,))
    assert torch.autograd.gradcheck(lambda x: torch.linalg.qr(x).Q, (a,))
    c = torch.tensor(np.random.default_rng(6).standard_normal((2, 4)) + 1j, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: torch.linalg.qr(x).R.abs(), (c,))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_det_gradient_at_singular_matrices(dtype):
    for m, expected in [([[1.0, 2.0], [2.0, 4.0]], np.zeros((2, 2))), ([[0.0, 0.0], [0.0, 1.0]], np.zeros((2, 2))),
                        ([[2.0, 0, 0], [0, 3.0, 0], [0, 0, 0]], np.zeros((3, 3)))]:
        a = torch.tensor(m, dtype=dtype, requires_grad=True)
        g, = torch.autograd.grad(torch.linalg.det(a), a)
        np.testing.assert_array_equal(g.numpy(), expected)
    batch = torch.tensor([[[0.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [3.0, 4.0]]], dtype=dtype, requires_grad=True)
    g, = torch.autograd.grad(torch.linalg.det(batch).sum(), batch)
    np.testing.assert_allclose(g.numpy(), [np.zeros((2, 2)), [[4.0, -3.0], [-2.0, 1.0]]], atol=1e-5)


def test_det_double_backward_at_singular_matrix():
    a = torch.tensor([[0.0, 0.0], [0.0, 1.0]], dtype=torch.float64, requires_grad=True)
    g, = torch.autograd.grad(torch.linalg.det(a), a, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [[1.0, 0.0], [0.0, 0.0]], atol=1e-12)
    gg, = torch.autograd.grad(g.sum(), a)
    np.testing.assert_allclose(gg.numpy(), [[1.0, -1.0], [-1.0, 1.0]], atol=1e-12)


def test_jvp_through_eig_and_eigvals():
    rng = np.random.default_rng(1)
    a, t = torch.tensor(rng.standard_normal((3, 3))), torch.tensor(rng.standard_normal((3, 3)))
    _, tangent = torch.func.jvp(torch.linalg.eigvals, (a,), (t,))
    order = np.argsort(tangent.numpy().imag)
    np.testing.assert_allclose(tangent.numpy()[order], [-0.0019 - 0.55594j, -0.15743 + 0j, -0.0019 + 0.55594j],
                               atol=1e-5)
    _, (tl, tv) = torch.func.jvp(lambda x: (torch.linalg.eig(x)[0], torch.linalg.eig(x)[1].abs() ** 2), (a,), (t,))
    np.testing.assert_allclose(tl.numpy(), tangent.numpy(), atol=1e-10)
    np.testing.assert_allclose(tv.numpy(), [[-0.03072, -0.03072, -0.08674], [0.14478, 0.14478, 0.29399],
                                            [-0.11407, -0.11407, -0.20725]], atol=1e-5)
