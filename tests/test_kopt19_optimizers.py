"""keras.optimizers and keras.optimizers.schedules against Keras 3.15 (JAX backend).

Differential: the same file passes with ``import keras`` (KERAS_BACKEND=jax) in place of
``import minidl.keras as keras``. The literal values were printed by real Keras 3.15.1 on JAX
(tests/fixtures/make_kopt19_optimizers.py: three ``apply_gradients`` steps of each optimiser on two
float32 variables with gradients from ``np.random.default_rng(step)``; schedule values at the listed
steps).
"""
import warnings

import numpy as np
import pytest

import minidl.keras as keras

OPT = keras.optimizers
S = keras.optimizers.schedules

AFTER_3_STEPS = {
    "Adam": [[0.714140952, -1.96997499, 2.77530789], [[0.55022049, -0.49677971], [-0.0417565405, 1.85545635]]],
    "AdamW": [[0.687358201, -1.91193461, 2.68913174], [[0.536671937, -0.483619779], [-0.04619186, 1.79838037]]],
    "Nadam": [[0.736848176, -1.94272184, 2.88425612], [[0.592933893, -0.571999013], [-0.040897727, 1.946244]]],
    "Adamax": [[0.765799522, -1.94994736, 2.80212975], [[0.502161145, -0.469315976], [-0.000306025147, 1.86725879]]],
    "Lamb": [[0.259511679, -1.95380521, 2.46320415], [[0.612101316, -0.532345772], [-0.1378313, 1.82655847]]],
    "RMSprop": [[-0.244523197, -1.7284621, 2.3384192], [[0.7200495, -0.628321409], [-1.07351661, 1.68576121]]],
    "Ftrl": [[-0.0725772381, -0.154750168, 1.58518314], [[0.179929882, -0.325872391], [-0.143715829, 1.48984134]]],
}
SF_AFTER_3_STEPS = [[0.90306896, -1.99469161, 2.95653534], [[0.559776604, -0.552009225], [0.147591174, 1.99392569]]]
SPECS = {"Adam": dict(learning_rate=0.1), "AdamW": dict(learning_rate=0.1, weight_decay=0.1, amsgrad=True),
         "Nadam": dict(learning_rate=0.1), "Adamax": dict(learning_rate=0.1), "Lamb": dict(learning_rate=0.1),
         "RMSprop": dict(learning_rate=0.1, momentum=0.5, centered=True),
         "Ftrl": dict(learning_rate=0.1, l1_regularization_strength=0.01)}


def _variables():
    return (keras.Variable(np.array([1.0, -2.0, 3.0], np.float32), name="w"),
            keras.Variable(np.array([[0.5, -0.5], [0.25, 2.0]], np.float32), name="b"))


def _run(opt, steps=3):
    v, b = _variables()
    for s in range(steps):
        rng = np.random.default_rng(s)
        opt.apply_gradients([(rng.standard_normal(3).astype(np.float32), v),
                             (rng.standard_normal((2, 2)).astype(np.float32), b)])
    return v, b


@pytest.mark.parametrize("name", sorted(SPECS))
def test_three_steps_match_keras_in_float32(name):
    v, b = _run(getattr(OPT, name)(**SPECS[name]))
    want_v, want_b = AFTER_3_STEPS[name]
    np.testing.assert_allclose(np.asarray(v.numpy()), want_v, rtol=2e-7, atol=2e-7)
    np.testing.assert_allclose(np.asarray(b.numpy()), want_b, rtol=2e-7, atol=2e-7)


def test_iterations_and_learning_rate_read_as_keras_variables():
    opt = OPT.Adam(0.01)
    _run(opt)
    assert int(np.asarray(opt.iterations)) == 3 and int(opt.iterations.numpy()) == 3
    assert float(opt.learning_rate) == 0.009999999776482582  # a float32 variable
    assert bool(opt.learning_rate == 0.01)
    assert opt.learning_rate.numpy().dtype == np.float32
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5 and opt.get_config()["learning_rate"] == 0.5
    assert OPT.SGD().get_config()["learning_rate"] == 0.009999999776482582


