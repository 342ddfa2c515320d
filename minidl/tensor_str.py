"""How a Tensor prints: PyTorch's layout (``tensor([1.5000, 2.0000])``), 4 decimals, shared width.

The rules are PyTorch's printer's with its default print options: floats
show 4 decimals, or ``2.`` when every value is integral, or scientific
notation when the finite non-zero magnitudes span more than 1000x, exceed
1e8 or (non-integral) go below 1e-4; every element is padded to the widest
finite non-zero one; rows wrap at 80 columns; beyond 1000 elements only the
first and last 3 of each dimension are shown, around ``...``.
:func:`set_printoptions` changes those numbers, as ``torch.set_printoptions``.
"""
from __future__ import annotations

import math

import numpy as np

from .dtypes import is_floating

__all__ = ["format_array", "set_printoptions", "get_printoptions"]

_PROFILES = {"default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
             "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
             "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80}}
_OPTIONS = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set how tensors print, as ``torch.set_printoptions``.

    ``profile`` ("default", "short", "full") resets all four numbers first;
    ``precision`` (decimals), ``threshold`` (elements before summarising),
    ``edgeitems`` (shown per edge when summarising), ``linewidth`` (columns)
    then override it. ``sci_mode`` True/False forces scientific notation on
    or off; None (the default) lets the printer choose.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; use one of {sorted(_PROFILES)}")
        _OPTIONS.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            _OPTIONS[name] = value
    _OPTIONS["sci_mode"] = sci_mode


def get_printoptions() -> dict:
    """The current print options (a copy), as ``torch._tensor_str.get_printoptions``."""
    return dict(_OPTIONS)


def _summarized(array, summarize):
    """The values the printer will show (the edges of each dimension when summarizing)."""
    edge = _OPTIONS["edgeitems"]
    if not summarize or array.ndim == 0:
        return array.ravel()
    if array.shape[0] > 2 * edge:
        parts = [array[:edge], array[-edge:]]
    else:
        parts = [array]
    return np.concatenate([_summarized(row, summarize) for part in parts for row in part]) if array.ndim > 1 else \
        np.concatenate(parts)


class _Formatter:
    """Formats one element as PyTorch does for this whole (summarized) set of values."""

    def __init__(self, values):
        self.floating = np.issubdtype(values.dtype, np.floating)
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        if not self.floating:
            self.max_width = max((len(self._plain(v)) for v in values.tolist()), default=1)
            return
        flat = values.astype(np.float64)
        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite.size == 0:
            return
        magnitudes = np.abs(nonzero_finite)
        vmax, vmin = float(magnitudes.max()), float(magnitudes.min())
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        self.sci_mode = vmax / vmin > 1000.0 or vmax > 1.0e8 or (not self.int_mode and vmin < 1.0e-4)
        if _OPTIONS["sci_mode"] is not None:
            self.sci_mode = bool(_OPTIONS["sci_mode"])
        self.max_width = max(len(self._plain(v)) for v in nonzero_finite.tolist())

    def _plain(self, value):
        if not self.floating:
            return str(value)
        precision = _OPTIONS["precision"]
        if self.sci_mode:
            return f"{value:.{precision}e}"
        if self.int_mode:
            return f"{value:.0f}" + ("" if math.isnan(value) or math.isinf(value) else ".")
        return f"{value:.{precision}f}"

    def format(self, value):
        """``value`` padded on the left to the shared width."""
        return self._plain(value).rjust(self.max_width)


def _vector(array, indent, summarize, formatter):
    per_line = max(1, int(math.floor((_OPTIONS["linewidth"] - indent) / (formatter.max_width + 2))))
    edge = _OPTIONS["edgeitems"]
    if summarize and array.shape[0] > 2 * edge:
        data = ([formatter.format(v) for v in array[:edge].tolist()] + [" ..."]
                + [formatter.format(v) for v in array[-edge:].tolist()])
    else:
        data = [formatter.format(v) for v in array.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(array, indent, summarize, formatter):
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarize, formatter)
    rows = range(array.shape[0])
    edge = _OPTIONS["edgeitems"]
    if summarize and array.shape[0] > 2 * edge:
        parts = ([_nested(array[i], indent + 1, summarize, formatter) for i in rows[:edge]] + ["..."]
                 + [_nested(array[i], indent + 1, summarize, formatter) for i in rows[-edge:]])
    else:
        parts = [_nested(array[i], indent + 1, summarize, formatter) for i in rows]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_array(array, prefix="tensor("):
    """The body of a Tensor's repr for a NumPy ``array``, indented to follow ``prefix``."""
    if array.size == 0:
        return "[]"
    if is_floating(array.dtype) and array.dtype.kind != "f":
        array = array.astype(np.float32)   # bfloat16 prints its exact values, as PyTorch's
    summarize = array.size > _OPTIONS["threshold"]
    if array.dtype.kind == "c":
        shown = _summarized(array, summarize)
        formatter = _ComplexFormatter(_Formatter(shown.real), _Formatter(shown.imag))
    else:
        formatter = _Formatter(_summarized(array, summarize))
    return _nested(array, len(prefix), summarize, formatter)


class _ComplexFormatter:
    """PyTorch's complex elements: the real and imaginary parts each formatted over all real (imaginary)
    parts, joined as ``1.5000+2.0000j``."""

    def __init__(self, real, imag):
        self.real, self.imag = real, imag
        self.max_width = real.max_width + imag.max_width + 1   # the 'j'

    def format(self, value):
        """``value`` (a Python complex) as PyTorch prints it."""
        real_str = self.real.format(value.real)
        imag_str = (self.imag.format(value.imag) + "j").lstrip()
        return real_str + imag_str if imag_str[0] in "+-" else real_str + "+" + imag_str


def add_suffixes(text, suffixes, indent=7):
    """``text`` (``"tensor(" + values``) closed with ``suffixes`` (``"dtype=..."``, ``"grad_fn=<...>"``) as
    PyTorch's printer adds them: one goes on a new line, indented, when the current line would pass the
    line width. Lengths are counted with PyTorch's ``torch.`` prefix (one character shorter than
    ``minidl.``), so that lines break where PyTorch's break; ``indent`` is ``len("tensor(")``."""
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        size = len(suffix.replace("minidl.", "torch."))
        if last_line + size + 2 > _OPTIONS["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + size
        else:
            parts.append(", " + suffix)
            last_line += size + 2
    parts.append(")")
    return "".join(parts)
