"""``InstanceNorm1d``, ``InstanceNorm2d`` and ``InstanceNorm3d``: each channel of each sample
normalised over its positions (PyTorch's defaults: no affine, no running statistics)."""
from __future__ import annotations

import warnings

import numpy as np

from minidl.nn._normalization import instance_norm
from minidl.nn.layers._utils import _count, _factory, _place
from minidl.nn.module import Module, Parameter
from minidl.tensor import Tensor

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(Module):
    """Shared state and forward. ``affine``: weight (ones) and bias (zeros, unless ``bias=False``) of shape (C,);
    ``track_running_stats``: buffers ``running_mean``, ``running_var``, ``num_batches_tracked``,
    updated in training and used in eval."""

    _spatial = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        dev, dt = _factory(device, dtype)
        self.num_features = _count(type(self).__name__, "num_features", num_features)
        self.eps, self.momentum, self.affine = eps, momentum, affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones((self.num_features,), dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros((self.num_features,), dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros((self.num_features,), dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones((self.num_features,), dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        _place(self, dev)

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, weight = 1, bias = 0."""
        self.reset_running_stats()
        if self.affine:
            self.weight.data[...] = 1
            if self.bias is not None:
                self.bias.data[...] = 0

    def forward(self, input):
        """(N, C, *spatial) or unbatched (C, *spatial) -> the same shape."""
        batched, unbatched = self._spatial + 2, self._spatial + 1
        if input.ndim not in (batched, unbatched):
            raise ValueError(f"expected {unbatched}D or {batched}D input (got {input.ndim}D input)")
        channels = input.shape[-self._spatial - 1]
        if channels != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={input.ndim - self._spatial - 1} to match "
                                 f"num_features ({self.num_features}), but got: {channels}.")
            warnings.warn(f"input's size at dim={input.ndim - self._spatial - 1} does not match num_features. "
                          "You can silence this warning by not passing in num_features, which is not used "
                          "because affine=False", UserWarning, stacklevel=2)
        x = input.unsqueeze(0) if input.ndim == unbatched else input
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if input.ndim == unbatched else out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) (or unbatched (C, L)) inputs."""

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) (or unbatched (C, H, W)) inputs."""

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) (or unbatched (C, D, H, W)) inputs."""

    _spatial = 3
