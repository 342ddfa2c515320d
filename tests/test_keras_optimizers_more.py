"""Keras 3's remaining optimisers, use_ema, LossScaleOptimizer and learning-rate schedules
(minidl/keras/optimizers/more.py, _ema.py, _schedules_more.py) against Keras: the same steps
(tests/fixtures/make_keras_optimizers_more.py's ``run``: a fixed gradient field on three variables,
and ``fit`` of a small Conv2D/Dense model) give tests/fixtures/keras_optimizers_more.json, recorded
once with Keras 3.15 on JAX."""
import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from minidl import keras

FIX = Path(__file__).parent / "fixtures"
REF = json.loads((FIX / "keras_optimizers_more.json").read_text())
_spec = importlib.util.spec_from_file_location("make_optimizers_ref", FIX / "make_keras_optimizers_more.py")
make_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_ref)
GOT = {}


def _got():
    if not GOT:
        GOT.update(make_ref.run(keras))
    return GOT


def _same_config(got, want, key):
    # Keras names a second default-named optimiser "lion_1" and keeps learning rates in float32
    assert set(got) == set(want), key
    for k, v in want.items():
        if k == "name":
            assert v.startswith(got[k]), key
        elif isinstance(v, dict):
            _same_config(got[k], v, f"{key}.{k}")
        elif isinstance(v, float):
            assert got[k] == pytest.approx(v, rel=1e-6), (key, k)
        else:
            assert got[k] == v, (key, k)


@pytest.mark.parametrize("key", sorted(k for k in REF if not k.startswith(("config_", "sched_config_"))))
def test_values_match_keras(key):
    got, want = _got()[key], REF[key]
    pairs = zip(got, want) if key.startswith(("fit_", "traj_")) else [(got, want)]  # lists of weights
    for g, w in pairs:
        np.testing.assert_allclose(np.asarray(g, float), np.asarray(w, float), rtol=1e-4, atol=3e-5, err_msg=key)


def test_configs_match_keras():
    got = _got()
    for key in (k for k in REF if k.startswith(("config_", "sched_config_"))):
        _same_config(got[key], REF[key], key)


@pytest.mark.parametrize("name,cls", [("ftrl", "Ftrl"), ("lion", "Lion"), ("lamb", "Lamb"),
                                      ("adafactor", "Adafactor"), ("muon", "Muon")])
def test_names_config_round_trip_and_fit(name, cls):
    opt = keras.optimizers.get(name)
    assert type(opt).__name__ == cls
    again = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == opt.get_config()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    lr = {"ftrl": 0.5, "lion": 0.01, "lamb": 0.05, "adafactor": 0.05, "muon": 0.05}[name]
    model.compile(optimizer=type(opt)(learning_rate=lr), loss="mse")
    hist = model.fit(x, y, epochs=12, batch_size=16, verbose=0).history["loss"]
    assert hist[-1] < 0.5 * hist[0], (name, hist)


def test_loss_scale_optimizer_skips_non_finite_steps_and_grows():
    var = keras.Variable(np.array([1.0, 2.0], "float32"))
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.5), initial_scale=4.0, dynamic_growth_steps=2)
    assert float(opt.scale_loss(3.0)) == 12.0
    opt.apply_gradients([(np.array([4.0, 8.0], "float32"), var)])  # gradients of the scaled loss
    np.testing.assert_allclose(var.numpy(), [0.5, 1.0])
    assert opt.iterations == 1 and opt.dynamic_scale == 4.0
    opt.apply_gradients([(np.array([0.0, np.inf], "float32"), var)])
    np.testing.assert_allclose(var.numpy(), [0.5, 1.0])  # skipped
    assert opt.iterations == 1 and opt.dynamic_scale == 2.0
    opt.apply_gradients([(np.array([2.0, 2.0], "float32"), var)])
    opt.apply_gradients([(np.array([2.0, 2.0], "float32"), var)])
    assert opt.dynamic_scale == 4.0 and opt.step_counter == 0  # two finite steps: the scale doubles
    np.testing.assert_allclose(var.numpy(), [-0.5, 0.0])
    cfg = keras.optimizers.serialize(opt)
    back = keras.optimizers.deserialize(cfg)
    assert isinstance(back.inner_optimizer, keras.optimizers.SGD) and back.initial_scale == 4.0


