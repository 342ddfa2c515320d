"""``minidl.library`` (as ``torch.library``): user-defined operators with ``custom_op``, run eagerly.

``@custom_op("mylib::name", mutates_args=())`` turns a function (every parameter and the return annotated, as
PyTorch requires) into a :class:`CustomOpDef`: calling it runs the function (or the kernel registered for the
inputs' device with ``register_kernel``) with autograd recording switched off inside, as PyTorch's dispatcher
does; ``register_autograd(backward, setup_context=...)`` makes it differentiable (``setup_context(ctx, inputs,
output)`` then ``backward(ctx, *grads)`` returning one gradient per input); without it, a backward through the
op raises PyTorch's error. ``register_fake`` records the shape function PyTorch's compiler uses, and
:func:`opcheck` runs its checks eagerly: mutation of arguments not named in ``mutates_args``, an autograd
formula where inputs require grad, the fake function's output shapes and dtypes against the real ones, and the
backward's gradient shapes. Not here: ``torch.ops.<namespace>`` access, the older ``Library``/``define``/``impl``
API, ``triton_op`` and ``register_vmap``/``register_torch_dispatch``/``register_autocast``.
"""
from __future__ import annotations

import functools
import inspect
import typing

__all__ = ["custom_op", "CustomOpDef", "register_fake", "register_autograd", "register_kernel", "opcheck",
           "infer_schema", "OpCheckError"]

_OPS = {}


class OpCheckError(Exception):
    """Raised by :func:`opcheck` when a check fails."""


def _type_name(annotation, name, where):
    from .tensor import Tensor
    simple = {Tensor: "Tensor", int: "SymInt", float: "float", bool: "bool", str: "str", type(None): "()",
              None: "()"}
    if annotation in simple:
        return simple[annotation]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union and len(args) == 2 and type(None) in args:
        inner = args[0] if args[1] is type(None) else args[1]
        return _type_name(inner, name, where) + "?"
    if origin in (list, tuple, typing.Sequence, __import__("collections.abc").abc.Sequence) and args:
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return "(" + ", ".join(_type_name(a, name, where) for a in args) + ")"
        return _type_name(args[0], name, where) + "[]"
    raise ValueError(f"infer_schema({where}): Parameter {name} has unsupported type {annotation}")


def infer_schema(prototype_function, /, *, mutates_args, op_name=None) -> str:
    """The operator schema PyTorch infers from ``prototype_function``'s annotations, e.g. ``"(Tensor x) -> Tensor"``
    (mutated Tensor arguments marked ``Tensor(a0!)``); ValueError for a missing or unsupported annotation."""
    where = "func"
    signature = inspect.signature(prototype_function)
    hints = typing.get_type_hints(prototype_function)
    params = []
    for index, (name, param) in enumerate(signature.parameters.items()):
        if name not in hints:
            raise ValueError(f"infer_schema({where}): Parameter {name} must have a type annotation. Got func with "
                             f"signature {signature})")
        text = _type_name(hints[name], name, where)
        if mutates_args != "unknown" and name in mutates_args:
            text = text.replace("Tensor", f"Tensor(a{index}!)", 1)
        default = "" if param.default is inspect.Parameter.empty else f"={param.default!r}"
        params.append(f"{text} {name}{default}")
    if "return" not in hints:
        raise ValueError(f"infer_schema({where}): No return type annotation was provided. Please add one.")
    returns = _type_name(hints["return"], "return", where)
    name = f"{op_name}" if op_name else ""
    return f"{name}({', '.join(params)}) -> {returns}"


def _tensors_in(values):
    from .tensor import Tensor
    for value in values:
        if isinstance(value, Tensor):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from _tensors_in(value)


