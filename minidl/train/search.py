"""Hyper-parameter search: ``grid_search`` and ``random_search``, optionally k-fold.

Each trial builds a fresh ``(model, optimizer)`` with ``build_fn(**params)``
(after ``minidl.manual_seed(seed)``, so every trial starts from the same
random state), trains it with :func:`~minidl.train.fit` (``seed=seed``) and
records the validation metrics of its last epoch. Results come back as a
list of dicts, best first by ``monitor``::

    {"params": {"lr": 0.01, "hidden": 16}, "val_loss": 0.42, "val_accuracy": 0.88,
     "loss": 0.35, "accuracy": 0.9, "epochs": 5, "seconds": 1.9, "rank": 1}

With ``k_folds`` the (x, y) training arrays are split into k folds; each fold
validates a model trained on the others; metrics are fold means, and
``<metric>_std`` their standard deviations.

>>> import numpy as np, minidl.nn as nn, minidl.optim as optim
>>> x = np.random.default_rng(0).normal(size=(48, 3)).astype(np.float32)
>>> y = (x[:, 0] > 0).astype(np.int64)
>>> def build(lr):
...     model = nn.Linear(3, 2)
...     return model, optim.SGD(model.parameters(), lr=lr)
>>> rows = grid_search(build, {"lr": [0.001, 0.5]}, (x, y), (x, y), epochs=3,
...                    loss="cross_entropy", monitor="val_loss")
>>> [r["params"]["lr"] for r in rows]
[0.5, 0.001]
"""
from __future__ import annotations

import csv
import itertools
import math
import os
import time

import numpy as np

from minidl import backend
from minidl.train.callbacks import resolve_mode
from minidl.train.loop import fit

__all__ = ["grid_search", "random_search", "load_search_space", "sample_params",
           "kfold_indices", "save_results_csv"]


def load_search_space(source) -> dict:
    """A parameter grid / distributions dict from a dict or a ``.toml`` / ``.yaml`` / ``.yml``
    / ``.json`` file. A file may hold the space at the top level or under a
    ``[params]`` / ``params:`` table."""
    if isinstance(source, dict):
        return dict(source)
    path = os.fspath(source)
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".toml":
            import tomllib
            with open(path, "rb") as fh:
                space = tomllib.load(fh)
        elif ext in (".yaml", ".yml"):
            import yaml
            with open(path) as fh:
                space = yaml.safe_load(fh)
        elif ext == ".json":
            import json
            with open(path) as fh:
                space = json.load(fh)
        else:
            raise ValueError(f"{path}: unknown search-space file type {ext!r}; use .toml, .yaml or .json")
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValueError) and "unknown search-space" in str(exc):
            raise
        raise ValueError(f"{path}: cannot read the search space ({exc})") from exc
    except Exception as exc:  # yaml.YAMLError and friends
        raise ValueError(f"{path}: cannot parse the search space ({exc})") from exc
    if not isinstance(space, dict):
        raise ValueError(f"{path}: expected a mapping of parameter -> values, got {type(space).__name__}")
    if set(space) == {"params"} and isinstance(space["params"], dict):
        space = space["params"]
    return space


def _grid(space: dict):
    names = list(space)
    values = [v if isinstance(v, (list, tuple)) else [v] for v in space.values()]
    for combo in itertools.product(*values):
        yield dict(zip(names, combo))


_DISTRIBUTIONS = ("loguniform", "uniform", "randint", "int", "choice")


