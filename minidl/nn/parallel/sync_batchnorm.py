"""``SyncBatchNorm``: batch normalisation whose batch statistics span every rank's batch.

Forward (training), per channel: each rank computes its count ``n_r``, mean
and biased variance; one all-gather gives every rank all of them, combined as
    M = sum n_r,  mean = sum n_r mean_r / M,
    var = sum n_r (var_r + (mean_r - mean)^2) / M        (Chan et al.'s parallel variance),
so the output equals batch norm over the concatenated batch. Backward sums
``sum(dy)`` and ``sum(dy * x_hat)`` over the ranks (one allreduce) and uses the
global M in batch norm's input gradient
    dx = scale * (dy - sum(dy) / M - x_hat * sum(dy * x_hat) / M),
i.e. the gradient of the sum of the ranks' losses; the weight and bias
gradients stay local (``DistributedDataParallel`` averages them).
"""
from __future__ import annotations

from minidl import distributed as dist
from minidl import kernels
from minidl.autograd import Function
from minidl.backend import get_array_module
from minidl.distributed.communicators import ReduceOp
from minidl.nn.layers.normalization import _BatchNorm

__all__ = ["SyncBatchNorm", "SyncBatchNormFunction"]


def _as_channel_array(x):
    """(N, C) stays; (N, C, *rest) is viewed as (N, C, prod(rest), 1) for the channel kernels."""
    if x.ndim == 2:
        return x
    return x.reshape(x.shape[0], x.shape[1], -1, 1)


class SyncBatchNormFunction(Function):
    """Batch norm with statistics over every rank of ``comm`` (see the module docstring).

    ``comm`` is a communicator of ``minidl.distributed`` (``group.comm``);
    ``timeout`` the seconds a collective may wait (None: no limit).
    """

    def forward(self, x, weight=None, bias=None, running_mean=None, running_var=None, momentum=0.1,
                eps=1e-5, comm=None, timeout=None):
        xp = get_array_module(x)
        x4 = xp.ascontiguousarray(_as_channel_array(x))
        dt = x.dtype.type
        local_mean, local_var = kernels.channel_mean_var(x4)
        local = xp.stack([xp.full(local_mean.shape, x.size // x.shape[1], dtype=xp.float64),
                          local_mean.astype(xp.float64), local_var.astype(xp.float64)])
        request, gathered = comm.allgather(local)
        request.wait(timeout)
        gathered = xp.asarray(gathered)
        counts, means, variances = gathered[:, 0], gathered[:, 1], gathered[:, 2]
        m = float(counts[:, 0].sum())
        if m < 2:
            raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel over all ranks, "
                             f"got input of shape {x.shape} on {comm.size} rank(s)")
        mean64 = (counts * means).sum(axis=0) / m
        var64 = (counts * (variances + (means - mean64) ** 2)).sum(axis=0) / m
        if running_mean is not None:
            mom = running_mean.dtype.type(momentum)
            running_mean *= 1 - mom
            running_mean += mom * mean64.astype(running_mean.dtype)
            running_var *= 1 - mom
            running_var += mom * (var64 * (m / (m - 1))).astype(running_var.dtype)
        mean, var = mean64.astype(x.dtype), var64.astype(x.dtype)
        invstd = 1 / xp.sqrt(var + dt(eps))
        scale = invstd if weight is None else invstd * weight
        shift = -mean * scale if bias is None else bias - mean * scale
        y = kernels.channel_affine(x4, scale, shift)
        self.xhat = kernels.channel_affine(x4, invstd, -mean * invstd)
        self.scale, self.shape, self.m = scale, x.shape, m
        self.comm, self.timeout = comm, timeout
        return y.reshape(x.shape)

    def backward(self, g):
        xp = get_array_module(g)
        g4 = xp.ascontiguousarray(_as_channel_array(g))
        need_x, need_w, need_b = self.needs_input_grad
        sum_g, sum_gx = kernels.channel_sum_dot(g4, self.xhat)
        gx = None
        if need_x:
            sums = xp.stack([sum_g.astype(xp.float64), sum_gx.astype(xp.float64)])
            self.comm.allreduce(sums, ReduceOp.SUM).wait(self.timeout)
            total_g, total_gx = sums[0].astype(g.dtype), sums[1].astype(g.dtype)
            gx = kernels.channel_combine(g4, self.xhat, self.scale, -self.scale * total_gx / self.m,
                                         -self.scale * total_g / self.m).reshape(self.shape)
        gw = sum_gx.astype(g.dtype, copy=False) if need_w else None
        gb = sum_g.astype(g.dtype, copy=False) if need_b else None
        return gx, gw, gb


class SyncBatchNorm(_BatchNorm):
    """Batch norm over (N, C), (N, C, L) or (N, C, H, W) inputs whose training statistics are
    computed over the whole batch of every rank (PyTorch's ``nn.SyncBatchNorm``).

    Same arguments, parameters and buffers as ``BatchNorm2d``. In eval mode, or
    when no process group of more than one rank is initialized, it is exactly
    ``BatchNorm``. Every rank must run its forward and backward passes in step.
    Convert a model's batch-norm layers with :meth:`convert_sync_batchnorm`.

    >>> import minidl as mdl, minidl.nn as nn
    >>> bn = nn.SyncBatchNorm(3)                  # one process: plain batch norm
    >>> bn(mdl.randn(4, 3, 5, 5)).shape
    minidl.Size([4, 3, 5, 5])
    """

    _valid_ndims = (2, 3, 4)
    _layout = "(N, C), (N, C, L) or (N, C, H, W)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None):
        if process_group is not None:
            raise ValueError("SyncBatchNorm: only the default process group (process_group=None) is supported")
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, input):
        """Normalise with statistics over every rank's batch (training) or the running ones (eval)."""
        if not (self.training and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(input)
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        track = self.track_running_stats and self.running_mean is not None
        if track and self.num_batches_tracked is not None:
            self.num_batches_tracked.array += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.array)
        group = dist.group.default_group("SyncBatchNorm")
        return SyncBatchNormFunction.apply(
            input, self.weight, self.bias, running_mean=self.running_mean.array if track else None,
            running_var=self.running_var.array if track else None, momentum=factor, eps=self.eps,
            comm=group.comm, timeout=group.timeout)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """Return ``module`` with every ``BatchNorm1d/2d`` replaced by a ``SyncBatchNorm`` that
        shares its parameters and buffers (the module itself when it is a batch norm)."""
        output = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            output = cls(module.num_features, module.eps, module.momentum, module.affine,
                         module.track_running_stats, process_group)
            for name in ("weight", "bias"):
                output._parameters[name] = module._parameters[name]
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                output._buffers[name] = module._buffers[name]
            output.training = module.training
        for name, child in module.named_children():
            output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return output

