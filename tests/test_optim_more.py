"""NAdam, RAdam, Adamax, Rprop, ASGD and LBFGS beyond the torch trajectories of
test_optim_torch.py: defaults, state-dict layouts (PyTorch's keys, scalar state
given as 0-d tensors as PyTorch saves it), parameter groups, the closure
protocol and L-BFGS's flat-vector bookkeeping."""
import copy

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.optim as optim

FIRST_ORDER = {
    "NAdam": ({"lr": 2e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "momentum_decay": 4e-3,
               "decoupled_weight_decay": False}, {"step", "mu_product", "exp_avg", "exp_avg_sq"}),
    "RAdam": ({"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "decoupled_weight_decay": False},
              {"step", "exp_avg", "exp_avg_sq"}),
    "Adamax": ({"lr": 2e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0}, {"step", "exp_avg", "exp_inf"}),
    "Rprop": ({"lr": 1e-2, "etas": (0.5, 1.2), "step_sizes": (1e-6, 50)}, {"step", "prev", "step_size"}),
    "ASGD": ({"lr": 1e-2, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6, "weight_decay": 0}, {"step", "eta", "mu", "ax"}),
    "Adafactor": ({"lr": 1e-2, "beta2_decay": -0.8, "eps": (None, 1e-3), "d": 1.0, "weight_decay": 0.0},
                  {"step", "variance"}),
}


def _param(values=(1.0, -2.0, 0.5)):
    return nn.Parameter(np.array(values, dtype=np.float64))


@pytest.mark.parametrize("name", sorted(FIRST_ORDER))
def test_defaults_flags_and_state_keys_are_pytorchs(name):
    defaults, state_keys = FIRST_ORDER[name]
    w = _param()
    opt = getattr(optim, name)([w])
    for key, value in defaults.items():
        assert opt.defaults[key] == value, key
    assert opt.defaults["maximize"] is False and opt.defaults["foreach"] is None
    if name == "Adafactor":   # PyTorch's Adafactor has no capturable/differentiable switches
        assert "capturable" not in opt.defaults and "differentiable" not in opt.defaults
    else:
        assert opt.defaults["capturable"] is False and opt.defaults["differentiable"] is False
    w.grad = mdl.tensor([0.5, -1.0, 2.0], dtype=mdl.float64)
    opt.step()
    sd = opt.state_dict()
    assert set(sd["state"][0]) == state_keys and sd["state"][0]["step"] == 1
    assert set(sd["param_groups"][0]) == set(opt.defaults) | {"params"}
    with pytest.raises(ValueError, match="(?i)learning rate"):
        getattr(optim, name)([_param()], lr=-1.0)


@pytest.mark.parametrize("name", sorted(FIRST_ORDER))
def test_state_dict_round_trip_continues_the_same_trajectory(name):
    # float64 scalar state (as PyTorch under set_default_dtype(float64)): load_state_dict casts NAdam's
    # mu_product and ASGD's eta/mu to the parameter's dtype, so float32 ones would round differently after it
    previous = mdl.get_default_dtype()
    mdl.set_default_dtype(mdl.float64)
    try:
        _round_trip(name)
    finally:
        mdl.set_default_dtype(previous)


def _round_trip(name):
    a, b = _param(), _param()
    opt_a = getattr(optim, name)([a], lr=0.05)
    for _ in range(3):
        a.grad = mdl.tensor(a.numpy() ** 3 + 1.0)
        opt_a.step()
    b.data[...] = a.data
    opt_b = getattr(optim, name)([b], lr=0.5)
    saved = opt_a.state_dict()
    # as PyTorch saves it: scalar state entries are 0-d tensors
    saved["state"][0] = {k: (mdl.tensor(np.array(v)) if isinstance(v, (int, float)) else mdl.tensor(v))
                         for k, v in saved["state"][0].items()}
    opt_b.load_state_dict(saved)
    assert opt_b.param_groups[0]["lr"] == 0.05
    assert all(not isinstance(v, np.ndarray) or v.ndim == 1 for v in opt_b.state[b].values())
    for _ in range(2):
        for p, opt in ((a, opt_a), (b, opt_b)):
            p.grad = mdl.tensor(p.numpy() ** 3 + 1.0)
            opt.step()
    np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-14)


def test_adafactor_factored_state_round_trips():
    a = nn.Parameter(np.arange(6.0).reshape(2, 3) / 5 - 0.4)
    opt = optim.Adafactor([a], lr=0.05)
    a.grad = mdl.tensor(a.numpy() ** 3 + 1.0)
    opt.step()
    assert opt.state[a]["row_var"].shape == (2, 1) and opt.state[a]["col_var"].shape == (1, 3)
    b = nn.Parameter(a.numpy().copy())
    opt_b = optim.Adafactor([b], lr=0.05)
    opt_b.load_state_dict(copy.deepcopy(opt.state_dict()))   # a live state dict would share its tensors
    for p, o in ((a, opt), (b, opt_b)):
        p.grad = mdl.tensor(p.numpy() ** 3 + 1.0)
        o.step()
    np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-14)
    with pytest.raises(ValueError, match="row_var"):
        optim.Adafactor([nn.Parameter(np.zeros((3, 3)))]).load_state_dict(opt.state_dict())