def test_variables_names_shapes_and_order():
    opt = OPT.Adam(0.1, amsgrad=True)
    _run(opt, 1)
    got = [(v.name, tuple(v.shape)) for v in opt.variables]
    assert got == [("iteration", ()), ("learning_rate", ()), ("w_momentum", (3,)), ("w_velocity", (3,)),
                   ("b_momentum", (2, 2)), ("b_velocity", (2, 2)), ("w_velocity_hat", (3,)),
                   ("b_velocity_hat", (2, 2))]
    assert opt.variables[2].path == f"{opt.name}/w_momentum"
    opt = OPT.RMSprop(0.1, momentum=0.5, centered=True)  # Keras' RMSprop makes its slots one kind at a time
    _run(opt, 1)
    assert [v.name for v in opt.variables][2:] == ["w_velocity", "b_velocity", "w_momentum", "b_momentum",
                                                    "w_average_gradient", "b_average_gradient"]
    opt = OPT.SGD(0.1, use_ema=True, gradient_accumulation_steps=2)
    _run(opt, 1)
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate", "w_average", "b_average",
                                               "w_gradient_accumulator", "b_gradient_accumulator"]
    sched = OPT.SGD(S.ExponentialDecay(0.1, 2, 0.5))  # no learning-rate variable with a schedule
    _run(sched, 1)
    assert [v.name for v in sched.variables] == ["iteration"]


def test_automatic_names_are_snake_case_and_unique():
    first, second = OPT.RMSprop(), OPT.RMSprop()
    assert first.name.startswith("rm_sprop") and first.name != second.name
    assert OPT.AdamW().name.startswith("adam_w") and OPT.Adam(name="mine").name == "mine"


def test_learning_rate_arguments():
    v, _ = _run(OPT.SGD(lambda: 0.05), 1)  # a callable learning rate
    ref, _ = _run(OPT.SGD(0.05), 1)
    np.testing.assert_array_equal(np.asarray(v.numpy()), np.asarray(ref.numpy()))
    with pytest.raises(ValueError, match="Argument `learning_rate` should be float"):
        OPT.SGD(learning_rate=1)
    with pytest.raises(ValueError, match="Argument `learning_rate` should be float"):
        OPT.SGD(learning_rate="x")
    opt = OPT.SGD(S.ExponentialDecay(0.1, 2, 0.5))
    with pytest.raises(TypeError, match="If you need the learning rate to be settable"):
        opt.learning_rate = 0.3
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        opt = OPT.SGD(0.1, decay=0.5)
    assert float(opt.learning_rate) == pytest.approx(0.1)


def test_argument_errors():
    with pytest.raises(ValueError, match="Received: clipnorm=1, clipvalue=1, global_clipnorm=None"):
        OPT.SGD(clipnorm=1, clipvalue=1)
    with pytest.raises(ValueError, match="`ema_momentum` must be in the range"):
        OPT.SGD(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="Argument `weight_decay` must be a float"):
        OPT.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: bogus"):
        OPT.get("bogus")
    assert OPT.get(None) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        OPT.SGD(use_ema=True, ema_overwrite_frequency=0)  # 0 is as None


def test_config_round_trip_and_serialize():
    for opt in (OPT.Adamax(0.2), OPT.Nadam(0.2)):
        config = opt.get_config()
        assert "amsgrad" not in config and config["learning_rate"] == 0.20000000298023224
        assert type(opt).from_config(config).get_config() == config
    ser = OPT.serialize(OPT.SGD(S.ExponentialDecay(0.1, 2, 0.5)))
    assert ser["config"]["learning_rate"] == {
        "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5, "staircase": False,
                   "name": "ExponentialDecay"}, "registered_name": None}
    back = OPT.deserialize(ser)
    assert isinstance(back, OPT.SGD) and float(back.learning_rate) == pytest.approx(0.1)


def test_exclude_from_weight_decay():
    v, b = _variables()
    opt = OPT.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["b"])
    zero_w, zero_b = np.zeros(3, np.float32), np.zeros((2, 2), np.float32)
    opt.apply_gradients([(zero_w, v), (zero_b, b)])
    np.testing.assert_allclose(np.asarray(v.numpy()), np.array([1.0, -2.0, 3.0]) * (1 - 0.05), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(b.numpy()), [[0.5, -0.5], [0.25, 2.0]])
    opt.exclude_from_weight_decay(var_list=[v])  # (Keras' "before build" check never fires: allowed)
    opt.apply_gradients([(zero_w, v), (zero_b, b)])
    np.testing.assert_allclose(np.asarray(v.numpy()), np.array([1.0, -2.0, 3.0]) * (1 - 0.05), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(b.numpy()), np.array([[0.5, -0.5], [0.25, 2.0]]) * (1 - 0.05), rtol=1e-6)


