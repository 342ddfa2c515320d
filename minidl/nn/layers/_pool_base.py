"""``_MaxPoolNd``: the arguments, defaults and repr that PyTorch's MaxPool1d and MaxPool3d share."""
from __future__ import annotations

from minidl.nn.module import Module


class _MaxPoolNd(Module):
    """Holds ``kernel_size``, ``stride`` (default: the kernel size), ``padding``, ``dilation``,
    ``return_indices`` and ``ceil_mode``; subclasses define ``forward`` for their rank."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")