def test_param_groups_and_add_param_group():
    w, v = _param(), _param((3.0,))
    opt = optim.NAdam([{"params": [w]}, {"params": [v], "lr": 0.5}], lr=0.1, momentum_decay=0.01)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    u = _param((2.0, 2.0))
    opt.add_param_group({"params": [u], "betas": (0.5, 0.9)})
    assert opt.param_groups[2]["betas"] == (0.5, 0.9) and opt.param_groups[2]["momentum_decay"] == 0.01
    for p in (w, v, u):
        p.grad = mdl.ones(p.shape[0], dtype=mdl.float64)
    opt.step()
    assert len(opt.state) == 3


def test_rprop_step_sizes_by_hand():
    w = _param((0.0, 0.0, 0.0))
    opt = optim.Rprop([w], lr=0.1, etas=(0.5, 2.0), step_sizes=(0.01, 0.3))
    for g in ([1.0, 1.0, 0.0], [1.0, -1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]):
        w.grad = mdl.tensor(g, dtype=mdl.float64)
        opt.step()
    # element 0: same sign every time -> 0.1, 0.2, 0.3 (clamped), 0.3; moves -0.1 -0.2 -0.3 -0.3
    # element 1: sign flip at step 2 -> size 0.05 and no move, then prev=0 (no change), then grows to 0.1
    # element 2: zero, then 0.1, 0.2, 0.3
    np.testing.assert_allclose(w.numpy(), [-0.9, -0.1 + 0.0 - 0.05 - 0.1, -0.1 - 0.2 - 0.3])
    np.testing.assert_allclose(opt.state[w]["step_size"], [0.3, 0.1, 0.3])


def test_asgd_averages_the_iterates_after_t0():
    w = _param((1.0,))
    opt = optim.ASGD([w], lr=0.1, lambd=0.0, t0=1)
    iterates = []
    for _ in range(4):
        w.grad = mdl.tensor([1.0], dtype=mdl.float64)
        opt.step()
        iterates.append(w.item())
    # mu = 1 / max(1, t - t0) is 1 until after step 3 (ax copies iterates 1-3), then ax averages from iterate 3 on
    np.testing.assert_allclose(opt.state[w]["ax"], [np.mean(iterates[2:])])
    assert opt.state[w]["eta"] == pytest.approx(0.1) and opt.state[w]["mu"] == pytest.approx(1 / 3)


def test_nadam_maximize_is_the_mirror_image():
    a, b = _param(), _param()
    opt_a, opt_b = optim.NAdam([a], lr=0.1), optim.NAdam([b], lr=0.1, maximize=True)
    for _ in range(3):
        a.grad = mdl.tensor(a.numpy() - 0.25)
        b.grad = mdl.tensor(0.25 - b.numpy())
        opt_a.step()
        opt_b.step()
    np.testing.assert_allclose(a.numpy(), b.numpy())


# ------------------------------------------------------------------ LBFGS
def _rosenbrock_closure(opt, params):
    def closure():
        opt.zero_grad()
        x, y = params
        loss = ((1 - x) ** 2 + 100 * (y - x * x) ** 2).sum()
        loss.backward()
        return loss
    return closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_minimises_rosenbrock(line_search_fn):
    x, y = _param((-1.2, 0.5)), _param((1.0, 0.3))
    opt = optim.LBFGS([x, y], lr=1 if line_search_fn else 0.1, max_iter=50, line_search_fn=line_search_fn)
    closure = _rosenbrock_closure(opt, (x, y))
    first = opt.step(closure)
    assert isinstance(first, mdl.Tensor) and first.item() > 1
    for _ in range(20 if line_search_fn else 200):
        opt.step(closure)
    np.testing.assert_allclose(np.concatenate([x.numpy(), y.numpy()]), np.ones(4), atol=1e-4)
    state = opt.state[x]
    assert state["func_evals"] > state["n_iter"] >= 20
    assert 0 < len(state["old_dirs"]) == len(state["old_stps"]) == len(state["ro"]) <= 100


def test_lbfgs_treats_parameters_as_one_flat_vector():
    """Two parameters follow exactly the trajectory of their concatenation."""
    whole = nn.Parameter(np.array([0.5, -1.5, 2.0, 0.1, 0.0, -0.3]))
    left, right = nn.Parameter(whole.numpy()[:2].copy()), nn.Parameter(whole.numpy()[2:].reshape(2, 2).copy())
    opt_whole = optim.LBFGS([whole], max_iter=3, history_size=2, line_search_fn="strong_wolfe")
    opt_split = optim.LBFGS([left, right], max_iter=3, history_size=2, line_search_fn="strong_wolfe")

    def closure_of(opt, params):
        def closure():
            opt.zero_grad()
            loss = sum((p ** 4 / 4 + p).sum() for p in params)
            loss.backward()
            return loss
        return closure
    for _ in range(3):
        opt_whole.step(closure_of(opt_whole, [whole]))
        opt_split.step(closure_of(opt_split, [left, right]))
        np.testing.assert_allclose(np.concatenate([left.numpy(), right.numpy().ravel()]), whole.numpy(),
                                   rtol=1e-12)
    assert opt_split.state[left]["d"].shape == (6,) and right not in opt_split.state


