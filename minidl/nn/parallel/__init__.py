"""Data parallelism: ``DataParallel`` (one process), ``DistributedDataParallel`` and ``SyncBatchNorm``."""
from minidl.nn.parallel.data_parallel import DataParallel, data_parallel
from minidl.nn.parallel.distributed import DistributedDataParallel
from minidl.nn.parallel.sync_batchnorm import SyncBatchNorm

__all__ = ["DataParallel", "data_parallel", "DistributedDataParallel", "SyncBatchNorm"]
