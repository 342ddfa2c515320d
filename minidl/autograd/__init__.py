"""Reverse-mode automatic differentiation, with PyTorch's interface.

* :func:`backward` and :func:`grad` run a backward pass (``create_graph=True``
  records it, for higher-order gradients);
* :class:`Function` defines custom differentiable operations
  (``@staticmethod forward(ctx, ...)`` / ``backward(ctx, ...)``, ``.apply``);
* :class:`no_grad`, :class:`enable_grad`, :class:`set_grad_enabled`,
  :class:`inference_mode` switch graph recording;
* :func:`gradcheck` and :func:`gradgradcheck` compare first and second
  derivatives with finite differences.

The engine is in ``engine.py``, the graph nodes in ``function.py``, grad mode in
``grad_mode.py``; ``docs/architecture.md`` explains the design.
"""
from __future__ import annotations

from . import function
from .anomaly_mode import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import _topological_order, backward, grad, register_post_accumulate_grad_hook, unbroadcast
from .function import AccumulateGrad, Function, FunctionCtx, Node, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)

__all__ = ["Function", "FunctionCtx", "Node", "AccumulateGrad", "once_differentiable", "backward", "grad",
           "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "register_post_accumulate_grad_hook", "gradcheck", "gradgradcheck",
           "GradcheckError", "unbroadcast",
           "function", "_topological_order"]
__all__ += ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]
from . import functional  # noqa: E402  (minidl.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp)

__all__ += ["functional"]


def __getattr__(name):
    # gradcheck lives in minidl/gradcheck.py, which imports Tensor: loaded on first use
    if name in ("gradcheck", "gradgradcheck", "GradcheckError"):
        import importlib
        return getattr(importlib.import_module("minidl.gradcheck"), name)
    raise AttributeError(f"module 'minidl.autograd' has no attribute {name!r}")

from .variable import Variable  # noqa: E402  (PyTorch 2's legacy Variable: returns a Tensor)


def variable(*args, **kwargs):
    """Removed from PyTorch: ``torch.autograd.variable(...)`` raises; build tensors with :func:`minidl.tensor`.

    (The module ``minidl.autograd.variable`` still holds :class:`Variable`, as in PyTorch.)
    """
    raise RuntimeError("torch.autograd.variable(...) is deprecated, use torch.tensor(...) instead")


__all__ += ["Variable", "variable"]

from . import graph  # noqa: E402  (minidl.autograd.graph: saved_tensors_hooks, save_on_cpu, ...)

__all__ += ["graph"]

from . import profiler  # noqa: E402  (minidl.autograd.profiler: the legacy profiler, record_function, emit_nvtx)

__all__ += ["profiler"]

from . import forward_ad  # noqa: E402  (minidl.autograd.forward_ad: dual tensors, forward-mode AD)

__all__ += ["forward_ad"]

# grad_fn._saved_self / _saved_other / _saved_result / ... on minidl's own nodes, as PyTorch's (saved_attributes.py)
from .function import Function as _Function  # noqa: E402
from .saved_attributes import node_getattr as _node_getattr  # noqa: E402

_Function.__getattr__ = _node_getattr
