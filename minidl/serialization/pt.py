"""PyTorch's ``.pt`` / ``.pth`` files: the zip format of ``torch.save`` (read and write) and
the legacy pre-1.6 format (read).

Zip layout (``<name>`` is the file's stem)::

    <name>/data.pkl          protocol-2 pickle of the object; each tensor is
                             torch._utils._rebuild_tensor_v2(<persistent id>, offset,
                             size, stride, requires_grad, OrderedDict())
                             with persistent id ('storage', torch.FloatStorage, key,
                             location, numel)
    <name>/.format_version   "1"
    <name>/.storage_alignment "64"
    <name>/byteorder         "little"
    <name>/data/<key>        raw little-endian bytes of storage <key>
    <name>/version           "3\\n"
    <name>/.data/serialization_id

Every entry is stored uncompressed and its data starts at a multiple of 64
bytes (padding in the local header's extra field, as PyTorch does).

Reading never runs code from the file: the unpickler resolves only tensor
rebuilding, storage types, ``collections.OrderedDict``, ``torch.Size`` and NumPy's
array rebuilding (a saved ``np.ndarray`` loads back as one, as from ``torch.load``);
anything else (``os.system``, ``builtins.exec``, a pickled class...) is
refused with a :class:`~minidl.io.FileFormatError` naming the file and the
global it asked for.
"""
from __future__ import annotations

import _compat_pickle
import collections
import contextlib
import io
import json
import os
import pickle
import secrets
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..dtypes import BFLOAT16
from ._common import as_array, chmod_for_umask, format_error, is_file_like, is_module
from ._locations import device_for as _device_for
from ._meta import META_GLOBALS, PendingMeta, is_meta_tensor, meta_record
from ._numpy_records import NUMPY_GLOBALS, numpy_record
from ._objects import object_record, objects_in, refusal, trusted_class
from ._pickle_writer import Call, Global, PersistentId, PickleWriter
from ._sparse import SPARSE_GLOBALS, PendingSparse, is_sparse_tensor, sparse_record

__all__ = ["save_pt", "load_pt", "STORAGE_DTYPES"]

#: PyTorch storage class name -> NumPy dtype of its bytes ("BFloat16Storage": read as uint16, viewed as bfloat16)
STORAGE_DTYPES = {
    "FloatStorage": np.dtype("<f4"), "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"), "BFloat16Storage": np.dtype("<u2"),
    "LongStorage": np.dtype("<i8"), "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"), "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"), "BoolStorage": np.dtype("?"),
    "ComplexFloatStorage": np.dtype("<c8"), "ComplexDoubleStorage": np.dtype("<c16"),
}
_WRITE_NAMES = {dt.str if dt.itemsize > 1 else dt.char: name for name, dt in STORAGE_DTYPES.items()
                if name != "BFloat16Storage"}
_TORCH_DTYPES = {"float32": "f4", "float": "f4", "float64": "f8", "double": "f8",
                 "float16": "f2", "half": "f2", "int64": "i8", "long": "i8", "int32": "i4",
                 "int": "i4", "int16": "i2", "int8": "i1", "uint8": "u1", "bool": "?",
                 "complex64": "c8", "complex128": "c16", "bfloat16": BFLOAT16}
FORMAT_VERSIONS = (1, 6)  # the range of "version" records PyTorch's reader accepts
_LEGACY_MAGIC = 0x1950a86a20f9469cfc6c
_LEGACY_PROTOCOL = 1001
_ALIGN = 64
_CONFIG_RECORD = "minidl/config.json"
# a whole Module saved by torch.save(model, path): Python's pickle of it, read back by
# load(..., weights_only=False) only (data.pkl holds its state dict, which PyTorch can read)
from ._module_record import _MODULE_RECORD, STATE_DICT_ONLY, _module_for, read_module_record  # noqa: E402,F401


