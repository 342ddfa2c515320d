"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from minidl.optim import _fused
from minidl.optim._validate import check_non_negative, implementation_flags
from minidl.optim.optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """PyTorch's SGD. For each parameter p with gradient g, at step t:

        g = g + weight_decay * p                           (if weight_decay != 0)
        b_1 = g;  b_t = momentum * b_{t-1} + (1 - dampening) * g   (if momentum != 0)
        g = g + momentum * b_t if nesterov else b_t
        p = p - lr * g

    (with ``maximize``, g is negated first). The momentum buffer starts as
    the first gradient, without dampening.

    Args: params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
    nesterov=False (PyTorch's positional order); keywords maximize=False and
    PyTorch's kernel switches foreach, differentiable (False only), fused.

    >>> import minidl as mdl, minidl.optim as optim
    >>> w = mdl.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward()        # gradient 2w = [2, -4]
    >>> opt.step()
    >>> w.numpy()
    array([ 0.8, -1.6], dtype=float32)
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None):
        check_non_negative("learning rate", lr)
        check_non_negative("momentum", momentum)
        check_non_negative("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize,
                                      **implementation_flags("SGD", ("foreach", "differentiable", "fused"),
                                                             foreach, differentiable, fused)))

    # sparse gradients are taken (Optimizer._sparse_grad); PyTorch's error with a weight decay:
    _sparse_weight_decay_error = "add(sparse, dense) is not supported. Use add(dense, sparse) instead."

    def _update(self, param, grad, state, group):
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        weight_decay = float(group["weight_decay"])
        if _fused.sgd_momentum_applies(param, grad, state, momentum):   # one pass, same results as below
            _fused.sgd_momentum_step(param, grad, state, lr, momentum, dampening, weight_decay,
                                     group["nesterov"], group["maximize"])
            return
        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = grad.copy()
                state["momentum_buffer"] = buf
            else:
                buf *= momentum
                buf += (1 - dampening) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= lr * grad
