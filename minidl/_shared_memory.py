"""Tensor data in named shared memory, so that ``Tensor.share_memory_()`` / ``Module.share_memory()`` are shared
with processes started by ``spawn`` (``torch.multiprocessing`` Hogwild training) as well as ``fork``.

:func:`shared_copy` copies an array into a :class:`multiprocessing.shared_memory.SharedMemory` block; pickling for
another process (``multiprocessing``'s ForkingPickler only: ``minidl.save`` and plain ``pickle`` still write the
values) sends such an array as the block's name, and the receiving process maps the same block (:func:`_attach`).
A block lives while the array made on it does (or until exit); the process that made it unlinks it then.
"""
from __future__ import annotations

import weakref
from multiprocessing import shared_memory
from multiprocessing.reduction import ForkingPickler

import numpy as np

# data address of a shared base array -> (block name, dtype, shape); blocks kept open by this process
_by_address: dict = {}
_blocks: dict = {}


def _address(array) -> int:
    return array.__array_interface__["data"][0]


def _forget(address, name, owner):
    """The base array on a block died: close the block (and unlink it if this process made it)."""
    _by_address.pop(address, None)
    block = _blocks.pop(name, None)
    if block is None:
        return
    try:
        block.close()
    except BufferError:  # at exit, views of the array may still be alive: the mapping goes with the process
        pass
    if owner:
        block.unlink()


def _track(block, shape, dtype, owner):
    """A NumPy array on ``block``'s memory, registered so that it pickles by name."""
    array = np.ndarray(shape, dtype=dtype, buffer=block.buf)
    address = _address(array)
    _blocks[block.name] = block
    _by_address[address] = (block.name, array.dtype.str, tuple(shape))
    weakref.finalize(array, _forget, address, block.name, owner)
    return array


def shared_copy(array):
    """A copy of the NumPy ``array`` in a new named shared-memory block."""
    block = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
    shared = _track(block, array.shape, array.dtype, owner=True)
    shared[...] = array
    return shared


def _attach(name, dtype, shape):
    """Unpickling in another process: the array on the block ``name`` (mapped once per process)."""
    block = _blocks.get(name)
    if block is not None:
        return np.ndarray(shape, dtype=np.dtype(dtype), buffer=block.buf)
    return _track(shared_memory.SharedMemory(name=name), shape, np.dtype(dtype), owner=False)


def _reduce_ndarray(array):
    """ForkingPickler's reduction of a NumPy array: by name when it is a whole shared block, else by value."""
    entry = _by_address.get(_address(array)) if array.flags.c_contiguous else None
    if entry is not None and entry[1] == array.dtype.str and entry[2] == array.shape:
        return _attach, entry
    return array.__reduce__()


ForkingPickler.register(np.ndarray, _reduce_ndarray)

