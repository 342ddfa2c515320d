"""``linearize``, ``functionalize`` and ``replace_all_batch_norm_modules_`` (``torch.func``)."""
from __future__ import annotations

import functools

from ._transforms import jvp

__all__ = ["linearize", "functionalize", "replace_all_batch_norm_modules_"]


def linearize(func, *primals):
    """``(output, jvp_fn)``: ``func(*primals)`` and a function giving its Jacobian at ``primals`` applied to
    tangents, ``jvp_fn(*tangents)`` (one tangent per primal, same shapes)."""
    output, _ = jvp(func, tuple(primals), tuple(p.detach() * 0 for p in primals))

    def jvp_fn(*tangents):
        """The Jacobian of ``func`` at the linearisation point applied to ``tangents``."""
        return jvp(func, tuple(primals), tuple(tangents))[1]
    return output, jvp_fn


def functionalize(func, *, remove: str = "mutations"):
    """``func`` with its in-place operations replaced by out-of-place ones, keeping its semantics.

    In PyTorch this is a program transformation for tracing and compilers; its
    contract is that the result computes the same outputs and applies the same
    input mutations as ``func``. minidl runs eagerly and its in-place ops
    already record out-of-place graph operations, so the functionalised
    function is ``func`` itself, called through. ``remove`` is "mutations" or
    "mutations_and_views".
    """
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(f"functionalize(f, remove='mutations'): received invalid argument for remove={remove}. "
                           "Valid options are: 'mutations' or 'mutations_and_views'.")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapped


def replace_all_batch_norm_modules_(root):
    """In place on every batch norm of ``root``: drop the running statistics and stop tracking them
    (``running_mean``/``running_var``/``num_batches_tracked`` become None), so that normalisation always uses
    the batch's statistics, as vmap over a model needs. Returns ``root``."""
    from minidl.nn.layers.normalization import _BatchNorm

    def without_running_stats(module):
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    root.apply(without_running_stats)
    return root
