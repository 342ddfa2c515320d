"""Top-level torch names added by jithub: autocast settings, cond/while_loop, get_device_module, sym_*, error
types, frobenius_norm/nuclear_norm, torch.embedding_bag (values checked against PyTorch 2.13 by hand: the
expected lists below are what PyTorch prints for the same calls)."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


@pytest.fixture
def clean_autocast():
    from minidl.autograd import autocast_state
    saved = dict(autocast_state.active), dict(autocast_state.dtypes)
    yield
    autocast_state.active.clear()
    autocast_state.active.update(saved[0])
    autocast_state.dtypes.clear()
    autocast_state.dtypes.update(saved[1])


def test_autocast_setters_drive_the_real_state(clean_autocast):
    assert mdl.get_autocast_cpu_dtype() == mdl.bfloat16 and mdl.get_autocast_gpu_dtype() == mdl.float16
    assert not mdl.is_autocast_cpu_enabled() and mdl.is_autocast_cache_enabled()
    mdl.set_autocast_dtype("cpu", mdl.float16)
    assert mdl.get_autocast_dtype("cpu") == mdl.float16 and mdl.get_autocast_cpu_dtype() == mdl.float16
    x = mdl.randn(3, 3)
    assert (x @ x).dtype == mdl.float32
    mdl.set_autocast_enabled("cpu", True)
    assert mdl.is_autocast_enabled("cpu") and mdl.is_autocast_cpu_enabled()
    assert (x @ x).dtype == mdl.float16
    with mdl.autocast("cpu"):          # a region with no dtype uses the one set
        assert mdl.get_autocast_dtype("cpu") == mdl.float16
    assert mdl.is_autocast_cpu_enabled()
    mdl.set_autocast_cpu_enabled(False)
    assert (x @ x).dtype == mdl.float32
    mdl.set_autocast_cpu_dtype(mdl.bfloat16)
    assert mdl.get_autocast_dtype("cpu") == mdl.bfloat16
    mdl.set_autocast_enabled(True)      # PyTorch's one-argument form: CUDA
    assert mdl.is_autocast_enabled("cuda")
    mdl.set_autocast_enabled(False)
    assert not mdl.is_autocast_enabled("cuda")
    assert mdl.get_autocast_ipu_dtype() == mdl.float16 and mdl.get_autocast_xla_dtype() == mdl.bfloat16
    mdl.set_autocast_ipu_enabled(True)
    assert mdl.is_autocast_ipu_enabled()
    mdl.set_autocast_ipu_enabled(False)
    with pytest.raises(RuntimeError, match="device type at start of device string: foo"):
        mdl.set_autocast_enabled("foo", True)
    assert mdl.autocast_increment_nesting() == 1 and mdl.autocast_decrement_nesting() == 0


def test_aliases_and_error_types():
    assert mdl.vmap is mdl.func.vmap and mdl.GradScaler is mdl.amp.GradScaler
    assert issubclass(mdl.OutOfMemoryError, RuntimeError) and mdl.cuda.OutOfMemoryError is mdl.OutOfMemoryError
    assert issubclass(mdl.AcceleratorError, RuntimeError)
    assert mdl.get_device_module("cpu") is mdl.cpu and mdl.get_device_module(mdl.device("cpu")) is mdl.cpu
    assert mdl.get_device_module("cuda:0") is mdl.cuda
    assert mdl.get_device_module() is (mdl.cuda if mdl.cuda.is_available() else mdl.cpu)
    with pytest.raises(RuntimeError, match="Invalid value of device"):
        mdl.get_device_module(3)
    with pytest.raises(RuntimeError, match="Device 'meta' does not have a corresponding module"):
        mdl.get_device_module("meta")
    with pytest.raises(RuntimeError, match="device type at start of device string: foo"):
        mdl.get_device_module("foo")


def test_cond_and_while_loop():
    x = mdl.ones(2)
    assert mdl.cond(x.sum() > 0, lambda a: a + 1, lambda a: a - 1, (x,)).tolist() == [2.0, 2.0]
    assert mdl.cond(False, lambda a: a + 1, lambda a: a - 1, [x]).tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="Expected pred to be bool or single-element tensor"):
        mdl.cond(mdl.ones(2) > 0, lambda a: a, lambda a: a, (x,))
    w = mdl.tensor(2.0, dtype=mdl.float64, requires_grad=True)   # gradients flow through the taken branch
    mdl.cond(True, lambda a: a * w, lambda a: a, (mdl.tensor(3.0, dtype=mdl.float64),)).backward()
    assert w.grad.item() == 3.0
    i, s = mdl.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s * 2), (mdl.tensor(0), mdl.ones(2)))
    assert i.item() == 5 and s.tolist() == [32.0, 32.0]
    assert mdl.while_loop(lambda i: i < 5, lambda i: i + 1, (mdl.tensor(0),)).item() == 5
    start = [mdl.tensor(7)]
    assert mdl.while_loop(lambda i: i < 5, lambda i: (i + 1,), start) == (start[0],)
    out = mdl.while_loop(lambda i: i < 5, lambda i: (i + 1,), [mdl.tensor(0)])
    assert isinstance(out, tuple) and out[0].item() == 5
    with pytest.raises(RuntimeError, match="infinite loop detected"):
        mdl.while_loop(lambda i: True, lambda i: (i + 1,), (mdl.tensor(0),))


def test_sym_helpers_eager():
    assert mdl.sym_int(3.7) == 3 and mdl.sym_int(-3.7) == -3 and mdl.sym_int(mdl.tensor(3.5)) == 3
    assert mdl.sym_float(3) == 3.0 and isinstance(mdl.sym_float(3), float)
    assert mdl.sym_max(2, 3.0) == 3.0 and isinstance(mdl.sym_max(2, 3.0), float)
    assert mdl.sym_max(2, 3) == 3 and isinstance(mdl.sym_max(2, 3), int) and mdl.sym_min(2, 3.5) == 2.0
    assert mdl.sym_not(True) is False and mdl.sym_ite(False, 1, 2) == 2
    assert mdl.sym_sum([1, 2, 3]) == 6 and mdl.sym_sum(1, 2) == 3 and mdl.sym_sqrt(4) == 2.0
    with pytest.raises(AssertionError, match="type mismatch"):
        mdl.sym_ite(True, 1, 2.0)
    with pytest.raises(AssertionError):
        mdl.sym_max("a", 1)


def test_frobenius_and_nuclear_norm():
    x = mdl.arange(12.0).reshape(3, 4)
    assert mdl.frobenius_norm(x, (0, 1)).item() == pytest.approx(22.4944, abs=1e-4)
    np.testing.assert_allclose(mdl.frobenius_norm(x, (1,), True).numpy().ravel(), [3.7417, 11.2250, 19.1311],
                               atol=1e-4)
    with pytest.raises(RuntimeError, match="Expected at most 2 dimensions, but got 3"):
        mdl.frobenius_norm(x, (0, 1, 1))
    assert mdl.nuclear_norm(x).item() == pytest.approx(24.3646, abs=1e-4)
    assert mdl.frobenius_norm(x, []).item() == pytest.approx(22.4944, abs=1e-4)     # no dims: all of them
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        mdl.nuclear_norm(mdl.ones(3))
    assert tuple(mdl.nuclear_norm(x.reshape(1, 3, 4), (1, 2), True).shape) == (1, 1, 1)
    a = mdl.randn(3, 4, dtype=mdl.float64, requires_grad=True)
    assert gradcheck(lambda t: mdl.frobenius_norm(t, (0, 1)), (a,))
    assert gradgradcheck(lambda t: mdl.frobenius_norm(t, (1,)), (a,))
    assert gradcheck(lambda t: mdl.nuclear_norm(t), (a,))
    assert gradgradcheck(lambda t: mdl.nuclear_norm(t), (a,))


def test_embedding_bag_with_pytorchs_auxiliary_outputs():
    w = mdl.arange(12.0).reshape(6, 2)
    idx, off = mdl.tensor([0, 2, 4, 5, 1]), mdl.tensor([0, 2])
    expected = {  # what PyTorch 2.13 returns for torch.embedding_bag(w, idx, off, False, mode)
        0: ([[4.0, 6.0], [20.0, 23.0]], [], [0, 0], [0, 0]),
        1: ([[2.0, 3.0], [20 / 3, 23 / 3]], [0, 0, 1, 1, 1], [2, 3], [2, 3]),
        2: ([[4.0, 5.0], [10.0, 11.0]], [0, 0, 1, 1, 1], [2, 3], [[2, 2], [5, 5]]),
    }
    for mode, want in expected.items():
        got = mdl.embedding_bag(w, idx, off, False, mode)
        np.testing.assert_allclose(got[0].numpy(), want[0], rtol=1e-6)
        assert [t.tolist() for t in got[1:]] == list(want[1:]) and all(t.dtype == mdl.int64 for t in got[1:])
    got = mdl.embedding_bag(w, idx, mdl.tensor([0, 2, 5]), False, 0, False, None, True)
    assert got[0].tolist() == [[4.0, 6.0], [20.0, 23.0]] and got[2].tolist() == [0, 0, 0]
    got = mdl.embedding_bag(w, idx, off, False, 1, False, None, False, 2)
    assert got[2].tolist() == [1, 3] and got[0][0].tolist() == [0.0, 1.0]
    got = mdl.embedding_bag(w, idx, mdl.tensor([0, 0, 2]), False, 2)
    assert got[0].tolist() == [[0.0, 0.0], [4.0, 5.0], [10.0, 11.0]] and got[1].tolist() == [1, 1, 2, 2, 2]
    assert got[3].tolist() == [[0, 0], [2, 2], [5, 5]]
    w7, idx8 = mdl.arange(14.0).reshape(7, 2), mdl.tensor([0, 2, 4, 5, 1, 6, 2, 3])
    mean = mdl.embedding_bag(w7, idx8, mdl.tensor([0, 2, 2, 5]), False, 1)[0]
    assert mean.dtype == mdl.float32 and mean[2].tolist() == [6.666666507720947, 7.666666507720947]  # PyTorch's
    got = mdl.embedding_bag(w7, idx8, mdl.tensor([0, 3, 8]), False, 0, False, None, True, 2)
    assert got[1].tolist() == [0, 0, 0, 1, 1, 1, 1, 1] and got[2].tolist() == [0, 0, 0]
    with pytest.raises(RuntimeError, match="per_sample_weights only supported with mode='sum'"):
        mdl.embedding_bag(w7, idx8, mdl.tensor([0, 2]), False, 1, False, mdl.ones(8), False)
    weights = mdl.randn(6, 2, dtype=mdl.float64, requires_grad=True)
    assert gradcheck(lambda t: mdl.embedding_bag(t, idx, off, False, 1)[0], (weights,))
    assert gradgradcheck(lambda t: mdl.embedding_bag(t, idx, off, False, 0)[0] ** 2, (weights,))


def test_igamma_igammac_functions_methods_and_inplace():
    a, x = mdl.tensor([2.0, 1.0, 0.5]), mdl.tensor([1.5, 0.5, 3.0])
    np.testing.assert_allclose(mdl.igamma(a, x).numpy(), mdl.special.gammainc(a, x).numpy())
    np.testing.assert_allclose((mdl.igamma(a, x) + mdl.igammac(a, x)).numpy(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(mdl.igamma(a, x).numpy()[:2], [0.4422, 0.3935], atol=1e-4)   # PyTorch's values
    np.testing.assert_allclose(a.igammac(x).numpy(), mdl.igammac(a, x).numpy())
    out = mdl.empty(3)
    assert mdl.igamma(a, x, out=out) is out and out.tolist() == mdl.igamma(a, x).tolist()
    b = a.clone()
    assert b.igamma_(x) is b and b.tolist() == mdl.igamma(a, x).tolist()
    c = a.clone()
    c.igammac_(x)
    assert c.tolist() == mdl.igammac(a, x).tolist()
    shape = mdl.tensor([2.0, 1.5, 3.0], dtype=mdl.float64)
    point = mdl.tensor([1.2, 0.7, 2.5], dtype=mdl.float64, requires_grad=True)
    assert gradcheck(lambda t: mdl.igamma(shape, t), (point,))
    assert gradgradcheck(lambda t: mdl.igamma(shape, t), (point,))
    assert gradcheck(lambda t: mdl.igammac(shape, t), (point,))
    assert gradgradcheck(lambda t: mdl.igammac(shape, t), (point,))
    with pytest.raises(NotImplementedError):
        mdl.igamma(shape.clone().requires_grad_(), point.detach()).sum().backward()
    with pytest.raises(NotImplementedError, match="\"igamma_cpu\" not implemented for 'Long'"):
        mdl.igamma(mdl.tensor([1, 2]), mdl.tensor([1, 2]))
    with pytest.raises(TypeError, match="argument 'other' \\(position 2\\) must be Tensor, not float"):
        mdl.igamma(a, 2.0)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        a.clone().igamma_(mdl.tensor([[0.5], [1.0], [2.0]]))
