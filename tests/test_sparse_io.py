"""``minidl.save``/``minidl.load`` of sparse tensors in PyTorch's ``.pt`` format: files written by torch 2.13
(tests/fixtures/sparse_torch.pt, made by tests/fixtures/make_sparse_pt.py) read back with their values, and
minidl's files written with PyTorch's records (``torch._utils._rebuild_sparse_tensor``)."""
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
from minidl.io import FileFormatError

FIXTURES = Path(__file__).parent / "fixtures"


def test_reads_pytorch_file():
    d = mdl.load(FIXTURES / "sparse_torch.pt")
    coo, hybrid, csr, csc = d["coo"], d["hybrid"], d["csr"], d["csc"]
    assert coo.is_sparse and not coo.is_coalesced() and coo.dtype == mdl.float32
    np.testing.assert_array_equal(coo._indices().numpy(), [[0, 1, 1], [2, 0, 2]])
    np.testing.assert_array_equal(coo.to_dense().numpy(), [[0, 0, 3], [4, 0, 5]])
    assert hybrid.is_coalesced() and hybrid.dtype == mdl.float64 and hybrid.shape == (5, 2)
    assert hybrid.sparse_dim() == 1 and hybrid.dense_dim() == 1
    np.testing.assert_array_equal(hybrid.values().numpy(), [[3, 4], [1, 2]])
    assert csr.layout == mdl.sparse_csr
    np.testing.assert_array_equal(csr.crow_indices().numpy(), [0, 1, 3])
    np.testing.assert_array_equal(csr.to_dense().numpy(), [[0, 1, 0], [2, 0, 3]])
    assert csc.layout == mdl.sparse_csc
    np.testing.assert_array_equal(csc.ccol_indices().numpy(), [0, 1, 2, 3])
    np.testing.assert_array_equal(csc.row_indices().numpy(), [1, 0, 1])
    np.testing.assert_array_equal(csc.to_dense().numpy(), [[0, 1, 0], [2, 0, 3]])


def test_refuses_unknown_layout():
    with pytest.raises(FileFormatError, match="torch.sparse_bsr"):
        mdl.load(FIXTURES / "sparse_bsr_torch.pt")


def test_round_trip_with_pytorch_records(tmp_path, rng):
    dense = rng.standard_normal((5, 7)) * (rng.random((5, 7)) < 0.3)
    coo = mdl.tensor(dense).to_sparse()
    uncoalesced = mdl.sparse_coo_tensor([[4, 0, 4]], mdl.tensor([[1.0], [2.0], [3.0]]), (6, 1))
    path = tmp_path / "sparse.pt"
    mdl.save({"coo": coo, "unc": uncoalesced, "csr": mdl.tensor(dense).to_sparse_csr(),
              "csc": mdl.tensor(dense).to_sparse_csc(), "dense": mdl.ones(2)}, path)
    with zipfile.ZipFile(path) as zf:
        pickle_bytes = zf.read(next(n for n in zf.namelist() if n.endswith("data.pkl")))
    assert b"_rebuild_sparse_tensor" in pickle_bytes and b"torch.sparse_coo" in pickle_bytes
    for record in (b"torch.sparse_csr", b"torch.sparse_csc", b"_get_layout"):
        assert record in pickle_bytes
    back = mdl.load(path)
    assert back["coo"].is_coalesced() and not back["unc"].is_coalesced()
    np.testing.assert_array_equal(back["coo"].to_dense().numpy(), dense)
    np.testing.assert_array_equal(back["unc"]._indices().numpy(), [[4, 0, 4]])
    np.testing.assert_array_equal(back["unc"].to_dense().numpy().ravel(), [2, 0, 0, 0, 4, 0])
    np.testing.assert_array_equal(back["csr"].to_dense().numpy(), dense)
    np.testing.assert_array_equal(back["csc"].to_dense().numpy(), dense)
    assert back["csc"].layout == mdl.sparse_csc
    np.testing.assert_array_equal(back["dense"].numpy(), [1, 1])
