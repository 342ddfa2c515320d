"""Optimisers: updates against hand-computed values and an independent reference of each
documented algorithm, dtype preservation, groups, state dicts and resume."""
import copy
import io
import math

import numpy as np
import pytest

import minidl as mdl
from minidl.nn.layers.linear import Linear
from minidl.nn.layers.loss import MSELoss
from minidl.nn.module import Parameter
from minidl.optim import SGD, Adadelta, Adam, AdamW, Optimizer, RMSprop
from minidl.tensor import Tensor

GRADS = [np.array([[0.5, -1.0, 2.0], [0.1, 0.0, -3.0]]),
         np.array([[-0.2, 0.3, 1.0], [0.4, -0.5, 0.6]]),
         np.array([[1.5, 0.2, -0.7], [-0.1, 0.9, 0.05]])]
P0 = np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.2]])


def run_steps(cls, kwargs, dtype=np.float64, grads=GRADS):
    p = Parameter(P0.astype(dtype))
    opt = cls([p], **kwargs)
    for g in grads:
        p.grad = Tensor(g.astype(dtype))
        opt.step()
    return p, opt


# --------------------------------------------------------- hand-computed values
def scalar_run(cls, grads, p0=1.0, **kwargs):
    p = Parameter(np.array([p0]))
    opt = cls([p], **kwargs)
    out = []
    for g in grads:
        p.grad = Tensor(np.array([float(g)]))
        opt.step()
        out.append(p.data[0].item())   # p.data[0] is a view of p, as in PyTorch
    return out


def test_sgd_hand_computed():
    assert scalar_run(SGD, [1, 1], lr=0.1) == pytest.approx([0.9, 0.8])
    # buf1 = g = 1; buf2 = 0.9 * 1 + 1 = 1.9; buf3 = 0.9 * 1.9 + 1 = 2.71
    assert scalar_run(SGD, [1, 1, 1], lr=0.1, momentum=0.9) == pytest.approx([0.9, 0.71, 0.439])
    # first buffer is the raw gradient (no dampening): 1; then 0.9 + 0.5 = 1.4; 1.26 + 0.5 = 1.76
    assert scalar_run(SGD, [1, 1, 1], lr=0.1, momentum=0.9, dampening=0.5) == pytest.approx(
        [0.9, 0.76, 0.584])
    # nesterov: g + 0.9 * buf -> 1.9, then 1 + 0.9 * 1.9 = 2.71
    assert scalar_run(SGD, [1, 1], lr=0.1, momentum=0.9, nesterov=True) == pytest.approx(
        [0.81, 0.539])
    # weight decay with zero gradient: p <- p - lr * wd * p
    assert scalar_run(SGD, [0, 0], lr=0.1, weight_decay=0.1) == pytest.approx([0.99, 0.9801])
    assert scalar_run(SGD, [1], lr=0.1, maximize=True) == pytest.approx([1.1])


def test_adam_hand_computed():
    # m_hat = g and v_hat = g^2 for a constant gradient: each step moves lr * g / (|g| + eps)
    step = 0.1 * 2 / (2 + 1e-8)
    assert scalar_run(Adam, [2, 2, 2], lr=0.1) == pytest.approx([1 - step, 1 - 2 * step,
                                                                 1 - 3 * step], abs=1e-12)
    # AdamW: p <- p * (1 - lr * wd) before the Adam step
    assert scalar_run(AdamW, [2], lr=0.1, weight_decay=0.5) == pytest.approx([0.95 - step])
    # Adam's L2: g = 2 + 0.5 * 1 = 2.5, first step still moves lr * sign
    assert scalar_run(Adam, [2], lr=0.1, weight_decay=0.5) == pytest.approx(
        [1 - 0.1 * 2.5 / (2.5 + 1e-8)])


def test_rmsprop_adadelta_hand_computed():
    # v = 0.01 * 4 = 0.04, step = lr * g / (sqrt(v) + eps) = 0.01 * 2 / 0.2
    assert scalar_run(RMSprop, [2], lr=0.01) == pytest.approx([1 - 0.1 / (1 + 5e-8)])
    # Adadelta: v = 0.1 * 4 = 0.4; delta = sqrt(0 + 1e-6) / sqrt(0.4 + 1e-6) * 2
    delta = math.sqrt(1e-6) / math.sqrt(0.4 + 1e-6) * 2
    assert scalar_run(Adadelta, [2]) == pytest.approx([1 - delta])


