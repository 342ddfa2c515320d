"""minidl.special's Bessel, Airy, orthogonal-polynomial and Hurwitz zeta functions.

Values against torch 2.13 in float64 and float32 (tests/fixtures/special_more.npz, written by
tests/fixtures/make_special_more.py): nan/inf in the same places, finite values close. PyTorch's float64
Bessel J/Y and Airy functions are only accurate to a few 1e-7 (absolute) in parts of their range (its
approximations there are single-precision ones), so those are compared with atol 1e-6 and, separately, checked
against 50-digit reference values (Decimal power series), which minidl matches to ~1e-14. float32 results
are minidl's float64 values rounded, against PyTorch's float32 arithmetic.
"""
from __future__ import annotations

import pathlib
from decimal import Decimal, getcontext

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

FIXTURE = np.load(pathlib.Path(__file__).parent / "fixtures" / "special_more.npz")
UNARY = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
         "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
         "spherical_bessel_j0"]
POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
               "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
               "laguerre_polynomial_l", "legendre_polynomial_p"]


def _compare(got, want, rtol, atol, skip=None):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    keep = np.ones(got.shape, bool) if skip is None else ~skip
    np.testing.assert_array_equal(np.isnan(got[keep]), np.isnan(want[keep]))
    np.testing.assert_array_equal(np.isposinf(got[keep]), np.isposinf(want[keep]))
    np.testing.assert_array_equal(np.isneginf(got[keep]), np.isneginf(want[keep]))
    finite = keep & np.isfinite(got) & np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bessel_and_airy_match_pytorch(name, dtype):
    x = FIXTURE["x"]
    got = getattr(mdl.special, name)(mdl.tensor(x, dtype=getattr(mdl, dtype)))
    assert got.dtype == getattr(mdl, dtype) and not got.requires_grad
    want = FIXTURE[f"{name}/{dtype}"]
    skip = None
    if dtype == "float32":
        # PyTorch's float32 kernels: exp(|x|) overflows before I0/I1 do (x > 88.7), and the phase of the
        # oscillating functions at |x| = 1000 carries float32 rounding
        skip = np.abs(x) >= 99
    atol = 1e-6 if dtype == "float64" else 5e-6
    _compare(got.numpy(), want, rtol=1e-6 if dtype == "float64" else 2e-5, atol=atol, skip=skip)


@pytest.mark.parametrize("name", POLYNOMIALS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_polynomials_match_pytorch_with_broadcasting(name, dtype):
    dt = getattr(mdl, dtype)
    x, n = mdl.tensor(FIXTURE["px"], dtype=dt)[:, None], mdl.tensor(FIXTURE["pn"], dtype=dt)
    got = getattr(mdl.special, name)(x, n)
    assert tuple(got.shape) == (len(FIXTURE["px"]), len(FIXTURE["pn"])) and got.dtype == dt
    # float32: PyTorch rounds cos(n acos x) and friends in float32, so exact zeros come out near 1e-6
    _compare(got.numpy(), FIXTURE[f"{name}/{dtype}"], rtol=1e-12 if dtype == "float64" else 2e-5,
             atol=1e-12 if dtype == "float64" else 2e-6)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_zeta_matches_pytorch(dtype):
    dt = getattr(mdl, dtype)
    got = mdl.special.zeta(mdl.tensor(FIXTURE["zx"], dtype=dt)[:, None], mdl.tensor(FIXTURE["zq"], dtype=dt))
    _compare(got.numpy(), FIXTURE[f"zeta/{dtype}"], rtol=1e-12 if dtype == "float64" else 1e-6, atol=0)


def _decimal_series(kind, x):
    getcontext().prec = 60
    x = Decimal(x)
    if kind == "airy_ai":
        c1 = Decimal("0.355028053887817239260063186004183176397979174199177")
        c2 = Decimal("0.258819403792806798405183560189203963479091138354934")
        x3, f, t, g, u = x ** 3, Decimal(1), Decimal(1), x, x
        for k in range(1, 150):
            t = t * x3 / ((3 * k - 1) * (3 * k))
            u = u * x3 / ((3 * k) * (3 * k + 1))
            f, g = f + t, g + u
        return float(c1 * f - c2 * g)
    order = 0 if kind == "bessel_j0" else 1
    q = -(x / 2) ** 2
    term = Decimal(1) if order == 0 else x / 2
    total = term
    for k in range(1, 250):
        term = term * q / (k * (k + order))
        total += term
    return float(total)


@pytest.mark.parametrize("name", ["bessel_j0", "bessel_j1", "airy_ai"])
def test_values_against_fifty_digit_series(name):
    xs = [0.37, 1.5, 3.0, 5.5, 7.0, 12.0, 24.9] if name != "airy_ai" else [-9.9, -8.0, -5.0, -2.35, 0.5, 1.5, 3.0]
    got = getattr(mdl.special, name)(mdl.tensor(xs, dtype=mdl.float64)).numpy()
    want = np.array([_decimal_series(name, x) for x in xs])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_identities_over_a_wide_range():
    x = np.concatenate([np.linspace(0.05, 60, 997), [80.0, 150.0, 400.0]])
    t = mdl.tensor(x, dtype=mdl.float64)
    S = mdl.special
    j0, j1, y0, y1 = (f(t).numpy() for f in (S.bessel_j0, S.bessel_j1, S.bessel_y0, S.bessel_y1))
    # the Wronskian J1 Y0 - J0 Y1 = 2 / (pi x)
    np.testing.assert_allclose(j1 * y0 - j0 * y1, 2 / (np.pi * x), rtol=1e-12)
    i0, i1, k0, k1 = (f(t).numpy() for f in (S.modified_bessel_i0, S.modified_bessel_i1, S.modified_bessel_k0,
                                             S.modified_bessel_k1))
    small = x < 300   # I overflows float64 beyond ~700, K underflows
    np.testing.assert_allclose((i0 * k1 + i1 * k0)[small], 1 / x[small], rtol=1e-12)
    np.testing.assert_allclose(S.scaled_modified_bessel_k0(t).numpy(), np.exp(x) * k0, rtol=1e-12)
    # J2 = 2 J1 / x - J0 against the Miller/Hankel seam at 25
    np.testing.assert_allclose(S.spherical_bessel_j0(t).numpy(), np.sin(x) / x, rtol=1e-14)


def test_polynomials_against_numpy_polynomial_classes():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, 41)
    for n in (0, 1, 4, 9, 17):
        coef = np.zeros(n + 1)
        coef[n] = 1
        for name, reference in (("chebyshev_polynomial_t", np.polynomial.chebyshev.chebval),
                                ("hermite_polynomial_h", np.polynomial.hermite.hermval),
                                ("hermite_polynomial_he", np.polynomial.hermite_e.hermeval),
                                ("laguerre_polynomial_l", np.polynomial.laguerre.lagval),
                                ("legendre_polynomial_p", np.polynomial.legendre.legval)):
            got = getattr(mdl.special, name)(mdl.tensor(x, dtype=mdl.float64), n).numpy()
            np.testing.assert_allclose(got, reference(x, coef), rtol=1e-10, atol=1e-10)
        u = mdl.special.chebyshev_polynomial_u(mdl.tensor(x, dtype=mdl.float64), n).numpy()
        theta = np.arccos(x)
        np.testing.assert_allclose(u, np.sin((n + 1) * theta) / np.sin(theta), rtol=1e-9, atol=1e-9)
        shifted = mdl.special.shifted_chebyshev_polynomial_t(mdl.tensor((x + 1) / 2, dtype=mdl.float64), n).numpy()
        np.testing.assert_allclose(shifted, np.polynomial.chebyshev.chebval(x, coef), rtol=1e-9, atol=1e-9)


