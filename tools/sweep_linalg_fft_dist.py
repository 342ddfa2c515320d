# ruff: noqa: B023  (every lambda here runs at once, inside record/grad, so late binding cannot bite)
"""Differential sweep of ``linalg``, ``fft`` and ``distributions``: run under minidl and under PyTorch, compare.

    python tools/sweep_linalg_fft_dist.py run minidl /tmp/m.pkl      (minidl's interpreter)
    python tools/sweep_linalg_fft_dist.py run torch /tmp/t.pkl       (PyTorch's interpreter)
    python tools/sweep_linalg_fft_dist.py compare /tmp/m.pkl /tmp/t.pkl

Each case records values (as NumPy arrays), gradients (``autograd.grad`` of a fixed real weighting of the
outputs) or the exception's type and message. Inputs are made with NumPy from fixed seeds so both sides see
the same numbers. Used for session 17's sweep; its findings are pinned in tests/test_lfdsweep17*.py.
"""
from __future__ import annotations

import importlib
import pickle
import sys

import numpy as np

DTYPES = ["float32", "float64", "complex64", "complex128"]
BATCHES = [(), (2,)]


def _np(x):
    if hasattr(x, "detach"):
        x = x.detach()
        if hasattr(x, "resolve_conj"):
            x = x.resolve_conj().resolve_neg()
        return np.array(x.numpy(), copy=True)
    if isinstance(x, tuple):
        return tuple(_np(v) for v in x)
    if isinstance(x, list):
        return [_np(v) for v in x]
    if type(x).__module__.split(".")[0] in ("torch", "minidl"):   # keep the pickle library-free
        return repr(x).replace("minidl.", "torch.")
    return x


def _arr(shape, dtype, seed, kind="general"):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if "complex" in dtype:
        a = a + 1j * rng.standard_normal(shape)
    if kind == "spd":
        a = a @ np.conj(np.swapaxes(a, -1, -2)) + shape[-1] * np.eye(shape[-1])
    elif kind == "herm":
        a = a + np.conj(np.swapaxes(a, -1, -2))
    elif kind == "tri":
        a = np.triu(a) + 3 * np.eye(shape[-1])
    return a.astype(dtype)


class Sweep:
    def __init__(self, lib):
        self.t = importlib.import_module(lib)
        self.results = {}

    def tensor(self, a, grad=False):
        x = self.t.tensor(a)
        if grad:
            x.requires_grad_(True)
        return x

    def record(self, key, fn):
        try:
            self.results[key] = ("ok", _np(fn()))
        except Exception as exc:   # noqa: BLE001  (recorded, compared)
            name = type(exc).__name__.lstrip("_")
            self.results[key] = ("err", name, str(exc).split("\n")[0].replace("minidl.", "torch.")[:300])

    def grad(self, key, fn, *arrays, weights_seed=7):
        """Gradients of sum(Re(W * out)) for each output of ``fn`` w.r.t. each input (fresh leaf tensors)."""
        def run():
            leaves = [self.tensor(a, True) for a in arrays]
            out = fn(*leaves)
            outs = out if isinstance(out, tuple) else (out,)
            total = None
            rng = np.random.default_rng(weights_seed)
            for o in outs:
                if o is None or not hasattr(o, "shape") or not o.requires_grad:
                    continue
                w = rng.standard_normal(tuple(o.shape))
                w = self.t.tensor(w.astype(np.float64)).to(o.real.dtype if o.is_complex() else o.dtype)
                term = (o * w).real.sum() if o.is_complex() else (o * w).sum()
                total = term if total is None else total + term
            return tuple(self.t.autograd.grad(total, leaves, allow_unused=True))
        self.record(key, run)


