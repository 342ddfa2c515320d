"""Data-parallel training across processes and machines (modelled on ``torch.distributed``).

One process per device, launched by ``mpiexec -n N python script.py``; the
processes talk through MPI (mpi4py, e.g. ``pip install minidl[distributed]``),
or NCCL on GPUs (CuPy). A script run without ``mpiexec`` is a group of world
size 1 and trains exactly as before. See ``docs/distributed.md``::

    import minidl.distributed as dist
    from minidl.nn.parallel import DistributedDataParallel as DDP
    from minidl.utils.data import DistributedSampler

    dist.init_process_group("mpi")
    model = DDP(build_model())            # rank 0's weights everywhere; gradients averaged
    sampler = DistributedSampler(train_set, seed=0)
    loader = minidl.data.DataLoader(train_set, batch_size=32, sampler=sampler)
"""
from minidl.distributed.collectives import ReduceOp, Work, all_gather, all_reduce, all_reduce_sums, barrier, broadcast
from minidl.distributed.group import (
                                            destroy_process_group,
                                            get_backend,
                                            get_rank,
                                            get_world_size,
                                            init_process_group,
                                            is_available,
                                            is_initialized,
                                            is_main_process,
                                            is_mpi_available,
                                            is_nccl_available,
                                            launcher_world_size,
)

__all__ = ["init_process_group", "destroy_process_group", "is_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "get_rank", "get_world_size", "get_backend",
           "is_main_process", "launcher_world_size", "ReduceOp", "Work", "all_reduce", "broadcast",
           "all_gather", "barrier", "all_reduce_sums"]
