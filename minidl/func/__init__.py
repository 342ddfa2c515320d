"""``minidl.func``: PyTorch's ``torch.func`` functional transforms.

* :func:`functional_call` runs a module with tensors of your choice in place of
  its parameters and buffers;
* :func:`grad`, :func:`grad_and_value`, :func:`vjp`, :func:`jvp`,
  :func:`jacrev`, :func:`jacfwd`, :func:`hessian` transform a function into
  one returning derivatives (they compose, and accept nested tuples, lists and
  dicts of tensors);
* :func:`vmap` maps a function over a batch dimension (a loop over the
  elements), :func:`stack_module_state` stacks the weights of an ensemble.
"""
from minidl.nn.utils._functional_call import functional_call

from ._extra import functionalize, linearize, replace_all_batch_norm_modules_
from ._transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp
from ._vmap import stack_module_state, vmap

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "stack_module_state", "linearize", "functionalize", "replace_all_batch_norm_modules_"]
