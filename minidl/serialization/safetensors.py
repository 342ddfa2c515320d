"""``.safetensors`` files through the ``safetensors`` package (its NumPy API).

A safetensors file is an 8-byte little-endian header length, a JSON header
(``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}``)
and the raw data. It holds one flat ``{name: tensor}`` dict, so it suits state
dicts; checkpoints with numbers and nested dicts go to ``.pt``.

Before the package reads a file, :func:`check_header` verifies that the
header agrees with the file (sizes, offsets, dtypes), so a damaged file gets a
one-line error naming it and the offending tensor.
"""
from __future__ import annotations

import json
import os
import struct

import numpy as np

from ._common import as_array, chmod_for_umask, format_error, is_module

__all__ = ["save_safetensors", "load_safetensors", "check_header"]

_ITEMSIZE = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2,
             "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}
_CONFIG_KEY = "minidl_config"


def _package():
    try:
        import safetensors.numpy as st
    except ImportError as exc:  # pragma: no cover - safetensors is an install requirement
        raise ImportError("reading/writing .safetensors needs the safetensors package "
                          "(pip install safetensors)") from exc
    return st


def save_safetensors(obj, path):
    """Write a Module's state dict, or a flat ``{name: Tensor/array}`` dict, to ``path``."""
    from ..io import atomic_path
    path = os.fspath(path)
    metadata = {"format": "pt"}
    if is_module(obj):
        config = getattr(obj, "config", None)
        if config is not None:
            metadata[_CONFIG_KEY] = json.dumps(config)
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise TypeError(f"{path}: .safetensors stores a flat dict of tensors, got a "
                        f"{type(obj).__name__}; save checkpoints as .pt")
    arrays = {}
    for k, v in obj.items():
        arr = as_array(v)
        if not isinstance(k, str) or arr is None:
            raise TypeError(f"{path}: .safetensors stores only str -> tensor entries; {k!r} holds "
                            f"a {type(v).__name__}; save checkpoints with numbers or nested dicts as .pt")
        arrays[k] = arr if arr.flags.c_contiguous else arr.copy(order="C")  # keeps 0-d shapes
    blob = _package().save(arrays, metadata=metadata)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(blob)
        chmod_for_umask(tmp)
    return path


def check_header(path) -> dict:
    """Parse and validate ``path``'s header; returns it. Raises FileFormatError naming the file."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise format_error(path, f"{size} bytes is too short for a safetensors file "
                                     "(expected an 8-byte header length, a JSON header, then data)")
        n = struct.unpack("<Q", head)[0]
        if n > size - 8:
            raise format_error(path, f"safetensors header length {n} exceeds the {size - 8} bytes "
                                     "after it (truncated or not a safetensors file)")
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise format_error(path, f"safetensors header is not valid JSON ({exc})") from None
    if not isinstance(header, dict):
        raise format_error(path, "safetensors header is not a JSON object")
    data_len = size - 8 - n
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = info["dtype"], list(info["shape"]), info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise format_error(path, f"safetensors entry {name!r} lacks dtype/shape/data_offsets") from None
        if dtype not in _ITEMSIZE:
            raise format_error(path, f"tensor {name!r} has unknown dtype {dtype!r}")
        want = int(np.prod(shape, dtype=np.int64)) * _ITEMSIZE[dtype]
        if not 0 <= begin <= end <= data_len:
            raise format_error(path, f"tensor {name!r} claims bytes [{begin}, {end}) but the data "
                                     f"section has {data_len} bytes (truncated or the header lies)")
        if end - begin != want:
            raise format_error(path, f"tensor {name!r} {dtype}{shape} needs {want} bytes but its "
                                     f"offsets [{begin}, {end}) span {end - begin}")
        spans.append((begin, end, name))
    spans.sort()
    for (_b0, e0, n0), (b1, _e1, n1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise format_error(path, f"tensors {n0!r} and {n1!r} overlap in the data section")
    return header


def load_safetensors(path, map_location=None):
    """Read ``path``; returns ``({name: Tensor}, zoo config or None)`` in the file's order."""
    from .. import backend
    from ..tensor import Tensor
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    header = check_header(path)
    if any(isinstance(v, dict) and v.get("dtype") == "BF16" for v in header.values()):
        arrays = _read_with_bfloat16(path, header)   # the package's NumPy reader has no bfloat16
    else:
        try:
            arrays = _package().load_file(path)
        except Exception as exc:  # the package raises its own SafetensorError
            raise format_error(path, f"safetensors could not read it ({type(exc).__name__}: {exc})") from exc
    dev = backend.Device("cpu" if map_location is None else map_location)
    names = [k for k in header if k != "__metadata__"]
    # the package gives 0-d tensors back as shape (1,); the header keeps the true shape
    out = {k: Tensor(backend.to_device(arrays[k].reshape(header[k]["shape"]), dev)) for k in names}
    meta = header.get("__metadata__") or {}
    config = json.loads(meta[_CONFIG_KEY]) if _CONFIG_KEY in meta else None
    return out, config


def _read_with_bfloat16(path, header):
    """``{name: array}`` read straight from the data section of a file whose header :func:`check_header`
    validated; ``BF16`` entries become ml_dtypes bfloat16 arrays, the others the package's dtypes."""
    from ..dtypes import BFLOAT16
    types = dict(_package()._TYPES, BF16=BFLOAT16)
    with open(path, "rb") as f:
        start = 8 + struct.unpack("<Q", f.read(8))[0]
        f.seek(start)
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in types:
            raise format_error(path, f"tensor {name!r} has dtype {info['dtype']}, which minidl cannot hold")
        begin, end = info["data_offsets"]
        dtype = np.dtype(types[info["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data[begin:end], dtype).astype(dtype.newbyteorder("="), copy=True)
    return out