class CustomOpDef:
    """An operator made by :func:`custom_op`: call it like the function; ``register_kernel``, ``register_fake``
    and ``register_autograd`` add per-device kernels, a shape function and a derivative."""

    def __init__(self, namespace, name, schema, fn, mutates_args, device_types):
        self._namespace, self._name, self._schema = namespace, name, schema
        self._fn, self._mutates_args = fn, mutates_args
        self._signature = inspect.signature(fn)
        self._kernels = {}
        self._default = fn if device_types is None else None
        if device_types is not None:
            for device in ([device_types] if isinstance(device_types, str) else device_types):
                self._kernels[device] = fn
        self._fake = self._backward = self._setup_context = None
        functools.update_wrapper(self, fn)

    def __repr__(self):
        return f"<CustomOpDef({self._namespace}::{self._name})>"

    @property
    def _qualname(self):
        return f"{self._namespace}::{self._name}"

    def register_kernel(self, device_types, fn=None):
        """Use ``fn`` for inputs on ``device_types`` ("cpu", "cuda" or a list; None: every device); a decorator
        when ``fn`` is omitted."""
        def register(kernel):
            if device_types is None:
                self._default = kernel
            for device in ([device_types] if isinstance(device_types, str) else (device_types or ())):
                self._kernels[device] = kernel
            return kernel
        return register if fn is None else register(fn)

    def register_fake(self, fn, /, *, _stacklevel=1):
        """Record ``fn``, which gives outputs of the right shapes and dtypes without computing them; returns ``fn``."""
        self._fake = fn
        return fn

    def register_autograd(self, backward, /, *, setup_context=None):
        """Make the op differentiable: ``setup_context(ctx, inputs, output)`` saves what ``backward(ctx, *grads)``
        needs; ``backward`` returns one gradient (or None) per input."""
        self._backward, self._setup_context = backward, setup_context

    def _kernel_for(self, args):
        device = next((t.device.type for t in _tensors_in(args)), "cpu")
        kernel = self._kernels.get(device, self._default)
        if kernel is None:
            raise NotImplementedError(f"{self._qualname}: no kernel registered for device type {device!r} "
                                      f"(registered: {sorted(self._kernels)})")
        return kernel

    def __call__(self, *args, **kwargs):
        from .autograd import is_grad_enabled, no_grad
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        inputs = tuple(bound.arguments.values())
        kernel = self._kernel_for(inputs)
        if is_grad_enabled() and any(t.requires_grad for t in _tensors_in(inputs)):
            return _autograd_function(self, kernel).apply(*inputs)
        with no_grad():
            return kernel(*inputs)


def _autograd_function(op, kernel):
    """A Function subclass running ``kernel`` forward and the op's registered backward."""
    from .autograd import Function, no_grad

    def forward(ctx, *inputs):
        with no_grad():
            output = kernel(*inputs)
        if op._setup_context is not None:
            op._setup_context(ctx, inputs, output)
        return output

    def backward(ctx, *grads):
        if op._backward is None:
            raise RuntimeError(f"Trying to backward through {op._namespace}.{op._name}.default but no autograd "
                               "formula was registered. Please use register_autograd to add one.")
        result = op._backward(ctx, *grads)
        return result if isinstance(result, tuple) else (result,)
    name = f"GeneratedBackwardFor_{op._namespace}_{op._name}_default"
    return type(name, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})


def custom_op(name, fn=None, /, *, mutates_args, device_types=None, schema=None):
    """``@custom_op("namespace::name", mutates_args=...)``: a :class:`CustomOpDef` from the function (a decorator
    when ``fn`` is omitted). ``mutates_args``: the names of the arguments the function writes into (or
    ``"unknown"``); ``device_types``: the devices ``fn`` serves (None: all)."""
    if not isinstance(name, str) or name.count("::") != 1 or not all(name.split("::")):
        raise ValueError(f"custom_op: expected a name of the form 'namespace::opname', got {name!r}")
    if mutates_args != "unknown" and (isinstance(mutates_args, str) or not hasattr(mutates_args, "__iter__")):
        raise ValueError(f"custom_op({name}): mutates_args must be an iterable of argument names or 'unknown', "
                         f"got {mutates_args!r}")

    def make(function):
        namespace, opname = name.split("::")
        inferred = schema if schema is not None else infer_schema(function, mutates_args=mutates_args)
        mutated = mutates_args if mutates_args == "unknown" else tuple(mutates_args)
        op = CustomOpDef(namespace, opname, inferred, function, mutated, device_types)
        _OPS[op._qualname] = op
        return op
    return make if fn is None else make(fn)


def _resolve(op):
    if isinstance(op, CustomOpDef):
        return op
    if isinstance(op, str) and op in _OPS:
        return _OPS[op]
    raise ValueError(f"{op!r} is not an operator made by minidl.library.custom_op")


def register_fake(op, fn=None, /, *, lib=None, _stacklevel=1):
    """``op.register_fake(fn)`` for an op or its ``"namespace::name"``; a decorator when ``fn`` is omitted."""
    target = _resolve(op)
    return target.register_fake if fn is None else target.register_fake(fn)


def register_autograd(op, backward, /, *, setup_context=None, lib=None):
    """``op.register_autograd(backward, setup_context=...)`` for an op or its ``"namespace::name"``."""
    _resolve(op).register_autograd(backward, setup_context=setup_context)


def register_kernel(op, device_types, func=None, /, *, lib=None):
    """``op.register_kernel(device_types, func)`` for an op or its ``"namespace::name"``."""
    return _resolve(op).register_kernel(device_types, func)