def _sample_one(spec, rng, name):
    """One value from a distribution spec (see :func:`sample_params`)."""
    if isinstance(spec, dict):
        if "low" not in spec or "high" not in spec:
            raise ValueError(f"range for {name!r} needs 'low' and 'high', got {spec}")
        lo, hi = float(spec["low"]), float(spec["high"])
        if spec.get("log"):
            if lo <= 0:
                raise ValueError(f"log range for {name!r} needs low > 0, got {lo}")
            v = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        else:
            v = float(rng.uniform(lo, hi))
        if spec.get("int") or spec.get("type") == "int":
            v = int(round(v))
        return v
    if isinstance(spec, (tuple, list)) and spec and spec[0] in _DISTRIBUTIONS and (
            isinstance(spec, tuple) or all(isinstance(a, (int, float)) for a in spec[1:])):
        kind, *args = spec
        if kind == "loguniform":
            return _sample_one({"low": args[0], "high": args[1], "log": True}, rng, name)
        if kind == "uniform":
            return _sample_one({"low": args[0], "high": args[1]}, rng, name)
        if kind in ("randint", "int"):
            return int(rng.integers(int(args[0]), int(args[1]) + 1))
        if kind == "choice":
            return args[int(rng.integers(len(args)))]
        raise ValueError(f"unknown distribution {kind!r} for {name!r}")
    if isinstance(spec, (list, tuple)):
        if not spec:
            raise ValueError(f"empty choice list for {name!r}")
        return spec[int(rng.integers(len(spec)))]
    return spec


def sample_params(space: dict, rng) -> dict:
    """Draw one parameter set. Each value of ``space`` is: a list (uniform choice),
    ``{"low": a, "high": b, "log": bool, "int": bool}`` (uniform / log-uniform
    range, rounded for int), ``("loguniform", a, b)`` / ``("uniform", a, b)`` /
    ``("randint", a, b)`` (inclusive) / ``("choice", v1, v2, ...)`` (also as lists,
    for TOML/YAML files, when the rest are numbers), or a fixed value."""
    return {name: _sample_one(spec, rng, name) for name, spec in space.items()}


def kfold_indices(n: int, k: int, seed: int = 0):
    """``k`` pairs ``(train_idx, val_idx)`` over a permutation of ``range(n)`` drawn from ``seed``."""
    if not 2 <= int(k) <= n:
        raise ValueError(f"k_folds must be in [2, {n}], got {k}")
    order = np.random.default_rng(seed).permutation(n)
    folds = np.array_split(order, int(k))
    return [(np.concatenate(folds[:i] + folds[i + 1:]), folds[i]) for i in range(int(k))]


def _run_trial(build_fn, params, train_data, val_data, epochs, loss, metrics, seed, fit_kwargs):
    backend.manual_seed(seed)
    model, optimizer = build_fn(**params)
    hist = fit(model, train_data, epochs=epochs, optimizer=optimizer, loss=loss,
               val_data=val_data, metrics=metrics, verbose=0, seed=seed, **fit_kwargs)
    skip = ("time", "images_per_sec", "lr")
    out = {k: v[-1] for k, v in hist.history.items() if k not in skip}
    out["epochs"] = len(hist.epoch)
    return out


def _evaluate_params(build_fn, params, train_data, val_data, epochs, loss, metrics, seed,
                     k_folds, fit_kwargs):
    start = time.perf_counter()
    if not k_folds:
        if val_data is None:
            raise ValueError("val_data is required unless k_folds is given")
        res = _run_trial(build_fn, params, train_data, val_data, epochs, loss, metrics, seed,
                         fit_kwargs)
    else:
        if not (isinstance(train_data, tuple) and len(train_data) == 2):
            raise TypeError("k-fold search needs train_data as an (x, y) tuple of arrays")
        x, y = (np.asarray(a) for a in train_data)
        runs = []
        for tr, va in kfold_indices(len(x), k_folds, seed):
            runs.append(_run_trial(build_fn, params, (x[tr], y[tr]), (x[va], y[va]), epochs,
                                   loss, metrics, seed, fit_kwargs))
        res = {}
        for key in runs[0]:
            vals = np.array([r[key] for r in runs], dtype=np.float64)
            res[key] = float(vals.mean())
            if key != "epochs":
                res[f"{key}_std"] = float(vals.std())
        res["folds"] = int(k_folds)
    res["seconds"] = time.perf_counter() - start
    return {"params": dict(params), **res}


def _rank(rows, monitor, mode):
    better_max = resolve_mode(mode, monitor) == "max"
    for r in rows:
        if monitor not in r:
            raise KeyError(f"monitor {monitor!r} not among the results "
                           f"{sorted(k for k in r if k != 'params')}")

    def key(r):
        v = r[monitor]
        bad = v is None or not math.isfinite(v)
        return (bad, -v if (better_max and not bad) else (v if not bad else 0.0))
    rows = sorted(rows, key=key)
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


