"""``minidl.utils.checkpoint``: activation checkpointing, as ``torch.utils.checkpoint``.

``checkpoint(function, *args)`` runs ``function`` without recording its
graph (its intermediate activations are not kept), and recomputes it during
the backward pass to get the gradients: memory for compute. The random state
is saved and restored around the recomputation (``preserve_rng_state``), so
dropout draws the same masks twice.

>>> import minidl as mdl
>>> from minidl.utils.checkpoint import checkpoint
>>> layer = mdl.nn.Linear(3, 3)
>>> out = checkpoint(layer, mdl.randn(2, 3), use_reentrant=False)
>>> out.sum().backward()
>>> layer.weight.grad.shape
minidl.Size([3, 3])
"""
from __future__ import annotations

import warnings

from .. import random as _random
from ..autograd import Function, enable_grad, no_grad
from ..autograd import backward as _backward
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]

_REENTRANT_WARNING = ("minidl.utils.checkpoint: the use_reentrant parameter should be passed explicitly. As in "
                      "PyTorch, use_reentrant=False is recommended; without it the reentrant variant runs (whose "
                      "gradients reach the parameters only when an input requires grad).")


class CheckpointFunction(Function):
    """Forward without a graph; backward recomputes ``run_function`` with one and backpropagates through it
    (named as PyTorch's reentrant checkpoint function, so its node reads ``CheckpointFunctionBackward``)."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, kwargs, anchor, *args):
        ctx.run_function, ctx.kwargs, ctx.args = run_function, kwargs, args
        ctx.rng_state = _random.get_rng_state() if preserve_rng_state else None
        with no_grad():
            outputs = run_function(*args, **kwargs)
        ctx.single = isinstance(outputs, Tensor)
        return outputs

    @staticmethod
    def backward(ctx, *grad_outputs):
        inputs = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a for a in ctx.args]
        saved_state = _random.get_rng_state() if ctx.rng_state is not None else None
        if ctx.rng_state is not None:
            _random.set_rng_state(ctx.rng_state)
        try:
            with enable_grad():
                outputs = ctx.run_function(*inputs, **ctx.kwargs)
        finally:
            if saved_state is not None:
                _random.set_rng_state(saved_state)
        outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        _backward([o for o, _ in pairs], [g for _, g in pairs])
        grads = tuple(a.grad if isinstance(a, Tensor) and a.requires_grad else None for a in inputs)
        return (None, None, None, None) + grads


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               early_stop=True, **kwargs):
    """``function(*args, **kwargs)``, with its activations recomputed in the backward pass instead of stored.

    ``use_reentrant=False`` (recommended, as in PyTorch) gives the parameters
    used inside ``function`` their gradients even when no input requires
    grad, and accepts keyword arguments for ``function``. ``True`` (and
    ``None``, with PyTorch's warning) is the reentrant variant: gradients
    flow only when an input requires grad (otherwise it warns, as PyTorch).
    ``preserve_rng_state=True`` (a keyword) replays the random state for the
    recomputation. ``context_fn``, ``determinism_check``, ``debug`` and
    ``early_stop`` are accepted for compatibility. Not compatible with
    :func:`minidl.autograd.grad` (the recomputation accumulates into
    ``.grad``), as PyTorch's reentrant variant.
    """
    preserve = kwargs.pop("preserve_rng_state", True)
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", UserWarning,
                          stacklevel=2)
        anchor = None
    else:
        from ..creation import zeros
        anchor = zeros((), requires_grad=True)   # makes the node recorded even when no input requires grad
    return CheckpointFunction.apply(function, preserve, kwargs, anchor, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (a Sequential or a list of modules) in ``segments`` chunks, checkpointing all but
    the last, as ``torch.utils.checkpoint.checkpoint_sequential``."""
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)

    def run_range(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_range(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_range(end + 1, len(functions) - 1)(input)
