"""The reparameterised gradient of Dirichlet (and so Beta) samples, as PyTorch's ``_dirichlet_grad``.

For x ~ Beta(alpha, beta) (a Dirichlet coordinate, beta = total - alpha), the
scaled implicit derivative -(d/dalpha CDF(x)) / pdf(x) / (1 - x) has no closed
form; PyTorch approximates it piecewise and minidl follows the same pieces, so
gradients agree with PyTorch's (they differ from the normalised-Gamma
estimator by a zero-mean term): a Taylor series near x = 0 and near x = 1, a
saddle-point expansion when alpha and beta both exceed 6, else a rational
correction (fitted coefficients, PyTorch's) to x (psi(total) - psi(alpha)) / beta.
The sample's gradient is then ``d * (g - sum(x * g))`` along the last dim.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module, to_numpy

__all__ = ["DirichletSample", "dirichlet_grad"]

# PyTorch's fitted coefficients of the rational correction, [numerator/denominator][u power][a power][b power]
_C = np.array([
    [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
      [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
      [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
     [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
      [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
      [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
     [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
      [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
      [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
    [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
      [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
      [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
     [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
      [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
      [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
     [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
      [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
      [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]],
])


def _digamma(x):
    from ..ops.special import _polygamma_array
    return np.asarray(_polygamma_array(0, np.asarray(x, dtype=np.float64)), dtype=np.float64)


def _alpha_small(x, alpha, beta):
    """Near x = 0: a Taylor series in x."""
    factor = _digamma(alpha) - _digamma(alpha + beta) - np.log(x)
    numer = np.ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer = numer * (i - beta) * x / i
        denom = alpha + i
        series = series + numer / denom * (factor + 1 / denom)
    with np.errstate(all="ignore"):
        result = x * (1 - x) ** (-beta) * series
    return np.where(np.isnan(result), 0.0, result)


def _beta_small(x, alpha, beta):
    """Near x = 1 (called with 1 - x and the roles swapped): a Taylor series."""
    factor = _digamma(alpha + beta) - _digamma(beta)
    numer, betas, dbetas = np.ones_like(x), np.ones_like(x), np.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        numer = numer * -x / i
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series = series + numer / (alpha + i) * (dbetas + factor * betas)
    with np.errstate(all="ignore"):
        result = -(1 - x) ** (1 - beta) * series
    return np.where(np.isnan(result), 0.0, result)


def _alpha_mid(x, alpha, beta):
    """alpha, beta > 6: a saddle-point expansion (a polynomial right at the mean)."""
    total = alpha + beta
    mean = alpha / total
    std = np.sqrt(alpha * beta / (total + 1)) / total
    near = (mean - 0.1 * std <= x) & (x <= mean + 0.1 * std)
    b2 = beta * beta
    poly = 47 * x * b2 * b2 + alpha * ((43 + 20 * (16 + 27 * beta) * x) * b2 * beta + alpha * (
        3 * (59 + 180 * beta - 90 * x) * b2 + alpha * ((453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (
            8 * (1 - x) * (135 * beta - 11)))))
    num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    den = 12960 * alpha ** 3 * beta * beta * (1 + 12 * total)
    at_mean = num / (1 - x) * poly / den
    with np.errstate(all="ignore"):
        prefactor = -x / np.sqrt(2 * alpha * beta / total)
        stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) * (1 + 1 / (12 * beta) + 1 / (288 * b2))
                    / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
        axbx = alpha * (x - 1) + beta * x
        term1 = ((2 * alpha * alpha * (x - 1) + alpha * beta * (x - 1) - x * b2)
                 / (np.sqrt(2 * alpha / beta) * total ** 1.5 * axbx * axbx))
        term2 = 0.5 * np.log(alpha / (total * x))
        term3 = np.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
        term4 = (beta * np.log(beta / (total * (1 - x))) + alpha * np.log(alpha / (total * x))) ** -1.5
        away = stirling * prefactor * (term1 + term2 * (term3 + np.where(x < mean, term4, -term4)))
    return np.where(near, at_mean, away)


def _rational(x, alpha, total):
    """Elsewhere: a fitted rational correction to x (psi(total) - psi(alpha)) / beta."""
    u = np.log(x)
    a = np.log(alpha) - u
    b = np.log(total) - a
    p = np.zeros_like(x)
    q = np.zeros_like(x)
    for i, pu in enumerate((np.ones_like(u), u, u * u)):
        for j, pa in enumerate((np.ones_like(a), a, a * a)):
            ua = pu * pa
            cp, cq = _C[0, i, j], _C[1, i, j]
            p = p + ua * (cp[0] + b * (cp[1] + b * (cp[2] + b * cp[3])))
            q = q + ua * (cq[0] + b * (cq[1] + b * (cq[2] + b * cq[3])))
    approx = x * (_digamma(total) - _digamma(alpha)) / (total - alpha)
    return p / q * approx


def dirichlet_grad(x, alpha, total):
    """PyTorch's ``_dirichlet_grad(x, alpha, total)`` on NumPy arrays (float64 arithmetic, broadcast)."""
    x, alpha, total = (np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(x, alpha, total))
    beta = total - alpha
    boundary = total * x * (1 - x)
    out = np.zeros(x.shape)
    small = (x <= 0.5) & (boundary < 2.5)
    large_x = ~small & (x >= 0.5) & (boundary < 0.75)
    mid = ~small & ~large_x & (alpha > 6) & (beta > 6)
    rest = ~(small | large_x | mid)
    if small.any():
        out[small] = _alpha_small(x[small], alpha[small], beta[small])
    if large_x.any():
        out[large_x] = -_beta_small(1 - x[large_x], beta[large_x], alpha[large_x])
    if mid.any():
        out[mid] = _alpha_mid(x[mid], alpha[mid], beta[mid])
    if rest.any():
        with np.errstate(all="ignore"):
            out[rest] = _rational(x[rest], alpha[rest], total[rest])
    return out


class DirichletSample(Function):
    """Dirichlet samples (normalised Gamma draws, as PyTorch's ``_sample_dirichlet``) of the concentration's
    shape; backward: PyTorch's ``_Dirichlet_backward``."""

    def forward(self, concentration):
        from .._torch_samplers import gamma_draws
        from ..generator import current_rng
        xp = get_array_module(concentration)
        host = to_numpy(concentration)
        draws = gamma_draws(current_rng(), host, False)
        draws = np.maximum(draws.astype(host.dtype), np.finfo(host.dtype).tiny)
        value = draws / draws.sum(-1, keepdims=True)
        info = np.finfo(host.dtype if host.dtype.kind == "f" else np.float32)
        value = value.clip(min=info.tiny, max=1 - info.eps)   # as PyTorch's _sample_dirichlet
        self.x, self.concentration = value, host
        return xp.asarray(value)

    def backward(self, grad):
        xp = get_array_module(grad)
        total = np.broadcast_to(self.concentration.sum(-1, keepdims=True), self.concentration.shape)
        local = dirichlet_grad(self.x, self.concentration, total).astype(self.x.dtype)
        g = to_numpy(grad)
        return xp.asarray(local * (g - (self.x * g).sum(-1, keepdims=True)))
