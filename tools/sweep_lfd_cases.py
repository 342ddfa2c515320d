# ruff: noqa: B023  (every lambda here runs at once, inside record/grad, so late binding cannot bite)
"""The distribution, edge, top-level and argument-error cases of tools/sweep_linalg_fft_dist.py (split off to
keep each file under 600 lines); each function takes the ``Sweep`` and records into it."""
from __future__ import annotations

import numpy as np
from sweep_linalg_fft_dist import _arr

__all__ = ["dist_cases", "edge_cases", "more_cases", "error_cases"]


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
