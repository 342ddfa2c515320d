"""PyTorch's CPU random algorithms on NumPy's MT19937, so one seed gives PyTorch's numbers.

``torch.manual_seed(s)`` starts a 32-bit Mersenne Twister from ``s`` (the
reference ``init_genrand`` on the low 32 bits) and every CPU sampling kernel
turns its raw 32-bit words into values in a fixed way. minidl's generators are
``numpy.random.Generator`` objects over :class:`TorchMT19937` (NumPy's MT19937
with PyTorch's seeding), and the functions here apply PyTorch's
transformations to the raw words, so after ``minidl.manual_seed(s)``:

- ``rand``, ``uniform_``, the ``nn.init`` uniform initialisers, ``randint``,
  ``random_``, ``randperm``, ``bernoulli`` and dropout's masks give exactly
  PyTorch's values;
- ``randn`` / ``normal_`` give PyTorch's values too: float64 ones as its scalar
  kernel computes them, float32 ones (16 or more contiguous values) as its x86
  AVX2 kernel does, single-precision Cephes log/sin/cos with fused
  multiply-adds (:mod:`minidl._box_muller_f32`); fewer than 16 float32 values
  come from float64 Box-Muller pairs, as in PyTorch.

The transformations (``aten/src/ATen/core/TransformationHelper.h`` and the CPU
distribution kernels), for raw words ``w`` (32-bit) and ``w64 = w1 << 32 | w2``:

- uniform on [a, b) of a float type with ``d`` mantissa digits (float64: 53,
  from ``w64``; float32: 24, float16: 11, bfloat16: 8, from ``w``):
  ``(w & (2**d - 1)) * 2**-d * (b - a) + a``;
- integers in [low, high): ``w % (high - low) + low`` (``w64`` when the range is
  2**32 or more);
- normal, 16 or more contiguous values: fill with uniforms ``u``, then per block
  of 16, Box-Muller on pairs (j, j + 8): ``r = sqrt(-2 log(1 - u_j))``,
  ``theta = 2 pi u_{j+8}``, giving ``r cos(theta)`` and ``r sin(theta)``; a tail
  that is not a multiple of 16 redraws the last 16 values;
- normal, fewer values: one float64 Box-Muller pair per two draws, the second
  value cached in the generator for the next call;
- permutation of n: Fisher-Yates from the front, ``swap(i, i + w % (n - i))``.
"""
from __future__ import annotations

import json
import math

import numpy as np

__all__ = ["TorchMT19937", "DEFAULT_SEED", "seeded", "raw32", "raw64", "uniform", "normal", "integers",
           "full_range", "permutation", "bernoulli", "unit", "standard_normal", "state_bytes", "from_state_bytes"]

#: the seed of a new ``torch.Generator()`` (``default_rng_seed_val`` in c10)
DEFAULT_SEED = 67280421310721

# PyTorch 2.13's CPU kernels draw float16 and bfloat16 uniforms as float32 ones (24 bits of one 32-bit word), then round
_DIGITS = {np.dtype(np.float64): 53, np.dtype(np.float32): 24}
# std::numeric_limits<T>::digits, which bounds random_() on a float type
_MANTISSA_DIGITS = {**_DIGITS, np.dtype(np.float16): 11}


