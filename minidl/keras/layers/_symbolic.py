"""Calling a Keras layer: eagerly on arrays/Tensors, or symbolically on :class:`KerasTensor` s.

A symbolic call records a graph node and returns a new :class:`KerasTensor`; as in Keras 3, that
tensor carries its mask as a symbolic ``_keras_mask`` (a bool KerasTensor of the leading
dimensions, None when the output has no mask), found by running the layer's ``compute_mask`` on
a small stand-in batch. A symbolic ``mask=`` argument (another tensor's ``_keras_mask``) is a
graph input of the node: the functional model feeds that mask to the layer when it runs.
"""
from __future__ import annotations

import threading

import numpy as np

from minidl.keras._tensor import as_tensor, to_external, to_internal
from minidl.keras.layers._call_args import _no_options, _passes_kwargs, bind_call_arguments
from minidl.keras.layers._mask import any_mask, as_mask
from minidl.tensor import Tensor

__all__ = ["KerasTensor", "CallMixin", "Positional", "training_context", "call_scope", "resolve_training",
           "eager_training", "node_training", "UNSET"]


class Positional(list):
    """Several positional tensor arguments of one layer call (``layer(targets, logits)``): the layer
    gets them as separate arguments of ``call``, the graph as several inputs."""


class KerasTensor:
    """A symbolic tensor: the output of :func:`Input` or of a layer called on one.

    Attributes: ``shape`` (Keras' layout, ``None`` batch), ``dtype``, ``name``;
    ``_layer`` and ``_parents`` link it into the graph a functional
    :class:`~minidl.keras.Model` runs.
    """

    def __init__(self, shape, dtype="float32", layer=None, parents=(), name=None, call_kwargs=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self._layer = layer
        self._parents = tuple(parents)
        self._call_kwargs = dict(call_kwargs or {})
        self._training = None  # the `training=` passed to the symbolic call that made it (None: not passed)
        self.name = name or (layer.name if layer is not None else "keras_tensor")
        # `_keras_mask`, the symbolic mask (a bool KerasTensor), is set only on tensors that carry one
        self._mask_source = None     # for a mask tensor: the tensor whose mask it is
        self._mask_parents = None    # the explicit `mask=` tensors of the call that made it
        self._node_index = 0         # which symbolic call of `layer` made it (Keras' node index, summary's [i][j])

    @property
    def ndim(self) -> int:
        """Rank including the batch dimension."""
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse=False, ragged=False, name={self.name}>"

    # Keras 3's operators on symbolic tensors: each records a keras.ops node (`x + y`, `x[:, 0]`, `-x`, ...)
    def _op(self, name, *args):
        from minidl.keras import ops
        return getattr(ops, name)(*args)

    def __add__(self, other):
        return self._op("add", self, other)

    def __radd__(self, other):
        return self._op("add", other, self)

    def __sub__(self, other):
        return self._op("subtract", self, other)

    def __rsub__(self, other):
        return self._op("subtract", other, self)

    def __mul__(self, other):
        return self._op("multiply", self, other)

    def __rmul__(self, other):
        return self._op("multiply", other, self)

    def __truediv__(self, other):
        return self._op("true_divide", self, other)

    def __rtruediv__(self, other):
        return self._op("true_divide", other, self)

    def __floordiv__(self, other):
        return self._op("floor_divide", self, other)

    def __matmul__(self, other):
        return self._op("matmul", self, other)

    def __rmatmul__(self, other):
        return self._op("matmul", other, self)

    def __pow__(self, other):
        return self._op("power", self, other)

    def __neg__(self):
        return self._op("negative", self)

    def __abs__(self):
        return self._op("absolute", self)

    def __lt__(self, other):
        return self._op("less", self, other)

    def __le__(self, other):
        return self._op("less_equal", self, other)

    def __gt__(self, other):
        return self._op("greater", self, other)

    def __ge__(self, other):
        return self._op("greater_equal", self, other)

    def __getitem__(self, key):
        from minidl.keras.ops._symbolic_ops import record
        return record(_get_item, "get_item", (self, key), {})

    __hash__ = object.__hash__


def _get_item(x, key):
    """``x[key]`` (the op a symbolic ``tensor[...]`` records)."""
    return x[key]


def claim_node_index(layer) -> int:
    """The index of ``layer``'s next symbolic call (Keras' inbound node index: 0, 1, ... per layer)."""
    index = layer.__dict__.get("_inbound_node_count", 0)
    layer.__dict__["_inbound_node_count"] = index + 1
    return index


def _contains_symbolic(x) -> bool:
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, dict):  # a dict of inputs (a user layer's `call(self, inputs)` reading inputs["age"])
        return any(isinstance(v, KerasTensor) for v in x.values())
    return isinstance(x, (list, tuple)) and any(isinstance(v, KerasTensor) for v in x)


