"""``minidl.testing.assert_close``: PyTorch's closeness check for tensors, arrays, numbers and their containers.

The comparison walks ``actual`` and ``expected`` together: sequences item by
item, mappings key by key, then each leaf pair by kind (``None``, bools,
numbers, tensor-likes). The first mismatch raises an ``AssertionError``
whose text is PyTorch's (mismatch counts, greatest absolute and relative
difference with their index, the tolerances), so a test written against
``torch.testing`` reads the same here.
"""
from __future__ import annotations

import cmath
import collections.abc

import numpy as np

from minidl.dtypes import is_float_or_complex

from .. import backend
from ..dtypes import default_float, promote_types
from ..tensor import Tensor

__all__ = ["assert_close"]

# {NumPy dtype: (rtol, atol)}: PyTorch's default tolerances; other dtypes compare exactly.
_DTYPE_PRECISIONS = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}
_NUMBER_DTYPES = {int: np.dtype(np.int64), float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


class _Mismatch(Exception):
    """One failed comparison: the exception type to raise, its message and the item path where it happened."""

    def __init__(self, error_type, message, path=()):
        super().__init__(message)
        self.error_type, self.message, self.path = error_type, message, path

    def to_error(self, msg=None):
        if isinstance(msg, str):
            return self.error_type(msg)
        text = self.message
        if self.path:
            text += "\n\nThe failure occurred for item " + "".join(str([item]) for item in self.path)
        return self.error_type(msg(text) if callable(msg) else text)


class _Unsupported(Exception):
    """This leaf kind cannot handle the inputs; the next kind is tried."""


def _tolerances(*np_dtypes, rtol, atol, path):
    """``(rtol, atol)``: the given pair, or the loosest defaults of ``np_dtypes``."""
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise _Mismatch(ValueError, f"Both 'rtol' and 'atol' must be either specified or omitted, "
                                    f"but got no {missing}.", path)
    if rtol is not None:
        return float(rtol), float(atol)
    pairs = [_DTYPE_PRECISIONS.get(np.dtype(d), (0.0, 0.0)) for d in np_dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _mismatch_text(identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    """PyTorch's message: header, ``extra``, then the absolute and relative differences."""
    equality = rtol == 0 and atol == 0

    def line(kind, diff, idx, tol):
        text = f"{kind.title()} difference: {diff}" if idx is None else \
            f"Greatest {kind} difference: {diff} at index {idx}"
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    text = f"{identifier} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        text += extra.strip() + "\n"
    text += line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)
    return text.strip()


def _scalar_text(actual, expected, rtol, atol):
    """The message for two numbers (or 0-d tensors) that differ."""
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_text("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol,
                          rel_diff, None, rtol)


def _compare_none(actual, expected, path, **options):
    if actual is not None and expected is not None:
        raise _Unsupported
    if not (actual is None and expected is None):
        raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", path)


def _compare_bool(actual, expected, path, **options):
    kinds = (bool, np.bool_)
    if not (isinstance(actual, kinds) and isinstance(expected, kinds)):
        raise _Unsupported
    actual, expected = bool(actual), bool(expected)
    if actual is not expected:
        raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}", path)


def _to_number(value):
    return value.item() if isinstance(value, np.number) else value


def _compare_number(actual, expected, path, *, rtol, atol, equal_nan, check_dtype, **options):
    kinds = (int, float, complex, np.number)
    if not (isinstance(actual, kinds) and isinstance(expected, kinds)) or isinstance(actual, bool) or \
            isinstance(expected, bool):
        raise _Unsupported
    actual, expected = _to_number(actual), _to_number(expected)
    rtol, atol = _tolerances(*(_NUMBER_DTYPES[type(v)] for v in (actual, expected)), rtol=rtol, atol=atol,
                             path=path)
    if check_dtype and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.", path)
    if actual == expected or (equal_nan and cmath.isnan(actual) and cmath.isnan(expected)):
        return
    abs_diff = abs(actual - expected)
    if cmath.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
        return
    raise _Mismatch(AssertionError, _scalar_text(actual, expected, rtol, atol), path)


def _as_tensor_like(value):
    if isinstance(value, Tensor):
        return value
    try:
        from ..tensor import as_tensor
        return as_tensor(value)
    except Exception:
        raise _Unsupported from None


def _unravel(flat_index, shape):
    return tuple(int(i) for i in np.unravel_index(int(flat_index), shape)) if shape else ()


def _tensor_text(actual, expected, matches, rtol, atol):
    """The message for two same-shaped arrays that differ at the False entries of ``matches``."""
    total, mismatched = matches.size, int(matches.size - matches.sum())
    extra = f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})"
    a, e, m = actual.reshape(-1), expected.reshape(-1), matches.reshape(-1)
    if not is_float_or_complex(a.dtype):
        a, e = a.astype(np.int64), e.astype(np.int64)
    abs_diff = np.abs(a - e)
    abs_diff[m] = 0
    abs_at = int(np.argmax(abs_diff))  # the first NaN when there is one, as torch.max
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_diff = abs_diff / np.abs(e)
    if not is_float_or_complex(a.dtype):  # PyTorch divides integers in the default float dtype
        rel_diff = rel_diff.astype(default_float())
    rel_diff[m] = 0
    rel_at = int(np.argmax(rel_diff))
    return _mismatch_text("Tensor-likes", extra, abs_diff[abs_at].item(), _unravel(abs_at, matches.shape), atol,
                          rel_diff[rel_at].item(), _unravel(rel_at, matches.shape), rtol)


