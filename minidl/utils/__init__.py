"""``minidl.utils``: PyTorch's ``torch.utils`` counterparts.

* :mod:`minidl.utils.data`: datasets, samplers and the Tensor ``DataLoader``;
* ``minidl.utils.tensorboard``: ``SummaryWriter`` (needs the optional
  ``tensorboardX`` package: ``pip install minidl[tensorboard]``); imported on
  first use, so ``import minidl`` does not need it.
"""
from . import data

__all__ = ["data"]
