"""Saving and loading weights and checkpoints: HDF5 (``.h5``/``.hdf5``) or NumPy (``.npz``).

What can be saved:

* a :class:`~minidl.nn.Module`: its state dict (name -> array), plus its
  ``config`` (``{"name": ..., "kwargs": {...}}``) when it is a zoo model, so
  :func:`load_model` can rebuild it;
* a state dict (name -> Tensor or array);
* a checkpoint: nested dicts / lists / tuples of arrays, Tensors, numbers,
  strings, booleans and None (an optimiser's state dict with its int keys,
  a History's lists, ...).

File layout (both formats): every array is one dataset (HDF5) or archive
member (npz), named by its path of keys joined with ``/`` (``model/conv1.weight``;
a plain state dict's arrays sit at the top: ``conv1.weight``), so the file
is readable with h5py or ``np.load`` alone. The structure (dict keys with
their int/str types, lists vs tuples, scalars, strings) and the metadata
(``minidl_version``, ``format``, ``created``, ``config``) are kept as one JSON
document: the dataset/member ``__minidl__``. HDF5 files also carry the
metadata as root attributes.

:func:`load` gives plain data back: NumPy arrays, Python scalars, dicts with
their original key types, lists and tuples.

Writes are atomic: the data goes to a temporary file in the target's
directory, which replaces the target (``os.replace``) only once complete;
a failure leaves no partial file and any previous file intact.

>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.h5")
>>> _ = save({"epoch": 3, "state": {0: {"step": 7}}, "w": np.ones(2, np.float32)}, path)
>>> ck = load(path)
>>> ck["epoch"], ck["state"][0]["step"], ck["w"].tolist()
(3, 7, [1.0, 1.0])
"""
from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import secrets
import signal
import zipfile

import numpy as np

from minidl import backend

__all__ = ["save", "load", "load_model", "load_weights", "read_metadata", "atomic_path",
           "remove_stale_temps", "FileFormatError"]

_META_KEY = "__minidl__"
_FORMATS = {".h5": "hdf5", ".hdf5": "hdf5", ".npz": "npz"}


class FileFormatError(ValueError):
    """A file that is missing pieces, truncated, or not in the format its name says."""


def _version() -> str:
    try:
        from minidl import __version__
        return __version__
    except Exception:  # pragma: no cover - partial installs
        return "unknown"


def _kind(path) -> str:
    ext = os.path.splitext(str(path))[1].lower()
    if ext not in _FORMATS:
        raise ValueError(f"{path}: unknown file type {ext!r}; use .pt / .pth (PyTorch), .safetensors, "
                         ".h5 / .hdf5 (HDF5) or .npz (NumPy)")
    return _FORMATS[ext]


_TEMP_SUFFIX = ".tmp"


def _temp_pattern(base):
    """Matches the temp files :func:`atomic_path` names for ``base``: ``.{base}.{pid}-{token}.tmp``."""
    return re.compile(rf"^\.{re.escape(base)}\.(\d+)-[0-9a-f]+{re.escape(_TEMP_SUFFIX)}$")


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be running (this one, or one we cannot rule out)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: keep its file
    return True


