"""``DataParallel``: PyTorch's single-process wrapper, over the one device minidl computes on."""
from __future__ import annotations

from minidl import backend
from minidl.nn.module import Module
from minidl.tensor import Tensor

__all__ = ["DataParallel", "data_parallel"]


def _device_index(device, name):
    """An int GPU index from an int, ``"cuda:1"`` or a :class:`minidl.Device`."""
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    dev = backend.Device(device)
    if dev.type != "cuda":
        raise ValueError(f"DataParallel: {name} must name a GPU, got {device!r}")
    return 0 if dev.index is None else dev.index


def _to_device(value, device):
    """Tensors inside ``value`` (nested lists, tuples, dicts) moved to ``device``."""
    if isinstance(value, Tensor):
        return value.to(device)
    if isinstance(value, (list, tuple)):
        moved = [_to_device(v, device) for v in value]
        return type(value)(*moved) if hasattr(value, "_fields") else type(value)(moved)
    if isinstance(value, dict):
        return {k: _to_device(v, device) for k, v in value.items()}
    return value


class DataParallel(Module):
    """Wraps ``module`` as ``torch.nn.DataParallel`` does; the computation is the module's own.

    Without a usable GPU, PyTorch's DataParallel keeps the module where it is,
    sets ``device_ids = []`` and calls it unchanged; so does this one. With a
    GPU, the module is moved to ``device_ids[0]`` (all visible GPUs when None),
    inputs are moved there before ``forward`` and the output comes back from
    it. PyTorch would also split each batch across several ``device_ids``;
    minidl computes on one device per process, so the whole batch runs on
    the first one: the same values, except that batch-norm statistics are
    those of the whole batch rather than of each replica's slice (use
    :class:`~minidl.nn.parallel.DistributedDataParallel` for several GPUs).

    The wrapped model is ``.module``, and ``state_dict()`` keys carry the
    ``module.`` prefix, as in PyTorch: save ``net.module.state_dict()`` to
    reload into a bare model.

    Args:
        module: the model to wrap.
        device_ids: GPU indices (ints, ``"cuda:i"`` or Devices); None: all.
        output_device: where the output goes (default ``device_ids[0]``);
            it must be one of ``device_ids``.
        dim: the batch dimension inputs would be split along.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module must be an nn.Module, got {type(module).__name__}")
        self.module = module
        if not backend.gpu_available():
            self.device_ids = []
            return
        if device_ids is None:
            device_ids = list(range(backend.gpu_device_count()))
        if len(device_ids) == 0:
            raise RuntimeError("DataParallel: no available devices were found")
        self.dim = int(dim)
        self.device_ids = [_device_index(d, "device_ids") for d in device_ids]
        self.output_device = self.device_ids[0] if output_device is None else _device_index(output_device,
                                                                                            "output_device")
        if self.output_device not in self.device_ids:
            raise ValueError(f"DataParallel: output_device={output_device!r} is not in device_ids={device_ids!r}")
        self.src_device_obj = backend.Device("cuda", self.device_ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        """``module(*inputs, **kwargs)``, with the inputs moved to the module's GPU when there is one."""
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        return self.module(*_to_device(inputs, self.src_device_obj), **_to_device(kwargs, self.src_device_obj))


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """The functional form of :class:`DataParallel`: ``module(*inputs, **module_kwargs)`` (see its notes).

    ``inputs`` is one input or a tuple of them. Without a usable GPU the module
    is called as it is; with one, on the first of ``device_ids``.
    """
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))
