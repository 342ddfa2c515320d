"""Optimizer state as Tensors, as in PyTorch 2.13: ``opt.state[p]`` buffers are Tensors of the parameter's
dtype, ``step`` (and NAdam's ``mu_product``, ASGD's ``eta``/``mu``) 0-d float32 Tensors; state dicts hold
Tensors and load older minidl checkpoints (NumPy arrays and ints). Expected types read from torch 2.13."""
import copy
import io

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.optim as optim

# optimizer -> (kwargs, buffers of the parameter's shape, 0-d float32 scalars), as torch 2.13 has them
EXPECTED = {
    "SGD": ({"momentum": 0.9}, {"momentum_buffer"}, set()),
    "Adam": ({}, {"exp_avg", "exp_avg_sq"}, {"step"}),
    "AdamW": ({"amsgrad": True}, {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}, {"step"}),
    "Adamax": ({}, {"exp_avg", "exp_inf"}, {"step"}),
    "NAdam": ({}, {"exp_avg", "exp_avg_sq"}, {"step", "mu_product"}),
    "RAdam": ({}, {"exp_avg", "exp_avg_sq"}, {"step"}),
    "Adagrad": ({}, {"sum"}, {"step"}),
    "Adadelta": ({}, {"square_avg", "acc_delta"}, {"step"}),
    "RMSprop": ({"momentum": 0.9, "centered": True}, {"square_avg", "momentum_buffer", "grad_avg"}, {"step"}),
    "Rprop": ({}, {"prev", "step_size"}, {"step"}),
    "ASGD": ({}, {"ax"}, {"step", "eta", "mu"}),
    "Muon": ({}, {"momentum_buffer"}, set()),
}


def _stepped(name, dtype=np.float64, steps=2):
    kwargs, _, _ = EXPECTED[name]
    w = nn.Parameter(np.linspace(-1.0, 1.0, 12).reshape(3, 4).astype(dtype))
    opt = getattr(optim, name)([w], **kwargs)
    for _ in range(steps):
        w.grad = mdl.tensor(w.numpy() ** 3 + 1.0)
        opt.step()
    return w, opt


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_state_entries_are_tensors(name):
    w, opt = _stepped(name)
    _, buffers, scalars = EXPECTED[name]
    state = opt.state[w]
    assert set(state) == buffers | scalars
    for key in buffers:
        assert isinstance(state[key], mdl.Tensor) and state[key].dtype == mdl.float64
        assert state[key].shape == (3, 4) and not state[key].requires_grad
    for key in scalars:
        assert isinstance(state[key], mdl.Tensor) and state[key].shape == () and state[key].dtype == mdl.float32
    if "step" in scalars:
        assert state["step"].item() == 2.0
    saved = opt.state_dict()
    assert list(saved["state"]) == [0] and saved["param_groups"][0]["params"] == [0]
    assert all(isinstance(v, mdl.Tensor) for v in saved["state"][0].values())


def test_step_counter_is_updated_in_place_and_buffers_share_the_update_arrays():
    w, opt = _stepped("Adam")
    step, exp_avg = opt.state[w]["step"], opt.state[w]["exp_avg"]
    before = exp_avg.numpy().copy()
    w.grad = mdl.ones(3, 4, dtype=mdl.float64)
    opt.step()
    assert opt.state[w]["step"] is step and step.item() == 3.0          # one Tensor, as PyTorch's step += 1
    assert opt.state[w]["exp_avg"] is exp_avg and not np.array_equal(exp_avg.numpy(), before)


def test_adagrad_state_exists_as_tensors_before_any_step():
    w = nn.Parameter(np.ones(3, dtype=np.float32))
    opt = optim.Adagrad([w], initial_accumulator_value=0.5)
    assert opt.state[w]["step"].dtype == mdl.float32 and opt.state[w]["step"].item() == 0
    assert isinstance(opt.state[w]["sum"], mdl.Tensor) and opt.state[w]["sum"].numpy().tolist() == [0.5] * 3