DEFAULT_TEST_UTILS = ("test_schema", "test_autograd_registration", "test_faketensor", "test_aot_dispatch_dynamic")


def _fresh(value):
    from .tensor import Tensor
    if isinstance(value, Tensor):
        copy = value.detach().clone()
        return copy.requires_grad_(value.requires_grad) if value.is_floating_point() else copy
    if isinstance(value, (list, tuple)):
        return type(value)(_fresh(v) for v in value)
    return value


def _outputs(value):
    return [value] if not isinstance(value, (tuple, list)) else list(value)


def _check_schema(op, args, kwargs):
    from .autograd import no_grad
    before = [_fresh(a) for a in args]
    run = [_fresh(a) for a in args]
    with no_grad():
        op(*run, **kwargs)
    names = list(op._signature.parameters)
    for index, (old, new) in enumerate(zip(before, run)):
        changed = any(not a.equal(b) for a, b in zip(_tensors_in([old]), _tensors_in([new])))
        if changed and op._mutates_args != "unknown" and names[index] not in op._mutates_args:
            raise OpCheckError(f"Argument {names[index]} is not defined as mutable but was mutated")


def _check_autograd_registration(op, args, kwargs):
    if op._backward is None and any(t.requires_grad for t in _tensors_in(args)):
        raise OpCheckError(f"{op._qualname}: inputs require grad but no autograd formula is registered "
                           "(use register_autograd)")


def _check_fake(op, args, kwargs):
    from .autograd import no_grad
    from .tensor import Tensor
    with no_grad():
        real = op(*[_fresh(a) for a in args], **kwargs)
    if not any(isinstance(o, Tensor) for o in _outputs(real)):
        return
    if op._fake is None:
        raise OpCheckError(f"{op._qualname} returns Tensors but has no fake implementation (use register_fake)")
    with no_grad():
        fake = op._fake(*[_fresh(a) for a in args], **kwargs)
    for index, (r, f) in enumerate(zip(_outputs(real), _outputs(fake))):
        if isinstance(r, Tensor) and (not isinstance(f, Tensor) or tuple(r.shape) != tuple(f.shape)
                                      or r.dtype != f.dtype):
            got = (tuple(f.shape), f.dtype) if isinstance(f, Tensor) else type(f).__name__
            raise OpCheckError(f"{op._qualname}: output {index} of the fake implementation is {got}, the real one "
                               f"{(tuple(r.shape), r.dtype)}")


def _check_backward(op, args, kwargs):
    from .tensor import Tensor
    inputs = [_fresh(a) for a in args]
    output = op(*inputs, **kwargs)
    tensors = [o for o in _outputs(output) if isinstance(o, Tensor) and o.requires_grad]
    differentiable = [t for t in _tensors_in(inputs) if t.requires_grad]
    if not tensors or not differentiable or op._backward is None:
        return
    total = sum((t * 1.0).sum() for t in tensors)
    total.backward()
    for t in differentiable:
        if t.grad is not None and tuple(t.grad.shape) != tuple(t.shape):
            raise OpCheckError(f"{op._qualname}: the backward returned a gradient of shape {tuple(t.grad.shape)} "
                               f"for an input of shape {tuple(t.shape)}")


_CHECKS = {"test_schema": _check_schema, "test_autograd_registration": _check_autograd_registration,
           "test_faketensor": _check_fake, "test_aot_dispatch_dynamic": _check_backward}


def opcheck(op, args, kwargs=None, *, test_utils=DEFAULT_TEST_UTILS, raise_exception=True, atol=None, rtol=None):
    """Run the checks ``test_utils`` names on ``op(*args, **kwargs)`` (on copies of the arguments) and return
    ``{check: "SUCCESS" or the exception}``; with ``raise_exception`` the first failure raises
    :class:`OpCheckError` ("opcheck(op, ...): <check> failed with <reason>")."""
    op = _resolve(op)
    kwargs = kwargs or {}
    names = [test_utils] if isinstance(test_utils, str) else list(test_utils)
    results = {}
    for check in names:
        if check not in _CHECKS:
            raise ValueError(f"opcheck: unknown test_utils {check!r}; expected some of {list(_CHECKS)}")
        try:
            _CHECKS[check](op, tuple(args), kwargs)
            results[check] = "SUCCESS"
        except Exception as exc:  # every failure is reported, as PyTorch's opcheck does
            if raise_exception:
                raise OpCheckError(f"opcheck(op, ...): {check} failed with {exc}") from exc
            results[check] = exc
    return results
