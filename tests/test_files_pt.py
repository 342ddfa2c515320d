"""minidl.save / minidl.load with PyTorch's .pt/.pth zip format (and the legacy format).

Fixtures in tests/fixtures/ were written ONCE by PyTorch 2.13 (CPU) with
``/work/refvenv/bin/python tests/fixtures/make_torch_fixtures.py`` (the script
is committed next to them and says what each file holds); these tests never
import torch. That minidl's own files load in PyTorch
(``torch.load(path, weights_only=True)``) was checked by hand, not here.
"""
import collections
import os
import pickle
import pickletools
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
from minidl.io import FileFormatError
from minidl.serialization.pt import FORMAT_VERSIONS

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def expected():
    with np.load(FIXTURES / "torch_expected.npz") as z:
        return {k.replace("__", "."): z[k] for k in z.files}


@pytest.mark.parametrize("name", ["torch_state_dict.pt", "torch_legacy.pt"])
def test_reads_state_dicts_written_by_pytorch(name):
    sd = mdl.load(FIXTURES / name)
    want = expected()
    assert isinstance(sd, collections.OrderedDict)
    assert list(sd)[:3] == ["fc.weight", "fc.bias", "bn.weight"]
    for key, value in sd.items():
        assert isinstance(value, mdl.Tensor), key
        assert value.dtype == want[key].dtype and value.shape == want[key].shape, key
        np.testing.assert_array_equal(value.numpy(), want[key], err_msg=key)
    assert sd["view"].tolist() == [[4.0, 6.0], [8.0, 10.0]]        # offset + strides honoured
    assert sd["scalar"].shape == () and sd["bn.num_batches_tracked"].dtype == np.int64


def test_reads_a_pytorch_checkpoint_and_loads_it_into_a_module():
    ck = mdl.load(FIXTURES / "torch_checkpoint.pt")
    assert ck["epoch"] == 3 and ck["loss"] == 0.25 and ck["name"] == "run-1"
    assert ck["history"] == [1.0, 0.5, 0.25] and ck["pair"] == (1, "a")
    opt = ck["optimizer"]
    assert opt["param_groups"][0]["betas"] == (0.9, 0.999) and opt["param_groups"][0]["params"] == [0, 1]
    np.testing.assert_array_equal(opt["state"][0]["exp_avg"].numpy(), expected()["adam_exp_avg_0"])
    lin = mdl.nn.Linear(3, 2)
    lin.load_state_dict({"weight": ck["model"]["fc.weight"], "bias": ck["model"]["fc.bias"]})
    np.testing.assert_array_equal(lin.weight.numpy(), expected()["fc.weight"])
    lin.load_state_dict({"weight": np.ones((2, 3), np.float32), "bias": np.zeros(2)})  # NumPy still works


def test_round_trip_module_state_dict_and_checkpoint(tmp_path):
    model = mdl.models.lenet(num_classes=10)
    opt = mdl.optim.Adam(model.parameters(), lr=1e-3)
    path = mdl.save(model, tmp_path / "lenet.pt")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        mdl.load(path)  # a whole Module needs weights_only=False (or its classes allowlisted), as in PyTorch
    sd = mdl.load(path, weights_only=False).state_dict()
    assert isinstance(sd, collections.OrderedDict) and list(sd) == list(model.state_dict())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(sd[k].numpy(), v.numpy())
    rebuilt = mdl.load_model(path)                       # the zoo config travels in an extra record
    assert type(rebuilt) is type(model)
    ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 7, "lr": 1e-3,
            "tag": "best", "hist": [0.5, 0.25], "pair": (1, None), "flag": True, "n": np.int64(4),
            "big": 2 ** 70, "nested": {"a": [mdl.tensor([1.0, 2.0]), np.arange(3)]}}
    mdl.save(ckpt, tmp_path / "ckpt.pth")
    back = mdl.load(tmp_path / "ckpt.pth")
    assert back["epoch"] == 7 and back["tag"] == "best" and back["pair"] == (1, None)
    assert back["n"] == 4 and type(back["n"]) is int and back["big"] == 2 ** 70 and back["flag"] is True
    assert back["nested"]["a"][1].dtype == np.int64 and back["nested"]["a"][0].tolist() == [1.0, 2.0]
    assert back["optimizer"]["param_groups"][0]["lr"] == 1e-3
    model.load_state_dict(back["model"])


def test_written_archive_has_pytorchs_layout(tmp_path):
    path = mdl.save({"w": mdl.arange(6, dtype=mdl.float32).reshape(2, 3), "b": mdl.ones(2, dtype=mdl.float64)},
                    tmp_path / "net.pt")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert {"net/data.pkl", "net/byteorder", "net/version", "net/data/0", "net/data/1"} <= set(names)
        assert zf.read("net/byteorder") == b"little" and zf.read("net/version") == b"3\n"
        pkl = zf.read("net/data.pkl")
        assert pkl[:2] == b"\x80\x02"                                   # protocol 2
        text = "\n".join(str(op[1]) for op in pickletools.genops(pkl))
        assert "torch._utils _rebuild_tensor_v2" in text and "torch FloatStorage" in text
        assert "collections OrderedDict" in text and "torch DoubleStorage" in text
        assert np.frombuffer(zf.read("net/data/0"), "<f4").tolist() == [0, 1, 2, 3, 4, 5]
        for info in zf.infolist():                                       # 64-byte aligned data
            raw = open(path, "rb").read()
            n, e = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
            assert (info.header_offset + 30 + n + e) % 64 == 0, info.filename
            assert info.compress_type == zipfile.ZIP_STORED


