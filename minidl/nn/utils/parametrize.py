"""``minidl.nn.utils.parametrize``: tensors of a module computed from other tensors, as ``torch.nn.utils.parametrize``.

``register_parametrization(module, "weight", P)`` moves the parameter (or
buffer) ``weight`` to ``module.parametrizations.weight.original`` and makes
``module.weight`` a property that returns ``P(original)``, recomputed at every
access (or once per :func:`cached` block). As in PyTorch the module's class is
swapped for a generated subclass (``ParametrizedLinear``) that holds the
property; the state-dict keys are PyTorch's
(``parametrizations.weight.original``, or ``original0``, ``original1``, ... when
``P.right_inverse`` returns several tensors), so checkpoints load unchanged.
Assigning ``module.weight = value`` stores ``right_inverse(value)``.
"""
from __future__ import annotations

import collections.abc
import copy
import copyreg
from contextlib import contextmanager

from minidl.autograd import no_grad
from minidl.nn.containers import ModuleDict, ModuleList
from minidl.nn.module import Parameter
from minidl.size import Size
from minidl.tensor import Tensor

__all__ = ["cached", "ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "type_before_parametrizations", "transfer_parametrizations_and_params"]

_cache_enabled = 0
_cache: dict = {}


@contextmanager
def cached():
    """Within the block, each parametrized tensor is computed once, at its first access, and reused.

    Useful when a parametrized weight is read many times per step (an RNN's
    recurrent weight). Leaving the outermost block clears the cache.
    """
    global _cache, _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module, name, X):
    if isinstance(X, Parameter):
        module.register_parameter(name, X)
    else:
        module.register_buffer(name, X)


def _set_array(dest, src):
    """PyTorch's ``dest.set_(src)``: ``dest`` (same object, so optimisers keep it) now holds ``src``'s array."""
    dest.array = src.array


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the ``original`` tensor(s) they start from.

    Args:
        modules: the parametrizations (at least one).
        original: the parameter or buffer being parametrized; it is replaced by
            ``right_inverse(original)`` of the parametrizations (last first), when they define one.
        unsafe: skip the checks that the parametrized tensor keeps its shape and dtype.
    """

    def __init__(self, modules, original, unsafe: bool = False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original.shape, original.dtype
        with no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, Tensor) and not isinstance(new, collections.abc.Sequence):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                             f"Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError("When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                                 f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}")
            if original.device != new.device:
                raise ValueError("When `right_inverse` outputs one tensor, it may not change the device.\n"
                                 f"original.device: {original.device}\n"
                                 f"right_inverse(original).device: {new.device}")
            _set_array(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, originali in enumerate(new):
                if not isinstance(originali, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                                     f"Got element {i} of the sequence with type {type(originali).__name__}.")
                if isinstance(original, Parameter):
                    originali = Parameter(originali.array, original.requires_grad)
                else:
                    originali = Tensor(originali.array, requires_grad=original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", originali)
        if not self.unsafe:
            Z = self()
            if not isinstance(Z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(Z).__name__}.")
            if Z.dtype != original_dtype:
                raise ValueError("Registering a parametrization may not change the dtype of the tensor, unless "
                                 f"`unsafe` flag is enabled.\nunparametrized dtype: {original_dtype}\n"
                                 f"parametrized dtype: {Z.dtype}")
            if Z.shape != original_shape:
                raise ValueError("Registering a parametrization may not change the shape of the tensor, unless "
                                 f"`unsafe` flag is enabled.\nunparametrized shape: {Size(original_shape)!r}\n"
                                 f"parametrized shape: {Size(Z.shape)!r}")

    def right_inverse(self, value) -> None:
        """Store ``value`` as the tensor's new value: the originals become the parametrizations' right inverses."""
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                else:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(f"The tensor returned by `right_inverse` has dtype {value.dtype} "
                                     f"while `original` has dtype {self.original.dtype}")
                _set_array(self.original, value)
            else:
                if not isinstance(value, collections.abc.Sequence):
                    raise ValueError(f"'right_inverse' must return a sequence of tensors. Got {type(value).__name__}.")
                if len(value) != self.ntensors:
                    raise ValueError("'right_inverse' must return a sequence of tensors of length "
                                     f"{self.ntensors}. Got a sequence of length {len(value)}.")
                for i, tensor in enumerate(value):
                    original_i = getattr(self, f"original{i}")
                    if not isinstance(tensor, Tensor):
                        raise ValueError("'right_inverse' must return a sequence of tensors. "
                                         f"Got element {i} of type {type(tensor).__name__}.")
                    if original_i.dtype != tensor.dtype:
                        raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype {tensor.dtype} "
                                         f"while `original{i}` has dtype {original_i.dtype}")
                    _set_array(original_i, tensor)

    def forward(self):
        """The parametrized tensor: the first parametrization on the original(s), then the others in turn."""
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _default_deepcopy(self, memo):
    obj = memo.get(id(self), None)
    if obj is not None:
        return obj
    replica = self.__new__(self.__class__)
    memo[id(self)] = replica
    replica.__dict__ = copy.deepcopy(self.__dict__, memo)
    for slot in copyreg._slotnames(self.__class__):
        if hasattr(self, slot):
            setattr(replica, slot, copy.deepcopy(getattr(self, slot), memo))
    return replica


def _getstate(self):
    raise RuntimeError("Serialization of parametrized modules is only supported through state_dict(). See:\n"
                       "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
                       "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training")


def _inject_new_class(module) -> None:
    """Give ``module`` its own subclass ``Parametrized<Class>``, where the properties can live."""
    cls = module.__class__
    namespace = {"__getstate__": _getstate}
    if not hasattr(cls, "__deepcopy__"):
        namespace["__deepcopy__"] = _default_deepcopy
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), namespace)


# (id(module), tensor_name) -> the Tensor that stands for the parametrized tensor during a functional_call
_substitutes = {}


def _inject_property(module, tensor_name: str) -> None:
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_parametrized(self):
        substitute = _substitutes.get((id(self), tensor_name))
        if substitute is not None:   # functional_call's value for the parametrized name itself
            return substitute
        parametrization = self.parametrizations[tensor_name]
        if _cache_enabled:
            key = (id(self), tensor_name)
            tensor = _cache.get(key)
            if tensor is None:
                tensor = _cache[key] = parametrization()
            return tensor
        return parametrization()

    def set_original(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original,
                                                    doc=f"The parametrized tensor '{tensor_name}'."))


def register_parametrization(module, tensor_name: str, parametrization, *, unsafe: bool = False):
    """Make ``module.<tensor_name>`` equal ``parametrization(original)``; returns ``module``.

    Args:
        module: the module holding the parameter or buffer ``tensor_name``.
        tensor_name: its name; registering a second parametrization on the same
            name chains it after the first.
        parametrization: a Module whose ``forward`` maps the original tensor(s)
            to the parametrized one; an optional ``right_inverse(value)`` maps a
            value back (one Tensor, or a sequence of Tensors that become
            ``original0``, ``original1``, ...).
        unsafe: allow the parametrization to change the tensor's shape or dtype.

    Raises:
        ValueError: no such parameter/buffer, or a parametrization that changes shape or dtype.
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            Y = getattr(module, tensor_name)
            X = parametrization(Y)
            if not isinstance(X, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(X).__name__}.")
            if X.dtype != Y.dtype:
                raise ValueError("Registering a parametrization may not change the dtype of the tensor, unless the "
                                 f"`unsafe` flag is enabled.\nmodule.{tensor_name}.dtype: {Y.dtype}\n"
                                 f"parametrization(module.{tensor_name}).dtype: {X.dtype}")
            if X.shape != Y.shape:
                raise ValueError("Registering a parametrization may not change the shape of the tensor, unless the "
                                 f"`unsafe` flag is enabled.\nmodule.{tensor_name}.shape: {Size(Y.shape)!r}\n"
                                 f"parametrization(module.{tensor_name}).shape: {Size(X.shape)!r}")
            if hasattr(parametrization, "right_inverse"):
                try:
                    Z = parametrization.right_inverse(X)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(Z, Tensor):
                        raise ValueError(f"parametrization.right_inverse must return a tensor. Got: "
                                         f"{type(Z).__name__}")
                    for what, mine, theirs in (("dtype", Y.dtype, Z.dtype), ("shape", Y.shape, Z.shape)):
                        if mine != theirs:   # PyTorch's two checks, dtype first
                            shown = (repr(Size(mine)), repr(Size(theirs))) if what == "shape" else (mine, theirs)
                            raise ValueError("The tensor returned by parametrization.right_inverse must have the "
                                             f"same {what} as module.{tensor_name}, unless the `unsafe` flag is "
                                             f"enabled.\nmodule.{tensor_name}.{what}: {shown[0]}\n"
                                             f"returned {what}: {shown[1]}")
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    return module


