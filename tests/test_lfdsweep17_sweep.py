"""Differential checks of minidl.linalg / fft / distributions against PyTorch 2.13, part 2: what the sweep
(tools/sweep_linalg_fft_dist.py) found: messages for odd inputs, half precision, top-level matrix functions,
Dirichlet/Beta rsample gradients and seeded sample streams.

Written against ``import minidl as torch``; the same file passes under PyTorch with that import replaced by
``import torch`` (expected values were read from PyTorch 2.13 on CPU).
"""
import numpy as np
import pytest

import minidl as torch


def _raises(exc, match, fn):
    with pytest.raises(exc, match=match):
        fn()


INT = torch.ones(3, 3, dtype=torch.int64)


# --- found by the sweep (tools/sweep_linalg_fft_dist.py) ------------------------------------------

def test_sweep_messages():
    vec = torch.ones(3)
    _raises(RuntimeError, "^torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.$",
            lambda: torch.linalg.matrix_rank(vec))
    _raises(RuntimeError, "^Unknown Complex ScalarType for Long$", lambda: torch.linalg.eig(INT))
    _raises(RuntimeError, "^Unknown Complex ScalarType for Long$", lambda: torch.linalg.eigvals(INT))
    _raises(NotImplementedError, "\"lu_cpu\" not implemented for 'Long'", lambda: torch.linalg.lu_factor(INT))
    _raises(NotImplementedError, "\"lu_cpu\" not implemented for 'Long'", lambda: torch.linalg.lu(INT))
    _raises(RuntimeError, r"^linalg.lu: Expected tensor with 2 or more dimensions. Got size: \[3\] instead$",
            lambda: torch.linalg.lu(vec))
    _raises(RuntimeError, "^linalg.cond: The input tensor must have at least 2 dimensions.$",
            lambda: torch.linalg.cond(vec))
    _raises(RuntimeError, "^linalg.matrix_norm: The input tensor A must have at least 2 dimensions.$",
            lambda: torch.linalg.matrix_norm(vec))
    _raises(RuntimeError, "^torch.linalg.ldl_factor_ex: Expected a floating point or complex tensor as input. Got "
            "Long$", lambda: torch.linalg.ldl_factor(INT))
    _raises(RuntimeError, "^linalg.matrix_power: The input tensor A must have at least 2 dimensions.$",
            lambda: torch.linalg.matrix_power(vec, 2))
    _raises(RuntimeError, "^linalg.matrix_power: A must be batches of square matrices, but they are 4 by 3 matrices$",
            lambda: torch.linalg.matrix_power(torch.ones(4, 3), 2))


def test_sweep_values():
    c = torch.tensor([[1 + 1j, 0j, 2j]])
    r = torch.linalg.vector_norm(c, 0, dim=-1)
    assert r.dtype == torch.float32 and r.tolist() == [2.0]
    assert torch.linalg.cond(torch.zeros(2, 2), "fro").item() == float("inf")
    assert torch.linalg.cond(torch.stack([torch.zeros(2, 2), torch.eye(2)]), 1).tolist() == [float("inf"), 1.0]


def test_sweep_fft_real_input_messages():
    c = torch.ones(2, 4, dtype=torch.complex64)
    _raises(RuntimeError, "^rfft expects a real input tensor, but got ComplexFloat$", lambda: torch.fft.rfft(c))
    _raises(RuntimeError, "^ihfft expects a real input tensor, but got ComplexFloat$", lambda: torch.fft.ihfft(c))
    for fn in (torch.fft.rfft2, torch.fft.rfftn):
        _raises(RuntimeError, "^rfftn expects a real-valued input tensor, but got ComplexFloat$", lambda fn=fn: fn(c))
    _raises(RuntimeError, "^rfftn expects a real-valued input tensor, but got ComplexFloat$",
            lambda: torch.fft.rfft2(c, s=3))
    for fn in (torch.fft.ihfft2, torch.fft.ihfftn):
        _raises(RuntimeError, "^Only supports floating-point dtypes, but found: ComplexFloat$", lambda fn=fn: fn(c))
    _raises(RuntimeError, "When given, dim and shape arguments must have the same length",
            lambda: torch.fft.ihfft2(c, s=3))


