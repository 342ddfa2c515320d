"""ReduceLROnPlateau's state as PyTorch 2.13 keeps it: the state-dict keys, a param group added later, loading.

Keys and values checked against torch 2.13 by hand (``ReduceLROnPlateau(SGD(...)).state_dict()`` after one step).
"""
import math
import warnings

import pytest

import minidl as mdl


def _scheduler(**kwargs):
    model = mdl.nn.Linear(2, 2)
    opt = mdl.optim.SGD(model.parameters(), lr=0.1)
    return opt, mdl.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)


def test_state_dict_keys_and_values_are_pytorchs():
    _, sched = _scheduler()
    sched.step(1.0)
    state = sched.state_dict()
    assert sorted(state) == ["_last_lr", "best", "cooldown", "cooldown_counter", "default_min_lr", "eps", "factor",
                             "last_epoch", "min_lrs", "mode", "mode_worse", "num_bad_epochs", "patience",
                             "threshold", "threshold_mode"]
    assert state["mode_worse"] == math.inf and state["default_min_lr"] == 0 and state["last_epoch"] == 1
    assert state["best"] == 1.0 and state["_last_lr"] == [0.1]
    _, per_group = _scheduler(min_lr=[0.001], mode="max")
    assert per_group.state_dict()["default_min_lr"] is None and per_group.mode_worse == -math.inf


def test_param_group_added_later_takes_the_scalar_min_lr():
    opt, sched = _scheduler(patience=0, min_lr=0.05)
    opt.add_param_group({"params": [mdl.zeros(2, requires_grad=True)], "lr": 1.0})
    sched.step(1.0)
    sched.step(2.0)
    assert sched.min_lrs == [0.05, 0.05]
    assert sched.get_last_lr() == pytest.approx([0.05, 0.1])


def test_param_group_added_later_with_per_group_min_lrs_is_an_error():
    opt, sched = _scheduler(patience=0, min_lr=[0.0])
    opt.add_param_group({"params": [mdl.zeros(2, requires_grad=True)], "lr": 1.0})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="2 param groups but min_lr gave 1"):
        sched.step(2.0)


def test_load_state_dict_restores_mode_and_epoch_argument_warns():
    _, source = _scheduler(mode="max", patience=3)
    source.step(0.5)
    _, target = _scheduler()
    target.load_state_dict(source.state_dict())
    assert target.mode == "max" and target.mode_worse == -math.inf and target.best == 0.5 and target.patience == 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        target.step(0.4, epoch=7)
    assert target.last_epoch == 7 and any("deprecated" in str(w.message) for w in caught)
    target._reset()
    assert target.best == -math.inf and target.num_bad_epochs == 0
