"""Gradients of elementwise functions, reductions and norms on complex128 inputs: float64 gradcheck and
gradgradcheck (finite differences along the real and the imaginary axis, PyTorch's conjugate-Wirtinger
convention), and real results (float64) for the norms of complex tensors."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(0)
Z = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
SMALL = 0.3 * (rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3)))
POSITIVE = rng.random((2, 3)) + 0.5

CASES = {
    "tanh": (lambda a: a.tanh(), "z"), "sigmoid": (lambda a: a.sigmoid(), "z"),
    "torch.sigmoid": (lambda a: mdl.sigmoid(a), "z"), "sin": (lambda a: a.sin(), "z"),
    "cos": (lambda a: a.cos(), "z"), "sinh": (lambda a: a.sinh(), "z"), "cosh": (lambda a: a.cosh(), "z"),
    "tan": (lambda a: a.tan(), "z"), "reciprocal": (lambda a: a.reciprocal(), "z"),
    "rsqrt": (lambda a: a.rsqrt(), "z"), "square": (lambda a: a.square(), "z"),
    "asin": (lambda a: a.asin(), "s"), "acos": (lambda a: a.acos(), "s"), "atan": (lambda a: a.atan(), "s"),
    "asinh": (lambda a: a.asinh(), "s"), "acosh": (lambda a: a.acosh(), "z"), "atanh": (lambda a: a.atanh(), "s"),
    "log2": (lambda a: a.log2(), "z"), "log10": (lambda a: a.log10(), "z"), "log1p": (lambda a: a.log1p(), "z"),
    "expm1": (lambda a: a.expm1(), "z"), "exp2": (lambda a: mdl.exp2(a), "z"),
    "pow complex scalar exponent": (lambda a: a ** (1.5 + 0.5j), "z"), "pow int": (lambda a: a ** 3, "z"),
    "pow tensor tensor": (lambda a, b: mdl.pow(a, b), "zs"), "pow real base": (lambda b, r: r ** b, "sr"),
    "pow scalar base": (lambda b: 2.0 ** b, "s"), "pow complex scalar base": (lambda b: (1 + 1j) ** b, "s"),
    "prod": (lambda a: a.prod(), "z"), "prod dim": (lambda a: a.prod(1), "z"),
    "logsumexp": (lambda a: mdl.logsumexp(a, 0), "z"),
    "mixed real and complex": (lambda a, r: (a * r).tanh(), "zr"),
    "Tensor.norm": (lambda a: a.norm(), "z"), "norm dim": (lambda a: mdl.norm(a, dim=1), "z"),
    "norm p=1": (lambda a: mdl.norm(a, p=1), "z"),
    "linalg.norm": (lambda a: mdl.linalg.norm(a), "z"), "linalg.norm fro": (lambda a: mdl.linalg.norm(a, "fro"), "z"),
    "vector_norm": (lambda a: mdl.linalg.vector_norm(a), "z"),
    "vector_norm 3": (lambda a: mdl.linalg.vector_norm(a, 3, dim=0), "z"),
    "vector_norm 1": (lambda a: mdl.linalg.vector_norm(a, 1), "z"),
    "vector_norm inf": (lambda a: mdl.linalg.vector_norm(a, float("inf"), dim=1), "z"),
    "matrix_norm": (lambda a: mdl.linalg.matrix_norm(a), "z"),
    "einsum": (lambda a, b: mdl.einsum("ij,kj->ik", a, b), "zs"), "inner": (lambda a, b: mdl.inner(a, b), "zs"),
    "tensordot": (lambda a, b: mdl.tensordot(a, b, dims=([1], [1])), "zs"),
    "diag": (lambda a: mdl.diag(a[0]), "z"), "kron": (lambda a, b: mdl.kron(a, b), "zs"),
}
ARRAYS = {"z": Z, "s": SMALL, "r": POSITIVE}


@pytest.mark.parametrize("name", list(CASES))
def test_complex_gradcheck_and_gradgradcheck(name):
    fn, kinds = CASES[name]
    args = tuple(mdl.tensor(ARRAYS[k], dtype=mdl.float64 if k == "r" else mdl.complex128, requires_grad=True)
                 for k in kinds)
    assert gradcheck(fn, args)
    assert gradgradcheck(fn, args)


def test_norms_of_complex_tensors_are_real():
    z = mdl.tensor(Z)
    expected = np.sqrt((np.abs(Z) ** 2).sum())
    for value in (z.norm(), mdl.norm(z), mdl.linalg.norm(z), mdl.linalg.vector_norm(z), mdl.linalg.matrix_norm(z)):
        assert value.dtype == mdl.float64
        np.testing.assert_allclose(value.item(), expected, rtol=1e-12)
    np.testing.assert_allclose(mdl.linalg.vector_norm(z, 3, dim=0).numpy(), (np.abs(Z) ** 3).sum(0) ** (1 / 3))
    assert mdl.linalg.vector_norm(mdl.tensor(Z, dtype=mdl.complex64)).dtype == mdl.float32


def test_holomorphic_gradient_is_conjugate_derivative():
    """For a real loss L = Re(sum(c * f(z))) the gradient is conj(c * f'(z)) (PyTorch's convention)."""
    z = mdl.tensor(Z, requires_grad=True)
    c = 0.7 - 1.3j
    (z.tanh() * c).real.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), np.conj(c * (1 - np.tanh(Z) ** 2)), rtol=1e-12)
    w = mdl.tensor(SMALL, requires_grad=True)
    (mdl.pow(mdl.tensor(Z), w) * c).real.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.conj(c * Z ** SMALL * np.log(Z)), rtol=1e-12)


def test_pow_and_float_power_dtypes_with_complex_exponents():
    assert (mdl.tensor([1, 2]) ** (1 + 1j)).dtype == mdl.complex64              # integers: the default complex
    assert (mdl.tensor([1.0, 2.0], dtype=mdl.float64) ** (1 + 1j)).dtype == mdl.complex128
    assert (mdl.tensor([1, 2]) ** mdl.tensor([1 + 1j, 2j])).dtype == mdl.complex64
    value = mdl.float_power(mdl.tensor([1 + 1j], dtype=mdl.cfloat), 2)
    assert value.dtype == mdl.complex128
    np.testing.assert_allclose(value.numpy(), [2j], atol=1e-12)
    np.testing.assert_allclose(mdl.float_power(mdl.tensor([4.0]), 0.5 + 0j).numpy(), [2.0 + 0j])
    r = mdl.tensor([1.5, 2.5], dtype=mdl.float64, requires_grad=True)
    (r ** (0.5 + 1j)).real.sum().backward()
    np.testing.assert_allclose(r.grad.numpy(), np.real((0.5 + 1j) * np.array([1.5, 2.5]) ** (-0.5 + 1j)))


@pytest.mark.parametrize("call, error, message", [
    (lambda z: mdl.erf(z), NotImplementedError, '"erf_vml_cpu" not implemented for .ComplexFloat.'),
    (lambda z: mdl.special.erfc(z), NotImplementedError, '"erfc_vml_cpu"'),
    (lambda z: mdl.fmod(z, 2), NotImplementedError, '"fmod_cpu"'),
    (lambda z: z % 2, NotImplementedError, '"remainder_cpu"'),
    (lambda z: z // 2, NotImplementedError, '"div_floor_cpu"'),
    (lambda z: mdl.atan2(z, z), NotImplementedError, '"atan2_cpu"'),
    (lambda z: mdl.xlogy(z, z), NotImplementedError, '"xlogy_cpu"'),
    (lambda z: z.frac(), NotImplementedError, '"frac_cpu"'),
    (lambda z: z.cummax(0), NotImplementedError, '"cummax_cpu"'),
    (lambda z: mdl.unique(z), NotImplementedError, '"unique"'),
    (lambda z: mdl.histc(z), NotImplementedError, '"aminmax_cpu"'),
    (lambda z: mdl.log_softmax(z, -1), NotImplementedError, '"log_softmax_lastdim_kernel_impl"'),
    (lambda z: mdl.heaviside(z, z), RuntimeError, "heaviside is not yet implemented for complex tensors"),
])
def test_functions_pytorch_does_not_define_for_complex_raise_its_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(mdl.tensor([[1 + 2j, 3 - 1j], [0.5j, -2]], dtype=mdl.cfloat))


def test_linspace_with_complex_ends():
    values = mdl.linspace(0, 1 + 1j, 3)
    assert values.dtype == mdl.complex64
    np.testing.assert_allclose(values.numpy(), [0, 0.5 + 0.5j, 1 + 1j])
    assert mdl.linspace(1j, 2, 2, dtype=mdl.cdouble).dtype == mdl.complex128
    assert mdl.linspace(0, 1, 3, dtype=mdl.cfloat).dtype == mdl.complex64


def test_bool_cast_and_finfo_of_complex():
    z = mdl.tensor([1 + 2j, -3j, 0j], dtype=mdl.cfloat)
    assert z.bool().tolist() == [True, True, False]                 # nonzero in either part
    assert z.to(mdl.bool).tolist() == [True, True, False]
    assert mdl.finfo(mdl.cfloat) == mdl.finfo(mdl.float32) and mdl.finfo(mdl.cdouble).bits == 64