class TorchMT19937(np.random.MT19937):
    """NumPy's MT19937 seeded as PyTorch seeds its CPU generator, plus PyTorch's cached normal sample.

    ``normal_cache`` holds the second value of the last float64 Box-Muller pair (None when spent), as
    ``CPUGeneratorImpl::next_double_normal_sample`` does.
    """

    def __init__(self, seed: int = DEFAULT_SEED):
        super().__init__()
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Restart from ``seed``: the reference ``init_genrand`` on its low 32 bits; clears the normal cache."""
        key = np.empty(624, dtype=np.uint32)
        value = int(seed) & 0xFFFFFFFF
        key[0] = value
        for j in range(1, 624):
            value = (1812433253 * (value ^ (value >> 30)) + j) & 0xFFFFFFFF
            key[j] = value
        self.state = {"bit_generator": type(self).__name__, "state": {"key": key, "pos": 624}}
        self.normal_cache = None


def seeded(seed: int = DEFAULT_SEED) -> np.random.Generator:
    """A NumPy Generator on a :class:`TorchMT19937` started from ``seed``."""
    return np.random.Generator(TorchMT19937(seed))


def raw32(gen: np.random.Generator, n: int) -> np.ndarray:
    """``n`` raw 32-bit words (as uint64) from ``gen``; a non-MT19937 generator gives the top 32 bits of
    its 64-bit words, so every algorithm here also runs (with other numbers) on any NumPy Generator."""
    bits = gen.bit_generator
    words = bits.random_raw(int(n)) if n else np.zeros(0, dtype=np.uint64)
    if not isinstance(bits, np.random.MT19937):
        words = words >> np.uint64(32)
    return np.asarray(words, dtype=np.uint64)


def raw64(gen: np.random.Generator, n: int) -> np.ndarray:
    """``n`` 64-bit words, each two 32-bit words ``first << 32 | second`` (``CPUGeneratorImpl::random64``)."""
    words = raw32(gen, 2 * int(n))
    return (words[0::2] << np.uint64(32)) | words[1::2]


def unit(gen: np.random.Generator, n: int, dtype) -> np.ndarray:
    """``n`` uniform values on [0, 1) with PyTorch's bits for ``dtype`` (53 for float64, 24 for the others), in
    float64 (exact)."""
    digits = _DIGITS.get(np.dtype(dtype), 24)
    words = raw64(gen, n) if digits == 53 else raw32(gen, n)
    return (words & np.uint64((1 << digits) - 1)).astype(np.float64) * (2.0 ** -digits)


def _acc_dtype(dtype):
    """The type PyTorch computes a sample of ``dtype`` in (``dist_acctype``): float64 for float64, else float32."""
    return np.dtype(np.float64) if np.dtype(dtype) == np.float64 else np.dtype(np.float32)


def uniform(gen: np.random.Generator, shape, dtype=np.float32, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """Samples of U(low, high) of ``dtype`` and ``shape``, as ``Tensor.uniform_`` draws them."""
    n = int(np.prod(shape, dtype=np.int64))
    acc = _acc_dtype(dtype)
    lo, hi = acc.type(low), acc.type(high)
    u = unit(gen, n, dtype)
    # x * (to - from) + from: PyTorch's compiled kernel fuses it (one rounding): float64 arithmetic is exact
    # enough for the 24-bit types, float64 itself needs the fused multiply-add emulated
    if acc == np.float64:
        values = _fused_multiply_add(u, float(hi - lo), float(lo))
    else:
        values = (u * float(acc.type(hi - lo)) + float(lo)).astype(acc)
    values = values.astype(dtype)
    # a value that rounds up to `high` becomes `low`, keeping [low, high) (PyTorch's kernel, every dtype)
    top, bottom = np.asarray(high).astype(dtype), np.asarray(low).astype(dtype)
    values[values == top] = bottom
    return values.reshape(shape)


def _fused_multiply_add(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """``a * b + c`` with one rounding (an FMA), for float64 ``a`` and finite products: the product's
    rounding error by Dekker's split, the sum's by Knuth's two-sum, both added back before the last rounding."""
    with np.errstate(over="ignore", invalid="ignore"):
        p = a * b
        split = 134217729.0   # 2**27 + 1
        ta, tb = split * a, split * b
        ah = ta - (ta - a)
        bh = tb - (tb - b)
        al, bl = a - ah, b - bh
        product_error = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        s = p + c
        bb = s - p
        sum_error = (p - (s - bb)) + (c - bb)
        fused = s + (sum_error + product_error)
    return np.where(np.isfinite(fused), fused, p + c)


def _box_muller_blocks(u: np.ndarray, dtype) -> np.ndarray:
    """PyTorch's ``normal_fill_16`` on consecutive blocks of 16 uniforms: for float32 its x86 kernel's
    single-precision arithmetic (:mod:`minidl._box_muller_f32`), for half precision its scalar kernel's float
    math, else float64 math (as its scalar kernel)."""
    if np.dtype(dtype) == np.float32:
        from ._box_muller_f32 import box_muller_blocks
        return box_muller_blocks(u).astype(np.float64)
    if np.dtype(dtype).itemsize == 2:   # float16/bfloat16: the scalar kernel's float (single-precision) math
        blocks = u.reshape(-1, 16).astype(np.float32)
        with np.errstate(divide="ignore"):
            radius = np.sqrt(np.float32(-2.0) * np.log(np.float32(1.0) - blocks[:, :8]))
        theta = np.float32(2.0 * np.pi) * blocks[:, 8:]
        return np.concatenate([radius * np.cos(theta), radius * np.sin(theta)], axis=1).astype(np.float64).reshape(-1)
    blocks = u.reshape(-1, 16)
    radius = np.sqrt(-2.0 * np.log(1.0 - blocks[:, :8]))
    theta = 2.0 * np.pi * blocks[:, 8:]
    return np.concatenate([radius * np.cos(theta), radius * np.sin(theta)], axis=1).reshape(-1)


