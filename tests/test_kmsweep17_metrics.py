"""Every class in keras.metrics against Keras 3: tests/fixtures/make_kmsweep17_metrics.py's ``run`` feeds the
same random batches (three, unweighted, then weighted after ``reset_state``) to the same metrics and records
results, result dtypes, configs and their from_config round trip, names, reprs, state variables (name, path,
shape, dtype), the stateless API and which bad calls raise, plus the metric function forms and a table of
metrics x data kinds. tests/fixtures/kmsweep17_metrics.json is that record made once with Keras 3.15 on JAX
(``KERAS_BACKEND=jax /work/refvenv/bin/python tests/fixtures/make_kmsweep17_metrics.py``); here the same
``run`` goes on minidl.keras.
"""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from minidl import keras

FIX = Path(__file__).parent / "fixtures"
REF = json.loads((FIX / "kmsweep17_metrics.json").read_text())
_spec = importlib.util.spec_from_file_location("make_kmsweep17_metrics", FIX / "make_kmsweep17_metrics.py")
make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make)


@pytest.fixture(scope="module")
def got():
    return make.run(keras)


def _close(a, b, key):
    if isinstance(b, str) or isinstance(a, str):
        assert a == b, key
        return
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=2e-4, atol=2e-5, err_msg=key)


CASES = sorted(k for k in REF if not k.startswith("_"))  # "_errors", "_functions", "_cross": their own tests
# Keras refuses per-sample weights of shape (batch,) on rank-3 inputs of Precision/Recall with class_id (its
# confusion-matrix update broadcasts (batch, 1) against (batch, steps, 1)); minidl weighs each sample instead,
# as its Mean-based metrics (and Keras') do for such weights. Likewise F1Score with weights of shape (batch, 1).
LENIENT = {("precision_cls_seq", "result_w"), ("recall_cls_seq", "result_w"), ("w_f1_col", "result_w")}


def test_every_case_recorded(got):
    assert set(got) == set(REF)


@pytest.mark.parametrize("key", CASES)
def test_values(got, key):
    mine, ref = got[key], REF[key]
    assert "crash" not in mine, mine.get("crash")
    for field in ("result", "result_w", "stateless_result", "result_unchanged"):
        if (key, field) in LENIENT:
            assert ref[field].startswith("error:") and (mine[field] == ref[field] or np.isfinite(mine[field])), key
            continue
        _close(mine[field], ref[field], f"{key}.{field}")
    assert len(mine["stateless_reset"]) == len(ref["stateless_reset"])
    for a, b in zip(mine["stateless_reset"], ref["stateless_reset"]):
        _close(a, b, f"{key}.stateless_reset")
    _close(mine["after_reset_vars"], ref["after_reset_vars"], f"{key}.after_reset_vars")


@pytest.mark.parametrize("key", CASES)
def test_names_configs_variables(got, key):
    mine, ref = got[key], REF[key]
    for field in ("name", "repr", "dtype", "result_dtype", "vars_before", "vars", "config", "config_round_trip",
                  "from_config_name"):
        assert mine[field] == ref[field], f"{key}.{field}: {mine[field]!r} != {ref[field]!r}"


@pytest.mark.parametrize("key", sorted(REF["_functions"]))
def test_functions(got, key):
    mine, ref = got["_functions"][key], REF["_functions"][key]
    assert (mine["shape"], mine["dtype"]) == (ref["shape"], ref["dtype"]), key
    _close(mine["value"], ref["value"], key)


# the same leniency as LENIENT: (batch,) weights on rank-3 inputs of the confusion-matrix metrics
CROSS_LENIENT = {f"{name}.seq_cat" for name in ("AUC", "Precision", "Recall", "TruePositives")}


@pytest.mark.parametrize("key", sorted(REF["_cross"]))
def test_cross_metrics_and_data(got, key):
    mine, ref = got["_cross"][key], REF["_cross"][key]
    _close(mine["u"], ref["u"], key + " unweighted")
    if key in CROSS_LENIENT and isinstance(ref["w"], str) and not isinstance(mine["w"], str):
        assert ref["w"].startswith("error:") and np.isfinite(mine["w"]), key
        return
    _close(mine["w"], ref["w"], key + " weighted")


@pytest.mark.parametrize("check", sorted(REF["_errors"]))
def test_errors(got, check):
    assert got["_errors"][check] == REF["_errors"][check], check
