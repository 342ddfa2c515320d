"""``keras.Model``: functional models (``Model(inputs, outputs)``) and subclassed models.

A functional model runs the graph recorded by calling layers on
``keras.Input`` tensors (chains and DAGs: shared inputs, ``Add``,
``Concatenate``); its inputs and outputs may be lists or dicts (flattened in
sorted key order, as Keras' tree does), and masks flow along the graph. A
subclass of ``Model`` defines ``call(inputs)`` on channels-last Tensors, as in
Keras; its layers are built on the first call.
"""
from __future__ import annotations

import contextlib

from minidl.autograd import no_grad
from minidl.keras._naming import to_snake_case, unique_name
from minidl.keras.layers._symbolic import (
    UNSET,
    call_scope,
    claim_node_index,
    node_training,
    resolve_training,
    training_context,
)
from minidl.keras.layers.base import InputLayer, KerasTensor, Layer, Positional
from minidl.keras.models.training import TrainingMixin

__all__ = ["Model", "Functional"]


def _flatten_structure(x, what):
    """``(flat list, dict keys or None, is_list)`` of a tensor, a list/tuple or a dict of tensors.
    A dict is flattened in sorted key order, as Keras' tree utilities do."""
    if isinstance(x, dict):
        if not x:
            raise ValueError(f"Model {what} must not be an empty dict")
        keys = sorted(x)
        return [x[k] for k in keys], keys, False
    if isinstance(x, (list, tuple)):
        return list(x), None, True
    return [x], None, False


def _adjust_input_rank(model, x, ref_shape, index):
    """Keras 3's ``Functional._adjust_input_rank``: an internal-layout input one rank short of its
    ``Input`` whose last dimension is 1 gains that axis ((N, 28, 28) for ``Input((28, 28, 1))``), one a
    rank over with a trailing 1 loses it; any other rank mismatch is a ``ValueError``."""
    from minidl.keras._tensor import to_external, to_internal
    from minidl.tensor import Tensor
    if not isinstance(x, Tensor) or ref_shape is None or x.ndim == len(ref_shape):
        return x
    external = to_external(x)
    if x.ndim == len(ref_shape) + 1 and external.shape[-1] == 1:
        return to_internal(external.squeeze(-1))
    if x.ndim == len(ref_shape) - 1 and ref_shape[-1] == 1:
        return to_internal(external.unsqueeze(-1))
    raise ValueError(f"Model {model.name}: invalid input shape for input {index}. Expected shape {tuple(ref_shape)}, "
                     f"but input has incompatible shape {tuple(external.shape)}")


def _unknown_batch(shape):
    """``shape`` (one or a list of them) with a leading 1 made None: a shape recorded on a one-row build."""
    if isinstance(shape, list):
        return [_unknown_batch(s) for s in shape]
    if isinstance(shape, tuple) and shape and shape[0] == 1:
        return (None,) + shape[1:]
    return shape