def linalg_cases(s):
    t, L = s.t, s.t.linalg
    for dt in DTYPES:
        for batch in BATCHES:
            sq = _arr(batch + (3, 3), dt, 1)
            spd = _arr(batch + (3, 3), dt, 2, "spd")
            herm = _arr(batch + (3, 3), dt, 3, "herm")
            tall = _arr(batch + (4, 3), dt, 4)
            wide = _arr(batch + (3, 4), dt, 5)
            rhs = _arr(batch + (3, 2), dt, 6)
            vec = _arr(batch + (3,), dt, 7)
            tri = _arr(batch + (3, 3), dt, 8, "tri")
            k = f"{dt}{batch}"
            T = s.tensor
            s.record(("det", k), lambda: L.det(T(sq)))
            s.record(("slogdet", k), lambda: tuple(L.slogdet(T(sq))))
            s.record(("inv", k), lambda: L.inv(T(sq)))
            s.record(("inv_ex", k), lambda: tuple(L.inv_ex(T(sq))))
            s.record(("solve", k), lambda: L.solve(T(sq), T(rhs)))
            s.record(("solve_vec", k), lambda: L.solve(T(sq), T(vec)))
            s.record(("solve_left_false", k), lambda: L.solve(T(sq), T(np.swapaxes(rhs, -1, -2)), left=False))
            s.record(("solve_ex", k), lambda: tuple(L.solve_ex(T(sq), T(rhs))))
            s.record(("cholesky", k), lambda: L.cholesky(T(spd)))
            s.record(("cholesky_upper", k), lambda: L.cholesky(T(spd), upper=True))
            s.record(("cholesky_ex", k), lambda: tuple(L.cholesky_ex(T(spd))))
            s.record(("eigvalsh", k), lambda: L.eigvalsh(T(herm)))
            s.record(("eigvalsh_U", k), lambda: L.eigvalsh(T(herm), UPLO="U"))
            s.record(("eigh_absV", k), lambda: L.eigh(T(herm)).eigenvectors.abs())
            s.record(("svdvals", k), lambda: L.svdvals(T(tall)))
            s.record(("svd_S_full", k), lambda: L.svd(T(wide)).S)
            s.record(("svd_shapes", k), lambda: [tuple(x.shape) for x in L.svd(T(tall))])
            s.record(("svd_reduced_shapes", k), lambda: [tuple(x.shape) for x in L.svd(T(wide), False)])
            for mode in ("reduced", "complete", "r"):
                s.record(("qr_" + mode, k), lambda: tuple(L.qr(T(tall), mode=mode)))
                s.record(("qr_wide_" + mode, k), lambda: tuple(L.qr(T(wide), mode=mode)))
            s.record(("pinv", k), lambda: L.pinv(T(tall)))
            s.record(("pinv_herm", k), lambda: L.pinv(T(herm), hermitian=True))
            s.record(("matrix_rank", k), lambda: L.matrix_rank(T(tall)))
            s.record(("matrix_rank_herm", k), lambda: L.matrix_rank(T(herm), hermitian=True))
            for ord_ in ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")):
                s.record(("matrix_norm", k, str(ord_)), lambda: L.matrix_norm(T(tall), ord_))
                s.record(("norm_mat", k, str(ord_)), lambda: L.norm(T(tall), ord_, dim=(-2, -1)))
                s.record(("cond", k, str(ord_)), lambda: L.cond(T(sq), ord_ if ord_ != "nuc" else None))
            for ord_ in (0, 1, 2, 3, 0.5, float("inf"), float("-inf"), -1):
                s.record(("vector_norm", k, str(ord_)), lambda: L.vector_norm(T(tall), ord_, dim=-1))
                s.record(("vector_norm_all", k, str(ord_)), lambda: L.vector_norm(T(tall), ord_))
                s.record(("norm_vec", k, str(ord_)), lambda: L.norm(T(tall), ord_, dim=-1))
            s.record(("norm_default", k), lambda: L.norm(T(tall)))
            s.record(("norm_keepdim", k), lambda: L.norm(T(tall), dim=(-2, -1), keepdim=True))
            s.record(("vector_norm_dtype", k), lambda: L.vector_norm(T(tall), dtype=t.complex128 if "complex" in dt
                                                                     else t.float64))
            for n in (-2, 0, 1, 3):
                s.record(("matrix_power", k, n), lambda: L.matrix_power(T(sq), n))
            s.record(("matrix_exp", k), lambda: L.matrix_exp(T(sq)))
            s.record(("cross", k), lambda: L.cross(T(sq), T(tri)))
            s.record(("vecdot", k), lambda: L.vecdot(T(sq), T(tri)))
            s.record(("multi_dot", k), lambda: L.multi_dot([T(sq[..., 0, :] if not batch else sq[0, 0]),
                                                             T(sq if not batch else sq[0]), T(tall[..., 0, :3] if not
                                                                                              batch else tall[0, 0])]))
            s.record(("tensorinv", k), lambda: L.tensorinv(T(sq.reshape(batch + (3, 3))[..., :, :] if not batch else
                                                              _arr((2, 3, 6), dt, 9)), 2 if batch else 1))
            s.record(("tensorsolve", k), lambda: L.tensorsolve(T(_arr((2, 3, 6), dt, 9)), T(_arr((2, 3), dt, 10))))
            for upper in (True, False):
                for left in (True, False):
                    for unit in (True, False):
                        b = rhs if left else np.swapaxes(rhs, -1, -2)
                        s.record(("solve_triangular", k, upper, left, unit),
                                 lambda: L.solve_triangular(T(tri if upper else np.swapaxes(tri, -1, -2)), T(b),
                                                            upper=upper, left=left, unitriangular=unit))
            s.record(("lu_factor", k), lambda: tuple(L.lu_factor(T(sq))))
            s.record(("lu", k), lambda: tuple(L.lu(T(tall))))
            s.record(("lu_wide", k), lambda: tuple(L.lu(T(wide))))
            s.record(("lu_solve", k), lambda: L.lu_solve(*L.lu_factor(T(sq)), T(rhs)))
            s.record(("lu_solve_adj", k), lambda: L.lu_solve(*L.lu_factor(T(sq)), T(rhs), adjoint=True))
            s.record(("householder_product", k), lambda: L.householder_product(T(tall), T(vec[..., :2])))
            s.record(("eigvals_sorted", k), lambda: L.eigvals(T(sq)).abs().sort(-1).values)
            s.record(("eig_absV_shape", k), lambda: tuple(L.eig(T(sq)).eigenvectors.shape))
            s.record(("vander", k), lambda: L.vander(T(vec)))
            s.record(("vander_N", k), lambda: L.vander(T(vec), N=5))
            s.record(("diagonal", k), lambda: L.diagonal(T(tall), offset=1))
            for driver in ("gelsy", "gelsd", "gelss", "gels"):
                s.record(("lstsq", k, driver), lambda: tuple(L.lstsq(T(tall), T(_arr(batch + (4, 2), dt, 11)),
                                                                     driver=driver)))
            s.record(("ldl", k), lambda: tuple(L.ldl_factor(T(herm))))
            s.record(("ldl_h", k), lambda: tuple(L.ldl_factor(T(herm), hermitian=True)))
            # errors
            ints = np.ones(batch + (3, 3), dtype=np.int64)
            for name in ("det", "inv", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr", "pinv", "matrix_rank",
                         "slogdet", "matrix_exp", "eig", "eigvals", "lu_factor", "lu", "cond", "matrix_norm",
                         "vector_norm", "norm", "inv_ex", "cholesky_ex", "ldl_factor", "matrix_power"):
                args = (2,) if name == "matrix_power" else ()
                s.record(("int_err", name, str(batch)), lambda: getattr(L, name)(T(ints), *args))
                s.record(("vec_err", name, dt), lambda: getattr(L, name)(T(vec[..., 0] if batch else vec), *args))
                s.record(("rect_err", name, dt), lambda: getattr(L, name)(T(tall), *args))
            s.record(("solve_shape_err", k), lambda: L.solve(T(sq), T(_arr(batch + (4, 2), dt, 12))))
            s.record(("solve_dtype_err", k), lambda: L.solve(T(sq), T(rhs.astype(np.complex128))))
            s.record(("singular_det", k), lambda: L.det(T(np.zeros(batch + (3, 3), dtype=dt))))
            s.record(("singular_inv_ex", k), lambda: L.inv_ex(T(np.zeros(batch + (3, 3), dtype=dt))).info)
            s.record(("singular_inv", k), lambda: L.inv(T(np.zeros(batch + (3, 3), dtype=dt))))
            s.record(("notpd_chol", k), lambda: L.cholesky(T(-np.eye(3, dtype=dt) * np.ones(batch + (1, 1), dt))))
            # gradients (double precision only)
            if dt in ("float64", "complex128"):
                g = s.grad
                g(("g_det", k), L.det, sq)
                g(("g_slogdet", k), lambda a: L.slogdet(a).logabsdet, sq)
                if "complex" in dt:
                    g(("g_slogdet_sign", k), lambda a: L.slogdet(a).sign, sq)
                g(("g_inv", k), L.inv, sq)
                g(("g_solve", k), L.solve, sq, rhs)
                g(("g_solve_left_false", k), lambda a, b: L.solve(a, b, left=False), sq, np.swapaxes(rhs, -1, -2))
                g(("g_cholesky", k), L.cholesky, spd)
                g(("g_eigvalsh", k), L.eigvalsh, herm)
                g(("g_eigh_inv", k), lambda a: (L.eigh(a).eigenvalues, L.eigh(a).eigenvectors.abs()), herm)
                g(("g_svdvals", k), L.svdvals, tall)
                g(("g_svd_inv", k), lambda a: (L.svd(a, False).S, L.svd(a, False).U.abs(), L.svd(a, False).Vh.abs()),
                  tall)
                g(("g_qr", k), lambda a: tuple(L.qr(a)), tall)
                g(("g_qr_wide", k), lambda a: tuple(L.qr(a)), wide)
                g(("g_pinv", k), L.pinv, tall)
                for ord_ in ("fro", "nuc", 2, -2, 1, float("inf")):
                    g(("g_matrix_norm", k, str(ord_)), lambda a: L.matrix_norm(a, ord_), tall)
                for ord_ in (1, 2, 3, float("inf"), 0.5):
                    g(("g_vector_norm", k, str(ord_)), lambda a: L.vector_norm(a, ord_, -1), tall)
                g(("g_matrix_exp", k), L.matrix_exp, sq)
                g(("g_matrix_power", k), lambda a: L.matrix_power(a, -2), sq)
                g(("g_eigvals", k), lambda a: L.eigvals(a), sq)
                g(("g_cond", k), L.cond, sq)
                g(("g_lstsq", k), lambda a, b: L.lstsq(a, b).solution, tall, _arr(batch + (4, 2), dt, 11))
                g(("g_solve_triangular", k), lambda a, b: L.solve_triangular(a, b, upper=True), tri, rhs)
                g(("g_lu", k), lambda a: tuple(L.lu(a))[1:], sq)
                g(("g_lu_factor", k), lambda a: L.lu_factor(a).LU, sq)
                g(("g_lu_solve", k), lambda a, b: L.lu_solve(*L.lu_factor(a), b), sq, rhs)
                g(("g_householder", k), lambda a, tau: L.householder_product(a, tau), tall, vec[..., :2])
                g(("g_cross", k), L.cross, sq, tri)
                g(("g_vecdot", k), L.vecdot, sq, tri)
                g(("g_tensorinv", k), lambda a: L.tensorinv(a, 1), sq[0] if batch else sq)
                g(("g_det_singular", k), L.det, np.ones(batch + (3, 3), dtype=dt))
                g(("g_inv_ex", k), lambda a: L.inv_ex(a).inverse, sq)
                g(("g_cholesky_ex", k), lambda a: L.cholesky_ex(a).L, spd)
                g(("g_solve_ex", k), lambda a, b: L.solve_ex(a, b).result, sq, rhs)


