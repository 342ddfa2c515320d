"""minidl.kernels: the hot loops of conv nets, one dispatch function per kernel.

Each public function looks at the module of its array argument and calls the
implementation for it: NumPy arrays go to the Numba CPU kernels (``kernels.cpu``,
or the vectorised ``kernels.reference`` after ``set_cpu_kernels("numpy")``),
CuPy arrays to the Numba CUDA kernels (``kernels.cuda``). Heavy dependencies
(Numba, the CUDA pieces) are imported on first use, so ``import minidl.kernels``
stays quick.

Shapes (all arrays float32 or float64; outputs keep the input dtype):

- ``im2col(x (N,C,H,W), kernel, stride, padding, dilation) -> (N*OH*OW, C*kh*kw)``
  (one row per output pixel, one column per weight element: ``cols @ W.reshape(O, -1).T``
  is the convolution)
- ``col2im(cols (N*OH*OW, C*kh*kw), x_shape, kernel, stride, padding, dilation) -> (N,C,H,W)``
- ``conv2d_direct_forward(x (N,C,H,W), w (O,C/g,kh,kw), padding, dilation, groups) -> (N,O,OH,OW)``
  and ``conv2d_direct_backward(dy, x, w, ...) -> (dx, dw)``: stride-1 convolution
  without a column matrix, for layers with few channels (``direct_conv_suited``)
- ``maxpool2d_forward(x, kernel, stride, padding, ceil_mode) -> (out, argmax)``
- ``maxpool2d_backward(dy, argmax, x_shape) -> dx``
- ``avgpool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad)``
- ``avgpool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad)``

Fused helpers (x (N, C) or (N, C, H, W), per-channel vectors (C,)):
``bias_relu_forward`` (in place), ``bias_relu_backward -> (dx, dbias)``,
``channel_mean_var -> (mean, var)``, ``channel_sum_dot -> (sum a, sum a*b)``,
``channel_affine`` and ``channel_combine`` (batch-norm forward/backward apply).
"""
from __future__ import annotations

import importlib
import os

import numpy as np

from minidl.backend import get_array_module

from . import reference
from .shapes import conv_output_size, pool_output_size

__all__ = ["conv_output_size", "pool_output_size", "im2col", "col2im",
           "conv2d_direct_forward", "conv2d_direct_backward", "direct_conv_suited",
           "maxpool2d_forward", "maxpool2d_backward", "avgpool2d_forward",
           "avgpool2d_backward", "bias_relu_forward", "bias_relu_backward",
           "channel_mean_var", "channel_sum_dot", "channel_affine", "channel_combine",
           "set_cpu_kernels", "cpu_kernels"]

# Which implementation NumPy arrays go to: "numba" (kernels.cpu) or "numpy"
# (the vectorised kernels.reference). The environment variable
# MINIDL_CPU_KERNELS sets the default; set_cpu_kernels changes it at run time.
_CPU_CHOICES = {"numba": "cpu", "numpy": "reference"}
_cpu_choice = os.environ.get("MINIDL_CPU_KERNELS", "numba").lower()
if _cpu_choice not in _CPU_CHOICES:
    raise ValueError(f"MINIDL_CPU_KERNELS must be one of {sorted(_CPU_CHOICES)}, got {_cpu_choice!r}")


def set_cpu_kernels(name):
    """Choose the kernels NumPy arrays use: ``"numba"`` (default) or ``"numpy"``."""
    global _cpu_choice
    name = str(name).lower()
    if name not in _CPU_CHOICES:
        raise ValueError(f"set_cpu_kernels: expected one of {sorted(_CPU_CHOICES)}, got {name!r}")
    _cpu_choice = name


def cpu_kernels():
    """The name of the kernels NumPy arrays use now: ``"numba"`` or ``"numpy"``."""
    return _cpu_choice


def _impl(name, array, gpu=None):
    """The implementation of kernel ``name`` for the module that owns ``array``.

    The implementation modules are imported here, on first use, so that
    ``import minidl.kernels`` does not pay for importing Numba. ``gpu``: the
    module to use for CuPy arrays instead of the CUDA kernels.
    """
    if get_array_module(array) is np:
        module = importlib.import_module(f"{__name__}.{_CPU_CHOICES[_cpu_choice]}")
    else:
        module = gpu if gpu is not None else _gpu_module()
    return getattr(module, name)


