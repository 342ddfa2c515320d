"""``minidl.utils``: PyTorch's ``torch.utils`` counterparts.

* :mod:`minidl.utils.data`: datasets, samplers and the Tensor ``DataLoader``;
* :mod:`minidl.utils.checkpoint`: activation checkpointing (``checkpoint``, ``checkpoint_sequential``);
* :mod:`minidl.utils.hooks`: ``RemovableHandle``, the handle every ``register_*hook`` returns;
* ``minidl.utils.tensorboard``: ``SummaryWriter`` (needs the optional
  ``tensorboardX`` package: ``pip install minidl[tensorboard]``); imported on
  first use, so ``import minidl`` does not need it.
"""
from . import checkpoint, data, hooks  # (minidl.utils.checkpoint, as torch.utils.checkpoint)

__all__ = ["data", "checkpoint", "hooks"]

from ..tensor import Tensor as _Tensor  # noqa: E402
from .swap import module_load as _module_load  # noqa: E402
from .swap import swap_tensors  # noqa: E402  (torch.utils.swap_tensors)

_Tensor.module_load = _module_load  # Tensor.module_load, the hook of load_state_dict's swap path

__all__ += ["swap_tensors"]
