"""Differential sweep of Tensor methods: run under minidl and under PyTorch, then compare.

    .venv/bin/python tools/tsweep/sweep.py run minidl /tmp/m.pkl
    /work/refvenv/bin/python tools/tsweep/sweep.py run torch /tmp/t.pkl
    .venv/bin/python tools/tsweep/sweep.py compare /tmp/t.pkl /tmp/m.pkl [--only NAME]

Each case calls one method on seeded random inputs of several dtypes and shapes (0-d and empty
included) and records the exception type, or the dtype, shape, values and requires_grad of each
result, plus the input's gradient of ``out.sum()`` for differentiable float results.
"""
from __future__ import annotations

import importlib
import math
import pickle
import sys
import warnings

import numpy as np

DTYPES = ["float32", "float64", "float16", "int64", "int32", "uint8", "bool", "complex64"]
SHAPES = [(), (0,), (5,), (2, 3), (2, 0, 3), (3, 1, 4)]

UNARY = ("abs neg sign sgn sqrt rsqrt exp exp2 expm1 log log2 log10 log1p sin cos tan asin acos atan sinh cosh "
         "tanh asinh acosh atanh sigmoid relu floor ceil round trunc frac reciprocal square erf erfc erfinv "
         "lgamma digamma isnan isinf isfinite isposinf isneginf signbit logical_not bitwise_not nan_to_num "
         "deg2rad rad2deg positive fix i0 sinc logit angle conj clone detach flatten ravel t nonzero "
         "count_nonzero argwhere msort cumsum/ float double half int long bool is_floating_point "
         "is_complex is_signed numel dim nelement element_size isreal").split()
REDUCE = ("sum prod mean nansum nanmean std var max min amax amin argmax argmin all any median nanmedian "
          "aminmax").split()
DIMMED = ("sum prod mean std var max min amax amin argmax argmin all any logsumexp median nanmedian mode "
          "cumsum cumprod cummax cummin logcumsumexp softmax log_softmax sort argsort count_nonzero nansum "
          "nanmean squeeze unsqueeze flip roll diff unbind chunk/2 split/1 narrow/0/1 select/0 kthvalue/1 "
          "topk/1 norm/2 norm/1 norm/inf var_mean std_mean renorm/ movedim/0 transpose/0 cross/").split()
BINARY = ("add sub mul div true_divide floor_divide remainder fmod pow atan2 maximum minimum fmax fmin eq ne lt le gt "
          "ge logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor hypot copysign xlogy "
          "nextafter ldexp float_power heaviside gcd lcm isclose dist bitwise_left_shift "
          "bitwise_right_shift").split()
SCALARS = [2, 2.5, True, -1, 0]
INPLACE = ("add_ sub_ mul_ div_ pow_ floor_divide_ remainder_ fmod_ clamp_min_ clamp_max_ copysign_ atan2_ "
           "hypot_ logical_and_ bitwise_and_ lerp_").split()
UNARY_INPLACE = ("abs_ neg_ exp_ sqrt_ sin_ floor_ round_ trunc_ sign_ sigmoid_ relu_ zero_ reciprocal_ "
                 "square_ tanh_ log_ frac_ clamp_/0 fill_/2 fill_/2.5 fill_/-1").split()
def _lib(x):
    """The library (minidl or torch) that made ``x``."""
    return sys.modules[type(x).__module__.split(".")[0]]