def is_parametrized(module, tensor_name=None) -> bool:
    """Whether ``module`` has any parametrization (or one on ``tensor_name``)."""
    parametrizations = getattr(module, "parametrizations", None)
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module, tensor_name: str, leave_parametrized: bool = True):
    """Remove the parametrizations on ``tensor_name``; returns ``module``.

    With ``leave_parametrized`` the tensor keeps its current parametrized value
    (written into the original Parameter object, so optimisers keep it);
    otherwise it goes back to the stored original. When the module has no
    parametrization left it gets its own class back.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
            _set_array(original, t)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
        t = getattr(module, tensor_name)
        original = Parameter(t.detach().array) if t.requires_grad else t.detach()
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module) -> type:
    """The module's class before parametrizations were registered (its own class otherwise)."""
    if is_parametrized(module):
        return module.__class__.__bases__[0]
    return type(module)


def transfer_parametrizations_and_params(from_module, to_module, tensor_name=None):
    """Copy the parametrizations on ``tensor_name`` (all, when None) and their originals to ``to_module``.

    ``to_module`` gets the same parametrization modules registered (unsafe) and
    its originals set to copies of ``from_module``'s; returns ``to_module``.
    """
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    if not isinstance(names, collections.abc.Sequence) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"tensor_name must be a string or None, got {tensor_name!r}")
    for name in names:
        source = from_module.parametrizations[name]
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name).detach().array.copy()))
        for param_func in source:
            register_parametrization(to_module, name, param_func, unsafe=True)
        target = to_module.parametrizations[name]
        with no_grad():
            if source.is_tensor:
                target.original.array = source.original.array.copy()
            else:
                for i in range(source.ntensors):
                    getattr(target, f"original{i}").array = getattr(source, f"original{i}").array.copy()
    return to_module