def test_sweep_distribution_class_modules():
    D = torch.distributions
    assert D.LogisticNormal.__module__.endswith("distributions.logistic_normal")
    assert D.RelaxedBernoulli.__module__.endswith("distributions.relaxed_bernoulli")
    assert D.AffineTransform.__module__.endswith("distributions.transforms")
    assert D.StudentT.__module__.endswith("distributions.studentT")
    with pytest.raises(NotImplementedError, match=r"distributions.logistic_normal.LogisticNormal'> does not "
                                                   "implement mode"):
        D.LogisticNormal(torch.zeros(2), torch.ones(2)).mode


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_sweep_half_precision_errors(dtype):
    eye = torch.eye(3).to(dtype)
    names = {"float16": "Half", "bfloat16": "BFloat16"}[str(dtype).split(".")[-1]]
    _raises(RuntimeError, f"linalg.inv: Low precision dtypes not supported. Got {names}",
            lambda: torch.linalg.inv(eye))
    for fn, kernel in [(torch.linalg.det, "lu_cpu"), (torch.linalg.svd, "linalg_svd_cpu"),
                       (torch.linalg.eigh, "linalg_eigh_cpu"), (torch.linalg.cholesky, "cholesky_cpu"),
                       (torch.linalg.qr, "geqrf_cpu")]:
        _raises(NotImplementedError, f"\"{kernel}\" not implemented for '{names}'", lambda fn=fn: fn(eye))
    assert torch.linalg.vector_norm(eye).dtype == dtype
    assert abs(torch.linalg.matrix_norm(eye).float().item() - 3 ** 0.5) < 1e-2


def test_sweep_solve_left_false_vector():
    _raises(RuntimeError, r"linalg.solve: Incompatible shapes of A and B for the equation XA = B \(3x3 and 3x1\)",
            lambda: torch.linalg.solve(torch.eye(3), torch.ones(3), left=False))
    _raises(RuntimeError, "linalg.solve: Vector broadcasting of the left hand side is not supported for left=False. "
            r"In this case linalg.solve is equivalent to B / A.squeeze\(-1\)",
            lambda: torch.linalg.solve(torch.eye(1) * 2, torch.ones(1), left=False))


# Dirichlet/Beta rsample gradients: PyTorch's _dirichlet_grad (values from PyTorch 2.13, seeds 1 and 2)
DIRICHLET_CASES = [([0.6, 1.3, 2.0], [0.204747, 0.302227, 0.493026], [-1.604382, -0.271024, 0.771317]),
                   ([7.0, 8.0], [0.502786, 0.497214], [-0.147143, 0.12983]),
                   ([0.05, 0.1, 30.0], [1.0402e-02, 2.1e-05, 9.89577e-01], [-0.54685, -0.019255, 0.000724]),
                   ([10.0, 12.0, 0.3], [0.482345, 0.512012, 0.005643], [-0.095976, 0.077428, 0.145884])]


@pytest.mark.parametrize("conc,first,grad", DIRICHLET_CASES)
def test_dirichlet_rsample_gradient(conc, first, grad):
    c = torch.tensor(conc, dtype=torch.float64, requires_grad=True)
    torch.manual_seed(1)
    x = torch.distributions.Dirichlet(c).rsample((4,))
    np.testing.assert_allclose(x.detach().numpy()[0], first, atol=2e-6)
    g, = torch.autograd.grad((x * torch.arange(len(conc), dtype=torch.float64)).sum(), c)
    np.testing.assert_allclose(g.numpy(), grad, atol=2e-6)


def test_beta_rsample_gradient():
    for (a, b), expected in [((0.6, 1.3), [1.92918, -1.11729]), ((7.0, 9.0), [0.17363, -0.15127]),
                             ((0.3, 0.2), [4.54978, -5.73361])]:
        a, b = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        torch.manual_seed(2)
        x = torch.distributions.Beta(a, b).rsample((5,))
        np.testing.assert_allclose([g.item() for g in torch.autograd.grad(x.sum(), (a, b))], expected, rtol=1e-4)


def test_von_mises_and_binomial_samples_follow_pytorch_stream():
    torch.manual_seed(0)
    x = torch.distributions.VonMises(torch.tensor([0.2, 0.7, 1.5], dtype=torch.float64),
                                     torch.tensor([1.3, 0.4, 2.0], dtype=torch.float64)).sample((2,))
    np.testing.assert_allclose(x.numpy(), [[-2.7240, 2.6031, 0.9011], [-2.3763, -0.9765, -0.1012]], atol=1e-4)
    torch.manual_seed(3)
    x = torch.distributions.VonMises(torch.tensor([0.2, 0.7]), torch.tensor([1e-6, 50.0])).sample((3,))
    np.testing.assert_allclose(x.numpy(), [[0.0928, 0.6316], [2.6282, 0.6601], [-2.1731, 0.8994]], atol=1e-4)
    np.testing.assert_allclose(torch.rand(2).numpy(), [0.3686, 0.0043], atol=1e-4)   # the stream after it
    torch.manual_seed(0)
    b = torch.distributions.Binomial(torch.tensor([5.0, 50, 500]), torch.tensor([0.1, 0.5, 0.9])).sample((2,))
    assert b.tolist() == [[2.0, 31.0, 444.0], [0.0, 26.0, 451.0]]


