"""``jit.save`` / ``jit.load``: minidl's own archive for scripted and traced modules and functions.

The file is a zip (stored, not compressed) holding::

    minidl_jit/format          "minidl.jit 1" (what identifies the archive)
    minidl_jit/kind            "module" or "function"
    minidl_jit/structure.pkl   the scripted object pickled without its tensors (classes and functions
                               by reference to their module, as ``torch.save`` of a whole module)
    minidl_jit/state_dict.pt   the module's state_dict, in PyTorch's zip format (``minidl.save``)
    minidl_jit/main_code.json  the script's own classes and functions as source (when the object uses
                               any: see ``minidl/jit/_main_code.py``)
    minidl_jit/extra/NAME      each of ``_extra_files``

Loading runs Python's pickle on the structure, as ``torch.load(weights_only=False)`` would: load only
files you trust. The classes of the saved module must be importable where it is loaded (TorchScript
stores their code; minidl stores references, and the source of the classes a script defines in
``__main__``). A TorchScript archive written
by PyTorch is recognised and refused with a one-line error naming the file.
"""
from __future__ import annotations

import io
import os
import pickle
import sys
import tempfile
import zipfile

from ..nn.module import Module
from ._main_code import main_code_of, namespace_from
from ._script import ScriptFunction, ScriptModule

__all__ = ["save", "load"]

_FORMAT = "minidl.jit 1"
_ROOT = "minidl_jit/"


class _TensorsLeftOut(pickle.Pickler):
    """Pickles a module's structure; its parameters and buffers go to the state_dict member."""

    def __init__(self, file, tensors):
        super().__init__(file, protocol=4)
        self._ids = {id(t): key for key, t in tensors.items()}

    def persistent_id(self, obj):
        key = self._ids.get(id(obj))
        if key is None:
            return None
        from ..nn.module import Parameter
        return ("tensor", key, isinstance(obj, Parameter), bool(obj.requires_grad))


class _TensorsPutBack(pickle.Unpickler):
    def __init__(self, file, tensors, main_code=None):
        super().__init__(file)
        self._tensors, self._rebuilt = tensors, {}
        self._main_code, self._main_namespace = main_code, None

    def find_class(self, module, name):
        if module == "__main__" and self._main_code is not None \
                and not hasattr(sys.modules.get("__main__"), name):
            if self._main_namespace is None:
                self._main_namespace = namespace_from(self._main_code)
            if name in self._main_namespace:
                return self._main_namespace[name]
        return super().find_class(module, name)

    def persistent_load(self, pid):
        _, key, is_parameter, requires_grad = pid
        if key not in self._rebuilt:
            from ..nn.module import Parameter
            tensor = self._tensors[key]
            self._rebuilt[key] = Parameter(tensor, requires_grad) if is_parameter \
                else tensor.requires_grad_(requires_grad)
        return self._rebuilt[key]


def _named_tensors(obj):
    """Every parameter and buffer reachable from ``obj`` (each object once), by its state_dict-style name."""
    if not isinstance(obj, Module):
        return {}
    found = {}
    for name, tensor in list(obj.named_parameters(remove_duplicate=True)) + list(obj.named_buffers()):
        if tensor is not None:
            found.setdefault(name, tensor)
    return found


