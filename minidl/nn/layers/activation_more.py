"""More activation layers, PyTorch's: ``ReLU6``, ``Hardtanh``, ``Softplus``, ``SELU``, ``CELU``, ``Mish``,
``Hardswish``, ``Hardsigmoid``, ``LogSigmoid``, ``Softmin``, ``Softsign``, ``Tanhshrink``, ``Threshold``,
``GLU``, ``PReLU``, ``RReLU``, ``Softshrink``, ``Hardshrink``, ``Softmax2d``.

All are elementwise, shapes (*) -> (*), except ``GLU`` (halves ``dim``) and the
softmaxes (normalise along a dimension). Each calls its function of
:mod:`minidl.nn.functional`.
"""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl.nn.layers._utils import _factory, _place
from minidl.nn.module import Module, Parameter

__all__ = ["Hardtanh", "ReLU6", "Softplus", "SELU", "CELU", "Mish", "Hardswish", "Hardsigmoid", "LogSigmoid",
           "Softmin", "Softsign", "Tanhshrink", "Threshold", "GLU", "PReLU", "RReLU", "Softshrink", "Hardshrink",
           "Softmax2d"]


def _inplace_suffix(inplace):
    return ", inplace=True" if inplace else ""


class Hardtanh(Module):
    """Clip to [min_val, max_val]. Shapes: (*) -> (*)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value=None, max_value=None):
        super().__init__()
        if min_value is not None or max_value is not None:
            import warnings
            warnings.warn("keyword argument `min_value`/`max_value` is deprecated and will be removed in a future "
                          "release, please use `min_val`/`max_val` instead.", FutureWarning, stacklevel=2)
            min_val = min_val if min_value is None else min_value
            max_val = max_val if max_value is None else max_value
        if max_val <= min_val:
            raise AssertionError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        """(*) -> (*)."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(0, x), 6). Shapes: (*) -> (*)."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """log(1 + exp(beta x)) / beta (x where beta x > threshold). Shapes: (*) -> (*)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        """(*) -> (*)."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class _InplaceActivation(Module):
    """An activation whose only option is ``inplace``."""

    _fn = None

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        """(*) -> (*)."""
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SELU(_InplaceActivation):
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))), the self-normalising constants. Shapes: (*) -> (*)."""

    _fn = staticmethod(F.selu)


class Mish(_InplaceActivation):
    """x * tanh(softplus(x)). Shapes: (*) -> (*)."""

    _fn = staticmethod(F.mish)


class Hardswish(_InplaceActivation):
    """x * relu6(x + 3) / 6. Shapes: (*) -> (*)."""

    _fn = staticmethod(F.hardswish)

    def extra_repr(self) -> str:
        return ""


class Hardsigmoid(_InplaceActivation):
    """relu6(x + 3) / 6. Shapes: (*) -> (*)."""

    _fn = staticmethod(F.hardsigmoid)

    def extra_repr(self) -> str:
        return ""


class CELU(Module):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). Shapes: (*) -> (*)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        """(*) -> (*)."""
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class LogSigmoid(Module):
    """log(sigmoid(x)), computed stably. Shapes: (*) -> (*)."""

    def forward(self, input):
        """(*) -> (*)."""
        return F.logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|). Shapes: (*) -> (*)."""

    def forward(self, input):
        """(*) -> (*)."""
        return F.softsign(input)


class Tanhshrink(Module):
    """x - tanh(x). Shapes: (*) -> (*)."""

    def forward(self, input):
        """(*) -> (*)."""
        return F.tanhshrink(input)


class Softmin(Module):
    """softmax(-x) along ``dim``. Shapes: (*) -> (*)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        """(*) -> (*), rows along ``dim`` summing to 1."""
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels at each location. Shapes: (N, C, H, W) -> same, or (C, H, W) -> same."""

    def forward(self, input):
        """(N, C, H, W) or (C, H, W) -> the same shape, summing to 1 over C."""
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")
        return F.softmax(input, -3)


class Threshold(Module):
    """x where x > threshold, else ``value``. Shapes: (*) -> (*)."""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        """(*) -> (*)."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_suffix(self.inplace)}"


class GLU(Module):
    """a * sigmoid(b), with a and b the halves of the input along ``dim``. Shapes: (*, 2k, *) -> (*, k, *)."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        """(*, 2k, *) -> (*, k, *)."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, else a * x with a learnt slope ``weight`` (``num_parameters`` of them: 1, or one
    per channel), initialised to ``init``. Shapes: (N, C, *) -> same; weight (num_parameters,)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        dev, dt = _factory(device, dtype)
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(np.full((num_parameters,), init, dtype=dt))
        _place(self, dev)

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        self.weight.array[...] = self.init

    def forward(self, input):
        """(N, C, *) -> (N, C, *)."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomised leaky ReLU: negative slopes ~ U(lower, upper) in training, (lower + upper) / 2 in eval.
    Shapes: (*) -> (*)."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        """(*) -> (*)."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_inplace_suffix(self.inplace)}"


class Softshrink(Module):
    """x - lambd above lambd, x + lambd below -lambd, 0 between. Shapes: (*) -> (*)."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        """(*) -> (*)."""
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x where |x| > lambd, else 0. Shapes: (*) -> (*)."""

    def forward(self, input):
        """(*) -> (*)."""
        return F.hardshrink(input, self.lambd)
