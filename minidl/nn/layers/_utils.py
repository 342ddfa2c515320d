"""Small helpers shared by the layers: argument normalisation and shape checks."""
from __future__ import annotations

import math

import numpy as np

from minidl import backend
from minidl.dtypes import default_float
from minidl.kernels.shapes import pair as _pair  # noqa: F401  (re-exported for the layers)
from minidl.nn import init


def _factory(device, dtype):
    """Resolve the ``device=``/``dtype=`` constructor keywords (defaults: the default device and dtype)."""
    dt = np.dtype(dtype) if dtype is not None else default_float()
    dev = backend.device_or_default(device)
    return dev, dt


def _place(module, device):
    """Move a freshly initialised (CPU) module to ``device`` when one was asked for."""
    if device is not None and backend.Device(device).type != "cpu":   # the GPU or the meta device
        module.to(device=device)


def _count(layer: str, name: str, value) -> int:
    """``value`` as a size (an int >= 0); a one-line TypeError / ValueError naming
    ``layer`` and ``name`` otherwise (``Linear: out_features must be >= 0, got -2``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{layer}: {name} must be an int, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{layer}: {name} must be >= 0, got {value}")
    return int(value)


def _int_pair(layer: str, name: str, value) -> tuple:
    """An int or a pair of ints as ``(h, w)``; TypeError naming ``layer`` and ``name`` otherwise."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(items) not in (1, 2) or any(isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer))
                                       for v in items):
        raise TypeError(f"{layer}: {name} must be an int or a pair of ints, got {value!r}")
    return _pair(value, name)


def _shape(x):
    return tuple(x.shape)


def _conv_parameters(module, weight_shape, bias, dtype, device):
    """The weight (``weight_shape``) and, if ``bias``, a bias of ``module.out_channels`` of a convolution
    layer, initialised by ``module.reset_parameters()`` and moved to ``device`` (PyTorch's ``_ConvNd``)."""
    from minidl.nn.module import Parameter
    module.weight = Parameter(np.empty(tuple(weight_shape), dtype=dtype))
    if bias:
        module.bias = Parameter(np.empty((module.out_channels,), dtype=dtype))
    else:
        module.register_parameter("bias", None)
    module.reset_parameters()
    _place(module, device)


def default_init_(weight, bias):
    """PyTorch's default for Linear and Conv2d: weight ~ kaiming_uniform_(a=sqrt(5)), i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias from the same uniform."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class ConvSurface:
    """PyTorch's ``_ConvNd`` attributes for minidl's convolution layers (mixed in before Module).

    ``transposed`` (a class attribute, True on ConvTranspose*) and
    ``_reversed_padding_repeated_twice``: the padding of each spatial dimension, last dimension
    first, as ``(left, right)`` pairs (F.pad's order; for ``padding="same"`` the split PyTorch uses).
    """

    transposed = False

    @property
    def _reversed_padding_repeated_twice(self):
        if isinstance(self.padding, str):
            out = [0, 0] * len(self.kernel_size)
            if self.padding == "same":
                for d, k, i in zip(self.dilation, self.kernel_size, range(len(self.kernel_size) - 1, -1, -1)):
                    total = d * (k - 1)
                    out[2 * i], out[2 * i + 1] = total // 2, total - total // 2
            return out
        return tuple(p for p in reversed(tuple(self.padding)) for _ in range(2))


class ForwardConvSurface(ConvSurface):
    """ConvSurface for non-transposed layers: ``output_padding`` is zeros, as in PyTorch."""

    @property
    def output_padding(self):
        return (0,) * len(self.kernel_size)