def remove_stale_temps(path) -> list:
    """Remove the temp files that killed saves to ``path`` left beside it (their
    process is gone); returns the removed paths. Files of live processes stay."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    pattern = _temp_pattern(os.path.basename(path))
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        m = pattern.match(name)
        if m and not _pid_alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(directory, name))
                removed.append(os.path.join(directory, name))
    return removed


def _new_temp(directory, base):
    """Create an empty temp file for ``base`` in ``directory``, mode 0666 & ~umask (as ``open``)."""
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}.{os.getpid()}-{secrets.token_hex(4)}{_TEMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"{directory}: cannot create a temporary file for {base}")


@contextlib.contextmanager
def _sigint_deferred():
    """Hold SIGINT back while the block runs, then deliver it (KeyboardInterrupt).

    A Ctrl-C landing inside a write would otherwise raise in the middle of h5py's
    or zipfile's cleanup, where it can be swallowed ("Exception ignored in ...")
    and the run would go on. Deferred, the write completes (or fails and is
    rolled back) and the interrupt is raised right after. Outside the main
    thread signals cannot be handled, and nothing is deferred.
    """
    received = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    except ValueError:  # not the main thread
        yield
        return
    if previous is None:  # a handler not installed from Python: restore Python's default
        previous = signal.default_int_handler
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            signal.raise_signal(signal.SIGINT)  # runs the restored handler: KeyboardInterrupt


def _write_error(path, exc):
    """An ``OSError`` naming ``path`` and the cause (errno text) of a failed write."""
    code = getattr(exc, "errno", None)
    if code is None:
        m = re.search(r"errno = (\d+)", str(exc))
        code = int(m.group(1)) if m else None
    first_line = (str(exc).splitlines() or [""])[0]
    reason = os.strerror(code) if code else f"{type(exc).__name__}: {first_line}"
    return OSError(code, f"{path}: cannot write the file ({reason}); the previous file, if any, is kept")


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; on success it replaces ``path`` atomically.

    The temp file is ``.{name}.{pid}-{token}.tmp`` in the same folder, created
    with mode ``0666 & ~umask`` (so the saved file follows the umask, as
    ``open`` does); temp files of earlier saves to ``path`` whose process is
    gone (killed mid-write) are removed first. SIGINT is deferred while the
    block runs (main thread): the write completes or is rolled back, then
    ``KeyboardInterrupt`` propagates. On an exception the temporary file is
    removed and ``path`` is untouched; an ``OSError`` (disk full, ...) is
    re-raised naming ``path``.

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_path(target) as tmp:
    ...     _ = open(tmp, "w").write("done")
    >>> open(target).read()
    'done'
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    remove_stale_temps(path)
    with _sigint_deferred():
        tmp = _new_temp(directory, os.path.basename(path))
        try:
            yield tmp
            os.replace(tmp, path)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            if isinstance(exc, OSError) and path not in str(exc):
                raise _write_error(path, exc) from exc
            raise


# ----------------------------------------------------------------- encoding
def _as_numpy_array(value):
    """NumPy array for a Tensor / NumPy / CuPy array, else None."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "numpy") and hasattr(value, "requires_grad"):  # minidl Tensor
        return np.asarray(value.numpy())
    if backend.is_device_array(value):
        return backend.to_numpy(value)
    return None


class _Encoder:
    """Turns a nested object into (JSON-able structure, {name: array})."""

    def __init__(self):
        self.arrays = {}

    def _name(self, path):
        parts = []
        for p in path:
            s = str(p).replace("/", "%2F")
            parts.append(s if s not in ("", ".", "..") else f"%{s or 'empty'}")
        name = "/".join(parts) or "__root__"
        if name == _META_KEY or name in self.arrays or any(
                k.startswith(name + "/") or name.startswith(k + "/") for k in self.arrays):
            name = f"__arrays__/{len(self.arrays)}"
        return name

    def encode(self, obj, path=()):
        arr = _as_numpy_array(obj)
        where = "/".join(map(str, path)) or "<root>"
        if arr is not None:
            if arr.dtype.hasobject:
                raise TypeError(f"cannot save object array at '{where}'")
            name = self._name(path)
            self.arrays[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")
            return {"t": "array", "ref": name}
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, np.generic):
            if obj.dtype.kind not in "biuf":
                raise TypeError(f"cannot save NumPy scalar of dtype {obj.dtype} at '{where}'")
            return {"t": "np", "dtype": obj.dtype.str, "v": obj.item()}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if isinstance(k, (bool, np.bool_)) or not isinstance(k, (str, int, np.integer)):
                    raise TypeError(f"cannot save dict key {k!r} ({type(k).__name__}) at '{where}': "
                                    "keys must be str or int")
                k = int(k) if isinstance(k, np.integer) else k
                items.append([k, self.encode(v, path + (k,))])
            return {"t": "dict", "items": items}
        if isinstance(obj, (list, tuple)):
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {"t": kind, "items": [self.encode(v, path + (i,)) for i, v in enumerate(obj)]}
        raise TypeError(f"cannot save a {type(obj).__name__} at '{where}'; supported: arrays, "
                        "Tensors, dicts, lists, tuples, numbers, strings, None")


