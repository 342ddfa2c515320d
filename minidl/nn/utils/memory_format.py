"""``convert_conv2d_weight_memory_format`` / ``convert_conv3d_weight_memory_format`` (PyTorch's)."""
from __future__ import annotations

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module, memory_format, kinds):
    """Relayout the weight of every module of a type in ``kinds`` under ``module`` (itself included)."""
    if isinstance(module, kinds):
        module.weight.data = module.weight.detach().contiguous(memory_format=memory_format)
    for child in module.children():
        _convert(child, memory_format, kinds)
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Lay out the weights of ``module``'s Conv2d and ConvTranspose2d layers (``module`` included, recursively)
    in ``memory_format`` (usually ``minidl.channels_last``), in place; returns ``module``.

    Values are unchanged: only the strides of the weights change, so that convolutions on channels-last
    inputs keep that layout. Other modules are left alone.
    """
    from minidl.nn import Conv2d, ConvTranspose2d
    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))


def convert_conv3d_weight_memory_format(module, memory_format):
    """As :func:`convert_conv2d_weight_memory_format` for Conv3d and ConvTranspose3d weights
    (``minidl.channels_last_3d``); returns ``module``."""
    from minidl.nn import Conv3d, ConvTranspose3d
    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))
