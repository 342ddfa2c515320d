"""``EinsumDense``: a dense layer whose product is an einsum equation (Keras 3's).

``EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")`` maps (batch, T, c)
inputs to (batch, T, 4, 8) with a kernel of shape (c, 4, 8) and a bias of shape (4, 8). The
kernel and bias shapes follow Keras' ``_analyze_einsum_string`` (equations ``ab,bc->ac``, with
``...`` on the left, ``...ab,bc->...ac``, or on the right, ``ab...,bc->ac...``); a
``VarianceScaling`` kernel initialiser (the default Glorot uniform) counts the fans over the
kernel's input and output axes, as Keras does.
"""
from __future__ import annotations

import math
import re

import numpy as np

from minidl.keras import activations as _activations
from minidl.keras import initializers as _init
from minidl.keras import regularizers as _reg
from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers.base import Layer
from minidl.ops.einsum import einsum

__all__ = ["EinsumDense", "analyze_einsum_string"]


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape, layer_name="einsum_dense"):
    """``(kernel_shape, bias_shape or None, full_output_shape, input_axes, output_axes)`` of an
    EinsumDense ``equation`` on ``input_shape`` with the (partial, batch-less) ``output_shape``."""
    replaced = re.sub(r"\.\.\.", "0", equation)
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False)):
        match = re.fullmatch(pattern, replaced)
        if match:
            return _analyze_split(match.groups(), bias_axes, tuple(input_shape), output_shape, left, layer_name,
                                  "0" in replaced)
    raise ValueError(f"EinsumDense layer {layer_name}: invalid einsum equation '{equation}'. Equations must be in "
                     "the form [X],[Y]->[Z], "
                     "...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _analyze_split(specs, bias_axes, input_shape, output_shape, left_elided, layer_name, has_ellipsis):
    input_spec, weight_spec, output_spec = specs
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided > 0 and not has_ellipsis):
        raise ValueError(f"EinsumDense layer {layer_name}: the equation's input spec '{input_spec}' does not fit "
                         f"inputs of shape {input_shape}")
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])
    if left_elided:
        input_dim_map = {dim: (i + elided) - len(input_shape) for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i + elided for i, dim in enumerate(output_spec)}
    else:
        input_dim_map = {dim: i for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i for i, dim in enumerate(output_spec)}
    if len(output_shape) != len(output_spec) + (elided if elided > 0 else 0):
        raise ValueError(f"EinsumDense layer {layer_name}: output_shape {tuple(output_shape[1:])} does not have one "
                         f"entry per output axis of '{output_spec}' (besides the batch)")
    for dim in input_spec:
        if dim in output_dim_map:
            out_dim = output_shape[output_dim_map[dim]]
            if out_dim is not None and out_dim != input_shape[input_dim_map[dim]]:
                raise ValueError(f"EinsumDense layer {layer_name}: input shape and output shape do not match "
                                 f"at shared dimension '{dim}'. Input "
                                 f"shape is {input_shape[input_dim_map[dim]]}, and output shape is {out_dim}.")
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(f"EinsumDense layer {layer_name}: dimension '{dim}' was specified in the output "
                             f"'{output_spec}' but has no "
                             f"corresponding dim in the input spec '{input_spec}' or weight spec '{weight_spec}'")
    weight_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weight_spec):
        if dim in output_dim_map:
            weight_shape.append(output_shape[output_dim_map[dim]])
            output_axes.append(i)
        elif dim in input_dim_map:
            weight_shape.append(input_shape[input_dim_map[dim]])
            input_axes.append(i)
        else:
            raise ValueError(f"EinsumDense layer {layer_name}: weight dimension '{dim}' did not have a match "
                             f"in either the input spec "
                             f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the weight must "
                             "be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        offset = elided if left_elided else 0
        sizes = {char: output_shape[i + offset] for i, char in enumerate(output_spec)}
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(f"EinsumDense layer {layer_name}: bias dimension '{char}' was requested, but "
                                 f"is not part of the output spec "
                                 f"'{output_spec}'")
        first = min(output_spec.find(char) for char in bias_axes)
        bias_shape = [sizes[char] if char in bias_axes else 1 for char in output_spec[first:]]
        if not left_elided:
            bias_shape += [1] * max(elided, 0)
    return weight_shape, bias_shape, output_shape, input_axes, output_axes


def _fan_aware(initializer, input_axes, output_axes):
    """For a VarianceScaling initialiser: draws with the fans of the kernel's input/output axes
    (a (fan_in, fan_out) draw reshaped to the kernel: the values are i.i.d.)."""
    if not isinstance(initializer, _init.VarianceScaling):
        return initializer

    def draw(shape, dtype=None):
        fan_in = math.prod(shape[i] for i in input_axes)
        fan_out = math.prod(shape[i] for i in output_axes)
        return np.asarray(initializer((fan_in, fan_out), dtype=dtype)).reshape(shape)
    return draw


class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``.

    Args (Keras'): ``equation`` (``"<input>,<kernel>-><output>"``), ``output_shape`` (the output
    shape without the batch axis; ``None`` for a dimension taken from the input), ``activation``,
    ``bias_axes`` (output letters that get a bias, e.g. ``"de"``), ``kernel_initializer``,
    ``bias_initializer``, ``kernel_regularizer``, ``bias_regularizer``. Weights: ``kernel``, then
    ``bias``. The mask does not pass.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, gptq_unpacked_column_size=None,
                 quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        for arg, value in (("lora_rank", lora_rank), ("quantization_config", quantization_config),
                           ("gptq_unpacked_column_size", gptq_unpacked_column_size)):
            if value is not None:
                raise NotImplementedError(f"EinsumDense: {arg} is not supported by minidl.keras")
        self.equation = str(equation)
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = _activations.get(activation)
        self.kernel_initializer = _init.get(kernel_initializer)
        self.bias_initializer = _init.get(bias_initializer)
        self.kernel_regularizer = _reg.get(kernel_regularizer)
        self.bias_regularizer = _reg.get(bias_regularizer)
        self.bias = None

    def _analyze(self, input_shape):
        return analyze_einsum_string(self.equation, self.bias_axes, input_shape, self.partial_output_shape,
                                     self.name)

    def build(self, input_shape):
        """Create ``kernel`` (and ``bias`` when ``bias_axes``) for inputs of ``input_shape``."""
        kernel_shape, bias_shape, _, input_axes, output_axes = self._analyze(tuple(input_shape))
        if any(d is None for d in kernel_shape) or (bias_shape and any(d is None for d in bias_shape)):
            raise ValueError(f"EinsumDense layer {self.name}: the kernel shape {tuple(kernel_shape)} (from input shape "
                             f"{tuple(input_shape)} and output_shape {self.partial_output_shape}) must be known")
        self._input_rank = len(input_shape)
        self.kernel = self.add_weight(tuple(kernel_shape), _fan_aware(self.kernel_initializer, input_axes, output_axes),
                                      name="kernel", regularizer=self.kernel_regularizer)
        if bias_shape is not None:
            self.bias = self.add_weight(tuple(bias_shape), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer)
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(self._analyze(tuple(input_shape))[2])

    def _forward(self, x, training=False):
        return to_internal(self.apply_external(to_external(x)))

    def apply_external(self, xe):
        """The layer's computation on a channels-last Tensor ``xe`` (result channels-last too)."""
        if xe.ndim != self._input_rank:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={self._input_rank}, found ndim={xe.ndim}. Full shape received: {tuple(xe.shape)}")
        kernel_shape = self._analyze((None,) + tuple(xe.shape[1:]))[0]
        if tuple(kernel_shape) != tuple(self.kernel.shape):
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: inputs of shape '
                             f"{tuple(xe.shape)} need a kernel of shape {tuple(kernel_shape)}, the layer has "
                             f"{tuple(self.kernel.shape)}")
        out = einsum(self.equation, xe, self.kernel)
        if self.bias is not None:
            out = out + self.bias
        return self.activation(out)

    def get_config(self):
        def ser(obj, module):
            return None if obj is None else module.serialize(obj)
        return dict(super().get_config(), output_shape=self.partial_output_shape, equation=self.equation,
                    activation=_activations.serialize(self.activation), bias_axes=self.bias_axes,
                    kernel_initializer=ser(self.kernel_initializer, _init),
                    bias_initializer=ser(self.bias_initializer, _init),
                    kernel_regularizer=ser(self.kernel_regularizer, _reg),
                    bias_regularizer=ser(self.bias_regularizer, _reg), activity_regularizer=None,
                    kernel_constraint=_ser_constraint(self.kernel_constraint),
                    bias_constraint=_ser_constraint(self.bias_constraint), quantization_config=None)


def _ser_constraint(constraint):
    from minidl.keras import constraints
    return constraints.serialize(constraint)