_gpu = None


def _gpu_module():
    """kernels.cuda when Numba can launch CUDA kernels, else the CuPy-vectorised reference.

    The fallback keeps CuPy arrays working where Numba's CUDA support is broken
    (e.g. no NVVM in the CUDA install); it warns once.
    """
    global _gpu
    if _gpu is None:
        try:
            from . import cuda
            ok, why = cuda.usable(), "numba.cuda.is_available() is False"
        except Exception as exc:  # ImportError or a broken CUDA toolkit
            ok, why = False, f"{type(exc).__name__}: {exc}"
        if ok:
            _gpu = cuda
        else:
            import warnings
            warnings.warn(f"minidl.kernels: Numba CUDA kernels unavailable ({why}); "
                          "using the slower CuPy-vectorised reference kernels", RuntimeWarning)
            _gpu = reference
    return _gpu


def im2col(x, kernel, stride, padding, dilation, out=None):
    """Unfold x (N, C, H, W) into cols (N*OH*OW, C*kh*kw), C-contiguous.

    ``cols[(n*OH+oy)*OW+ox, (c*kh+i)*kw+j] = xpad[n, c, oy*sh+i*dh, ox*sw+j*dw]``
    (zero padding): rows are output pixels (n, oy, ox), columns are weight
    elements (c, i, j) in the order of ``w.reshape(O, C*kh*kw)``, so the
    convolution is ``cols @ w2.T`` -> (N*OH*OW, O). ``kernel``/``stride``/
    ``padding``/``dilation`` are ints or (h, w) pairs. ``out``: optional
    C-contiguous buffer of that shape and dtype.

    >>> import numpy as np
    >>> from minidl import kernels
    >>> x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    >>> kernels.im2col(x, (2, 2), 1, 0, 1)          # one row per 2x2 window
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]], dtype=float32)
    """
    return _impl("im2col", x)(x, kernel, stride, padding, dilation, out=out)


def col2im(cols, x_shape, kernel, stride, padding, dilation):
    """Adjoint of :func:`im2col`: cols (N*OH*OW, C*kh*kw) -> dx of ``x_shape`` (N, C, H, W).

    Every entry of ``cols`` is added to the input pixel im2col read it from
    (entries that came from padding are dropped).

    >>> import numpy as np
    >>> from minidl import kernels
    >>> kernels.col2im(np.ones((4, 4), np.float32), (1, 1, 3, 3), (2, 2), 1, 0, 1)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]], dtype=float32)
    """
    return _impl("col2im", cols)(cols, x_shape, kernel, stride, padding, dilation)


def conv2d_direct_forward(x, w, padding, dilation, groups):
    """Stride-1 convolution without a column matrix: x (N, C, H, W), w (O, C/groups, kh, kw) -> (N, O, OH, OW).

    ``y[n, o, oy, ox] = sum_{c, i, j} w[o, c, i, j] * xpad[n, g*C/groups + c, oy + i*dh, ox + j*dw]``
    with o in group g. Meant for layers with few channels (see
    :func:`direct_conv_suited`); CuPy arrays use the vectorised reference.
    """
    return _impl("conv2d_direct_forward", x, gpu=reference)(x, w, padding, dilation, groups)


def conv2d_direct_backward(dy, x, w, padding, dilation, groups, need_input=True, need_weight=True):
    """Gradients of :func:`conv2d_direct_forward`: dy (N, O, OH, OW) -> ``(dx, dw)``.

    dx has x's shape, dw w's shape; either is None when not asked for.
    """
    return _impl("conv2d_direct_backward", dy, gpu=reference)(dy, x, w, padding, dilation, groups,
                                                              need_input=need_input, need_weight=need_weight)


# The direct kernels beat im2col + GEMM on CPU only while the GEMMs would be
# thin (few input and output channels) and the planes long enough for the
# vectorised loops (measured by benchmarks/bench_conv_algorithm.py: 2-3x faster
# on LeNet's and TinyVGG's 3-16-channel layers, 1.2-3x slower from 32
# channels on, or on 10x10 planes).
DIRECT_MAX_CHANNELS = 16
DIRECT_MIN_PLANE = 256


