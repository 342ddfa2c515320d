"""Data parallelism across processes: ``DistributedDataParallel`` and ``SyncBatchNorm``."""
from minidl.nn.parallel.distributed import DistributedDataParallel
from minidl.nn.parallel.sync_batchnorm import SyncBatchNorm

__all__ = ["DistributedDataParallel", "SyncBatchNorm"]
