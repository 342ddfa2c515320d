"""``Layer``, ``Variable``, ``KerasTensor``, ``InputLayer`` and ``Input``: the Keras layer protocol.

A Keras layer here is a minidl :class:`~minidl.nn.Module` whose weights are
minidl Parameters/buffers in minidl's layout (a Conv2D kernel is stored (out, in, kh, kw));
:attr:`Layer.weights` shows them in Keras' layout ((kh, kw, in, out)), and ``get_weights``/``set_weights`` convert.
Calling a layer on a :class:`KerasTensor` (from :func:`Input`)
records a graph node and returns a new symbolic tensor; calling it on an
array or Tensor runs it at once (channels-last in and out). Models run the
internal ``_forward`` on channels-first tensors and convert only at their
edge (see :mod:`minidl.keras._tensor`).
"""
from __future__ import annotations

import warnings

import numpy as np

from minidl.keras import initializers as _init
from minidl.keras import regularizers as _reg
from minidl.keras._naming import to_snake_case, unique_name
from minidl.keras._tensor import numpy_of, permute, to_external, to_internal
from minidl.keras.layers._call_args import UserCallOptions
from minidl.keras.layers._dtype_props import DTypeViewsMixin
from minidl.keras.layers._keras_config import wrap_get_config as _wrap_get_config
from minidl.keras.layers._mask import MaskingMixin
from minidl.keras.layers._name_scope import name_scope, scoped_build, variable_path
from minidl.keras.layers._saving_hooks import SavingHooksMixin
from minidl.keras.layers._symbolic import UNSET, CallMixin, KerasTensor, Positional, call_scope, training_context  # noqa
from minidl.nn.module import Module, Parameter
from minidl.tensor import Tensor

__all__ = ["Layer", "Variable", "BufferVariable", "VariableView", "KerasTensor", "InputLayer", "Input",
           "standardize_shape", "training_context"]


def standardize_shape(shape, what="shape"):
    """A tuple of ints/None from an int, a tuple or a list (``None`` dims allowed)."""
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        return tuple(None if d is None else int(d) for d in shape)
    except TypeError:
        raise TypeError(f"Cannot convert {what} {shape!r} to a shape tuple") from None


class _KerasVariableAPI:
    """Keras' Variable interface: ``name``, ``path``, ``shape`` (Keras' layout), ``dtype``,
    ``trainable``, ``numpy()`` (a copy in Keras' layout), ``assign(value)``, ``value``."""

    name = None      # Keras' variable name, set per instance (shadows Tensor.name, PyTorch's read-only None)
    constraint = None  # Keras' ``variable.constraint``: set by ``Layer.add_weight(constraint=...)``

    def _setup(self, layer, name, attr, to_keras=None, from_keras=None):
        self._layer, self.name, self._attr = layer, name, attr
        self._to_keras, self._from_keras = to_keras, from_keras

    @property
    def tensor(self) -> Tensor:
        """The minidl Parameter/buffer holding the values (minidl's layout)."""
        return getattr(self._layer, self._attr)

    @property
    def path(self) -> str:
        """``outer_layer/layer_name/weight_name``: the name scopes open when the weight was made."""
        return self.__dict__.get("_path") or f"{self._layer.name}/{self.name}"

    @property
    def trainable(self) -> bool:
        """True for weights the optimiser updates."""
        return self._attr in self._layer._parameters and self._layer.trainable

    @property
    def keras_shape(self) -> tuple:
        """The shape in Keras' layout."""
        s = tuple(self.tensor.array.shape)
        return tuple(s[i] for i in self._to_keras) if self._to_keras else s

    @property
    def value(self):
        """The values as a Tensor in Keras' layout (the weight itself, or a view of it), as Keras'
        ``variable.value`` is the backend tensor; its ``grad`` is the weight's gradient in that layout."""
        from minidl.keras._variable_value import layout_view
        return layout_view(self)

    def numpy(self) -> np.ndarray:
        """A NumPy copy in Keras' layout."""
        a = numpy_of(self.tensor.array)
        return np.array(a.transpose(self._to_keras) if self._to_keras else a, copy=True)

    def keras_tensor(self) -> Tensor:
        """The weight as a differentiable Tensor in Keras' layout (for regularisers)."""
        t = self.tensor
        return permute(t, self._to_keras) if self._to_keras else t

    def assign(self, value):
        """Overwrite the values with ``value`` (Keras' layout and shape); returns the variable."""
        arr = np.asarray(numpy_of(value.array if isinstance(value, Tensor) else value))
        if tuple(arr.shape) != self.keras_shape:
            owner = f"Layer {self._layer.name} weight" if self._layer is not None else f"Variable {self.name}"
            raise ValueError(f"{owner} shape {self.keras_shape} is not "
                             f"compatible with provided weight shape {tuple(arr.shape)}.")
        if self._from_keras:
            arr = arr.transpose(self._from_keras)
        target = self.tensor.array
        target[...] = _to_backend_like(arr.astype(target.dtype), target)
        return self

    def assign_add(self, value):
        """Add ``value`` to the values in place (Keras' layout); returns the variable."""
        return self.assign(self.numpy() + np.asarray(numpy_of(value.detach() if isinstance(value, Tensor) else value)))

    def assign_sub(self, value):
        """Subtract ``value`` from the values in place (Keras' layout); returns the variable."""
        return self.assign(self.numpy() - np.asarray(numpy_of(value.detach() if isinstance(value, Tensor) else value)))

    def _describe(self):
        return (f"<Variable path={self.path}, shape={self.keras_shape}, dtype="
                f"{np.dtype(self.tensor.dtype)}, value={self.numpy()}>")


