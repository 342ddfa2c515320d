"""Gaps found by running tutorial-style PyTorch scripts on torch 2.13 CPU and on minidl (imports changed)
and comparing their printed output: error types, reprs, scheduler state dicts, ``manual_seed``'s return,
``random_split`` indices, ``add``/``sub`` with ``alpha``. Expected values read from torch 2.13."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.utils.data import random_split


@pytest.mark.parametrize("name,fn", [
    ("matmul", lambda: mdl.ones(2, 3) @ mdl.ones(4, 5)),
    ("broadcast", lambda: mdl.ones(2, 3) + mdl.ones(4, 5)),
    ("cat", lambda: mdl.cat([mdl.ones(2, 3), mdl.ones(4, 5)])),
    ("stack", lambda: mdl.stack([mdl.ones(2, 3), mdl.ones(4, 5)])),
    ("linear", lambda: nn.Linear(3, 2)(mdl.ones(2, 4))),
    ("conv", lambda: nn.Conv2d(3, 2, 3)(mdl.ones(1, 4, 5, 5))),
    ("mse", lambda: F.mse_loss(mdl.ones(2), mdl.ones(3))),
    ("ce_float_target", lambda: F.cross_entropy(mdl.randn(2, 3), mdl.tensor([0.5, 1.0]))),
    ("arange_sign", lambda: mdl.arange(0, 5, -1)),
])
def test_shape_errors_are_pytorchs_runtime_error(name, fn):
    with pytest.raises(RuntimeError) as info:
        fn()
    if name != "arange_sign":
        assert isinstance(info.value, ValueError)       # minidl's earlier type still catches it
    else:
        assert str(info.value) == "upper bound and lower bound inconsistent with step sign"


def test_add_and_sub_take_alpha():
    a, b = mdl.tensor([1.0, 2.0]), mdl.tensor([10.0, 20.0])
    assert mdl.add(a, b, alpha=2).tolist() == [21.0, 42.0] and mdl.sub(a, b, alpha=0.5).tolist() == [-4.0, -8.0]
    assert mdl.add(a, 3).tolist() == [4.0, 5.0]
    with pytest.raises(RuntimeError, match="For integral input tensors, argument alpha must not be a floating"):
        mdl.add(mdl.tensor([1]), mdl.tensor([2]), alpha=0.5)
    with pytest.raises(TypeError):
        mdl.add(a, b, 2)                                  # alpha is keyword-only, as in PyTorch


def test_repr_puts_suffixes_on_a_new_line_past_the_line_width():
    assert repr(mdl.arange(12.0, dtype=mdl.float64).requires_grad_()) == (
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11.],\n"
        "       dtype=minidl.float64, requires_grad=True)")
    assert repr(mdl.arange(13.0, dtype=mdl.float64).requires_grad_() * 2) == (
        "tensor([ 0.,  2.,  4.,  6.,  8., 10., 12., 14., 16., 18., 20., 22., 24.],\n"
        "       dtype=minidl.float64, grad_fn=<MulBackward0>)")
    assert repr(mdl.arange(20.0, dtype=mdl.float64).requires_grad_()) == (
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
        "        14., 15., 16., 17., 18., 19.], dtype=minidl.float64, requires_grad=True)")
    assert repr(mdl.zeros(0, 3, dtype=mdl.int64)) == "tensor([], size=(0, 3), dtype=minidl.int64)"


def test_manual_seed_returns_the_default_generator():
    g = mdl.manual_seed(3)
    assert g is mdl.default_generator and g.initial_seed() == 3 == mdl.initial_seed()
    first = mdl.rand(3)
    assert mdl.random.manual_seed(3) is g and mdl.equal(mdl.rand(3), first)
    g.manual_seed(5)
    assert mdl.initial_seed() == 5


def test_optimizer_repr_separates_groups_with_a_blank_line():
    p, q = nn.Parameter(mdl.zeros(1)), nn.Parameter(mdl.zeros(1))
    text = repr(optim.SGD([{"params": [p], "lr": 0.1}, {"params": [q]}], lr=0.01))
    assert "    weight_decay: 0\n\nParameter Group 1\n" in text and text.endswith("weight_decay: 0\n)")


def test_scheduler_state_dicts_have_pytorchs_keys():
    opt = optim.SGD([nn.Parameter(mdl.zeros(1))], lr=0.1)
    sd = optim.lr_scheduler.StepLR(opt, 2).state_dict()
    assert list(sd) == ["step_size", "gamma", "base_lrs", "last_epoch", "_step_count", "_is_initial",
                        "_get_lr_called_within_step", "_last_lr"]

    class Warmup:
        def __init__(self):
            self.factor = 0.5

        def __call__(self, epoch):
            return self.factor

    sched = optim.lr_scheduler.LambdaLR(opt, [Warmup()])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"factor": 0.5}]
    plain = optim.lr_scheduler.LambdaLR(optim.SGD([nn.Parameter(mdl.zeros(1))], lr=0.1), lambda e: 1.0)
    assert plain.state_dict()["lr_lambdas"] == [None]
    sd["lr_lambdas"] = [{"factor": 0.25}]
    sched.load_state_dict(sd)
    assert sched.lr_lambdas[0].factor == 0.25 and callable(sched.lr_lambdas[0])


def test_random_split_indices_are_python_ints():
    a, b = random_split(range(10), [7, 3], generator=mdl.Generator().manual_seed(0))
    assert isinstance(a.indices, list) and all(type(i) is int for i in a.indices + b.indices)
    assert sorted(a.indices + b.indices) == list(range(10))


def test_prelu_node_name():
    out = nn.PReLU()(mdl.tensor([-1.0, 2.0]))
    assert out.grad_fn.name() == "PreluKernelBackward0"
    np.testing.assert_allclose(out.detach().numpy(), [-0.25, 2.0])


def test_forward_hooks_with_kwargs_prepend_and_always_call():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            if factor < 0:
                raise ValueError("negative factor")
            return x * factor

    m = Scale()
    seen = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": kwargs.get("factor", 1.0) * 2}),
                                with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(("kw", dict(kwargs))) or out + 1,
                            with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: seen.append(("first", None)), prepend=True)
    assert m(mdl.ones(1), factor=3.0).tolist() == [7.0]
    assert seen == [("first", None), ("kw", {"factor": 6.0})]
    called = []
    m.register_forward_hook(lambda mod, args, out: called.append(out), always_call=True)
    with pytest.raises(ValueError, match="negative factor"):
        m(mdl.ones(1), factor=-1.0)
    assert called == [None]
    bad = Scale()
    bad.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple of"):
        bad(mdl.ones(1))
