"""Keras optimizer variable names/paths and configs against Keras 3.15 (differential: expected values read
from Keras 3.15.1, JAX backend; the file passes with ``import keras`` in place of minidl.keras)."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
import minidl.keras as keras  # noqa: E402

opts = keras.optimizers


def _build(opt):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d1"), keras.layers.Dense(1, name="d2")],
                             name="seq")
    model.compile(optimizer=opt, loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 1), "float32"), epochs=1, verbose=0)
    return model


def _names(opt):
    return [(v.name, v.path, list(v.shape)) for v in opt.variables]


def test_iterations_and_learning_rate_variables():
    opt = opts.Adam(name="myopt")
    assert len(opt.variables) == 2
    _build(opt)
    assert (opt.iterations.name, opt.iterations.path) == ("iteration", "myopt/iteration")
    assert (opt.learning_rate.name, opt.learning_rate.path) == ("learning_rate", "myopt/learning_rate")
    assert int(np.asarray(opt.iterations)) == 1 and str(opt.iterations.dtype) == "int32"
    assert _names(opt)[:4] == [("iteration", "myopt/iteration", []), ("learning_rate", "myopt/learning_rate", []),
                               ("seq_d1_kernel_momentum", "myopt/seq_d1_kernel_momentum", [3, 2]),
                               ("seq_d1_kernel_velocity", "myopt/seq_d1_kernel_velocity", [3, 2])]


def test_nadam_momentum_product_is_made_at_build_outside_the_scope():
    opt = opts.Nadam()
    assert len(opt.variables) == 2
    _build(opt)
    assert _names(opt)[-1] == ("variable", "variable", [])
    assert len(opt.variables) == 11


def test_adafactor_placeholders_of_1d_weights():
    opt = opts.Adafactor(name="af")
    _build(opt)
    names = _names(opt)
    assert names[2:6] == [("kernel", "af/kernel", [3]), ("kernel", "af/kernel", [2]),
                          ("seq_d1_kernel_velocity", "af/seq_d1_kernel_velocity", [3, 2]),
                          ("bias", "bias", [])]


def test_callable_learning_rate_is_what_the_callable_returns():
    opt = opts.Adam(0.01)
    _build(opt)
    opt.learning_rate = lambda: 0.25
    assert type(opt.learning_rate) is float and opt.learning_rate == 0.25


@pytest.mark.parametrize("schedule", [lambda: opts.schedules.ExponentialDecay(0.1, 10, 0.9),
                                      lambda: opts.schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
                                      lambda: opts.schedules.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=10)])
def test_schedule_config_round_trip(schedule):
    sched = schedule()
    opt = opts.Adam(learning_rate=sched)
    assert opt._learning_rate is sched
    config = opt.get_config()
    lr = config["learning_rate"]
    assert lr == {"module": "keras.optimizers.schedules", "class_name": type(sched).__name__,
                  "config": sched.get_config(), "registered_name": None}
    opt2 = opts.Adam.from_config(config)
    assert type(opt2._learning_rate) is type(sched)
    assert type(config["learning_rate"]) is type(sched)  # (Keras deserialises in place)
    assert opt2.get_config()["learning_rate"] == lr
    np.testing.assert_allclose(float(np.asarray(opt2.learning_rate)), float(np.asarray(opt.learning_rate)))


def test_loss_scale_optimizer_variables_before_build():
    opt = opts.LossScaleOptimizer(opts.SGD(name="inner"), name="ls")
    assert [v.path for v in opt.variables] == ["ls/iteration", "ls/learning_rate", "inner/iteration",
                                                "inner/learning_rate"]
