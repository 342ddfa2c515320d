"""The one-pass optimiser kernels (minidl/optim/_fused.py) against the NumPy code they replace.

The reference is the same optimiser with ``minidl.config.cpu_kernels = "numpy"``,
which runs the NumPy operators of ``adam.py``; the kernels do the same float
operations in the same order, so the results must be bitwise equal.
"""
import numpy as np
import pytest

import minidl as mdl
from minidl import optim
from minidl.optim import _fused

SHAPES = [(7,), (5, 3), (3, 5, 7), (13, 1, 3, 3)]   # odd sizes


def _run(make_opt, dtype, cpu_kernels, steps=4, seed=0):
    """Parameters after ``steps`` steps on fixed random gradients, and the optimiser state."""
    rng = np.random.default_rng(seed)
    params = [mdl.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    opt = make_opt(params)
    with mdl.using_config(cpu_kernels=cpu_kernels):
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = mdl.tensor(g)
            opt.step()
    return [p.detach().numpy().copy() for p in params], opt


CASES = {
    "adam": lambda ps: optim.Adam(ps, lr=1e-2),
    "adam_betas_eps": lambda ps: optim.Adam(ps, lr=3e-3, betas=(0.8, 0.99), eps=1e-6),
    "adam_l2": lambda ps: optim.Adam(ps, lr=1e-2, weight_decay=0.1),
    "adam_maximize": lambda ps: optim.Adam(ps, lr=1e-2, maximize=True, weight_decay=0.05),
    "adamw": lambda ps: optim.AdamW(ps, lr=1e-2),
    "adamw_maximize": lambda ps: optim.AdamW(ps, lr=1e-2, weight_decay=0.3, maximize=True),
}
SGD_CASES = {
    "momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    "dampening_l2": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01),
    "nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "maximize": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.5, maximize=True, weight_decay=0.2),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(CASES))
def test_fused_adam_is_bitwise_the_numpy_update(case, dtype, monkeypatch):
    calls = []
    step = _fused.adam_step
    monkeypatch.setattr(_fused, "adam_step", lambda *a, **k: calls.append(1) or step(*a, **k))
    fused, opt_fused = _run(CASES[case], dtype, "numba")
    assert len(calls) == 4 * len(SHAPES)                  # the kernel did every update
    reference, opt_ref = _run(CASES[case], dtype, "numpy")
    assert len(calls) == 4 * len(SHAPES)                  # and the reference none
    for a, b in zip(fused, reference):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)
    for p_f, p_r in zip(opt_fused.param_groups[0]["params"], opt_ref.param_groups[0]["params"]):
        s_f, s_r = opt_fused.state[p_f], opt_ref.state[p_r]
        assert s_f["step"] == s_r["step"] == 4
        np.testing.assert_array_equal(s_f["exp_avg"], s_r["exp_avg"])
        np.testing.assert_array_equal(s_f["exp_avg_sq"], s_r["exp_avg_sq"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(SGD_CASES))
def test_fused_sgd_momentum_is_bitwise_the_numpy_update(case, dtype, monkeypatch):
    calls = []
    step = _fused.sgd_momentum_step
    monkeypatch.setattr(_fused, "sgd_momentum_step", lambda *a, **k: calls.append(1) or step(*a, **k))
    fused, opt_fused = _run(SGD_CASES[case], dtype, "numba")
    assert len(calls) == 4 * len(SHAPES)
    reference, opt_ref = _run(SGD_CASES[case], dtype, "numpy")
    assert len(calls) == 4 * len(SHAPES)
    for a, b in zip(fused, reference):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)
    for p_f, p_r in zip(opt_fused.param_groups[0]["params"], opt_ref.param_groups[0]["params"]):
        np.testing.assert_array_equal(opt_fused.state[p_f]["momentum_buffer"],
                                      opt_ref.state[p_r]["momentum_buffer"])


def test_sgd_without_momentum_keeps_the_numpy_update():
    p = np.zeros(5, np.float32)
    assert not _fused.sgd_momentum_applies(p, p.copy(), {}, momentum=0.0)
    assert _fused.sgd_momentum_applies(p, p.copy(), {}, momentum=0.9)
    assert not _fused.sgd_momentum_applies(p, p.copy(), {"momentum_buffer": np.zeros(5)}, momentum=0.9)


def test_fused_adam_is_taken_only_where_it_applies():
    p = np.zeros((5, 3), np.float32)
    state = {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
    g = np.ones_like(p)
    assert _fused.adam_applies(p, g, state, amsgrad=False)
    assert not _fused.adam_applies(p, g, state, amsgrad=True)
    assert not _fused.adam_applies(p, np.ones((3, 5), np.float32).T, state, amsgrad=False)   # not contiguous
    assert not _fused.adam_applies(p, g.astype(np.float64), state, amsgrad=False)
    half = np.zeros(4, np.float16)
    assert not _fused.adam_applies(half, half, {"exp_avg": half, "exp_avg_sq": half}, amsgrad=False)
    with mdl.using_config(cpu_kernels="numpy"):
        assert not _fused.adam_applies(p, g, state, amsgrad=False)


def test_adam_with_a_strided_gradient_and_amsgrad_still_matches():
    """Cases the kernel does not take (strided gradient, amsgrad) run the NumPy code, same results."""
    start = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    for amsgrad in (False, True):
        results = []
        for kernels in ("numba", "numpy"):
            w = mdl.tensor(start.copy(), requires_grad=True)
            opt = optim.Adam([w], lr=0.1, amsgrad=amsgrad)
            with mdl.using_config(cpu_kernels=kernels):
                for k in range(3):
                    w.grad = mdl.tensor(np.arange(15, dtype=np.float32).reshape(3, 5).T * (k - 1))
                    opt.step()
            results.append(w.detach().numpy())
        np.testing.assert_array_equal(results[0], results[1])


def _run_on_device(make_opt, dtype, steps=4, seed=0):
    """As :func:`_run`, with the parameters and gradients on the GPU."""
    rng = np.random.default_rng(seed)
    params = [mdl.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True, device="cuda") for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    opt = make_opt(params)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = mdl.tensor(g, device="cuda")
        opt.step()
    return [p.detach().cpu().numpy().copy() for p in params]


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(CASES) + sorted(SGD_CASES))
def test_fused_gpu_update_is_bitwise_the_numpy_update(case, dtype, monkeypatch):
    """On a device, Adam and SGD with momentum take one elementwise kernel per parameter
    (minidl/optim/_fused_gpu.py), with the NumPy code's results bit for bit."""
    if not mdl.cuda.is_available():
        pytest.skip("needs a CUDA device and CuPy")
    from minidl.optim import _fused_gpu
    calls = []
    for name in ("adam_step", "sgd_momentum_step"):
        real = getattr(_fused_gpu, name)
        monkeypatch.setattr(_fused_gpu, name, lambda *a, _real=real, **k: calls.append(1) or _real(*a, **k))
    make = CASES.get(case) or SGD_CASES[case]
    fused = _run_on_device(make, dtype)
    assert len(calls) == 4 * len(SHAPES)
    reference, _ = _run(make, dtype, "numpy")
    for a, b in zip(fused, reference):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)
