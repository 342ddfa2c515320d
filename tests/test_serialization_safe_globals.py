"""``minidl.serialization.safe_globals`` / ``add_safe_globals``: PyTorch's allowlist for ``weights_only`` loads.

pytorch/examples' word_language_model saves ``torch.save(model, f)`` and reloads it with
``with torch.serialization.safe_globals([RNNModel, nn.LSTM, ...]): model = torch.load(f)``.
"""
import argparse
import io
import pickle

import pytest

import minidl
import minidl.nn as nn
from minidl import serialization


class TwoLayer(nn.Module):
    """A user's Module class, defined at module level so pickle can name it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.drop = nn.Dropout(0.1)
        self.act = minidl.nn.functional.relu

    def forward(self, x):
        return self.act(self.drop(self.fc(x)))


@pytest.fixture(autouse=True)
def _clean_allowlist():
    serialization.clear_safe_globals()
    yield
    serialization.clear_safe_globals()


def test_add_get_clear_and_the_context_manager():
    assert serialization.get_safe_globals() == []
    with serialization.safe_globals([nn.Linear]):
        assert serialization.get_safe_globals() == [nn.Linear]
    assert serialization.get_safe_globals() == []
    serialization.add_safe_globals([nn.Linear, (nn.ReLU, "x.ReLU")])
    assert set(serialization.get_safe_globals()) == {nn.Linear, (nn.ReLU, "x.ReLU")}
    serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []


def test_whole_module_loads_under_weights_only_when_its_classes_are_allowlisted(tmp_path):
    model = TwoLayer()
    path = minidl.save(model, tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL test_serialization_safe_globals.TwoLayer"):
        minidl.load(path)  # not allowlisted: refused, as by PyTorch's torch.load
    with serialization.safe_globals([TwoLayer, nn.Linear, nn.Dropout, nn.functional.relu]):
        loaded = minidl.load(path)
    assert type(loaded) is TwoLayer and loaded.act is nn.functional.relu
    x = minidl.randn(2, 3)
    model.eval()
    loaded.eval()
    assert minidl.equal(loaded(x), model(x))
    # one missing class: refused again, and the checkpoint names what it lacks
    with serialization.safe_globals([TwoLayer, nn.Linear, nn.functional.relu]):
        with pytest.raises(pickle.UnpicklingError, match="GLOBAL minidl.nn.layers.dropout.Dropout"):
            minidl.load(path)
        assert serialization.get_unsafe_globals_in_checkpoint(path) == ["minidl.nn.layers.dropout.Dropout"]


def test_unsafe_globals_in_checkpoint_from_a_file_object_keeps_its_position():
    buffer = io.BytesIO()
    minidl.save(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), buffer)
    buffer.seek(0)
    unsafe = serialization.get_unsafe_globals_in_checkpoint(buffer)
    assert sorted(unsafe) == ["minidl.nn.containers.Sequential", "minidl.nn.layers.activation.ReLU",
                              "minidl.nn.layers.linear.Linear"]
    assert buffer.tell() == 0
    with serialization.safe_globals([nn.Sequential, nn.Linear, nn.ReLU]):
        assert serialization.get_unsafe_globals_in_checkpoint(buffer) == []
        assert isinstance(minidl.load(buffer), nn.Sequential)
    state = minidl.save({"w": minidl.ones(2)}, io.BytesIO())
    state.seek(0)
    assert serialization.get_unsafe_globals_in_checkpoint(state) == []


def test_weights_only_refuses_what_is_not_allowlisted_without_running_it(tmp_path):
    """An allowlisted name resolves to the object the user listed; anything else is never imported."""
    model = TwoLayer()
    path = minidl.save(model, tmp_path / "model.pt")
    # the tuple form names the path the pickle uses
    with serialization.safe_globals([(TwoLayer, f"{__name__}.TwoLayer"), nn.Linear, nn.Dropout,
                                     nn.functional.relu]):
        assert type(minidl.load(path)) is TwoLayer
    with pytest.raises(ValueError, match="tuple of length 2"):
        with serialization.safe_globals([(TwoLayer,)]):
            minidl.load(path)
    with pytest.raises(TypeError, match="str of callable full path"):
        with serialization.safe_globals([(TwoLayer, 3)]):
            minidl.load(path)


def test_allowlisted_class_in_a_plain_pickle(tmp_path):
    """A checkpoint dict holding an ``argparse.Namespace`` (as training scripts save their args)."""
    import pickle
    import zipfile
    path = minidl.save({"epoch": 3}, tmp_path / "ckpt.pt")
    with zipfile.ZipFile(path) as zf:
        records = {name: zf.read(name) for name in zf.namelist()}
    data_pkl = [name for name in records if name.endswith("/data.pkl")][0]
    records[data_pkl] = pickle.dumps({"epoch": 3, "args": argparse.Namespace(lr=0.1)}, protocol=2)
    with zipfile.ZipFile(tmp_path / "args.pt", "w") as zf:
        for name, data in records.items():
            zf.writestr(name, data)
    with pytest.raises(minidl.io.FileFormatError, match="refusing to load argparse.Namespace"):
        minidl.load(tmp_path / "args.pt")
    with serialization.safe_globals([argparse.Namespace]):
        loaded = minidl.load(tmp_path / "args.pt")
    assert loaded["epoch"] == 3 and loaded["args"].lr == 0.1


def test_non_dynamically_quantizable_linear_import_path():
    """``torch.nn.modules.linear.NonDynamicallyQuantizableLinear`` is MultiheadAttention.out_proj's class,
    outside ``__all__``."""
    from minidl.nn.modules import linear
    mha = nn.MultiheadAttention(4, 2)
    assert type(mha.out_proj) is linear.NonDynamicallyQuantizableLinear
    assert "NonDynamicallyQuantizableLinear" not in linear.__all__
