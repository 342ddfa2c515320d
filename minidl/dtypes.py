"""Element types (``minidl.float32``, ``minidl.long``, ...) and PyTorch's type promotion.

A :class:`dtype` wraps a NumPy dtype: it compares equal (and hashes equal) to
that NumPy dtype, to its NumPy scalar type and to its name, and NumPy and
CuPy accept it wherever they take a dtype (through its ``.dtype``
attribute). ``Tensor.dtype`` returns these objects, so
``x.dtype == minidl.float32``, ``x.dtype == np.float32`` and
``x.dtype is minidl.float`` all hold for a float32 tensor.

:func:`result_type` applies PyTorch's promotion rules, which differ from
NumPy's: a Python float combined with an integer tensor gives the default
float dtype (float32 unless :func:`set_default_dtype` changed it; NumPy gives
float64), and a 0-d tensor only changes the result's dtype when it is of a
higher category (bool < integer < floating) than the dimensioned operands
(``float32_vector * float64_scalar_tensor`` stays float32).
"""
from __future__ import annotations

import builtins
import numbers

import ml_dtypes
import numpy as np

__all__ = ["dtype", "bfloat16", "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
           "half", "float", "double", "short", "int", "long", "get_default_dtype", "set_default_dtype",
           "default_float", "as_dtype", "to_numpy_dtype", "is_floating", "is_float_or_complex", "BFLOAT16",
           "result_type", "promote_types", "complex64", "complex128", "cfloat", "cdouble", "is_complex_dtype"]


class dtype:
    """A tensor element type, e.g. ``minidl.float32``; equal to the matching NumPy dtype.

    Attributes as PyTorch's: ``is_floating_point``, ``is_complex``,
    ``is_signed``, ``itemsize``. ``numpy_dtype`` (also ``.dtype``, which is
    what lets NumPy accept this object) is the NumPy dtype.

    >>> import minidl as mdl, numpy as np
    >>> mdl.float32 == np.float32, mdl.float is mdl.float32, mdl.tensor([1, 2]).dtype
    (True, True, minidl.int64)
    """

    __slots__ = ("dtype", "name")

    def __init__(self, numpy_dtype, name):
        self.dtype = np.dtype(numpy_dtype)
        self.name = name

    @property
    def numpy_dtype(self):
        """The NumPy dtype this type stands for."""
        return self.dtype

    @property
    def is_floating_point(self):
        """True for bfloat16 and float16/32/64."""
        return is_floating(self.dtype)

    @property
    def is_complex(self):
        """True for complex64 and complex128."""
        return self.dtype.kind == "c"

    def to_real(self):
        """The real type of a complex type (complex64 -> float32); other types are returned as they are."""
        if self.dtype.kind != "c":
            return self
        return as_dtype(np.float32 if self.dtype == np.complex64 else np.float64)

    def to_complex(self):
        """The complex type of a floating type (float32 -> complex64, float64 -> complex128; complex stays).

        float16 and bfloat16 would be PyTorch's complex32, which NumPy has no type for: ``RuntimeError``."""
        kind = self.dtype.kind
        if kind == "c":
            return self
        if self.dtype == np.float32:
            return complex64
        if self.dtype == np.float64:
            return complex128
        if self.dtype == np.float16 or self.dtype == BFLOAT16:
            raise RuntimeError(f"to_complex: {self} would give complex32, which minidl does not support "
                               "(NumPy has no complex32); use float32 and complex64")
        raise RuntimeError(f"to_complex is only supported for floating point types, got {self}")

    @property
    def is_signed(self):
        """True for the signed integer and floating types."""
        return self.dtype.kind in "fic" or self.dtype == BFLOAT16

    @property
    def itemsize(self):
        """Bytes per element."""
        return self.dtype.itemsize

    def __getattr__(self, attr):
        # NumPy dtype attributes (kind, type, char, ...) for code written against NumPy
        return getattr(object.__getattribute__(self, "dtype"), attr)

    def __eq__(self, other):
        if isinstance(other, dtype):
            return other.dtype == self.dtype
        if other is None:
            return False
        try:
            return np.dtype(other) == self.dtype
        except (TypeError, ValueError):
            return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"minidl.{self.name}"

    __str__ = __repr__

    def __reduce__(self):
        return (as_dtype, (self.dtype.name,))


