"""Keras 3's optimiser update rules, step by step against the formulas of Keras' source
(written out in NumPy here), and the whole facade against reference values that real Keras
computed (tests/fixtures/keras_reference/reference.npz, made by generate.py in that folder
with Keras 3.15 on JAX: identical initial weights and data, two epochs of each optimiser)."""
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.tensor import Tensor

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "keras_reference"


def run(optimizer, grads, p0):
    """Apply ``grads`` one step each to a parameter starting at ``p0``; return its values."""
    p = minidl.nn.Parameter(np.array(p0, np.float64))
    optimizer.build([p])
    out = []
    for g in grads:
        p.grad = Tensor(np.array(g, np.float64))
        optimizer.step()
        out.append(p.array.copy())
    return out


GRADS = [np.array([0.5, -1.0, 2.0]), np.array([-0.3, 0.2, 1.0]), np.array([1.0, 1.0, -2.0])]
P0 = np.array([1.0, 2.0, -1.0])


def f32(x):
    """``x`` as Keras' float32 learning-rate variable holds it (the update casts it to the weight's dtype)."""
    return float(np.float32(x))


def test_adam_epsilon_outside_root_with_keras_bias_correction():
    lr, b1, b2, eps = f32(0.01), 0.9, 0.999, 1e-7
    got = run(keras.optimizers.Adam(0.01), GRADS, P0)
    p, m, v = P0.copy(), 0 * P0, 0 * P0
    for t, (g, q) in enumerate(zip(GRADS, got), start=1):
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        p -= lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
        np.testing.assert_allclose(q, p, rtol=1e-12)


def test_rmsprop_epsilon_inside_root():
    lr, rho, eps = f32(0.01), 0.9, 1e-7
    got = run(keras.optimizers.RMSprop(0.01), GRADS, P0)
    p, v = P0.copy(), 0 * P0
    for g, q in zip(GRADS, got):
        v = rho * v + (1 - rho) * g * g
        p -= lr * g / np.sqrt(v + eps)
        np.testing.assert_allclose(q, p, rtol=1e-12)


def test_sgd_momentum_and_nesterov():
    p, m = P0.copy(), 0 * P0
    got = run(keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True), GRADS, P0)
    for g, q in zip(GRADS, got):
        m = 0.9 * m - f32(0.1) * g
        p += 0.9 * m - f32(0.1) * g
        np.testing.assert_allclose(q, p, rtol=1e-12)
    plain = run(keras.optimizers.SGD(), GRADS[:1], P0)[0]
    np.testing.assert_allclose(plain, P0 - f32(0.01) * GRADS[0])


def test_adadelta_and_adagrad():
    rho, eps, lr = 0.95, 1e-7, 1.0
    got = run(keras.optimizers.Adadelta(lr), GRADS, P0)
    p, acc_g, acc_d = P0.copy(), 0 * P0, 0 * P0
    for g, q in zip(GRADS, got):
        acc_g = rho * acc_g + (1 - rho) * g * g
        d = -np.sqrt(acc_d + eps) * g / np.sqrt(acc_g + eps)
        acc_d = rho * acc_d + (1 - rho) * d * d
        p += lr * d
        np.testing.assert_allclose(q, p, rtol=1e-12)
    got = run(keras.optimizers.Adagrad(0.1), GRADS, P0)
    p, acc = P0.copy(), np.full(3, 0.1)
    for g, q in zip(GRADS, got):
        acc += g * g
        p -= f32(0.1) * g / np.sqrt(acc + 1e-7)
        np.testing.assert_allclose(q, p, rtol=1e-12)


def test_adamw_decoupled_decay_and_clipping():
    lr, wd = f32(0.01), 0.1
    got = run(keras.optimizers.AdamW(0.01, weight_decay=wd), GRADS[:1], P0)[0]
    p = P0 - P0 * wd * lr
    m, v = 0.1 * GRADS[0], 0.001 * GRADS[0] ** 2
    p -= lr * np.sqrt(1 - 0.999) / (1 - 0.9) * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(got, p, rtol=1e-12)
    clipped = run(keras.optimizers.SGD(1.0, clipnorm=1.0), GRADS[:1], P0)[0]
    g = GRADS[0]
    np.testing.assert_allclose(clipped, P0 - g / np.linalg.norm(g), rtol=1e-12)
    value = run(keras.optimizers.SGD(1.0, clipvalue=0.6), GRADS[:1], P0)[0]
    np.testing.assert_allclose(value, P0 - np.clip(g, -0.6, 0.6))


def test_learning_rate_property_schedule_and_legacy_decay():
    opt = keras.optimizers.Adam(learning_rate=0.5)
    assert opt.learning_rate == 0.5
    opt.learning_rate = 0.25
    run(opt, GRADS[:1], P0)
    assert opt.param_groups[0]["lr"] == 0.25 and opt.iterations == 1
    sched = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    opt = keras.optimizers.SGD(sched)
    got = run(opt, GRADS, P0)
    expected = P0 - 0.1 * GRADS[0]
    np.testing.assert_allclose(got[0], expected)
    np.testing.assert_allclose(got[1], expected - 0.1 * 0.5 ** 0.5 * GRADS[1])
    assert opt.learning_rate == pytest.approx(0.1 * 0.5 ** 1.5)
    with pytest.warns(DeprecationWarning):
        old = keras.optimizers.SGD(lr=0.2)  # Keras 2's name of the argument (minidl still reads it)
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        old = keras.optimizers.SGD(0.2, decay=0.5)  # Keras 3 ignores Keras 2's decay
    run(old, GRADS[:2], P0)
    assert old.learning_rate == pytest.approx(0.2)
    with pytest.raises(ValueError, match="not recognized"):
        keras.optimizers.Adam(betas=(0.9, 0.99))


@pytest.mark.parametrize("name", ["adam", "sgd", "rmsprop", "adadelta", "adagrad", "adamw", "nadam",
                                  "adamax"])
def test_training_matches_real_keras(name):
    import importlib.util
    spec = importlib.util.spec_from_file_location("keras_reference_generate", FIXTURES / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    import sys
    sys.argv, argv = [sys.argv[0], "--minidl"], sys.argv
    try:
        spec.loader.exec_module(gen)
    finally:
        sys.argv = argv
    ref = np.load(FIXTURES / "reference.npz")
    keras.backend.clear_session()
    x, y = gen.data()
    init = gen.unflatten(ref["init"], gen.build().get_weights())
    model = gen.build()
    model.set_weights(init)
    np.testing.assert_allclose(model.predict(x, verbose=0), ref["predict"], atol=2e-6)
    model.compile(optimizer=gen.OPTIMIZERS[name](), loss="categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(x[:5], y[:5]))
    got = np.array([hist.history[k] for k in gen.HISTORY_KEYS])
    np.testing.assert_allclose(got, ref[f"{name}_history"], atol=2e-5)
    np.testing.assert_allclose(gen.flatten(model.get_weights()), ref[f"{name}_final"], atol=2e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), ref[f"{name}_evaluate"], atol=2e-5)