@pytest.mark.parametrize("name", ["Adam", "NAdam", "ASGD", "SGD", "Rprop"])
def test_file_round_trip_continues_the_trajectory(name):
    w, opt = _stepped(name)
    buffer = io.BytesIO()
    mdl.save(opt.state_dict(), buffer)
    buffer.seek(0)
    loaded = mdl.load(buffer)
    assert all(isinstance(v, mdl.Tensor) for v in loaded["state"][0].values())
    w2 = nn.Parameter(w.numpy().copy())
    opt2 = getattr(optim, name)([w2], **EXPECTED[name][0])
    opt2.load_state_dict(loaded)
    assert all(isinstance(v, mdl.Tensor) for v in opt2.state[w2].values())
    for p, o in ((w, opt), (w2, opt2)):
        for _ in range(2):
            p.grad = mdl.tensor(p.numpy() ** 3 + 1.0)
            o.step()
    if name in ("NAdam", "ASGD"):   # loading casts mu_product / eta, mu to float64 (the parameter's), as PyTorch
        np.testing.assert_allclose(w2.numpy(), w.numpy(), rtol=1e-8)
    else:
        np.testing.assert_array_equal(w2.numpy(), w.numpy())


def test_old_checkpoints_with_arrays_and_ints_load_as_tensors():
    w, opt = _stepped("Adam")
    old = {"state": {"0": {"step": 2, "exp_avg": opt.state[w]["exp_avg"].numpy().copy(),
                           "exp_avg_sq": opt.state[w]["exp_avg_sq"].numpy().copy()}},
           "param_groups": opt.state_dict()["param_groups"]}
    w2 = nn.Parameter(w.numpy().copy())
    opt2 = optim.Adam([w2])
    opt2.load_state_dict(old)
    state = opt2.state[w2]
    assert state["step"].dtype == mdl.float32 and state["step"].item() == 2.0
    assert isinstance(state["exp_avg"], mdl.Tensor) and state["exp_avg"].dtype == mdl.float64
    for p, o in ((w, opt), (w2, opt2)):
        p.grad = mdl.tensor(p.numpy() ** 3 + 1.0)
        o.step()
    np.testing.assert_array_equal(w2.numpy(), w.numpy())


def test_load_moves_buffers_to_the_parameter_dtype_and_keeps_the_step_dtype():
    w, opt = _stepped("NAdam", dtype=np.float64)
    w32 = nn.Parameter(w.numpy().astype(np.float32))
    opt32 = optim.NAdam([w32])
    opt32.load_state_dict(opt.state_dict())
    state = opt32.state[w32]
    assert state["exp_avg"].dtype == mdl.float32 and state["exp_avg_sq"].dtype == mdl.float32
    assert state["step"].dtype == mdl.float32          # 'step' keeps its saved dtype, as PyTorch
    assert state["mu_product"].dtype == mdl.float32    # other scalars take the parameter's dtype


def test_state_dict_is_a_view_and_deepcopy_a_snapshot():
    # PyTorch 2.13: opt.state_dict()["state"][i] is opt.state[p] itself; later steps show through it
    w, opt = _stepped("SGD")
    saved = opt.state_dict()
    snapshot = copy.deepcopy(saved)
    before = saved["state"][0]["momentum_buffer"].numpy().copy()
    w.grad = mdl.ones(3, 4, dtype=mdl.float64)
    opt.step()
    assert saved["state"][0]["momentum_buffer"] is opt.state[w]["momentum_buffer"]
    assert not np.array_equal(saved["state"][0]["momentum_buffer"].numpy(), before)
    np.testing.assert_array_equal(snapshot["state"][0]["momentum_buffer"].numpy(), before)


def test_lbfgs_keeps_its_vectors_as_tensors_and_resumes():
    def run(w, opt, steps):
        def closure():
            opt.zero_grad()
            loss = (w ** 4 / 4 + w).sum()
            loss.backward()
            return loss
        for _ in range(steps):
            opt.step(closure)

    w = nn.Parameter(np.linspace(-1.5, 1.2, 6))
    opt = optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=2)
    run(w, opt, 2)
    state = opt.state[w]
    assert isinstance(state["d"], mdl.Tensor) and isinstance(state["prev_flat_grad"], mdl.Tensor)
    assert state["old_dirs"] and all(isinstance(v, mdl.Tensor) for v in state["old_dirs"] + state["old_stps"])
    assert isinstance(state["func_evals"], int) and isinstance(state["n_iter"], int)   # ints in PyTorch too
    buffer = io.BytesIO()
    mdl.save(opt.state_dict(), buffer)
    buffer.seek(0)
    w2 = nn.Parameter(w.numpy().copy())
    opt2 = optim.LBFGS([w2], line_search_fn="strong_wolfe", max_iter=2)
    opt2.load_state_dict(mdl.load(buffer))
    assert isinstance(opt2.state[w2]["d"], mdl.Tensor)
    run(w, opt, 2)
    run(w2, opt2, 2)
    np.testing.assert_array_equal(w2.numpy(), w.numpy())
