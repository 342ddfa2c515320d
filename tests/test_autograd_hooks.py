"""Hooks, retain_grad, requires_grad_, grad-mode switches, grad_fn/next_functions, and clear errors."""
import threading

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import grad


def test_register_hook_sees_and_replaces_the_gradient():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    seen = []
    handle = h.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 10)
    (h * h).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * h.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 10 * 2 * 2 * h.numpy())
    handle.remove()
    x.grad = None
    h2 = x * 2
    (h2 * h2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * h2.numpy())


def test_leaf_hook_sees_the_summed_gradient_once():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.numpy().copy()))
    (x * 3 + x * x).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], 3 + 2 * x.numpy())
    handle = x.register_hook(lambda g: g * 0)
    (x * 1).sum().backward()       # accumulates 0 on top
    np.testing.assert_allclose(x.grad.numpy(), 3 + 2 * x.numpy())
    handle.remove()


def test_hook_under_create_graph_is_differentiable():
    x = mdl.tensor([1.5], dtype=mdl.float64, requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g * x)           # the replaced gradient depends on x
    g, = grad((y * 1).sum(), x, create_graph=True)   # dy/dx * x = 2x * x
    assert g.item() == pytest.approx(2 * 1.5 ** 2)
    g2, = grad(g.sum(), x)
    assert g2.item() == pytest.approx(4 * 1.5)


def test_hook_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mdl.tensor([1.0]).register_hook(lambda g: g)
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g[:1])
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).sum().backward()


def test_retain_grad_and_requires_grad_():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    assert h.retains_grad and not x.retains_grad
    x.retain_grad()                       # a leaf: nothing to do
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.numpy())
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        mdl.tensor([1.0]).retain_grad()
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad_(False)
    w = mdl.tensor([1.0]).requires_grad_()
    assert w.requires_grad and w.is_leaf
    with pytest.raises(RuntimeError, match="floating-point"):
        mdl.tensor([1, 2]).requires_grad_()


def test_grad_modes_as_context_decorator_and_call():
    x = mdl.tensor([1.0], requires_grad=True)

    @mdl.no_grad()
    def f(t):
        return t * 2

    @mdl.no_grad
    def f_bare(t):
        return t * 2

    @mdl.enable_grad()
    def g(t):
        return t * 2

    @mdl.set_grad_enabled(False)
    def h(t):
        return t * 2

    assert mdl.is_grad_enabled()
    assert not f(x).requires_grad and not f_bare(x).requires_grad and not h(x).requires_grad
    assert mdl.is_grad_enabled()
    with mdl.no_grad():
        assert g(x).requires_grad
        assert not (x * 2).requires_grad
    with mdl.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with mdl.enable_grad():
            assert (x * 2).requires_grad
    assert mdl.is_grad_enabled()
    mdl.set_grad_enabled(False)          # a plain call switches until switched back
    try:
        assert not mdl.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        mdl.set_grad_enabled(True)
    assert mdl.is_grad_enabled()
    with mdl.inference_mode():
        assert not (x * 2).requires_grad
        assert mdl.autograd.is_inference_mode_enabled()
    with mdl.inference_mode(False):
        assert (x * 2).requires_grad


def test_no_grad_decorates_generators_and_is_per_thread():
    x = mdl.tensor([1.0], requires_grad=True)

    @mdl.no_grad()
    def gen():
        yield (x * 2).requires_grad
        yield (x * 2).requires_grad

    assert list(gen()) == [False, False]
    assert mdl.is_grad_enabled()
    seen = []
    with mdl.no_grad():
        th = threading.Thread(target=lambda: seen.append(mdl.is_grad_enabled()))
        th.start()
        th.join()
    assert seen == [True]


