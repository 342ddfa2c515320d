"""Optimisers and schedulers against PyTorch's update rules and closed forms (issue 13).

``fixtures/optim_trajectories_torch.json`` holds parameter trajectories that
torch.optim (PyTorch 2.13.0+cpu, float64) produced for 4 steps of each
configuration on the gradient w**3 + 1 (LBFGS: 4 ``step(closure)`` calls on the
loss sum(w**4/4 + w)); ``fixtures/make_optim_trajectories.py`` wrote it, and
torch is not a dependency of these tests. The Adagrad and
scheduler expectations are written out by hand from PyTorch's documented formulas.
"""
import json
import math
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.optim as optim
from minidl.optim import lr_scheduler

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "optim_trajectories_torch.json").read_text())


@pytest.fixture
def float64_default():
    """The fixture was made under torch.set_default_dtype(torch.float64), which makes the scalar state
    (step, NAdam's mu_product, ASGD's eta and mu) float64 tensors; float32 ones round them."""
    previous = mdl.get_default_dtype()
    mdl.set_default_dtype(mdl.float64)
    yield
    mdl.set_default_dtype(previous)


@pytest.mark.parametrize("config", FIXTURE["configs"],
                         ids=[f"{c['optimizer']}-{i}" for i, c in enumerate(FIXTURE["configs"])])