def test_ema_end_of_fit_and_errors():
    with pytest.raises(ValueError, match="ema_momentum"):
        keras.optimizers.Adam(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="ema_overwrite_frequency"):
        keras.optimizers.Adam(use_ema=True, ema_overwrite_frequency=-1)
    var = keras.Variable(np.zeros(2, "float32"))
    opt = keras.optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5)
    for g in ([1.0, 1.0], [1.0, 1.0], [2.0, 0.0]):
        opt.apply_gradients([(np.array(g, "float32"), var)])
    # weights -1, -2, -4 / -1, -2, -2; averages -1, -1.5, -2.75 / -1, -1.5, -1.75
    np.testing.assert_allclose(var.numpy(), [-4.0, -2.0])
    opt.finalize_variable_values()
    np.testing.assert_allclose(var.numpy(), [-2.75, -1.75])


def test_schedules_serialize_and_errors():
    S = keras.optimizers.schedules
    sched = S.CosineDecayRestarts(0.1, 5, t_mul=1.5)
    again = S.deserialize(S.serialize(sched))
    assert isinstance(again, S.CosineDecayRestarts)
    assert [again(s) for s in range(12)] == [sched(s) for s in range(12)]
    old = S.deserialize(S.serialize(S.ExponentialDecay(0.1, 10, 0.5)))
    assert old(10) == pytest.approx(0.05)
    opt = keras.optimizers.Adam(S.PolynomialDecay(0.1, 4, end_learning_rate=0.0))
    assert keras.optimizers.Adam.from_config(opt.get_config()).learning_rate == pytest.approx(0.1)
    with pytest.raises(ValueError, match="decay_steps"):
        S.PolynomialDecay(0.1, 0)
    with pytest.raises(ValueError, match="first_decay_steps"):
        S.CosineDecayRestarts(0.1, 0)
    assert math.isclose(S.PolynomialDecay(1.0, 10, 0.0)(20), 0.0, abs_tol=1e-12)


def test_argument_errors_are_keras():
    opts = keras.optimizers
    with pytest.raises(ValueError, match="learning_rate_power"):
        opts.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        opts.Ftrl(initial_accumulator_value=-1.0)
    with pytest.raises(ValueError, match="beta_1"):
        opts.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        opts.LossScaleOptimizer(opts.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        opts.Adam(gradient_accumulation_steps=1)


def test_gradient_accumulation_counts_updates_and_loss_scale_factor_scales_the_loss():
    var = keras.Variable(np.array([1.0, 2.0], "float32"))
    opt = keras.optimizers.SGD(1.0, gradient_accumulation_steps=2)
    seen = []
    for i in range(5):
        opt.apply_gradients([(np.array([1.0, float(i)], "float32"), var)])
        seen.append((opt.iterations, var.numpy().tolist()))
    # Keras 3.15: an update with the mean gradient every 2nd call; iterations counts the updates
    assert seen == [(0, [1.0, 2.0]), (1, [0.0, 1.5]), (1, [0.0, 1.5]), (2, [-1.0, -1.0]), (2, [-1.0, -1.0])]
    opt = keras.optimizers.SGD(1.0, loss_scale_factor=8.0)
    assert float(opt.scale_loss(2.0)) == 16.0 and opt.get_config()["loss_scale_factor"] == 8.0


def test_optimizer_variables_count_the_ema_averages_as_keras():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    params = list(model.parameters())
    want = {"Adam": [(), (), (3, 2), (2,), (3, 2), (3, 2), (2,), (2,)], "SGD": [(), (), (3, 2), (2,)],
            "Adafactor": [(), (), (3, 2), (2,), (3,), (2,), (3, 2), (), (), (2,)]}  # Keras 3.15's shapes
    for name, shapes in want.items():
        opt = getattr(keras.optimizers, name)(use_ema=True)
        opt.build(params)
        assert [tuple(v.shape) for v in opt.variables] == shapes, name


@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.Adafactor(), lambda: keras.optimizers.Muon(), lambda: keras.optimizers.Ftrl(),
    lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(use_ema=True)),
    lambda: keras.optimizers.Adam(use_ema=True, gradient_accumulation_steps=2),
    lambda: keras.optimizers.SGD(0.1, momentum=0.9, loss_scale_factor=8.0)])
def test_saved_model_continues_training_exactly(make, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 5, 5, 2)).astype("float32")
    y = rng.normal(size=(12, 1)).astype("float32")
    model = keras.Sequential([keras.Input((5, 5, 2)), keras.layers.Conv2D(3, 3), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile(optimizer=make(), loss="mse")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert type(again.optimizer) is type(model.optimizer)
    assert again.optimizer.get_config() == model.optimizer.get_config()
    for m in (model, again):
        m.fit(x, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
