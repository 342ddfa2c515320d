"""``DistributedSampler``: each rank's share of a data set's indices, as in PyTorch."""
from __future__ import annotations

import math

import numpy as np

from ... import mt19937

__all__ = ["DistributedSampler"]


class DistributedSampler:
    """Iterate over the indices of ``dataset`` that rank ``rank`` of ``num_replicas`` trains on.

    PyTorch's rule: the indices ``0 .. len(dataset) - 1`` (a permutation drawn
    from ``seed + epoch`` when ``shuffle``) are padded by repeating their
    beginning up to a multiple of ``num_replicas`` (or, with ``drop_last``,
    cut down to one), and rank ``r`` takes every ``num_replicas``-th index
    from position ``r``: ``indices[r:total:num_replicas]``. Every rank thus
    gets ``len(sampler)`` indices, and together the ranks see each sample once
    per epoch (a few twice when padded). Every rank must use the same ``seed``;
    call ``set_epoch(e)`` before each epoch (``fit`` does it through the
    DataLoader) to get a new order.

    Args:
        dataset: anything with ``len``.
        num_replicas: the number of ranks (default: the world size of the
            initialized default group).
        rank: this process's rank (default: ``minidl.distributed.get_rank()``).
        shuffle: permute the indices each epoch.
        seed: the permutation's seed (same on every rank).
        drop_last: drop the tail instead of padding it.

    The permutations are ``torch.randperm``'s from a generator seeded ``seed + epoch``, so the
    orders are PyTorch's, and so is the split rule.

    >>> s = DistributedSampler(range(10), num_replicas=4, rank=1, shuffle=False)
    >>> list(s), len(s)                 # 10 indices padded to 12; rank 1 takes positions 1, 5, 9
    ([1, 5, 9], 3)
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from minidl import distributed as dist
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        num_replicas, rank = int(num_replicas), int(rank)
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be >= 1, got {num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = bool(drop_last)
        n = len(dataset)
        if self.drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = bool(shuffle)
        self.seed = int(seed)

    def indices(self) -> np.ndarray:
        """This rank's indices for the current epoch, an int64 array of ``len(self)``."""
        n = len(self.dataset)
        if self.shuffle:
            order = mt19937.permutation(mt19937.seeded(self.seed + self.epoch), n)    # PyTorch's randperm
        else:
            order = np.arange(n)
        if not self.drop_last:
            padding = self.total_size - n
            if padding > 0:
                order = np.concatenate([order, np.resize(order, padding)])
        else:
            order = order[:self.total_size]
        assert len(order) == self.total_size
        return order[self.rank:self.total_size:self.num_replicas].astype(np.int64)

    def __iter__(self):
        return iter(int(i) for i in self.indices())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the permutation of epoch ``epoch`` next (call it on every rank, each epoch)."""
        self.epoch = int(epoch)

    def __repr__(self):
        return (f"DistributedSampler(n={len(self.dataset)}, num_replicas={self.num_replicas}, "
                f"rank={self.rank}, shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last})")