def fft_cases(s):
    t, F = s.t, s.t.fft
    for dt in DTYPES:
        x1 = _arr((2, 6), dt, 20)
        x2 = _arr((2, 4, 6), dt, 21)
        T = s.tensor
        for norm in (None, "ortho", "forward", "backward"):
            for name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):
                for n in (None, 4, 9):
                    s.record((name, dt, norm, n), lambda: getattr(F, name)(T(x1), n=n, norm=norm))
                s.record((name, dt, norm, "dim0"), lambda: getattr(F, name)(T(x1), dim=0, norm=norm))
            for name in ("fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn",
                         "hfftn", "ihfftn"):
                s.record((name, dt, norm), lambda: getattr(F, name)(T(x2), norm=norm))
                s.record((name, dt, norm, "s"), lambda: getattr(F, name)(T(x2), s=(3, 5), norm=norm))
                s.record((name, dt, norm, "dim"), lambda: getattr(F, name)(T(x2), dim=(0, 2), norm=norm))
                s.record((name, dt, norm, "s_int"), lambda: getattr(F, name)(T(x2), s=5, norm=norm))
                s.record((name, dt, norm, "s_neg1"), lambda: getattr(F, name)(T(x2), s=(-1, 4), norm=norm))
        for name in ("fftshift", "ifftshift"):
            s.record((name, dt), lambda: getattr(F, name)(T(x2)))
            s.record((name, dt, "dim"), lambda: getattr(F, name)(T(x2), dim=(0, -1)))
        if dt in ("float64", "complex128"):
            for name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "rfftn", "irfftn", "hfftn",
                         "ihfftn", "ifftn"):
                for norm in (None, "ortho", "forward"):
                    s.grad(("g_" + name, dt, norm), lambda x: getattr(F, name)(x, norm=norm), x2)
                    s.grad(("g_" + name + "_s", dt, norm),
                           lambda x: getattr(F, name)(x, **({"n": 5} if "n" not in name and name[-1] != "n" and
                                                            name[-1] != "2" else {"s": (3, 5)}), norm=norm), x2)
    for n in (1, 4, 5):
        for d in (1.0, 0.5):
            s.record(("fftfreq", n, d), lambda: F.fftfreq(n, d))
            s.record(("rfftfreq", n, d), lambda: F.rfftfreq(n, d))
    s.record(("fftfreq_dtype",), lambda: F.fftfreq(4, dtype=t.float64))
    s.record(("err_n0",), lambda: F.fft(s.tensor(np.ones(4)), n=0))
    s.record(("err_norm",), lambda: F.fft(s.tensor(np.ones(4)), norm="bad"))
    s.record(("err_dim",), lambda: F.fft(s.tensor(np.ones(4)), dim=2))
    s.record(("err_int",), lambda: F.fft(s.tensor(np.ones(4, dtype=np.int64))))
    s.record(("int_rfft",), lambda: F.rfft(s.tensor(np.arange(4))))
    s.record(("bool_fft",), lambda: F.fft(s.tensor(np.array([True, False]))))
    s.record(("err_dupdim",), lambda: F.fftn(s.tensor(np.ones((4, 4))), dim=(0, 0)))
    s.record(("err_s_len",), lambda: F.fftn(s.tensor(np.ones((4, 4))), s=(2, 2, 2)))
    s.record(("err_irfft_n",), lambda: F.irfft(s.tensor(np.ones(1)), n=None))
    s.record(("f16_fft",), lambda: F.fft(s.tensor(np.ones(4, dtype=np.float16))))


