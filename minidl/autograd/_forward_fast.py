"""Direct tangent rules for the most used ops of ``minidl/ops`` (forward-mode AD's fast path).

``_forward_rules.propagate`` asks :func:`fast_tangent` first and falls back
to the double-vjp identity when it returns None. Three kinds of rule, on
real floating-point arrays only (a complex op's backward is the conjugate
Jacobian, so complex tangents always take the general path):

* **symmetric**: a one-input op whose Jacobian is symmetric (diagonal for
  the elementwise ones, ``diag(p) - p pᵀ`` for softmax) has ``Jᵀ = J``, so its
  array ``backward`` applied to the tangent is the tangent of the output
  (``ReLU``, ``Tanh``, ``Exp``, the ``Unary`` family, ``Softmax``, ...);
  ``LogSoftmax``: ``t - sum(softmax * t)``;
* **linear**: an op linear in all its Tensor inputs gives its output tangent
  by running its own forward on the input tangents (zeros for inputs without
  one): ``Add``, ``Sub``, reshapes, transposes, indexing, concatenation, sums
  and means, casts, average pooling and max pooling's scatter/gather;
* **max pooling**: the tangent read at the forward pass's arg-max positions;
* **bilinear / quotient**: ``Mul``, ``MatMul``, ``Linear``, ``Conv2d`` and the convolution's gradient ops
  (which forward-over-reverse runs), ``Div``, by the product rule.

Each rule returns an array of the output's shape (cast to its dtype), or None.
"""
from __future__ import annotations

__all__ = ["fast_tangent"]

_RULES = {}


def fast_tangent(fn, tensors, tangents, kwargs, out):
    """The output tangent array of the op ``fn`` by a direct rule, or None when it has none."""
    if not _RULES:
        _build_rules()
    rule = _RULES.get(type(fn))
    if rule is None or out.array.dtype.kind != "f":
        return None
    arrays = []
    for t, tg in zip(tensors, tangents):
        if tg is None:
            arrays.append(None)
            continue
        if t.array.dtype.kind != "f" or tg.array.dtype.kind != "f":
            return None
        arrays.append(tg.array if tg.array.dtype == t.array.dtype else tg.array.astype(t.array.dtype))
    result = rule(fn, tensors, arrays, kwargs, out)
    if result is None or result.shape != out.array.shape:
        return None
    return result if result.dtype == out.array.dtype else result.astype(out.array.dtype)


def _symmetric(fn, tensors, arrays, kwargs, out):
    if len(tensors) != 1 or arrays[0].shape != out.array.shape:
        return None
    needs = _read(fn, "needs_input_grad")
    fn.needs_input_grad = (True,)
    try:
        result = fn.backward(arrays[0])
    finally:
        if needs is not None:
            fn.needs_input_grad = needs
    return result[0] if isinstance(result, tuple) else result


def _log_softmax(fn, tensors, arrays, kwargs, out):
    if len(tensors) != 1:
        return None
    t = arrays[0]
    return t - (out.xp.exp(out.array) * t).sum(axis=fn.axis, keepdims=True)


def _max_pool(fn, tensors, arrays, kwargs, out):
    from ..ops.pool import _gather_at
    return _gather_at(arrays[0], fn.argmax)


def _read(fn, name):
    try:
        return getattr(fn, name)
    except AttributeError:
        return None


def _linear(fn, tensors, arrays, kwargs, out):
    args = []
    for t, a in zip(tensors, arrays):
        if t is None:
            args.append(None)
        elif a is None:
            args.append(t.xp.zeros_like(t.array))
        else:
            args.append(a)
    return type(fn)().forward(*args, **kwargs)


def _mul(fn, tensors, arrays, kwargs, out):
    (a, b), (ta, tb) = (t.array for t in tensors), arrays
    left = None if ta is None else ta * b
    right = None if tb is None else a * tb
    return _sum(left, right, out)


def _div(fn, tensors, arrays, kwargs, out):
    b = tensors[1].array
    ta, tb = arrays
    top = ta if tb is None else (-out.array * tb if ta is None else ta - out.array * tb)
    result = top / b
    return result if result.shape == out.array.shape else out.xp.broadcast_to(result, out.array.shape).copy()


