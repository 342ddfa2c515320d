"""Meta tensors in ``.pt`` files: PyTorch writes ``_rebuild_meta_tensor_no_storage`` records with no data.

``tests/fixtures/meta_torch.pt`` was written once by PyTorch 2.13 (``tests/fixtures/make_meta_pt.py``)."""
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl.io import FileFormatError

FIXTURE = Path(__file__).parent / "fixtures" / "meta_torch.pt"


def test_pytorch_file_loads_as_meta_tensors():
    d = minidl.load(FIXTURE)
    assert d["w"].is_meta and d["w"].shape == (2, 3) and d["w"].dtype == minidl.float64
    assert isinstance(d["p"], minidl.nn.Parameter) and d["p"].is_meta and d["p"].requires_grad
    assert d["v"].shape == (3, 2) and d["v"].dtype == minidl.int32 and d["v"].stride() == (4, 2)
    assert d["g"].requires_grad and not isinstance(d["g"], minidl.nn.Parameter)


def test_map_location_keeps_meta():
    assert minidl.load(FIXTURE, map_location="cpu")["w"].is_meta


def test_round_trip_writes_no_storage(tmp_path):
    m = minidl.nn.Linear(3, 4, device="meta")
    obj = {"sd": m.state_dict(), "view": minidl.empty(5, 6, device="meta")[:, 1::3], "param": m.weight}
    path = tmp_path / "m.pt"
    minidl.save(obj, path)
    with zipfile.ZipFile(path) as zf:
        assert not [n for n in zf.namelist() if "/data/" in n]
    back = minidl.load(path)
    assert back["sd"]["weight"].is_meta and back["sd"]["weight"].shape == (4, 3)
    assert back["view"].shape == (5, 2) and back["view"].stride() == (6, 3)
    assert isinstance(back["param"], minidl.nn.Parameter) and back["param"].requires_grad


def test_mixed_meta_and_real_tensors():
    buf = io.BytesIO()
    minidl.save({"a": minidl.ones(2), "b": minidl.empty(2, device="meta")}, buf)
    buf.seek(0)
    back = minidl.load(buf)
    np.testing.assert_array_equal(back["a"].numpy(), np.ones(2, np.float32))
    assert back["b"].is_meta


def test_malformed_record_names_the_file(tmp_path):
    from minidl.serialization._meta import PendingMeta
    with pytest.raises(FileFormatError, match="bad.pt.*meta tensor"):
        PendingMeta(np.float32, (2, 3), (1,)).build(tmp_path / "bad.pt")
