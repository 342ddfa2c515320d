"""Data-parallel training across processes and machines (modelled on ``torch.distributed``).

One process per device, launched by ``mpiexec -n N python script.py`` (backend
"mpi", through mpi4py, e.g. ``pip install minidl[distributed]``), or by
``minidl.multiprocessing.spawn`` / torchrun with the "gloo" backend (TCP
sockets; ``init_method`` "env://" or "tcp://host:port"), or NCCL on GPUs (CuPy).
A script run without ``mpiexec`` is a group of world size 1 and trains exactly as before. See ``docs/distributed.md``::

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
                                            Backend,
                                            destroy_process_group,
                                            get_backend,
                                            get_rank,
                                            get_world_size,
                                            init_process_group,
                                            is_available,
                                            is_gloo_available,
                                            is_initialized,
                                            is_main_process,
                                            is_mpi_available,
                                            is_nccl_available,
                                            launcher_world_size,
)
from minidl.distributed.more_collectives import (
                                            all_gather_object,
                                            all_to_all,
                                            broadcast_object_list,
                                            gather,
                                            gather_object,
                                            get_global_rank,
                                            get_group_rank,
                                            get_node_local_rank,
                                            get_process_group_ranks,
                                            irecv,
                                            isend,
                                            monitored_barrier,
                                            new_group,
                                            recv,
                                            reduce,
                                            reduce_scatter,
                                            scatter,
                                            scatter_object_list,
                                            send,
)

__all__ = ["Backend", "init_process_group", "destroy_process_group", "is_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "is_gloo_available", "get_rank", "get_world_size",
           "get_backend",
           "is_main_process", "launcher_world_size", "ReduceOp", "Work", "all_reduce", "broadcast",
           "all_gather", "barrier", "all_reduce_sums", "reduce", "gather", "scatter", "reduce_scatter",
           "all_to_all", "all_gather_object", "gather_object", "broadcast_object_list", "scatter_object_list",
           "send", "recv", "isend", "irecv", "monitored_barrier", "new_group", "get_node_local_rank",
           "get_process_group_ranks", "get_global_rank", "get_group_rank"]