def _decode(node, arrays, path):
    if not isinstance(node, dict):
        return node
    t = node.get("t")
    if t == "array":
        return arrays(node["ref"], path)
    if t == "np":
        return np.dtype(node["dtype"]).type(node["v"])
    if t == "dict":
        return {k: _decode(v, arrays, f"{path}/{k}") for k, v in node["items"]}
    if t in ("list", "tuple"):
        items = [_decode(v, arrays, f"{path}/{i}") for i, v in enumerate(node["items"])]
        return tuple(items) if t == "tuple" else items
    raise FileFormatError(f"entry '{path.lstrip('/') or '<root>'}' has an unknown node type {t!r} "
                          "(written by a newer minidl, or edited)")


def _is_module(obj) -> bool:
    return hasattr(obj, "state_dict") and hasattr(obj, "named_parameters")


def _classify(obj) -> str:
    if isinstance(obj, dict) and obj and all(isinstance(k, str) for k in obj) and all(
            _as_numpy_array(v) is not None for v in obj.values()):
        return "state_dict"
    return "checkpoint" if isinstance(obj, dict) else "object"


# ------------------------------------------------------------------- save
def save(obj, path):
    """Save a Module, a state dict or a checkpoint dict to ``path`` (``.h5``/``.hdf5``/``.npz``).

    Args:
        obj: an ``nn.Module`` (state dict + ``config`` when it has one), a
            state dict (name -> Tensor/array), or a nested checkpoint dict
            (arrays, Tensors, numbers, strings, None, lists, tuples, dicts
            with str or int keys).
        path: destination; ``.h5``/``.hdf5``/``.npz`` pick minidl's HDF5 or
            NumPy formats, ``.safetensors`` safetensors, any other name
            (``.pt``, ``.pth``, ``.pth.tar``, ...) or a binary file object
            (``io.BytesIO``) PyTorch's zip format. Parent folders are created.

    Returns the path (str). The write is atomic. Raises ``TypeError`` naming
    the key path of anything that cannot be stored (nothing is written then).

    Example::

        minidl.save(model, "tinyvgg.h5")
        minidl.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                     "epoch": 5, "history": history.history}, "ckpt.h5")
    """
    from . import serialization
    if serialization.handles(path):  # .pt / .pth / .safetensors / file objects: minidl/serialization/
        return serialization.save_file(obj, path)
    path = os.fspath(path)
    kind = _kind(path)
    config = None
    if _is_module(obj):
        config = getattr(obj, "config", None)
        obj, fmt = obj.state_dict(), "module"
    else:
        fmt = _classify(obj)
    enc = _Encoder()
    structure = enc.encode(obj)
    meta = {
        "minidl_version": _version(),
        "format": fmt,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "config": enc.encode(config, ("__config__",)) if config is not None else None,
        "structure": structure,
    }
    text = json.dumps(meta, allow_nan=True)
    with atomic_path(path) as tmp:
        try:
            if kind == "hdf5":
                _write_h5(tmp, enc.arrays, text, meta)
            else:
                _write_npz(tmp, enc.arrays, text)
        except (OSError, RuntimeError) as exc:  # h5py reports a full disk as either
            raise _write_error(path, exc) from exc
    return path


def _write_h5(tmp, arrays, text, meta):
    import h5py
    with h5py.File(tmp, "w") as f:
        for key in ("minidl_version", "format", "created"):
            f.attrs[key] = meta[key]
        f.create_dataset(_META_KEY, data=text, dtype=h5py.string_dtype("utf-8"))
        for name, arr in arrays.items():
            f.create_dataset(name, data=arr)


def _write_npz(tmp, arrays, text):
    with open(tmp, "wb") as fh:
        np.savez(fh, **{_META_KEY: np.array(text)}, **arrays)


