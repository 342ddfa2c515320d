"""A whole Module in a ``.pt`` file: ``minidl.save(model, path)`` adds Python's pickle of it as the record
``<archive>/minidl/module.pkl`` beside the state dict PyTorch reads; these read it back (``torch.load``'s
``weights_only`` rules: Python's pickle with ``weights_only=False``, else only allowlisted classes)."""
from __future__ import annotations

import io
import os
import pickle
import zipfile

from ._common import format_error, is_file_like

_MODULE_RECORD = "minidl/module.pkl"

# weights_only=STATE_DICT_ONLY (minidl.io's load_weights/load_model): a whole Module's file read as its state dict
STATE_DICT_ONLY = "state_dict_only"

_WEIGHTS_ONLY_FAILED = (
    "Weights only load failed. This file can still be loaded, to do so you have two options, \x1b[1mdo those "
    "steps only if you trust the source of the checkpoint\x1b[0m. \n\t(1) In PyTorch 2.6, we changed the default "
    "value of the `weights_only` argument in `torch.load` from `False` to `True`. Re-running `torch.load` with "
    "`weights_only` set to `False` will likely succeed, but it can result in arbitrary code execution. Do it only "
    "if you got the file from a trusted source.\n\t(2) Alternatively, to load with `weights_only=True` please "
    "check the recommended steps in the following error message.\n\tWeightsUnpickler error: {}\n\nCheck the "
    "documentation of torch.load to learn more about types accepted by default with weights_only "
    "https://pytorch.org/docs/stable/generated/torch.load.html.")


def _module_for(data, path, map_location, weights_only):
    """The whole Module a file holds: always with ``weights_only=False``; with ``weights_only=True`` only
    when every class and function it needs is allowlisted (:mod:`minidl.serialization.safe_globals`), else,
    as PyTorch's ``torch.load``, ``pickle.UnpicklingError`` naming the first global that is not."""
    if not weights_only:
        return _unpickle_module(data, path, map_location)
    from ._allowlist import NotAllowedGlobal, load_allowlisted
    try:
        module = load_allowlisted(data)
    except NotAllowedGlobal as exc:
        raise pickle.UnpicklingError(_WEIGHTS_ONLY_FAILED.format(exc)) from None
    if map_location is not None and not isinstance(map_location, dict) and not callable(map_location):
        module.to(map_location)
    return module


def read_module_record(path):
    """The pickle of the whole Module in a file ``minidl.save(model, path)`` wrote (a path or a binary file
    object, read from its current position and left there), or None when the file holds none."""
    if is_file_like(path):
        start = path.tell()
        source = io.BytesIO(path.read())
        path.seek(start)
    else:
        source = os.fspath(path)
    try:
        with zipfile.ZipFile(source) as zf:
            records = [n for n in zf.namelist() if n.endswith("/" + _MODULE_RECORD) and n.count("/") == 2]
            return zf.read(records[0]) if records else None
    except zipfile.BadZipFile:
        return None


def _unpickle_module(data, path, map_location):
    """The Module a ``weights_only=False`` load asked for, moved to ``map_location`` (a device)."""
    try:
        module = pickle.loads(data)
    except (AttributeError, ImportError, pickle.UnpicklingError) as exc:
        raise format_error(path, f"cannot rebuild the saved Module ({type(exc).__name__}: {exc}); its class "
                                 "must be importable where it was defined, as for torch.load") from exc
    if map_location is not None and not isinstance(map_location, dict) and not callable(map_location):
        module.to(map_location)
    return module
