"""The weights half of Keras model files: ``save_weights("w.weights.h5")`` / ``load_weights`` and the
``model.weights.h5`` inside a ``.keras`` archive (layout: ``minidl/keras/models/saving.py``'s docstring).

Files are written to a temporary name and renamed, with the user's umask.
"""
from __future__ import annotations

import contextlib
import io as _pyio
import os
import zipfile

import numpy as np

from minidl import backend
from minidl import io as _io
from minidl.keras._tensor import numpy_of
from minidl.keras.models import saving_custom as _custom

__all__ = ["save_weights", "load_weights"]


@contextlib.contextmanager
def _atomic(path, overwrite=True):
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} exists and overwrite=False")
    with _io.atomic_path(path) as tmp:
        yield tmp
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)


# ------------------------------------------------------------------- weights
def _weight_keys(layers) -> list:
    """Keras 3's group names for ``layers`` in a weights file: the snake-cased class name, numbered
    in layer order (``dense``, ``dense_1``, ...), whatever the layers are called (Keras' saving_lib)."""
    from minidl.keras._naming import to_snake_case
    from minidl.keras.models.model import Model
    from minidl.keras.models.sequential import Sequential
    used, keys = {}, []
    for layer in layers:
        functional = type(layer) is Model and layer._graph is not None and not isinstance(layer, Sequential)
        key = "functional" if functional else to_snake_case(type(layer).__name__)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        keys.append(key)
    return keys


def _write_layer_weights(group, layer):
    from minidl.keras.models.model import Model
    if isinstance(layer, Model):
        sub = group.create_group("layers", track_order=True)
        for key, child in zip(_weight_keys(layer.layers), layer.layers):
            _write_layer_weights(sub.create_group(key), child)
        group.create_group("vars").attrs["name"] = layer.name
        return
    children = layer._keras_save_children() if hasattr(layer, "_keras_save_children") else None
    if children:  # Keras nests these weights (an RNN's cell, Bidirectional's two layers)
        if not getattr(layer, "_keras_container_only", False):  # (StackedRNNCells' `cells` has no vars)
            own = group.create_group("vars")
            own.attrs["name"] = layer.name
            for i, var in enumerate(layer._keras_own_vars() if hasattr(layer, "_keras_own_vars") else ()):
                own.create_dataset(str(i), data=var.numpy())  # (SpectralNormalization's kernel and vector_u)
        for key, child in children:
            _write_layer_weights(group.create_group(key), child)
        return
    vars_group = group.create_group("vars")
    vars_group.attrs["name"] = layer.name
    if _overrides(layer, "save_own_variables"):  # a user layer's own saving (Keras' hook)
        store = {}
        layer.save_own_variables(store)
        for key, value in store.items():
            vars_group.create_dataset(str(key), data=np.asarray(numpy_of(value)))
        return
    for i, value in enumerate(layer.get_weights()):
        vars_group.create_dataset(str(i), data=value)


def _overrides(layer, hook):
    """True when ``layer``'s class overrides Keras' ``hook`` (``save_own_variables``, ...)."""
    from minidl.keras.layers.base import Layer
    method = getattr(type(layer), hook, None)
    return method is not None and method is not getattr(Layer, hook)


def _write_optimizer(group, optimizer):
    vars_group = group.create_group("vars")
    vars_group.attrs["name"] = optimizer.name
    if hasattr(optimizer, "_slot_groups"):  # a Keras optimiser: its variables in Keras' order and layout
        for i, var in enumerate(optimizer.variables):
            value = np.asarray(var.numpy())
            vars_group.create_dataset(str(i), data=value.astype(np.int64) if i == 0 else value)
        return
    values = [np.asarray(_ema_average_values(optimizer, "iterations"), dtype=np.int64),
              np.asarray(optimizer.learning_rate, dtype=np.float32)]
    values += _ema_average_values(optimizer)  # use_ema: Keras keeps the averages right after the learning rate
    values += _ema_average_values(optimizer, "accumulators")  # then the gradient accumulators
    for group_ in optimizer.param_groups:
        for p in group_["params"]:
            state = optimizer.state.get(p) or {}
            for slot in optimizer._active_slots():
                arr = state.get(slot)
                values.append(np.zeros(tuple(p.shape), np.float32) if arr is None
                              else np.asarray(numpy_of(arr)))
    for i, v in enumerate(values):
        vars_group.create_dataset(str(i), data=v)