def direct_conv_suited(x, w_shape, stride, padding, dilation, groups):
    """Whether :func:`conv2d_direct_forward` is the faster convolution for this layer.

    True for NumPy arrays with the Numba kernels, stride 1, at most
    ``DIRECT_MAX_CHANNELS`` output and per-group input channels and an output
    plane (OH rows of the padded width) of at least ``DIRECT_MIN_PLANE`` elements.
    GPU arrays always use im2col + cuBLAS GEMMs.
    """
    if get_array_module(x) is not np or _cpu_choice != "numba" or tuple(stride) != (1, 1):
        return False
    o, cg, kh, kw = (int(v) for v in w_shape)
    if o > DIRECT_MAX_CHANNELS or cg > DIRECT_MAX_CHANNELS:
        return False
    oh = conv_output_size(x.shape[2], kh, 1, padding[0], dilation[0])
    return oh * (int(x.shape[3]) + 2 * int(padding[1])) >= DIRECT_MIN_PLANE


def maxpool2d_forward(x, kernel, stride, padding, ceil_mode):
    """Max pooling, x (N, C, H, W) -> (out, argmax), both (N, C, OH, OW).

    PyTorch semantics (implicit -inf padding, padding <= kernel // 2, first max
    wins); ``argmax`` is int64, the flat index ``h*W + w`` in the unpadded plane.
    ``stride=None`` means stride = kernel.
    """
    return _impl("maxpool2d_forward", x)(x, kernel, stride, padding, ceil_mode)


def maxpool2d_backward(dy, argmax, x_shape):
    """Scatter-add dy (N, C, OH, OW) to ``argmax`` positions -> dx of ``x_shape``."""
    return _impl("maxpool2d_backward", dy)(dy, argmax, x_shape)


def avgpool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """Average pooling, x (N, C, H, W) -> (N, C, OH, OW), with PyTorch's divisor rule."""
    return _impl("avgpool2d_forward", x)(x, kernel, stride, padding, ceil_mode, count_include_pad)


def avgpool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad):
    """Gradient of average pooling: dy (N, C, OH, OW) -> dx of ``x_shape``."""
    return _impl("avgpool2d_backward", dy)(dy, x_shape, kernel, stride, padding, ceil_mode,
                                           count_include_pad)


# --- fused helpers: x is (N, C) or (N, C, H, W), per-channel vectors are (C,) --

def bias_relu_forward(y, bias):
    """In place ``y = max(y + bias[c], 0)`` (conv/linear bias then ReLU in one pass); returns y.

    y: C-contiguous (N, C) or (N, C, H, W); bias: (C,) of y's dtype. NaN stays NaN.
    """
    return _impl("bias_relu_forward", y)(y, bias)


def bias_relu_backward(dy, y):
    """Gradient through ReLU and the bias, given the forward output ``y``: ``(dx, dbias)``.

    dx (shape of dy) = dy where y > 0 else 0; dbias (C,) = dx summed over all axes
    but the channel axis. One pass over dy and y.
    """
    return _impl("bias_relu_backward", dy)(dy, y)


def channel_mean_var(x):
    """Per-channel mean and biased variance of x (N, C) or (N, C, H, W): two (C,) arrays.

    One pass (shifted sums, float64 accumulation on the CPU); batch-norm
    training statistics. The unbiased variance is ``var * M / (M - 1)``,
    M = N*H*W.
    """
    return _impl("channel_mean_var", x)(x)


def channel_sum_dot(a, b):
    """Per-channel ``sum(a)`` and ``sum(a * b)`` of two (N, C[, H, W]) arrays, (C,) each.

    The two reductions of batch-norm backward (a = dy, b = x_hat), in one pass.
    """
    return _impl("channel_sum_dot", a)(a, b)


def channel_affine(x, scale, shift, out=None):
    """``x * scale[c] + shift[c]`` for x (N, C[, H, W]) in one pass; ``out`` may be x itself."""
    return _impl("channel_affine", x)(x, scale, shift, out=out)


def channel_combine(a, b, alpha, beta, gamma, out=None):
    """``alpha[c] * a + beta[c] * b + gamma[c]`` for a, b (N, C[, H, W]) in one pass.

    With a = dy and b = x_hat this is batch-norm's input gradient. ``out`` may be a or b.
    """
    return _impl("channel_combine", a)(a, b, alpha, beta, gamma, out=out)