# ------------------------------------------------------------------ writing
def _storage_name(arr, where):
    if arr.dtype == BFLOAT16:
        return "BFloat16Storage"
    key = arr.dtype.str if arr.dtype.itemsize > 1 else arr.dtype.char
    key = key.replace(">", "<").replace("=", "<").replace("|", "")
    if arr.dtype.itemsize > 1 and not key.startswith("<"):
        key = "<" + key
    name = _WRITE_NAMES.get(key)
    if name is None:
        raise TypeError(f"cannot save a {arr.dtype} tensor at '{where}' in a .pt file "
                        f"(PyTorch has no such storage type); cast it first")
    return name


class _Converter:
    """Object tree -> writer values, collecting each tensor's storage bytes."""

    def __init__(self):
        self.storages = []           # (key, bytes)
        self._by_id = {}

    def tensor(self, arr, where, requires_grad=False):
        name = _storage_name(arr, where)
        ident = id(arr)
        if ident in self._by_id:
            key = self._by_id[ident]
        else:
            key = str(len(self.storages))
            data = np.ascontiguousarray(arr)
            if data.dtype.byteorder == ">":
                data = data.astype(data.dtype.newbyteorder("<"))
            self.storages.append((key, data.tobytes()))
            self._by_id[ident] = key
            self._keep = getattr(self, "_keep", []) + [arr]  # ids stay unique while writing
        shape = tuple(int(s) for s in arr.shape)
        strides, acc = [], 1
        for s in reversed(shape):
            strides.append(acc)
            acc *= s
        pid = PersistentId(("storage", Global("torch", name), key, "cpu", int(arr.size)))
        return Call(Global("torch._utils", "_rebuild_tensor_v2"),
                    (pid, 0, shape, tuple(reversed(strides)), bool(requires_grad),
                     Call(Global("collections", "OrderedDict"), ())))

    def _tensor_of(self, obj, arr, where):
        """A Tensor's record as ``torch.save`` writes it: ``requires_grad`` kept, and a Parameter wrapped in
        ``torch._utils._rebuild_parameter`` (so it loads back as a Parameter)."""
        from ..nn.module import Parameter
        requires_grad = bool(getattr(obj, "requires_grad", False))
        if isinstance(obj, Parameter):
            return Call(Global("torch._utils", "_rebuild_parameter"),
                        (self.tensor(arr, where), requires_grad, Call(Global("collections", "OrderedDict"), ())))
        return self.tensor(arr, where, requires_grad)

    def convert(self, obj, where="<root>"):
        if type(obj) is np.ndarray and obj.dtype.kind in "biufcSU":
            return numpy_record(obj)  # torch.save pickles a NumPy array as NumPy does: it loads as one
        if is_sparse_tensor(obj):
            return sparse_record(self, obj, where)
        if is_meta_tensor(obj):
            return meta_record(obj, where)   # no storage: PyTorch writes shape, stride and dtype only
        arr = as_array(obj)
        if arr is not None:
            if arr.dtype.hasobject:
                raise TypeError(f"cannot save an object array at '{where}'")
            return self._tensor_of(obj, arr, where)
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, np.generic):
            if obj.dtype.kind not in "biuf":
                raise TypeError(f"cannot save a NumPy {obj.dtype} scalar at '{where}'")
            return obj.item()
        if isinstance(obj, dict):
            items = {}
            for k, v in obj.items():
                if isinstance(k, np.generic):
                    k = k.item()
                if not isinstance(k, (str, int, float, bool, type(None))):
                    raise TypeError(f"cannot save dict key {k!r} ({type(k).__name__}) at "
                                    f"'{where}': keys must be str, int, float, bool or None")
                items[k] = self.convert(v, f"{where}/{k}" if where != "<root>" else str(k))
            if isinstance(obj, collections.OrderedDict):
                return Call(Global("collections", "OrderedDict"), (), items)
            return items
        if isinstance(obj, (list, tuple)):
            vals = [self.convert(v, f"{where}/{i}") for i, v in enumerate(obj)]
            return tuple(vals) if isinstance(obj, tuple) else vals
        return self._other(obj, where)

    def _other(self, obj, where):
        """A dtype or device as PyTorch writes them (``torch.float32``, ``torch.device("cpu")``); any other
        object by Python's pickle rules (:mod:`._objects`)."""
        from .. import backend
        from ..dtypes import dtype
        if type(obj) is bytes:
            return obj
        if isinstance(obj, dtype):
            return Global("torch", str(obj).rsplit(".", 1)[-1])
        if isinstance(obj, backend.Device):
            return Call(Global("torch", "device"), (str(obj),))
        return object_record(self.convert, obj, where)


