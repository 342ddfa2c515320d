"""minidl.io: round trips (.h5/.npz), checkpoints, atomic writes, clear errors, load_model."""
import os
import zipfile

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.optim as optim
from minidl import io as mio
from minidl.io import FileFormatError, load, load_model, load_weights, read_metadata, save

FORMATS = [".h5", ".npz"]


def small_net():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                         nn.Linear(8, 3))


def files_in(d):
    return sorted(os.listdir(d))


@pytest.mark.parametrize("ext", FORMATS)
def test_module_round_trip_gives_state_dict(tmp_path, ext):
    net = small_net()
    path = save(net, tmp_path / f"net{ext}")
    sd = load(path)
    ref = net.state_dict()
    assert list(sd) == list(ref)
    for k, v in ref.items():
        assert isinstance(sd[k], np.ndarray)
        assert sd[k].dtype == v.dtype
        np.testing.assert_array_equal(sd[k], v.numpy())
    meta = read_metadata(path)
    assert meta["format"] == "module" and meta["minidl_version"] == mdl.__version__
    assert meta["created"] and meta["config"] is None
    other = small_net()
    load_weights(other, path)
    np.testing.assert_array_equal(other.state_dict()["4.weight"].numpy(), ref["4.weight"].numpy())


@pytest.mark.parametrize("ext", FORMATS)
def test_nested_checkpoint_round_trip(tmp_path, ext):
    net = nn.Linear(3, 2)
    opt = optim.Adam(net.parameters(), lr=0.01, betas=(0.8, 0.9))
    net(mdl.randn(4, 3)).sum().backward()
    opt.step()
    ckpt = {"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 4,
            "history": {"loss": [1.5, 0.25, float("nan")], "lr": [0.01, 0.01, 0.001]},
            "name": "run/a", "flag": True, "nothing": None, "shape": (2, 3),
            "scalar": np.float32(0.5), "ints": {0: "zero", "0": "string zero", -3: [1, [2, 3]]},
            "empty": {}, "empty_list": []}
    path = save(ckpt, tmp_path / f"ckpt{ext}")
    back = load(path)
    assert back["epoch"] == 4 and isinstance(back["epoch"], int)
    assert back["history"]["loss"][:2] == [1.5, 0.25] and np.isnan(back["history"]["loss"][2])
    assert back["name"] == "run/a" and back["flag"] is True and back["nothing"] is None
    assert back["shape"] == (2, 3)
    assert back["scalar"] == np.float32(0.5) and back["scalar"].dtype == np.float32
    assert back["ints"] == {0: "zero", "0": "string zero", -3: [1, [2, 3]]}
    assert back["empty"] == {} and back["empty_list"] == []
    state = back["optimizer"]["state"]
    assert set(state) == {0, 1}  # int keys restored
    assert state[0]["step"] == opt.state_dict()["state"][0]["step"]
    np.testing.assert_array_equal(state[0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.9)
    # the loaded dicts feed straight back into the objects
    opt2 = optim.Adam(nn.Linear(3, 2).parameters(), lr=0.5)
    opt2.load_state_dict(back["optimizer"])
    assert opt2.param_groups[0]["lr"] == 0.01
    assert read_metadata(path)["format"] == "checkpoint"


def test_h5_layout_is_browsable(tmp_path):
    import h5py
    path = save({"model": small_net().state_dict(), "epoch": 1}, tmp_path / "c.h5")
    with h5py.File(path, "r") as f:
        assert "model/0.weight" in f and f["model/0.weight"].shape == (2, 1, 3, 3)
        assert f.attrs["format"] == "checkpoint" and "minidl_version" in f.attrs
    z = np.load(save(small_net(), tmp_path / "w.npz"))
    assert z["0.weight"].shape == (2, 1, 3, 3)


@pytest.mark.parametrize("ext", FORMATS)
def test_failed_write_leaves_no_file(tmp_path, ext):
    bad = {"a": np.ones(3), "b": {"c": object()}}
    with pytest.raises(TypeError, match="b/c"):
        save(bad, tmp_path / f"x{ext}")
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("ext", FORMATS)
def test_failure_mid_write_keeps_original(tmp_path, ext, monkeypatch):
    path = tmp_path / f"x{ext}"
    save({"w": np.arange(3.0)}, path)
    original = path.read_bytes()

    def boom(*args, **kwargs):  # the temp file exists and is half written when this fires
        with open(args[0], "ab") as fh:
            fh.write(b"partial")
        raise OSError("disk full")
    monkeypatch.setattr(mio, "_write_h5" if ext == ".h5" else "_write_npz", boom)
    with pytest.raises(OSError, match="disk full"):
        save({"w": np.zeros(5)}, path)
    assert path.read_bytes() == original
    assert files_in(tmp_path) == [path.name]


@pytest.mark.parametrize("ext", FORMATS)
def test_truncated_file_error_names_file(tmp_path, ext):
    path = save({"w": np.arange(1000.0), "v": np.ones((50, 50))}, tmp_path / f"t{ext}")
    data = open(path, "rb").read()
    with open(path, "wb") as fh:
        fh.write(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match=os.path.basename(path)):
        load(path)


@pytest.mark.parametrize("ext", FORMATS)
def test_wrong_format_error(tmp_path, ext):
    path = tmp_path / f"notes{ext}"
    path.write_text("this is not a weights file\n" * 20)
    with pytest.raises(FileFormatError, match="notes"):
        load(path)


def test_unknown_extension_and_missing_file(tmp_path):
    # any other name is PyTorch's zip format, as torch.save writes it (test_save_file_objects.py)
    save({"w": np.ones(1)}, tmp_path / "w.xyz")
    assert zipfile.is_zipfile(tmp_path / "w.xyz")
    with pytest.raises(FileNotFoundError, match="nope.h5"):
        load(tmp_path / "nope.h5")


def test_missing_array_in_file(tmp_path):
    import h5py
    path = save({"model": {"a": np.ones(2), "b": np.ones(3)}}, tmp_path / "m.h5")
    with h5py.File(path, "a") as f:
        del f["model/b"]
    with pytest.raises(FileFormatError, match=r"m\.h5.*model/b"):
        load(path)


def test_shape_mismatch_names_file_key_and_shapes(tmp_path):
    path = save(nn.Linear(3, 2), tmp_path / "lin.h5")
    # PyTorch's wording: "copying a param with shape minidl.Size([2, 3]) ..."
    with pytest.raises(RuntimeError, match=r"(?s)lin\.h5.*weight.*\[2, 3\].*\[4, 3\]"):
        load_weights(nn.Linear(3, 4), path)


def test_load_model_rebuilds_zoo_model(tmp_path, monkeypatch):
    import minidl.models as models

    registry = {}

    def fake_build(name, **kwargs):
        model = registry[name](**kwargs)
        model.config = {"name": name, "kwargs": kwargs}
        return model
    registry["tiny_mlp"] = lambda hidden, num_classes=2: nn.Sequential(
        nn.Linear(3, hidden), nn.ReLU(), nn.Linear(hidden, num_classes))
    monkeypatch.setattr(models, "build", fake_build, raising=False)

    net = fake_build("tiny_mlp", hidden=5, num_classes=4)
    for ext in FORMATS:
        path = save(net, tmp_path / f"zoo{ext}")
        assert read_metadata(path)["config"] == {"name": "tiny_mlp", "kwargs": {"hidden": 5, "num_classes": 4}}
        rebuilt = load_model(path)
        assert rebuilt.config == net.config
        for k, v in net.state_dict().items():
            np.testing.assert_array_equal(rebuilt.state_dict()[k].numpy(), v.numpy())
    # from a checkpoint dict holding the config too
    ckpt = save({"model": net.state_dict(), "config": net.config, "epoch": 1}, tmp_path / "ck.h5")
    assert load_model(ckpt)[2].weight.shape == (4, 5)
    with pytest.raises(ValueError, match="no model config"):
        load_model(save(nn.Linear(2, 2), tmp_path / "plain.h5"))


def test_load_model_with_real_zoo(tmp_path):
    import minidl.models as models
    if not hasattr(models, "build"):
        pytest.skip("minidl.models.build not available yet")
    net = models.build("mlp", in_features=4, hidden=[6], num_classes=3)
    rebuilt = load_model(save(net, tmp_path / "mlp.h5"))
    x = mdl.randn(2, 4)
    net.eval()
    rebuilt.eval()
    np.testing.assert_array_equal(rebuilt(x).numpy(), net(x).numpy())


def test_foreign_hdf5_file_gives_nested_arrays(tmp_path):
    import h5py
    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as f:
        f["dense/kernel"] = np.ones((2, 2))
    back = load(path)
    np.testing.assert_array_equal(back["dense"]["kernel"], np.ones((2, 2)))


def test_atomic_path_removes_temp_on_error(tmp_path):
    with pytest.raises(RuntimeError):
        with mio.atomic_path(tmp_path / "f.txt") as tmp:
            open(tmp, "w").write("half")
            raise RuntimeError("stop")
    assert files_in(tmp_path) == []
