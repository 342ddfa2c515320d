"""``minidl.utils.data``: PyTorch's ``torch.utils.data`` on minidl Tensors.

``from minidl.utils.data import DataLoader, TensorDataset, random_split`` works
as the PyTorch import does; batches are minidl Tensors collated by
:func:`default_collate`. minidl's own NumPy pipeline (uint8 arrays, batched
seeded augmentation, prefetching) stays in :mod:`minidl.data`.
"""
from ._collate import default_collate, default_convert
from ._worker import WorkerInfo, get_worker_info
from .dataloader import DataLoader
from .dataset import (
                      ChainDataset,
                      ConcatDataset,
                      Dataset,
                      IterableDataset,
                      StackDataset,
                      Subset,
                      TensorDataset,
                      random_split,
)
from .distributed import DistributedSampler
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "BatchSampler", "DistributedSampler", "default_collate", "default_convert",
           "DataLoader", "get_worker_info", "WorkerInfo"]
__all__ += ["WeightedRandomSampler", "ChainDataset", "StackDataset"]