STEPS = [0, 1, 4, 5, 6, 10, 14, 15, 16, 40]
SCHEDULES = {
    "ExponentialDecay(0.1, 3, 0.5, staircase=True)":
        [0.100000001, 0.100000001, 0.0500000007, 0.0500000007, 0.0250000004, 0.0125000002, 0.00625000009,
        0.00312500005, 0.00312500005, 1.22070314e-05],
    "PolynomialDecay(0.1, 10, 0.01, power=0.5, cycle=True)":
        [0.100000001, 0.0953814983, 0.0797137022, 0.0736396089, 0.0669210032, 0.00999999978, 0.0592950359,
        0.0549999997, 0.0502492264, 0.00999999978],
    "CosineDecay(0.0, 10, alpha=0.1, warmup_target=0.2, warmup_steps=5)":
        [0.0, 0.0400000028, 0.160000011, 0.200000003, 0.195595071, 0.109999992, 0.0244049188, 0.0200000014,
        0.0200000014, 0.0200000014],
    "CosineDecayRestarts(0.1, 3, t_mul=1.5, m_mul=0.8)":
        [0.100000001, 0.075000003, 0.0706417784, 0.0469459295, 0.0199999977, 0.0446745567, 0.000216373461,
        0.0505099557, 0.0475178771, 0.0327381939],
    "InverseTimeDecay(0.1, 5, 0.5)":
        [0.100000001, 0.0909090936, 0.0714285746, 0.0666666701, 0.0625, 0.0500000007, 0.0416666642,
        0.0399999991, 0.0384615399, 0.0199999996],
    "PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1])":
        [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.100000001, 0.100000001, 0.100000001, 0.100000001],
}


@pytest.mark.parametrize("expr", sorted(SCHEDULES))
def test_schedule_values_in_float32(expr):
    schedule = eval("S." + expr)
    got = [float(schedule(step)) for step in STEPS]
    np.testing.assert_allclose(got, SCHEDULES[expr], rtol=1e-6, atol=1e-9)
    config = schedule.get_config()
    assert "name" in config
    again = S.deserialize(S.serialize(schedule))
    assert type(again) is type(schedule) and again.get_config() == config
    assert type(schedule).from_config(config).get_config() == config


def test_schedule_edges():
    assert S.CosineDecayRestarts(0.1, 5).get_config()["name"] == "SGDRDecay"
    assert S.PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1]).get_config()["name"] == "PiecewiseConstant"
    # an int step casts float boundaries to int (2.5 -> 2): step 3 is past the first boundary
    assert float(S.PiecewiseConstantDecay([2.5, 10.0], [0.3, 0.2, 0.05])(3)) == pytest.approx(0.2)
    assert float(S.PiecewiseConstantDecay([2.5, 10.0], [0.3, 0.2, 0.05])(2.4)) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="of length 2, and values=.1.0. of length 1"):
        S.PiecewiseConstantDecay([1, 2], [1.0])
    with pytest.raises(ValueError, match="Argument `decay_steps` must be > 0"):
        S.CosineDecay(0.1, 0)
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        S.LearningRateSchedule()(1)


def test_loss_scale_optimizer_in_fit_and_its_variables():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.set_weights([np.full((3, 2), 0.1, np.float32), np.zeros(2, np.float32)])
    opt = OPT.LossScaleOptimizer(OPT.SGD(0.05), initial_scale=4.0, dynamic_growth_steps=2)
    model.compile(optimizer=opt, loss="mse")
    x = np.arange(24, dtype=np.float32).reshape(8, 3) / 24
    model.fit(x, np.ones((8, 2), np.float32), batch_size=4, epochs=2, verbose=0, shuffle=False)
    names = [v.name for v in model.optimizer.variables]
    assert names == ["iteration", "learning_rate", "step_counter", "dynamic_scale", "iteration", "learning_rate"]
    assert int(np.asarray(model.optimizer.iterations)) == 4
    # Keras 3.15 on JAX: the scale doubled twice (four finite steps, growth every 2)
    assert float(np.asarray(model.optimizer.variables[3].numpy())) == 16.0


def test_sgd_momentum_must_be_a_float():
    with pytest.raises(ValueError, match="`momentum` must be a float between"):
        OPT.SGD(momentum=0)
    with pytest.raises(ValueError, match="`momentum` must be a float between"):
        OPT.SGD(momentum=1.5)
    assert OPT.SGD(momentum=0.0).get_config()["momentum"] == 0.0


