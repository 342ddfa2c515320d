"""grid_search / random_search: ordering, CSV, files, k-fold, sampling."""
import csv

import numpy as np
import pytest

import minidl.nn as nn
import minidl.optim as optim
from minidl.train.search import grid_search, kfold_indices, load_search_space, random_search, sample_params


def toy_data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return x, (x[:, 0] - x[:, 1] > 0).astype(np.int64)


def build(lr, hidden=4):
    model = nn.Sequential(nn.Linear(3, hidden), nn.ReLU(), nn.Linear(hidden, 2))
    return model, optim.SGD(model.parameters(), lr=lr)


def test_grid_search_orders_best_first_and_writes_csv(tmp_path):
    x, y = toy_data()
    path = tmp_path / "res.csv"
    rows = grid_search(build, {"lr": [1e-4, 0.5], "hidden": [4, 6]}, (x, y), (x, y), epochs=3,
                       loss="cross_entropy", monitor="val_loss", csv_path=path)
    assert len(rows) == 4
    losses = [r["val_loss"] for r in rows]
    assert losses == sorted(losses) and [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["params"]["lr"] == 0.5 and rows[-1]["params"]["lr"] == 1e-4
    assert all(r["seconds"] > 0 and r["epochs"] == 3 for r in rows)
    assert {"val_accuracy", "loss", "accuracy"} <= set(rows[0])
    with open(path, newline="") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0])[:3] == ["rank", "lr", "hidden"] and list(table[0])[-1] == "seconds"
    assert [float(r["val_loss"]) for r in table] == losses
    assert [float(r["lr"]) for r in table] == [r["params"]["lr"] for r in rows]
    # accuracy is maximised by default
    rows = grid_search(build, {"lr": [1e-4, 0.5]}, (x, y), (x, y), epochs=3, loss="cross_entropy")
    accs = [r["val_accuracy"] for r in rows]
    assert accs == sorted(accs, reverse=True)


def test_search_is_reproducible():
    x, y = toy_data()
    a = grid_search(build, {"lr": [0.1]}, (x, y), (x, y), epochs=2, loss="cross_entropy")
    b = grid_search(build, {"lr": [0.1]}, (x, y), (x, y), epochs=2, loss="cross_entropy")
    assert a[0]["val_loss"] == b[0]["val_loss"]


def test_space_files_toml_and_yaml(tmp_path):
    toml = tmp_path / "grid.toml"
    toml.write_text('lr = [0.01, 0.1]\nhidden = 5\n[opt]\nlow = 1e-4\nhigh = 1e-1\nlog = true\n')
    space = load_search_space(toml)
    assert space == {"lr": [0.01, 0.1], "hidden": 5, "opt": {"low": 1e-4, "high": 1e-1, "log": True}}
    yaml = pytest.importorskip("yaml")
    yml = tmp_path / "grid.yaml"
    yml.write_text(yaml.safe_dump({"params": {"lr": [0.5, 0.05], "hidden": [3]}}))
    assert load_search_space(yml) == {"lr": [0.5, 0.05], "hidden": [3]}
    x, y = toy_data()
    rows = grid_search(build, yml, (x, y), (x, y), epochs=2, loss="cross_entropy", monitor="val_loss")
    assert sorted(r["params"]["lr"] for r in rows) == [0.05, 0.5]
    bad = tmp_path / "bad.toml"
    bad.write_text("lr = [0.1,\n")
    with pytest.raises(ValueError, match="bad.toml"):
        load_search_space(bad)


def test_sample_params_forms():
    rng = np.random.default_rng(0)
    space = {"lr": {"low": 1e-4, "high": 1e-1, "log": True}, "units": {"low": 2, "high": 8, "int": True},
             "act": ["relu", "tanh"], "wd": ("loguniform", 1e-6, 1e-3), "k": ["randint", 1, 3],
             "fixed": 7, "m": ("uniform", 0.5, 0.9)}
    draws = [sample_params(space, rng) for _ in range(200)]
    lrs = np.array([d["lr"] for d in draws])
    assert lrs.min() >= 1e-4 and lrs.max() <= 1e-1
    assert 0.3 < np.mean(np.log10(lrs) < -2.5) < 0.7  # log-uniform: half below the log midpoint
    assert {d["units"] for d in draws} <= set(range(2, 9)) and all(isinstance(d["units"], int) for d in draws)
    assert {d["act"] for d in draws} == {"relu", "tanh"}
    assert {d["k"] for d in draws} == {1, 2, 3}
    assert all(d["fixed"] == 7 and 0.5 <= d["m"] <= 0.9 and 1e-6 <= d["wd"] <= 1e-3 for d in draws)


def test_random_search_n_iter_seeded(tmp_path):
    x, y = toy_data()
    space = {"lr": {"low": 1e-3, "high": 0.5, "log": True}, "hidden": [3, 5]}
    a = random_search(build, space, (x, y), (x, y), n_iter=3, epochs=2, loss="cross_entropy",
                      monitor="val_loss", seed=4, csv_path=tmp_path / "r.csv")
    b = random_search(build, space, (x, y), (x, y), n_iter=3, epochs=2, loss="cross_entropy",
                      monitor="val_loss", seed=4)
    assert len(a) == 3 and [r["params"] for r in a] == [r["params"] for r in b]
    assert [r["val_loss"] for r in a] == sorted(r["val_loss"] for r in a)
    assert len((tmp_path / "r.csv").read_text().splitlines()) == 4


def test_kfold():
    folds = kfold_indices(10, 3, seed=0)
    vals = np.concatenate([v for _, v in folds])
    assert sorted(vals) == list(range(10)) and [len(v) for _, v in folds] == [4, 3, 3]
    for tr, va in folds:
        assert not set(tr) & set(va) and len(tr) + len(va) == 10
    x, y = toy_data()
    rows = grid_search(build, {"lr": [0.5, 1e-4]}, (x, y), None, epochs=2, loss="cross_entropy",
                       monitor="val_loss", k_folds=3)
    assert rows[0]["folds"] == 3 and "val_loss_std" in rows[0]
    assert rows[0]["params"]["lr"] == 0.5
    with pytest.raises(ValueError, match="val_data"):
        grid_search(build, {"lr": [0.1]}, (x, y), None, epochs=1, loss="cross_entropy")
