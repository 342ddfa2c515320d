"""``summary(model, input_shape)``: a Keras-style table of layers, output shapes and parameters.

A forward pass on zeros runs with each leaf module's ``forward`` wrapped
temporarily (nothing is required of the Module class beyond ``forward``); the
model's train/eval mode is restored afterwards.

>>> import minidl.nn as nn
>>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
>>> text = summary(net, (1, 4, 4), print_fn=None)
>>> " ".join(text.splitlines()[4].split())
'0 (Conv2d) [-1, 2, 2, 2] 20'
>>> [line for line in text.splitlines() if line.startswith("Total")]
['Total params: 47']
"""
from __future__ import annotations

import numpy as np

__all__ = ["summary", "layer_table"]


def _shape_of(out):
    """Output shape(s) as a list (one entry per Tensor in a nested output)."""
    if hasattr(out, "shape") and not isinstance(out, (tuple, list, dict)):
        return [tuple(int(d) for d in out.shape)]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (tuple, list)):
        shapes = []
        for o in out:
            shapes.extend(_shape_of(o))
        return shapes
    return []


def _reportable(module) -> bool:
    """Leaf modules, and modules that own parameters directly."""
    has_children = any(True for _ in module.children())
    return not has_children or any(True for _ in module.parameters(recurse=False))


def layer_table(model, inputs):
    """Run ``model(*inputs)`` and return one row per call of a reportable module:
    ``{"name", "type", "shapes", "params", "trainable"}`` (params owned directly)."""
    rows, wrapped = [], []
    for name, module in model.named_modules():
        if not _reportable(module):
            continue
        original = module.forward

        def wrapper(*args, _m=module, _name=name, _orig=original, **kwargs):
            try:
                out = _orig(*args, **kwargs)
            except Exception as exc:
                if hasattr(exc, "add_note") and not getattr(exc, "_summary_noted", False):
                    exc.add_note(f"summary: the probe forward failed in layer "
                                 f"'{_name}' ({type(_m).__name__}); check input_shape")
                    exc._summary_noted = True
                raise
            own = list(_m.parameters(recurse=False))
            rows.append({"name": _name or type(_m).__name__.lower(), "type": type(_m).__name__,
                         "shapes": _shape_of(out),
                         "params": sum(int(np.prod(p.shape)) for p in own),
                         "trainable": sum(int(np.prod(p.shape)) for p in own if p.requires_grad)})
            return out
        had_own = "forward" in module.__dict__
        object.__setattr__(module, "forward", wrapper)
        wrapped.append((module, had_own, original))
    try:
        model(*inputs)
    finally:
        for module, had_own, original in wrapped:
            if had_own:
                object.__setattr__(module, "forward", original)
            else:
                object.__delattr__(module, "forward")
    return rows


def _fmt_shape(shape, batch_size):
    return str([batch_size if i == 0 else d for i, d in enumerate(shape)]) if shape else "[]"


def summary(model, input_shape, batch_size: int = -1, device=None, dtypes=None,
            print_fn=print) -> str:
    """Describe ``model``: each leaf layer's output shape and parameter count, the
    totals, and estimated memory, like Keras' ``model.summary()`` / torchsummary.

    Args:
        model: an ``nn.Module``.
        input_shape: one sample's shape without the batch dimension, e.g.
            ``(3, 32, 32)``; a list of shapes for a model taking several inputs.
        batch_size: shown as the first dimension (-1: any) and used for the
            memory estimates (-1 counts as 1).
        device: where to run the probe forward; moves the model there when given.
        dtypes: input dtype (or one per input); default float32.
        print_fn: called with the text (None: don't print).

    Returns the text. Parameters are counted once each (shared ones too);
    "Non-trainable params" are parameters with ``requires_grad=False``;
    buffers (batch-norm running statistics) are not parameters and are listed
    separately. Sizes: input; forward/backward pass = 2 x (every layer's output)
    (activations and their gradients); parameters; in MB (2**20 bytes).
    """
    from minidl import backend
    from minidl.autograd import no_grad
    from minidl.tensor import Tensor

    shapes = [tuple(input_shape)] if not input_shape or not isinstance(input_shape[0], (tuple, list)) \
        else [tuple(s) for s in input_shape]
    if dtypes is None:
        dtypes = [np.float32] * len(shapes)
    elif not isinstance(dtypes, (list, tuple)):
        dtypes = [dtypes] * len(shapes)
    if device is not None:
        dev = backend.Device(device)
        model.to(dev)
    else:
        first = next(iter(model.parameters()), None)
        dev = first.device if first is not None else backend.Device("cpu")
    probe_batch = 2
    inputs = [Tensor(backend.to_device(np.zeros((probe_batch,) + s, dtype=np.dtype(d)), dev))
              for s, d in zip(shapes, dtypes)]

    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with no_grad():
            rows = layer_table(model, inputs)
    finally:
        model.train(was_training)

    params = list(model.parameters())
    total = sum(int(np.prod(p.shape)) for p in params)
    trainable = sum(int(np.prod(p.shape)) for p in params if p.requires_grad)
    buffers = sum(int(np.prod(b.shape)) for b in model.buffers())
    param_bytes = sum(int(np.prod(p.shape)) * p.dtype.itemsize for p in params)

    n = batch_size if batch_size > 0 else 1
    mb = float(2 ** 20)
    input_mb = sum(int(np.prod(s)) * n * np.dtype(d).itemsize for s, d in zip(shapes, dtypes)) / mb
    act_elems = sum(int(np.prod(s[1:])) for r in rows for s in r["shapes"])
    act_itemsize = np.dtype(dtypes[0]).itemsize
    fwd_bwd_mb = 2.0 * act_elems * n * act_itemsize / mb
    params_mb = param_bytes / mb

    w_name = max([len("Layer (type)")] + [len(f"{r['name']} ({r['type']})") for r in rows]) + 2
    w_name = max(w_name, 28)
    w_shape, w_param = 25, 15
    width = w_name + w_shape + w_param + 1
    line = "_" * width
    dline = "=" * width
    title = type(model).__name__
    out = [f'Model: "{title}"', line,
           f" {'Layer (type)':<{w_name - 1}}{'Output Shape':<{w_shape}}{'Param #':>{w_param}}",
           dline]
    for r in rows:
        label = f"{r['name']} ({r['type']})"
        shapes_txt = [_fmt_shape(s, batch_size) for s in r["shapes"]] or ["?"]
        out.append(f" {label:<{w_name - 1}}{shapes_txt[0]:<{w_shape}}{r['params']:>{w_param},}")
        for extra in shapes_txt[1:]:
            out.append(f" {'':<{w_name - 1}}{extra:<{w_shape}}")
    out += [dline,
            f"Total params: {total:,}",
            f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}",
            f"Buffers (not params): {buffers:,}",
            line,
            f"Input size (MB): {input_mb:.2f}",
            f"Forward/backward pass size (MB): {fwd_bwd_mb:.2f}",
            f"Params size (MB): {params_mb:.2f}",
            f"Estimated Total Size (MB): {input_mb + fwd_bwd_mb + params_mb:.2f}",
            line]
    text = "\n".join(out)
    if print_fn is not None:
        print_fn(text)
    return text
