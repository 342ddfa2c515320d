"""The autograd engine: graph walk, accumulation, broadcasting, no_grad, memory release, gradcheck."""
import gc
import weakref

import numpy as np
import pytest

import minidl as mdl
from minidl.gradcheck import GradcheckError


def test_scalar_graph_by_hand():
    # f = (a*b + a) * c ; df/da = (b + 1) c, df/db = a c, df/dc = a b + a
    a = mdl.tensor(2.0, requires_grad=True)
    b = mdl.tensor(-3.0, requires_grad=True)
    c = mdl.tensor(0.5, requires_grad=True)
    f = (a * b + a) * c
    f.backward()
    assert a.grad.item() == pytest.approx((-3 + 1) * 0.5)
    assert b.grad.item() == pytest.approx(2 * 0.5)
    assert c.grad.item() == pytest.approx(2 * -3 + 2)


def test_long_chain_has_no_recursion_error():
    x = mdl.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 10_000, rel=1e-3)


def test_gradients_accumulate_when_reused_and_across_calls():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = x * x + x  # x used three times
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, 2.0]) + 1)
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, 2.0]) + 1 + 3)


def test_diamond_graph():
    x = mdl.tensor([0.3, -0.7], dtype="float64", requires_grad=True)
    h = x.exp()
    y = (h * h.log() + h).sum()
    y.backward()
    expected = np.exp([0.3, -0.7]) * (np.array([0.3, -0.7]) + 1) + np.exp([0.3, -0.7])
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_broadcasting_is_undone_in_gradients():
    a = mdl.tensor(np.ones((4, 1, 3)), requires_grad=True)
    b = mdl.tensor(np.arange(3.0), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (4, 1, 3) and b.grad.shape == (3,)
    np.testing.assert_allclose(b.grad.numpy(), np.full(3, 4.0))
    np.testing.assert_allclose(a.grad.numpy(), np.broadcast_to(np.arange(3.0), (4, 1, 3)))


def test_no_grad_records_nothing():
    x = mdl.tensor([1.0], requires_grad=True)
    with mdl.no_grad():
        y = x * 2
    assert not y.requires_grad and y.creator is None
    assert mdl.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach() * x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_retain_graph_allows_second_backward_and_default_frees():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="already been freed"):
        y.backward()


def test_graph_memory_released_after_backward():
    x = mdl.tensor(np.ones((100, 100)), requires_grad=True)
    h = x * 2.0
    ref = weakref.ref(h.array)
    y = (h * h).sum()
    del h
    gc.collect()
    assert ref() is not None  # saved by the Mul for backward
    y.backward()
    gc.collect()
    assert ref() is None


def test_non_scalar_backward_needs_grad():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="scalar outputs.*shape \\(2,\\)"):
        y.backward()
    y.backward(mdl.tensor([1.0, 0.5]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0])
    with pytest.raises(RuntimeError, match="shape"):   # PyTorch's error type
        (x * 2).backward(np.ones(3))


def test_backward_without_graph_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mdl.tensor([1.0]).sum().backward()


def test_float32_stays_float32():
    x = mdl.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    y = ((x * 0.5 + 1.5) ** 2 / 3.0 - 1).exp().log().mean()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_tensor_dtype_rules():
    assert mdl.tensor(1.5).dtype == np.float32
    assert mdl.tensor([1, 2]).dtype == np.int64
    assert mdl.tensor([1, 2.5]).dtype == np.float32
    assert mdl.tensor(np.zeros(2, np.float64)).dtype == np.float64
    assert mdl.tensor([1, 2], dtype=mdl.float64).dtype == np.float64
    assert mdl.tensor([1, 2], dtype="float32").dtype == np.float32
    with pytest.raises(RuntimeError, match="floating point"):
        mdl.tensor([1, 2], requires_grad=True)


def test_retain_grad_on_intermediate():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 12.0])


def test_shared_gradient_arrays_are_not_aliased():
    a = mdl.tensor([1.0], requires_grad=True)
    b = mdl.tensor([1.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.array += 5
    assert b.grad.item() == 1.0


def test_gradcheck_passes_and_names_the_bad_input():
    x = mdl.tensor(np.array([0.4, 1.3]), requires_grad=True)
    assert mdl.gradcheck(lambda t: (t ** 3).sum(), (x,))

    class WrongSquare(mdl.autograd.Function):
        def forward(self, a):
            self.a = a
            return a * a

        def backward(self, g):
            return g * 3 * self.a  # should be 2a

    with pytest.raises(GradcheckError, match=r"input 0 .*analytic .* vs numeric"):
        mdl.gradcheck(lambda t: WrongSquare.apply(t).sum(), (x,))


def test_gradcheck_on_float32_warns_then_fails_as_pytorchs():
    x = mdl.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision floating point"), \
            pytest.raises(mdl.autograd.GradcheckError):
        mdl.gradcheck(lambda t: t.sum(), (x,))   # eps=1e-6 is below float32's resolution at 1.0


def test_tensor_basics():
    x = mdl.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.shape == (2, 2) and x.ndim == 2 and x.device == mdl.device("cpu")
    assert x.T.numpy()[0, 1] == 3.0
    assert x.sum().item() == 10.0
    assert x.max(axis=1).values.tolist() == [2.0, 4.0]
    assert x.argmax(axis=1).tolist() == [1, 1]
    assert (x > 2).numpy().tolist() == [[False, False], [True, True]]
    assert mdl.zeros(2, 3).shape == (2, 3) and mdl.ones((2,)).dtype == np.float32
    assert mdl.arange(5).dtype == np.int64
    assert mdl.randn(3, 4, dtype=mdl.float64).dtype == np.float64
    assert "requires_grad=True" in repr(mdl.ones(2, requires_grad=True))
