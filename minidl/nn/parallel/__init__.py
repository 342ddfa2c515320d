"""Data parallelism: ``DataParallel`` (one process), ``DistributedDataParallel`` and ``SyncBatchNorm``."""
from minidl.nn.parallel.data_parallel import DataParallel
from minidl.nn.parallel.distributed import DistributedDataParallel
from minidl.nn.parallel.sync_batchnorm import SyncBatchNorm

__all__ = ["DataParallel", "DistributedDataParallel", "SyncBatchNorm"]
