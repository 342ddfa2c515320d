"""kernels/activation.py: ReLU's one-pass Numba kernels against NumPy's ``maximum(x, 0)`` and
``g * (x > 0)`` (the reference, bit for bit; the backward reads the forward's output y, and y > 0 is x > 0),
on odd sizes, every dense layout, special values, and split over threads (fixed blocks: the same bits
whatever the thread count)."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl.autograd import gradgradcheck
from minidl.kernels import _threads, activation

SHAPES = [(3, 5, 7, 11), (2, 3, 37, 41), (1, 1, 3, 1), (9, 1001), (20011,)]


@pytest.fixture
def small_blocks(monkeypatch):
    """Every array goes to the (prange) kernel, in many odd-sized blocks."""
    monkeypatch.setattr(activation, "MIN_SIZE", 1)
    monkeypatch.setattr(activation, "PARALLEL_MIN", 1)
    monkeypatch.setattr(activation, "BLOCK", 97)


def _special(rng, shape, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    specials = np.array([0.0, -0.0, np.nan, -np.nan, np.inf, -np.inf, 1e-30, -1e-30], dtype=dtype)
    flat[:min(flat.size, specials.size)] = specials[:flat.size]
    return x


def _layouts(x):
    yield "C", x
    if x.ndim == 4:
        yield "channels-last", np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    yield "Fortran", np.asfortranarray(x)


def _assert_same_bits(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.view(np.uint8) if got.dtype == np.bool_ else got, want)
    if got.dtype != np.bool_:
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))     # -0.0 and the NaNs' signs too


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_kernels_are_numpys_bits_in_every_layout(small_blocks, monkeypatch, shape, dtype):
    activation.compile_numba()
    calls = []
    for name in ("_relu_fwd", "_relu_bwd"):
        kernel = getattr(activation, name)
        counted = lambda *a, k=kernel, n=name: calls.append(n) or k(*a)      # noqa: E731
        counted.serial = lambda *a, k=kernel.serial, n=name: calls.append(n) or k(*a)
        monkeypatch.setattr(activation, name, counted)
    rng = np.random.default_rng(len(shape) * 7 + shape[-1])
    layouts = list(_layouts(_special(rng, shape, dtype)))
    for name, x in layouts:
        y = activation.relu_forward(x)
        _assert_same_bits(y, np.maximum(x, 0))
        _assert_same_bits(y > 0, x > 0)
        assert y.strides == x.strides, name   # layout kept
        g = _special(rng, shape, dtype)
        for _, g_in in _layouts(g):
            with np.errstate(invalid="ignore"):          # inf * 0 in the NumPy code (mixed layouts)
                dx = activation.relu_backward(g_in, y)
                _assert_same_bits(dx, g_in * (x > 0))
    # the kernels ran for every layout forward, and backward wherever g's layout is the mask's
    assert calls.count("_relu_fwd") == len(layouts) and calls.count("_relu_bwd") >= len(layouts)


def test_non_dense_and_mixed_layouts_take_the_numpy_code(small_blocks, monkeypatch):
    def refuse(*args):
        raise AssertionError("the kernel ran")
    monkeypatch.setattr(activation, "_relu_fwd", refuse)
    monkeypatch.setattr(activation, "_relu_bwd", refuse)
    monkeypatch.setattr(activation, "_numba_compiled", True)
    x = np.random.default_rng(1).standard_normal((6, 7, 8))
    strided = x[:, ::2]
    y = activation.relu_forward(strided)
    np.testing.assert_array_equal(y, np.maximum(strided, 0))
    y_c = np.maximum(x, 0)
    g_f = np.asfortranarray(x)                    # gradient in another layout than y
    np.testing.assert_array_equal(activation.relu_backward(g_f, y_c), g_f * (x > 0))
    with mdl.using_config(cpu_kernels="numpy"):
        y = activation.relu_forward(x)
    np.testing.assert_array_equal(y, np.maximum(x, 0))


def test_relu_split_over_threads_same_bits(small_blocks, monkeypatch):
    rng = np.random.default_rng(4)
    x = _special(rng, (5, 3, 31, 29), np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    one_y = activation.relu_forward(x)
    one_dx = activation.relu_backward(g, one_y)
    # inside a section: the serial twins; with the scheme forced to 3 threads: the prange kernels on 3
    in_section = _threads.run(lambda i: activation.relu_forward(x), 2)
    monkeypatch.setattr(_threads, "intra_op_threads", lambda array=None: 1 if _threads.in_section() else 3)
    with mdl.using_config(intra_op_parallel=True):
        many_y = activation.relu_forward(x)
        many_dx = activation.relu_backward(g, many_y)
    monkeypatch.setattr(activation, "PARALLEL_MIN", 1 << 62)         # small arrays: the serial kernel
    with mdl.using_config(intra_op_parallel=True):
        serial_y = activation.relu_forward(x)
        _assert_same_bits(activation.relu_backward(g, serial_y), one_dx)
    for y in in_section + [many_y, serial_y]:
        _assert_same_bits(y, one_y)
    _assert_same_bits(many_dx, one_dx)


def test_relu_op_gradcheck_and_values(small_blocks):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 5, 7))
    x[np.abs(x) < 0.05] = 0.5                      # keep finite differences away from the kink
    xt = mdl.tensor(x, requires_grad=True)
    assert mdl.gradcheck(F.relu, [xt])
    assert gradgradcheck(F.relu, [xt])
    y = F.relu(xt)
    y.backward(mdl.tensor(np.ones_like(x)))
    np.testing.assert_array_equal(y.numpy(), np.maximum(x, 0))
    np.testing.assert_array_equal(xt.grad.numpy(), (x > 0).astype(np.float64))


def test_relu_node_keeps_its_output_and_no_mask():
    """As PyTorch's ReluBackward0: only the result is saved (no boolean mask beside it), so changing it in
    place refuses backward."""
    x = mdl.tensor(np.random.default_rng(3).standard_normal((4, 5, 6)).astype(np.float32), requires_grad=True)
    y = F.relu(x)
    kept = [v for v in y.grad_fn.__dict__.values() if isinstance(v, np.ndarray)]
    assert len(kept) == 1 and kept[0] is y.array
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
