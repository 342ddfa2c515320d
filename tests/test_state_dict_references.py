"""State dicts are views, as PyTorch 2.13's: ``Module.state_dict()`` holds detached Tensors on the
parameters' and buffers' memory (``keep_vars=True`` the Parameters themselves), ``Optimizer.state_dict()``
holds the optimizer's own per-parameter state dicts, and ``Optimizer.load_state_dict`` keeps a saved
Tensor that already fits. The code that needs a snapshot (the lr range test, best-weight restore,
``copy.deepcopy``, saving to a file) copies explicitly. Expected behaviour read from torch 2.13 CPU."""
import copy
import io

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.optim as optim
from minidl.train.lr_finder import lr_range_test


def test_module_state_dict_shares_memory_and_is_detached():
    m = nn.Linear(2, 3)
    sd = m.state_dict()
    w = sd["weight"]
    assert type(w) is mdl.Tensor and not w.requires_grad and w.is_leaf and w.grad_fn is None
    assert w.data_ptr() == m.weight.data_ptr()
    w.add_(1)                                   # writes go to the module
    np.testing.assert_array_equal(m.weight.detach().numpy(), w.numpy())
    sd["bias"].copy_(mdl.zeros(3))
    np.testing.assert_array_equal(m.bias.detach().numpy(), np.zeros(3, np.float32))
    opt = optim.SGD(m.parameters(), lr=0.1)
    m(mdl.randn(4, 2)).sum().backward()
    opt.step()                                  # and training shows through
    np.testing.assert_array_equal(sd["weight"].numpy(), m.weight.detach().numpy())


def test_keep_vars_gives_the_parameters_themselves():
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    sd = m.state_dict(keep_vars=True)
    assert sd["0.weight"] is m[0].weight and isinstance(sd["0.weight"], nn.Parameter)
    assert sd["1.running_mean"] is m[1].running_mean


def test_buffers_updated_by_forward_show_in_an_earlier_state_dict():
    bn = nn.BatchNorm2d(3)
    sd = bn.state_dict()
    bn(mdl.randn(4, 3, 5, 5))
    for key in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_array_equal(sd[key].numpy(), getattr(bn, key).numpy())
    assert int(sd["num_batches_tracked"]) == 1


def test_deepcopy_and_save_are_snapshots_and_loading_own_state_dict_is_a_no_op():
    m = nn.Linear(3, 2)
    snapshot = copy.deepcopy(m.state_dict())
    buf = io.BytesIO()
    mdl.save(m.state_dict(), buf)
    before = m.weight.detach().numpy().copy()
    with mdl.no_grad():
        m.weight.mul_(2)
    np.testing.assert_array_equal(snapshot["weight"].numpy(), before)
    buf.seek(0)
    np.testing.assert_array_equal(mdl.load(buf)["weight"].numpy(), before)
    m.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(m.weight.detach().numpy(), 2 * before)
    m.load_state_dict(snapshot)
    np.testing.assert_array_equal(m.weight.detach().numpy(), before)


def _adam_after_one_step():
    p = nn.Parameter(mdl.ones(3))
    opt = optim.Adam([p], lr=0.1)
    p.grad = mdl.ones(3)
    opt.step()
    return p, opt


def test_optimizer_state_dict_is_the_live_state():
    p, opt = _adam_after_one_step()
    sd = opt.state_dict()
    assert sd["state"][0] is opt.state[p]
    assert all(sd["state"][0][k] is opt.state[p][k] for k in ("step", "exp_avg", "exp_avg_sq"))
    # groups: a new dict per group sharing the values (PyTorch's shallow copy), params as indices
    assert sd["param_groups"][0] is not opt.param_groups[0]
    assert sd["param_groups"][0]["betas"] is opt.param_groups[0]["betas"]
    sd["param_groups"][0]["lr"] = 5.0
    assert opt.param_groups[0]["lr"] == 0.1
    opt.step()
    assert float(sd["state"][0]["step"]) == 2.0
    np.testing.assert_allclose(sd["state"][0]["exp_avg"].numpy(), np.full(3, 0.19), rtol=1e-6)


