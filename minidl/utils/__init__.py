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

from .swap import swap_tensors  # noqa: E402  (torch.utils.swap_tensors)

__all__ += ["swap_tensors"]
