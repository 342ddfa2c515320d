"""Batch norm on a GPU: the fused per-channel kernels (minidl/ops/_norm_gpu.py) give bit for bit what
norm.py's separate operations give on the same device, and the CPU's values within rounding."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl.ops import _norm_gpu

SHAPES = [(5, 3, 7, 9), (6, 4), (3, 5, 11)]


def _run(shape, dtype, device, training, seed=0):
    """y, dx, dweight, dbias, running mean and var of one batch_norm call and its backward."""
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = mdl.tensor(rng.standard_normal(shape).astype(dtype) * 2 + 1, device=device, requires_grad=True)
    w = mdl.tensor(rng.uniform(0.5, 1.5, c).astype(dtype), device=device, requires_grad=True)
    b = mdl.tensor(rng.standard_normal(c).astype(dtype), device=device, requires_grad=True)
    rm = mdl.tensor(rng.standard_normal(c).astype(dtype), device=device)
    rv = mdl.tensor(rng.uniform(0.5, 2.0, c).astype(dtype), device=device)
    y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3, eps=1e-3)
    y.backward(mdl.tensor(rng.standard_normal(shape).astype(dtype), device=device))
    return [t.detach().cpu().numpy() for t in (y, x.grad, w.grad, b.grad, rm, rv)]


@pytest.mark.gpu
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_fused_batch_norm_matches_unfused_and_cpu(shape, dtype, training, monkeypatch):
    if not mdl.cuda.is_available():
        pytest.skip("needs a CUDA device and CuPy")
    calls = []
    for name in ("train_constants", "eval_constants", "input_grad_coefficients"):
        real = getattr(_norm_gpu, name)
        monkeypatch.setattr(_norm_gpu, name, lambda *a, _real=real: calls.append(1) or _real(*a))
    fused = _run(shape, dtype, "cuda", training)
    assert len(calls) == (2 if training else 1)
    monkeypatch.setattr(_norm_gpu, "fusable", lambda *a: False)
    separate = _run(shape, dtype, "cuda", training)
    for a, b in zip(fused, separate):
        np.testing.assert_array_equal(a, b)
    cpu = _run(shape, dtype, "cpu", training)
    rtol, atol = (2e-4, 2e-4) if dtype == np.float32 else (1e-10, 1e-10)
    for a, b in zip(fused, cpu):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
