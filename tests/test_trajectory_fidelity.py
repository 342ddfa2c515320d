"""Float32 training fidelity per conv algorithm (issue 17 item 3): a short version of
``benchmarks/trajectory_fidelity.py`` must stay within bounds set from the baseline.

The measure (the benchmark's docstring has the reasoning): TinyVGG at 32 px and a
ResNet basic-block net at 16 px are trained for 4 steps in float32 and in float64
from the same weights on the same Shapes batches (batch 8), with SGD+momentum and
with Adam, for every choice of ``minidl.config.conv_algorithm``; over seeds 0 to 6
we take the median of each run's maximum over the steps of

* ``param_rel`` = ||theta32 - theta64|| / ||theta64 - theta0||,
* ``grad_rel``  = max over parameter tensors of ||g32 - g64|| / ||g64||,
* ``loss_rel``  = |L32 - L64| / |L64|.

How the bounds were chosen: ``BASELINE`` holds the values measured on 2026-11-30
(commit after b40b894, before the issue-17 round-3 kernels were merged), identical
with 1 and 2 BLAS threads. ``grad_rel`` is the kernels' own error and grows
linearly with it: random relative noise of 2.5 float32 epsilons on the direct
convolutions' results raised it 1.7-2.8x, of 8 epsilons 5-9x. So a bound of
``GRAD_MARGIN`` = 4 times the baseline passes a reordered sum of the same
precision and fails a kernel that loses about 3 bits or more (the last test here
checks that such noise is caught). ``param_rel`` over 4 steps is mostly the
rounding of the float32 weights themselves and moves with the kernels only through
discrete events (a ReLU or max-pool choice that flips); ``PARAM_MARGIN`` = 3 lets
one seed have an event (the median ignores it) and fails when most do. ``loss_rel``
was at most 1.1e-7 (one float32 epsilon); ``LOSS_BOUND`` = 1e-6.

Seven seeds since session 11: the baselines below were measured over seeds 0, 1, 2
with the PCG64 stream minidl used before it took PyTorch's generator. With the new
stream's weights two of those three TinyVGG/Adam/F(4x4) runs have an event (a
max-pool winner that flips between float32 and float64 at step 1 or 2: grad_rel
0.106 and 0.0217 while the first step's is 1.1e-6 to 1.7e-6 elsewhere), and over
seeds 0-4 resblock/Adam has them too. Over seven seeds the median ignores up to
three such runs, and every case measured on 2026-12-01 sits at its old baseline's
level (grad_rel 2.7e-7 to 6.9e-6, param_rel 2.8e-6 to 6.2e-4), inside the bounds.

An algorithm added to ``conv_algorithm``'s choices later has no baseline of its own
and is held to the margin times the largest baseline of today's algorithms for that
net and optimizer (no worse than the least precise of today's).

Winograd (merged the same day) got its own baseline, measured the same way after
the merge: its gradients are as precise as the others' (grad_rel 4.5e-7 to 8.9e-7)
and three of the four cases equal today's param_rel, but TinyVGG with Adam drifts
1.39e-4 over these 4 steps against 2.7e-6. TinyVGG's 3- and 10-channel layers are
ones ``auto`` never sends to Winograd (it needs 32 channels), Adam's first steps are
about lr * sign(g), so gradient entries near zero turn rounding differences into
whole steps, and over 30 steps the benchmark measures the same drift as im2col
(median param_rel 3.3e-3 for both, docs/performance.md). The bound holds it there.

Winograd F(4x4, 3x3) (``"winograd4"``, session 9) got its own baseline the same way:
its step-1 gradients are 2-3x less precise than F(2x2)'s (grad_rel 6.5e-7 to 2.5e-6,
inside the margin over today's least precise, as its larger transform coefficients
predict; ``kernels.winograd.FLOAT32_ERROR_BOUND_F4``), three of the four cases equal
today's param_rel, and TinyVGG with Adam drifts 9.8e-4 over 4 steps (F(2x2): 1.39e-4)
for the reason above. Over 30 steps the benchmark measures 1.4e-2 there, the direct
kernels' drift in the baseline (docs/performance.md, "Session 9"). ``auto`` sends no
layer of these nets to F(4x4) (it needs 32 channels), so its row is unchanged.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import minidl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import trajectory_fidelity as tf  # noqa: E402

SETUP = {"tinyvgg": 32, "resblock": 16}          # net: image size
SHORT = dict(steps=4, batch_size=8, num_batches=2)
SEEDS = (0, 1, 2, 3, 4, 5, 6)
GRAD_MARGIN, PARAM_MARGIN, LOSS_BOUND = 4.0, 3.0, 1e-6

# (net, optimizer): {algorithm: (param_rel, grad_rel)} measured with SHORT and SEEDS
BASELINE = {
    ("tinyvgg", "sgd"): {"auto": (1.63e-5, 4.90e-7), "im2col": (1.63e-5, 4.91e-7), "direct": (1.63e-5, 4.53e-7),
                         "winograd": (1.63e-5, 4.50e-7), "winograd4": (1.64e-5, 1.34e-6)},
    ("tinyvgg", "adam"): {"auto": (2.68e-6, 5.95e-7), "im2col": (2.68e-6, 6.07e-7), "direct": (2.68e-6, 6.12e-7),
                          "winograd": (1.39e-4, 8.89e-7), "winograd4": (9.77e-4, 2.50e-6)},
    ("resblock", "sgd"): {"auto": (9.62e-6, 2.75e-7), "im2col": (9.63e-6, 1.01e-6), "direct": (9.62e-6, 2.75e-7),
                          "winograd": (9.63e-6, 5.38e-7), "winograd4": (9.63e-6, 6.47e-7)},
    ("resblock", "adam"): {"auto": (3.61e-6, 2.92e-7), "im2col": (3.61e-6, 1.08e-6), "direct": (3.61e-6, 2.92e-7),
                           "winograd": (3.61e-6, 5.71e-7), "winograd4": (3.61e-6, 6.53e-7)},
}


def bounds(net, optimizer, algorithm):
    """(param_rel bound, grad_rel bound) for this case: margin times its baseline, or the worst baseline."""
    base = BASELINE[(net, optimizer)]
    param, grad = base.get(algorithm, (max(v[0] for v in base.values()), max(v[1] for v in base.values())))
    return PARAM_MARGIN * param, GRAD_MARGIN * grad


def short_fidelity(net, optimizer, algorithm):
    return tf.fidelity(net, optimizer, seeds=SEEDS, image_size=SETUP[net],
                       config={"conv_algorithm": algorithm}, **SHORT)


def violations(result, net, optimizer, algorithm):
    param_bound, grad_bound = bounds(net, optimizer, algorithm)
    found = []
    if not result["param_rel"] <= param_bound:
        found.append(f"param_rel {result['param_rel']:.3g} > {param_bound:.3g}")
    if not result["grad_rel"] <= grad_bound:
        found.append(f"grad_rel {result['grad_rel']:.3g} > {grad_bound:.3g}")
    if not result["loss_rel"] <= LOSS_BOUND:
        found.append(f"loss_rel {result['loss_rel']:.3g} > {LOSS_BOUND:.3g}")
    return found


@pytest.mark.parametrize("algorithm", tf.conv_algorithms())
@pytest.mark.parametrize("net, optimizer", sorted(BASELINE))
def test_float32_trajectory_stays_near_float64(net, optimizer, algorithm):
    result = short_fidelity(net, optimizer, algorithm)
    found = violations(result, net, optimizer, algorithm)
    assert not found, (f"{net}/{optimizer} with conv_algorithm={algorithm!r} lost float32 fidelity: "
                       + "; ".join(found) + " (see benchmarks/trajectory_fidelity.py)")


def test_every_conv_algorithm_is_measured():
    choices = {f.name: f for f in minidl.config.fields()}["conv_algorithm"].choices
    assert tf.conv_algorithms() == tuple(choices) and {"auto", "im2col", "direct"} <= set(choices)


def test_measure_is_deterministic_and_starts_from_the_same_weights():
    first = tf.measure("resblock", "adam", steps=2, batch_size=4, image_size=16, num_batches=1, seed=3)
    second = tf.measure("resblock", "adam", steps=2, batch_size=4, image_size=16, num_batches=1, seed=3)
    assert first["param_rel"] == second["param_rel"] and first["grad_rel"] == second["grad_rel"]
    assert first["loss_rel"] == second["loss_rel"] and first["loss64"] == second["loss64"]
    assert all(0 < v < 1e-4 for v in first["param_rel"] + first["grad_rel"])


def test_a_kernel_that_loses_precision_fails_the_bounds(monkeypatch):
    """Relative noise of 1e-6 (8 float32 epsilons) on every float32 convolution result is caught."""
    from minidl.ops.conv import Conv2d
    rng = np.random.default_rng(0)

    def noisy(a):
        if isinstance(a, np.ndarray) and a.dtype == np.float32:
            return (a * (1 + 1e-6 * rng.standard_normal(a.shape))).astype(np.float32)
        return a

    forward, backward = Conv2d.forward, Conv2d.backward
    monkeypatch.setattr(Conv2d, "forward", lambda self, *a, **k: noisy(forward(self, *a, **k)))
    monkeypatch.setattr(Conv2d, "backward", lambda self, g: tuple(noisy(v) for v in backward(self, g)))
    result = short_fidelity("tinyvgg", "adam", "direct")
    assert violations(result, "tinyvgg", "adam", "direct")