class Variable(_KerasVariableAPI, Parameter):
    """A trainable layer weight stored in Keras' layout: a minidl Parameter with Keras'
    Variable interface, usable directly in Tensor arithmetic (``inputs @ self.kernel``)."""

    def __init__(self, initializer=None, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None, *, _layer=None, _attr=None):
        """Keras' ``keras.Variable(initializer, shape, dtype, trainable, name=...)``: ``initializer`` is
        an array-like or an initializer (name or callable, with ``shape``). Layers make theirs
        through ``add_weight``."""
        if isinstance(initializer, str) or (callable(initializer) and not hasattr(initializer, "shape")):
            values = _init.get(initializer)(standardize_shape(shape or ()), dtype=dtype or "float32")
        else:
            values = numpy_of(initializer.detach() if isinstance(initializer, Tensor) else initializer)
        arr = np.asarray(values)
        if dtype is not None or arr.dtype.kind == "f" or arr.dtype.kind not in "biu":
            arr = arr.astype(np.dtype(dtype or "float32"))
        Parameter.__init__(self, arr, requires_grad=bool(trainable) and arr.dtype.kind == "f")
        self._setup(_layer, name or "variable", _attr)
        if _layer is None:
            self._path = variable_path(self.name)
        self._own_trainable = bool(trainable)

    @property
    def path(self) -> str:
        """``outer_layer/layer_name/weight_name`` (the name scopes open when the weight was made)."""
        if self.__dict__.get("_path"):
            return self._path
        return self.name if self._layer is None else f"{self._layer.name}/{self.name}"

    @property
    def trainable(self) -> bool:
        """True for weights the optimiser updates."""
        if self._layer is None:
            return self._own_trainable
        return self._attr in self._layer._parameters and self._layer.trainable

    @property
    def tensor(self):
        return self

    def numpy(self):
        return np.array(numpy_of(self.array), copy=True)

    def __repr__(self):
        return self._describe()


class BufferVariable(_KerasVariableAPI, Tensor):
    """A non-trainable layer weight in Keras' layout (e.g. batch-norm moving statistics)."""

    def __init__(self, values, layer, name, attr):
        Tensor.__init__(self, values)
        self._setup(layer, name, attr)

    @property
    def tensor(self):
        return self

    def numpy(self):
        return np.array(numpy_of(self.array), copy=True)

    def __repr__(self):
        return self._describe()


