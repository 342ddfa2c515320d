"""Checkpoints that hold Python objects besides tensors, as training scripts save them:
``torch.save({"args": argparse.Namespace(...), "epoch": e, "state_dict": sd, ...}, path)``.

``torch.save`` pickles such objects by Python's rules and ``torch.load`` reads them back with
``weights_only=False``; with ``weights_only=True`` (the default) it refuses a class that is not allowlisted
(``pickle.UnpicklingError``) and reads it once ``serialization.safe_globals`` names it. Passes under PyTorch
2.13 with only the import switched (checked with torch 2.13.0+cpu).
"""
import argparse
import collections
import datetime
import enum
import pickle

import numpy as np
import pytest

import minidl as torch
import minidl.nn as nn


class Phase(enum.Enum):
    TRAIN = 1
    EVAL = 2


class RunInfo:
    """A user's own record class, with a tensor inside."""

    def __init__(self, name, best):
        self.name, self.best = name, best


def _checkpoint():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    return {"args": argparse.Namespace(lr=0.1, arch="lenet", layers=[1, 2]), "epoch": 7,
            "state_dict": model.state_dict(), "when": datetime.date(2026, 12, 3), "tags": {"a", "b"},
            "phase": Phase.EVAL, "dtype": torch.float64, "device": torch.device("cpu"),
            "info": RunInfo("run1", torch.tensor([0.5, 0.25])), "counts": collections.Counter(a=2, b=1),
            "pair": (1 + 2j, b"raw")}


def test_objects_come_back_with_weights_only_false(tmp_path):
    path = tmp_path / "ckpt.pt"
    saved = _checkpoint()
    torch.save(saved, path)
    back = torch.load(path, weights_only=False)
    assert back["args"] == saved["args"] and back["epoch"] == 7
    assert back["when"] == datetime.date(2026, 12, 3) and back["tags"] == {"a", "b"}
    assert back["phase"] is Phase.EVAL and back["dtype"] == torch.float64
    assert back["device"] == torch.device("cpu") and back["counts"] == collections.Counter(a=2, b=1)
    assert back["pair"] == (1 + 2j, b"raw")
    assert isinstance(back["info"], RunInfo) and back["info"].name == "run1"
    assert isinstance(back["info"].best, torch.Tensor)
    np.testing.assert_array_equal(back["info"].best.numpy(), [0.5, 0.25])
    for key, value in saved["state_dict"].items():
        np.testing.assert_array_equal(back["state_dict"][key].numpy(), value.numpy())


def test_weights_only_refuses_a_class_until_it_is_allowlisted(tmp_path):
    path = tmp_path / "args.pt"
    torch.save({"args": argparse.Namespace(lr=0.1), "epoch": 3, "tags": {"x"}}, path)
    with pytest.raises(pickle.UnpicklingError, match="argparse.Namespace"):
        torch.load(path)
    with torch.serialization.safe_globals([argparse.Namespace]):
        back = torch.load(path)
    assert back["args"].lr == 0.1 and back["epoch"] == 3 and back["tags"] == {"x"}


def test_what_pickle_cannot_refer_to_is_refused(tmp_path):
    # (minidl also leaves the file that was there intact, tests/test_files_pt.py; PyTorch's save does not)
    with pytest.raises((TypeError, AttributeError, pickle.PicklingError)):
        torch.save({"w": torch.ones(2), "fn": lambda x: x}, tmp_path / "m.pt")