_NORMAL_CHUNK = 1 << 20   # values per chunk of a large normal draw (a multiple of 16)


def _normal_chunks(gen: np.random.Generator, n: int, dtype):
    """PyTorch's vectorised normals for ``n`` >= 16 contiguous values, as ``(start, stop, values)`` chunks in
    order (float64 values). Chunks hold whole 16-blocks and draw the same words in the same order as one large
    draw would: a 100M-value draw (VGG's first Linear) would otherwise hold gigabytes of temporaries. The last
    chunk, for ``n`` not a multiple of 16, is PyTorch's redrawn final block, overwriting the last 16 values."""
    full = n // 16 * 16
    for start in range(0, full, _NORMAL_CHUNK):
        stop = min(start + _NORMAL_CHUNK, full)
        u = unit(gen, stop - start, dtype).astype(_acc_dtype(dtype)).astype(np.float64)
        yield start, stop, _box_muller_blocks(u, dtype)
    if n % 16:
        if np.dtype(dtype).itemsize >= 4:   # float32/float64: PyTorch draws these too, then overwrites them;
            unit(gen, n - full, dtype)      # float16/bfloat16 skip them (read off PyTorch 2.13)
        tail = unit(gen, 16, dtype).astype(_acc_dtype(dtype)).astype(np.float64)
        yield n - 16, n, _box_muller_blocks(tail, dtype)


def standard_normal(gen: np.random.Generator, n: int, dtype=np.float32, contiguous: bool = True) -> np.ndarray:
    """``n`` standard-normal values (float64) in PyTorch's order for a tensor of ``dtype``."""
    if n >= 16 and contiguous:
        out = np.empty(n)
        for start, stop, values in _normal_chunks(gen, n, dtype):
            out[start:stop] = values
        return out
    bits = gen.bit_generator
    out = np.empty(n)
    for i in range(n):
        cached = getattr(bits, "normal_cache", None)
        if cached is not None:
            bits.normal_cache = None
            out[i] = cached
            continue
        u1, u2 = (float(u) for u in unit(gen, 2, np.float64))
        # the C library's scalar math (Python's math module), as PyTorch's scalar kernel calls it:
        # NumPy's vectorised sin/cos/log1p may differ in the last bit
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        if isinstance(bits, TorchMT19937):
            bits.normal_cache = radius * math.sin(theta)
        out[i] = radius * math.cos(theta)
    return out


def normal(gen: np.random.Generator, shape, dtype=np.float32, mean: float = 0.0, std: float = 1.0,
           contiguous: bool = True) -> np.ndarray:
    """Samples of N(mean, std**2) of ``dtype`` and ``shape``, as ``Tensor.normal_`` draws them."""
    n = int(np.prod(shape, dtype=np.int64))
    if n >= 16 and contiguous:
        acc = _acc_dtype(dtype)
        out = np.empty(n, dtype=dtype)
        for start, stop, z in _normal_chunks(gen, n, dtype):
            out[start:stop] = (z.astype(acc).astype(np.float64) * float(acc.type(std))
                               + float(acc.type(mean))).astype(acc)
        return out.reshape(shape)
    values = standard_normal(gen, n, dtype, contiguous) * float(std) + float(mean)
    return values.astype(dtype).reshape(shape)


def integers(gen: np.random.Generator, shape, low: int, high: int, dtype=np.int64) -> np.ndarray:
    """Integers uniform in [low, high) (``randint``, ``random_(from, to)``)."""
    n = int(np.prod(shape, dtype=np.int64))
    span = int(high) - int(low)
    words = raw64(gen, n) if span >= 2 ** 32 else raw32(gen, n)
    values = (words % np.uint64(span)).astype(object if span >= 2 ** 63 else np.int64) + int(low)
    return np.asarray(values).astype(dtype).reshape(shape)