def test_schedule_free_adamw():
    # Keras 3.15 on JAX, three steps as in AFTER_3_STEPS (the z slot starts at the weight, before the decay)
    opt = OPT.ScheduleFreeAdamW(0.05, beta_1=0.8, warmup_steps=2, weight_decay=0.1)
    v, b = _run(opt)
    np.testing.assert_allclose(np.asarray(v.numpy()), SF_AFTER_3_STEPS[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(b.numpy()), SF_AFTER_3_STEPS[1], rtol=1e-6, atol=1e-6)
    config = opt.get_config()
    assert (config["beta_1"], config["epsilon"], config["warmup_steps"]) == (0.8, 1e-08, 2)
    assert [x.name for x in opt.variables][2:4] == ["w_momentum", "w_velocity"]


class MomentumSGD(OPT.Optimizer):
    """The custom optimiser of Keras' documentation (build + update_step)."""

    def __init__(self, learning_rate=0.05, momentum=0.9, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = momentum

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = [self.add_variable_from_reference(reference_variable=v, name="momentum") for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        ops = keras.ops
        learning_rate = ops.cast(learning_rate, variable.dtype)
        m = self.momentums[self._get_variable_index(variable)]
        self.assign(m, ops.subtract(ops.multiply(m, ops.cast(self.momentum, variable.dtype)),
                                    ops.multiply(ops.cast(gradient, variable.dtype), learning_rate)))
        self.assign_add(variable, m)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum})
        return config


def test_a_custom_optimizer_with_build_and_update_step():
    v = keras.Variable(np.array([1.0, -2.0, 3.0], np.float32), name="w")
    opt = MomentumSGD(0.1, weight_decay=0.1)
    for s in range(3):
        opt.apply_gradients([(np.array([0.5, -0.25, 1.0], np.float32) * (s + 1), v)])
    # the same three steps written out (decay first, then m = 0.9 m - lr g; w += m), in float32
    w, m = np.array([1.0, -2.0, 3.0], np.float32), np.zeros(3, np.float32)
    lr = np.float32(0.1)
    for s in range(3):
        w = w - w * np.float32(0.1) * lr
        m = m * np.float32(0.9) - np.array([0.5, -0.25, 1.0], np.float32) * np.float32(s + 1) * lr
        w = w + m
    np.testing.assert_allclose(np.asarray(v.numpy()), w, rtol=1e-6)
    assert [x.name for x in opt.variables] == ["iteration", "learning_rate", "w_momentum"]
    assert int(np.asarray(opt.iterations)) == 3 and opt.get_config()["momentum"] == 0.9


def test_build_on_model_variables_and_assign_the_counters():
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    opt = OPT.Adam()
    opt.build(model.trainable_variables)  # conv kernels included
    assert [list(v.shape) for v in opt.variables] == [[], [], [3, 3, 1, 2], [3, 3, 1, 2], [2], [2], [8, 1], [8, 1],
                                                      [1], [1]]
    opt = OPT.SGD(0.1)
    v = keras.Variable(np.ones(2, np.float32))
    opt.apply_gradients([(np.ones(2, np.float32), v)])
    opt.iterations.assign(5)
    opt.learning_rate.assign(0.5)
    opt.apply_gradients([(np.ones(2, np.float32), v)])
    assert int(np.asarray(opt.iterations)) == 6
    np.testing.assert_allclose(np.asarray(v.numpy()), [0.4, 0.4], rtol=1e-6)


def test_saved_optimizer_state_is_in_keras_order_and_layout(tmp_path):
    import io
    import zipfile

    h5py = pytest.importorskip("h5py")
    model = keras.Sequential([keras.Input((4, 4, 2)), keras.layers.Conv2D(3, 3), keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    model.compile(optimizer=OPT.RMSprop(0.01, momentum=0.5, centered=True), loss="mse")
    x = np.linspace(0, 1, 64, dtype=np.float32).reshape(2, 4, 4, 2)
    model.fit(x, np.ones((2, 2), np.float32), epochs=1, batch_size=1, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    want = [np.asarray(v.numpy()) for v in model.optimizer.variables]  # RMSprop: slots kind by kind
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
        stored = [np.asarray(f["optimizer"]["vars"][str(i)]) for i in range(len(f["optimizer"]["vars"]))]
    assert [a.shape for a in stored] == [a.shape for a in want]  # the conv kernel's slots in (kh, kw, in, out)
    for a, b in zip(stored, want):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    again = keras.models.load_model(path)
    for a, b in zip(again.optimizer.variables, want):
        np.testing.assert_allclose(np.asarray(a.numpy()), b, rtol=1e-6)
