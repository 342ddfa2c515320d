"""A stand-in for ``functorch`` (PyTorch's former home of ``torch.func``, built on torch): the names the
forward-mode AD tutorial uses, over ``minidl.func``. ``make_functional_with_buffers(model)`` gives
``(func, params, buffers)`` as functorch does: ``func(params, buffers, *inputs)`` runs a copy of ``model``
with those tensors in place of its own (through ``minidl.func.functional_call``)."""
import copy

from minidl.func import functional_call, grad, jacfwd, jacrev, jvp, vjp, vmap  # noqa: F401  (functorch's names)


def make_functional_with_buffers(model):
    """``(func, params, buffers)``: the model as a function of tuples of parameters and buffers."""
    stateless = copy.deepcopy(model)
    param_names = [name for name, _ in model.named_parameters()]
    buffer_names = [name for name, _ in model.named_buffers()]
    params = tuple(p.detach() for p in model.parameters())
    buffers = tuple(b for b in model.buffers())

    def func(params, buffers, *args, **kwargs):
        tensors = dict(zip(param_names, params))
        tensors.update(zip(buffer_names, buffers))
        return functional_call(stateless, tensors, args, kwargs)

    return func, params, buffers