def dist_cases(s):
    t = s.t
    D = t.distributions
    T = s.tensor
    p = np.array([0.2, 0.7, 1.5])
    q = np.array([1.3, 0.4, 2.0])
    u = np.array([0.1, 0.5, 0.9])
    specs = [
        ("Normal", (p, q), p * 2 - 1), ("LogNormal", (p, q), q), ("Exponential", (q,), p), ("Gamma", (q, p), q),
        ("Beta", (q, p), u), ("Uniform", (p - 1, q + 1), p), ("Laplace", (p, q), u), ("Cauchy", (p, q), u),
        ("HalfNormal", (q,), p), ("HalfCauchy", (q,), p), ("Gumbel", (p, q), u), ("StudentT", (q, p, q), u),
        ("Chi2", (q,), p), ("Pareto", (q, p), q + 1), ("Weibull", (q, p), q), ("Kumaraswamy", (q, p), u),
        ("InverseGamma", (q, p), q), ("FisherSnedecor", (q, p), q), ("VonMises", (p, q), u),
        ("Bernoulli", (u,), np.array([0.0, 1.0, 1.0])), ("Geometric", (u,), np.array([0.0, 3.0, 1.0])),
        ("Poisson", (q,), np.array([0.0, 3.0, 1.0])), ("Binomial", (5, u), np.array([0.0, 3.0, 5.0])),
        ("NegativeBinomial", (3.0, u), np.array([0.0, 3.0, 5.0])), ("ContinuousBernoulli", (u,), u),
        ("LogisticNormal", (p, q), np.array([0.1, 0.2, 0.3, 0.4])), ("GeneralizedPareto", (p, q, u), q),
        ("RelaxedBernoulli", (q, u), u),
    ]
    for name, params, value in specs:
        if not hasattr(D, name):
            s.results[("dist_missing", name)] = ("err", "missing", name)
            continue
        cls = getattr(D, name)
        for dt in ("float32", "float64"):
            args = [T(np.asarray(a, dtype=dt)) if isinstance(a, np.ndarray) else a for a in params]
            d = None
            try:
                d = cls(*args)
            except Exception as exc:   # noqa: BLE001
                s.results[("dist_ctor", name, dt)] = ("err", type(exc).__name__, str(exc)[:200])
                continue
            for attr in ("mean", "variance", "stddev", "mode"):
                s.record((name, dt, attr), lambda: getattr(d, attr))
            for meth in ("log_prob", "cdf", "icdf"):
                arg = u.astype(dt) if meth == "icdf" else value
                s.record((name, dt, meth), lambda: getattr(d, meth)(T(np.asarray(arg, dtype=dt))))
            s.record((name, dt, "entropy"), lambda: d.entropy())
            s.record((name, dt, "batch_shape"), lambda: (tuple(d.batch_shape), tuple(d.event_shape)))
            s.record((name, dt, "support"), lambda: type(d.support).__name__)
            s.record((name, dt, "has_rsample"), lambda: d.has_rsample)
            s.record((name, dt, "sample_shape"), lambda: tuple(d.sample((4,)).shape))
            s.record((name, dt, "sample_dtype"), lambda: str(d.sample().dtype).split(".")[-1])
            s.record((name, dt, "outside_support"), lambda: d.log_prob(T(np.asarray(-np.ones_like(value) * 5,
                                                                                   dtype=dt))))
            if dt == "float64":
                def lp(*leaves, _cls=cls, _params=params):
                    it = iter(leaves)
                    built = [next(it) if isinstance(a, np.ndarray) else a for a in _params]
                    return _cls(*built).log_prob(T(np.asarray(value)))
                s.grad((name, "g_log_prob"), lp, *[np.asarray(a) for a in params if isinstance(a, np.ndarray)])

                def ent(*leaves, _cls=cls, _params=params):
                    it = iter(leaves)
                    built = [next(it) if isinstance(a, np.ndarray) else a for a in _params]
                    return _cls(*built).entropy()
                s.grad((name, "g_entropy"), ent, *[np.asarray(a) for a in params if isinstance(a, np.ndarray)])
            if dt == "float64":
                t.manual_seed(0)
                s.record((name, "sample_seed0"), lambda: d.sample((2,)))
                if d.has_rsample:
                    t.manual_seed(0)
                    s.record((name, "rsample_seed0"), lambda: d.rsample((2,)))
    # validation errors
    s.record(("err_normal_scale",), lambda: D.Normal(T(np.zeros(2)), T(-np.ones(2))))
    s.record(("err_bern_both",), lambda: D.Bernoulli(probs=T(np.ones(2) * 0.5), logits=T(np.zeros(2))))
    s.record(("err_normal_value",), lambda: D.Normal(0.0, 1.0).log_prob(T(np.array([np.nan]))))
    s.record(("err_cat",), lambda: D.Categorical(probs=T(np.array([-0.1, 1.1]))))
    s.record(("err_dirichlet",), lambda: D.Dirichlet(T(np.array([0.0, 1.0]))))
    s.record(("err_uniform",), lambda: D.Uniform(T(np.array([1.0])), T(np.array([0.0]))))
    s.record(("err_beta_value",), lambda: D.Beta(2.0, 3.0).log_prob(T(np.array([1.5]))))
    s.record(("err_mvn",), lambda: D.MultivariateNormal(T(np.zeros(2)), covariance_matrix=T(-np.eye(2))))
    # multivariate
    loc = np.array([0.5, -1.0, 2.0])
    cov = _arr((3, 3), "float64", 30, "spd")
    x = np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]])
    for kw in ("covariance_matrix", "precision_matrix", "scale_tril"):
        mat = np.linalg.cholesky(cov) if kw == "scale_tril" else cov
        s.record(("MVN", kw, "log_prob"), lambda: D.MultivariateNormal(T(loc), **{kw: T(mat)}).log_prob(T(x)))
        s.record(("MVN", kw, "entropy"), lambda: D.MultivariateNormal(T(loc), **{kw: T(mat)}).entropy())
        s.record(("MVN", kw, "covariance"), lambda: D.MultivariateNormal(T(loc), **{kw: T(mat)}).covariance_matrix)
        s.record(("MVN", kw, "precision"), lambda: D.MultivariateNormal(T(loc), **{kw: T(mat)}).precision_matrix)
        s.grad(("MVN", kw, "g_log_prob"), lambda lo, m: D.MultivariateNormal(lo, **{kw: m}).log_prob(T(x)), loc,
               np.linalg.cholesky(cov) if kw == "scale_tril" else cov)
    s.record(("LowRankMVN",), lambda: D.LowRankMultivariateNormal(T(loc), T(cov[:, :2]), T(np.abs(loc) + 1))
             .log_prob(T(x)))
    s.record(("LowRankMVN_ent",), lambda: D.LowRankMultivariateNormal(T(loc), T(cov[:, :2]), T(np.abs(loc) + 1))
             .entropy())
    probs = np.array([0.1, 0.2, 0.7])
    s.record(("Categorical",), lambda: D.Categorical(T(probs)).log_prob(T(np.array([0, 2]))))
    s.record(("Categorical_ent",), lambda: D.Categorical(T(probs)).entropy())
    s.record(("OneHot",), lambda: D.OneHotCategorical(T(probs)).log_prob(T(np.eye(3)[[0, 2]])))
    s.record(("Multinomial",), lambda: D.Multinomial(5, T(probs)).log_prob(T(np.array([1.0, 1.0, 3.0]))))
    s.record(("Dirichlet",), lambda: D.Dirichlet(T(loc + 2)).log_prob(T(probs)))
    s.record(("Dirichlet_ent",), lambda: D.Dirichlet(T(loc + 2)).entropy())
    s.record(("Wishart",), lambda: D.Wishart(T(np.array(4.0)), covariance_matrix=T(cov)).log_prob(T(cov)))
    s.record(("LKJ",), lambda: D.LKJCholesky(3, T(np.array(2.0))).log_prob(T(np.linalg.cholesky(
        np.corrcoef(_arr((3, 5), "float64", 31))))))
    s.record(("RelaxedOneHot",), lambda: D.RelaxedOneHotCategorical(T(np.array(0.5)), T(probs)).log_prob(
        T(np.array([0.2, 0.3, 0.5]))))
    s.record(("Independent",), lambda: D.Independent(D.Normal(T(loc), T(np.ones(3))), 1).log_prob(T(x)))
    s.record(("MixtureSameFamily",), lambda: D.MixtureSameFamily(D.Categorical(T(probs)),
                                                                  D.Normal(T(loc), T(np.ones(3)))).log_prob(T(x)))
    s.record(("MixtureSameFamily_cdf",), lambda: D.MixtureSameFamily(D.Categorical(T(probs)),
                                                                      D.Normal(T(loc), T(np.ones(3)))).cdf(T(x)))
    # KL divergences
    pairs = [("Normal", (p, q), "Normal", (q, p)), ("Gamma", (q, p), "Gamma", (p, q)),
             ("Beta", (q, p), "Beta", (p, q)), ("Exponential", (q,), "Gamma", (p, q)),
             ("Bernoulli", (u,), "Bernoulli", (u[::-1],)), ("Poisson", (q,), "Poisson", (p,)),
             ("Laplace", (p, q), "Normal", (q, p)), ("Uniform", (p - 1, q), "Normal", (p, q)),
             ("Normal", (p, q), "Laplace", (q, p)), ("Gumbel", (p, q), "Normal", (q, p)),
             ("Exponential", (q,), "Normal", (p, q)), ("Geometric", (u,), "Geometric", (u[::-1],)),
             ("HalfNormal", (q,), "HalfNormal", (p,)), ("Pareto", (q, p), "Pareto", (q, p + 1)),
             ("Uniform", (p - 1, q), "Uniform", (p - 2, q + 1)), ("Beta", (q, p), "Uniform", (p * 0, p * 0 + 1)),
             ("Gamma", (q, p), "Normal", (p, q)), ("ContinuousBernoulli", (u,), "ContinuousBernoulli", (u[::-1],)),
             ("Binomial", (5, u), "Binomial", (5, u[::-1])), ("Cauchy", (p, q), "Cauchy", (q, p)),
             ("LogNormal", (p, q), "LogNormal", (q, p)), ("Normal", (p, q), "Gumbel", (q, p)),
             ("Uniform", (p - 1, q), "Gumbel", (q, p)), ("Uniform", (p, q + 1), "Exponential", (q,))]
    for a_name, a_params, b_name, b_params in pairs:
        def kl(a_name=a_name, a_params=a_params, b_name=b_name, b_params=b_params):
            conv = [lambda ps: [T(np.array(v, dtype="float64")) if isinstance(v, np.ndarray) else v for v in ps]]
            da = getattr(D, a_name)(*conv[0](a_params))
            db = getattr(D, b_name)(*conv[0](b_params))
            return D.kl_divergence(da, db)
        s.record(("kl", a_name, b_name), kl)
    s.record(("kl_mvn",), lambda: D.kl_divergence(D.MultivariateNormal(T(loc), T(cov)),
                                                  D.MultivariateNormal(T(loc * 0), T(cov + np.eye(3)))))
    s.record(("kl_missing",), lambda: D.kl_divergence(D.VonMises(0.0, 1.0), D.Normal(0.0, 1.0)))


