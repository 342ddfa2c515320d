"""Complex tensors: dtypes and promotion, construction, parts and views, printing, errors, and autograd in
PyTorch's convention (z.grad = dL/dx + i dL/dy), checked by finite differences along both axes."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


def crand(rng, *shape, requires_grad=True):
    return mdl.tensor(rng.standard_normal(shape) + 1j * rng.standard_normal(shape), dtype=mdl.complex128,
                      requires_grad=requires_grad)


def rrand(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True)


# --- dtypes ---------------------------------------------------------------------------

def test_complex_dtypes_and_their_attributes():
    assert mdl.cfloat is mdl.complex64 and mdl.cdouble is mdl.complex128
    assert mdl.complex64 == np.complex64 and repr(mdl.complex128) == "minidl.complex128"
    assert mdl.complex64.is_complex and not mdl.complex64.is_floating_point and not mdl.float32.is_complex
    assert mdl.complex64.itemsize == 8 and mdl.complex128.itemsize == 16
    assert mdl.complex64.to_real() is mdl.float32 and mdl.complex128.to_real() is mdl.float64
    assert mdl.float32.to_complex() is mdl.complex64 and mdl.float64.to_complex() is mdl.complex128
    assert mdl.float32.to_real() is mdl.float32 and mdl.complex64.to_complex() is mdl.complex64
    with pytest.raises(RuntimeError, match="complex32"):
        mdl.float16.to_complex()
    with pytest.raises(AttributeError, match="complex32"):
        mdl.complex32


@pytest.mark.parametrize("a, b, expected", [
    ("float64", "complex64", "complex128"), ("float32", "complex64", "complex64"),
    ("int64", "complex64", "complex64"), ("float16", "complex128", "complex128"),
    ("complex64", "complex128", "complex128"), ("bool", "complex64", "complex64")])
def test_promote_types_with_complex(a, b, expected):
    assert mdl.promote_types(getattr(mdl, a), getattr(mdl, b)) == getattr(mdl, expected)
    assert mdl.promote_types(getattr(mdl, b), getattr(mdl, a)) == getattr(mdl, expected)


def test_result_type_with_complex_scalars_and_zero_dim_tensors():
    # as PyTorch 2.13: a complex scalar only raises the category, the dimensioned tensor keeps its precision
    assert mdl.result_type(mdl.ones(2), 1j) == mdl.complex64
    assert mdl.result_type(mdl.ones(2, dtype=mdl.float64), 1j) == mdl.complex128
    assert mdl.result_type(mdl.tensor([1, 2]), 1j) == mdl.complex64
    assert (mdl.ones(2) + mdl.tensor(1j, dtype=mdl.complex128)).dtype == mdl.complex64
    assert (mdl.tensor([1, 2]) + mdl.tensor(1j, dtype=mdl.complex128)).dtype == mdl.complex128
    assert (mdl.ones(2, dtype=mdl.float64) + mdl.tensor([1j])).dtype == mdl.complex128
    assert (mdl.tensor([1 + 1j]) * 2.5).dtype == mdl.complex64


# --- construction, parts, printing -------------------------------------------------------

def test_construction_and_python_numbers():
    z = mdl.tensor([1 + 2j, 3 - 1j])
    assert z.dtype == mdl.complex64 and z.is_complex() and mdl.is_complex(z)
    assert mdl.tensor(1 + 2j).item() == 1 + 2j and isinstance(z[0].item(), complex)
    np.testing.assert_array_equal(z.numpy(), np.array([1 + 2j, 3 - 1j], np.complex64))
    for make in (mdl.zeros, mdl.ones, mdl.empty):
        assert make(2, 3, dtype=mdl.cfloat).dtype == mdl.complex64
    full = mdl.full((2,), 1 - 1j)
    assert full.dtype == mdl.complex64 and full.tolist() == [1 - 1j, 1 - 1j]
    mdl.set_default_dtype(mdl.float64)
    try:
        assert mdl.tensor([1j]).dtype == mdl.complex128
    finally:
        mdl.set_default_dtype(mdl.float32)


def test_conversions_and_requires_grad():
    x = mdl.tensor([1.0, -2.0], requires_grad=True)
    z = x.cfloat()
    assert z.dtype == mdl.complex64 and x.cdouble().dtype == mdl.complex128 and z.tolist() == [1, -2]
    w = mdl.randn(3, dtype=mdl.cfloat).requires_grad_()
    assert w.requires_grad and mdl.zeros_like(w).dtype == mdl.complex64
    (z * 1j).imag.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="can require gradients"):
        mdl.tensor([1, 2]).requires_grad_()


def test_complex_and_polar():
    re, im = mdl.tensor([1.0, -2.0]), mdl.tensor([0.5, 3.0])
    z = mdl.complex(re, im)
    assert z.dtype == mdl.complex64 and z.tolist() == [1 + 0.5j, -2 + 3j]
    p = mdl.polar(mdl.tensor([2.0], dtype=mdl.float64), mdl.tensor([np.pi / 3], dtype=mdl.float64))
    np.testing.assert_allclose(p.numpy(), 2 * np.exp(1j * np.pi / 3))
    with pytest.raises(RuntimeError, match="same dtype"):
        mdl.complex(re, im.double())
    with pytest.raises(RuntimeError, match="float32 or float64"):
        mdl.complex(mdl.tensor([1]), mdl.tensor([2]))


def test_real_and_imag_are_writable_views():
    z = mdl.tensor([1 + 2j, 3 - 1j])
    r = z.real
    r[0] = 7
    assert z.tolist() == [7 + 2j, 3 - 1j]
    z.imag = mdl.tensor([5.0, 6.0])
    assert z.tolist() == [7 + 5j, 3 + 6j]
    z.real.mul_(2)
    assert z.tolist() == [14 + 5j, 6 + 6j]
    x = mdl.ones(2)
    assert x.real is x and x.conj() is x
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        x.imag


def test_view_as_real_and_view_as_complex_share_memory():
    z = mdl.tensor([1 + 2j, 3 - 1j])
    v = mdl.view_as_real(z)
    assert v.shape == (2, 2) and v.tolist() == [[1, 2], [3, -1]]
    v[1, 1] = 9
    assert z[1].item() == 3 + 9j
    back = mdl.view_as_complex(v)
    assert back.dtype == mdl.complex64 and back.tolist() == z.tolist()
    with pytest.raises(RuntimeError, match="last dimension of size 2"):
        mdl.view_as_complex(mdl.ones(3))
    with pytest.raises(RuntimeError, match="complex tensors"):
        mdl.view_as_real(mdl.ones(2))


def test_conj_bit_and_resolve():
    z = mdl.tensor([1 + 2j])
    c = z.conj()
    assert c.is_conj() and mdl.is_conj(c) and not z.is_conj() and c.tolist() == [1 - 2j]
    with pytest.raises(RuntimeError, match="conjugate bit"):
        c.numpy()
    assert not c.resolve_conj().is_conj() and c.resolve_conj().numpy().tolist() == [1 - 2j]
    assert not mdl.conj_physical(z).is_conj() and mdl.conj_physical(z).tolist() == [1 - 2j]
    assert not (c + 1).is_conj()


def test_elementwise_math_matches_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(7) + 1j * rng.standard_normal(7)
    b = rng.standard_normal(7) + 1j * rng.standard_normal(7)
    ta, tb = mdl.tensor(a, dtype=mdl.complex128), mdl.tensor(b, dtype=mdl.complex128)
    for got, want in [(ta + tb, a + b), (ta - tb, a - b), (ta * tb, a * b), (ta / tb, a / b),
                      (ta.exp(), np.exp(a)), (ta.log(), np.log(a)), (ta.sqrt(), np.sqrt(a)),
                      (ta.sum(), a.sum()), (ta.mean(), a.mean()), (ta.reshape(7, 1)[2:4, 0], a[2:4]),
                      (ta.reshape(1, 7) @ tb.reshape(7, 1), a @ b), (ta.sgn(), a / np.abs(a))]:
        np.testing.assert_allclose(got.numpy().reshape(-1), np.asarray(want).reshape(-1), rtol=1e-12)
    assert ta.abs().dtype == mdl.float64
    np.testing.assert_allclose(ta.abs().numpy(), np.abs(a))
    np.testing.assert_allclose(ta.angle().numpy(), np.angle(a))
    assert mdl.tensor([0j]).sgn().tolist() == [0j]


def test_repr_as_pytorch():
    # strings printed by PyTorch 2.13 for the same tensors
    assert repr(mdl.tensor([1 + 2j, 3 - 1j])) == "tensor([1.+2.j, 3.-1.j])"
    assert repr(mdl.tensor([1.5 + 2j, -3.25 - 1j, 1e-5j])) == \
        "tensor([ 1.5000+2.0000e+00j, -3.2500-1.0000e+00j,  0.0000+1.0000e-05j])"
    assert repr(mdl.tensor(2.5 - 1j)) == "tensor(2.5000-1.j)"
    assert repr(mdl.tensor([1 + 0j]).conj()) == "tensor([1.-0.j])"
    assert repr(mdl.zeros(0, dtype=mdl.cfloat)) == "tensor([], dtype=minidl.complex64)"
    assert repr(mdl.zeros(2, dtype=mdl.cdouble)) == "tensor([0.+0.j, 0.+0.j], dtype=minidl.complex128)"
    assert repr(mdl.tensor([[1e5 + 2j, 3 - 1e-3j], [0j, -1 - 1j]], dtype=mdl.complex128)) == (
        "tensor([[ 1.0000e+05+2.0000e+00j,  3.0000e+00-1.0000e-03j],\n"
        "        [ 0.0000e+00+0.0000e+00j, -1.0000e+00-1.0000e+00j]],\n"
        "       dtype=minidl.complex128)")


def test_randn_and_rand_follow_pytorchs_stream():
    # torch.manual_seed(0); torch.randn(n, dtype=...) in PyTorch 2.13: parts of variance 1/2
    mdl.manual_seed(0)
    z = mdl.randn(5, dtype=mdl.cfloat)
    expected = [1.0896 - 0.2075j, -1.5406 + 0.4019j, -0.7669 - 0.9890j, 0.2852 + 0.5926j, -0.5086 - 0.2852j]
    np.testing.assert_allclose(z.numpy(), expected, atol=1e-4)
    mdl.manual_seed(0)
    reals = mdl.randn(40, dtype=mdl.float32).numpy()
    mdl.manual_seed(0)
    z = mdl.randn(20, dtype=mdl.cfloat)
    np.testing.assert_array_equal(mdl.view_as_real(z).numpy().reshape(-1),
                                  reals * np.float32(1 / np.sqrt(2)))
    mdl.manual_seed(0)
    u = mdl.rand(3, dtype=mdl.cfloat)
    mdl.manual_seed(0)
    np.testing.assert_array_equal(mdl.view_as_real(u).numpy().reshape(-1), mdl.rand(6).numpy())


@pytest.mark.parametrize("expr, error, message", [
    ("z.max()", NotImplementedError, '"max_all" not implemented'),
    ("z.max(0)", RuntimeError, "does not support complex"),
    ("z > z", NotImplementedError, '"gt_cpu"'), ("z <= 1", NotImplementedError, '"le_cpu"'),
    ("mdl.maximum(z, z)", RuntimeError, "maximum not implemented for complex"),
    ("z.argmax()", RuntimeError, "argmax"), ("mdl.sort(z)", RuntimeError, "Sort does not support complex"),
    ("z.clamp(min=0)", NotImplementedError, "clamp"), ("mdl.relu(z)", NotImplementedError, "clamp"),
    ("z.floor()", NotImplementedError, "floor"), ("z.sign()", NotImplementedError, "sgn"),
    ("mdl.amax(z)", NotImplementedError, "max_values")])
def test_orderings_raise_as_pytorch(expr, error, message):
    z = mdl.tensor([1 + 2j, 3 - 1j])
    with pytest.raises(error, match=message):
        eval(expr, globals(), {"z": z})
    assert (z == z).all()


# --- autograd ---------------------------------------------------------------------------

def test_gradient_convention_values():
    """L = |z|^2 = x^2 + y^2: z.grad = dL/dx + i dL/dy = 2z, as PyTorch gives."""
    z = mdl.tensor([1 + 2j, -3 + 0.5j], dtype=mdl.complex128, requires_grad=True)
    (z * z.conj()).real.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), 2 * np.array([1 + 2j, -3 + 0.5j]))
    x = mdl.tensor([2.0], requires_grad=True)
    (x * mdl.tensor([1 + 3j])).imag.sum().backward()   # a real input receives the real part
    assert x.grad.dtype == mdl.float32 and x.grad.tolist() == [3.0]


def test_backward_of_complex_output_needs_a_gradient():
    z = mdl.ones(2, dtype=mdl.cfloat, requires_grad=True)
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        z.sum().backward()
    z.sum().backward(mdl.tensor(1 + 0j))
    assert z.grad.tolist() == [1, 1]


CASES = {
    "mul": (lambda a, b: a * b, "cc"), "div": (lambda a, b: a / b, "cc"), "add_sub": (lambda a, b: a + b - a * 2, "cr"),
    "exp": (lambda a: a.exp(), "c"), "log": (lambda a: a.log(), "c"), "sqrt": (lambda a: a.sqrt(), "c"),
    "pow": (lambda a: a ** 3, "c"), "abs": (lambda a: a.abs(), "c"), "sgn": (lambda a: a.sgn(), "c"),
    "angle": (lambda a: a.angle(), "c"), "sum": (lambda a: a.sum(), "c"), "mean": (lambda a: (a * a).mean(), "c"),
    "real": (lambda a: a.real * 2, "c"), "imag": (lambda a: a.imag * 3, "c"), "conj": (lambda a: a.conj() * a, "c"),
    "real_times_complex": (lambda a, b: a * b, "rc"), "complex": (lambda a, b: mdl.complex(a, b), "rr"),
    "polar": (lambda a, b: mdl.polar(a, b), "rr"), "view_as_real": (lambda a: mdl.view_as_real(a) ** 2, "c"),
    "view_as_complex": (lambda a: mdl.view_as_complex(a.reshape(3, 2)) ** 2, "r"),
    "index_reshape": (lambda a: a.reshape(3, 1)[1:] * a[0], "c"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_and_gradgradcheck_on_complex128(name):
    fn, kinds = CASES[name]
    rng = np.random.default_rng(sorted(CASES).index(name))
    args = tuple(crand(rng, 3) if k == "c" else rrand(rng, 6 if name == "view_as_complex" else 3) for k in kinds)
    assert gradcheck(fn, args)
    assert gradgradcheck(fn, args)


def test_gradcheck_on_complex_matmul():
    rng = np.random.default_rng(5)
    a, b = crand(rng, 2, 3), crand(rng, 3, 4)
    assert gradcheck(lambda x, y: x @ y, (a, b))
    assert gradgradcheck(lambda x, y: x @ y, (a, b))


def test_gradcheck_detects_a_wrong_complex_gradient():
    """A backward without the conjugate (the holomorphic derivative itself) must fail the check."""
    class NoConjMul(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a

    rng = np.random.default_rng(1)
    assert not gradcheck(NoConjMul.apply, (crand(rng, 3), crand(rng, 3)), raise_exception=False)


def test_vdot_conjugates_its_first_argument():
    z = mdl.tensor([1 + 2j, 3 - 1j])
    assert mdl.vdot(z, z).item() == 15 and z.vdot(z).item() == 15 and mdl.dot(z, z).item() == 5 - 2j
    assert mdl.vdot(mdl.ones(2), mdl.ones(2)).item() == 2
    rng = np.random.default_rng(9)
    args = (crand(rng, 3), crand(rng, 3))
    assert gradcheck(mdl.vdot, args) and gradgradcheck(mdl.vdot, args)


def test_var_and_std_of_complex_tensors_are_real():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    z = mdl.tensor(a, dtype=mdl.complex128)
    assert z.var().dtype == mdl.float64
    np.testing.assert_allclose(z.var(1).numpy(), np.var(a, axis=1, ddof=1))
    np.testing.assert_allclose(z.std(unbiased=False).numpy(), np.std(a))
    args = (crand(rng, 5),)
    assert gradcheck(lambda t: t.var(), args) and gradgradcheck(lambda t: t.std(), args)