def _shape_of_input(x):
    if isinstance(x, dict):
        return {k: tuple(v.shape) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [tuple(v.shape) for v in x]
    return tuple(x.shape)


class _Unset:
    """The default of ``training=`` in a layer call: "not passed" (an explicit ``None`` is a value, as Keras)."""

    def __repr__(self):
        return "<unset>"


UNSET = _Unset()


class _CallContext:
    """Keras' ``CallContext``: the ``training`` value shared by the layer calls nested in one outermost call.

    Each layer call stores its resolved value here (Keras never restores it), so a later layer of the
    same outermost call that has no value of its own inherits it."""

    __slots__ = ("training",)

    def __init__(self, training=None):
        self.training = training


class _PerThread(threading.local):
    """One slot per thread (``[0]``): a Dataset's prefetch thread running layers (``map``) must neither see
    nor change the call context of the training step running in the main thread."""

    def __init__(self):
        self.value = None

    def __getitem__(self, index):
        return self.value

    def __setitem__(self, index, value):
        self.value = value


_CONTEXT = _PerThread()  # the context of the running outermost layer call (None: no layer call is running)


class call_scope:
    """Enter the outermost call's context (opened here when no layer call is running, and closed on exit)."""

    def __enter__(self) -> _CallContext:
        self.owner = _CONTEXT[0] is None
        if self.owner:
            _CONTEXT[0] = _CallContext()
        return _CONTEXT[0]

    def __exit__(self, *exc):
        if self.owner:
            _CONTEXT[0] = None


class training_context:
    """A fresh call context whose ``training`` is ``training`` (``fit``/``evaluate``/``predict`` steps and
    the stand-in runs of symbolic calls); the previous context comes back on exit."""

    def __init__(self, training):
        self.training = None if training is None else bool(training)

    def __enter__(self):
        self.previous = _CONTEXT[0]
        _CONTEXT[0] = _CallContext(self.training)

    def __exit__(self, *exc):
        _CONTEXT[0] = self.previous


def resolve_training(layer, training=UNSET):
    """The ``training`` value a call of ``layer`` runs with, in Keras 3's order: the value passed
    (``None`` included), else the outer call's (non-None) value, else the layer's own default (its
    ``call`` signature's: True for the augmentation layers, False for Dropout/noise/RNN/attention
    layers, None, i.e. inference, for the others). The value becomes the context of later calls."""
    ctx = _CONTEXT[0]
    if training is not UNSET:
        value = None if training is None else bool(training)
    elif ctx is not None and ctx.training is not None:
        value = ctx.training
    else:
        value = layer._training_default()
    if ctx is not None:
        ctx.training = value
    return value


def eager_training(layer, training):
    """:func:`resolve_training` for the layers whose own ``__call__`` reads ``training`` from ``**kwargs``
    (absent or None: not passed), as a bool."""
    return bool(resolve_training(layer, UNSET if training is None else training))


def node_training(layer, model_training, recorded=None):
    """The ``training`` a layer node of a Sequential/functional model runs with: the model's value when
    not None (Keras injects it), else the value recorded at the symbolic call (``recorded``) or the
    layer's non-None default (Keras records it then), else the running context's, else None."""
    if model_training is not None:
        return resolve_training(layer, model_training)
    if recorded is None:
        recorded = layer._training_default()
    return resolve_training(layer, UNSET if recorded is None else recorded)


_STAND_IN = 2  # the size of unknown dimensions in the stand-in batch of a symbolic compute_mask


def _stand_in(shape, dtype, unknown=_STAND_IN):
    size = tuple(unknown if d is None else d for d in shape)
    kind = np.dtype("bool" if dtype == "bool" else "int32" if "int" in str(dtype) else "float32")
    return np.ones(size, dtype=kind)


class CallMixin:
    """``Layer.__call__``: run eagerly or record a symbolic graph node (with its symbolic mask)."""

    def __call__(self, *args, training=UNSET, mask=None, **kwargs):
        """Run on arrays/Tensors (channels-last; ``mask`` defaults to the inputs' ``_keras_mask``, and
        the output carries its own), or record a graph node on ``keras.Input`` tensors.

        The first argument may be given by the name of ``call``'s first parameter (``layer(inputs=x)``,
        ``layer(logits=x, targets=y)``), as Keras maps it; tensors given by the names of the following
        positional parameters of a user ``call`` become positional arguments (graph inputs), and other
        keyword arguments the ``call`` accepts reach it.

        ``training`` as Keras 3: when not passed, the outer call's value, else the layer's default
        (augmentation layers augment on a plain call; Dropout, noise and BatchNormalization do not)."""
        from minidl.keras.layers._name_scope import layer_scope
        with layer_scope(self):  # sublayers built inside get this layer's path, as Keras
            return self._scoped_call(args, training, mask, kwargs)

    def _scoped_call(self, args, training, mask, kwargs):
        inputs, args = bind_call_arguments(self, args, kwargs)
        if getattr(self, "input_spec", None):  # a layer's ``InputSpec`` checks the first argument, as Keras
            from minidl.keras.layers.input_spec import assert_input_compatibility
            assert_input_compatibility(self.input_spec, inputs, self.name)
        if args:  # several positional tensors: `call(self, a, b)`
            inputs = Positional([inputs, *args])
        if _contains_symbolic(inputs):
            out = self._call_symbolic(inputs, mask=mask, **kwargs)
            if training is not UNSET and training is not None:  # recorded on the node, as Keras
                for node in (out if isinstance(out, (list, tuple)) else [out]):
                    call_node = node._parents[0] if getattr(node, "_output_index", None) is not None else node
                    call_node._training = bool(training)
            return out
        with call_scope(), self.call_options(kwargs) if _passes_kwargs(self, kwargs) else _no_options():
            return self._call_eager(inputs, resolve_training(self, training), mask)

    def _call_eager(self, inputs, training, mask):
        """The eager call on arrays/Tensors with the resolved ``training`` (True, False or None)."""
        if isinstance(inputs, dict):  # a dict of inputs reaches `call` as a dict (no masks)
            tensors = {k: self._input_tensor(v, i) for i, (k, v) in enumerate(inputs.items())}
            self._ensure_built({k: tuple(t.shape) for k, t in tensors.items()})
            x, mask = {k: to_internal(t) for k, t in tensors.items()}, None
        elif isinstance(inputs, (list, tuple)):
            tensors = [self._input_tensor(v, i) for i, v in enumerate(inputs)]
            self._ensure_built([tuple(t.shape) for t in tensors])  # Keras builds with the batch size
            x = [to_internal(t) for t in tensors]
            x = Positional(x) if isinstance(inputs, Positional) else x
            mask = [getattr(v, "_keras_mask", None) for v in inputs] if mask is None else mask
        else:
            t = self._input_tensor(inputs, 0)
            self._ensure_built(tuple(t.shape))
            x = to_internal(t)
            mask = getattr(inputs, "_keras_mask", None) if mask is None else mask
        out, out_mask = self._call_masked(x, as_mask(mask), training)
        if isinstance(out, (list, tuple)):  # several outputs (e.g. a split): one mask each
            out = [to_external(o) for o in out]
            masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(out)
            for o, m in zip(out, masks):
                if m is not None and isinstance(o, Tensor):
                    o._keras_mask = m
            return out
        out = to_external(out)
        if out_mask is not None and isinstance(out, Tensor):
            out._keras_mask = out_mask
        return out

    _keeps_integer_inputs = False  # True: integer inputs stay integer (Embedding's ids), as Keras

    def _input_tensor(self, value, index=0):
        """Eager input ``index`` as a Tensor: float32, as Keras casts floats to the compute dtype; integer
        ids stay integer for the layers that take them (Keras never casts integers to float)."""
        if self._keeps_integer_inputs and not isinstance(value, Tensor):
            kind = getattr(getattr(value, "dtype", None), "kind", None)
            if kind is None:
                value = np.asarray(value)
                kind = value.dtype.kind
            if kind in "iu":
                return as_tensor(value, dtype=None)
        elif self._keeps_integer_inputs and value.array.dtype.kind in "iu":
            return value
        return as_tensor(value)

    def _call_symbolic(self, inputs, mask=None, **kwargs):
        order = list(inputs) if isinstance(inputs, dict) else None
        parents = [inputs[k] for k in sorted(inputs)] if order is not None else \
            list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        for p in parents:
            if not isinstance(p, KerasTensor):
                raise TypeError(f"Layer {self.name}: mixing symbolic (Input) and concrete inputs is "
                                f"not supported, got {type(p).__name__}")
        shape = _shape_of_input(inputs)  # (a dict of inputs: flattened in sorted key order, as Keras' tree)
        self._ensure_built(shape)
        if self._traces_call():
            with self.call_options(kwargs) if _passes_kwargs(self, kwargs) else _no_options():  # its keywords
                out_shape = self._traced_output_shape(inputs, mask)
            self._output_shape = out_shape
        else:
            out_shape = self.compute_output_shape(shape)
            if self._output_shape is None:  # (summary's column for a layer built without a shape of its own)
                self._output_shape = out_shape
        if _is_shape_list(out_shape):  # several outputs: one call node, one tensor per output
            return self._symbolic_outputs(inputs, parents, out_shape, kwargs)
        out = KerasTensor(out_shape, layer=self, parents=parents, name=self.name, call_kwargs=kwargs)
        out._node_index = claim_node_index(self)
        out._list_input = isinstance(inputs, (list, tuple, dict))
        if order is not None:  # the model run hands the layer the dict again, in its own key order
            out._dict_keys = order
        out._spread = isinstance(inputs, Positional)
        if mask is not None:  # an explicit symbolic mask: fed to the layer when the model runs
            explicit = list(mask) if isinstance(mask, (list, tuple)) else [mask]
            if not all(m is None or isinstance(m, KerasTensor) for m in explicit):
                raise TypeError(f"Layer {self.name}: in a functional model `mask` must be a symbolic tensor "
                                f"(e.g. another output's `_keras_mask`), got {type(mask).__name__}")
            out._mask_parents = explicit if isinstance(mask, (list, tuple)) else explicit[0]
            in_masks = mask
        else:
            in_masks = None if isinstance(inputs, dict) else \
                [getattr(p, "_keras_mask", None) for p in parents] if out._list_input \
                else getattr(parents[0], "_keras_mask", None)
        out_mask = self._symbolic_mask(inputs, in_masks, out)
        if out_mask is not None:
            out._keras_mask = out_mask
        self._symbolic_input, self._symbolic_output = inputs, out
        return out

    def _symbolic_mask(self, inputs, in_masks, out):
        """The symbolic mask of ``out`` (None when it carries none), from ``compute_mask`` run on a
        stand-in batch (unknown dimensions of size 2) to learn whether there is one and its rank."""
        if isinstance(inputs, dict):  # a dict of inputs carries no masks
            return None
        if not self.supports_masking:
            self._output_mask(None, in_masks)  # Keras' warning when a mask is dropped here
            return None
        if not any_mask(in_masks) and not self._may_create_mask():
            return None
        listed = isinstance(inputs, (list, tuple))
        stand_in = [as_tensor(_stand_in(p.shape, p.dtype)) for p in (inputs if listed else [inputs])]
        masks = in_masks if isinstance(in_masks, (list, tuple)) else [in_masks]
        stand_masks = [None if m is None else as_tensor(_stand_in(m.shape, "bool")) for m in masks]
        try:
            result = self.compute_mask(stand_in if listed else stand_in[0],
                                       stand_masks if isinstance(in_masks, (list, tuple)) else stand_masks[0])
        except Exception:  # a compute_mask that cannot run on stand-ins: assume the mask passes on
            first = next((m for m in masks if m is not None), None)
            result = None if first is None else as_tensor(_stand_in(first.shape, "bool"))
        if result is None or isinstance(result, (list, tuple)):
            return None
        for stand, given in zip(stand_masks, masks):
            if stand is not None and result is stand:  # passed on unchanged: the same tensor, as Keras
                return given
        rank = len(getattr(result, "shape", ()))
        shape = tuple(out.shape[:rank]) if len(out.shape) >= rank else (None,) + tuple(result.shape[1:])
        mask = KerasTensor(shape, dtype="bool", layer=self, parents=[out], name=f"{self.name}_mask")
        mask._list_input, mask._mask_source = False, out
        return mask

    @property
    def output(self):
        """The symbolic output of the layer's last call on a symbolic input."""
        out = getattr(self, "_symbolic_output", None)
        if out is None:
            raise AttributeError(f"Layer {self.name} has no defined output (it was never called on "
                                 "a keras.Input)")
        return out

    @property
    def input(self):
        """The symbolic input of the layer's last call on a symbolic input."""
        inp = getattr(self, "_symbolic_input", None)
        if inp is None:
            raise AttributeError(f"Layer {self.name} has no defined input (it was never called on "
                                 "a keras.Input)")
        return inp

    def _traces_call(self) -> bool:
        """True for a user layer with ``call`` but no ``compute_output_shape``: its output shape is
        found by running it (Keras traces it symbolically)."""
        from minidl.keras.layers.base import Layer
        cls = type(self)
        return cls.call is not Layer.call and cls.compute_output_shape is Layer.compute_output_shape

    def _traced_output_shape(self, inputs, mask):
        """The output shape(s) of a user layer, from running it on stand-in batches: dimensions that
        change with the size given to the unknown ones are unknown (None). Falls back to the input's
        shape when the layer cannot run on stand-ins."""
        from minidl.autograd import no_grad
        keys = list(inputs) if isinstance(inputs, dict) else None
        listed = isinstance(inputs, (list, tuple, dict))
        parents = list(inputs.values()) if keys is not None else list(inputs) if listed else [inputs]
        masks = mask if mask is not None else [None if keys is not None else getattr(p, "_keras_mask", None)
                                               for p in parents]
        masks = masks if isinstance(masks, (list, tuple)) else [masks]
        results = []
        saved = [(var, var.numpy()) for var in self.weights]  # a call may update state (assign_add)
        try:
            for size in (_STAND_IN, _STAND_IN + 1):
                stand = [as_tensor(_stand_in(p.shape, p.dtype, size)) for p in parents]
                stand_masks = [None if m is None else as_tensor(_stand_in(m.shape, "bool", size)) for m in masks]
                args = dict(zip(keys, stand)) if keys is not None else \
                    (Positional(stand) if isinstance(inputs, Positional) else stand) if listed else stand[0]
                with no_grad(), training_context(False):
                    given = stand_masks if listed else stand_masks[0]  # (one input: its mask, not a list)
                    out = self(args, mask=given if any(m is not None for m in stand_masks) else None)
                results.append(_shapes_of(out))
        except Exception:
            return _shape_of_input(inputs)
        finally:
            for var, value in saved:
                var.assign(value)
            for module in self.modules():  # the stand-in run's add_loss terms are not real losses
                if "_call_losses" in module.__dict__:
                    module.__dict__["_call_losses"] = []
                module.__dict__.pop("_activity_losses", None)
        return _merge_shapes(*results)

    def _symbolic_outputs(self, inputs, parents, out_shapes, kwargs):
        """One call node for a layer with several outputs and a KerasTensor picking each of them."""
        call = KerasTensor((), layer=self, parents=parents, name=self.name, call_kwargs=kwargs)
        call._list_input = isinstance(inputs, (list, tuple))
        call._spread = isinstance(inputs, Positional)
        call._node_index = claim_node_index(self)
        outs = []
        for i, shape in enumerate(out_shapes):
            out = KerasTensor(shape, layer=self, parents=[call], name=f"{self.name}_{i}")
            out._list_input, out._output_index, out._node_index = False, i, call._node_index
            outs.append(out)
        self._symbolic_input, self._symbolic_output = inputs, outs
        return tuple(outs) if isinstance(out_shapes, tuple) else outs


def _is_shape_list(shape) -> bool:
    return isinstance(shape, (list, tuple)) and len(shape) > 0 and all(isinstance(s, (list, tuple)) for s in shape)


def _shapes_of(out):
    if isinstance(out, tuple):
        return tuple(_shapes_of(o) for o in out)
    if isinstance(out, list):
        return [_shapes_of(o) for o in out]
    return tuple(out.shape)


def _merge_shapes(first, second):
    """Shapes from two stand-in runs: equal dimensions stay, the others are unknown."""
    if _is_shape_list(first):
        return type(first)(_merge_shapes(a, b) for a, b in zip(first, second))
    return tuple(a if a == b else None for a, b in zip(first, second))