EXTRA = {   # name: function of x
    "clamp(-1,1)": lambda x: x.clamp(-1, 1),
    "clamp(min=0.5)": lambda x: x.clamp(min=0.5),
    "clamp(max=2)": lambda x: x.clamp(max=2),
    "clip(-1.5,None)": lambda x: x.clip(-1.5, None),
    "where(x>0,x,0.5)": lambda x: x.where(x > 0, 0.5) if hasattr(x, "where") else None,
    "masked_fill(x>0,2)": lambda x: x.masked_fill(x > 0, 2),
    "masked_fill(x>0,2.5)": lambda x: x.masked_fill(x > 0, 2.5),
    "repeat(2)": lambda x: x.repeat(2, *([1] * max(x.dim() - 1, 0))),
    "expand_as": lambda x: x.expand(2, *x.shape),
    "index_select(0,[0])": lambda x: x.index_select(0, x.new_zeros(1, dtype=_lib(x).int64)),
    "reshape(-1)": lambda x: x.reshape(-1),
    "view(-1)": lambda x: x.view(-1),
    "type(float64)": lambda x: x.type(_lib(x).float64),
    "new_ones(2)": lambda x: x.new_ones(2),
    "new_full(2,5)": lambda x: x.new_full((2,), 5),
    "new_tensor([1,2])": lambda x: x.new_tensor([1, 2]),
    "zeros_like": lambda x: _lib(x).zeros_like(x),
    "full_like(2.5)": lambda x: _lib(x).full_like(x, 2.5),
    "item": lambda x: x.item(),
    "tolist": lambda x: x.tolist(),
    "bool()": lambda x: bool(x),
    "float()": lambda x: float(x),
    "int()": lambda x: int(x),
    "len": lambda x: len(x),
    "x[0]": lambda x: x[0],
    "x[...,None]": lambda x: x[..., None],
    "x[x>0]": lambda x: x[x > 0],
    "abs(x)-x": lambda x: abs(x) - x,
    "-x": lambda x: -x,
    "x**2": lambda x: x ** 2,
    "2**x": lambda x: 2 ** x,
    "x**0.5": lambda x: x ** 0.5,
    "x@x": lambda x: x @ x,
    "x.T@x": lambda x: x.mT @ x if x.dim() >= 2 else x @ x,
    "addcmul": lambda x: x.addcmul(x, x, value=2),
    "addcdiv": lambda x: x.addcdiv(x, x + 1, value=0.5),
    "lerp(1,0.5)": lambda x: x.lerp(x * 0 + 1, 0.5),
    "std(unbiased=False)": lambda x: x.std(unbiased=False),
    "var(correction=0)": lambda x: x.var(correction=0),
    "quantile(0.5)": lambda x: x.quantile(0.5),
    "nanquantile(0.3)": lambda x: x.nanquantile(0.3),
    "histc": lambda x: x.histc(4),
    "bincount": lambda x: x.bincount(),
    "unique(counts)": lambda x: x.unique(return_counts=True),
    "unique_consecutive": lambda x: x.unique_consecutive(),
    "cumsum(dtype)": lambda x: x.cumsum(0, dtype=_lib(x).float64),
    "sum(dtype)": lambda x: x.sum(dtype=_lib(x).float64),
    "prod(dtype)": lambda x: x.prod(dtype=_lib(x).int64),
    "mean(dtype)": lambda x: x.mean(dtype=_lib(x).float64),
    "triu": lambda x: x.triu(),
    "tril(-1)": lambda x: x.tril(-1),
    "diag": lambda x: x.diag(),
    "diagonal": lambda x: x.diagonal(),
    "trace": lambda x: x.trace(),
    "outer": lambda x: x.outer(x),
    "dot": lambda x: x.dot(x),
    "inner": lambda x: x.inner(x),
    "kron": lambda x: x.kron(x),
    "rot90": lambda x: x.rot90(),
    "fliplr": lambda x: x.fliplr(),
    "flatten(0,-1)": lambda x: x.flatten(0, -1),
    "unflatten": lambda x: x.unflatten(0, (1, -1)),
    "squeeze()": lambda x: x.squeeze(),
    "contiguous": lambda x: x.contiguous(),
    "sum_to_size(1)": lambda x: x.sum_to_size(*([1] * x.dim())),
    "nan_to_num(1.,2.,3.)": lambda x: x.nan_to_num(1., 2., 3.),
    "clamp(T,T)": lambda x: x.clamp(x * 0 - 1, x * 0 + 1),
    "max(T)": lambda x: x.max(x * 0),
    "min(T)": lambda x: x.min(x * 0),
    "cross(T)": lambda x: x.cross(x.flip(0)),
}