def _write_weights_file(model, path):
    import h5py
    with h5py.File(path, "w", track_order=True) as f:
        if _custom.is_subclassed(model):  # Keras keys a subclassed model's layers by attribute name
            _custom.write_subclassed_weights(f, model, _write_layer_weights)
        else:
            layers = f.create_group("layers", track_order=True)  # position matching needs the order
            for key, layer in zip(_weight_keys(model.layers), model.layers):
                _write_layer_weights(layers.create_group(key), layer)
        opt = getattr(model, "optimizer", None)
        if opt is not None and getattr(opt, "built", False):
            _write_optimizer(f.create_group("optimizer"), opt)
        f.create_group("vars").attrs["name"] = model.name


def save_weights(model, filepath, overwrite=True):
    """Write ``model``'s weights to ``filepath`` (must end in ``.weights.h5``)."""
    path = os.fspath(filepath)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={path}")
    with _atomic(path, overwrite) as tmp:
        _write_weights_file(model, tmp)


def _read_vars(group):
    if group is None or "vars" not in group:
        return []
    vars_group = group["vars"]
    return [np.asarray(vars_group[k]) for k in sorted(vars_group, key=int)]


def _assign_layer(layer, group, skip_mismatch, where):
    from minidl.keras.models.model import Model
    if isinstance(layer, Model):
        sub = group["layers"] if group is not None and "layers" in group else None
        _assign_layers(layer.layers, sub, skip_mismatch, f"{where}/{layer.name}")
        return
    children = layer._keras_save_children() if hasattr(layer, "_keras_save_children") else None
    if children and group is not None and all(key in group for key, _ in children):
        for key, child in children:
            _assign_layer(child, group[key], skip_mismatch, f"{where}/{layer.name}")
        own = layer._keras_own_vars() if hasattr(layer, "_keras_own_vars") else ()
        values = _read_vars(group)
        if own and [tuple(v.shape) for v in values] == [tuple(v.shape) for v in own]:
            for var, value in zip(own, values):
                var.assign(value)
        return
    if _overrides(layer, "load_own_variables"):  # a user layer's own loading (Keras' hook)
        vars_group = group["vars"] if group is not None and "vars" in group else {}
        layer.load_own_variables({k: np.asarray(vars_group[k]) for k in vars_group})
        return
    values = _read_vars(group)  # (older minidl files kept an RNN's weights in its own vars)
    expected = [tuple(v.shape) for v in layer.weights]
    got = [tuple(v.shape) for v in values]
    if expected != got:
        if skip_mismatch:
            return
        raise ValueError(f"{where}: layer '{layer.name}' expects {len(expected)} weight(s) of shapes "
                         f"{expected}, the file has {len(got)} of shapes {got}")
    if values:
        layer.set_weights(values)


def _assign_layers(layers, group, skip_mismatch, where):
    names = list(group) if group is not None else []
    keys = _weight_keys(layers)
    # Keras 3's (and minidl's) class-based keys; a layer without weights may be missing from the file
    # (a graph where Keras has tensor operations instead of weightless layers numbers those differently)
    needed = [key for key, layer in zip(keys, layers) if layer.weights]
    if all(key in names for key in keys) or (needed and all(key in names for key in needed)):
        for layer, key in zip(layers, keys):
            if key in names:
                _assign_layer(layer, group[key], skip_mismatch, where)
        return
    by_name = all(layer.name in names for layer in layers)  # files keyed by layer name
    if by_name:
        for layer in layers:
            _assign_layer(layer, group[layer.name], skip_mismatch, where)
        return
    # different names (e.g. dense_3 vs dense): match the layers that hold weights in order
    with_weights = [layer for layer in layers if layer.weights]
    saved = [name for name in names if _read_vars(group[name]) or len(group[name]) > 1]
    if len(saved) != len(with_weights):
        raise ValueError(f"{where}: the file has weights for {len(saved)} layer(s) {saved}, the "
                         f"model has {len(with_weights)} layer(s) with weights "
                         f"{[layer.name for layer in with_weights]}")
    order = _saved_order(group, saved)
    for layer, name in zip(with_weights, order):
        _assign_layer(layer, group[name], skip_mismatch, where)