# bfloat16 is ml_dtypes' NumPy dtype (its kind is "V", not "f": test floating types with is_floating)
BFLOAT16 = np.dtype(ml_dtypes.bfloat16)


def is_floating(np_dtype) -> builtins.bool:
    """True for a floating NumPy dtype: float16/32/64 and bfloat16."""
    return np_dtype.kind == "f" or np_dtype == BFLOAT16


def is_complex_dtype(np_dtype) -> builtins.bool:
    """True for a complex NumPy dtype (complex64/complex128)."""
    return np_dtype.kind == "c"


def is_float_or_complex(np_dtype) -> builtins.bool:
    """True for a floating (bfloat16 included) or complex NumPy dtype: those that can require grad."""
    return np_dtype.kind in "fc" or np_dtype == BFLOAT16


bfloat16 = dtype(BFLOAT16, "bfloat16")
float16 = dtype(np.float16, "float16")
float32 = dtype(np.float32, "float32")
float64 = dtype(np.float64, "float64")
int8 = dtype(np.int8, "int8")
int16 = dtype(np.int16, "int16")
int32 = dtype(np.int32, "int32")
int64 = dtype(np.int64, "int64")
uint8 = dtype(np.uint8, "uint8")
bool = dtype(np.bool_, "bool")
complex64 = dtype(np.complex64, "complex64")
complex128 = dtype(np.complex128, "complex128")
half, float, double = float16, float32, float64
cfloat, cdouble = complex64, complex128
short, int, long = int16, int32, int64

_BY_NUMPY = {t.dtype: t for t in (bfloat16, float16, float32, float64, int8, int16, int32, int64, uint8, bool,
                                  complex64, complex128)}
_BY_NAME = {"half": half, "float": float, "double": double, "short": short, "int": int, "long": long,
            "cfloat": cfloat, "cdouble": cdouble}


# The one place the default floating dtype lives: every "Python float / float-only op / creation
# function without dtype=" path reads it through default_float() or get_default_dtype().
_default_float = np.dtype(np.float32)
_default_complex = np.dtype(np.complex64)
_DEFAULT_CHOICES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def get_default_dtype():
    """The dtype Python floats, creation functions and new layers' parameters default to (float32 at start).

    >>> import minidl as mdl
    >>> mdl.get_default_dtype()
    minidl.float32
    """
    return _BY_NUMPY[_default_float]


def default_float():
    """The default floating dtype as a NumPy dtype (what :func:`get_default_dtype` names)."""
    return _default_float


def set_default_dtype(d, /):
    """Make ``d`` (``minidl.float32``, ``minidl.float64`` or ``minidl.float16``) the default floating dtype.

    As ``torch.set_default_dtype``: Python floats, ``tensor([1.0])``,
    ``zeros``/``ones``/``rand``/``randn``/``empty``/``full(.., 1.5)``,
    ``arange``/``linspace`` with float arguments, integer-to-float results
    (``int_tensor / 2``, ``int_tensor.sqrt()``) and new layers' parameters
    take this dtype from now on; Python complex numbers take the matching
    complex type. Any other dtype raises ``TypeError``.

    >>> import minidl as mdl
    >>> mdl.set_default_dtype(mdl.float64)
    >>> mdl.tensor([1.5]).dtype, mdl.zeros(2).dtype
    (minidl.float64, minidl.float64)
    >>> mdl.set_default_dtype(mdl.float32)
    """
    global _default_float, _default_complex
    message = "only floating-point types are supported as the default type"
    if isinstance(d, dtype):
        np_dtype = d.dtype
    elif isinstance(d, np.dtype) or (isinstance(d, builtins.type) and issubclass(d, np.generic)):
        np_dtype = np.dtype(d)  # NumPy's spellings, accepted wherever minidl takes a dtype
    else:
        raise TypeError(f"invalid dtype object: {message}")
    if np_dtype not in _DEFAULT_CHOICES:
        raise TypeError(message)
    _default_float = np_dtype
    _default_complex = np.dtype(np.complex128) if np_dtype == np.float64 else np.dtype(np.complex64)


def to_numpy_dtype(value):
    """The NumPy dtype for a minidl dtype, NumPy dtype, scalar type or name; None stays None."""
    if value is None:
        return None
    if isinstance(value, dtype):
        return value.dtype
    if getattr(value, "_is_legacy_tensor_type", False):   # minidl.FloatTensor and the other legacy types
        return value.dtype.dtype
    if isinstance(value, str):
        key = value.split(".")[-1]
        if key in _BY_NAME:
            return _BY_NAME[key].dtype
        value = key
    try:
        return np.dtype(value)
    except TypeError:
        raise TypeError(f"dtype: {value!r} is not a data type; use e.g. minidl.float32 or minidl.long") from None


