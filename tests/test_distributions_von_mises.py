"""minidl.special.i0e/i1/i1e (the modified Bessel functions of orders 0 and 1) and
minidl.distributions.VonMises.

The reference for the Bessel functions is their integral representation
``I_n(x) = (1/pi) int_0^pi exp(x cos t) cos(n t) dt``, evaluated with the trapezoid rule on a fine grid
(spectrally accurate for this periodic integrand) in NumPy. VonMises is checked by normalisation, its
closed forms, float64 gradcheck and the circular moments of seeded samples.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck
from minidl.distributions import VonMises


def f64(a, grad=True):
    return mdl.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def scaled_bessel_reference(order, x):
    """``exp(-|x|) I_order(x)`` by the trapezoid rule on ``(1/pi) int_0^pi exp(|x| (cos t - 1)) cos(n t) dt``."""
    t = np.linspace(0.0, np.pi, 20001)
    ax = np.abs(np.asarray(x, dtype=np.float64))[:, None]
    integrand = np.exp(ax * (np.cos(t) - 1.0)) * np.cos(order * t)
    weights = np.full(t.size, t[1] - t[0])
    weights[[0, -1]] /= 2
    out = integrand @ weights / np.pi
    return np.where(np.asarray(x) < 0, -out, out) if order == 1 else out


X = np.array([0.0, 1e-3, -0.5, 1.0, 5.0, -12.0, 29.9, 30.0, 30.1, 45.0, 200.0, -700.0, 5e3])


def test_scaled_bessel_values():
    np.testing.assert_allclose(mdl.special.i0e(f64(X, False)).numpy(), scaled_bessel_reference(0, X), rtol=1e-12)
    np.testing.assert_allclose(mdl.special.i1e(f64(X, False)).numpy(), scaled_bessel_reference(1, X), rtol=1e-12,
                               atol=1e-15)
    small = X[np.abs(X) < 100]
    np.testing.assert_allclose(mdl.special.i1(f64(small, False)).numpy(),
                               scaled_bessel_reference(1, small) * np.exp(np.abs(small)), rtol=1e-12, atol=1e-15)
    clipped = np.minimum(np.abs(X), 50)
    np.testing.assert_allclose(mdl.special.i0e(f64(clipped, False)).numpy() * np.exp(clipped),
                               mdl.special.i0(f64(clipped, False)).numpy(), rtol=1e-10)
    assert mdl.special.i0e(mdl.tensor([1.0])).dtype == mdl.float32
    assert mdl.special.i1e(mdl.tensor([2])).dtype == mdl.float32
    assert np.isnan(mdl.special.i1(f64([np.nan], False)).numpy()).all()


def test_bessel_gradients_first_and_second_order():
    x = f64([-2.5, -0.3, 0.0, 0.7, 3.0, 29.99, 31.0])
    away_from_0 = f64([-2.5, -0.3, 0.7, 3.0, 29.99, 31.0])   # the scaled forms have exp(-|x|)'s kink at 0
    for fn in (mdl.special.i0e, mdl.special.i1e):
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (away_from_0,))
    moderate = f64([-2.5, -0.3, 0.0, 0.7, 3.0, 6.0])   # I1 grows as e^x: keep the finite differences resolvable
    assert gradcheck(mdl.special.i1, (moderate,))
    assert gradgradcheck(mdl.special.i1, (moderate,))
    big = f64([29.99, 31.0, 80.0])
    g, = mdl.autograd.grad(mdl.special.i1(big).sum(), big)   # I1' = I0 - I1 / x
    i0 = scaled_bessel_reference(0, big.numpy()) * np.exp(big.numpy())
    i1 = scaled_bessel_reference(1, big.numpy()) * np.exp(big.numpy())
    np.testing.assert_allclose(g.numpy(), i0 - i1 / big.numpy(), rtol=1e-11)
    g, = mdl.autograd.grad(mdl.special.i1(x).sum(), x)
    assert g.numpy()[2] == pytest.approx(0.5)


def test_von_mises_log_prob_normalises_and_matches_the_closed_form():
    loc, kappa = f64([0.3, -1.0, 3.0], False), f64([0.01, 2.0, 500.0], False)
    d = VonMises(loc, kappa)
    value = f64([1.0, -3.1, 3.1], False)
    i0e_ref = scaled_bessel_reference(0, kappa.numpy())
    expected = (kappa.numpy() * np.cos(value.numpy() - loc.numpy()) - math.log(2 * math.pi)
                - (np.log(i0e_ref) + kappa.numpy()))
    np.testing.assert_allclose(d.log_prob(value).numpy(), expected, rtol=1e-12)
    grid = np.linspace(-math.pi, math.pi, 40001)
    density = d.log_prob(f64(grid[:, None], False)).exp().numpy()
    np.testing.assert_allclose(np.trapezoid(density, grid, axis=0), 1.0, rtol=1e-6)
    ratio = scaled_bessel_reference(1, kappa.numpy()) / i0e_ref
    np.testing.assert_allclose(d.variance.numpy(), 1 - ratio, rtol=1e-10)
    assert d.mean is d.loc and d.mode is d.loc and d.batch_shape == (3,) and not d.has_rsample
    assert d.expand((2, 3)).log_prob(value).shape == (2, 3)


def test_von_mises_gradcheck():
    assert gradcheck(lambda m, k, x: VonMises(m, k).log_prob(x),
                     (f64([0.3, -1.0, 2.0]), f64([0.5, 2.0, 40.0]), f64([1.0, -3.0, 2.2])))
    assert gradcheck(lambda k: VonMises(f64([0.0], False), k).variance, (f64([0.5, 2.0, 40.0]),))


@pytest.mark.parametrize("kappa", [1e-6, 0.5, 2.0, 30.0, 1e4])
def test_von_mises_samples(kappa):
    d = VonMises(f64([1.0], False), f64([kappa], False))
    mdl.manual_seed(0)
    draws = d.sample((100000,)).numpy()[:, 0]
    assert draws.min() >= -math.pi and draws.max() < math.pi
    resultant = np.exp(1j * draws).mean()
    # circular variance 1 - |E e^{ix}| and, where the direction is defined, the mean direction
    assert 1 - abs(resultant) == pytest.approx(d.variance.item(), abs=max(0.01, 5 * d.variance.item() / 300))
    if kappa >= 0.5:
        assert np.angle(resultant) == pytest.approx(1.0, abs=0.02)
    mdl.manual_seed(0)
    assert np.array_equal(d.sample((100000,)).numpy()[:, 0], draws)


def test_von_mises_validation_and_missing_methods():
    with pytest.raises(ValueError, match="Expected parameter concentration"):
        VonMises(f64([0.0], False), f64([-1.0], False))
    d = VonMises(f64([0.0], False), f64([1.0], False))
    with pytest.raises(NotImplementedError):
        d.entropy()
    with pytest.raises(NotImplementedError):
        d.cdf(f64([0.0], False))