def _compare_tensor(actual, expected, path, *, allow_subclasses, rtol, atol, equal_nan, check_device, check_dtype,
                    check_stride, **options):
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    if not related or (not allow_subclasses and type(actual) is not type(expected)):
        raise _Unsupported
    if not isinstance(actual, (Tensor, np.ndarray)) and not backend.is_device_array(actual):
        raise _Unsupported
    actual, expected = _as_tensor_like(actual), _as_tensor_like(expected)
    rtol, atol = _tolerances(actual.array.dtype, expected.array.dtype, rtol=rtol, atol=atol, path=path)

    def differ(attribute, a, b):
        raise _Mismatch(AssertionError, f"The values for attribute '{attribute}' do not match: {a} != {b}.", path)

    if tuple(actual.shape) != tuple(expected.shape):
        differ("shape", repr(actual.shape), repr(expected.shape))
    if check_stride and actual.stride() != expected.stride():
        differ("stride()", actual.stride(), expected.stride())
    if check_device and actual.device != expected.device:
        differ("device", actual.device, expected.device)
    if check_dtype and actual.dtype != expected.dtype:
        differ("dtype", actual.dtype, expected.dtype)
    a, e = backend.to_numpy(actual.array), backend.to_numpy(expected.array)
    if a.dtype != e.dtype:
        common = promote_types(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    if is_float_or_complex(a.dtype):
        with np.errstate(invalid="ignore", over="ignore"):
            matches = np.asarray(np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan))
    else:  # integers and bools: exact unless tolerances were given
        matches = np.asarray(a == e) if not (rtol or atol) else \
            np.asarray(np.abs(a.astype(np.float64) - e) <= atol + rtol * np.abs(e.astype(np.float64)))
    if matches.all():
        return
    if a.ndim == 0:
        raise _Mismatch(AssertionError, _scalar_text(a.item(), e.item(), rtol, atol), path)
    raise _Mismatch(AssertionError, _tensor_text(a, e, matches, rtol, atol), path)


_LEAF_KINDS = (_compare_none, _compare_bool, _compare_number, _compare_tensor)


def _is_sequence(value):
    return isinstance(value, collections.abc.Sequence) and not isinstance(value, str)


def _walk(actual, expected, path, options):
    """Compare ``actual`` with ``expected``, recursing into sequences and mappings; raise the first mismatch."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: {len(actual)} != "
                                            f"{len(expected)}", path)
        for index in range(len(actual)):
            _walk(actual[index], expected[index], path + (index,), options)
        return
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        actual_keys, expected_keys = set(actual.keys()), set(expected.keys())
        if actual_keys != expected_keys:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                                            f"Missing keys in the actual mapping: "
                                            f"{sorted(expected_keys - actual_keys)}\n"
                                            f"Additional keys in the actual mapping: "
                                            f"{sorted(actual_keys - expected_keys)}", path)
        try:
            keys = sorted(actual_keys)
        except TypeError:
            keys = list(actual_keys)
        for key in keys:
            _walk(actual[key], expected[key], path + (key,), options)
        return
    for compare in _LEAF_KINDS:
        try:
            compare(actual, expected, path, **options)
            return
        except _Unsupported:
            continue
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} "
                               f"and {type(expected)}.", path)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Assert that ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``.

    Tensors (and NumPy arrays) pass when ``|actual - expected| <= atol + rtol * |expected|``
    everywhere (NaNs equal only with ``equal_nan``), after their shapes
    match, and (unless switched off) their devices (``check_device``),
    dtypes (``check_dtype``) and strides (``check_stride``, off by default).
    Without ``rtol``/``atol`` (give both or neither) the defaults follow the
    dtype: float16 (1e-3, 1e-5), float32 (1.3e-6, 1e-5), float64 (1e-7, 1e-7),
    complex64/128 as float32/64, anything else exact; Python floats as float64
    and ints exactly. Sequences and mappings are compared item by item.
    ``check_layout`` is accepted (minidl tensors are all strided).

    Raises:
        AssertionError: the values (or an attribute) differ; the message gives the number of
            mismatched elements and the greatest absolute and relative differences with their
            index, or is ``msg`` (a string, or a callable given the generated message).
        TypeError: the inputs are of kinds that cannot be compared (a Tensor with a list, say).
        ValueError: only one of ``rtol`` and ``atol`` was given.

    >>> import minidl as mdl
    >>> from minidl.testing import assert_close
    >>> assert_close(mdl.tensor([1.0, 2.0]), mdl.tensor([1.0, 2.0 + 1e-7]))
    >>> assert_close(mdl.tensor([1.0, 2.0]), mdl.tensor([1.0, 2.5]))
    Traceback (most recent call last):
    ...
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 2 (50.0%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
    """
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype, check_stride=check_stride)
    try:
        _walk(actual, expected, (), options)
    except _Mismatch as mismatch:
        raise mismatch.to_error(msg) from None

