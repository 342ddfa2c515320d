"""The TensorBoard graph of a Module (``SummaryWriter.add_graph``), read from minidl's autograd graph.

PyTorch traces the model with TorchScript; minidl runs ``model(*inputs)`` once with gradients on and walks
the recorded graph back from the outputs. Nodes:

- ``input/input.<k>`` (op ``IO Node``) for each input, ``output/output.<k>`` for each output;
- one node per parameter, named by its place in the module tree (``Net/Conv2d[conv1]/weight``, op
  ``prim::GetAttr``), as in PyTorch's graphs;
- one node per recorded op (op ``aten::<op>`` from the backward node's name: ``AddmmBackward0`` ->
  ``aten::addmm``), placed in the scope of the module whose output it is (``Net/Linear[fc1]/aten::addmm``);
  an op that is no module's output goes in the scope enclosing its input's module (``Net`` for an
  ``F.relu`` in ``Net.forward``).

Inputs, parameters, module outputs and model outputs carry their shape and dtype in ``attr``, so
TensorBoard shows tensor sizes on those edges.
"""
from __future__ import annotations

import re

__all__ = ["graph_def"]


def _as_tuple(value):
    if value is None:
        return ()
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _op_name(node) -> str:
    """``AddmmBackward0`` -> ``aten::addmm``; ``MaxPool2DWithIndicesBackward0`` ->
    ``aten::max_pool2d_with_indices``; ``ReluBackward0`` -> ``aten::relu``."""
    name = re.sub(r"Backward\d*$", "", node.name())
    return "aten::" + re.sub(r"(?<=[a-zA-Z0-9])(?=[A-Z][a-z])", "_", name).lower()


def _module_scopes(model):
    """``{module: scope}``: ``Net`` for the root, ``Net/Sequential[features]/Conv2d[0]`` below it."""
    scopes = {model: type(model).__name__}
    for path, module in model.named_modules():
        if not path:
            continue
        parent = model
        scope = scopes[model]
        for part in path.split("."):
            parent = parent._modules[part]
            scope = f"{scope}/{type(parent).__name__}[{part}]"
        scopes[module] = scope
    return scopes


def _traced_outputs(model, inputs, scopes):
    """Run the model once; returns (outputs, {grad_fn: scope of the innermost module it is the output of},
    {grad_fn: that output, detached})."""
    from ..autograd import enable_grad
    from ..tensor import Tensor
    tagged, made = {}, {}
    handles = []

    def tag(module, args, output):
        for item in _as_tuple(output):
            if isinstance(item, Tensor) and item.creator is not None and item.creator not in tagged:
                tagged[item.creator] = scopes[module]
                made[item.creator] = item.detach()

    for module in scopes:
        handles.append(module.register_forward_hook(tag))
    try:
        with enable_grad():
            outputs = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    outputs = _as_tuple(outputs)
    for item in outputs:
        if isinstance(item, Tensor) and item.creator is not None:
            made.setdefault(item.creator, item.detach())
    return outputs, tagged, made


def graph_def(model, input_to_model=None):
    """A ``GraphDef`` protocol buffer (tensorboardX's) of ``model`` run on ``input_to_model`` (a Tensor or a
    tuple/list of them). Raises ``TypeError`` naming the argument when ``model`` is not a Module."""
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.graph_pb2 import GraphDef
    from tensorboardX.proto.node_def_pb2 import NodeDef
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboardX.proto.versions_pb2 import VersionDef

    from ..nn.module import Module
    from ..tensor import Tensor
    if not isinstance(model, Module):
        raise TypeError(f"add_graph: model must be an nn.Module, got {type(model).__name__}")
    scopes = _module_scopes(model)
    inputs = []
    for item in _as_tuple(input_to_model):
        if isinstance(item, Tensor) and item.is_floating_point() and not item.requires_grad:
            item = item.detach().requires_grad_()  # so the walk reaches it
        inputs.append(item)
    outputs, tagged, made = _traced_outputs(model, inputs, scopes)

    param_names = {}
    for module, scope in scopes.items():
        for name, param in module._parameters.items():
            if param is not None:
                param_names.setdefault(id(param), f"{scope}/{name}")
    for k, item in enumerate(inputs):
        if isinstance(item, Tensor):
            param_names[id(item)] = f"input/input.{k}"

    def attrs(tensor):
        shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(s)) for s in tensor.shape])
        return {"_output_shapes": AttrValue(list=AttrValue.ListValue(shape=[shape])),
                "attr": AttrValue(s=f"{{ dtype : {tensor.dtype} }}".encode())}

    nodes, names, counts = [], {}, {}

    def leaf_name(tensor):
        key = ("leaf", id(tensor))
        if key not in names:
            name = param_names.get(id(tensor), f"{scopes[model]}/constant.{len(names)}")
            op = "IO Node" if name.startswith("input/") else "prim::GetAttr"
            names[key] = name
            nodes.append(NodeDef(name=name, op=op, input=[], attr=attrs(tensor)))
        return names[key]

    def scope_of(node, seen_inputs):
        if node in tagged:
            return tagged[node]
        for scope in seen_inputs:  # the scope enclosing the module that made an input
            if scope and "/" in scope:
                return scope.rsplit("/", 1)[0]
        return scopes[model]

    def op_name(node, output):
        key = ("op", id(node))
        if key in names:
            return names[key]
        stack = [(node, output)]
        while stack:  # iterative post-order: inputs are named before the op that uses them
            current, current_out = stack[-1]
            pending = [(e, o) for e, o in _edges(current) if ("op", id(e)) not in names]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if ("op", id(current)) in names:
                continue
            input_names, input_scopes = [], []
            for edge, _ in current.next_functions:
                if edge is None:
                    continue
                if edge.name() == "AccumulateGrad":
                    input_names.append(leaf_name(edge.variable))
                    input_scopes.append(None)
                else:
                    input_names.append(names[("op", id(edge))])
                    input_scopes.append(tagged.get(edge))
            scope = scope_of(current, input_scopes)
            op = _op_name(current)
            counts[(scope, op)] = counts.get((scope, op), 0) + 1
            suffix = "" if counts[(scope, op)] == 1 else f"_{counts[(scope, op)] - 1}"
            name = f"{scope}/{op}{suffix}"
            names[("op", id(current))] = name
            node_attrs = attrs(made[current]) if current in made else {}
            nodes.append(NodeDef(name=name, op=op, input=input_names, attr=node_attrs))
        return names[key]

    def _edges(node):
        return [(e, o) for e, o in node.next_functions if e is not None and e.name() != "AccumulateGrad"]

    for k, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            continue
        if out.creator is not None:
            source = op_name(out.creator, 0)
        else:
            source = leaf_name(out)
        nodes.append(NodeDef(name=f"output/output.{k}", op="IO Node", input=[source], attr=attrs(out)))
    return GraphDef(node=nodes, versions=VersionDef(producer=22))
