"""``minidl._dynamo`` (as ``torch._dynamo``): the names scripts touch around ``torch.compile``.

minidl compiles nothing: :func:`minidl.compile` runs the code eagerly. What scripts see of TorchDynamo is kept:
a compiled Module is an :class:`OptimizedModule` wrapping the original as ``_orig_mod`` (so its ``state_dict``
keys carry the ``_orig_mod.`` prefix, as PyTorch's do), :func:`reset` clears the (empty) caches, and
:mod:`config` holds PyTorch's common settings (``suppress_errors``, ``cache_size_limit``, ...), which are
recorded and otherwise ignored.
"""
from __future__ import annotations

from ..compiler import allow_in_graph, assume_constant_result, disable, is_compiling, list_backends
from . import config
from .eval_frame import OptimizedModule

__all__ = ["OptimizedModule", "config", "reset", "allow_in_graph", "assume_constant_result", "disable",
           "is_compiling", "list_backends", "mark_dynamic", "mark_static", "maybe_mark_dynamic", "graph_break",
           "is_dynamo_supported", "reset_code_caches"]


def reset() -> None:
    """Clear TorchDynamo's compilation caches: minidl keeps none."""


def reset_code_caches() -> None:
    """Clear the compiled-code caches: minidl keeps none."""


def mark_dynamic(t, index, *, min=None, max=None, specialize_on=None) -> None:  # noqa: A002
    """Mark dimension(s) ``index`` of ``t`` as dynamic for compilation: recorded on the tensor, otherwise unused."""
    dims = getattr(t, "_dynamo_dynamic_indices", set())
    dims.update(index if isinstance(index, (list, tuple)) else [index])
    t._dynamo_dynamic_indices = dims


def maybe_mark_dynamic(t, index) -> None:
    """As :func:`mark_dynamic`, a hint only."""
    mark_dynamic(t, index)


def mark_static(t, index=None) -> None:
    """Mark ``t`` (or its dimension ``index``) as static for compilation: nothing to do in minidl."""


def graph_break() -> None:
    """Force a graph break under compilation: eager code has no graph to break."""


def is_dynamo_supported() -> bool:
    """Whether TorchDynamo can run on this Python: True (minidl's compile runs everything eagerly)."""
    return True