def test_lbfgs_state_dict_round_trip_and_errors():
    w = _param()
    opt = optim.LBFGS([w], max_iter=2, history_size=3)

    def closure():
        opt.zero_grad()
        loss = (w ** 4 / 4 + w).sum()
        loss.backward()
        return loss
    opt.step(closure)
    opt.step(closure)
    sd = opt.state_dict()
    assert set(sd["state"][0]) == {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
                                   "prev_flat_grad", "prev_loss", "al"}
    assert sd["param_groups"][0]["max_eval"] == 2 * 5 // 4
    w2 = _param()
    w2.data[...] = w.data
    opt2 = optim.LBFGS([w2], max_iter=2, history_size=3)
    opt2.load_state_dict(sd)

    def closure2():
        opt2.zero_grad()
        loss = (w2 ** 4 / 4 + w2).sum()
        loss.backward()
        return loss
    opt.step(closure)
    opt2.step(closure2)
    np.testing.assert_allclose(w2.numpy(), w.numpy(), rtol=1e-14)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [_param()]}, {"params": [_param()]}])
    with pytest.raises(ValueError, match="parameter groups"):
        opt.add_param_group({"params": [_param()]})
    with pytest.raises(ValueError, match="'d' has shape"):
        optim.LBFGS([_param((1.0, 2.0))]).load_state_dict(sd)
    with pytest.raises(RuntimeError, match="strong_wolfe"):
        optim.LBFGS([w], line_search_fn="backtracking").step(closure)


def test_lbfgs_stops_at_once_when_the_gradient_is_tiny():
    w = _param((1.0, 1.0))
    opt = optim.LBFGS([w])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = ((w - 1.0) ** 2).sum()
        loss.backward()
        return loss
    assert opt.step(closure).item() == 0.0
    assert len(calls) == 1 and w.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("name", ["NAdam", "LBFGS"])
def test_resumes_from_a_state_dict_saved_by_pytorch(name):
    """fixtures/optim_state_torch.pt: torch.save of PyTorch's own state dicts (written by
    fixtures/make_optim_state_fixture.py); minidl continues exactly where PyTorch would."""
    from pathlib import Path
    saved = mdl.load(Path(__file__).parent / "fixtures" / "optim_state_torch.pt")[name]
    w = nn.Parameter(saved["w"].numpy().copy())
    kwargs = {"line_search_fn": "strong_wolfe", "max_iter": 2} if name == "LBFGS" else {"lr": 0.05}
    opt = getattr(optim, name)([w], **kwargs)
    opt.load_state_dict(saved["state_dict"])

    def closure():
        opt.zero_grad()
        loss = (w ** 4 / 4 + w).sum()
        loss.backward()
        return loss
    for _ in range(2):
        opt.step(closure)
    np.testing.assert_allclose(w.numpy(), saved["w_after"].numpy(), rtol=1e-12, atol=1e-14)


def test_muon_defaults_matrix_only_and_orthogonalised_steps(rng):
    from minidl.optim.muon import newton_schulz, round_to_bfloat16
    w = nn.Parameter(rng.standard_normal((6, 4)))
    opt = optim.Muon([w])
    assert (opt.defaults["lr"], opt.defaults["weight_decay"], opt.defaults["momentum"], opt.defaults["nesterov"],
            opt.defaults["ns_coefficients"], opt.defaults["eps"], opt.defaults["ns_steps"],
            opt.defaults["adjust_lr_fn"]) == (1e-3, 0.1, 0.95, True, (3.4445, -4.775, 2.0315), 1e-7, 5, None)
    with pytest.raises(ValueError, match="2D parameters"):
        optim.Muon([_param()])
    with pytest.raises(ValueError, match="not supported"):
        optim.Muon([w], adjust_lr_fn="sqrt")
    w.grad = mdl.tensor(rng.standard_normal((6, 4)))
    opt.step()
    assert set(opt.state[w]) == {"momentum_buffer"}
    # bfloat16 rounding: ties go to the even mantissa
    rounded = round_to_bfloat16(np.array([1.00390625, 1.01171875, -3.0]), np)
    np.testing.assert_array_equal(rounded, [1.0, 1.015625, -3.0])
    ortho = newton_schulz(rng.standard_normal((9, 5)), (3.4445, -4.775, 2.0315), 5, 1e-7, np)
    singular = np.linalg.svd(ortho.astype(np.float64), compute_uv=False)
    assert ortho.shape == (9, 5) and np.all((singular > 0.5) & (singular < 1.3))