# --------------------------------------------- independent references (PyTorch docs)
def ref_sgd(p, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    p, buf = p.copy(), None
    for t, g in enumerate(grads):
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if t == 0 else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def ref_adam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
             amsgrad=False, decoupled=False):
    b1, b2 = betas
    p = p.copy()
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        if amsgrad:
            vmax = np.maximum(vmax, v)
            v_hat = vmax / (1 - b2 ** t)
        else:
            v_hat = v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def ref_rmsprop(p, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                centered=False):
    p = p.copy()
    v, gavg, buf = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        vt = v
        if centered:
            gavg = alpha * gavg + (1 - alpha) * g
            vt = v - gavg * gavg
        if momentum > 0:
            buf = momentum * buf + g / (np.sqrt(vt) + eps)
            p = p - lr * buf
        else:
            p = p - lr * g / (np.sqrt(vt) + eps)
    return p


def ref_adadelta(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    p = p.copy()
    v, u = np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * dx * dx
        p = p - lr * dx
    return p


CASES = [
    (SGD, dict(lr=0.1), lambda: ref_sgd(P0, GRADS, 0.1)),
    (SGD, dict(lr=0.1, weight_decay=0.05), lambda: ref_sgd(P0, GRADS, 0.1, weight_decay=0.05)),
    (SGD, dict(lr=0.1, momentum=0.9), lambda: ref_sgd(P0, GRADS, 0.1, 0.9)),
    (SGD, dict(lr=0.1, momentum=0.8, dampening=0.3, weight_decay=0.01),
     lambda: ref_sgd(P0, GRADS, 0.1, 0.8, 0.3, 0.01)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
     lambda: ref_sgd(P0, GRADS, 0.05, 0.9, 0.0, 0.1, True)),
    (Adam, dict(lr=0.01), lambda: ref_adam(P0, GRADS, 0.01)),
    (Adam, dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.1),
     lambda: ref_adam(P0, GRADS, 0.01, (0.8, 0.9), 1e-3, 0.1)),
    (Adam, dict(lr=0.01, amsgrad=True), lambda: ref_adam(P0, GRADS, 0.01, amsgrad=True)),
    (AdamW, dict(lr=0.01), lambda: ref_adam(P0, GRADS, 0.01, weight_decay=1e-2, decoupled=True)),
    (AdamW, dict(lr=0.01, weight_decay=0.3, amsgrad=True),
     lambda: ref_adam(P0, GRADS, 0.01, weight_decay=0.3, amsgrad=True, decoupled=True)),
    (RMSprop, dict(lr=0.01), lambda: ref_rmsprop(P0, GRADS, 0.01)),
    (RMSprop, dict(lr=0.01, weight_decay=0.1, momentum=0.9),
     lambda: ref_rmsprop(P0, GRADS, 0.01, weight_decay=0.1, momentum=0.9)),
    (RMSprop, dict(lr=0.01, alpha=0.9, centered=True),
     lambda: ref_rmsprop(P0, GRADS, 0.01, alpha=0.9, centered=True)),
    (RMSprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.2),
     lambda: ref_rmsprop(P0, GRADS, 0.01, momentum=0.5, centered=True, weight_decay=0.2)),
    (Adadelta, dict(), lambda: ref_adadelta(P0, GRADS)),
    (Adadelta, dict(lr=0.5, rho=0.8, weight_decay=0.1),
     lambda: ref_adadelta(P0, GRADS, 0.5, 0.8, weight_decay=0.1)),
]
IDS = [f"{c.__name__}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}"
       for c, kw, _ in CASES]