def _matmul(fn, tensors, arrays, kwargs, out):
    (a, b), (ta, tb) = (t.array for t in tensors), arrays
    return _sum(None if ta is None else ta @ b, None if tb is None else a @ tb, out)


def _linear_layer(fn, tensors, arrays, kwargs, out):
    x, w = tensors[0].array, tensors[1].array
    tx, tw = arrays[0], arrays[1]
    tb = arrays[2] if len(arrays) > 2 else None
    result = _sum(None if tx is None else tx @ w.T, None if tw is None else x @ tw.T, out)
    if tb is not None:
        result = result + tb
    return result


def _bilinear(fn, tensors, arrays, kwargs, out):
    """An op bilinear in its two Tensor inputs: F(ta, b) + F(a, tb), each with a fresh instance."""
    if len(tensors) != 2:
        return None
    (a, b), (ta, tb) = (t.array for t in tensors), arrays
    cls = type(fn)
    return _sum(None if ta is None else cls().forward(ta, b, **kwargs),
                None if tb is None else cls().forward(a, tb, **kwargs), out)


def _conv2d(fn, tensors, arrays, kwargs, out):
    """Conv2d(x, w, b): conv(tx, w) + conv(x, tw) + tb on the channel axis."""
    x, w = tensors[0].array, tensors[1].array
    tx, tw = arrays[0], arrays[1]
    tb = arrays[2] if len(arrays) > 2 else None
    cls = type(fn)
    result = _sum(None if tx is None else cls().forward(tx, w, None, **kwargs),
                  None if tw is None else cls().forward(x, tw, None, **kwargs), out)
    if tb is not None:
        result = result + tb.reshape((1, -1) + (1,) * (out.array.ndim - 2))
    return result


def _sum(left, right, out):
    if left is None and right is None:
        return out.xp.zeros_like(out.array)
    result = left if right is None else right if left is None else left + right
    if result.shape != out.array.shape:
        result = out.xp.broadcast_to(result, out.array.shape).copy()
    return result


def _build_rules():
    from ..ops import (
        activation,
        activation_more,
        conv,
        elementwise,
        layout,
        linear,
        math,
        pool,
        reduction,
        shape,
        unary,
    )
    for cls in (math.Neg, math.Exp, math.Log, math.Sqrt, math.Abs, math.PowScalar, math.Clip, activation.ReLU,
                activation.LeakyReLU, activation.Sigmoid, activation.Tanh, activation.Erf, elementwise.Sin,
                elementwise.Cos, elementwise.ClampScalar, activation_more.Hardtanh, activation_more.Softplus,
                activation_more.LogSigmoid, activation.Softmax):
        _RULES[cls] = _symmetric
    for cls in vars(unary).values():
        if isinstance(cls, type) and issubclass(cls, unary.Unary) and cls is not unary.Unary:
            _RULES[cls] = _symmetric
    for cls in (math.Add, math.Sub, math.Cast, shape.Reshape, shape.Transpose, shape.GetItem, shape.BroadcastTo,
                shape.Concat, shape.Stack, reduction.Sum, reduction.Mean, layout.Expand, layout.Repeat,
                layout.Clone, layout.Flip, layout.ToDevice, pool.MaxPoolScatter, pool.MaxPoolGather, pool.AvgPool2d,
                pool.AvgPoolAdjoint, pool.GlobalAvgPool2d, pool.AdaptiveAvgPool2d):
        _RULES[cls] = _linear
    _RULES[activation.LogSoftmax] = _log_softmax
    _RULES[pool.MaxPool2d] = _max_pool
    _RULES[math.Mul] = _mul
    _RULES[math.Div] = _div
    _RULES[math.MatMul] = _matmul
    _RULES[linear.Linear] = _linear_layer
    _RULES[conv.Conv2d] = _conv2d
    _RULES[conv.Conv2dInputGrad] = _bilinear
    _RULES[conv.Conv2dWeightGrad] = _bilinear