def make(T, dtype, shape, seed, requires_grad=False):
    """A seeded input of ``dtype``/``shape`` with a few special values for floats."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape)) if shape else 1
    if dtype == "bool":
        vals = rng.random(n) > 0.5
    elif dtype in ("int64", "int32"):
        vals = rng.integers(-4, 5, n)
    elif dtype == "uint8":
        vals = rng.integers(0, 7, n)
    elif dtype == "complex64":
        vals = rng.normal(size=n) + 1j * rng.normal(size=n)
    else:
        vals = np.round(rng.normal(size=n) * 2, 3)
        if n >= 5:
            vals[seed % n] = 0.0
    arr = vals.reshape(shape)
    t = T.tensor(arr.tolist(), dtype=getattr(T, dtype))
    if requires_grad and dtype in ("float32", "float64", "complex64"):
        t.requires_grad_(True)
    return t


def record(T, out):
    """A comparable, picklable description of ``out``."""
    if isinstance(out, T.Tensor):
        d = out.detach()
        if d.dtype in (T.bfloat16,):
            d = d.float()
        if d.dtype == T.float16:
            d = d.float()
        vals = np.array(d.tolist(), dtype=complex if d.is_complex() else None)
        return ("T", str(out.dtype).split(".")[-1], tuple(out.shape), vals, bool(out.requires_grad))
    if isinstance(out, (tuple, list)):
        return ("seq", type(out).__name__ if type(out).__name__ in ("tuple", "list") else "tuple",
                [record(T, o) for o in out])
    if isinstance(out, (bool, int, float, complex, str, type(None))):
        return ("py", out)
    if hasattr(out, "__len__") and type(out).__name__ in ("Size",):
        return ("py", tuple(out))
    return ("other", type(out).__name__)


def gradient(T, x, out):
    """The gradient of ``out.sum()`` (real part) w.r.t. ``x``, when it can be taken."""
    try:
        if isinstance(out, (tuple, list)):
            out = out[0]
        if not isinstance(out, T.Tensor) or not out.requires_grad or not x.requires_grad:
            return None
        y = out.sum()
        if y.is_complex():
            y = y.real
        (g,) = T.autograd.grad(y, x, allow_unused=True)
        return None if g is None else record(T, g)
    except Exception as exc:   # noqa: BLE001
        return ("exc", type(exc).__name__, str(exc)[:200])


def call(T, fn, *args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return True, fn(*args)
    except Exception as exc:   # noqa: BLE001
        return False, ("exc", type(exc).__name__, str(exc)[:200])


def method_case(name):
    """The function of x for a method spec like ``topk/1`` (positional args after slashes)."""
    base, _, rest = name.partition("/")
    if base in ("cumsum", "renorm", "cross") and rest == "":
        return {"cumsum": lambda x: x.cumsum(0), "renorm": lambda x: x.renorm(2, 0, 1.0),
                "cross": lambda x: x.cross(x, dim=0)}[base]
    args = []
    if rest:
        for a in rest.split("/"):
            args.append(float("inf") if a == "inf" else int(a))
    return lambda x, *more: getattr(x, base)(*args, *more)


def _with_tensor(name):
    return lambda x, y: getattr(x, name)(y)


def _with_number(name, number):
    return lambda x: getattr(x, name)(number)


def _inplace_tensor(name):
    def fn(x, y):
        z = x.detach().clone()
        out = getattr(z, name)(y) if name != "lerp_" else z.lerp_(y, 0.5)
        return (out is z, z)
    return fn


def _inplace_number(name, number):
    def fn(x):
        z = x.detach().clone()
        out = getattr(z, name)(number) if name != "lerp_" else z.lerp_(z * 0 + number, 0.5)
        return (out is z, z)
    return fn


def _inplace_unary(spec):
    base, _, rest = spec.partition("/")
    args = [float(rest) if "." in rest else int(rest)] if rest else []

    def fn(x):
        z = x.detach().clone()
        out = getattr(z, base)(*args)
        return (out is z, z)
    return fn


def cases():
    """Yield (name, builder) where builder(T) -> (inputs, fn)."""
    for dtype in DTYPES:
        for si, shape in enumerate(SHAPES):
            seed = 1000 + 10 * DTYPES.index(dtype) + si
            key = f"{dtype}{list(shape)}"
            for m in UNARY:
                yield f"{m}:{key}", (dtype, shape, seed, method_case(m), ())
            for m in REDUCE:
                yield f"{m}():{key}", (dtype, shape, seed, method_case(m), ())
            for m in DIMMED:
                for dim in (0, -1):
                    if m.startswith(("narrow", "select", "kthvalue", "topk", "movedim", "transpose")) and dim:
                        continue
                    fn = method_case(m)
                    if m in ("sum", "mean", "amax", "amin", "std", "var", "any", "all", "logsumexp", "nansum",
                             "argmax", "max", "min", "median", "prod"):
                        yield f"{m}({dim},keepdim):{key}", (dtype, shape, seed,
                                                           (lambda f, d: lambda x: f(x, d, True))(fn, dim), ())
                    if m.startswith(("narrow", "select", "kthvalue", "topk", "norm", "movedim", "transpose",
                                     "chunk", "split")) or m in ("cross/", "renorm/"):
                        yield f"{m}:{key}", (dtype, shape, seed, fn, ())
                        continue
                    if m in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "softmax", "log_softmax",
                             "diff", "unsqueeze", "roll") and m != "roll":
                        yield f"{m}({dim}):{key}", (dtype, shape, seed, (lambda f, d: lambda x: f(x, d))(fn, dim),
                                                    ())
                        continue
                    if m == "roll":
                        yield f"roll(1,{dim}):{key}", (dtype, shape, seed, (lambda d: lambda x: x.roll(1, d))(dim),
                                                       ())
                        continue
                    if m == "flip":
                        yield f"flip({dim}):{key}", (dtype, shape, seed, (lambda d: lambda x: x.flip(d))(dim), ())
                        continue
                    yield f"{m}({dim}):{key}", (dtype, shape, seed, (lambda f, d: lambda x: f(x, d))(fn, dim), ())
            for m in INPLACE:
                for odt in ("same", "float32", "int64", "bool"):
                    other_dtype = dtype if odt == "same" else odt
                    yield f"{m}(T[{odt}]):{key}", (dtype, shape, seed, _inplace_tensor(m),
                                                   ((other_dtype, shape, seed + 7),))
                for sc in SCALARS:
                    yield f"{m}({sc!r}):{key}", (dtype, shape, seed, _inplace_number(m, sc), ())
            for m in UNARY_INPLACE:
                yield f"{m}:{key}", (dtype, shape, seed, _inplace_unary(m), ())
            for name, fn in EXTRA.items():
                yield f"{name}:{key}", (dtype, shape, seed, fn, ())
            for m in BINARY:
                for odt in ("same", "float32", "int64", "bool"):
                    other_dtype = dtype if odt == "same" else odt
                    yield f"{m}(T[{odt}]):{key}", (dtype, shape, seed, _with_tensor(m),
                                                   ((other_dtype, shape, seed + 7),))
                for s in SCALARS:
                    yield f"{m}({s!r}):{key}", (dtype, shape, seed,
                                                _with_number(m, s), ())
                yield f"{m}(T[float64,0d]):{key}", (dtype, shape, seed, _with_tensor(m),
                                                    (("float64", (), seed + 3),))


def run(lib, path, only=None):
    """Run every case under ``lib`` ("minidl" or "torch") and pickle the records to ``path``."""
    T = importlib.import_module(lib)
    results = {}
    for name, (dtype, shape, seed, fn, others) in cases():
        if only and only not in name:
            continue
        x = make(T, dtype, shape, seed, requires_grad=True)
        ys = [make(T, *o) for o in others]
        ok, out = call(T, fn, x, *ys)
        if not ok:
            results[name] = (out, None)
            continue
        results[name] = (record(T, out), gradient(T, x, out))
    with open(path, "wb") as f:
        pickle.dump(results, f)
    print(f"{lib}: {len(results)} cases")


def _same(a, b, name):
    """Whether two records agree; the reason when not."""
    if a[0] != b[0]:
        return f"kind {a[0]} vs {b[0]}: {a[1:] if a[0] == 'exc' else ''} | {b[1:] if b[0] == 'exc' else ''}"
    kind = a[0]
    if kind == "exc":
        same = {"RuntimeError", "_LinAlgError", "LinAlgError", "ShapeError"}   # minidl's RuntimeError subclasses
        return None if a[1] == b[1] or {a[1], b[1]} <= same else \
            f"exc {a[1]}: {a[2][:90]} | {b[1]}: {b[2][:90]}"
    if kind == "T":
        _, dt1, sh1, v1, rg1 = a
        _, dt2, sh2, v2, rg2 = b
        if dt1 != dt2:
            return f"dtype {dt1} vs {dt2}"
        if sh1 != sh2:
            return f"shape {sh1} vs {sh2}"
        if rg1 != rg2:
            return f"requires_grad {rg1} vs {rg2}"
        v1, v2 = np.asarray(v1), np.asarray(v2)
        if v1.size:
            tol = 2e-3 if dt1 in ("float16", "bfloat16") else 1e-4 if dt1 in ("float32", "complex64") else 1e-9
            try:
                if v1.dtype.kind in "fc" or v2.dtype.kind in "fc":
                    same = np.allclose(v1.astype(complex), v2.astype(complex), rtol=tol, atol=tol, equal_nan=True)
                    if not same:   # inf/nan agreement is checked by allclose; report the first difference
                        bad = ~np.isclose(v1.astype(complex), v2.astype(complex), rtol=tol, atol=tol, equal_nan=True)
                        return f"values differ at {np.argwhere(bad)[0].tolist()}: {v1[bad][:3]} vs {v2[bad][:3]}"
                elif not np.array_equal(v1, v2):
                    return f"values {v1.ravel()[:6]} vs {v2.ravel()[:6]}"
            except (TypeError, ValueError) as exc:
                return f"uncomparable values ({exc})"
        return None
    if kind == "seq":
        if len(a[2]) != len(b[2]):
            return f"length {len(a[2])} vs {len(b[2])}"
        for i, (x, y) in enumerate(zip(a[2], b[2])):
            why = _same(x, y, name)
            if why:
                return f"[{i}] {why}"
        return None
    if kind == "py":
        x, y = a[1], b[1]
        if isinstance(x, float) and isinstance(y, float) and (x == y or (math.isnan(x) and math.isnan(y))):
            return None
        return None if x == y and type(x) is type(y) else f"python {x!r} vs {y!r}"
    return None if a == b else f"{a} vs {b}"


def compare(ref_path, got_path, only=None):
    """Print the cases where minidl's records differ from PyTorch's."""
    with open(ref_path, "rb") as f:
        ref = pickle.load(f)
    with open(got_path, "rb") as f:
        got = pickle.load(f)
    bad = 0
    for name, (r, rg) in ref.items():
        if only and only not in name:
            continue
        g, gg = got.get(name, (("missing",), None))
        why = _same(r, g, name)
        if why is None and rg is not None:
            why = "grad " + (_same(rg, gg, name) or "") if gg is not None else "grad missing"
            why = None if why == "grad " else why
        elif why is None and gg is not None and rg is None:
            why = None   # minidl differentiates where PyTorch does not (reported by requires_grad instead)
        if why:
            bad += 1
            print(f"{name}: {why}")
    print(f"{bad} of {len(ref)} cases differ")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--only" else None)
    else:
        compare(sys.argv[2], sys.argv[3], sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--only" else None)