def test_writes_are_atomic_and_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = mdl.save({"w": np.ones(2)}, tmp_path / "m.pt")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]
    with pytest.raises(TypeError, match="'bad'"):
        mdl.save({"w": np.ones(2), "bad": lambda: 0}, tmp_path / "m.pt")   # pickle cannot refer to a lambda
    assert mdl.load(tmp_path / "m.pt")["w"].tolist() == [1.0, 1.0]          # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]


class _Exploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return os.system, (f"touch {self.target}",)


class _ExecExploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        import builtins
        return builtins.exec, (f"open({str(self.target)!r}, 'w').write('pwned')",)


@pytest.mark.parametrize("exploit", [_Exploit, _ExecExploit])
def test_malicious_pickle_is_refused_without_running_code(tmp_path, exploit):
    target = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("evil/data.pkl", pickle.dumps({"w": exploit(target)}, protocol=2))
        zf.writestr("evil/version", "3\n")
        zf.writestr("evil/byteorder", "little")
    refused = r"evil\.pt: refusing to load (posix|os|builtins|__builtin__)\.(system|exec)"
    with pytest.raises(FileFormatError, match=refused):
        mdl.load(path)
    assert not target.exists()
    legacy = tmp_path / "evil_legacy.pth"
    legacy.write_bytes(pickle.dumps(exploit(target), protocol=2))
    with pytest.raises(FileFormatError, match="refusing to load"):
        mdl.load(legacy, weights_only=False)
    assert not target.exists()


def _rewrite(src, dst, replace):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, replace.get(info.filename.split("/", 1)[1], data))


def test_newer_format_version_is_a_clear_error(tmp_path):
    src = mdl.save({"w": np.ones(2)}, tmp_path / "m.pt")
    _rewrite(src, tmp_path / "new.pt", {"version": b"%d\n" % (FORMAT_VERSIONS[1] + 1)})
    with pytest.raises(FileFormatError) as err:
        mdl.load(tmp_path / "new.pt")
    msg = str(err.value)
    assert "new.pt" in msg and f"version {FORMAT_VERSIONS[1] + 1}" in msg and "expected 1 to" in msg
    assert "\n" not in msg


def test_truncated_zip_is_a_clear_error(tmp_path):
    src = Path(mdl.save({"w": mdl.ones(1000, dtype=mdl.float64)}, tmp_path / "m.pt"))
    cut = tmp_path / "cut.pt"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(FileFormatError, match=r"cut\.pt: truncated or corrupt zip archive .*expected a PyTorch"):
        mdl.load(cut)
    short = tmp_path / "short.pt"
    _rewrite(src, short, {"data/0": b"\x00" * 16})
    with pytest.raises(FileFormatError, match=r"short\.pt: storage data/0 holds 16 bytes, expected 1000"):
        mdl.load(short)
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(FileFormatError, match="text.pt: not a PyTorch file"):
        mdl.load(tmp_path / "text.pt")


def test_map_location(tmp_path):
    path = mdl.save({"w": mdl.ones(2)}, tmp_path / "m.pt")
    assert mdl.load(path, map_location="cpu")["w"].device.type == "cpu"
    if not mdl.gpu_available():
        with pytest.raises(mdl.DeviceError, match="m.pt"):
            mdl.load(path, map_location="cuda")


def test_requires_grad_and_parameters_survive_save_load(tmp_path):
    """As torch.save / torch.load: a Tensor that requires grad (a saved ``loss``) comes back as a leaf that
    requires grad, an ``nn.Parameter`` as a Parameter (written with ``torch._utils._rebuild_parameter``, the
    record PyTorch reads; checked by hand with torch 2.13 both ways), state dicts stay plain Tensors."""
    model = mdl.nn.Linear(2, 3)
    loss = (model(mdl.ones(1, 2)) ** 2).sum()
    frozen = mdl.nn.Parameter(mdl.ones(1), requires_grad=False)
    path = mdl.save({"loss": loss, "weight": model.weight, "frozen": frozen, "state": model.state_dict(),
                     "ids": mdl.tensor([1, 2])}, tmp_path / "ckpt.pt")
    with zipfile.ZipFile(path) as zf:
        data = zf.read([n for n in zf.namelist() if n.endswith("/data.pkl")][0])
    assert b"_rebuild_parameter" in data
    back = mdl.load(path)
    assert type(back["loss"]) is mdl.Tensor and back["loss"].requires_grad and back["loss"].is_leaf
    assert float(back["loss"]) == pytest.approx(float(loss))
    assert isinstance(back["weight"], mdl.nn.Parameter) and back["weight"].requires_grad
    assert isinstance(back["frozen"], mdl.nn.Parameter) and not back["frozen"].requires_grad
    assert all(type(v) is mdl.Tensor and not v.requires_grad for v in back["state"].values())
    assert not back["ids"].requires_grad