def edge_cases(s):
    """Empty and 1x1 matrices, broadcasting, half precision, second-order gradients, rsample gradients."""
    t, L, D = s.t, s.t.linalg, s.t.distributions
    T = s.tensor
    for shape in ((0, 0), (2, 0, 0), (1, 1), (0, 3, 3)):
        z = _arr(shape, "float64", 40) if 0 not in shape else np.zeros(shape)
        for name in ("det", "inv", "cholesky", "eigvalsh", "svdvals", "matrix_exp", "pinv", "matrix_rank", "slogdet",
                     "qr", "eigvals", "lu_factor", "matrix_norm", "inv_ex", "cholesky_ex"):
            arr = np.abs(z) + 1 if name.startswith("cholesky") else z
            s.record(("empty", name, shape), lambda: _tuple(getattr(L, name)(T(arr))))
        s.record(("empty_solve", shape), lambda: L.solve(T(z), T(np.zeros(shape[:-1] + (2,)))))
    sq = _arr((3, 3), "float64", 41)
    s.record(("bcast_solve",), lambda: L.solve(T(sq), T(_arr((2, 3, 2), "float64", 42))))
    s.record(("bcast_solve_vec",), lambda: L.solve(T(_arr((2, 3, 3), "float64", 43)), T(_arr((3,), "float64", 44))))
    s.record(("bcast_solve_vec2",), lambda: L.solve(T(_arr((2, 3, 3), "float64", 43)), T(_arr((2, 3), "float64", 44))))
    s.record(("bcast_solve_mat",), lambda: L.solve(T(_arr((2, 3, 3), "float64", 43)), T(_arr((3, 3), "float64", 44))))
    s.record(("solve_left_vec",), lambda: L.solve(T(sq), T(_arr((3,), "float64", 44)), left=False))
    s.record(("bcast_lu_solve",), lambda: L.lu_solve(*L.lu_factor(T(sq)), T(_arr((2, 3, 2), "float64", 42))))
    s.record(("bcast_triangular",), lambda: L.solve_triangular(T(np.triu(sq) + 3 * np.eye(3)),
                                                               T(_arr((2, 3, 2), "float64", 42)), upper=True))
    for dt in ("float16", "bfloat16"):
        for name in ("det", "inv", "svd", "eigh", "cholesky", "qr", "matrix_norm", "vector_norm", "matrix_exp"):
            s.record(("half", name, dt), lambda: getattr(L, name)(T(np.eye(3)).to(getattr(t, dt))))
        s.record(("half_fft", dt), lambda: t.fft.fft(T(np.ones(4)).to(getattr(t, dt))))
        s.record(("half_rfft", dt), lambda: t.fft.rfft(T(np.ones(4)).to(getattr(t, dt))))
    # second-order gradients
    spd = _arr((3, 3), "float64", 45, "spd")
    herm = _arr((3, 3), "float64", 46, "herm")
    for name, fn, arr in [("det", L.det, sq), ("inv", L.inv, sq), ("slogdet", lambda a: L.slogdet(a)[1], sq),
                          ("cholesky", L.cholesky, spd), ("eigvalsh", L.eigvalsh, herm),
                          ("svdvals", L.svdvals, sq),
                          ("pinv", L.pinv, sq), ("matrix_exp", L.matrix_exp, sq), ("qr_r", lambda a: L.qr(a)[1], sq),
                          ("norm_nuc", lambda a: L.matrix_norm(a, "nuc"), sq),
                          ("solve", lambda a: L.solve(a, a.sum(-1)), sq),
                          ("fft", lambda a: t.fft.rfft2(a).abs(), sq), ("lu", lambda a: L.lu_factor(a)[0], sq)]:
        def second(fn=fn, arr=arr):
            a = T(arr, True)
            out = fn(a)
            w = T(np.random.default_rng(9).standard_normal(tuple(out.shape)))
            g, = t.autograd.grad((out * w).sum(), a, create_graph=True)
            gg, = t.autograd.grad((g * g).sum(), a)
            return g, gg
        s.record(("second_order", name), second)
    # rsample gradients (PyTorch's and minidl's generators agree on these draws)
    p = np.array([0.6, 1.3, 2.0])
    for name, params in [("Normal", (p, p)), ("Gamma", (p, p)), ("Beta", (p, p)), ("Dirichlet", (p,)),
                         ("Exponential", (p,)), ("LogNormal", (p, p)), ("StudentT", (p, p, p)), ("Laplace", (p, p)),
                         ("Uniform", (p - 1, p + 1)), ("Chi2", (p,)), ("Weibull", (p, p)), ("Kumaraswamy", (p, p)),
                         ("InverseGamma", (p, p)), ("RelaxedBernoulli", (p, p / 3)), ("Cauchy", (p, p)),
                         ("Gumbel", (p, p)), ("HalfNormal", (p,)), ("Pareto", (p, p)), ("FisherSnedecor", (p, p)),
                         ("VonMises", (p, p))]:
        def rs(*leaves, name=name):
            t.manual_seed(1)
            return getattr(D, name)(*leaves).rsample((2,))
        s.grad(("rsample_grad", name), rs, *params)
    for name, params in [("Normal", (p, p)), ("Gamma", (p, p)), ("Beta", (p, p)), ("Poisson", (p,)),
                         ("Bernoulli", (p / 3,)), ("Geometric", (p / 3,))]:
        def kl_grad(*leaves, name=name, params=params):
            n = len(params)
            return D.kl_divergence(getattr(D, name)(*leaves[:n]), getattr(D, name)(*leaves[n:]))
        s.grad(("kl_grad", name), kl_grad, *params, *[v[::-1].copy() for v in params])


