"""``InstanceNorm1d``, ``InstanceNorm2d`` and ``InstanceNorm3d``: each channel of each sample
normalised over its positions (PyTorch's defaults: no affine, no running statistics)."""
from __future__ import annotations

import warnings

from minidl.nn._normalization import instance_norm
from minidl.nn.layers.normalization import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    """Shared state and forward. ``affine``: weight (ones) and bias (zeros, unless ``bias=False``) of shape (C,);
    ``track_running_stats``: buffers ``running_mean``, ``running_var``, ``num_batches_tracked``,
    updated in training and used in eval."""

    _spatial = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

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
