"""minidl.save / minidl.load with .safetensors (through the safetensors package)."""
import json
import struct

import numpy as np
import pytest

import minidl as mdl
from minidl.io import FileFormatError


def test_round_trip_state_dict_and_module(tmp_path):
    sd = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "n": np.array(3, np.int64),
          "m": np.array([True, False]), "h": mdl.tensor([1.0, 2.0]).to(dtype=np.float16)}
    path = mdl.save(sd, tmp_path / "w.safetensors")
    back = mdl.load(path)
    assert list(back) == sorted(sd) or set(back) == set(sd)
    for k, v in sd.items():
        got = back[k]
        assert isinstance(got, mdl.Tensor)
        want = v.numpy() if isinstance(v, mdl.Tensor) else v
        assert got.dtype == want.dtype and np.array_equal(got.numpy(), want), k
    import safetensors.numpy
    assert set(safetensors.numpy.load_file(str(path))) == set(sd)      # a standard file
    model = mdl.models.lenet(num_classes=10)
    mdl.save(model, tmp_path / "lenet.safetensors")
    rebuilt = mdl.load_model(tmp_path / "lenet.safetensors")
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(rebuilt.state_dict()[k].numpy(), v.numpy())


def test_checkpoints_are_refused_with_a_pointer_to_pt(tmp_path):
    with pytest.raises(TypeError, match=r"'epoch' holds a int.*\.pt"):
        mdl.save({"w": np.ones(2), "epoch": 3}, tmp_path / "c.safetensors")
    assert not list(tmp_path.iterdir())


def _write(path, header, data):
    blob = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + data)


def test_header_that_lies_about_sizes(tmp_path):
    bad = tmp_path / "lies.safetensors"
    _write(bad, {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 12]}}, b"\x00" * 12)
    with pytest.raises(FileFormatError, match=r"lies\.safetensors: tensor 'w' F32\[4\] needs 16 bytes "
                                              r"but its offsets \[0, 12\) span 12"):
        mdl.load(bad)
    past = tmp_path / "past.safetensors"
    _write(past, {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\x00" * 8)
    with pytest.raises(FileFormatError, match=r"past\.safetensors: tensor 'w' claims bytes \[0, 16\) "
                                              r"but the data section has 8 bytes"):
        mdl.load(past)
    huge = tmp_path / "huge.safetensors"
    huge.write_bytes(struct.pack("<Q", 10 ** 9) + b"{}")
    with pytest.raises(FileFormatError, match=r"huge\.safetensors: safetensors header length 1000000000 "
                                              r"exceeds the 2 bytes"):
        mdl.load(huge)


def test_truncated_file(tmp_path):
    path = mdl.save({"w": np.ones(100, np.float32)}, tmp_path / "w.safetensors")
    raw = open(path, "rb").read()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(raw[:-40])
    with pytest.raises(FileFormatError, match=r"cut\.safetensors: tensor 'w' claims bytes"):
        mdl.load(cut)
    (tmp_path / "tiny.safetensors").write_bytes(b"abc")
    with pytest.raises(FileFormatError, match="too short"):
        mdl.load(tmp_path / "tiny.safetensors")
