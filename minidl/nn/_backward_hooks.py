"""Module backward hooks: ``register_full_backward_hook`` / ``register_full_backward_pre_hook``.

A module with backward hooks runs its forward on aliases of its Tensor inputs
and returns aliases of its Tensor outputs; gradient hooks on those aliases see
``grad_output`` (the gradients reaching the outputs) and ``grad_input`` (those
leaving through the inputs), as PyTorch's ``BackwardHook`` does. The hook
``hook(module, grad_input, grad_output)`` runs once the input gradients are
known (with ``grad_input`` all None when no input requires grad, right after
``grad_output``); what it returns replaces ``grad_input`` (for a module with one
Tensor input requiring grad; with several, the replacement applies to the last
one computed). A pre-hook ``hook(module, grad_output)`` may return a new
``grad_output``.
"""
from __future__ import annotations

import warnings

from minidl.tensor import Tensor

__all__ = ["call_with_backward_hooks"]

_NO_INPUT_GRAD_WARNING = ("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
                          "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.")


def _alias(t):
    return t.view(t.shape)


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def call_with_backward_hooks(module, args, run_forward):
    """``run_forward(args)`` with ``module``'s backward hooks wired to its input and output gradients."""
    hooks = list(module.__dict__.get("_backward_hooks", {}).values())
    pre_hooks = list(module.__dict__.get("_backward_pre_hooks", {}).values())
    tracked = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    args = tuple(_alias(a) if i in tracked else a for i, a in enumerate(args))
    state = {"grad_input": [None] * len(args), "pending": set(tracked), "grad_output": None}

    def fire():
        grad_input = tuple(state["grad_input"])
        result = None
        for hook in hooks:
            out = hook(module, grad_input, state["grad_output"])
            if out is not None:
                result = grad_input = _as_tuple(out)
        return result

    def input_hook(index):
        def on_grad(g):
            state["grad_input"][index] = g
            state["pending"].discard(index)
            if state["pending"]:
                return None
            result = fire()
            return None if result is None else result[index]
        return on_grad

    for i in tracked:
        args[i].register_hook(input_hook(i))
    out = run_forward(args)
    outputs = _as_tuple(out)
    wrapped = [_alias(o) if isinstance(o, Tensor) and o.requires_grad else o for o in outputs]
    positions = [i for i, o in enumerate(wrapped) if isinstance(o, Tensor) and o.requires_grad]
    grads = [None] * len(wrapped)
    waiting = set(positions)

    def output_hook(index):
        def on_grad(g):
            grads[index] = g
            waiting.discard(index)
            if waiting:
                return None
            grad_output = tuple(grads)
            for hook in pre_hooks:
                new = hook(module, grad_output)
                if new is not None:
                    grad_output = _as_tuple(new)
            state["grad_output"] = grad_output
            if not tracked:
                warnings.warn(_NO_INPUT_GRAD_WARNING, UserWarning, stacklevel=2)
                fire()
            return grad_output[index]
        return on_grad

    for i in positions:
        wrapped[i].register_hook(output_hook(i))
    return tuple(wrapped) if isinstance(out, tuple) else wrapped[0]