def _pickle_module(module):
    """Python's pickle of ``module`` (classes by reference, as ``torch.save`` pickles a model), or None
    when it holds something pickle cannot store (a lambda): its state dict is saved either way."""
    try:
        return pickle.dumps(module, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError):
        return None


def _write_aligned(zf, name, data):
    offset = zf.fp.tell()
    header = 30 + len(name.encode("utf-8")) + 4
    pad = (-(offset + header)) % _ALIGN
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def save_pt(obj, path):
    """Write ``obj`` to ``path`` in PyTorch's zip format (readable by ``torch.load``).

    A Module is saved as its state dict (an ``OrderedDict``), with the zoo
    ``config`` in an extra record that PyTorch ignores; dicts of Tensors become
    ``OrderedDict`` state dicts when they are a plain state dict. Raises
    ``TypeError`` naming the key path of anything that cannot be stored.
    """
    from ..io import atomic_path
    if is_file_like(path):
        buffer = io.BytesIO()
        _write_zip(obj, buffer, "archive")
        path.write(buffer.getvalue())
        if hasattr(path, "flush"):
            path.flush()
        return path
    path = os.fspath(path)
    with atomic_path(path) as tmp:
        _write_zip(obj, tmp, Path(path).stem or "archive")
        chmod_for_umask(tmp)
    return path


def _write_zip(obj, target, name):
    """Write ``obj``'s zip archive (records under ``name/``) to a path or a binary file object."""
    config = module_pickle = None
    if is_module(obj):
        config = getattr(obj, "config", None)
        module_pickle = _pickle_module(obj)
        obj = obj.state_dict()
    if (isinstance(obj, dict) and obj and not isinstance(obj, collections.OrderedDict)
            and all(isinstance(k, str) and as_array(v) is not None for k, v in obj.items())):
        obj = collections.OrderedDict(obj)
    conv = _Converter()
    payload = PickleWriter().dumps(conv.convert(obj))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        _write_aligned(zf, f"{name}/data.pkl", payload)
        _write_aligned(zf, f"{name}/.format_version", b"1")
        _write_aligned(zf, f"{name}/.storage_alignment", b"64")
        _write_aligned(zf, f"{name}/byteorder", b"little")
        for key, data in conv.storages:
            _write_aligned(zf, f"{name}/data/{key}", data)
        if config is not None:
            _write_aligned(zf, f"{name}/{_CONFIG_RECORD}", json.dumps(config).encode())
        if module_pickle is not None:
            _write_aligned(zf, f"{name}/{_MODULE_RECORD}", module_pickle)
        _write_aligned(zf, f"{name}/version", b"3\n")
        _write_aligned(zf, f"{name}/.data/serialization_id",
                       str(secrets.randbits(128)).encode())


# ------------------------------------------------------------------ reading
class _StorageType:
    def __init__(self, name):
        self.name = name
        self.dtype = STORAGE_DTYPES[name]


class _Storage:
    """One storage: its dtype, element count and (once read) its flat array."""

    def __init__(self, stype, numel, location, key):
        self.stype, self.numel, self.location, self.key = stype, int(numel), str(location), key
        self.array = None


class _Pending:
    """A tensor whose storage may not be read yet (legacy files store data after the pickle)."""

    def __init__(self, storage, offset, size, stride, requires_grad=False):
        self.storage, self.offset, self.size, self.stride = storage, int(offset), tuple(size), tuple(stride)
        self.requires_grad, self.parameter = bool(requires_grad), False


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _Pending(storage, storage_offset, size, stride, requires_grad)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _Pending(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, state=None):
    if isinstance(data, (_Pending, PendingMeta)):  # comes back as an nn.Parameter, as in PyTorch
        data.parameter, data.requires_grad = True, bool(requires_grad)
    return data


def _torch_device(*args):
    """``torch.device(...)`` in a pickle: minidl's device."""
    from .. import backend
    return backend.Device(*args)


