"""``minidl.special`` and the top-level extras (``logit``, ``sinc``, ``copysign``, ``heaviside``, ``float_power``,
``signbit``): values against closed forms / the Python ``math`` module, tails without cancellation, and
float64 derivatives."""
import math

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

S = mdl.special


def t(rng, *shape, low=-2.0, high=2.0):
    return mdl.tensor(rng.uniform(low, high, shape), dtype=mdl.float64, requires_grad=True)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_error_function_family_and_tails(rng):
    x = np.array([-3.0, -0.5, 0.0, 0.7, 2.0, 6.0, 20.0])
    np.testing.assert_allclose(S.erfc(mdl.tensor(x, dtype=mdl.float64)).numpy(), [math.erfc(v) for v in x],
                               rtol=1e-14)
    assert S.erfc(mdl.tensor([10.0], dtype=mdl.float64)).item() > 0          # no 1 - erf cancellation
    np.testing.assert_allclose(S.erfcx(mdl.tensor([2.0], dtype=mdl.float64)).item(), math.exp(4) * math.erfc(2))
    np.testing.assert_allclose(S.ndtr(mdl.tensor([0.0, 1.0], dtype=mdl.float64)).numpy(),
                               [0.5, 0.5 * math.erfc(-1 / math.sqrt(2))], rtol=1e-14)
    np.testing.assert_allclose(S.ndtri(S.ndtr(mdl.tensor([-1.5, 0.3], dtype=mdl.float64))).numpy(), [-1.5, 0.3],
                               rtol=1e-12)
    assert S.log_ndtr(mdl.tensor([-10.0], dtype=mdl.float64)).item() == pytest.approx(-53.23128515051247, rel=1e-12)
    check(S.erfc, t(rng, 5))
    check(S.ndtr, t(rng, 5))


def test_logistic_and_gamma_aliases(rng):
    p = mdl.tensor([0.2, 0.9])
    np.testing.assert_allclose(S.logit(p).numpy(), np.log(p.numpy() / (1 - p.numpy())), rtol=1e-6)
    np.testing.assert_allclose(mdl.logit(mdl.tensor([0.0, 1.0]), eps=0.1).numpy(), [math.log(1 / 9), math.log(9)],
                               rtol=1e-6)
    assert S.expit(mdl.tensor([0.0])).item() == 0.5
    assert S.gammaln is mdl.lgamma and S.psi is mdl.digamma
    check(S.logit, t(rng, 4, low=0.1, high=0.9))
    out = S.xlog1py(mdl.tensor([0.0, 2.0]), mdl.tensor([-1.0, 1.0]))
    assert out.tolist() == [0.0, pytest.approx(2 * math.log(2))]
    assert S.entr(mdl.tensor([0.0, 0.5, -1.0])).tolist() == [0.0, pytest.approx(0.5 * math.log(2)), -math.inf]


def test_sinc_i0_and_sign_functions(rng):
    x = mdl.tensor([-3.0, -0.5, 0.0, 0.7], dtype=mdl.float64)
    np.testing.assert_allclose(S.sinc(x).numpy(), np.sinc(x.numpy()), atol=1e-15)
    np.testing.assert_allclose(S.i0(x).numpy(), np.i0(x.numpy()), rtol=1e-13)
    check(S.sinc, t(rng, 5))
    check(S.i0, t(rng, 5))
    assert mdl.copysign(mdl.tensor([1.0, -2.0]), mdl.tensor([-0.0, 3.0])).tolist() == [-1.0, 2.0]
    assert mdl.heaviside(mdl.tensor([-1.0, 0.0, 2.0]), mdl.tensor([0.5])).tolist() == [0.0, 0.5, 1.0]
    fp = mdl.float_power(mdl.tensor([2]), 2)
    assert fp.dtype == mdl.float64 and fp.item() == 4.0
    assert mdl.signbit(mdl.tensor([-0.0, 1.0, -2.0])).tolist() == [True, False, True]
    assert mdl.tensor([0.5]).logit().item() == 0.0 and mdl.tensor([0.0]).sinc().item() == 1.0