def save(m, f, _extra_files=None):
    """``jit.save(m, f)``: write a scripted/traced module or a :class:`ScriptFunction` to ``f`` (a path,
    written to a temporary file then renamed, with the user's umask; or a binary file object).
    ``_extra_files`` maps names to ``str``/``bytes`` contents stored beside it."""
    if not isinstance(m, (ScriptModule, ScriptFunction)):
        raise AttributeError(f"jit.save: expected a ScriptModule or ScriptFunction (use minidl.jit.script or "
                             f"minidl.jit.trace first), got {type(m).__name__}")
    from ..io import atomic_path
    from ..serialization import save_file
    tensors = _named_tensors(m)
    structure = io.BytesIO()
    try:
        _TensorsLeftOut(structure, tensors).dump(m)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise RuntimeError(f"jit.save: cannot store {type(m).__name__}: {exc} (its classes and functions must "
                           "be importable by module and name)") from None
    main_code = main_code_of(structure.getvalue())
    with tempfile.TemporaryDirectory() as scratch:
        weights_path = os.path.join(scratch, "state_dict.pt")
        save_file({k: t.detach() for k, t in tensors.items()}, weights_path)
        with open(weights_path, "rb") as handle:
            weights = handle.read()

    def write(target):
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(_ROOT + "format", _FORMAT)
            archive.writestr(_ROOT + "kind", "function" if isinstance(m, ScriptFunction) else "module")
            archive.writestr(_ROOT + "structure.pkl", structure.getvalue())
            archive.writestr(_ROOT + "state_dict.pt", weights)
            if main_code is not None:
                archive.writestr(_ROOT + "main_code.json", main_code)
            for name, content in (_extra_files or {}).items():
                archive.writestr(_ROOT + "extra/" + name, content.encode() if isinstance(content, str) else content)

    if hasattr(f, "write"):
        write(f)
        return
    with atomic_path(os.fspath(f)) as tmp:
        write(tmp)


def _describe(f):
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else f"<{type(f).__name__}>"


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """``jit.load(f, map_location=None)``: the module or function :func:`save` wrote (``f`` a path or a binary
    file object), its tensors placed on ``map_location`` (a device or its name) when given.
    ``_extra_files`` (a dict of names) is filled with the stored extra files' bytes.

    Raises ``ValueError`` for a missing path or a directory (as PyTorch), ``RuntimeError`` naming the file
    for a TorchScript archive written by PyTorch, another zip, or a file that is not a zip.
    """
    where = _describe(f)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if not os.path.exists(path):
            raise ValueError(f"The provided filename {path} does not exist")
        if os.path.isdir(path):
            raise ValueError(f"The provided filename {path} is a directory")
    try:
        archive = zipfile.ZipFile(f)
    except zipfile.BadZipFile:
        raise RuntimeError(f"{where}: not a minidl.jit archive (not a zip file); minidl.jit.load reads what "
                           "minidl.jit.save wrote") from None
    with archive:
        names = archive.namelist()
        if _ROOT + "format" not in names:
            if any("/code/" in n or n.endswith("constants.pkl") for n in names):
                raise RuntimeError(f"{where}: a TorchScript archive written by PyTorch; minidl has no TorchScript "
                                   "interpreter and minidl.jit.load reads only files written by minidl.jit.save "
                                   "(save the model's state_dict with torch.save and load it with minidl.load)")
            raise RuntimeError(f"{where}: not a minidl.jit archive (no minidl_jit/format member); for a file "
                               "written by torch.save/minidl.save use minidl.load")
        found = archive.read(_ROOT + "format").decode()
        if found != _FORMAT:
            raise RuntimeError(f"{where}: a minidl.jit archive of format {found!r}; this minidl reads {_FORMAT!r}")
        with tempfile.TemporaryDirectory() as scratch:
            weights_path = os.path.join(scratch, "state_dict.pt")
            with open(weights_path, "wb") as handle:
                handle.write(archive.read(_ROOT + "state_dict.pt"))
            from ..serialization import load_file
            tensors = load_file(weights_path, None, True)
        try:
            main_code = archive.read(_ROOT + "main_code.json").decode() if _ROOT + "main_code.json" in names else None
            obj = _TensorsPutBack(io.BytesIO(archive.read(_ROOT + "structure.pkl")), tensors, main_code).load()
        except (AttributeError, ModuleNotFoundError, ImportError) as exc:
            raise RuntimeError(f"{where}: cannot rebuild the saved module: {exc} (minidl.jit archives refer to "
                               "the classes and functions they hold by module and name; import them first)") from None
        if _extra_files is not None:
            for name in list(_extra_files):
                member = _ROOT + "extra/" + name
                if member in names:
                    _extra_files[name] = archive.read(member)
    if map_location is not None and isinstance(obj, Module):
        obj.to(map_location)
    return obj

