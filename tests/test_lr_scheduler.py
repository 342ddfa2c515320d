"""LR schedulers: lr sequences against closed forms, initial_lr, state dicts, plateau logic."""
import math

import numpy as np
import pytest

from minidl.nn.module import Parameter
from minidl.optim import SGD, Adam
from minidl.optim import lr_scheduler as S


def make_opt(lr=0.1, groups=1):
    if groups == 1:
        return SGD([Parameter(np.zeros(2))], lr=lr)
    return SGD([{"params": [Parameter(np.zeros(1))], "lr": lr * (i + 1)} for i in range(groups)],
               lr=lr)


def lrs_over(sched, opt, n):
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_construction_sets_initial_lr_and_step_zero():
    opt = make_opt(0.3)
    sched = S.StepLR(opt, step_size=2)
    assert opt.param_groups[0]["initial_lr"] == 0.3
    assert sched.last_epoch == 0 and sched.base_lrs == [0.3]
    assert sched.get_last_lr() == [0.3]
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(make_opt(), step_size=2, last_epoch=4)


def test_step_lr_closed_form():
    opt = make_opt(0.1)
    sched = S.StepLR(opt, step_size=3, gamma=0.5)
    got = lrs_over(sched, opt, 10)
    expected = [0.1 * 0.5 ** (e // 3) for e in range(10)]
    assert got == pytest.approx(expected, rel=1e-12)
    assert got[:4] == pytest.approx([0.1, 0.1, 0.1, 0.05])


def test_multistep_lr():
    opt = make_opt(1.0)
    sched = S.MultiStepLR(opt, milestones=[2, 5], gamma=0.1)
    assert lrs_over(sched, opt, 7) == pytest.approx([1, 1, 0.1, 0.1, 0.1, 0.01, 0.01])


def test_exponential_lr_closed_form():
    opt = make_opt(0.2)
    sched = S.ExponentialLR(opt, gamma=0.9)
    assert lrs_over(sched, opt, 8) == pytest.approx([0.2 * 0.9 ** e for e in range(8)], rel=1e-12)


def test_cosine_annealing_closed_form_and_restart_shape():
    opt = make_opt(0.1)
    T, eta_min = 6, 0.01
    sched = S.CosineAnnealingLR(opt, T_max=T, eta_min=eta_min)
    got = lrs_over(sched, opt, 13)
    closed = [eta_min + (0.1 - eta_min) * (1 + math.cos(math.pi * e / T)) / 2 for e in range(13)]
    assert got == pytest.approx(closed, rel=1e-9, abs=1e-12)
    assert got[T] == pytest.approx(eta_min) and got[2 * T] == pytest.approx(0.1)
    assert sched.get_last_lr() == [opt.param_groups[0]["lr"]]


def test_cosine_annealing_default_eta_min_zero():
    opt = make_opt(1.0)
    sched = S.CosineAnnealingLR(opt, T_max=4)
    assert lrs_over(sched, opt, 5) == pytest.approx([1, (1 + math.cos(math.pi / 4)) / 2, 0.5,
                                                     (1 + math.cos(3 * math.pi / 4)) / 2, 0],
                                                    abs=1e-12)


def test_lambda_lr_and_groups():
    opt = make_opt(0.1, groups=2)
    sched = S.LambdaLR(opt, lambda e: 1 / (e + 1))
    sched.step()
    assert sched.get_last_lr() == pytest.approx([0.05, 0.1])


def test_inverse_time_decay_keras_legacy():
    opt = Adam([Parameter(np.zeros(2))], lr=0.01)
    sched = S.InverseTimeDecay(opt, decay=0.5)
    got = lrs_over(sched, opt, 5)
    assert got == pytest.approx([0.01 / (1 + 0.5 * k) for k in range(5)], rel=1e-12)
    assert sched.iterations == 5
    with pytest.raises(ValueError):
        S.InverseTimeDecay(opt, decay=-1)


def test_schedulers_apply_per_group():
    opt = make_opt(0.1, groups=2)
    sched = S.ExponentialLR(opt, gamma=0.5)
    sched.step()
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.05, 0.1])


def test_scheduler_state_dict_resume():
    opt = make_opt(0.1)
    sched = S.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        sched.step()
    sd = sched.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 3

    opt2 = make_opt(0.1)
    sched2 = S.StepLR(opt2, step_size=2, gamma=0.5)
    sched2.load_state_dict(sd)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]  # restored with the optimizer
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() == pytest.approx([0.025])


def test_reduce_on_plateau_min_with_patience_cooldown_min_lr():
    opt = make_opt(0.1)
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.01)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8,
               0.8, 0.8, 0.8, 0.8]
    got = []
    for m in metrics:
        sched.step(m)
        got.append(opt.param_groups[0]["lr"])
    # 3 bad epochs (> patience 2) -> halve; 1 cooldown epoch; then 3 more bad -> halve ...
    assert got == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025,
                                 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.0125, 0.01])
    assert sched.get_last_lr() == pytest.approx([0.01])


def test_reduce_on_plateau_max_mode_and_threshold():
    opt = make_opt(1.0)
    sched = S.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, threshold=0.1,
                                threshold_mode="abs")
    sched.step(0.5)            # best = 0.5
    assert opt.param_groups[0]["lr"] == 1.0
    sched.step(0.55)           # not > 0.5 + 0.1: bad epoch, patience 0 -> reduce
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    sched.step(0.7)            # improvement
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    # rel mode: a > best * (1 + threshold)
    opt2 = make_opt(1.0)
    s2 = S.ReduceLROnPlateau(opt2, mode="max", patience=0, threshold=0.1)
    s2.step(1.0)
    s2.step(1.05)
    assert opt2.param_groups[0]["lr"] == pytest.approx(0.1)


def test_reduce_on_plateau_validation_and_tensor_metric():
    with pytest.raises(ValueError, match="Factor"):
        S.ReduceLROnPlateau(make_opt(), factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        S.ReduceLROnPlateau(make_opt(), mode="up")
    import minidl as mdl
    opt = make_opt(0.1)
    sched = S.ReduceLROnPlateau(opt, patience=0)
    sched.step(mdl.tensor(1.0))
    sched.step(mdl.tensor(2.0))
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)


def test_scheduler_requires_optimizer():
    with pytest.raises(TypeError):
        S.StepLR(object(), step_size=1)