@pytest.mark.parametrize("cls,kwargs,ref", CASES, ids=IDS)
def test_update_matches_documented_algorithm_float64(cls, kwargs, ref):
    p, _ = run_steps(cls, kwargs, np.float64)
    np.testing.assert_allclose(p.data, ref(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls,kwargs,ref", CASES, ids=IDS)
def test_float32_stays_float32(cls, kwargs, ref):
    p, opt = run_steps(cls, kwargs, np.float32)
    assert p.data.dtype == np.float32
    for value in opt.state[p].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32
    np.testing.assert_allclose(p.data, ref(), rtol=2e-5, atol=2e-6)


def test_defaults_match_pytorch():
    p = [Parameter(np.zeros(1))]
    assert SGD(p).defaults["lr"] == 1e-3
    a = Adam(p).defaults
    assert (a["lr"], a["betas"], a["eps"], a["weight_decay"], a["amsgrad"]) == (
        1e-3, (0.9, 0.999), 1e-8, 0, False)
    assert AdamW(p).defaults["weight_decay"] == 1e-2
    r = RMSprop(p).defaults
    assert (r["lr"], r["alpha"], r["eps"], r["momentum"], r["centered"]) == (
        1e-2, 0.99, 1e-8, 0, False)
    d = Adadelta(p).defaults
    assert (d["lr"], d["rho"], d["eps"], d["weight_decay"]) == (1.0, 0.9, 1e-6, 0)


# --------------------------------------------------------------- behaviour
def test_param_without_grad_is_skipped():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = Adam([a, b], lr=0.1)
    a.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(b.data, [1, 1])
    assert b not in opt.state and a in opt.state
    assert a.data[0] < 1


def test_plain_tensor_with_requires_grad_is_accepted():
    t = mdl.tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([t], lr=0.5)
    (t * t).sum().backward()
    opt.step()
    np.testing.assert_allclose(t.numpy(), [0.0, 0.0])


def test_param_groups_and_lr_change():
    a, b = Parameter(np.ones(1)), Parameter(np.ones(1))
    opt = SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.0
    a.grad, b.grad = Tensor(np.ones(1)), Tensor(np.ones(1))
    opt.step()
    np.testing.assert_allclose([a.data[0], b.data[0]], [0.9, 0.5])
    opt.param_groups[0]["lr"] = 1.0
    opt.step()
    np.testing.assert_allclose(a.data, [-0.1])


def test_zero_grad_and_closure():
    lin = Linear(2, 1)
    opt = SGD(lin.parameters(), lr=0.1)
    x, y = mdl.ones(3, 2), mdl.zeros(3, 1)

    def closure():
        opt.zero_grad()
        loss = MSELoss()(lin(x), y)
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert isinstance(loss, Tensor)
    assert lin.weight.grad is not None
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(lin.weight.grad.numpy(), 0)
    opt.zero_grad()
    assert lin.weight.grad is None


def test_argument_validation():
    p = [Parameter(np.zeros(1))]
    with pytest.raises(ValueError, match="learning rate"):
        SGD(p, lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta"):
        Adam(p, betas=(1.0, 0.999))
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([])
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": p}, {"params": p}], lr=0.1)
    with pytest.raises(TypeError):
        SGD(Parameter(np.zeros(1)), lr=0.1)


def test_model_cast_after_optimizer_built_keeps_training():
    lin = Linear(3, 2)
    opt = Adam(lin.parameters(), lr=0.01)
    x = mdl.ones(4, 3)
    lin(x).sum().backward()
    opt.step()
    assert opt.state[lin.weight]["exp_avg"].dtype == np.float32
    lin.double()
    opt.zero_grad()
    lin(mdl.ones(4, 3, dtype="float64")).sum().backward()
    opt.step()
    assert lin.weight.dtype == np.float64
    assert opt.state[lin.weight]["exp_avg"].dtype == np.float64
    assert opt.state[lin.weight]["step"] == 2


# -------------------------------------------------------------- state dicts
ALL_OPTS = [(SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
            (Adam, dict(lr=0.01, amsgrad=True)), (AdamW, dict(lr=0.01)),
            (RMSprop, dict(lr=0.01, momentum=0.9, centered=True)), (Adadelta, dict(lr=0.5))]


def test_state_dict_layout_pytorch_style():
    a, b, c = Parameter(np.ones(2)), Parameter(np.ones((2, 2))), Parameter(np.ones(3))
    opt = Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
    a.grad, c.grad = Tensor(np.ones(2)), Tensor(np.ones(3))
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sorted(sd["state"]) == [0, 2]  # b had no gradient
    assert sd["state"][0]["step"] == 1
    assert set(sd["state"][2]) == {"step", "exp_avg", "exp_avg_sq"}
    # a view, as PyTorch's: the state dict holds the optimizer's own state dicts and Tensors
    assert isinstance(sd["state"][0]["exp_avg"], Tensor) and sd["state"][0]["step"].dtype == mdl.float32
    assert sd["state"][0] is opt.state[a] and sd["state"][0]["exp_avg"] is opt.state[a]["exp_avg"]
    saved = sd["state"][0]["exp_avg"].clone()
    snapshot = copy.deepcopy(sd)
    opt.step()
    assert float(sd["state"][0]["step"]) == 2
    assert not np.array_equal(sd["state"][0]["exp_avg"].numpy(), saved.numpy())
    np.testing.assert_array_equal(snapshot["state"][0]["exp_avg"], saved)
    assert float(snapshot["state"][0]["step"]) == 1


@pytest.mark.parametrize("cls,kwargs", ALL_OPTS, ids=[c.__name__ for c, _ in ALL_OPTS])
def test_resume_two_steps_equals_one_save_load_one(cls, kwargs):
    def make():
        mdl.manual_seed(3)
        lin = Linear(4, 3).double()
        return lin, cls(lin.parameters(), **kwargs)

    rs = np.random.default_rng(0)
    xs = [mdl.tensor(rs.standard_normal((5, 4)), dtype="float64") for _ in range(2)]

    def train_step(lin, opt, x):
        opt.zero_grad()
        (lin(x) ** 2).mean().backward()
        opt.step()

    ref_lin, ref_opt = make()
    for x in xs:
        train_step(ref_lin, ref_opt, x)

    lin, opt = make()
    train_step(lin, opt, xs[0])
    model_sd = {k: v.numpy().copy() for k, v in lin.state_dict().items()}
    opt_sd = copy.deepcopy(opt.state_dict())

    lin2, opt2 = make()
    lin2.load_state_dict(model_sd)
    opt2.load_state_dict(opt_sd)
    train_step(lin2, opt2, xs[1])
    for k, v in ref_lin.state_dict().items():
        np.testing.assert_allclose(lin2.state_dict()[k].numpy(), v.numpy(), rtol=1e-14)


def test_load_state_dict_from_file_like_types():
    """What an HDF5/npz round trip may give back: string indices, numpy scalars and lists."""
    p = Parameter(np.ones(3))
    opt = Adam([p], lr=0.1)
    p.grad = Tensor(np.ones(3))
    opt.step()
    sd = opt.state_dict()
    mangled = {
        "state": {str(k): {kk: (np.array(vv) if not isinstance(vv, np.ndarray) else vv)
                           for kk, vv in v.items()} for k, v in sd["state"].items()},
        "param_groups": [{k: (np.array(v) if k in ("params", "betas", "lr") else v)
                          for k, v in g.items()} for g in sd["param_groups"]],
    }
    q = Parameter(np.ones(3))
    opt2 = Adam([q], lr=0.5)
    opt2.load_state_dict(mangled)
    g = opt2.param_groups[0]
    assert g["lr"] == 0.1 and isinstance(g["lr"], float)
    assert g["betas"] == (0.9, 0.999) and isinstance(g["betas"], tuple)
    step = opt2.state[q]["step"]
    assert step == 1 and isinstance(step, Tensor) and step.shape == () and step.dtype == mdl.float32
    np.testing.assert_array_equal(opt2.state[q]["exp_avg"], opt.state[p]["exp_avg"])
    assert opt2.param_groups[0]["params"][0] is q


def test_load_state_dict_keeps_param_dtype():
    p = Parameter(np.ones(3, dtype=np.float64))
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = Tensor(np.ones(3))
    opt.step()
    q = Parameter(np.ones(3, dtype=np.float32))
    opt2 = SGD([q], lr=0.1, momentum=0.9)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.state[q]["momentum_buffer"].dtype == np.float32


def test_load_state_dict_errors_are_clear():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(3))
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = Tensor(np.ones(2)), Tensor(np.ones(3))
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match=r"group 0 has 2 parameter\(s\) in the checkpoint but 1"):
        SGD([Parameter(np.ones(2))], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"1 parameter group\(s\), the optimizer has 2"):
        SGD([{"params": [Parameter(np.ones(2))]}, {"params": [Parameter(np.ones(3))]}],
            lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError) as err:
        SGD([Parameter(np.ones(2)), Parameter(np.ones(4))], lr=0.1).load_state_dict(sd)
    msg = str(err.value)
    assert "momentum_buffer" in msg and "parameter 1" in msg and "(3,)" in msg and "(4,)" in msg
    with pytest.raises(ValueError, match="'state'"):
        opt.load_state_dict({"param_groups": []})


def test_custom_optimizer_subclass():
    class SignSGD(Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def _update(self, param, grad, state, group):
            param -= group["lr"] * np.sign(grad)

    p = Parameter(np.array([1.0, 1.0]))
    opt = SignSGD([p])
    p.grad = Tensor(np.array([3.0, -0.5]))
    opt.step()
    np.testing.assert_allclose(p.data, [0.9, 1.1])


def test_repr():
    r = repr(SGD([Parameter(np.zeros(1))], lr=0.1))
    assert r.startswith("SGD (") and "Parameter Group 0" in r and "lr: 0.1" in r


@pytest.mark.gpu
def test_state_follows_module_to_gpu():
    lin = Linear(3, 2)
    opt = Adam(lin.parameters(), lr=0.01)
    lin(mdl.ones(4, 3)).sum().backward()
    opt.step()
    lin.to("gpu")
    opt.zero_grad()
    lin(mdl.ones(4, 3, device="gpu")).sum().backward()
    opt.step()
    state = opt.state[lin.weight]
    assert state["exp_avg"].device.type == "cuda" and state["step"].device.type == "cpu"   # as PyTorch's
    assert lin.weight.device.type == "cuda" and lin.weight.dtype == np.float32
    saved = opt.state_dict()
    assert isinstance(saved["state"][0]["exp_avg"], Tensor) and saved["state"][0]["exp_avg"].device.type == "cuda"
    buffer = io.BytesIO()
    mdl.save(saved, buffer)
    buffer.seek(0)
    loaded = mdl.load(buffer, map_location="cpu")
    assert loaded["state"][0]["exp_avg"].device.type == "cpu"
    opt.load_state_dict(loaded)                       # moved back to the parameters' GPU
    assert opt.state[lin.weight]["exp_avg"].device.type == "cuda"