_SAFE_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch", "Size"): tuple,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "device"): _torch_device,
    # plain data PyTorch's weights_only unpickler also rebuilds
    ("builtins", "set"): set, ("builtins", "frozenset"): frozenset, ("builtins", "complex"): complex,
    ("builtins", "slice"): slice, ("builtins", "bytearray"): bytearray,
    **SPARSE_GLOBALS,  # sparse COO/CSR tensors (minidl/serialization/_sparse.py)
    **META_GLOBALS,  # meta tensors, which have no storage (minidl/serialization/_meta.py)
    **NUMPY_GLOBALS,  # NumPy arrays and scalars (a torch.save of NumPy values): pure data
}
for _name in STORAGE_DTYPES:
    _SAFE_GLOBALS[("torch", _name)] = _StorageType(_name)


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only :data:`_SAFE_GLOBALS`; every other global is refused."""

    def __init__(self, file, path, persistent_load, trusted=False):
        super().__init__(file, encoding="utf-8")
        self._path = path
        self._persistent = persistent_load
        self._trusted = trusted     # weights_only=False: other globals are imported, as Python's pickle

    def find_class(self, module, name):
        if (module, name) in _compat_pickle.NAME_MAPPING:   # protocol 2's Python 2 names, as pickle maps them
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        found = _SAFE_GLOBALS.get((module, name))
        if found is None:  # what the user allowlisted (minidl.serialization.add_safe_globals)
            from ._allowlist import user_allowed_globals
            found = user_allowed_globals().get(f"{module}.{name}")
        if found is None and module == "torch" and name in _TORCH_DTYPES:
            from ..dtypes import as_dtype
            return as_dtype(np.dtype(_TORCH_DTYPES[name]))
        if found is None and self._trusted:
            return trusted_class(self._path, module, name)
        if found is None:
            raise refusal(self._path, module, name)
        return found

    def persistent_load(self, pid):
        return self._persistent(pid)


def _unpickle(data_or_file, path, persistent_load, trusted=False):
    fh = io.BytesIO(data_or_file) if isinstance(data_or_file, bytes) else data_or_file
    try:
        return _RestrictedUnpickler(fh, path, persistent_load, trusted).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, struct.error) as exc:
        from ..io import FileFormatError
        if isinstance(exc, FileFormatError):
            raise
        raise format_error(path, f"corrupt pickle data ({type(exc).__name__}: {exc})") from exc


def _materialise(obj, path, map_location):
    """Replace every _Pending in ``obj`` by a minidl Tensor on its device."""
    from .. import backend
    from ..tensor import Tensor

    def tensor(p):
        st = p.storage
        if not isinstance(st, _Storage):
            raise format_error(path, f"tensor storage is a {type(st).__name__}, expected a storage record")
        flat = st.array
        if flat is None:
            raise format_error(path, f"storage {st.key} was never read (file truncated?)")
        if any(s < 0 for s in p.size) or len(p.size) != len(p.stride):
            raise format_error(path, f"tensor of size {p.size} with stride {p.stride} is malformed")
        extent = p.offset + sum((s - 1) * t for s, t in zip(p.size, p.stride)) + 1 if all(p.size) else 0
        if p.offset < 0 or extent > flat.size:
            raise format_error(path, f"a tensor of size {p.size} (offset {p.offset}, stride "
                                     f"{p.stride}) reaches past storage {st.key} of {flat.size} elements")
        item = flat.itemsize
        if all(p.size):
            arr = np.lib.stride_tricks.as_strided(flat[p.offset:], p.size,
                                                  tuple(t * item for t in p.stride))
        else:
            arr = np.zeros(p.size, flat.dtype)
        if not getattr(st, "mapped", False):   # a memory-mapped storage (load(mmap=True)) stays shared
            arr = np.array(arr, copy=True)
        arr = arr.astype(arr.dtype.newbyteorder("="), copy=False)  # native order (no copy on LE)
        if st.stype.name == "BFloat16Storage":
            arr = arr.view(BFLOAT16)
        dev = _device_for(st.location, map_location, path)
        out = Tensor(backend.to_device(arr, dev))
        if p.parameter:
            from ..nn.module import Parameter
            return Parameter(out, requires_grad=p.requires_grad)
        if p.requires_grad and arr.dtype.kind in "fc":
            out.requires_grad_(True)
        return out

    seen = set()   # objects already walked (an object's attributes may refer back to it)

    def walk(o):
        if isinstance(o, _Pending):
            return tensor(o)
        if isinstance(o, PendingSparse):
            return o.build(walk, path)
        if isinstance(o, PendingMeta):
            return o.build(path)
        if isinstance(o, dict):
            for k in list(o):
                o[k] = walk(o[k])
            return o
        if isinstance(o, list):
            return [walk(v) for v in o]
        if isinstance(o, tuple) and not hasattr(o, "_fields"):
            return tuple(walk(v) for v in o)
        if isinstance(o, (_Storage, _StorageType)):
            raise format_error(path, "holds a bare storage object; minidl reads tensors only")
        attrs = objects_in(o)       # an object unpickled with weights_only=False: its attributes
        if attrs is not None and id(o) not in seen:
            seen.add(id(o))
            for k in list(attrs):
                attrs[k] = walk(attrs[k])
        return o

    return walk(obj)


def _read_zip(path, map_location, source=None, weights_only=True, mmap=False):
    try:
        zf = zipfile.ZipFile(path if source is None else source)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise format_error(path, f"truncated or corrupt zip archive ({exc}); expected a PyTorch "
                                 ".pt file as torch.save writes") from exc
    with zf:
        names = zf.namelist()
        pkl = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
        if not pkl:
            raise format_error(path, "zip archive without '<name>/data.pkl'; expected a PyTorch .pt "
                                     "file as torch.save writes")
        prefix = pkl[0][:-len("data.pkl")]

        def read(name):
            try:
                return zf.read(prefix + name)
            except KeyError:
                raise format_error(path, f"missing record {prefix + name} (file incomplete)") from None
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                raise format_error(path, f"truncated or corrupt record {prefix + name} ({exc})") from exc

        if prefix + "version" in names:
            text = read("version").decode("ascii", "replace").strip()
            try:
                version = int(text)
            except ValueError:
                raise format_error(path, f"format version {text!r} is not a number") from None
            lo, hi = FORMAT_VERSIONS
            if not lo <= version <= hi:
                raise format_error(path, f"PyTorch zip format version {version} is not supported "
                                         f"(expected {lo} to {hi}); re-save it with torch.save from a "
                                         "PyTorch release this reader knows")
        byteorder = read("byteorder").decode().strip() if prefix + "byteorder" in names else "little"
        if byteorder not in ("little", "big"):
            raise format_error(path, f"byteorder record says {byteorder!r}, expected 'little' or 'big'")
        storages = {}

        def persistent_load(pid):
            if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage":
                raise format_error(path, f"unknown persistent id {pid!r:.60}")
            _, stype, key, location, numel = pid[:5]
            if not isinstance(stype, _StorageType):
                raise format_error(path, f"storage type {stype!r:.60} is not a tensor storage")
            if key not in storages:
                st = _Storage(stype, numel, location, key)
                if mmap:
                    from ._mmap import mapped_record
                    mapped = mapped_record(zf, path, prefix + f"data/{key}", numel, stype.dtype, byteorder)
                    if mapped is not None:
                        st.array, st.mapped = mapped, True
                        storages[key] = st
                        return st
                raw = read(f"data/{key}")
                dtype = stype.dtype.newbyteorder(">" if byteorder == "big" else "<")
                if len(raw) != st.numel * dtype.itemsize:
                    raise format_error(path, f"storage data/{key} holds {len(raw)} bytes, expected "
                                             f"{st.numel} x {dtype.itemsize} = {st.numel * dtype.itemsize}")
                st.array = np.frombuffer(raw, dtype)
                storages[key] = st
            return storages[key]

        obj = _unpickle(read("data.pkl"), path, persistent_load, trusted=weights_only is False)
        config = None
        if prefix + _CONFIG_RECORD in names:
            config = json.loads(read(_CONFIG_RECORD).decode())
        if prefix + _MODULE_RECORD in names and weights_only is not STATE_DICT_ONLY:
            module = _module_for(read(_MODULE_RECORD), path, map_location, weights_only)
            if module is not None:
                return module, config
    return _materialise(obj, path, map_location), config


def _read_legacy(path, map_location, source=None):
    with (open(path, "rb") if source is None else contextlib.nullcontext(source)) as f:
        def load_one():
            return _unpickle(f, path, persistent_load)

        storages = {}

        def persistent_load(pid):
            if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage":
                raise format_error(path, f"unknown persistent id {pid!r:.60}")
            _, stype, key, location, numel = pid[:5]
            if not isinstance(stype, _StorageType):
                raise format_error(path, f"storage type {stype!r:.60} is not a tensor storage")
            if len(pid) > 5 and pid[5] is not None:
                raise format_error(path, "storage views of the oldest PyTorch format are not supported")
            if key not in storages:
                storages[key] = _Storage(stype, numel, location, key)
            return storages[key]

        magic = load_one()
        if magic != _LEGACY_MAGIC:
            raise format_error(path, "not a PyTorch file (expected a zip archive from torch.save, "
                                     "or the legacy format's magic number)")
        protocol = load_one()
        if protocol != _LEGACY_PROTOCOL:
            raise format_error(path, f"legacy format protocol {protocol!r} is not supported "
                                     f"(expected {_LEGACY_PROTOCOL})")
        sys_info = load_one()
        little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else True
        obj = load_one()
        keys = load_one()
        if not isinstance(keys, list):
            raise format_error(path, "legacy storage key list is missing")
        for key in keys:
            st = storages.get(key)
            if st is None:
                raise format_error(path, f"storage {key!r} listed but never used")
            head = f.read(8)
            if len(head) != 8:
                raise format_error(path, f"file ends before storage {key} (truncated)")
            numel = struct.unpack("<q" if little else ">q", head)[0]
            dtype = st.stype.dtype.newbyteorder("<" if little else ">")
            raw = f.read(numel * dtype.itemsize)
            if len(raw) != numel * dtype.itemsize:
                raise format_error(path, f"storage {key} is cut short: {len(raw)} of "
                                         f"{numel * dtype.itemsize} bytes (truncated file)")
            st.array = np.frombuffer(raw, dtype)
    return _materialise(obj, path, map_location), None


def load_pt(path, map_location=None, weights_only=True, mmap=False):
    """Read a ``.pt``/``.pth`` file; returns ``(object, zoo config or None)``.

    Tensors come back as minidl Tensors (bfloat16 as minidl.bfloat16) on the device
    ``map_location`` says (None: where they were saved, CPU or GPU). ``path``
    may also be a binary file object (``io.BytesIO``, an open file) read from
    its current position, as ``torch.load`` takes. ``weights_only=False`` gives back a whole
    Module saved by ``save(model, path)`` (``weights_only=True``: only when its classes are allowlisted, else
    ``pickle.UnpicklingError``; ``STATE_DICT_ONLY``: its state dict). ``mmap=True`` (a path only, zip format)
    memory-maps the storages copy-on-write instead of reading them, as ``torch.load(mmap=True)``.
    """
    if mmap and is_file_like(path):
        raise ValueError("f must be a file path in order to use the mmap argument")
    if is_file_like(path):
        source = io.BytesIO(path.read())
        name = f"<{type(path).__name__}>"
        head = source.getvalue()[:4]
        if head[:2] == b"PK":
            return _read_zip(name, map_location, source, weights_only)
        if head[:1] == b"\x80":
            return _read_legacy(name, map_location, source)
        raise format_error(name, "not a PyTorch file: expected a zip archive (torch.save) or a "
                                 "legacy pickle stream")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:2] == b"PK":
        return _read_zip(path, map_location, weights_only=weights_only, mmap=mmap)
    if mmap:
        raise RuntimeError("mmap can only be used with files saved with "
                           "`torch.save(_use_new_zipfile_serialization=True), please torch.save your checkpoint "
                           "with this option in order to use mmap.")
    if head[:1] == b"\x80":
        return _read_legacy(path, map_location)
    raise format_error(path, "not a PyTorch file: expected a zip archive (torch.save) or a "
                             "legacy pickle stream")