def as_dtype(value):
    """The minidl :class:`dtype` for a NumPy dtype, scalar type, name or minidl dtype."""
    if isinstance(value, dtype):
        return value
    np_dtype = to_numpy_dtype(value)
    found = _BY_NUMPY.get(np_dtype)
    if found is None:
        found = _BY_NUMPY[np_dtype] = dtype(np_dtype, np_dtype.name)
    return found


def _category(np_dtype):
    """0 bool, 1 integer, 2 floating, 3 complex (PyTorch's promotion categories)."""
    kind = np_dtype.kind
    return 0 if kind == "b" else 2 if kind == "f" or np_dtype == BFLOAT16 else 3 if kind == "c" else 1


def _scalar_dtype(value):
    """The dtype PyTorch gives a Python number: bool, int64 or the default float dtype (complex to match)."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, numbers.Integral):
        return np.dtype(np.int64)
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        return _default_complex
    return _default_float


def promote_types(a, b):
    """PyTorch's ``promote_types`` on NumPy dtypes: across categories the higher category's type wins
    (int64 with float32 gives float32, where NumPy gives float64); within one, NumPy's rule."""
    ca, cb = _category(a), _category(b)
    if ca == 3 or cb == 3:   # complex with floating: the complex type of the wider precision
        return _complex_of(np.promote_types(_real_of(a), _real_of(b)))
    if ca != cb:
        return a if ca > cb else b
    if a == BFLOAT16 or b == BFLOAT16:   # PyTorch: bfloat16 with float16 gives float32
        other = b if a == BFLOAT16 else a
        if other == BFLOAT16:
            return a
        return np.dtype(np.float32) if other == np.float16 else np.promote_types(np.float32, other)
    return np.promote_types(a, b)


def _real_of(np_dtype):
    """float32/float64 for complex64/complex128, float32 for bfloat16 and float16, integer and bool types
    as float32 (their lowest complex partner), floating types as they are."""
    if np_dtype.kind == "c":
        return np.dtype(np.float32) if np_dtype == np.complex64 else np.dtype(np.float64)
    if np_dtype.kind == "f" and np_dtype.itemsize >= 4:
        return np_dtype
    return np.dtype(np.float32)


def _complex_of(real):
    """complex64 for float32 (and narrower), complex128 for float64."""
    return np.dtype(np.complex128) if real == np.float64 else np.dtype(np.complex64)


def _combine(higher, lower):
    """PyTorch's ``combine_categories``: ``lower`` only matters when of a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    category, lower_category = _category(higher), _category(lower)
    if lower_category == 3 and category == 2:   # float tensor with a complex scalar: complex of its precision
        return _complex_of(_real_of(higher))
    if category >= 2:
        return higher
    if category == 0 or lower_category >= 2:
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """The NumPy dtype PyTorch gives an elementwise op on ``operands`` (Tensors, arrays, numbers).

    Dimensioned tensors decide within a category; 0-d tensors and then Python
    numbers only raise the category (a Python float makes an integer result
    float32).

    >>> import minidl as mdl
    >>> from minidl.dtypes import result_type
    >>> result_type(mdl.tensor([1, 2]), 0.5), result_type(mdl.ones(2), mdl.tensor(1.0, dtype=mdl.float64))
    (dtype('float32'), dtype('float32'))
    """
    dims = zeros = wrapped = None
    for item in operands:
        data = getattr(item, "array", None)
        if data is not None and hasattr(data, "dtype") and not isinstance(item, np.generic):
            arr_dtype, ndim = data.dtype, data.ndim
        elif hasattr(item, "dtype") and hasattr(item, "ndim") and not isinstance(item, np.generic):
            arr_dtype, ndim = item.dtype, item.ndim
        else:
            sd = _scalar_dtype(item)
            wrapped = sd if wrapped is None else promote_types(wrapped, sd)
            continue
        if ndim:
            dims = arr_dtype if dims is None else promote_types(dims, arr_dtype)
        else:
            zeros = arr_dtype if zeros is None else promote_types(zeros, arr_dtype)
    return _combine(dims, _combine(zeros, wrapped))
