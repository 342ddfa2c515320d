"""Saving and loading Keras models: ``model.save("m.keras")``, ``keras.models.load_model``,
``save_weights("w.weights.h5")`` / ``load_weights``.

Layout (as Keras 3 writes it, so the two can read each other's weight files
for the same architecture):

* ``.weights.h5``: HDF5 with ``layers/<key>/vars/<i>`` = the layer's
  weights in Keras' layout and order, keyed as Keras 3 keys them: the
  snake-cased class name numbered in layer order (``dense``, ``dense_1``,
  whatever the layers are named; nested models recurse under
  ``layers/<key>/layers/...``), and ``optimizer/vars/<i>`` =
  iterations, learning rate, then each trainable weight's slots;
* ``.keras``: a zip of ``config.json`` (Keras-style ``class_name``/``config``
  per layer, functional ``inbound_nodes``, the compile arguments),
  ``metadata.json`` and ``model.weights.h5``.

Files are written to a temporary name and renamed, with the user's umask.
"""
from __future__ import annotations

import contextlib
import datetime
import inspect
import io as _pyio
import json
import os
import zipfile

import numpy as np

from minidl.keras.models import saving_custom as _custom

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "model_config",
           "model_from_config", "KERAS_VERSION"]

KERAS_VERSION = "3.0.0 (minidl)"


from minidl.keras.models.saving_weights import (  # noqa: E402  (the weights half, re-exported)
    _atomic,
    _load_weights_h5,
    _write_weights_file,
    load_weights,
    save_weights,
)


# -------------------------------------------------------------------- config
def _json_value(value):
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    return value


def _config_value(value):
    """A layer's ``get_config()`` value as Keras' ``serialize_keras_object`` writes it: a layer (or another
    Keras object with ``get_config``) held in the config becomes its nested config dict."""
    from minidl.keras.layers.base import Layer
    if isinstance(value, dict):
        return {k: _config_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_config_value(v) for v in value]
    if isinstance(value, Layer):
        return _layer_entry(value)
    if not inspect.isclass(value) and hasattr(value, "get_config") and not isinstance(value, type(_config_value)):
        from minidl.keras.serialization import serialize_keras_object
        return serialize_keras_object(value)
    return _json_value(value)


def _layer_entry(layer):
    from minidl.keras.models.model import Model
    if isinstance(layer, Model):
        entry = model_config(layer, compile_config=False)
    else:
        module, registered = _custom.entry_names(layer)  # a user class: its registered name
        if hasattr(layer, "_keras_module"):  # keras.applications' own layers (LayerScale...): Keras' names
            module, registered = layer._keras_module, type(layer).__name__
        entry = {"module": module, "class_name": getattr(layer, "_keras_class_name", type(layer).__name__),
                 "config": _config_value(layer.get_config()), "registered_name": registered}
    from minidl.keras.layers._keras_config import records_build_config
    if isinstance(layer, Model) and layer._graph is not None:
        pass  # a Functional model: model_config wrote Keras' {"input_shape": None}
    elif layer.built and layer._build_shape is not None and records_build_config(layer):
        entry["build_config"] = {"input_shape": _json_value(layer._build_shape)}
        if hasattr(layer, "_keras_build_config"):  # (an RNN built with initial states: Keras' shapes_dict)
            entry["build_config"] = _json_value(layer._keras_build_config())
    if _custom.overrides_hook(layer, "get_build_config"):  # a user layer's own build state (Keras' hook)
        entry["build_config"] = _json_value(layer.get_build_config())
    return entry


def _call_takes_mask(model) -> bool:
    """Whether Keras' ``call`` of ``model`` has a ``mask`` argument (Functional, Sequential, or a
    subclassed model whose ``call`` names one)."""
    from minidl.keras.models.model import Model
    call = type(model).call
    if call is Model.call or (type(model).__module__ or "").startswith("minidl."):
        return True
    return "mask" in inspect.signature(call).parameters


def _history(tensor, calls):
    """Keras' ``[layer name, node index, tensor index]`` of a symbolic tensor."""
    layer = tensor._layer
    return [layer.name, calls.get(id(tensor), 0), getattr(tensor, "_output_index", None) or 0]


