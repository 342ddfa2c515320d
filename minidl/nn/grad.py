"""Gradients of convolutions with respect to their input or weight, PyTorch's ``torch.nn.grad``
(also reachable as ``minidl.nn.functional.grad``).

A convolution is linear in its input and in its weight, so each gradient is
the vector-Jacobian product of ``conv{1,2,3}d`` at a zero tensor of the
requested size, taken with :func:`minidl.autograd.grad`. When ``weight``,
``input`` or ``grad_output`` require grad the product is built with
``create_graph``, so the results are differentiable too.
"""
from __future__ import annotations

from minidl.autograd import enable_grad, is_grad_enabled
from minidl.autograd import grad as _autograd_grad
from minidl.tensor import Tensor

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input", "conv3d_weight"]


def _conv(dims):
    import minidl.nn.functional as F
    return {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[dims]


def _size(name, size, dims, what):
    size = tuple(int(s) for s in size)
    if len(size) not in (dims + 1, dims + 2):
        raise ValueError(f"{name}: {what} must have {dims + 2} entries (N, C, *spatial), got {list(size)}")
    return size


def _vjp(name, dims, size, fixed, grad_output, stride, padding, dilation, groups, wrt_input):
    """The gradient of conv(input, weight) at a zero tensor of ``size`` (the input or the weight)."""
    for label, value in (("grad_output", grad_output), ("input" if not wrt_input else "weight", fixed)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): {label} must be a Tensor, got {type(value).__name__}")
    from minidl.creation import zeros
    create = is_grad_enabled() and (fixed.requires_grad or grad_output.requires_grad)
    with enable_grad():  # the product needs a graph even under no_grad; it is kept only when ``create``
        free = zeros(*size, dtype=grad_output.dtype, device=grad_output.device, requires_grad=True)
        args = (free, fixed) if wrt_input else (fixed, free)
        out = _conv(dims)(*args, None, stride, padding, dilation, groups)
        if tuple(out.shape) != tuple(grad_output.shape):
            raise RuntimeError(f"{name}(): grad_output has shape {list(grad_output.shape)}, but the convolution "
                               f"gives {list(out.shape)} for these sizes and arguments")
        (result,) = _autograd_grad(out, free, grad_output, create_graph=create)
    return result if create else result.detach()


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d(conv1d)/d(input) applied to ``grad_output`` (N, C_out, L_out): a tensor of ``input_size`` (N, C_in, L)."""
    size = _size("conv1d_input", input_size, 1, "input_size")
    return _vjp("conv1d_input", 1, size, weight, grad_output, stride, padding, dilation, groups, True)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d(conv1d)/d(weight) applied to ``grad_output``: a tensor of ``weight_size`` (C_out, C_in/groups, k)."""
    size = _size("conv1d_weight", weight_size, 1, "weight_size")
    return _vjp("conv1d_weight", 1, size, input, grad_output, stride, padding, dilation, groups, False)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d(conv2d)/d(input) applied to ``grad_output`` (N, C_out, H_out, W_out): a tensor of ``input_size``."""
    size = _size("conv2d_input", input_size, 2, "input_size")
    return _vjp("conv2d_input", 2, size, weight, grad_output, stride, padding, dilation, groups, True)


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d(conv2d)/d(weight) applied to ``grad_output``: a tensor of ``weight_size`` (C_out, C_in/groups, kH, kW)."""
    size = _size("conv2d_weight", weight_size, 2, "weight_size")
    return _vjp("conv2d_weight", 2, size, input, grad_output, stride, padding, dilation, groups, False)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d(conv3d)/d(input) applied to ``grad_output`` (N, C_out, D', H', W'): a tensor of ``input_size``."""
    size = _size("conv3d_input", input_size, 3, "input_size")
    return _vjp("conv3d_input", 3, size, weight, grad_output, stride, padding, dilation, groups, True)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d(conv3d)/d(weight) applied to ``grad_output``: a tensor of ``weight_size`` (C_out, C_in/groups, kD, kH, kW)."""
    size = _size("conv3d_weight", weight_size, 3, "weight_size")
    return _vjp("conv3d_weight", 3, size, input, grad_output, stride, padding, dilation, groups, False)