def test_trajectories_match_torch_optim(config, float64_default):
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in config["kwargs"].items()}
    use_closure = kwargs.pop("closure", False)
    w = nn.Parameter(np.array(config.get("w0", FIXTURE["w0"]), dtype=np.float64))
    opt = getattr(optim, config["optimizer"])([w], **kwargs)

    def closure():                      # LBFGS: loss sum(w**4/4 + w), gradient w**3 + 1
        opt.zero_grad()
        loss = (w ** 4 / 4 + w).sum()
        loss.backward()
        return loss
    for expected in config["trajectory"]:
        if use_closure:
            opt.step(closure)
        else:
            w.grad = mdl.tensor(w.numpy() ** 3 + 1.0)
            opt.step()
        np.testing.assert_allclose(w.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_adagrad_by_hand():
    w = nn.Parameter(np.array([1.0, -2.0]))
    opt = optim.Adagrad([w], lr=0.5, lr_decay=0.1, weight_decay=0.2, initial_accumulator_value=0.3, eps=1e-10)
    assert opt.defaults["lr"] == 0.5 and set(opt.state[w]) == {"step", "sum"}   # state exists before any step
    p, s = np.array([1.0, -2.0]), np.full(2, 0.3)
    for step in (1, 2, 3):
        g = np.array([0.5, 1.5]) * step
        w.grad = mdl.tensor(g)
        opt.step()
        g = g + 0.2 * p
        s = s + g * g
        p = p - 0.5 / (1 + (step - 1) * 0.1) * g / (np.sqrt(s) + 1e-10)
        np.testing.assert_allclose(w.numpy(), p, rtol=1e-13)
    defaults = optim.Adagrad([nn.Parameter(np.zeros(1))]).defaults
    assert (defaults["lr"], defaults["lr_decay"], defaults["weight_decay"], defaults["initial_accumulator_value"],
            defaults["eps"]) == (1e-2, 0, 0, 0, 1e-10)


def test_defaults_and_param_group_keys_are_pytorchs():
    p = nn.Parameter(np.zeros(2, np.float32))
    assert set(optim.SGD([p], lr=0.1).param_groups[0]) == {
        "params", "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "foreach",
        "differentiable", "fused"}
    assert optim.AdamW([p]).defaults["weight_decay"] == 1e-2
    assert optim.RMSprop([p]).defaults["alpha"] == 0.99
    assert (optim.Adadelta([p]).defaults["lr"], optim.Adadelta([p]).defaults["rho"]) == (1.0, 0.9)
    with pytest.raises(NotImplementedError, match="differentiable"):
        optim.SGD([p], lr=0.1, differentiable=True)


def test_zero_grad_add_param_group_and_none_grads():
    a, b = nn.Parameter(np.ones(2, np.float32)), nn.Parameter(np.ones(3, np.float32))
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 0.5})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5] and opt.param_groups[1]["momentum"] == 0.9
    a.grad = mdl.ones(2)
    opt.step()                                       # b has no gradient: skipped, no state
    assert b.tolist() == [1.0, 1.0, 1.0] and b not in opt.state
    opt.zero_grad()
    assert a.grad is None
    a.grad = mdl.ones(2)
    opt.zero_grad(set_to_none=False)
    assert a.grad.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_named_parameters_are_accepted():
    lin = nn.Linear(2, 1)
    opt = optim.Adam(lin.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.param_groups[0]["params"][0] is lin.weight


def test_state_dict_structure_and_round_trip():
    w, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(1))
    opt = optim.Adam([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    for p in (w, b):
        p.grad = mdl.ones(p.shape[0], dtype=mdl.float64)
    opt.step()
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert set(sd["state"]) == {0, 1} and set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    w2, b2 = nn.Parameter(w.numpy().copy()), nn.Parameter(b.numpy().copy())
    opt2 = optim.Adam([{"params": [w2]}, {"params": [b2]}], lr=0.1)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.5
    for p, q in ((w, w2), (b, b2)):
        p.grad = q.grad = mdl.ones(p.shape[0], dtype=mdl.float64)
    opt.step()
    opt2.step()
    np.testing.assert_allclose(w2.numpy(), w.numpy())


# -------------------------------------------------------------- schedulers
def _sgd(lr=0.1, **kw):
    return optim.SGD([nn.Parameter(np.zeros(1))], lr=lr, **kw)


def _lrs(scheduler, steps):
    out = [scheduler.get_last_lr()[0]]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        out.append(scheduler.get_last_lr()[0])
    return out


def test_closed_forms_of_the_step_schedulers():
    assert _lrs(lr_scheduler.StepLR(_sgd(), 3, 0.5), 7) == pytest.approx([0.1 * 0.5 ** (e // 3) for e in range(8)])
    assert _lrs(lr_scheduler.MultiStepLR(_sgd(), [2, 5, 5], 0.1), 6) == pytest.approx(
        [0.1, 0.1, 0.01, 0.01, 0.01, 0.0001, 0.0001])
    assert _lrs(lr_scheduler.ExponentialLR(_sgd(), 0.9), 5) == pytest.approx([0.1 * 0.9 ** e for e in range(6)])
    cos = _lrs(lr_scheduler.CosineAnnealingLR(_sgd(), T_max=10, eta_min=0.01), 10)
    assert cos == pytest.approx([0.01 + 0.09 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(11)])
    assert _lrs(lr_scheduler.LambdaLR(_sgd(), lambda e: 1 / (e + 1)), 4) == pytest.approx(
        [0.1 / (e + 1) for e in range(5)])


def test_one_cycle_lr_with_cos_annealing_and_momentum():
    opt = _sgd(momentum=0.9)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    lrs, moms = [sched.get_last_lr()[0]], [opt.param_groups[0]["momentum"]]
    for _ in range(9):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])

    def cos(start, end, pct):
        return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)
    initial, low = 1.0 / 25, 1.0 / 25 / 1e4
    up_end = 0.3 * 10 - 1                                   # phase ends at step 2
    expected_lr = [cos(initial, 1.0, s / up_end) if s <= up_end else cos(1.0, low, (s - up_end) / (9 - up_end))
                   for s in range(10)]
    expected_m = [cos(0.95, 0.85, s / up_end) if s <= up_end else cos(0.85, 0.95, (s - up_end) / (9 - up_end))
                  for s in range(10)]
    assert lrs == pytest.approx(expected_lr) and moms == pytest.approx(expected_m)
    opt.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        sched.step()


def test_one_cycle_lr_cycles_adam_beta1_and_restores_from_a_state_dict():
    opt = optim.Adam([nn.Parameter(np.zeros(1))], lr=0.1)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.5, epochs=2, steps_per_epoch=5, anneal_strategy="linear")
    assert opt.param_groups[0]["betas"] == (0.95, 0.999)
    for _ in range(3):
        opt.step()
        sched.step()
    state = sched.state_dict()
    opt2 = optim.Adam([nn.Parameter(np.zeros(1))], lr=0.1)
    sched2 = lr_scheduler.OneCycleLR(opt2, max_lr=0.5, epochs=2, steps_per_epoch=5, anneal_strategy="linear")
    sched2.load_state_dict(state)
    assert sched2.last_epoch == 3 and sched2.get_last_lr() == sched.get_last_lr()
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(optim.Adagrad([nn.Parameter(np.zeros(1))]), max_lr=0.1, total_steps=5)


def test_warmup_schedulers():
    assert _lrs(lr_scheduler.LinearLR(_sgd(), start_factor=0.25, total_iters=3), 4) == pytest.approx(
        [0.025, 0.05, 0.075, 0.1, 0.1])
    assert _lrs(lr_scheduler.ConstantLR(_sgd(), factor=0.5, total_iters=2), 3) == pytest.approx(
        [0.05, 0.05, 0.1, 0.1])
    opt = _sgd()
    seq = lr_scheduler.SequentialLR(opt, [lr_scheduler.ConstantLR(opt, factor=0.1, total_iters=2),
                                          lr_scheduler.ExponentialLR(opt, gamma=0.5)], milestones=[2])
    assert _lrs(seq, 4) == pytest.approx([0.01, 0.01, 0.1, 0.05, 0.025])
