"""``minidl.func``: PyTorch's ``torch.func`` functional API (so far ``functional_call``).

``functional_call(module, params_and_buffers, args)`` runs a module with
tensors of your choice in place of its parameters and buffers, the building
block of per-sample gradients, meta-learning and model ensembling.
"""
from minidl.nn.utils._functional_call import functional_call

__all__ = ["functional_call"]