def test_dtypes_grad_and_errors():
    S = mdl.special
    assert S.bessel_j0(mdl.tensor([1, 2])).dtype == mdl.float32
    assert S.chebyshev_polynomial_t(mdl.tensor([1, 2]), 3).dtype == mdl.float32
    assert S.chebyshev_polynomial_t(mdl.tensor([0.5]), mdl.tensor(3.0, dtype=mdl.float64)).dtype == mdl.float32
    assert S.chebyshev_polynomial_t(mdl.tensor([0.5]), mdl.tensor([3.0], dtype=mdl.float64)).dtype == mdl.float64
    assert S.chebyshev_polynomial_t(0.5, mdl.tensor([2, 3])).tolist() == [-0.5, -1.0]
    x = mdl.tensor([0.7], requires_grad=True)
    for fn in (S.bessel_j0, S.airy_ai, lambda v: S.legendre_polynomial_p(v, 3)):
        y = fn(x)
        assert not y.requires_grad and y.grad_fn is None
        with pytest.raises(RuntimeError):
            y.sum().backward()
    with pytest.raises(NotImplementedError, match="ComplexFloat"):
        S.bessel_j0(mdl.tensor([1 + 1j]))
    for dtype, name in ((mdl.float16, "Half"), (mdl.bfloat16, "BFloat16")):
        with pytest.raises(NotImplementedError, match=f"chebyshev_polynomial_t_cpu.*{name}"):
            S.chebyshev_polynomial_t(mdl.tensor([0.5], dtype=dtype), 2)
        with pytest.raises(NotImplementedError, match=name):
            S.zeta(mdl.tensor([2.0], dtype=dtype), 1.0)
    with pytest.raises(TypeError):
        S.hermite_polynomial_h(0.5, 2)
    out = mdl.empty(2)
    assert S.bessel_j1(mdl.tensor([0.0, 1.0]), out=out) is out


def test_zeta_gradients():
    x = mdl.tensor([2.0, 3.5, 1.7], dtype=mdl.float64)
    q = mdl.tensor([[0.5, 1.0, 4.0], [2.0, 0.3, 10.0]], dtype=mdl.float64, requires_grad=True)
    assert gradcheck(lambda q: mdl.special.zeta(x, q), (q,))
    assert gradgradcheck(lambda q: mdl.special.zeta(x, q), (q,))
    xg = x.detach().requires_grad_()
    with pytest.raises(NotImplementedError, match="the derivative for 'zeta' is not implemented"):
        mdl.special.zeta(xg, q.detach()).sum().backward()
    basel = mdl.special.zeta(2.0, mdl.tensor([1.0], dtype=mdl.float64)).item()
    assert basel == pytest.approx(np.pi ** 2 / 6, rel=1e-15)