def model_config(model, compile_config=True) -> dict:
    """Keras-style ``{"module", "class_name", "config", ...}`` description of ``model``."""
    from minidl.keras.layers._keras_config import node_call_kwargs
    from minidl.keras.models.model import Model
    from minidl.keras.models.sequential import Sequential
    config = {"name": model.name, "trainable": model.trainable, "dtype": "float32"}
    if isinstance(model, Sequential):
        class_name = "Sequential"
        config["dtype"] = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                           "registered_name": None}  # as Keras 3.15 writes a Sequential's
        entries = []
        if model._input_layer is not None:
            entries.append({"module": "keras.layers", "class_name": "InputLayer",
                            "config": _json_value(model._input_layer.get_config()),
                            "registered_name": None})
        entries += [_layer_entry(layer) for layer in model.layers]
        config["layers"] = entries
        if model.built:
            config["build_input_shape"] = _json_value(model._build_shape)
    elif model._graph is not None:
        class_name = "Functional"
        del config["dtype"]  # (Keras 3.15's Functional config has none)
        ins, outs, nodes, _, _ = model._graph
        node_index, counts = {}, {}
        for node in nodes:
            if getattr(node, "_output_index", None) is not None or node._mask_source is not None:
                # an output of a nested model's call, or a symbolic mask (rebuilt by the layers on load)
                node_index[id(node)] = node_index[id(node._parents[0])]
                continue
            node_index[id(node)] = counts.get(id(node._layer), 0)
            counts[id(node._layer)] = node_index[id(node)] + 1
        entries = []
        for layer in model.layers:
            def tensor_entry(p):
                return {"class_name": "__keras_tensor__",
                        "config": {"shape": _json_value(p.shape), "dtype": str(p.dtype),
                                   "keras_history": _history(p, node_index)}}
            if getattr(layer, "_op_name", None) is not None:  # a keras.ops node: Keras' Operation entry
                from minidl.keras.ops._symbolic_ops import op_entry
                entries.append(op_entry(layer, [n for n in nodes if n._layer is layer
                                                and getattr(n, "_output_index", None) is None], tensor_entry))
                continue
            entry = _layer_entry(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = []
            for node in nodes:
                if node._layer is not layer or getattr(node, "_output_index", None) is not None \
                        or node._mask_source is not None:
                    continue
                parents, keywords = layer._saved_call_arguments(node) if hasattr(layer, "_saved_call_arguments") \
                    else (node._parents, {})  # per-call options and keyword tensors (attention_mask=...)
                args = [tensor_entry(p) for p in parents]
                kwargs = {k: tensor_entry(v) if hasattr(v, "_layer") else _json_value(v) for k, v in keywords.items()}
                spread = getattr(node, "_spread", False)  # layer(a, b): the tensors as separate args
                if spread and hasattr(layer, "_keras_node_kwargs"):  # e.g. an RNN's `initial_state=` tensors
                    args, state_kwargs = layer._keras_node_kwargs(args)
                    kwargs = {**kwargs, **state_kwargs}
                if not (isinstance(layer, Model) and not _call_takes_mask(layer)):  # Keras' training/mask=
                    kwargs = node_call_kwargs(layer, kwargs, len(parents), node._list_input and not spread)
                keys = getattr(node, "_dict_keys", None)
                if keys is not None:  # a call on a dict of tensors: Keras writes the dict
                    by_key = dict(zip(sorted(keys), args))
                    args, spread = {k: by_key[k] for k in keys}, False
                entry["inbound_nodes"].append({"args": [args] if node._list_input and not spread else args,
                                               "kwargs": kwargs})
            entries.append(entry)
        config["layers"] = entries
        config["input_layers"] = [_history(t, node_index) for t in ins]
        config["output_layers"] = [_history(t, node_index) for t in outs]
        for key, dict_keys in (("input_layers", model._input_keys), ("output_layers", model._output_keys)):
            if dict_keys is not None:  # dict inputs/outputs: {key: triple}, as Keras writes them
                config[key] = dict(zip(dict_keys, config[key]))
            elif len(config[key]) == 1:  # Keras writes a lone triple for one tensor
                config[key] = config[key][0]
    else:  # a subclassed model: its class and get_config(), as Keras writes it
        return _custom.subclassed_model_config(model, compile_config)
    module = "keras.src.models.functional" if class_name == "Functional" else "keras"
    out = {"module": module, "class_name": class_name, "config": config,
           "registered_name": "Functional" if class_name == "Functional" else None}
    if class_name == "Functional":
        out["build_config"] = {"input_shape": None}  # (Keras 3 builds a Functional from its graph)
    elif model.built and model._build_shape is not None:
        out["build_config"] = {"input_shape": _json_value(model._build_shape)}
    compiled = compile_config and getattr(model, "compiled", False)
    out["compile_config"] = _json_value(model._compile_args) if compiled else {}  # (Keras writes {} too)
    return out


def _clean_kwargs(cls, config):
    """Drop config keys ``cls`` does not take (Keras writes more than minidl needs) and turn
    Keras' nested dicts (dtype policies, initialisers) into what the constructors accept."""
    from minidl.keras.layers.base import _KNOWN_BASE_KWARGS
    params = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            params |= set(inspect.signature(init).parameters)
    params |= _KNOWN_BASE_KWARGS | {"batch_shape"}
    out = {}
    for key, value in config.items():
        if key not in params or value is None and key in ("kernel_constraint", "bias_constraint",
                                                          "activity_regularizer"):
            continue
        if key == "dtype" and isinstance(value, dict):
            value = value.get("config", {}).get("name", "float32")
        elif isinstance(value, dict) and "class_name" in value:
            value = _clean_object(key, value)
        elif isinstance(value, list) and key in ("kernel_size", "strides", "dilation_rate", "pool_size",
                                                 "batch_input_shape", "batch_shape", "target_shape"):
            value = tuple(value)
        out[key] = value
    if "padding" in out and isinstance(out["padding"], list):
        out["padding"] = tuple(tuple(p) if isinstance(p, list) else p for p in out["padding"])
    return out


def _clean_object(key, value):
    from minidl.keras import initializers, regularizers
    module = initializers if "initializer" in key else regularizers if "regularizer" in key else None
    if module is None:
        return value
    name = value["class_name"]
    table = getattr(module, "_ALIASES", None) or {}
    cls = table.get(name.lower()) if table else None
    if cls is None and hasattr(module, name):
        cls = getattr(module, name)
    if cls is None:
        return module.get(value)
    params = set(inspect.signature(cls.__init__).parameters)
    return cls(**{k: v for k, v in value.get("config", {}).items() if k in params})


def _layer_from_entry(entry, custom_objects, cls=None):
    from minidl.keras import layers as layers_module
    name = entry["class_name"]
    from minidl.keras.models.model import Model
    cls = cls or _custom.resolve_class(entry, custom_objects)  # user classes: custom_objects, scope, registry
    if cls is not None and issubclass(cls, Model) and not _custom.is_builtin(cls):
        return _custom.object_from_entry(cls, entry, custom_objects)
    if cls is None and name in ("Sequential", "Functional", "Model"):
        return model_from_config(entry, custom_objects)
    cls = cls or getattr(layers_module, name, None) or _application_layer(entry)
    if cls is None and name in ("TFDConcat", "TFDIdentity"):  # FeatureSpace's own layers (not in keras.layers)
        from minidl.keras import feature_space
        cls = getattr(feature_space, name)
    if cls is None:
        raise ValueError(f"Unknown layer class {name!r} in the saved config; pass it in custom_objects")
    config = _clean_kwargs(cls, entry.get("config", {}))
    from minidl.keras.layers.base import Layer
    if getattr(cls.from_config, "__func__", None) is not Layer.from_config.__func__:  # nested configs (wrappers)
        layer = cls.from_config(config, custom_objects) if "custom_objects" in \
            inspect.signature(cls.from_config).parameters else cls.from_config(config)
    else:
        layer = cls(**config)
    if entry.get("build_config") and _custom.overrides_hook(layer, "build_from_config"):
        layer.build_from_config(entry["build_config"])  # a user layer's own rebuild (Keras' hook)
    return layer


def _application_layer(entry):
    """The layer class of a ``keras.applications`` module (LayerScale...) that ``entry`` names, or None."""
    import importlib
    module = str(entry.get("module") or "")
    if not module.startswith("keras.src.applications."):
        return None
    try:
        found = importlib.import_module("minidl.keras.applications." + module.rsplit(".", 1)[-1])
    except ImportError:
        return None
    return getattr(found, entry["class_name"], None)


def _pick(outputs_of, history):
    """The symbolic tensor ``[layer, node, tensor index]`` names (one of a nested model's outputs)."""
    key = (history[0], history[1])
    if key not in outputs_of and (history[0], history[1] - 1) in outputs_of:
        key = (history[0], history[1] - 1)  # Keras counts a nested model's own creation as node 0
    value = outputs_of[key]
    if isinstance(value, dict):
        value = [value[k] for k in sorted(value)]
    return value[history[2] if len(history) > 2 else 0] if isinstance(value, (list, tuple)) else value


def _call_options(layer, kwargs, outputs_of):
    """The keyword arguments of a saved call node for a layer that takes per-call options
    (``use_causal_mask``, ``return_attention_scores``, ``attention_mask=<tensor>``); {} for others."""
    if not getattr(layer, "_takes_call_options", False):
        return {}
    out = {}
    for key, value in kwargs.items():
        if key in ("mask", "training") or value is None:
            continue  # (masks flow with the tensors; the training phase comes from the model's call, as Keras)
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            value = _pick(outputs_of, value["config"]["keras_history"])
        out[key] = value
    return out


def _check_no_op_inputs(entry, mask_ops):
    """Raise when a layer's inputs (not its ``mask=``) come from a Keras op node minidl skipped."""
    refs = json.dumps([node["args"] for node in entry.get("inbound_nodes", [])])
    for name in mask_ops:
        if f'"keras_history": ["{name}",' in refs:
            raise NotImplementedError(f"Layer '{entry.get('name')}' of the saved model takes the output of the "
                                      f"Keras op '{name}' as an input; minidl.keras rebuilds op nodes only "
                                      "where they compute masks")


def model_from_config(config, custom_objects=None, make_layer=None, input_tensors=None, call_function=None):
    """Rebuild a model from :func:`model_config`'s dict (or a Keras 3 ``config.json``).

    ``clone_model``'s hooks: ``make_layer(entry)`` gives the layer of a config entry (None: built from the
    entry), ``input_tensors`` replace a functional model's inputs (in ``input_layers`` order) and
    ``call_function(layer, *args, **kwargs)`` calls each layer of a functional model.
    """
    from minidl.keras.layers.base import Input
    from minidl.keras.models.model import Model
    from minidl.keras.models.sequential import Sequential
    class_name, cfg = config["class_name"], config["config"]

    def layer_of(entry):
        made = make_layer(entry) if make_layer is not None else None
        return made if made is not None else _layer_from_entry(entry, custom_objects)

    def call(layer, *args, **kwargs):
        return (call_function or (lambda lay, *a, **k: lay(*a, **k)))(layer, *args, **kwargs)

    if class_name == "Sequential":
        layers = [layer_of(e) for e in cfg["layers"]]
        model = Sequential(name=cfg.get("name"))
        for layer in layers:
            model.add(layer, rebuild=False)
        shape = cfg.get("build_input_shape") or (config.get("build_config") or {}).get("input_shape")
        if shape is not None and not model.built:
            model.build(tuple(shape))
        else:
            model._maybe_build()
        return model
    if class_name == "FeatureSpace" and str(config.get("module", "")).startswith("keras"):  # keras.utils'
        from minidl.keras.feature_space_saving import feature_space_from_config
        return feature_space_from_config(config)
    if class_name not in ("Functional", "Model"):
        cls = _custom.resolve_class(config, custom_objects)
        if cls is None:
            raise ValueError(f"Unknown model class {class_name!r}: register it or pass it in custom_objects")
        return _custom.object_from_entry(cls, config, custom_objects)
    created, outputs_of, mask_ops = {}, {}, set()
    given_inputs = _given_inputs(cfg, input_tensors)
    for entry in cfg["layers"]:
        if entry["class_name"] == "InputLayer":
            c = entry["config"]
            shape = c.get("batch_shape") or c.get("batch_input_shape")
            created[entry["name"]] = None
            dtype = c.get("dtype") if isinstance(c.get("dtype"), str) else None
            outputs_of[(entry["name"], 0)] = given_inputs.get(entry["name"]) or \
                Input(batch_shape=tuple(shape), name=entry["name"], dtype=dtype)
            continue
        if str(entry.get("module", "")).startswith("keras.src.ops"):
            from minidl.keras.ops._symbolic_ops import rebuild_op
            if rebuild_op(entry, outputs_of, _pick):  # a keras.ops node: run the op on its symbolic inputs
                continue
            # else one of the ops Keras 3 records to compute a mask (NotEqual for Embedding(mask_zero=True),
            # ...) feeding the layers' `mask=`; minidl's layers pass masks on themselves
            mask_ops.add(entry["name"])
            continue
        _check_no_op_inputs(entry, mask_ops)
        layer = layer_of(entry)
        created[entry["name"]] = layer
        for i, node in enumerate(entry.get("inbound_nodes", [])):
            args = node["args"]
            if len(args) == 1 and isinstance(args[0], dict) and "class_name" not in args[0]:
                parents = {k: _pick(outputs_of, r["config"]["keras_history"]) for k, r in args[0].items()}
                outputs_of[(entry["name"], i)] = call(layer, parents)  # a nested dict-input model
                continue
            is_list = len(args) == 1 and isinstance(args[0], list)
            refs = args[0] if is_list else args
            parents = [_pick(outputs_of, r["config"]["keras_history"]) for r in refs]
            refs_are_tensors = len(parents) > 1 and not is_list  # several positional tensors: call(a, b)
            options = _call_options(layer, node.get("kwargs") or {}, outputs_of)
            states = (node.get("kwargs") or {}).get("initial_state")  # Keras' RNN `initial_state=` tensors
            if states:
                options["initial_state"] = [_pick(outputs_of, r["config"]["keras_history"])
                                            for r in (states if isinstance(states, list) else [states])]
            outputs_of[(entry["name"], i)] = call(layer, *parents, **options) if refs_are_tensors else \
                call(layer, parents if is_list else parents[0], **options)
    def tensors(items):  # a lone [name, node, tensor] triple, a list of triples, or {key: triple}
        if isinstance(items, dict):
            return {k: _pick(outputs_of, v) for k, v in items.items()}
        if items and isinstance(items[0], str):
            return _pick(outputs_of, items)
        found = [_pick(outputs_of, h) for h in items]
        return found if len(found) > 1 else found[0]
    return Model(tensors(cfg["input_layers"]), tensors(cfg["output_layers"]), name=cfg.get("name"))


def _given_inputs(cfg, input_tensors):
    """``{input layer name: tensor}`` for ``clone_model(input_tensors=...)`` (``input_layers`` order)."""
    if input_tensors is None:
        return {}
    tensors = list(input_tensors) if isinstance(input_tensors, (list, tuple)) else [input_tensors]
    names = cfg["input_layers"]
    names = [names] if names and isinstance(names[0], str) else list(names.values()) \
        if isinstance(names, dict) else names
    if len(tensors) != len(names):
        raise ValueError(f"clone_model: the model has {len(names)} input(s), input_tensors has {len(tensors)}")
    return {ref[0]: t for ref, t in zip(names, tensors)}


# --------------------------------------------------------------------- model
def save_model(model, filepath, overwrite=True):
    """Write ``model`` (architecture, weights, compile arguments, optimiser state) to ``.keras``."""
    path = os.fspath(filepath)
    if not path.endswith((".keras", ".h5")):
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` "
                         f"extension for the native Keras format (recommended) or a `.h5` extension. "
                         f"Received: filepath={path}.")
    config = json.dumps(model_config(model))
    metadata = json.dumps({"keras_version": KERAS_VERSION,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    with _atomic(path, overwrite) as tmp:
        weights_tmp = tmp + ".weights.h5"
        try:
            _write_weights_file(model, weights_tmp)
            with zipfile.ZipFile(tmp, "w") as z:
                z.writestr("metadata.json", metadata)
                z.writestr("config.json", config)
                z.write(weights_tmp, "model.weights.h5")
                from minidl.keras.models._assets import save_layer_assets
                save_layer_assets(model, z)  # user layers' save_assets
        finally:
            with contextlib.suppress(OSError):
                os.remove(weights_tmp)


def _loss_from(loss, custom_objects):
    from minidl.keras import losses
    if isinstance(loss, dict) and "class_name" in loss:
        return losses.to_loss_object({"class_name": loss["class_name"],
                           "config": {k: v for k, v in loss["config"].items() if k != "name"}})
    if isinstance(loss, dict):  # per output
        return {k: _loss_from(v, custom_objects) for k, v in loss.items()}
    if isinstance(loss, list):
        return [_loss_from(v, custom_objects) for v in loss]
    if isinstance(loss, str) and custom_objects and loss in custom_objects:
        return custom_objects[loss]
    return loss


def _metrics_from(spec):
    from minidl.keras import metrics
    if isinstance(spec, dict) and "class_name" in spec:
        if spec["class_name"] in metrics._more._all_classes() and "config" in spec:  # with its arguments, name
            return metrics.deserialize(spec)
        return metrics.get(spec["class_name"].lower())
    if isinstance(spec, dict):  # per output
        return {k: _metrics_from(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_metrics_from(v) for v in spec]
    return spec


def _compile_from(model, compile_config, custom_objects):
    from minidl.keras import optimizers
    opt = compile_config.get("optimizer") or "rmsprop"
    if isinstance(opt, dict):
        cfg = {k: v for k, v in opt.get("config", {}).items() if v is not None}
        cls = optimizers._BY_NAME.get(opt["class_name"].lower())
        params = set(inspect.signature(cls.__init__).parameters) | {"learning_rate", "weight_decay",
                                                                    "clipnorm", "clipvalue",
                                                                    "global_clipnorm", "name"}
        params |= {"use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                   "gradient_accumulation_steps"}  # Keras' base optimiser arguments
        opt = cls.from_config({k: v for k, v in cfg.items() if k in params})
    model.compile(optimizer=opt, loss=_loss_from(compile_config.get("loss"), custom_objects),
                  loss_weights=compile_config.get("loss_weights"),
                  metrics=_metrics_from(compile_config.get("metrics")),
                  weighted_metrics=_metrics_from(compile_config.get("weighted_metrics")))


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model written by ``model.save`` (``.keras``): architecture, weights, and (with
    ``compile``) the compile arguments and optimiser state. ``safe_mode=True`` (Keras' default)
    refuses a ``Lambda`` layer saved with a Python lambda (its code would run)."""
    import h5py
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise ValueError(f"File not found: filepath={path}. Please ensure the file is an accessible "
                         "`.keras` zip file.")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"File format not supported: filepath={path}. minidl.keras loads `.keras` "
                         "files written by model.save")
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
        weights = z.read("model.weights.h5")
        files = {name: z.read(name) for name in z.namelist() if name.startswith("assets/")}
    assets = {name: content for name, content in files.items() if name.endswith(".txt")}
    from minidl.keras._registry import CustomObjectScope, scope_objects
    from minidl.keras.layers.lambda_layer import safe_mode_scope
    with safe_mode_scope(safe_mode), CustomObjectScope({**scope_objects(), **(custom_objects or {})}):
        model = model_from_config(config, custom_objects)  # (Python lambdas load only with safe_mode=False)
        if assets:  # vocabularies Keras adapted (minidl keeps them in the config)
            from minidl.keras.models._assets import load_assets
            load_assets(model, assets)
        if compile and config.get("compile_config"):
            _custom.compile_loaded(model, config["compile_config"], custom_objects)
    with h5py.File(_pyio.BytesIO(weights), "r") as f:
        _load_weights_h5(model, f, False, path, with_optimizer=compile)
    from minidl.keras.models._assets import load_layer_assets
    load_layer_assets(model, files)  # user layers' load_assets (after the variables, as Keras)
    return model