def _tuple(x):
    return tuple(x) if isinstance(x, tuple) else x


def more_cases(s):
    """Top-level matrix functions, out= on them, and seeded samples of every distribution in both precisions."""
    t, D = s.t, s.t.distributions
    T = s.tensor
    sq = _arr((2, 3, 3), "float64", 50)
    spd = _arr((3, 3), "float64", 51, "spd")
    tall = _arr((4, 3), "float64", 52)
    for name, args in [("inverse", (sq,)), ("det", (sq,)), ("logdet", (sq,)), ("slogdet", (sq,)),
                       ("svd", (tall,)), ("qr", (tall,)), ("cholesky", (spd,)), ("matrix_power", (sq, 3)),
                       ("pinverse", (tall,)), ("cholesky_inverse", (np.linalg.cholesky(spd),)),
                       ("lu_unpack", None), ("triangular_solve", (sq[0], np.triu(sq[0]) + 3 * np.eye(3))),
                       ("matrix_exp", (sq,)), ("ger", (sq[0, 0], sq[0, 1])), ("logdet", (-np.eye(2),)),
                       ("cholesky_solve", (sq[0], np.linalg.cholesky(spd)))]:
        if not hasattr(t, name):
            s.results[("toplevel_missing", name)] = ("err", "missing", name)
            continue
        if args is None:
            s.record(("top", name), lambda: tuple(t.lu_unpack(*t.linalg.lu_factor(T(sq)))))
            continue
        conv = [T(a) if isinstance(a, np.ndarray) else a for a in args]
        s.record(("top", name), lambda: _tuple(getattr(t, name)(*conv)))
        s.record(("top_out_f64", name), lambda: _tuple(getattr(t, name)(*conv, out=_outs(t, getattr(t, name)(*conv),
                                                                                         t.float64))))
        s.record(("top_out_i64", name), lambda: _tuple(getattr(t, name)(*conv, out=_outs(t, getattr(t, name)(*conv),
                                                                                         t.int64))))
        s.record(("top_int", name), lambda: _tuple(getattr(t, name)(*[T(np.ones(a.shape, dtype=np.int64))
                                                                     if isinstance(a, np.ndarray) else a
                                                                     for a in args])))
    s.record(("top_svd_nouv",), lambda: tuple(t.svd(T(tall), compute_uv=False)))
    s.record(("top_svd_some",), lambda: [tuple(x.shape) for x in t.svd(T(tall), some=False)])
    s.record(("top_qr_some",), lambda: [tuple(x.shape) for x in t.qr(T(tall), some=False)])
    s.record(("top_lu",), lambda: tuple(t.lu(T(sq), get_infos=True)))
    s.record(("top_lu_solve",), lambda: t.lu_solve(T(sq[0][:, :1]), *t.linalg.lu_factor(T(sq[0]))))
    p = np.array([0.6, 1.3, 2.0])
    probs = np.array([0.1, 0.2, 0.7])
    cov = _arr((3, 3), "float64", 53, "spd")
    makers = [("Normal", lambda c: D.Normal(c(p), c(p))), ("Gamma", lambda c: D.Gamma(c(p), c(p))),
              ("Beta", lambda c: D.Beta(c(p), c(p))), ("Dirichlet", lambda c: D.Dirichlet(c(p))),
              ("Poisson", lambda c: D.Poisson(c(p * 5))), ("Categorical", lambda c: D.Categorical(c(probs))),
              ("OneHot", lambda c: D.OneHotCategorical(c(probs))),
              ("Multinomial", lambda c: D.Multinomial(7, c(probs))),
              ("MVN", lambda c: D.MultivariateNormal(c(p), c(cov))),
              ("LowRankMVN", lambda c: D.LowRankMultivariateNormal(c(p), c(cov[:, :2]), c(p))),
              ("Wishart", lambda c: D.Wishart(c(np.array(4.0)), covariance_matrix=c(cov))),
              ("LKJ", lambda c: D.LKJCholesky(3, c(np.array(2.0)))),
              ("Bernoulli", lambda c: D.Bernoulli(c(probs))), ("Geometric", lambda c: D.Geometric(c(probs))),
              ("NegBinomial", lambda c: D.NegativeBinomial(c(p * 3), c(probs))),
              ("Exponential", lambda c: D.Exponential(c(p))), ("Laplace", lambda c: D.Laplace(c(p), c(p))),
              ("Cauchy", lambda c: D.Cauchy(c(p), c(p))), ("StudentT", lambda c: D.StudentT(c(p), c(p), c(p))),
              ("Chi2", lambda c: D.Chi2(c(p))), ("Uniform", lambda c: D.Uniform(c(p - 1), c(p))),
              ("Gumbel", lambda c: D.Gumbel(c(p), c(p))), ("Weibull", lambda c: D.Weibull(c(p), c(p))),
              ("Pareto", lambda c: D.Pareto(c(p), c(p))), ("Kumaraswamy", lambda c: D.Kumaraswamy(c(p), c(p))),
              ("LogNormal", lambda c: D.LogNormal(c(p), c(p))), ("HalfCauchy", lambda c: D.HalfCauchy(c(p))),
              ("FisherSnedecor", lambda c: D.FisherSnedecor(c(p), c(p))),
              ("InverseGamma", lambda c: D.InverseGamma(c(p), c(p))),
              ("ContinuousBernoulli", lambda c: D.ContinuousBernoulli(c(probs))),
              ("RelaxedBernoulli", lambda c: D.RelaxedBernoulli(c(p), c(probs))),
              ("RelaxedOneHot", lambda c: D.RelaxedOneHotCategorical(c(np.array(0.5)), c(probs))),
              ("LogisticNormal", lambda c: D.LogisticNormal(c(p), c(p))),
              ("VonMises", lambda c: D.VonMises(c(p), c(p))),
              ("GeneralizedPareto", lambda c: D.GeneralizedPareto(c(p), c(p), c(p / 4))),
              ("Mixture", lambda c: D.MixtureSameFamily(D.Categorical(c(probs)), D.Normal(c(p), c(p)))),
              ("Binomial", lambda c: D.Binomial(c(p * 10).round(), c(probs)))]
    for dt in ("float32", "float64"):
        def c(a, dt=dt):
            return T(np.asarray(a, dtype=dt))
        for name, make in makers:
            def draw(make=make, c=c):
                t.manual_seed(4)
                d = make(c)
                a = d.sample((3,))
                b = d.rsample((2,)) if d.has_rsample else None
                return a, b, t.rand(2)
            s.record(("seeded", name, dt), draw)
            s.record(("enumerate", name, dt), lambda make=make, c=c: make(c).enumerate_support())
            s.record(("perplexity", name, dt), lambda make=make, c=c: make(c).perplexity())
            s.record(("expand", name, dt), lambda make=make, c=c: make(c).expand((2, 3)).batch_shape)


