"""The lazy modules (PyTorch's ``nn.LazyLinear``, ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``,
``LazyBatchNorm1d/2d/3d``, ``LazyInstanceNorm1d/2d/3d``): the input size is inferred at the first forward call.

Until then ``weight``/``bias`` (and the batch norms' running statistics) are
:class:`~minidl.nn.parameter.UninitializedParameter` / ``UninitializedBuffer``
objects, listed by ``parameters()`` and ``state_dict()``. The first call
materialises them from the input's shape, initialises them as the regular
layer does and turns the module into that layer (``cls_to_become``: a
``LazyLinear`` becomes a ``Linear``). Loading a state dict into a module not
run yet shapes its parameters from the checkpoint (after a partial load the
first call initialises only what the checkpoint did not hold). An optimiser may be built
before the first call (it holds the same objects, materialised in place), as
PyTorch allows; PyTorch's documentation still recommends a dry run first.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.nn.layers.conv import Conv2d
from minidl.nn.layers.conv1d import Conv1d
from minidl.nn.layers.conv3d import Conv3d, ConvTranspose3d
from minidl.nn.layers.conv_transpose import ConvTranspose2d
from minidl.nn.layers.extra import ConvTranspose1d
from minidl.nn.layers.instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from minidl.nn.layers.linear import Linear
from minidl.nn.layers.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from minidl.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from minidl.tensor import Tensor

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class LazyModuleMixin:
    """Mixin of the modules whose parameter shapes come from their first input (PyTorch's).

    A subclass defines ``initialize_parameters(*inputs)`` (materialise every
    uninitialised parameter and buffer) and may set ``cls_to_become``, the
    class the module turns into once initialised.
    """

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy_pending = True

    def __call__(self, *args, **kwargs):
        if self.__dict__.get("_lazy_pending"):
            self._infer_parameters(args, kwargs)
            return self(*args, **kwargs)    # now initialised, and usually of another class
        return super().__call__(*args, **kwargs)

    def _infer_parameters(self, args, kwargs):
        """Initialise from the first call's inputs, then become ``cls_to_become``."""
        self.initialize_parameters(*args, **kwargs)
        if self.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        del self.__dict__["_lazy_pending"]
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become

    def _lazy_load_hook(self, state_dict, prefix):
        """Before ``load_state_dict``: give each uninitialised tensor the shape of its checkpoint entry."""
        for name, tensor in list(self._parameters.items()) + list(self._buffers.items()):
            key = prefix + name
            if key in state_dict and tensor is not None and is_lazy(tensor):
                value = state_dict[key]
                if not is_lazy(value):
                    tensor.materialize(tuple(value.shape))
                    tensor._lazy_loaded = True    # filled by this load: kept when the first call initialises

    def _reset_keeping_loaded(self):
        """``reset_parameters()``, then put back the tensors a partial ``load_state_dict`` had already filled."""
        loaded = [(t, t.array.copy()) for t in list(self._parameters.values()) + list(self._buffers.values())
                  if t is not None and getattr(t, "_lazy_loaded", False)]
        self.reset_parameters()
        for tensor, data in loaded:
            tensor.array[...] = data

    def initialize_parameters(self, *args, **kwargs):
        """Materialise the parameters from the inputs of the first call (defined by each lazy module)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module (not its children) is still uninitialised."""
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))


