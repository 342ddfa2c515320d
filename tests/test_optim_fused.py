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
    """On a device, Adam takes one multi-tensor launch per step for the group (4 tensors here) and SGD
    with momentum one elementwise kernel per parameter (minidl/optim/_fused_gpu.py), with the NumPy
    code's results bit for bit."""
    if not mdl.cuda.is_available():
        pytest.skip("needs a CUDA device and CuPy")
    from minidl.optim import _fused_gpu
    calls = []
    for name in ("_launch_chunk", "sgd_momentum_step"):
        real = getattr(_fused_gpu, name)
        monkeypatch.setattr(_fused_gpu, name, lambda *a, _real=real, _name=name, **k: calls.append(_name)
                            or _real(*a, **k))
    make = CASES.get(case) or SGD_CASES[case]
    fused = _run_on_device(make, dtype)
    if case in CASES:
        assert calls == ["_launch_chunk"] * 4
    else:
        assert calls == ["sgd_momentum_step"] * (4 * len(SHAPES))
    reference, _ = _run(make, dtype, "numpy")
    for a, b in zip(fused, reference):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.gpu
def test_multi_tensor_adam_chunks_dtypes_and_steps(monkeypatch):
    """70 parameters of two dtypes in one group, one of them without a gradient at every other step
    (so the tensors of a launch are at different steps): launches of at most 32 tensors of one dtype,
    each parameter bitwise as the NumPy update."""
    if not mdl.cuda.is_available():
        pytest.skip("needs a CUDA device and CuPy")
    from minidl.optim import _fused_gpu
    rng = np.random.default_rng(3)
    shapes = [(int(rng.integers(1, 40)),) for _ in range(70)] + [(0,)]
    dtypes = [np.float32 if i % 3 else np.float64 for i in range(len(shapes))]
    values = [rng.standard_normal(s).astype(d) for s, d in zip(shapes, dtypes)]
    grads = [[rng.standard_normal(s).astype(d) for s, d in zip(shapes, dtypes)] for _ in range(4)]
    launches = []
    real = _fused_gpu._launch_chunk
    monkeypatch.setattr(_fused_gpu, "_launch_chunk", lambda dtype, shared, items: launches.append(
        (np.dtype(dtype).name, len(items))) or real(dtype, shared, items))

    def run(device, cpu_kernels):
        params = [mdl.tensor(v, requires_grad=True, device=device) for v in values]
        opt = optim.AdamW(params, lr=1e-2, weight_decay=0.1)
        with mdl.using_config(cpu_kernels=cpu_kernels):
            for step, step_grads in enumerate(grads):
                for i, (p, g) in enumerate(zip(params, step_grads)):
                    p.grad = None if (i == 5 and step % 2) else mdl.tensor(g, device=device)
                opt.step()
        return [p.detach().cpu().numpy() for p in params]

    fused = run("cuda", "numba")
    counts = {"float32": sum(d == np.float32 for d in dtypes), "float64": sum(d == np.float64 for d in dtypes)}
    per_step = sorted(launches[:len(launches) // 4])
    assert all(n <= _fused_gpu.MAX_TENSORS for _, n in launches)
    assert {name: sum(n for d, n in per_step if d == name) for name in counts} == counts
    reference = run("cpu", "numpy")
    for a, b in zip(fused, reference):
        np.testing.assert_array_equal(a, b)


def test_adam_batch_groups_by_dtype_and_constants_in_chunks(monkeypatch):
    """AdamBatch (the device path's multi-tensor Adam) launches at most MAX_TENSORS tensors at a time,
    each launch of one dtype and one set of group constants, every tensor exactly once;
    its struct has C's layout (fields aligned to their size, the size a multiple of 8)."""
    from minidl.optim import _fused, _fused_gpu
    launches = []
    monkeypatch.setattr(_fused_gpu, "_launch_chunk", lambda dtype, shared, items: launches.append(
        (np.dtype(dtype), shared, [item[0] for item in items])))
    batch = _fused_gpu.AdamBatch()
    arrays = []
    for i in range(75):
        dtype = np.float64 if i % 4 == 0 else np.float32
        a = np.zeros(3, dtype)
        arrays.append(a)
        lr = 0.1 if i < 60 else 0.2     # decoupled decay 1 - lr*wd: other constants for the last 15
        batch.add(a, a, a, a, _fused.adam_hyper(1 + i % 3, lr, 0.9, 0.999, 1e-8, 0.01, True, False))
    batch.run()
    assert batch.items == []
    assert all(len(ids) <= _fused_gpu.MAX_TENSORS for _, _, ids in launches)
    seen = [id(a) for _, _, ids in launches for a in ids]
    assert sorted(seen) == sorted(id(a) for a in arrays)
    for dtype, _, ids in launches:
        assert {a.dtype for a in ids} == {dtype}
    assert len({(d, s) for d, s, _ in launches}) == 4          # two dtypes x two learning rates
    for ftype, isz in ((np.float32, 4), (np.float64, 8)):
        layout = _fused_gpu._chunk_dtype(ftype)
        t = _fused_gpu.MAX_TENSORS
        offsets = {name: layout.fields[name][1] for name in layout.names}
        assert offsets == {"p": 0, "g": 8 * t, "m": 16 * t, "v": 24 * t, "end": 32 * t, "bc2_sqrt": 40 * t,
                           "step_size": 40 * t + isz * t, "count": 40 * t + 2 * isz * t}
        assert layout.itemsize == -(-(offsets["count"] + 4) // 8) * 8