def _topological_nodes(outputs, inputs):
    """The non-input KerasTensors needed for ``outputs``, each after its parents."""
    input_ids = {id(t) for t in inputs}
    order, done, stack = [], set(), [(t, False) for t in reversed(outputs)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        if id(node) in input_ids:
            done.add(id(node))
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        if node._layer is None or isinstance(node._layer, InputLayer):
            raise ValueError(f"Graph disconnected: cannot obtain value for {node} at layer "
                             f"'{getattr(node._layer, 'name', '?')}'. The following previous layers "
                             f"were accessed without issue: {[n._layer.name for n in order]}")
        stack.append((node, True))
        explicit = node._mask_parents
        mask_parents = [] if explicit is None else explicit if isinstance(explicit, list) else [explicit]
        for parent in reversed(list(node._parents) + [m for m in mask_parents if m is not None]):
            if id(parent) not in done:
                stack.append((parent, False))
    return order


def _layers_in_keras_order(inputs, outputs):
    """The layers of a graph in Keras' order (its ``_map_graph_network``): deepest first, depth being
    the longest path to an output; within one depth, in the order a depth-first walk from the
    outputs (parents first) meets them. Inputs not connected to the outputs come last."""
    def call_of(t):  # the tensor standing for the layer call that made ``t``
        while t._mask_source is not None or getattr(t, "_output_index", None) is not None:
            t = t._mask_source if t._mask_source is not None else t._parents[0]
        return t

    input_ids = {id(t) for t in inputs}
    index, order, finished = {}, [], set()
    for out in outputs:
        stack = [(call_of(out), False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                finished.add(id(node))
                order.append(node)
                continue
            if id(node) in finished:
                continue
            index.setdefault(node._layer, len(index))
            stack.append((node, True))
            if id(node) not in input_ids:
                for parent in reversed(node._parents):
                    if id(call_of(parent)) not in finished:
                        stack.append((call_of(parent), False))
    node_depth, layer_depth = {}, {}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(node._layer, 0))
        layer_depth[node._layer] = node_depth[id(node)] = depth
        if id(node) not in input_ids:
            for parent in node._parents:
                key = id(call_of(parent))
                node_depth[key] = max(depth + 1, node_depth.get(key, 0))
    for t in inputs:
        if t._layer not in layer_depth:
            layer_depth[t._layer], index[t._layer] = 0, -1
    by_depth = {}
    for layer, depth in layer_depth.items():
        by_depth.setdefault(depth, []).append(layer)
    return [layer for depth in sorted(by_depth, reverse=True)
            for layer in sorted(by_depth[depth], key=lambda item: index[item])]


class Model(TrainingMixin, Layer):
    """A Keras model: ``Model(inputs=..., outputs=...)`` (functional) or a subclass with ``call``.

    Besides the training API (``compile``, ``fit``, ``evaluate``, ``predict``)
    it has ``layers``, ``get_layer``, ``summary``, ``save``, ``save_weights``,
    ``load_weights``, ``get_weights``/``set_weights``, ``count_params``.
    """

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if (inputs is None) != (outputs is None):
            raise ValueError("A functional Model needs both `inputs` and `outputs`")
        default = "functional" if inputs is not None else to_snake_case(type(self).__name__)
        Layer.__init__(self, name=name or unique_name(default), trainable=trainable, **kwargs)
        self._graph = None
        self._layers = []
        self._input_keys = self._output_keys = None
        if inputs is not None:
            self._init_graph(inputs, outputs)

    # ------------------------------------------------------------------- graph
    def _register(self, layer):
        key = layer.name if not hasattr(type(self), layer.name) and "." not in layer.name \
            else f"layer_{len(self._modules)}"
        if key in self._modules and self._modules[key] is not layer:
            raise ValueError(f"The name '{layer.name}' is used 2 times in the model. "
                             "All layer names should be unique.")
        self.add_module(key, layer)

    def _init_graph(self, inputs, outputs):
        ins, self._input_keys, list_in = _flatten_structure(inputs, "inputs")
        outs, self._output_keys, list_out = _flatten_structure(outputs, "outputs")
        if self._input_keys is not None:
            for key, t in zip(self._input_keys, ins):
                if isinstance(t, KerasTensor) and t.name != key:
                    import warnings
                    warnings.warn(f"When providing `inputs` as a dict, all keys in the dict must match the "
                                  f"names of the corresponding tensors. Received key '{key}' mapping to "
                                  f"value {t} which has name '{t.name}'. Change the tensor name to "
                                  f"'{key}' (via `Input(..., name='{key}')`)", stacklevel=3)
        for t in ins + outs:
            if not isinstance(t, KerasTensor):
                raise TypeError(f"Model inputs and outputs must be keras tensors (from keras.Input and "
                                f"layer calls), got {type(t).__name__}")
        nodes = _topological_nodes(outs, ins)
        self._graph = (ins, outs, nodes, list_in or self._input_keys is not None,
                       list_out or self._output_keys is not None)
        layers = _layers_in_keras_order(ins, outs)
        for node in nodes:  # (all are reached from the outputs; kept for safety)
            if node._layer not in layers:
                layers.append(node._layer)
        self._layers = layers
        for layer in layers:
            self._register(layer)
        self.built = True
        shapes = [t.shape for t in ins]
        self._build_shape = self._structured(shapes, self._input_keys, self._graph[3])
        out_shapes = [t.shape for t in outs]
        self._output_shape = self._structured(out_shapes, self._output_keys, self._graph[4])

    @staticmethod
    def _structured(flat, keys, multi):
        """``flat`` (in flattened order) as the dict / list / single value the user gave."""
        if keys is not None:
            return dict(zip(keys, flat))
        return list(flat) if multi else flat[0]

    @property
    def layers(self) -> list:
        """The layers, in order (a functional model lists its InputLayers first)."""
        if self._graph is None and not self._layers:
            return [m for m in self.children() if isinstance(m, Layer)]
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """The layer called ``name`` (or at position ``index``)."""
        if index is not None:
            if index >= len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    @property
    def inputs(self):
        """The symbolic inputs (functional / built Sequential models)."""
        return list(self._graph[0]) if self._graph is not None else None

    @property
    def outputs(self):
        """The symbolic outputs."""
        return list(self._graph[1]) if self._graph is not None else None

    @property
    def input(self):
        """The symbolic input (a list or dict for several, as given to the constructor)."""
        if self._graph is None:
            raise AttributeError(f"Model {self.name} has no symbolic input (not built from an Input)")
        return self._structured(self._graph[0], getattr(self, "_input_keys", None), self._graph[3])

    @property
    def output(self):
        """The symbolic output (a list or dict for several, as given to the constructor)."""
        if self._graph is None:
            raise AttributeError(f"Model {self.name} has no symbolic output")
        return self._structured(self._graph[1], getattr(self, "_output_keys", None), self._graph[4])

    @property
    def input_names(self) -> list:
        """The names of the input layers, in flattened order."""
        return [t._layer.name for t in self._graph[0]] if self._graph is not None else []

    @property
    def output_names(self) -> list:
        """The names of the layers that make the outputs, in flattened order (dict outputs: sorted keys)."""
        return [t._layer.name for t in self._graph[1]] if self._graph is not None else []

    def _flatten_inputs(self, x):
        """Model inputs given as one value, a list, or a dict keyed by input names (or the dict keys
        of a dict-input model), as the flat list the graph runs on. Missing keys raise ``ValueError``."""
        if not isinstance(x, dict) or self._graph is None:
            return x
        keys = getattr(self, "_input_keys", None) or self.input_names
        missing = [k for k in keys if k not in x]
        if missing:
            raise ValueError(f'Missing data for input "{missing[0]}". You passed a data dictionary with keys '
                             f"{list(x)}. Expected the following keys: {keys}")
        extra = [k for k in x if k not in keys]
        if extra:
            import warnings
            warnings.warn(f"Model {self.name}: input data keys {extra} match no model input "
                          f"(expected {keys}); they are ignored", stacklevel=3)
        flat = [x[k] for k in keys]
        return flat if len(flat) > 1 else flat[0]

    def _structure_outputs(self, flat):
        """The flat outputs as the model's output structure (dict / list / single)."""
        if self._graph is None:
            return flat
        return self._structured(flat if isinstance(flat, list) else [flat],
                                getattr(self, "_output_keys", None), self._graph[4])

    def _output_layer(self):
        if self._graph is not None:
            return self._graph[1][0]._layer
        return None

    # ------------------------------------------------------------------ running
    def _forward(self, x, training=False):
        out, masks = self._run_masked(x, None, training)
        self._output_masks = masks  # what fit/evaluate read to skip masked entries in losses/metrics
        return out

    def _call_masked(self, x, mask, training=False):
        out, masks = self._run_masked(x, mask, training)
        return out, masks if isinstance(out, list) else masks[0]

    def _run_masked(self, x, mask, training):
        """``(outputs, [mask of each output])``: the graph run on internal-layout inputs ``x`` whose
        masks are ``mask`` (one, a list, or None), each layer passing masks on as Keras does."""
        if self._graph is None:
            if isinstance(x, dict):  # a subclassed model's call(inputs) on a dict of named inputs
                return self._call_on_dict(x, training), [None]
            return Layer._forward(self, x, training), [None]
        ins, outs, nodes, _, multi_out = self._graph
        x = self._flatten_inputs(x)
        xs = x if isinstance(x, (list, tuple)) else [x]
        if len(xs) != len(ins):
            raise ValueError(f"Model {self.name} expects {len(ins)} input(s) but received {len(xs)}")
        xs = [_adjust_input_rank(self, v, getattr(t, "shape", None), i) for i, (v, t) in enumerate(zip(xs, ins))]
        in_masks = list(mask) if isinstance(mask, (list, tuple)) else [mask] * len(ins)
        values = {id(t): v for t, v in zip(ins, xs)}
        masks = {id(t): m for t, m in zip(ins, in_masks)}
        with call_scope() as context:  # fit/evaluate/predict reach here without a layer call
            context.training = training
            for node in nodes:
                if node._mask_source is not None:  # a symbolic mask: the mask its tensor carries
                    values[id(node)], masks[id(node)] = masks[id(node._mask_source)], None
                    continue
                index = getattr(node, "_output_index", None)
                if index is not None:  # one output of a nested multi-output model's call
                    call = node._parents[0]
                    call_masks = masks[id(call)]
                    values[id(node)] = values[id(call)][index]
                    masks[id(node)] = call_masks[index] if isinstance(call_masks, (list, tuple)) else None
                    continue
                args = [values[id(p)] for p in node._parents]
                arg_masks = [masks[id(p)] for p in node._parents]
                if node._mask_parents is not None:  # an explicit `mask=` tensor (or list of them)
                    explicit = node._mask_parents
                    arg_masks = [None if m is None else values[id(m)]
                                 for m in (explicit if isinstance(explicit, list) else [explicit])]
                if getattr(node, "_spread", False):  # several positional arguments
                    args = Positional(args)
                keys = getattr(node, "_dict_keys", None)
                if keys is not None:  # the layer was called on a dict of tensors (parents in sorted key order)
                    by_key = dict(zip(sorted(keys), args))
                    args, arg_masks = {k: by_key[k] for k in keys}, None
                layer = node._layer
                options = layer.call_options(node._call_kwargs) if getattr(layer, "_takes_call_options", False) \
                    else contextlib.nullcontext()  # per-call options (use_causal_mask=...) recorded on the node
                with options:
                    values[id(node)], masks[id(node)] = layer._call_masked(
                        args if node._list_input else args[0], arg_masks if node._list_input else arg_masks[0],
                        node_training(layer, training, node._training))
        results = [values[id(t)] for t in outs]
        return (results if multi_out else results[0]), [masks[id(t)] for t in outs]

    def _call_on_dict(self, x, training):
        """A subclassed model's ``call`` on a dict of internal-layout Tensors (Keras passes a dict of
        inputs through to ``call`` unchanged); returns its output in the internal layout."""
        from minidl.keras._tensor import to_external, to_internal
        with training_context(training):
            out = self._call_user({k: to_external(v) for k, v in x.items()}, training)
        return [to_internal(o) for o in out] if isinstance(out, (list, tuple)) else to_internal(out)

    def __call__(self, inputs, *args, training=UNSET, **kwargs):
        """Run the model on arrays/Tensors (one, a list, or a dict keyed by input name) and return
        its outputs in the structure it was built with (a dict, a list or one Tensor); on symbolic
        inputs, record a graph node (single-output models)."""
        if self._graph is None and isinstance(inputs, dict) and not args and not kwargs \
                and not any(isinstance(v, KerasTensor) for v in inputs.values()):
            return self._call_subclassed_on_dict(inputs, training)
        if self._graph is None or not (isinstance(inputs, dict) or self._graph[4]):
            return Layer.__call__(self, inputs, *args, training=training, **kwargs)
        flat = self._flatten_inputs(inputs)
        if any(isinstance(v, KerasTensor) for v in (flat if isinstance(flat, list) else [flat])):
            return self._call_symbolic_structured(flat)
        from minidl.keras._tensor import to_external, to_internal
        xs = [to_internal(self._input_tensor(v, i)) for i, v in enumerate(flat if isinstance(flat, list) else [flat])]
        with call_scope():
            out = self._forward(xs if isinstance(flat, list) else xs[0], resolve_training(self, training))
        outs = [to_external(o) for o in (out if isinstance(out, list) else [out])]
        return self._structure_outputs(outs)

    def _input_tensor(self, value, index=0):
        """Eager model input ``index`` as a Tensor: integer arrays fed to an integer ``Input`` read only by
        layers that take integers (``Embedding``, lookups) stay integer (int64), as ``fit``/``predict``
        keep them and Keras casts to the ``Input``'s dtype; anything else float32."""
        from minidl.keras.models.training import _integer_input, _kept_integer_inputs
        dtypes = _kept_integer_inputs(self)
        if index < len(dtypes) and dtypes[index] is not None:
            kept = _integer_input(value)
            if kept is not None:
                return kept
        return Layer._input_tensor(self, value, index)

    def _call_subclassed_on_dict(self, inputs, training):
        """``model({"a": ..., "b": ...})`` on a subclassed model: built on the first call, outputs
        returned in Keras' layout (a Tensor or a list)."""
        from minidl.keras._tensor import to_external
        if not self.built:
            self._build_from_data(inputs)
        with call_scope():
            out = self._forward(self._input_tensors(inputs), resolve_training(self, training))
        return [to_external(o) for o in out] if isinstance(out, list) else to_external(out)

    def _call_symbolic_structured(self, flat):
        """Nest this model in a functional graph: one call node for the whole model, and one
        symbolic tensor per output (``_output_index``) picking its value, returned in the model's
        output structure (a list or dict)."""
        leaves = flat if isinstance(flat, list) else [flat]
        if not all(isinstance(v, KerasTensor) for v in leaves):
            raise TypeError(f"Model {self.name}: mixing symbolic (Input) and concrete inputs is not supported")
        if not self._graph[4]:  # dict inputs, one output: an ordinary node
            return self._call_symbolic(flat)
        call = KerasTensor((), layer=self, parents=leaves, name=self.name)
        call._list_input = isinstance(flat, list)
        call._node_index = claim_node_index(self)
        outs = []
        for i, t in enumerate(self._graph[1]):
            out = KerasTensor(t.shape, dtype=t.dtype, layer=self, parents=[call], name=f"{self.name}_{i}")
            out._list_input, out._output_index, out._node_index = False, i, call._node_index
            outs.append(out)
        return self._structured(outs, self._output_keys, self._graph[4])

    def build(self, input_shape):
        """Build a subclassed model by running it once on zeros of ``input_shape``."""
        if self._graph is not None or self.built:
            self.built = True
            return
        import numpy as np
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        # (a concrete batch size is kept: the sublayers record the shapes of the call that built them)
        zeros = [np.zeros((s[0] or 1,) + tuple(s[1:]), dtype=np.float32) for s in shapes]
        unbuilt = [layer for layer in self.modules() if isinstance(layer, Layer) and not layer.built]
        if self.__dict__.get("_build_shape") is None:  # (Keras' build_config keeps the shape as given)
            self._build_shape = input_shape
        self._build_from_data(zeros if isinstance(input_shape, list) else zeros[0])
        if all(s[0] is None for s in shapes):  # built for any batch size, as Keras' symbolic build
            for layer in unbuilt:
                layer._build_shape, layer._output_shape = (_unknown_batch(layer._build_shape),
                                                           _unknown_batch(layer._output_shape))

    def compute_output_shape(self, input_shape):
        """The output shape once built (models keep the shape they were built for)."""
        if self._output_shape is not None:
            return self._output_shape
        if self._graph is None and type(self).call is not Model.call:  # a subclassed model: run its call
            shapes = list(input_shape) if isinstance(input_shape, list) else [input_shape]
            if all(isinstance(s, (list, tuple)) for s in shapes):
                stand = [KerasTensor(tuple(s)) for s in shapes]
                return self._traced_output_shape(stand if isinstance(input_shape, list) else stand[0], None)
        return Layer.compute_output_shape(self, input_shape)

    def _build_from_data(self, x, size=None):
        """Build from the first ``size`` rows of ``x`` (all of them for None: ``x`` is a batch); a subclassed
        model's layers record their shapes with that batch size, as Keras' built on a first batch."""
        if self.built:
            return
        sample = x if size is None else [v[:size] for v in x] if isinstance(x, list) else \
            {k: v[:size] for k, v in x.items()} if isinstance(x, dict) else x[:size]
        with no_grad():
            self._forward(self._input_tensors(sample), training=False)
        if self._build_shape is None and not isinstance(sample, dict):  # the first batch's shape(s), which
            from numpy import shape
            self._build_shape = [tuple(shape(v)) for v in sample] if isinstance(sample, list) \
                else tuple(shape(sample))  # Keras' build_config records (fit, predict)
        self.built = True

    def call(self, inputs, training=None):
        """Subclasses define the computation here (channels-last Tensors)."""
        raise NotImplementedError(f"Model {type(self).__name__} must implement call() or be built "
                                  "from inputs/outputs")

    # ------------------------------------------------------------------- extras
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras' table of layers, output shapes and parameter counts (``expand_nested``: the
        layers of nested models too; ``layer_range``: the rows from the layer whose name matches the
        first pattern to the one matching the second)."""
        from minidl.keras.models.summary import print_summary
        print_summary(self, line_length, positions, print_fn, show_trainable, layer_range, expand_nested)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save architecture, weights and compile arguments to a ``.keras`` file (``zipped=False``,
        Keras' unzipped folder, is not supported and raises)."""
        if zipped is False:
            raise ValueError("minidl.keras writes zipped `.keras` files only; `zipped=False` is not supported")
        from minidl.keras.models.saving import save_model
        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights to a ``.weights.h5`` file (Keras' HDF5 layout)."""
        from minidl.keras.models.saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights from a ``.weights.h5`` or ``.keras`` file, or a Keras 2 ``.h5`` weights file
        (the ``keras.applications`` ImageNet files; ``by_name=True`` matches its layers by name)."""
        from minidl.keras.models.legacy_h5 import is_legacy_h5, load_legacy_weights
        from minidl.keras.models.saving import load_weights
        if is_legacy_h5(filepath):
            return load_legacy_weights(self, filepath, skip_mismatch, by_name=kwargs.get("by_name", False))
        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def get_config(self):
        """The architecture as a dict (see :mod:`minidl.keras.models.saving`)."""
        from minidl.keras.models.saving import model_config
        if self._graph is None and not isinstance(self, _sequential()):
            return Layer.get_config(self)  # a subclassed model: name, trainable, dtype (subclasses add theirs)
        return model_config(self)["config"]

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new model from :meth:`get_config` (a subclassed model: ``cls(**config)``, as Keras)."""
        from minidl.keras.models.saving import model_from_config
        if "layers" not in config and cls is not Model and not issubclass(cls, _sequential()):
            return cls(**config)
        return model_from_config({"class_name": "Sequential" if issubclass(cls, _sequential()) else "Functional",
                                  "config": config}, custom_objects)

    def to_json(self, **kwargs) -> str:
        """:meth:`get_config` as JSON."""
        import json

        from minidl.keras.models.saving import model_config
        return json.dumps(model_config(self), **kwargs)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _sequential():
    from minidl.keras.models.sequential import Sequential
    return Sequential


Functional = Model
