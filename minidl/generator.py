"""``minidl.Generator``: PyTorch's random-number generator object, on PyTorch's CPU Mersenne Twister.

A Generator is what ``generator=`` arguments take (``DataLoader``,
``random_split``, ``RandomSampler``). ``manual_seed(s)`` fixes its stream and
returns it, so ``Generator().manual_seed(0)`` works as in PyTorch.

:func:`use_generator` makes a NumPy Generator the *current* one for the
calling thread; :func:`current_rng` returns it (or minidl's global generator,
the one ``minidl.manual_seed`` seeds). Random transforms draw from
``current_rng()``, which is how a DataLoader gives every batch its own stream
derived from (seed, epoch, batch) whatever thread or process builds it.
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from . import backend, mt19937

__all__ = ["Generator", "current_rng", "use_generator", "as_numpy_generator", "default_generator", "manual_seed"]

_local = threading.local()


class Generator:
    """A seedable random stream, as ``torch.Generator(device="cpu")``.

    >>> g = Generator().manual_seed(42)
    >>> g.initial_seed()
    42
    >>> a = g.numpy_generator().integers(0, 100, 3)
    >>> b = Generator().manual_seed(42).numpy_generator().integers(0, 100, 3)
    >>> bool((a == b).all())
    True
    """

    def __init__(self, device="cpu"):
        self.device = str(device)
        self._seed = mt19937.DEFAULT_SEED      # a new torch.Generator starts from this fixed seed too
        self._np = mt19937.seeded(self._seed)

    def manual_seed(self, seed) -> "Generator":
        """Restart the stream from ``seed`` (an int); returns ``self``."""
        self._seed = int(seed) % (2 ** 64)
        self._np = mt19937.seeded(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh OS entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))
        return self._seed

    def initial_seed(self) -> int:
        """The seed the stream was last started from."""
        return self._seed

    def get_state(self):
        """The bit generator's state (a dict, with PyTorch's cached normal sample); :meth:`set_state` restores it."""
        state = dict(self._np.bit_generator.state)
        state["normal_cache"] = getattr(self._np.bit_generator, "normal_cache", None)
        return state

    def set_state(self, state) -> "Generator":
        """Restore a state from :meth:`get_state`; returns ``self``."""
        state = dict(state)
        cache = state.pop("normal_cache", None)
        self._np.bit_generator.state = state
        self._np.bit_generator.normal_cache = cache
        return self

    def numpy_generator(self) -> np.random.Generator:
        """The underlying ``numpy.random.Generator`` (draws advance this Generator)."""
        return self._np

    def __repr__(self):
        return f"minidl.Generator(device={self.device!r}, initial_seed={self._seed})"


def as_numpy_generator(generator) -> np.random.Generator:
    """A NumPy Generator for ``generator``: a :class:`Generator`, a NumPy Generator,
    an int seed, or None (the current generator, see :func:`current_rng`)."""
    if generator is None:
        return current_rng()
    if isinstance(generator, Generator):
        return generator.numpy_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(f"generator must be a minidl.Generator, a numpy Generator, an int or None, "
                    f"got {type(generator).__name__}")


def current_rng() -> np.random.Generator:
    """The calling thread's current NumPy Generator: the one set by
    :func:`use_generator`, else minidl's global one (``minidl.manual_seed``), which ``use_generator(None)`` also
    selects."""
    stack = getattr(_local, "stack", None)
    if stack and stack[-1] is not None:
        return stack[-1]
    return backend.rng()


@contextlib.contextmanager
def use_generator(rng: np.random.Generator | None):
    """Within the block, :func:`current_rng` returns ``rng`` (None: the global one) in this thread."""
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    stack.append(rng)
    try:
        yield rng
    finally:
        stack.pop()


class _DefaultGenerator(Generator):
    """``minidl.default_generator``: the global stream that ``minidl.manual_seed`` seeds, as a Generator."""

    def __init__(self):
        self.device = "cpu"

    def manual_seed(self, seed) -> "Generator":
        """Seed every random source minidl uses (as ``minidl.manual_seed``); returns ``self``."""
        backend.manual_seed(seed)
        return self

    def seed(self) -> int:
        """Reseed the global stream from fresh OS entropy; returns the new seed."""
        return backend.seed()

    def initial_seed(self) -> int:
        """The seed the global stream was last started from."""
        return backend.initial_seed()

    def get_state(self):
        """The global generator's state (bytes, as ``minidl.get_rng_state``)."""
        return backend.get_rng_state()

    def set_state(self, state) -> "Generator":
        """Restore a state from :meth:`get_state`; returns ``self``."""
        backend.set_rng_state(state)
        return self

    def numpy_generator(self) -> np.random.Generator:
        """The global NumPy Generator."""
        return backend.rng()

    def __repr__(self):
        return f"minidl.Generator(device='cpu', initial_seed={backend.initial_seed()})"


#: the global generator (PyTorch's ``torch.default_generator``)
default_generator = _DefaultGenerator()


def manual_seed(seed) -> Generator:
    """Seed every random source minidl uses (init, dropout, shuffling, augmentation); returns
    :data:`default_generator`, as ``torch.manual_seed`` returns its default generator."""
    return default_generator.manual_seed(seed)
