"""``minidl.onnx``: the import path of ``torch.onnx``, so that scripts doing ``import torch.onnx`` (pytorch/examples'
word_language_model, which exports only when asked) run.

minidl writes no ONNX files: :func:`export` says so with a ``NotImplementedError`` naming the alternative;
:func:`is_in_onnx_export` is ``False``, as it is in PyTorch outside an export.
"""
from __future__ import annotations

__all__ = ["export", "is_in_onnx_export"]


def is_in_onnx_export() -> bool:
    """Whether an ONNX export is tracing the caller: never, since minidl does not export ONNX."""
    return False


def export(model, args=(), f=None, *unused_args, **unused_kwargs):
    """``torch.onnx.export``'s signature; minidl has no ONNX writer, so this raises ``NotImplementedError``
    naming the model and the target (save weights with ``minidl.save(model.state_dict(), path)`` instead,
    which PyTorch reads)."""
    raise NotImplementedError(f"minidl.onnx.export: minidl cannot write ONNX files (asked to export "
                              f"{type(model).__name__} to {f!r}); save its weights with "
                              "minidl.save(model.state_dict(), path), which torch.load reads, and export "
                              "from PyTorch")
