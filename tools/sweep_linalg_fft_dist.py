# ruff: noqa: B023  (every lambda here runs at once, inside record/grad, so late binding cannot bite)
"""Differential sweep of ``linalg``, ``fft`` and ``distributions``: run under minidl and under PyTorch, compare.

    python tools/sweep_linalg_fft_dist.py run minidl /tmp/m.pkl      (minidl's interpreter)
    python tools/sweep_linalg_fft_dist.py run torch /tmp/t.pkl       (PyTorch's interpreter)
    python tools/sweep_linalg_fft_dist.py compare /tmp/m.pkl /tmp/t.pkl

The distribution, edge, top-level and error cases live in tools/sweep_lfd_cases.py.

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


def run(lib, path):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from sweep_lfd_cases import dist_cases, edge_cases, error_cases, more_cases
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