def test_sample_streams_exponential_cauchy_multinomial_wishart():
    p = torch.tensor([0.6, 1.3, 2.0])
    torch.manual_seed(4)
    d = torch.distributions.Exponential(p)
    np.testing.assert_allclose(d.sample((2,)).numpy(), [[1.0806382, 1.0119084, 0.0296399],
                                                        [4.7791038, 2.2836540, 0.4006973]], atol=2e-6)
    torch.manual_seed(4)
    d = torch.distributions.Cauchy(p, p)
    np.testing.assert_allclose(d.sample((2,)).numpy(), [[0.5567777, 2.4581702, -8.939866],
                                                        [3.9240942, 9.2856855, 2.3251297]], atol=2e-6)
    torch.manual_seed(4)
    m = torch.distributions.Multinomial(7, torch.tensor([0.1, 0.2, 0.7]))
    assert m.sample((3,)).tolist() == [[0.0, 0.0, 7.0], [1.0, 2.0, 4.0], [1.0, 2.0, 4.0]]
    assert m.sample().tolist() == [1.0, 1.0, 5.0]
    cov = torch.tensor([[2.0, 0.3, 0.1], [0.3, 1.5, 0.2], [0.1, 0.2, 1.0]], dtype=torch.float64)
    torch.manual_seed(4)
    w = torch.distributions.Wishart(torch.tensor(4.0, dtype=torch.float64), covariance_matrix=cov)
    with pytest.warns(UserWarning, match="Singular sample detected"):   # PyTorch 2.13's inverted check
        x = w.sample((2,))
    np.testing.assert_allclose(x[1].numpy(), [[9.38814347922264, 3.3792437311685015, 4.5371007789633495],
                                              [3.3792437311685015, 4.4525525198091565, 2.643165518915188],
                                              [4.5371007789633495, 2.643165518915188, 3.9807595345631097]],
                               rtol=1e-10)


def test_top_level_matrix_functions_out_and_checks():
    sq = torch.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=torch.float64)
    out = torch.empty(0, dtype=torch.float64)
    assert torch.inverse(sq, out=out) is out and torch.allclose(out, torch.linalg.inv(sq))
    _raises(RuntimeError, "Expected out tensor to have dtype double, but got long int instead",
            lambda: torch.inverse(sq, out=torch.empty(0, dtype=torch.int64)))
    sign, logabs = torch.empty(0, dtype=torch.float64), torch.empty(0, dtype=torch.float64)
    r = torch.slogdet(sq, out=(sign, logabs))
    assert r[0] is sign and sign.item() == 1.0
    _raises(RuntimeError, "cholesky: Expected result to be safely castable from Double dtype, but got result with "
            "dtype Long", lambda: torch.cholesky(sq, out=torch.empty(0, dtype=torch.int64)))
    _raises(RuntimeError, "cholesky_solve: Expected result to be safely castable from Double dtype",
            lambda: torch.cholesky_solve(sq, torch.linalg.cholesky(sq), out=torch.empty(0, dtype=torch.int64)))
    res = torch.empty(0, dtype=torch.float64)
    assert torch.cholesky_inverse(torch.linalg.cholesky(sq), out=res) is res
    _raises(RuntimeError, "matrix_power: Expected result to be safely castable from Double dtype",
            lambda: torch.matrix_power(sq, 2, out=torch.empty(0, dtype=torch.int64)))
    _raises(RuntimeError, "Expected out tensor to have dtype double, but got long int instead",
            lambda: torch.triangular_solve(sq, sq, out=(torch.empty(0, dtype=torch.int64),
                                                        torch.empty(0, dtype=torch.float64))))
    _raises(RuntimeError, "result type Double can't be cast to the desired output type Long",
            lambda: torch.ger(sq[0], sq[1], out=torch.empty(0, dtype=torch.int64)))
    ints = torch.ones(2, 2, dtype=torch.int64)
    _raises(RuntimeError, "logdet: Expected a floating point or complex tensor as input. Got Long",
            lambda: torch.logdet(ints))
    _raises(NotImplementedError, "\"cholesky_cpu\" not implemented for 'Long'", lambda: torch.cholesky(ints))
    u, s, v = torch.svd(torch.ones(4, 3), compute_uv=False)
    assert tuple(u.shape) == (4, 4) and tuple(v.shape) == (3, 3) and not u.any()