def save_results_csv(rows, path):
    """Write search results as CSV (atomically): ``rank``, one column per parameter
    (prefixed ``param_`` if it clashes with a metric), the metrics, ``seconds``."""
    from minidl.io import atomic_path
    param_names, metric_names = [], []
    for r in rows:
        for k in r["params"]:
            if k not in param_names:
                param_names.append(k)
        for k in r:
            if k not in ("params", "rank") and k not in metric_names:
                metric_names.append(k)
    if "seconds" in metric_names:
        metric_names.remove("seconds")
        metric_names.append("seconds")
    cols = [(f"param_{p}" if p in metric_names or p == "rank" else p) for p in param_names]
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["rank"] + cols + metric_names)
            for r in rows:
                w.writerow([r.get("rank")] + [r["params"].get(p, "") for p in param_names]
                           + [r.get(m, "") for m in metric_names])
    return os.fspath(path)


def _search(build_fn, candidates, train_data, val_data, epochs, loss, metrics, monitor, mode,
            csv_path, k_folds, seed, verbose, fit_kwargs):
    rows = []
    for i, params in enumerate(candidates):
        row = _evaluate_params(build_fn, params, train_data, val_data, epochs, loss, metrics,
                               seed, k_folds, fit_kwargs or {})
        rows.append(row)
        if verbose:
            print(f"[{i + 1}/{len(candidates)}] {params}: {monitor}={row.get(monitor)} "
                  f"({row['seconds']:.1f}s)", flush=True)
    rows = _rank(rows, monitor, mode)
    if csv_path is not None:
        save_results_csv(rows, csv_path)
    return rows


def grid_search(build_fn, param_grid, train_data, val_data=None, *, epochs, loss,
                metrics=("accuracy",), monitor="val_accuracy", mode="auto", csv_path=None,
                k_folds=None, seed=0, verbose=0, fit_kwargs=None):
    """Train one model per combination of ``param_grid`` and rank them by ``monitor``.

    Args:
        build_fn: ``build_fn(**params) -> (model, optimizer)``.
        param_grid: dict name -> list of values (a scalar is a fixed value), or
            a path to a TOML / YAML / JSON file holding that mapping.
        train_data, val_data: as for :func:`~minidl.train.fit`; with
            ``k_folds``, ``train_data`` must be an ``(x, y)`` tuple and
            ``val_data`` is ignored.
        epochs, loss, metrics: passed to ``fit`` (``verbose=0``, ``seed=seed``).
        monitor: the result key to rank by (``val_accuracy``, ``val_loss`` ...);
            ``mode`` "auto" maximises accuracy-like names, else minimises.
        csv_path: also write the table there (see :func:`save_results_csv`).
        k_folds: None, or k >= 2 for k-fold cross-validation.
        seed: seeds each trial's initialisation and training (same for all).
        fit_kwargs: extra keyword arguments for ``fit`` (``batch_size``, ``callbacks``
            must then be fresh per trial, so avoid stateful ones).

    Returns the list of result dicts, best first (see the module docstring).
    """
    space = load_search_space(param_grid)
    candidates = list(_grid(space))
    return _search(build_fn, candidates, train_data, val_data, epochs, loss, metrics, monitor,
                   mode, csv_path, k_folds, seed, verbose, fit_kwargs)


def random_search(build_fn, param_distributions, train_data, val_data=None, *, n_iter, epochs,
                  loss, metrics=("accuracy",), monitor="val_accuracy", mode="auto",
                  csv_path=None, k_folds=None, seed=0, verbose=0, fit_kwargs=None):
    """Like :func:`grid_search`, over ``n_iter`` parameter sets drawn from
    ``param_distributions`` (a dict or TOML/YAML/JSON file; see
    :func:`sample_params` for the forms) with a generator seeded by ``seed``."""
    space = load_search_space(param_distributions)
    rng = np.random.default_rng(seed)
    candidates = [sample_params(space, rng) for _ in range(int(n_iter))]
    return _search(build_fn, candidates, train_data, val_data, epochs, loss, metrics, monitor,
                   mode, csv_path, k_folds, seed, verbose, fit_kwargs)