# ------------------------------------------------------------------- load
def _open_error(path, exc, kind):
    what = "HDF5" if kind == "hdf5" else "NumPy .npz (zip)"
    size = os.path.getsize(path)
    detail = " ".join(str(exc).split())  # h5py's messages span lines
    return FileFormatError(f"{path}: cannot read as {what} ({size} bytes): the file is truncated, "
                           f"corrupt or not a {what} file ({type(exc).__name__}: {detail})")


def _read(path):
    """(meta or None, array getter, raw tree for foreign files)."""
    path = os.fspath(path)
    kind = _kind(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: is a directory, not a file")
    if kind == "hdf5":
        import h5py
        try:
            f = h5py.File(path, "r")
        except OSError as exc:
            raise _open_error(path, exc, kind) from exc
        try:
            return _read_h5(f, path)
        except (OSError, KeyError, RuntimeError) as exc:
            raise FileFormatError(f"{path}: truncated or corrupt HDF5 data ({' '.join(str(exc).split())})") from exc
        finally:
            f.close()
    try:
        with np.load(path, allow_pickle=False) as z:
            names = set(z.files)
            meta = _parse_meta(str(z[_META_KEY][()]), path) if _META_KEY in names else None
            arrays = {n: z[n] for n in names if n != _META_KEY}
    except FileFormatError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise _open_error(path, exc, kind) from exc
    return meta, arrays


def _read_h5(f, path):
    import h5py
    meta = None
    if _META_KEY in f:
        raw = f[_META_KEY][()]
        meta = _parse_meta(raw.decode() if isinstance(raw, bytes) else str(raw), path)
    arrays = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and name != _META_KEY:
            arrays[name] = obj[()]
    f.visititems(visit)
    return meta, arrays


def _parse_meta(text, path):
    """The JSON metadata document; a :class:`FileFormatError` naming the file when it is not JSON."""
    try:
        meta = json.loads(text)
    except ValueError as exc:
        detail = f"{exc.msg} at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise FileFormatError(f"{path}: the metadata entry '{_META_KEY}' is not valid JSON ({detail}); "
                              "the file is corrupt or was not written by minidl") from None
    if not isinstance(meta, dict):
        raise FileFormatError(f"{path}: the metadata entry '{_META_KEY}' is a JSON "
                              f"{type(meta).__name__}, expected an object")
    return meta


def _nest(flat):
    """Foreign files: ``{"a/b": x}`` -> ``{"a": {"b": x}}``."""
    out = {}
    for name, arr in flat.items():
        d = out
        *parents, leaf = name.split("/")
        for p in parents:
            d = d.setdefault(p, {})
        d[leaf] = np.asarray(arr)
    return out


def _load_all(path):
    """(meta, decoded object, decoded config)."""
    from . import serialization
    if serialization.handles(path):  # PyTorch-style files carry no minidl metadata
        from .serialization.pt import STATE_DICT_ONLY
        obj, config = serialization.load_with_config(path, weights_only=STATE_DICT_ONLY)
        return ({"format": "pt"} if config else None), obj, config
    meta, arrays = _read(path)
    if meta is None:  # not written by minidl: give back its arrays
        return None, _nest(arrays), None

    def get(ref, where):
        if ref not in arrays:
            raise FileFormatError(f"{path}: missing array '{ref}' (key {where or '<root>'}); "
                                  "the file is incomplete or was edited")
        return np.asarray(arrays[ref])
    try:
        obj = _decode(meta["structure"], get, "")
        config = _decode(meta.get("config"), get, "__config__")
    except KeyError as exc:
        raise FileFormatError(f"{path}: malformed minidl metadata (missing {exc})") from exc
    except FileFormatError as exc:
        if str(exc).startswith(os.fspath(path)):
            raise
        raise FileFormatError(f"{path}: {exc}") from None
    return meta, obj, config


