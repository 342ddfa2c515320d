"""Activations and the softmax family, computed in a numerically stable way."""
from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax"]


class ReLU(Function):
    """max(x, 0); d/dx = 1 where x > 0."""

    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, g):
        return g * self.mask

    def backward_graph(self, g):
        return g * Tensor(self.mask)


class LeakyReLU(Function):
    """x if x > 0 else slope*x; d/dx = 1 or slope."""

    def forward(self, x, slope=0.01):
        xp = get_array_module(x)
        self.scale = xp.where(x > 0, x.dtype.type(1), x.dtype.type(slope))
        return x * self.scale

    def backward(self, g):
        return g * self.scale

    def backward_graph(self, g):
        return g * Tensor(self.scale)


class Sigmoid(Function):
    """s = 1/(1+exp(-x)); ds/dx = s(1-s). Computed as (1 + tanh(x/2))/2 to avoid overflow."""

    def forward(self, x):
        xp = get_array_module(x)
        half = x.dtype.type(0.5)
        self.out = half * (1 + xp.tanh(half * x))
        return self.out

    def backward(self, g):
        return g * self.out * (1 - self.out)

    def backward_graph(self, g):
        s = Sigmoid.apply(self.inputs[0])
        return g * s * (1 - s)


class Tanh(Function):
    """t = tanh(x); dt/dx = 1 - t**2."""

    def forward(self, x):
        self.out = get_array_module(x).tanh(x)
        return self.out

    def backward(self, g):
        return g * (1 - self.out * self.out)

    def backward_graph(self, g):
        t = Tanh.apply(self.inputs[0])
        return g * (1 - t * t)


def _log_softmax(x, axis):
    xp = get_array_module(x)
    z = x - x.max(axis=axis, keepdims=True)
    return z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))


class Softmax(Function):
    """p = exp(x - max) / sum; dx = p * (g - sum(g * p))."""

    def forward(self, x, axis=-1):
        self.axis = axis
        self.out = get_array_module(x).exp(_log_softmax(x, axis))
        return self.out

    def backward(self, g):
        p = self.out
        return p * (g - (g * p).sum(axis=self.axis, keepdims=True))

    def backward_graph(self, g):
        p = Softmax.apply(self.inputs[0], axis=self.axis)
        return p * (g - (g * p).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """y = x - logsumexp(x); dx = g - softmax(x) * sum(g)."""

    def forward(self, x, axis=-1):
        self.axis = axis
        self.out = _log_softmax(x, axis)
        return self.out

    def backward(self, g):
        xp = get_array_module(g)
        return g - xp.exp(self.out) * g.sum(axis=self.axis, keepdims=True)

    def backward_graph(self, g):
        p = Softmax.apply(self.inputs[0], axis=self.axis)
        return g - p * g.sum(axis=self.axis, keepdims=True)


def relu(x):
    """Rectified linear unit, any shape."""
    return ReLU.apply(x)


def leaky_relu(x, negative_slope=0.01):
    """Leaky ReLU with slope ``negative_slope`` for x < 0, any shape."""
    return LeakyReLU.apply(x, slope=negative_slope)


def sigmoid(x):
    """Logistic sigmoid, any shape."""
    return Sigmoid.apply(x)


def tanh(x):
    """Hyperbolic tangent, any shape."""
    return Tanh.apply(x)


def softmax(x, axis=-1):
    """Softmax along ``axis`` (stable: the max is subtracted first)."""
    return Softmax.apply(x, axis=axis)


def log_softmax(x, axis=-1):
    """Log-softmax along ``axis`` via log-sum-exp."""
    return LogSoftmax.apply(x, axis=axis)
