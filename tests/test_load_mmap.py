"""``minidl.load(path, mmap=True)``: storages of a ``.pt`` zip file memory-mapped copy-on-write, as
``torch.load(mmap=True)`` (errors and messages as PyTorch 2.13's)."""
from __future__ import annotations

import io
import mmap

import numpy as np
import pytest

import minidl as mdl


def test_mmap_load_matches_plain_load_and_is_copy_on_write(tmp_path):
    path = tmp_path / "ckpt.pt"
    state = {"w": mdl.randn(4, 3), "steps": mdl.arange(5), "half": mdl.ones(2, dtype=mdl.float16)}
    mdl.save(state, path)
    mapped = mdl.load(path, mmap=True)
    plain = mdl.load(path)
    for key in state:
        assert mapped[key].dtype == state[key].dtype and mapped[key].shape == state[key].shape
        np.testing.assert_array_equal(mapped[key].numpy(), plain[key].numpy())
    base = mapped["w"].array
    while base is not None and not isinstance(base, (mmap.mmap, memoryview)):
        base = getattr(base, "base", None)   # ndarray views and as_strided's DummyArray
    base = base.obj if isinstance(base, memoryview) else base
    assert isinstance(base, mmap.mmap), "the storage is read from a memory map, not copied"
    mapped["w"].add_(1.0)   # copy-on-write: the file keeps its values
    np.testing.assert_array_equal(mdl.load(path)["w"].numpy(), state["w"].numpy())
    np.testing.assert_array_equal(mapped["w"].numpy(), state["w"].numpy() + 1)


def test_mmap_errors(tmp_path):
    buffer = io.BytesIO()
    mdl.save({"a": mdl.ones(2)}, buffer)
    buffer.seek(0)
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap argument"):
        mdl.load(buffer, mmap=True)
    path = tmp_path / "a.safetensors"
    mdl.save({"a": mdl.ones(2)}, path)
    with pytest.raises(RuntimeError, match="mmap"):
        mdl.load(path, mmap=True)