def test_sweep_argument_errors():
    m, v = torch.ones(3, 4), torch.ones(4)
    L = torch.linalg
    _raises(RuntimeError, "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.",
            lambda: L.norm(v, "fro"))
    _raises(RuntimeError, "linalg.matrix_norm: Order bad not supported.", lambda: L.norm(v, "bad"))
    _raises(TypeError, r"linalg_vector_norm\(\): argument 'ord' \(position 2\) must be Number, not str",
            lambda: L.vector_norm(v, "fro"))
    _raises(RuntimeError, r"linalg.norm: If dim is specified, it must be of length 1 or 2. Got \[0, 1, 1\]",
            lambda: L.norm(m, dim=(0, 1, 1)))
    _raises(RuntimeError, r"linalg.matrix_norm: dims must be different. Got \(0, 0\)",
            lambda: L.matrix_norm(m, dim=(0, 0)))
    _raises(RuntimeError, "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
            "cuSOLVER backend.", lambda: L.svd(m, driver="gesvd"))
    _raises(RuntimeError, "linalg.cross: inputs dimension -1 must have length 3. Got 2 and 2",
            lambda: L.cross(torch.ones(2, 2), torch.ones(2, 2)))
    _raises(RuntimeError, r"The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton "
            "dimension 0", lambda: L.cross(torch.ones(2, 3), torch.ones(3, 3)))
    _raises(RuntimeError, r"The size of tensor a \(4\) must match the size of tensor b \(3\) at non-singleton "
            "dimension 1", lambda: L.vecdot(m, torch.ones(3, 3)))
    _raises(RuntimeError, r"multi_dot\(\): the last tensor must be 1D or 2D but got 3D",
            lambda: L.multi_dot([m, torch.ones(2, 4, 3)]))
    _raises(RuntimeError, r"multi_dot\(\): tensor 1 must be 2D but got 3D",
            lambda: L.multi_dot([torch.ones(2, 2), torch.ones(2, 2, 2), torch.ones(2, 2)]))
    _raises(RuntimeError, r"multi_dot\(\): tensors 0 and 1 with shapes \[3, 4\] and \[3, 4\] cannot be multiplied",
            lambda: L.multi_dot([m, m]))
    _raises(RuntimeError, "Expected a strictly positive integer for 'ind', but got 0",
            lambda: L.tensorinv(torch.eye(4), 0))
    _raises(TypeError, r"linalg_matrix_power\(\): argument 'n' \(position 2\) must be int, not float",
            lambda: L.matrix_power(torch.eye(3), 1.5))
    _raises(RuntimeError, "N must be greater than 1.", lambda: L.vander(v, N=1))
    _raises(RuntimeError, "N must be greater than 1.", lambda: L.vander(torch.tensor([2.0])))
    LD, piv = L.ldl_factor(torch.eye(3))
    _raises(RuntimeError, "Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is 3 by 3 but each b "
            "matrix is 4 by 1", lambda: L.ldl_solve(LD, piv, torch.ones(4, 1)))
    _raises(RuntimeError, "This function doesn't handle types other than float and double",
            lambda: L.lstsq(torch.ones(3, 2, dtype=torch.int64), torch.ones(3, 1, dtype=torch.int64)))


def test_sweep_fft_errors():
    x = torch.ones(4, 6)
    _raises(RuntimeError, "^fft expects a complex output tensor, but got Float$",
            lambda: torch.fft.fft(x, out=torch.empty(0)))
    _raises(RuntimeError, "^fftn expects a complex output tensor, but got Float$",
            lambda: torch.fft.fft2(x, out=torch.empty(0)))
    _raises(RuntimeError, "^irfftn expects a floating point output tensor, but got ComplexFloat$",
            lambda: torch.fft.irfftn(x, out=torch.empty(0, dtype=torch.complex64)))
    out = torch.empty(0, dtype=torch.complex64)
    assert torch.fft.fft(x, out=out) is out and out.shape == (4, 6)
    _raises(IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)",
            lambda: torch.fft.fftshift(x, dim=(0, 5)))
    _raises(RuntimeError, r"Trying to create tensor with negative dimension -1: \[-1\]",
            lambda: torch.fft.fftfreq(-1))