def _outs(t, result, dtype):
    if isinstance(result, tuple):
        return tuple(t.empty(0, dtype=dtype if r.dtype.is_floating_point else r.dtype) for r in result)
    return t.empty(0, dtype=dtype)


def error_cases(s):
    """Argument errors: bad ords, dims, modes, shapes; distribution parameter and value validation."""
    t, L, F, D = s.t, s.t.linalg, s.t.fft, s.t.distributions
    T = s.tensor
    m = _arr((3, 4), "float64", 60)
    v = _arr((4,), "float64", 61)
    for ord_ in ("fro", "nuc", 3, "bad", 0):
        s.record(("err_matrix_norm_ord", str(ord_)), lambda: L.matrix_norm(T(m), ord_))
        s.record(("err_norm_vec_ord", str(ord_)), lambda: L.norm(T(v), ord_))
    s.record(("err_vector_norm_str",), lambda: L.vector_norm(T(v), "fro"))
    s.record(("err_norm_dim3",), lambda: L.norm(T(m), dim=(0, 1, 1)))
    s.record(("err_matrix_norm_dim",), lambda: L.matrix_norm(T(m), dim=(0, 0)))
    s.record(("err_matrix_norm_dim_range",), lambda: L.matrix_norm(T(m), dim=(0, 5)))
    s.record(("err_vector_norm_dim_range",), lambda: L.vector_norm(T(m), dim=3))
    s.record(("err_norm_3d_ord",), lambda: L.norm(T(_arr((2, 3, 4), "float64", 62)), 2))
    s.record(("norm_3d_none",), lambda: L.norm(T(_arr((2, 3, 4), "float64", 62))))
    s.record(("err_qr_mode",), lambda: L.qr(T(m), mode="bad"))
    s.record(("err_svd_driver",), lambda: L.svd(T(m), driver="gesvd"))
    s.record(("err_cross_dim",), lambda: L.cross(T(m), T(m)))
    s.record(("err_cross_shape",), lambda: L.cross(T(np.ones((2, 3))), T(np.ones((3, 3)))))
    s.record(("err_vecdot_shape",), lambda: L.vecdot(T(m), T(np.ones((3, 3)))))
    s.record(("err_multi_dot_one",), lambda: L.multi_dot([T(m)]))
    s.record(("err_multi_dot_3d",), lambda: L.multi_dot([T(m), T(np.ones((2, 4, 3)))]))
    s.record(("err_multi_dot_shape",), lambda: L.multi_dot([T(m), T(m)]))
    s.record(("err_tensorinv",), lambda: L.tensorinv(T(m), 1))
    s.record(("err_tensorinv_ind",), lambda: L.tensorinv(T(np.eye(4)), 0))
    s.record(("err_matrix_power_float",), lambda: L.matrix_power(T(np.eye(3)), 1.5))
    s.record(("err_householder",), lambda: L.householder_product(T(m.T), T(np.ones(5))))
    s.record(("err_lu_solve",), lambda: L.lu_solve(*L.lu_factor(T(np.eye(3))), T(np.ones((4, 1)))))
    s.record(("err_solve_triangular_shape",), lambda: L.solve_triangular(T(np.eye(3)), T(np.ones((4, 1))),
                                                                          upper=True))
    s.record(("err_vander_N",), lambda: L.vander(T(v), N=0))
    s.record(("err_vander_0d",), lambda: L.vander(T(np.array(1.0))))
    s.record(("err_eigh_uplo",), lambda: L.eigh(T(np.eye(2)), UPLO="X"))
    s.record(("err_cholesky_ex_shape",), lambda: L.cholesky_ex(T(m)))
    s.record(("err_det_empty_batch_rect",), lambda: L.det(T(np.ones((0, 2, 3)))))
    s.record(("err_ldl_solve_piv",), lambda: L.ldl_solve(*L.ldl_factor(T(np.eye(3))), T(np.ones((4, 1)))))
    s.record(("err_lstsq_int",), lambda: L.lstsq(T(np.ones((3, 2), dtype=np.int64)), T(np.ones((3, 1),
                                                                                              dtype=np.int64))))
    s.record(("err_diagonal",), lambda: L.diagonal(T(v)))
    x = _arr((4, 6), "float64", 63)
    s.record(("err_fft_norm",), lambda: F.fftn(T(x), norm="bad"))
    s.record(("err_fft_out",), lambda: F.fft(T(x), out=t.empty(0, dtype=t.float32)))
    s.record(("fft_out_ok",), lambda: F.fft(T(x), out=t.empty(0, dtype=t.complex128)))
    s.record(("fft_out_c64",), lambda: F.fft(T(x), out=t.empty(0, dtype=t.complex64)))
    s.record(("err_fftshift_dim",), lambda: F.fftshift(T(x), dim=5))
    s.record(("err_irfftn_s",), lambda: F.irfftn(T(x), s=(0, 3)))
    s.record(("err_hfft_n",), lambda: F.hfft(T(x), n=1))
    s.record(("err_fftfreq_n",), lambda: F.fftfreq(-1))
    s.record(("err_fft_0d",), lambda: F.fft(T(np.array(1.0))))
    s.record(("err_fft2_1d",), lambda: F.fft2(T(v)))
    s.record(("fft_int_input",), lambda: F.fft(T(np.arange(4))))
    s.record(("fftn_empty_dim",), lambda: F.fftn(T(x), dim=()))
    s.record(("fftn_none",), lambda: F.fftn(T(x), s=None, dim=None))
    p = np.array([0.5, 1.5])
    for name, bad in [("Normal", (p, -p)), ("Gamma", (-p, p)), ("Beta", (p, -p)), ("Exponential", (-p,)),
                      ("Poisson", (-p,)), ("Bernoulli", (p * 2,)), ("Uniform", (p, p)), ("Laplace", (p, -p)),
                      ("Dirichlet", (-p,)), ("Categorical", (-p,)), ("StudentT", (-p,)),
                      ("Binomial", (np.array([-1.0, 2.0]), p / 2)), ("Geometric", (p * 3,)),
                      ("Chi2", (-p,)), ("VonMises", (p, -p)), ("Weibull", (-p, p)), ("Pareto", (p, -p))]:
        s.record(("err_dist", name), lambda name=name, bad=bad: getattr(D, name)(
            *[T(a) if isinstance(a, np.ndarray) else a for a in bad], validate_args=True))
    s.record(("err_dist_default_validate",), lambda: D.Normal(T(p), T(-p)))
    s.record(("dist_no_validate",), lambda: D.Normal(T(p), T(-p), validate_args=False).scale)
    s.record(("err_value_shape",), lambda: D.Normal(T(p), T(p)).log_prob(T(np.ones(3))))
    s.record(("err_cat_value",), lambda: D.Categorical(T(np.array([0.5, 0.5]))).log_prob(T(np.array([2.0]))))
    s.record(("err_bern_value",), lambda: D.Bernoulli(T(np.array([0.5]))).log_prob(T(np.array([0.5]))))
    s.record(("err_poisson_value",), lambda: D.Poisson(T(np.array([0.5]))).log_prob(T(np.array([-1.0]))))
    s.record(("err_kl_none",), lambda: D.kl_divergence(D.Beta(T(p), T(p)), D.Cauchy(T(p), T(p))))
    s.record(("err_mvn_none",), lambda: D.MultivariateNormal(T(p)))
    s.record(("err_mvn_two",), lambda: D.MultivariateNormal(T(p), T(np.eye(2)), T(np.eye(2))))
    s.record(("err_mvn_loc0d",), lambda: D.MultivariateNormal(T(np.array(0.0)), T(np.eye(2))))
    s.record(("err_multinomial_count",), lambda: D.Multinomial(T(np.array(3.0)), T(p)))
    s.record(("err_icdf",), lambda: D.Poisson(T(p)).icdf(T(p / 4)))
    s.record(("err_rsample",), lambda: D.Poisson(T(p)).rsample())
    s.record(("err_enumerate",), lambda: D.Normal(T(p), T(p)).enumerate_support())
    s.record(("err_sample_shape",), lambda: D.Normal(T(p), T(p)).sample(3))