def load(path, map_location=None, weights_only=True, *, mmap=None):
    """Load what :func:`save` wrote.

    ``.pt``/``.pth`` (PyTorch's zip or legacy format) and ``.safetensors`` give
    their object back with minidl Tensors, placed by ``map_location`` (None:
    where they were saved); the pickle inside a ``.pt`` is read by a restricted
    unpickler that never runs code; a whole Module saved by ``save(model, path)``
    comes back as that Module with ``weights_only=False`` (Python's pickle, as
    ``torch.load``), or with ``weights_only=True`` when its classes are allowlisted
    (``minidl.serialization.safe_globals``); otherwise ``pickle.UnpicklingError``,
    as PyTorch's. HDF5 and ``.npz`` files give plain data:

    A Module's or a state dict's file gives its state dict (name -> NumPy
    array); a checkpoint gives its dict back (int keys, tuples, scalars
    restored; arrays as NumPy arrays). A foreign HDF5/npz file gives its
    arrays, nested by group.

    ``mmap=True`` (as ``torch.load``'s): the storages of a ``.pt`` zip file (a path, not a file object)
    are memory-mapped copy-on-write instead of read into memory; changes to the tensors never reach the file.

    Raises ``FileNotFoundError``, or :class:`FileFormatError` (a ValueError)
    naming the file for a truncated/corrupt/wrong-format file or a missing array.
    """
    from . import serialization
    weights_only = True if weights_only is None else weights_only  # None: PyTorch's default
    if mmap and not isinstance(path, (str, bytes, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    if serialization.handles(path):
        return serialization.load_file(path, map_location, weights_only, mmap=bool(mmap))
    if mmap:
        raise RuntimeError(f"load(mmap=True) reads PyTorch's zip format (torch.save) only, not {path!r}")
    return _load_all(path)[1]


def read_metadata(path) -> dict:
    """The file's metadata: ``minidl_version``, ``format`` (``"module"``,
    ``"state_dict"``, ``"checkpoint"``, ``"object"``), ``created`` (ISO time)
    and ``config`` (None unless saved from a zoo model)."""
    meta, _, config = _load_all(path)
    if meta is None:
        raise FileFormatError(f"{path}: not written by minidl (no '{_META_KEY}' entry)")
    return {k: meta.get(k) for k in ("minidl_version", "format", "created")} | {"config": config}


def _state_and_config(path):
    meta, obj, config = _load_all(path)
    if isinstance(obj, dict) and isinstance(obj.get("model"), dict) and (
            meta is None or meta.get("format") in ("checkpoint", "object")):
        config = config or obj.get("config")
        obj = obj["model"]
    if not isinstance(obj, dict):
        raise FileFormatError(f"{path}: holds no state dict (found {type(obj).__name__})")
    return obj, config


def load_weights(model, path, strict: bool = True):
    """Load the weights in ``path`` (a Module/state-dict file, or a checkpoint's
    ``"model"`` entry) into ``model`` in place; returns ``model``.

    Errors name the file and the offending keys and shapes.
    """
    state, _ = _state_and_config(path)
    try:
        model.load_state_dict(state, strict=strict)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise type(exc)(f"{path}: {exc}") from exc
    return model


def load_model(path, strict: bool = True):
    """Rebuild a zoo model saved with :func:`save` (or by ``ModelCheckpoint``) with its weights.

    The model's ``config`` (``{"name": ..., "kwargs": {...}}``) goes to
    ``minidl.models.build(name, **kwargs)``; the weights are then loaded
    strictly. Raises ``ValueError`` when the file holds no config (the model
    was not a zoo model: build it yourself and use :func:`load_weights`).
    """
    state, config = _state_and_config(path)
    if not isinstance(config, dict) or "name" not in config:
        raise ValueError(f"{path}: no model config saved (only zoo models record one); build the "
                         "model yourself and call minidl.io.load_weights(model, path)")
    from minidl import models
    name = config["name"]
    try:
        model = models.build(name, **dict(config.get("kwargs") or {}))
    except KeyError:
        raise ValueError(f"{path}: the file names zoo model {name!r}, which this minidl does not know "
                         f"(known: {', '.join(models.list_models())})") from None
    except TypeError as exc:
        raise ValueError(f"{path}: cannot rebuild zoo model {name!r} from the saved arguments ({exc})") from exc
    try:
        model.load_state_dict(state, strict=strict)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise type(exc)(f"{path}: {exc}") from exc
    return model