class VariableView(_KerasVariableAPI):
    """A Keras-layout view of a weight that minidl stores in another layout (the Conv2D kernel,
    stored (out, in, kh, kw), seen as (kh, kw, in, out))."""

    def __init__(self, layer, name, attr, to_keras, from_keras):
        self._setup(layer, name, attr, to_keras, from_keras)

    @property
    def shape(self) -> tuple:
        """The shape in Keras' layout."""
        return self.keras_shape

    @property
    def dtype(self):
        """The dtype of the values."""
        return self.tensor.dtype

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __repr__(self):
        return self._describe()


def _to_backend_like(arr, like):
    """``arr`` on the device of ``like``."""
    from minidl import backend
    return backend.to_device(arr, backend.device_of(like))


_TRAINING_DEFAULTS = {}  # layer class -> the default `training` of its calls

_KNOWN_BASE_KWARGS = {"input_shape", "input_dim", "batch_input_shape", "batch_size", "name",
                      "trainable", "dtype", "autocast", "activity_regularizer"}


class Layer(MaskingMixin, CallMixin, UserCallOptions, SavingHooksMixin, DTypeViewsMixin, Module):
    """Base class of the Keras layers.

    Subclasses implement ``build(input_shape)`` (create weights with
    :meth:`add_weight`), ``compute_output_shape(input_shape)`` and
    ``_forward(x, training)`` on internal-layout Tensors. A user layer may
    instead implement Keras' ``call(inputs)`` on channels-last Tensors.

    Args (as Keras): ``name`` (default: the snake-cased class name made
    unique: ``dense``, ``dense_1``, ...), ``trainable``, ``dtype``,
    ``input_shape`` / ``input_dim`` (for the first layer of a Sequential).
    """

    def __init_subclass__(cls, **kwargs):
        """A user subclass of a built-in layer that overrides ``call`` runs that override (see
        :mod:`minidl.keras.layers._call_override`)."""
        super().__init_subclass__(**kwargs)
        from minidl.keras.layers._call_override import install_override
        install_override(cls)
        if "build" in cls.__dict__:  # built inside the layer's name scope, as Keras
            cls.build = scoped_build(cls.__dict__["build"])
        _wrap_get_config(cls)  # a built-in class's config in Keras 3's form

    @property
    def path(self):
        """Keras' ``layer.path``: the name scopes the layer was built in (``outer/inner``); None unbuilt."""
        return self.__dict__.get("_user_path", self.__dict__.get("_path"))

    @path.setter
    def path(self, value):  # (a user layer may keep an attribute of that name: kept apart from the scope's)
        self.__dict__["_user_path"] = value

    def __new__(cls, *args, **kwargs):
        """Record a user class's constructor arguments for Keras' automatic ``get_config``."""
        from minidl.keras._auto_config import record_auto_config
        return record_auto_config(super().__new__(cls), cls, args, kwargs)

    def __init__(self, name=None, trainable=True, dtype=None, **kwargs):
        unknown = set(kwargs) - _KNOWN_BASE_KWARGS
        if unknown:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                             f"{ {k: kwargs[k] for k in sorted(unknown)} }")
        super().__init__()
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.built = False
        self._trainable = bool(trainable)
        if isinstance(dtype, dict):  # a Keras DTypePolicy config (from get_config / a saved file)
            dtype = dtype.get("config", {}).get("name")
        self.dtype = dtype or "float32"
        self._set_activity_regularizer(kwargs.get("activity_regularizer"))
        self._weight_specs = []
        self._regularized = []
        self._call_losses = []
        self._build_shape = None
        self._output_shape = None
        shape = kwargs.get("batch_input_shape")
        if kwargs.get("input_shape") is not None or kwargs.get("input_dim") is not None:
            warnings.warn("Do not pass an `input_shape`/`input_dim` argument to a layer. When using Sequential "
                          "models, prefer using an `Input(shape)` object as the first layer in the model instead.",
                          stacklevel=2)
        if shape is not None:
            self._input_shape_arg = standardize_shape(shape)
        elif kwargs.get("input_shape") is not None:
            self._input_shape_arg = (kwargs.get("batch_size"),) + standardize_shape(kwargs["input_shape"])
        elif kwargs.get("input_dim") is not None:
            self._input_shape_arg = (kwargs.get("batch_size"), int(kwargs["input_dim"]))
        else:
            self._input_shape_arg = None

    # ------------------------------------------------------------------ weights
    def add_weight(self, shape=None, initializer="glorot_uniform", dtype=None, trainable=True,
                   regularizer=None, name=None, attr=None, layout=None, constraint=None):
        """Create a weight of Keras-layout ``shape`` drawn from ``initializer`` and return it: a
        :class:`Variable` (a minidl Parameter), or for ``trainable=False`` a
        :class:`BufferVariable`. It is registered under ``name`` (default ``weight_<i>``).
        ``attr``/``layout`` (internal use) store it under another attribute in minidl's
        layout (``layout``: the permutation from Keras' layout to minidl's) and return a
        :class:`VariableView`. ``constraint`` (a :mod:`minidl.keras.constraints` object, name or
        callable) projects the weight after each optimiser update."""
        shape = standardize_shape(shape or (), "weight shape")
        name = name or f"weight_{len(self._weight_specs)}"
        attr = attr or name
        values = _init.get(initializer)(shape, dtype=dtype or "float32")
        values = np.asarray(values, dtype=np.dtype(dtype or "float32"))
        if layout is not None:
            internal = np.ascontiguousarray(values.transpose(layout))
            if trainable:
                setattr(self, attr, Parameter(internal, requires_grad=self._trainable))
            else:
                self.register_buffer(attr, Tensor(internal))
            var = VariableView(self, name, attr, tuple(int(i) for i in np.argsort(layout)),
                               tuple(int(i) for i in layout))
            if trainable:  # optimisers whose rule depends on the axes (Adafactor) read Keras' layout
                getattr(self, attr)._keras_to_keras = var._to_keras
        elif trainable:
            var = Variable(values, trainable=self._trainable, name=name, _layer=self, _attr=attr)
            setattr(self, attr, var)
        else:
            var = BufferVariable(values, self, name, attr)
            self.register_buffer(attr, var)
        with name_scope(self.name, caller=self):
            var._path = variable_path(name)
        self._weight_specs.append((var, bool(trainable)))
        reg = _reg.get(regularizer)
        if reg is not None:
            self._regularized.append((var, reg))
        if constraint is None:  # a constructor's ``<weight>_constraint`` (see layers._constraint_args)
            constraint = self.__dict__.get("_weight_constraints", {}).get(name)
        if constraint is not None:
            from minidl.keras import constraints as _constraints
            var.constraint = _constraints.get(constraint)
            getattr(self, attr)._keras_constraint = (var.constraint, var)
        return var

    @property
    def trainable(self) -> bool:
        """Whether ``fit`` updates this layer's trainable weights (settable, as in Keras)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for p in self.parameters():
            p.requires_grad = self._trainable
        for child in self.children():
            if isinstance(child, Layer):
                child.trainable = value

    def __setattr__(self, name, value):
        """Module attributes, and a free-standing ``keras.Variable`` assigned to the layer becomes one of
        its weights, as Keras tracks it (``self.scale = keras.Variable(...)`` in ``__init__``)."""
        super().__setattr__(name, value)
        if isinstance(value, Variable) and value._layer is None and "_weight_specs" in self.__dict__ \
                and all(var is not value for var, _ in self._weight_specs):
            self._weight_specs.append((value, value._own_trainable))
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value) \
                and not type(self).__module__.startswith("minidl.") and "_modules" in self.__dict__:
            for i, layer in enumerate(value):  # a user layer's list of layers is tracked, as Keras does
                self._modules[f"{name}_{i}"] = layer

    def _own_weights(self, trainable=None):
        if trainable is None:  # Keras' own order: the variables made trainable, then the others
            return [var for var, is_param in self._weight_specs if is_param] + \
                [var for var, is_param in self._weight_specs if not is_param]
        out = []
        for var, is_param in self._weight_specs:
            if (is_param and self._trainable) == trainable:
                out.append(var)
        return out

    def _sublayers(self):
        return [m for m in self.children() if isinstance(m, Layer)]

    def _keras_save_children(self):
        """(weight files) A user layer made of sublayers: ``[(attribute, sublayer)]``, saved as Keras
        does under the attribute names; None for the others (their weights are saved flat)."""
        from minidl.keras.models.saving_custom import user_layer_children
        return user_layer_children(self)

    @property
    def weights(self) -> list:
        """All weights (:class:`Variable`) in Keras' order: each layer's own, those made trainable then the
        others, each in creation order (Dense: kernel, bias; BatchNormalization: gamma, beta, moving_mean,
        moving_variance), then its sublayers'."""
        out = self._own_weights()
        for sub in self._sublayers():
            out += sub.weights
        return out

    @property
    def trainable_weights(self) -> list:
        """The weights the optimiser updates."""
        out = self._own_weights(True)
        for sub in self._sublayers():
            out += sub.trainable_weights
        return out

    @property
    def non_trainable_weights(self) -> list:
        """The weights it does not update (batch-norm moving statistics, frozen layers)."""
        out = self._own_weights(False)
        for sub in self._sublayers():
            out += sub.non_trainable_weights
        return out

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def variables(self) -> list:
        """Same as :attr:`weights`."""
        return self.weights

    def get_weights(self) -> list:
        """The weights as NumPy arrays in Keras' layout (e.g. Conv2D kernel (kh, kw, in, out))."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Set the weights from NumPy arrays in Keras' layout and order (as :meth:`get_weights`)."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a weight "
                             f"list of length {len(weights)}, but the layer was expecting "
                             f"{len(own)} weights.")
        for var, value in zip(own, weights):
            var.assign(value)

    def count_params(self) -> int:
        """Number of weight values (trainable and not)."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             "layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(input_shape)`.")
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    def _set_activity_regularizer(self, regularizer):
        """Keras' ``activity_regularizer``: a penalty on each call's outputs (see :mod:`._activity`)."""
        from minidl.keras import regularizers
        self.__dict__["activity_regularizer"] = None if regularizer is None else regularizers.get(regularizer)

    @property
    def losses(self) -> list:
        """The regularisation penalties and ``add_loss`` terms of this layer and its sublayers (scalar Tensors)."""
        out = [reg(var.keras_tensor()) for var, reg in self._regularized]
        out += self.__dict__.get("_call_losses", [])
        out += self.__dict__.get("_activity_losses", [])
        for sub in self._sublayers():
            out += sub.losses
        return out

    # ------------------------------------------------------------------- shapes
    def build(self, input_shape) -> None:
        """Create the weights for inputs of Keras-layout ``input_shape`` (batch first)."""
        if self.__dict__.get("_build_shape") is None and input_shape is not None:  # (a direct build() call:
            self._build_shape = input_shape  # Keras records the shape for get_build_config)
        self.built = True

    def compute_output_shape(self, input_shape):
        """The Keras-layout output shape for ``input_shape`` (default: unchanged)."""
        return input_shape

    def _ensure_built(self, input_shape):
        if not self.built:
            self._build_shape = input_shape
            self.build(input_shape)
            self.built = True
        if self._output_shape is None and not self._traces_call():  # (a user layer without compute_output_shape:
            self._output_shape = self.compute_output_shape(input_shape)  # unknown until a symbolic call, as Keras)

    @property
    def output_shape(self):
        """The Keras-layout output shape once the layer is built."""
        if self._output_shape is None:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 "defined output shape.")
        return self._output_shape

    @property
    def input_shape(self):
        """The Keras-layout input shape the layer was built with."""
        if self._build_shape is None:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 "defined input shape.")
        return self._build_shape

    # ------------------------------------------------------------------ running
    def _forward(self, x, training=False):
        """The computation on internal-layout Tensors (override); default: the user's ``call``."""
        return self._forward_user(x, training)

    def _forward_user(self, x, training, mask=None):
        if type(self).call is Layer.call:
            raise NotImplementedError(f"Layer {type(self).__name__} does not implement call()")
        ext = {k: to_external(v) for k, v in x.items()} if isinstance(x, dict) else \
            type(x)(to_external(v) for v in x) if isinstance(x, Positional) else \
            [to_external(v) for v in x] if isinstance(x, (list, tuple)) else to_external(x)
        with call_scope() as context:  # the layers `call` calls without `training=` inherit this value
            context.training = training
            out = self._call_user(ext, training, mask)
        return [to_internal(o) for o in out] if isinstance(out, (list, tuple)) else to_internal(out)

    def add_loss(self, loss) -> None:
        """Add a scalar loss term (a Tensor from ``call``) to :attr:`losses`; training adds it to
        the loss. Terms added by a call replace those of the layer's previous call."""
        from minidl.keras.ops import convert_to_tensor
        self._call_losses.append(convert_to_tensor(loss))

    def _call_user(self, inputs, training, mask=None):
        self.__dict__["_call_losses"] = []
        params = __import__("inspect").signature(self.call).parameters
        kwargs = {"training": training} if "training" in params and training is not None else {}
        if isinstance(inputs, Positional):  # several tensors: Keras fills `<argument>_mask` parameters, not `mask`
            names = [n for n, p in params.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            masks = mask if isinstance(mask, (list, tuple)) else [mask] + [None] * (len(inputs) - 1)
            kwargs.update({f"{n}_mask": m for n, m in zip(names, masks) if f"{n}_mask" in params})
        elif "mask" in params:
            kwargs["mask"] = mask
        from minidl.keras.layers._symbolic import KerasTensor
        kwargs.update({k: v for k, v in (self.__dict__.get("_user_call_options") or {}).items()
                       if not isinstance(v, KerasTensor)})  # keyword arguments of this call (`layer(x, scale=2)`)
        if isinstance(inputs, Positional):  # `layer(a, b)`: `call(self, a, b)`
            return self.call(*inputs, **kwargs)
        return self.call(inputs, **kwargs)

    def call(self, inputs, *args, **kwargs):
        """Keras' ``call`` on channels-last Tensors: user layers override it; on a built-in layer it runs
        the built-in computation (what ``super().call(inputs, training=..., mask=...)`` gives an override)."""
        from minidl.keras.layers._call_override import builtin_call
        return builtin_call(self, inputs, *args, **kwargs)

    # The `training` a call without `training=` (and no outer value) runs with, as the default of
    # Keras' `call` signature: True for the augmentation layers, False for Dropout/noise/RNN/attention.
    _call_training_default = None

    def _training_default(self):
        """The default ``training`` of this layer's calls: a user ``call``'s signature default, else the
        class's ``_call_training_default``."""
        cls = type(self)
        cached = _TRAINING_DEFAULTS.get(cls, UNSET)
        if cached is UNSET:
            cached = cls._call_training_default
            if cls.call is not Layer.call:
                import inspect
                param = inspect.signature(cls.call).parameters.get("training")
                if param is not None:
                    cached = None if param.default is inspect.Parameter.empty else param.default
            _TRAINING_DEFAULTS[cls] = cached
        return cached

    def forward(self, x, training=False):
        """minidl's entry point: ``_forward`` on an internal-layout Tensor."""
        return self._forward(x, training)

    # ------------------------------------------------------------------- config
    def get_config(self) -> dict:
        """The constructor arguments (Keras' ``get_config``)."""
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": str(self.dtype)},
                            "registered_name": None}}  # Keras 3 writes the dtype policy
        if self._input_shape_arg is not None:
            config["batch_input_shape"] = self._input_shape_arg
        if self.__dict__.get("activity_regularizer") is not None:
            from minidl.keras import regularizers
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        from minidl.keras._auto_config import with_auto_config
        return with_auto_config(self, config)  # a user class without get_config: its constructor arguments

    @classmethod
    def from_config(cls, config):
        """A new layer from :meth:`get_config`'s dict."""
        return cls(**config)

    def extra_repr(self) -> str:
        return f"name={self.name!r}"

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_wrap_get_config(Layer)  # (its subclasses are wrapped by __init_subclass__)


# InputLayer and Input live in input_layer.py (they need Layer); re-exported here, where Keras code finds them
from minidl.keras.layers.input_layer import Input, InputLayer  # noqa: E402,F401
