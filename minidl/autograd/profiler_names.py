"""PyTorch's operator names and FLOP counts for minidl's ops, as the profiler reports them.

A profiled call of one of minidl's array-style ops (a ``Function`` subclass in
``minidl/ops``) becomes one event named as PyTorch's dispatcher names the same
call (``aten::relu``, ``aten::add``), or a short chain of nested events where
PyTorch's composite op calls another (``aten::linear`` > ``aten::addmm``,
``aten::conv2d`` > ``aten::convolution`` > ``aten::_convolution``): the inner
events span the same interval, so the outer ones keep a near-zero self time, as
in PyTorch's tables. Classes without an entry are named ``aten::`` plus their
name in snake case (``Log1p`` -> ``aten::log1p``).

FLOPs follow PyTorch's ``with_flops`` counting: 2*M*N*K for a matrix product
(on ``aten::mm``/``aten::addmm``/``aten::bmm``), 2 * output elements * input
channels per group * kernel area for ``aten::conv2d``, one per output element
for ``aten::add`` and ``aten::mul``; other ops report 0.
"""
from __future__ import annotations

import re

__all__ = ["op_names", "op_flops", "backward_node_name"]

# class name -> PyTorch's event name(s), outermost first
_NAMES = {
    "ReLU": ("aten::relu",), "LeakyReLU": ("aten::leaky_relu",), "Sigmoid": ("aten::sigmoid",),
    "Tanh": ("aten::tanh",), "Erf": ("aten::erf",), "Hardtanh": ("aten::hardtanh",),
    "Softplus": ("aten::softplus",), "LogSigmoid": ("aten::log_sigmoid",),
    "Softmax": ("aten::softmax", "aten::_softmax"), "LogSoftmax": ("aten::log_softmax", "aten::_log_softmax"),
    "Conv2d": ("aten::conv2d", "aten::convolution", "aten::_convolution"),
    "Conv2dInputGrad": ("aten::convolution_backward",), "Conv2dWeightGrad": ("aten::convolution_backward",),
    "Dropout": ("aten::dropout",), "ClampScalar": ("aten::clamp",), "Clip": ("aten::clamp",),
    "RoundedDivide": ("aten::div",), "Fill": ("aten::fill_",), "CopyFrom": ("aten::copy_",),
    "SetItem": ("aten::index_put_",), "ToDevice": ("aten::to", "aten::_to_copy"),
    "Cast": ("aten::to", "aten::_to_copy"), "Inv": ("aten::linalg_inv",), "Det": ("aten::linalg_det",),
    "LogAbsDet": ("aten::linalg_slogdet",), "Solve": ("aten::linalg_solve",),
    "Cholesky": ("aten::linalg_cholesky",), "EighPart": ("aten::linalg_eigh",), "SvdPart": ("aten::linalg_svd",),
    "QrPart": ("aten::linalg_qr",), "LuPart": ("aten::linalg_lu",),
    "CrossEntropy": ("aten::cross_entropy_loss",), "NLLLoss": ("aten::nll_loss",),
    "PowScalar": ("aten::pow",), "Maximum": ("aten::maximum",), "Minimum": ("aten::minimum",),
    "MaximumSplit": ("aten::maximum",), "MinimumSplit": ("aten::minimum",),
    "BatchNorm": ("aten::batch_norm", "aten::_batch_norm_impl_index", "aten::native_batch_norm"),
    "MaxPool2d": ("aten::max_pool2d", "aten::max_pool2d_with_indices"),
    "AvgPool2d": ("aten::avg_pool2d",), "GlobalAvgPool2d": ("aten::adaptive_avg_pool2d", "aten::mean"),
    "AdaptiveAvgPool2d": ("aten::adaptive_avg_pool2d", "aten::_adaptive_avg_pool2d"),
    "Transpose": ("aten::permute",), "GetItem": ("aten::index",), "IndexScatter": ("aten::index_put_",),
    "BroadcastTo": ("aten::expand",), "Concat": ("aten::cat",), "Pad": ("aten::pad", "aten::constant_pad_nd"),
    "LogSumExp": ("aten::logsumexp",), "CumSum": ("aten::cumsum",), "Unfold": ("aten::im2col",),
    "Fold": ("aten::col2im",), "VectorNorm": ("aten::linalg_vector_norm",), "Einsum": ("aten::einsum",),
    "AsStrided": ("aten::as_strided",), "Reshape": ("aten::reshape", "aten::view"),
    "FloorDivide": ("aten::floor_divide",),
}

_MATMUL = {(2, 2): "aten::mm", (2, 1): "aten::mv", (1, 1): "aten::dot", (1, 2): "aten::mm"}


def _snake(name):
    """``"LogSumExp"`` -> ``"log_sum_exp"``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _ndim(value):
    shape = getattr(value, "shape", None)
    return 0 if shape is None else len(shape)


def op_names(cls, args):
    """The event names (outermost first) of one call of the array-style op ``cls`` on ``args``."""
    name = cls.__name__
    if name == "Linear":
        inner = ("aten::addmm" if len(args) > 2 and args[2] is not None else "aten::mm") \
            if _ndim(args[0]) == 2 else "aten::matmul"
        return ("aten::linear", inner)
    if name == "MatMul":
        inner = _MATMUL.get((_ndim(args[0]), _ndim(args[1])), "aten::bmm")
        return ("aten::matmul", inner)
    named = _NAMES.get(name)
    if named is not None:
        return named
    return ("aten::" + _snake(name),)


def _matmul_flops(a_shape, b_shape):
    """2*M*N*K (times the broadcast batch size) for ``a @ b``."""
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    if len(a_shape) == 1:
        a_shape = (1,) + a_shape
    if len(b_shape) == 1:
        b_shape = b_shape + (1,)
    batch = 1
    for n in (a_shape[:-2] if len(a_shape) >= len(b_shape) else b_shape[:-2]):
        batch *= int(n)
    return 2 * batch * int(a_shape[-2]) * int(a_shape[-1]) * int(b_shape[-1])


def op_flops(cls_name, event_name, args, out_shape):
    """FLOPs PyTorch counts for the event ``event_name`` (a name from :func:`op_names` for the op class
    named ``cls_name``), else 0. ``args`` are the op's inputs (Tensors or None), ``out_shape`` its output's shape.
    """
    if cls_name == "Linear" and event_name != "aten::linear":
        x, w = args[0], args[1]
        return _matmul_flops(x.shape, tuple(w.shape)[::-1])      # x @ W^T
    if cls_name == "MatMul" and event_name != "aten::matmul":
        return _matmul_flops(args[0].shape, args[1].shape)
    if event_name == "aten::conv2d":
        per_output = 1
        for n in tuple(args[1].shape)[1:]:     # weight (O, C/groups, kh, kw)
            per_output *= int(n)
        return 2 * _count(out_shape) * per_output
    if event_name in ("aten::add", "aten::mul"):
        return _count(out_shape)
    return 0


def _count(shape):
    total = 1
    for n in shape:
        total *= int(n)
    return total


def backward_node_name(node):
    """The name PyTorch's autograd engine gives ``node`` in profiles (``AddmmBackward0``)."""
    name = getattr(node, "name", None)
    return name() if callable(name) else type(node).__name__