def test_optimizer_load_keeps_fitting_tensors_and_deep_copies_groups():
    p, opt = _adam_after_one_step()
    sd = opt.state_dict()
    q = nn.Parameter(mdl.ones(3))
    other = optim.Adam([q], lr=0.1)
    other.load_state_dict(sd)
    # as PyTorch: the same tensors (a live state dict loaded into another optimizer shares its state)
    assert other.state[q]["exp_avg"] is opt.state[p]["exp_avg"]
    assert other.state[q]["step"] is opt.state[p]["step"]
    assert other.param_groups[0]["betas"] == (0.9, 0.999)
    # a tensor of another dtype is converted (a copy), the step keeps its own dtype
    q64 = nn.Parameter(mdl.ones(3, dtype=mdl.float64))
    o64 = optim.Adam([q64], lr=0.1)
    o64.load_state_dict(sd)
    assert o64.state[q64]["exp_avg"] is not opt.state[p]["exp_avg"]
    assert o64.state[q64]["exp_avg"].dtype == mdl.float64 and o64.state[q64]["step"].dtype == mdl.float32
    # a deep copy is an independent snapshot
    fresh = optim.Adam([nn.Parameter(mdl.ones(3))], lr=0.1)
    fresh.load_state_dict(copy.deepcopy(sd))
    assert all(v is not opt.state[p][k] for k, v in next(iter(fresh.state.values())).items())


def test_nadam_and_asgd_scalar_state_stays_the_same_tensor_across_steps():
    for cls, keys in ((optim.NAdam, ("step", "mu_product")), (optim.ASGD, ("step", "eta", "mu"))):
        p = nn.Parameter(mdl.ones(3))
        opt = cls([p], lr=0.1)
        p.grad = mdl.ones(3)
        opt.step()
        held = {k: opt.state[p][k] for k in keys}
        values = {k: float(v) for k, v in held.items()}
        opt.step()
        for k in keys:
            assert opt.state[p][k] is held[k] and held[k].ndim == 0 and held[k].dtype == mdl.float32
            assert held[k].device == p.device
        assert float(held["step"]) == 2.0 and values["step"] == 1.0
    # values after two steps, read from torch 2.13 (NAdam mu_product, ASGD eta)
    p = nn.Parameter(mdl.ones(3))
    nadam = optim.NAdam([p], lr=0.1)
    for _ in range(2):
        p.grad = mdl.ones(3)
        nadam.step()
    assert float(nadam.state[p]["mu_product"]) == np.float32(0.2025991976261139)


def test_lr_range_test_restores_a_trained_optimizers_state():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    nn.functional.cross_entropy(model(mdl.tensor(x)), mdl.tensor(y)).backward()
    opt.step()
    buffers = {id(p): s["momentum_buffer"].numpy().copy() for p, s in opt.state.items()}
    lr_range_test(model, (x, y), opt, "cross_entropy", start_lr=1e-4, end_lr=1.0, num_iter=5,
                  batch_size=8, seed=0)
    assert len(opt.state) == len(buffers)
    for p, s in opt.state.items():
        np.testing.assert_array_equal(s["momentum_buffer"].numpy(), buffers[id(p)])


@pytest.mark.gpu
def test_asgd_and_nadam_scalar_state_lives_on_the_parameters_gpu():
    # PyTorch 2.13: ASGD's step/eta/mu and NAdam's mu_product on the parameter's device, NAdam's step on the CPU
    for cls, on_gpu, on_cpu in ((optim.ASGD, ("step", "eta", "mu"), ()), (optim.NAdam, ("mu_product",), ("step",))):
        runs = {}
        for device in ("cpu", "cuda"):
            p = nn.Parameter(mdl.tensor([1.0, -2.0, 3.0], device=device))
            opt = cls([p], lr=0.1)
            held = None
            for _ in range(3):
                p.grad = p.detach() * 2
                opt.step()
                if held is None:
                    held = {k: v for k, v in opt.state[p].items()}
            assert all(opt.state[p][k] is held[k] for k in held)     # updated in place, on its device
            runs[device] = (p.detach().cpu().numpy(), {k: float(v) for k, v in opt.state[p].items() if v.ndim == 0})
            if device == "cuda":
                assert all(opt.state[p][k].device.type == "cuda" for k in on_gpu)
                assert all(opt.state[p][k].device.type == "cpu" for k in on_cpu)
                other = cls([nn.Parameter(mdl.zeros(3, device="cuda"))], lr=0.1)
                other.load_state_dict(copy.deepcopy(opt.state_dict()))
                state = next(iter(other.state.values()))
                assert all(state[k].device.type == "cuda" for k in on_gpu)
        np.testing.assert_allclose(runs["cuda"][0], runs["cpu"][0], rtol=1e-6)
        assert runs["cuda"][1] == pytest.approx(runs["cpu"][1], rel=1e-6)