class LazyLinear(LazyModuleMixin, Linear):
    """``nn.Linear`` with ``in_features`` inferred from the first input's last dimension.

    Args: ``out_features``, ``bias=True``, ``device``, ``dtype``. After the first call the module is a
    :class:`~minidl.nn.Linear` with ``weight`` (out_features, in_features) initialised as Linear's.

    >>> import minidl as mdl, minidl.nn as nn
    >>> layer = nn.LazyLinear(4)
    >>> layer
    LazyLinear(in_features=0, out_features=4, bias=True)
    >>> layer(mdl.randn(2, 3)).shape, layer
    (minidl.Size([2, 4]), Linear(in_features=3, out_features=4, bias=True))
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Linear's initialisation, once the parameters have their shapes."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        """in_features = ``input.shape[-1]``; materialise and initialise ``weight`` and ``bias``."""
        if self.has_uninitialized_params():
            self.in_features = int(input.shape[-1])
            if is_lazy(self.weight):
                self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None and is_lazy(self.bias):
                self.bias.materialize((self.out_features,))
            self._reset_keeping_loaded()
        if self.in_features == 0:   # loaded from a state dict before the first call
            if input.shape[-1] != self.weight.shape[-1]:
                raise RuntimeError(f"The in_features inferred from input: {input.shape[-1]} is not equal to "
                                   f"in_features from self.weight: {self.weight.shape[-1]}")
            self.in_features = int(input.shape[-1])


class _LazyConvMixin(LazyModuleMixin):
    """Shared by the lazy convolutions: ``in_channels`` from the first input's channel dimension."""

    _spatial = 0
    _transposed = False

    def _make_lazy(self, out_channels, bias, device, dtype):
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """The convolution's initialisation, once the parameters have their shapes."""
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _get_in_channels(self, input) -> int:
        unbatched, batched = self._spatial + 1, self._spatial + 2
        if input.ndim not in (unbatched, batched):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {batched}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {input.shape!r}")
        return int(input.shape[1] if input.ndim == batched else input.shape[0])

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        """in_channels from ``input``; materialise and initialise ``weight`` and ``bias``."""
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            first = (self.in_channels, self.out_channels // self.groups) if self._transposed \
                else (self.out_channels, self.in_channels // self.groups)
            if is_lazy(self.weight):
                self.weight.materialize(first + tuple(self.kernel_size))
            if self.bias is not None and is_lazy(self.bias):
                self.bias.materialize((self.out_channels,))
            self._reset_keeping_loaded()
        if self.in_channels == 0:   # loaded from a state dict before the first call: the weight knows
            self.in_channels = int(self.weight.shape[0] if self._transposed else self.weight.shape[1] * self.groups)


def _lazy_conv(name, base, spatial, transposed):
    """A lazy form of the convolution class ``base``: its constructor without ``in_channels``."""
    if transposed:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                     dilation=1, padding_mode="zeros", device=None, dtype=None):
            base.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
                          padding_mode, device, dtype)
            self._lazy_pending = True
            self._make_lazy(out_channels, bias, device, dtype)
    else:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                     padding_mode="zeros", device=None, dtype=None):
            base.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device,
                          dtype)
            self._lazy_pending = True
            self._make_lazy(out_channels, bias, device, dtype)
    __init__.__doc__ = f"{base.__name__}'s arguments without ``in_channels``."
    doc = (f"``nn.{base.__name__}`` with ``in_channels`` inferred from the first input (dimension 1, or 0 when "
           f"unbatched); it becomes a :class:`~minidl.nn.{base.__name__}` after that call.")
    return type(name, (_LazyConvMixin, base), {"__init__": __init__, "__doc__": doc, "cls_to_become": base,
                                               "_spatial": spatial, "_transposed": transposed,
                                               "__module__": __name__})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, 1, False)
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, 2, False)
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, 3, False)
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", ConvTranspose1d, 1, True)
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", ConvTranspose2d, 2, True)
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", ConvTranspose3d, 3, True)


class _LazyNormMixin(LazyModuleMixin):
    """Shared by the lazy batch and instance norms: ``num_features`` from the first input's channel dimension."""

    def _make_lazy(self, affine, track_running_stats, bias, device, dtype):
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            count = np.array(0, dtype=np.int64)
            if device is not None and backend.is_gpu(backend.device_or_default(device)):
                count = backend.to_device(count, backend.device_or_default(device))
            self.num_batches_tracked = Tensor(count)

    def reset_parameters(self) -> None:
        """Running statistics, weight = 1 and bias = 0, once they have their shapes."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        """num_features = ``input.shape[1]``; materialise the parameters and running statistics."""
        if self.has_uninitialized_params():
            spatial = getattr(self, "_spatial", None)     # instance norms: the channel dim of a batched or not input
            self.num_features = int(input.shape[1] if spatial is None else input.shape[-spatial - 1])
            for tensor in (self.weight, self.bias, self.running_mean, self.running_var):
                if tensor is not None and is_lazy(tensor):
                    tensor.materialize((self.num_features,))
            self._reset_keeping_loaded()
        loaded = self.weight if self.weight is not None else self.running_mean
        if self.num_features == 0 and loaded is not None:   # loaded from a state dict before the first call
            self.num_features = int(loaded.shape[0])


def _lazy_norm(name, base):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        base.__init__(self, 0, eps, momentum, False, False, device, dtype, bias=False)
        self._lazy_pending = True
        self._make_lazy(affine, track_running_stats, bias, device, dtype)
    __init__.__doc__ = f"{base.__name__}'s arguments without ``num_features``."
    doc = (f"``nn.{base.__name__}`` with ``num_features`` inferred from the first input's channel dimension; it "
           f"becomes a :class:`~minidl.nn.{base.__name__}` after that call (affine and tracking running statistics "
           f"by default, as PyTorch's lazy form).")
    return type(name, (_LazyNormMixin, base), {"__init__": __init__, "__doc__": doc, "cls_to_become": base,
                                               "__module__": __name__})


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d)
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", InstanceNorm1d)
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", InstanceNorm2d)
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", InstanceNorm3d)
