"""CyclicLR and ChainedScheduler (and a few other schedulers) against PyTorch's learning rates.

``fixtures/lr_schedules_torch.json`` holds the lrs and momenta that
torch.optim.lr_scheduler (PyTorch 2.13.0+cpu) produced for each case; it was
written by ``fixtures/make_lr_schedules.py`` (which documents the protocol),
and torch is not a dependency of these tests.
"""
import json
from pathlib import Path

import numpy as np
import pytest

import minidl.nn as nn
import minidl.optim as optim
from minidl.optim import lr_scheduler

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "lr_schedules_torch.json").read_text())
# the same functions as make_lr_schedules.py's SCALE_FNS
SCALE_FNS = {"half_power": lambda x: 0.5 ** x, "inverse": lambda x: 1.0 / (1.0 + x)}


def _build(spec, optimizer):
    name, kwargs = spec
    kwargs = dict(kwargs)
    if "schedulers" in kwargs:
        kwargs["schedulers"] = [_build(s, optimizer) for s in kwargs["schedulers"]]
    if isinstance(kwargs.get("scale_fn"), str):
        kwargs["scale_fn"] = SCALE_FNS[kwargs["scale_fn"]]
    cls = getattr(lr_scheduler, name, None) or getattr(optim.swa_utils, name)
    if name == "ChainedScheduler":
        return cls(kwargs["schedulers"], optimizer)
    return cls(optimizer, **kwargs)


def _optimizer(spec):
    name, kwargs = spec
    params = [nn.Parameter(np.zeros(1)), nn.Parameter(np.zeros(1))]
    return getattr(optim, name)([{"params": [params[0]]}, {"params": [params[1]], "lr": 2 * kwargs["lr"]}], **kwargs)


def _momentum(group):
    return group["betas"][0] if "betas" in group else group.get("momentum")


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[c["name"] for c in FIXTURE["cases"]])
def test_learning_rates_match_torch(case):
    opt = _optimizer(case["optimizer"])
    sched = _build(case["scheduler"], opt)
    for step, (lrs, momenta) in enumerate(zip(case["lrs"], case["momenta"])):
        if step:
            opt.step()
            sched.step()
        assert [g["lr"] for g in opt.param_groups] == pytest.approx(lrs, rel=1e-12, abs=1e-15), step
        assert sched.get_last_lr() == pytest.approx(lrs, rel=1e-12, abs=1e-15)
        assert [_momentum(g) for g in opt.param_groups] == pytest.approx(momenta, rel=1e-12), step


def test_cyclic_lr_sets_base_lr_and_momentum_at_construction_and_validates():
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0, momentum=0.5)
    sched = lr_scheduler.CyclicLR(opt, base_lr=0.1, max_lr=1.0, step_size_up=4)
    group = opt.param_groups[0]
    assert (group["lr"], group["initial_lr"], group["momentum"]) == (0.1, 0.1, 0.9)
    assert (group["max_momentum"], group["base_momentum"]) == (0.9, 0.8)
    assert sched.base_lrs == [0.1] and sched.max_lrs == [1.0] and sched.total_size == 8.0
    with pytest.raises(ValueError, match="mode is invalid"):
        lr_scheduler.CyclicLR(opt, 0.1, 1.0, mode="sawtooth")
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.CyclicLR(optim.Adagrad([nn.Parameter(np.zeros(1))]), 0.1, 1.0)
    with pytest.raises(ValueError, match="same length as optimizer.param_groups"):
        lr_scheduler.CyclicLR(opt, [0.1, 0.2], 1.0)
    lr_scheduler.CyclicLR(optim.Adagrad([nn.Parameter(np.zeros(1))]), 0.1, 1.0, cycle_momentum=False)


def test_cyclic_lr_state_dict_resumes_the_cycle():
    def make():
        opt = optim.Adam([nn.Parameter(np.zeros(1))], lr=0.1)
        return opt, lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.95)
    opt, sched = make()
    for _ in range(4):
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert state["_scale_fn_custom"] is None and "optimizer" not in state
    opt2, sched2 = make()
    sched2.load_state_dict(state)
    for _ in range(3):
        for o, s in ((opt, sched), (opt2, sched2)):
            o.step()
            s.step()
    assert sched2.get_last_lr() == sched.get_last_lr() and sched2.last_epoch == 7
    # a custom scale function is not saved; the loading scheduler keeps its own
    opt3 = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1)
    custom = lr_scheduler.CyclicLR(opt3, 0.01, 0.1, scale_fn=SCALE_FNS["inverse"], cycle_momentum=False)
    assert custom.state_dict()["_scale_fn_custom"] is None


def test_chained_scheduler_validates_and_round_trips():
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    other = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="at least one scheduler"):
        lr_scheduler.ChainedScheduler([])
    with pytest.raises(ValueError, match="same optimizer"):
        lr_scheduler.ChainedScheduler([lr_scheduler.ExponentialLR(opt, 0.9), lr_scheduler.ExponentialLR(other, 0.9)])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(opt)])
    chain = lr_scheduler.ChainedScheduler([lr_scheduler.StepLR(opt, 2, 0.5), lr_scheduler.ExponentialLR(opt, 0.9)])
    for _ in range(3):
        opt.step()
        chain.step()
    state = chain.state_dict()
    assert len(state["_schedulers"]) == 2 and state["_schedulers"][0]["last_epoch"] == 3
    opt2 = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    chain2 = lr_scheduler.ChainedScheduler([lr_scheduler.StepLR(opt2, 2, 0.5), lr_scheduler.ExponentialLR(opt2, 0.9)])
    chain2.load_state_dict(state)
    assert chain2._schedulers[1].last_epoch == 3 and chain2.get_last_lr() == chain.get_last_lr()