def run(lib, path):
    s = Sweep(lib)
    if lib == "torch":
        import torch
        torch.set_default_dtype(torch.float32)
    linalg_cases(s)
    fft_cases(s)
    dist_cases(s)
    edge_cases(s)
    more_cases(s)
    error_cases(s)
    with open(path, "wb") as f:
        pickle.dump(s.results, f)
    print(len(s.results), "cases")


def _close(a, b, loose):
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_close(x, y, loose) for x, y in zip(a, b))
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype != b.dtype and not (a.dtype.kind in "OU" or b.dtype.kind in "OU"):
        return False
    if a.dtype.kind in "fc":
        tol = 2e-3 if loose or a.dtype in (np.float32, np.complex64) else 1e-6
        return bool(np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True))
    return bool(np.array_equal(a, b))


def compare(mine, ref):
    with open(mine, "rb") as f:
        m = pickle.load(f)
    with open(ref, "rb") as f:
        r = pickle.load(f)
    bad = 0
    for key in r:
        got, want = m.get(key), r[key]
        loose = any(isinstance(k, str) and ("sample" in k) for k in key)
        if got is None:
            print("MISSING", key)
            bad += 1
            continue
        if want[0] != got[0]:
            print("KIND", key, "\n   torch:", want, "\n   mine: ", got if got[0] == "err" else "ok")
            bad += 1
        elif want[0] == "err":
            if want[1:] != got[1:]:
                print("ERR", key, "\n   torch:", want[1:], "\n   mine: ", got[1:])
                bad += 1
        elif not _close(got[1], want[1], loose):
            print("VALUE", key)
            bad += 1
    print(f"{len(r)} cases, {bad} differ")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3])
    else:
        compare(sys.argv[2], sys.argv[3])
