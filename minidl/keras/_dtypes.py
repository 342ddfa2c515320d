"""Keras 3's dtype helpers (``keras.backend.standardize_dtype``, ``result_type``, ``is_float_dtype``,
``is_int_dtype``): dtype names as Keras spells them and its (JAX-style) type-promotion lattice."""
from __future__ import annotations

from minidl.keras import _settings

__all__ = ["ALLOWED_DTYPES", "standardize_dtype", "result_type", "is_float_dtype", "is_int_dtype"]

ALLOWED_DTYPES = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16",
                  "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn", "float8_e5m2",
                  "complex64", "complex128")
_PYTHON = {bool: "bool", int: "int32", float: "float32", str: "string", "int": "int32", complex: "complex64"}

# Each dtype's immediate successors on JAX's promotion lattice, which Keras 3 adopts; "int"/"float"
# are the weak types of Python scalars.
_LATTICE = {"bool": ["int"], "int": ["uint8", "int8"], "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"],
            "uint32": ["int64", "uint64"], "uint64": ["float"], "int8": ["int16"], "int16": ["int32"],
            "int32": ["int64"], "int64": ["float"], "float": ["bfloat16", "float16", "complex"],
            "bfloat16": ["float32"], "float16": ["float32"], "float32": ["float64", "complex64"],
            "float64": ["complex128"], "complex": ["complex64"], "complex64": ["complex128"], "complex128": []}
_BIT64_TO_BIT32 = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def standardize_dtype(dtype) -> str:
    """Keras' name of ``dtype`` (a string, NumPy/minidl dtype or Python type); None: ``floatx()``.

    >>> standardize_dtype(float), standardize_dtype("int64")
    ('float32', 'int64')
    """
    if dtype is None:
        return _settings.floatx()
    try:
        dtype = _PYTHON.get(dtype, dtype)
    except TypeError:  # an unhashable dtype object
        pass
    if hasattr(dtype, "name") and isinstance(dtype.name, str):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    elif not isinstance(dtype, str):
        dtype = str(dtype)
    dtype = dtype.rsplit(".", 1)[-1]  # minidl.float32 -> float32
    if dtype == "str":
        dtype = "string"
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype


def is_float_dtype(dtype) -> bool:
    """Whether ``dtype`` is a float type (float16/32/64, bfloat16, float8)."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    """Whether ``dtype`` is a signed or unsigned integer type."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


def _upper_sets():
    """Every lattice node's set of nodes at or above it."""
    cache = {}

    def above(node):
        if node not in cache:
            found = {node}
            for nxt in _LATTICE[node]:
                found |= above(nxt)
            cache[node] = found
        return cache[node]
    return {node: above(node) for node in _LATTICE}


_UPPER = _upper_sets()


def _node(x):
    """A lattice node for ``x``: the Python types ``int``/``float`` are weak ("int"/"float")."""
    if x in (int, float, complex) and isinstance(x, type):
        return x.__name__
    if hasattr(x, "dtype") and not isinstance(x, type):
        x = x.dtype
    return standardize_dtype(x)


def result_type(*dtypes) -> str:
    """The dtype Keras promotes ``dtypes`` (dtypes or arrays) to: the least upper bound on JAX's
    lattice (``int32`` with ``float16`` gives ``float16``); the weak Python types ``int``/``float``
    alone become ``int32``/``floatx()``; no arguments give ``floatx()``.

    >>> result_type("int32", "float16"), result_type("uint8", "int8")
    ('float16', 'int16')
    """
    if not dtypes:
        return _settings.floatx()
    nodes = [_node(d) for d in dtypes]
    if any(n not in _LATTICE for n in nodes):
        bad = next(n for n in nodes if n not in _LATTICE)
        raise ValueError(f"result_type: no promotion rule for dtype {bad!r}")
    common = set.intersection(*(_UPPER[n] for n in nodes))
    lowest = [n for n in common if common <= _UPPER[n]]
    out = lowest[0]
    out = {"int": "int32", "float": _settings.floatx(), "complex": "complex64"}.get(out, out)
    return _BIT64_TO_BIT32.get(out, out)  # Keras (outside TensorFlow) promotes to 32-bit types, as JAX
