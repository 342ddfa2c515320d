"""Splitting a dataset: uniformly at random, or class-balanced and group-aware."""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from .dataset import Subset, targets_of

__all__ = ["random_split", "stratified_split"]


def _generator(seed_or_generator):
    if seed_or_generator is None:
        return backend.rng()
    if isinstance(seed_or_generator, np.random.Generator):
        return seed_or_generator
    return np.random.default_rng(seed_or_generator)


def _allocate(n: int, fractions) -> list[int]:
    """Split ``n`` into len(fractions) counts by largest remainder (ties: earlier parts)."""
    raw = [f * n for f in fractions]
    counts = [int(math.floor(r)) for r in raw]
    rest = n - sum(counts)
    order = sorted(range(len(raw)), key=lambda k: (-(raw[k] - counts[k]), k))
    for k in order[:rest]:
        counts[k] += 1
    return counts


def _check_fractions(fractions):
    fractions = [float(f) for f in fractions]
    if not fractions or any(f < 0 for f in fractions) or not math.isclose(sum(fractions), 1.0,
                                                                          abs_tol=1e-6):
        raise ValueError(f"fractions must be non-negative and sum to 1, got {fractions}")
    return fractions


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random :class:`Subset` s (PyTorch's random_split).

    lengths: ints summing to ``len(dataset)``, or fractions summing to 1 (the
    remainder is spread one by one over the first parts, as in PyTorch).
    generator: a ``numpy.random.Generator``, an int seed, or None (minidl's
    global generator, see ``minidl.manual_seed``).
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(v, float) for v in lengths) and math.isclose(sum(lengths), 1.0):
        counts = [int(math.floor(f * n)) for f in lengths]
        for k in range(n - sum(counts)):
            counts[k % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"lengths {lengths} sum to {sum(lengths)}, not the dataset's {n}")
    perm = _generator(generator).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, np.sort(perm[start:start + length])))
        start += length
    return out


def stratified_split(dataset, fractions, seed=None, groups=None):
    """Class-balanced split: each part holds ``fractions[k]`` of every class.

    fractions: floats summing to 1, e.g. ``(0.8, 0.2)``. seed: int, Generator, or
    None (minidl's global generator). Returns a list of :class:`Subset` s whose
    indices are sorted.

    groups: optional int array (N,) of group ids; every member of a group lands
    in the same part (so flipped copies stay on the side of their original, see
    :func:`~minidl.data.augment_with_flips`). Defaults to ``dataset.groups`` when
    the dataset has one. Groups are then the units that are counted and
    balanced per class; a group holding several classes raises ValueError.
    """
    fractions = _check_fractions(fractions)
    targets = targets_of(dataset)
    n = len(targets)
    if groups is None:
        groups = getattr(dataset, "groups", None)
    rng = _generator(seed)
    parts = [[] for _ in fractions]
    if groups is None:
        for c in np.unique(targets):
            members = rng.permutation(np.nonzero(targets == c)[0])
            start = 0
            for k, count in enumerate(_allocate(len(members), fractions)):
                parts[k].append(members[start:start + count])
                start += count
    else:
        groups = np.asarray(groups).reshape(-1)
        if len(groups) != n:
            raise ValueError(f"groups has {len(groups)} entries but the dataset {n}")
        uniq, inverse = np.unique(groups, return_inverse=True)
        # each group's label; refuse groups that mix classes
        first = np.full(len(uniq), -1, np.int64)
        first[inverse] = targets  # any member's label; checked just below
        mixed = np.nonzero(first[inverse] != targets)[0]
        if len(mixed):
            g = groups[mixed[0]]
            raise ValueError(f"group {g} holds several classes (sample {mixed[0]}); "
                             "groups must not mix labels")
        order = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=len(uniq)))[:-1]
        members_of = np.split(order, bounds)
        for c in np.unique(first):
            gids = rng.permutation(np.nonzero(first == c)[0])
            start = 0
            for k, count in enumerate(_allocate(len(gids), fractions)):
                chosen = gids[start:start + count]
                start += count
                if count:
                    parts[k].append(np.concatenate([members_of[g] for g in chosen]))
    return [Subset(dataset, np.sort(np.concatenate(p)) if p else np.zeros(0, np.int64))
            for p in parts]
