"""Gaps found by running more public PyTorch scripts on minidl (time_sequence_prediction, the NLP From
Scratch tutorials, super_resolution, fast_neural_style, the DQN tutorial). Expected values read from
torch 2.13 CPU."""
import pickletools
import zipfile

import numpy as np
import pytest

import minidl as mdl


def test_saved_numpy_array_loads_back_as_numpy(tmp_path):
    """time_sequence_prediction saves ``np.sin(...)`` with torch.save and feeds ``torch.load(...)[3:, :-1]`` to
    ``torch.from_numpy``: torch.save pickles an ndarray as NumPy does (``_reconstruct`` + BUILD, bytes through
    ``_codecs.encode``), so it loads back as an ndarray of the same dtype and shape."""
    data = np.sin(np.arange(24.0).reshape(4, 6) / 3)
    path = tmp_path / "traindata.pt"
    mdl.save(data, open(path, "wb"))
    back = mdl.load(path, weights_only=False)
    assert type(back) is np.ndarray and back.dtype == np.float64 and np.array_equal(back, data)
    assert mdl.from_numpy(back[3:, :-1]).shape == (1, 5)
    with zipfile.ZipFile(path) as zf:
        text = " ".join(str(op[1]) for op in pickletools.genops(zf.read("archive/data.pkl")))
        assert "multiarray _reconstruct" in text and "numpy ndarray" in text and "_codecs encode" in text
        assert not [n for n in zf.namelist() if "/data/" in n]  # no tensor storages
    mixed = {"f": data[:, ::2].astype(">f4"), "i": np.arange(3), "b": np.array([True, False]),
             "s": np.array(["ab", "c"]), "t": mdl.ones(2), "c": np.array([1 + 2j])}
    mdl.save(mixed, tmp_path / "mixed.pt")
    back = mdl.load(tmp_path / "mixed.pt")
    for key in "fibsc":
        # NumPy's own unpickling gives big-endian data back in native order (so does torch.load)
        assert type(back[key]) is np.ndarray and back[key].dtype == mixed[key].dtype.newbyteorder("=")
        assert np.array_equal(back[key], mixed[key])
    assert isinstance(back["t"], mdl.Tensor)


def test_numpy_object_arrays_are_still_refused(tmp_path):
    with pytest.raises(TypeError, match="object array at 'x'"):
        mdl.save({"x": np.array([object()])}, tmp_path / "o.pt")


def test_torch_written_numpy_scalars_and_arrays_load():
    """``fixtures/numpy_values_torch.pt`` (``make_numpy_values_fixture.py``, torch 2.13): NumPy scalars come back
    as NumPy scalars of their dtype (``numpy._core.multiarray.scalar`` records), arrays as arrays."""
    from pathlib import Path
    back = mdl.load(Path(__file__).parent / "fixtures" / "numpy_values_torch.pt", weights_only=False)
    assert type(back["acc"]) is np.float64 and back["acc"] == 0.5
    assert type(back["n"]) is np.int32 and back["n"] == 3
    assert type(back["a"]) is np.ndarray and back["a"].tolist() == [0.0, 1.0, 2.0]
    assert isinstance(back["w"], mdl.Tensor) and back["w"].tolist() == [1.0, 1.0]
