"""minidl.save / minidl.load as torch.save / torch.load: binary file objects and any file name.

PyTorch writes its zip format whatever the name (``checkpoint.pth.tar``,
``model.bin``) and to file objects (``io.BytesIO``); scripts rely on both.
"""
import io
import pickle
import zipfile

import numpy as np
import pytest

import minidl
import minidl.nn as nn
from minidl.io import FileFormatError


def _net():
    minidl.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def test_bytesio_round_trip_state_dict():
    net = _net()
    buf = io.BytesIO()
    assert minidl.save(net.state_dict(), buf) is buf
    assert zipfile.is_zipfile(io.BytesIO(buf.getvalue()))
    buf.seek(0)
    state = minidl.load(buf, map_location=minidl.device("cpu"))
    assert list(state) == list(net.state_dict())
    for key, value in net.state_dict().items():
        assert isinstance(state[key], minidl.Tensor)
        np.testing.assert_array_equal(state[key].numpy(), value.numpy())
    other = _net()
    other.load_state_dict(state)


def test_open_file_objects_and_checkpoint_dict(tmp_path):
    net = _net()
    opt = minidl.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(minidl.randn(5, 3)).sum().backward()
    opt.step()
    path = tmp_path / "ckpt"
    with open(path, "wb") as f:
        minidl.save({"epoch": 3, "model": net.state_dict(), "opt": opt.state_dict()}, f)
    with open(path, "rb") as f:
        ckpt = minidl.load(f, weights_only=True)
    assert ckpt["epoch"] == 3
    assert ckpt["opt"]["param_groups"][0]["lr"] == 0.1
    np.testing.assert_array_equal(ckpt["model"]["0.weight"].numpy(), net[0].weight.detach().numpy())


@pytest.mark.parametrize("name", ["checkpoint.pth.tar", "model.bin", "weights", "w.pkl"])
def test_any_file_name_is_pytorch_zip(tmp_path, name):
    net = _net()
    path = tmp_path / name
    minidl.save(net.state_dict(), path)
    assert zipfile.is_zipfile(path)
    state = minidl.load(path)
    np.testing.assert_array_equal(state["2.bias"].numpy(), net[2].bias.detach().numpy())


def test_bad_file_object_names_the_type():
    with pytest.raises(FileFormatError, match=r"^<BytesIO>: not a PyTorch file"):
        minidl.load(io.BytesIO(b"hello world"))


def test_native_formats_keep_their_extension(tmp_path):
    minidl.save({"a": np.ones(2)}, tmp_path / "w.npz")
    assert "a" in np.load(tmp_path / "w.npz").files


class _Saved(nn.Module):
    """A user's model class, importable by pickle."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.bn = nn.BatchNorm1d(2)

    def forward(self, x):
        return self.bn(self.fc(x))


@pytest.mark.parametrize("target", ["file", "bytes"])
def test_whole_module_round_trip_with_weights_only_false(tmp_path, target):
    net = _Saved()
    net.eval()
    dest = tmp_path / "whole.pt" if target == "file" else io.BytesIO()
    minidl.save(net, dest)
    if target == "bytes":
        dest.seek(0)
    back = minidl.load(dest, weights_only=False)
    assert type(back) is _Saved and not back.training
    x = minidl.randn(4, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), net(x).detach().numpy())
    if target == "bytes":
        dest.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        minidl.load(dest)  # weights_only=True (the default) refuses the Module's class, as PyTorch's


def test_whole_module_with_a_lambda_still_saves_its_state(tmp_path):
    net = _Saved()
    net.fn = lambda t: t  # pickle cannot store it: the state dict is saved all the same
    minidl.save(net, tmp_path / "m.pt")
    assert list(minidl.load(tmp_path / "m.pt", weights_only=False)) == list(net.state_dict())