def _saved_order(group, names):
    """Saved layer names in writing order (minidl's files track it; Keras' list alphabetically)."""
    return [name for name in group if name in names]


def _restore_optimizer(model, f):
    opt = getattr(model, "optimizer", None)
    if opt is None or "optimizer" not in f:
        return
    values = _read_vars(f["optimizer"])
    if not opt.built:
        opt.build([p for p in model.parameters() if p.requires_grad])
    if hasattr(opt, "_slot_groups") and _restore_in_keras_order(opt, values):
        return
    slots = opt._active_slots()
    params = [p for g in opt.param_groups for p in g["params"]]
    from minidl.keras.optimizers import _ema
    n_avg = len(params) if getattr(opt, "use_ema", False) else 0
    n_acc = len(params) if getattr(opt, "gradient_accumulation_steps", None) else 0
    if len(values) != 2 + n_avg + n_acc + len(params) * len(slots):
        return  # a different optimiser: keep a fresh state, as Keras warns and does
    _ema.set_iterations(opt, int(values[0]))
    extras = [backend.to_device(v.astype(p.dtype), p.device)
              for p, v in zip(params + params, values[2:2 + n_avg + n_acc])]
    if n_avg:
        _ema.set_averages(opt, params, extras[:n_avg])
    if n_acc:
        _ema.set_accumulators(opt, params, extras[n_avg:])
    it = iter(values[2 + n_avg + n_acc:])
    for p in params:
        state = opt.state[p]
        for slot in slots:
            arr = next(it)
            state[slot] = backend.to_device(arr.astype(p.dtype), p.device)


def _restore_in_keras_order(opt, values) -> bool:
    """Assign ``values`` (a Keras file's optimiser variables, in ``optimizer.variables`` order: RMSprop's
    slots kind by kind, conv-kernel slots in Keras' layout) to ``opt``; False when they do not fit (a file
    of an older minidl: the caller's variable-by-variable reading)."""
    variables = opt.variables
    if len(values) != len(variables) or any(np.shape(v) != tuple(var.shape) for v, var in zip(values, variables)):
        return False
    for var, value in zip(variables, values):
        var.assign(np.asarray(value))
    return True


def _load_weights_h5(model, f, skip_mismatch, where, with_optimizer=False):
    if not _custom.load_subclassed_weights(model, f, _assign_layer, skip_mismatch, where):  # (a subclassed model)
        _assign_layers(model.layers, f["layers"] if "layers" in f else None, skip_mismatch, where)
    if with_optimizer:
        _restore_optimizer(model, f)


def load_weights(model, filepath, skip_mismatch=False):
    """Load weights saved by :func:`save_weights` or :func:`save_model` (or by Keras 3)."""
    import h5py
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"File not found: filepath={path}")
    if not model.built:
        raise ValueError(f"Model {model.name} must be built before loading weights (give it an "
                         "Input or call it once)")
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as z, h5py.File(_pyio.BytesIO(z.read("model.weights.h5")), "r") as f:
            _load_weights_h5(model, f, skip_mismatch, path)
        return
    if not path.endswith(".h5"):
        raise ValueError(f"File format not supported: filepath={path}. Keras 3 only supports V3 "
                         "`.keras` and `.weights.h5` files")
    with h5py.File(path, "r") as f:
        _load_weights_h5(model, f, skip_mismatch, path)


def _ema_average_values(optimizer, what="averages"):
    """What Keras' base optimiser adds to the file: the ``use_ema`` averages of the weights (zeros
    before the first step), the gradient accumulators, or the raw step count (``what``)."""
    from minidl.keras.optimizers import _ema
    if what == "iterations":
        return _ema.raw_iterations(optimizer)
    if what == "accumulators":
        return _ema.accumulator_values(optimizer)
    if not getattr(optimizer, "use_ema", False):
        return []
    store = _ema.averages(optimizer)
    return [np.asarray(numpy_of(store[id(p)][1])) if id(p) in store else np.zeros(tuple(p.shape), np.float32)
            for g in optimizer.param_groups for p in g["params"]]
