"""Data utilities under PyTorch's names (``torch.utils.data``)."""
from minidl.utils.data.distributed import DistributedSampler

__all__ = ["DistributedSampler"]