def full_range(gen: np.random.Generator, shape, dtype) -> np.ndarray:
    """``random_()`` without bounds: [0, 2**digits] for floats, [0, max] for integers, {0, 1} for bool."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    if dtype == np.bool_:
        return (raw32(gen, n) & np.uint64(1)).astype(bool).reshape(shape)
    wide = dtype in (np.dtype(np.float64), np.dtype(np.int64))
    words = raw64(gen, n) if wide else raw32(gen, n)
    if dtype.kind in "iu":
        return (words % np.uint64(int(np.iinfo(dtype).max) + 1)).astype(dtype).reshape(shape)
    modulus = (1 << _MANTISSA_DIGITS.get(dtype, 8)) + 1   # bfloat16 (ml_dtypes, kind "V"): 8
    return (words % np.uint64(modulus)).astype(np.float64).astype(dtype).reshape(shape)


def permutation(gen: np.random.Generator, n: int) -> np.ndarray:
    """A permutation of 0..n-1 as ``torch.randperm`` makes it (int64)."""
    n = int(n)
    if n <= 1:
        return np.arange(n, dtype=np.int64)
    picks = (raw32(gen, n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
    from . import config
    if config.cpu_kernels == "numba":
        from .kernels import mt_stream  # the same swaps, compiled
        return mt_stream.fisher_yates(picks)
    order = list(range(n))
    for i, z in enumerate(picks.tolist()):
        j = i + z
        order[i], order[j] = order[j], order[i]
    return np.asarray(order, dtype=np.int64)


def bernoulli(gen: np.random.Generator, probs, shape=None, dtype=np.float64) -> np.ndarray:
    """True where a uniform draw of ``dtype``'s precision is below ``probs`` (a number or an array broadcast
    to ``shape``), as ``bernoulli_(p)`` (``dtype`` float64 for a number ``p``, which dropout's masks use) and
    ``torch.bernoulli`` (the precision of the probabilities' dtype)."""
    probs = np.asarray(probs)
    shape = probs.shape if shape is None else tuple(shape)
    n = int(np.prod(shape, dtype=np.int64))
    if probs.ndim == 0 and np.dtype(dtype) == np.float64:
        # u = m 2**-53 < p  <=>  m < ceil(p 2**53): one integer comparison per draw, no float conversion
        threshold = min(math.ceil(float(probs) * 2.0 ** 53), 2 ** 53)
        from . import config
        if isinstance(gen.bit_generator, np.random.MT19937) and config.cpu_kernels == "numba":
            from .kernels import mt_stream  # the same flags in one pass over the state (no word arrays)
            return mt_stream.bernoulli53(gen.bit_generator, n, threshold).reshape(shape)
        return ((raw64(gen, n) & np.uint64((1 << 53) - 1)) < np.uint64(threshold)).reshape(shape)
    u = unit(gen, n, dtype).reshape(shape)
    if np.dtype(dtype) != np.float64:
        return u.astype(np.float32) < np.broadcast_to(probs, shape).astype(np.float32)
    return u < np.broadcast_to(probs, shape)


def state_bytes(gen: np.random.Generator) -> bytes:
    """``gen``'s state as bytes: JSON of its bit generator's state and PyTorch's cached normal sample."""
    state = dict(gen.bit_generator.state)
    inner = dict(state["state"])
    if isinstance(inner.get("key"), np.ndarray):
        inner["key"] = inner["key"].tolist()
    state["state"] = inner
    state["normal_cache"] = getattr(gen.bit_generator, "normal_cache", None)
    return json.dumps(state).encode("ascii")


def from_state_bytes(state: bytes) -> np.random.Generator:
    """A Generator in the state :func:`state_bytes` saved (RuntimeError for anything else)."""
    try:
        parsed = json.loads(bytes(state).decode("ascii"))
        cache = parsed.pop("normal_cache", None)
        if parsed["bit_generator"] in ("MT19937", "TorchMT19937"):
            bits = TorchMT19937()
            inner = dict(parsed["state"])
            inner["key"] = np.asarray(inner["key"], dtype=np.uint32)
            bits.state = {"bit_generator": "TorchMT19937", "state": inner}
            bits.normal_cache = cache
            return np.random.Generator(bits)
        generator = np.random.Generator(getattr(np.random, parsed["bit_generator"])())
        generator.bit_generator.state = parsed
        return generator
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RuntimeError(f"set_rng_state: not a state made by get_rng_state ({exc})") from None