def test_grad_fn_names_and_next_functions():
    a = mdl.tensor([1.0, 2.0], requires_grad=True)
    b = mdl.tensor([3.0, 4.0], requires_grad=True)
    y = (a * b + a).exp().sum()
    assert a.grad_fn is None and a.is_leaf and not y.is_leaf
    assert y.grad_fn.name() == "SumBackward0" and repr(y.grad_fn).startswith("<SumBackward0 object")
    names = []

    def walk(fn, depth=0):
        names.append("  " * depth + fn.name())
        for nxt, index in fn.next_functions:
            assert index == 0
            if nxt is not None:
                walk(nxt, depth + 1)
    walk(y.grad_fn)
    assert names == ["SumBackward0", "  ExpBackward0", "    AddBackward0", "      MulBackward0",
                     "        AccumulateGrad", "        AccumulateGrad", "      AccumulateGrad"]
    leaf_nodes = [n for n, _ in (a * b).grad_fn.next_functions]
    assert leaf_nodes[0].variable is a and leaf_nodes[1].variable is b
    assert (a * 2).grad_fn.next_functions[1] == (None, 0)     # the constant 2


def _structure(fn):
    """The graph below ``fn`` as nested (name, [children]) (leaves by their variable's id)."""
    children = []
    for nxt, index in fn.next_functions:
        if nxt is None:
            children.append((None, index))
        elif nxt.name() == "AccumulateGrad":
            children.append(("AccumulateGrad", id(nxt.variable)))
        else:
            children.append((_structure(nxt), index))
    return fn.name(), children


class _Square(mdl.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return 2 * x * grad


def test_next_functions_survive_backward_but_saved_arrays_do_not():
    """PyTorch keeps the graph's structure after backward (only saved tensors are freed); a second
    backward without retain_graph raises its RuntimeError."""
    import gc
    import weakref
    a = mdl.tensor(np.ones((50, 50)), requires_grad=True)
    b = mdl.tensor(np.full((50, 50), 2.0), requires_grad=True)
    h = (a * b).exp()
    ref = weakref.ref(h.array)
    mins = mdl.stack([_Square.apply(h), h]).min(dim=0)       # a ctx-style node and a multi-output node
    y = (mins.values * 2).sum()
    del h, mins
    before = _structure(y.grad_fn)
    y.backward()
    gc.collect()
    assert ref() is None                                       # the saved arrays were freed
    assert _structure(y.grad_fn) == before and len(y.grad_fn.next_functions) == 1
    assert "_SquareBackward" in str(before) and "AccumulateGrad" in str(before)
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        y.backward()


# --- clear errors -------------------------------------------------------------------------------


def test_freed_graph_is_a_runtime_error_naming_retain_graph():
    # issue 11: this raised "TypeError: 'NoneType' object is not iterable"
    a = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = a.exp()
    y.sum().backward()
    with pytest.raises(RuntimeError, match=r"^Trying to backward through the graph a second time.*ExpBackward0"):
        (y * 3).sum().backward()


def test_retain_graph_allows_the_shared_subgraph_twice():
    a = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = a.exp()
    y.sum().backward(retain_graph=True)
    (y * 3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 4 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_non_scalar_and_wrong_shape_errors_name_the_op():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*MulBackward0.*\(2,\).*gradient="):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*MulBackward0.*\(2,\)"):
        (x * 2).backward(mdl.tensor([1.0, 1.0, 1.0]))


def test_grad_errors():
    x = mdl.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        grad((x * 2).sum(), mdl.tensor([1.0]))
    with pytest.raises(RuntimeError, match="does not require grad"):
        grad(mdl.tensor([1.0]).sum(), x)
    with pytest.raises(RuntimeError, match="input 0.*not to have been used.*allow_unused=True"):
        grad((x * 2).sum(), mdl.tensor([2.0], requires_grad=True))


def test_array_style_op_returning_a_wrong_gradient_shape_is_named():
    class Broken(mdl.autograd.Function):
        def forward(self, a):
            return a * 2

        def backward(self, g):
            return g[:1]
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BrokenBackward0 returned an invalid gradient for input 0: shape \(1,\)"):
        Broken.apply(x).sum().backward()


def test_node_names_read_from_their_attributes_survive_backward():
    x = mdl.tensor(np.ones((3, 2)), requires_grad=True)
    y = (x[0] * 2).sum() + x[:, None].sum()
    names = sorted(n.name() for n, _ in y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions
                   if n is not None)
    y.backward()
    after = sorted(n.name() for n, _ in y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions
                   if n is not None)
    assert names == after == ["SelectBackward0"]
    assert y.grad_fn.next_functions[1][0].next_functions[0][0].name() == "UnsqueezeBackward0"
