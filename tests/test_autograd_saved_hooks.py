"""minidl.autograd.graph: saved_tensors_hooks (pack at save, unpack when the backward pass needs the
tensor), save_on_cpu and disable_saved_tensors_hooks, on minidl's own ops and on custom Functions."""
import threading

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck
from minidl.autograd.graph import disable_saved_tensors_hooks, save_on_cpu, saved_tensors_hooks


def _recording_hooks():
    packed, unpacked = [], []

    def pack(x):
        packed.append(x)
        return x

    def unpack(x):
        unpacked.append(x)
        return x
    return packed, unpacked, pack, unpack


def test_pack_at_save_unpack_at_backward():
    packed, unpacked, pack, unpack = _recording_hooks()
    a = mdl.ones(3, requires_grad=True)
    b = mdl.full((3,), 2.0)
    with saved_tensors_hooks(pack, unpack):
        y = (a * b).sum()
        with mdl.no_grad():
            a * b  # nothing recorded, nothing saved
        b * b  # no input requires grad: nothing saved
    assert len(packed) >= 1 and not unpacked
    assert all(isinstance(p, mdl.Tensor) for p in packed)
    assert any(np.array_equal(p.numpy(), b.numpy()) for p in packed)
    y.backward()
    assert len(unpacked) == len(packed)
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0, 2.0])


def test_unpacked_values_are_used():
    """The backward pass computes with what unpack_hook returns, not with the original array."""
    a = mdl.ones(3, requires_grad=True)
    b = mdl.full((3,), 2.0)
    with saved_tensors_hooks(lambda x: 5, lambda p: mdl.full((3,), float(p))):
        y = (a * b).sum()
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), [5.0, 5.0, 5.0])


def test_pack_can_drop_the_array():
    """Packing into NumPy copies (as an offloading hook would) frees nothing the backward still needs."""
    mdl.manual_seed(0)
    x = mdl.randn(4, 5, dtype=mdl.float64, requires_grad=True)
    w = mdl.randn(3, 5, dtype=mdl.float64, requires_grad=True)

    def f(x, w):
        return F.softmax(F.linear(x, w).tanh(), dim=1).log().sum()
    f(x, w).backward()
    expected = x.grad.numpy().copy(), w.grad.numpy().copy()
    x.grad = w.grad = None
    with saved_tensors_hooks(lambda t: t.numpy().copy(), lambda a: mdl.from_numpy(a)):
        y = f(x, w)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), expected[0], rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), expected[1], rtol=1e-12)


def test_unpack_must_return_tensor():
    a = mdl.ones(3, requires_grad=True)
    with saved_tensors_hooks(lambda x: x, lambda p: 3):
        y = (a * a).sum()
    with pytest.raises(TypeError, match="Output of saved tensor unpack_hook expected to be a Tensor but got "
                                        "result of type int"):
        y.backward()


def test_retained_graph_unpacks_each_backward():
    packed, unpacked, pack, unpack = _recording_hooks()
    a = mdl.ones(3, requires_grad=True)
    with saved_tensors_hooks(pack, unpack):
        y = (a * 3.0).exp().sum()
    y.backward(retain_graph=True)
    first = len(unpacked)
    y.backward()
    assert first == len(packed) and len(unpacked) == 2 * len(packed)
    np.testing.assert_allclose(a.grad.numpy(), 2 * 3 * np.exp(3.0) * np.ones(3), rtol=1e-6)


def test_custom_function_save_for_backward():
    packed, unpacked, pack, unpack = _recording_hooks()

    class Double(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, None)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            x, none = ctx.saved_tensors
            x, none = ctx.saved_tensors
            assert none is None
            return g * 2 * x / x
    a = mdl.ones(3, requires_grad=True)
    with saved_tensors_hooks(pack, unpack):
        y = Double.apply(a)
    assert len(packed) == 1 and packed[0] is a
    y.sum().backward()
    assert len(unpacked) == 2  # unpacked at every read, as in PyTorch
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0, 2.0])


def test_nested_hooks_innermost_wins_and_thread_local():
    outer, inner = [], []
    a = mdl.ones(2, requires_grad=True)
    with saved_tensors_hooks(lambda x: outer.append(1) or x, lambda x: x):
        with saved_tensors_hooks(lambda x: inner.append(1) or x, lambda x: x):
            (a * a).sum()
        assert inner and not outer
        seen = []

        def other_thread():
            (a * a).sum()
            seen.append(len(outer))
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
        assert seen == [0]  # hooks belong to the thread that opened them
        (a * a).sum()
    assert outer


def test_disable_saved_tensors_hooks():
    with disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with saved_tensors_hooks(lambda x: x, lambda x: x):
                pass
    a = mdl.ones(2, requires_grad=True)
    with saved_tensors_hooks(lambda x: x, lambda x: x):
        with disable_saved_tensors_hooks("no hooks here"):
            with pytest.raises(RuntimeError, match="no hooks here"):
                a * a
    with saved_tensors_hooks(lambda x: x, lambda x: x):  # enabled again after the block
        (a * a).sum().backward()


def test_save_on_cpu_training_step_matches():
    mdl.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 2)).double()
    x = mdl.randn(2, 2, 4, 4, dtype=mdl.float64)
    net(x).sum().backward()
    expected = [p.grad.numpy().copy() for p in net.parameters()]
    net.zero_grad()
    with save_on_cpu(pin_memory=False):
        y = net(x).sum()
    y.backward()
    for p, e in zip(net.parameters(), expected):
        np.testing.assert_allclose(p.grad.numpy(), e, rtol=1e-12)
    assert isinstance(save_on_cpu(), saved_tensors_hooks)


def test_gradcheck_and_gradgradcheck_under_hooks(rng):
    x = mdl.tensor(rng.standard_normal((3, 4)), requires_grad=True)

    def f(x):
        with saved_tensors_hooks(lambda t: t.numpy().copy(), lambda a: mdl.from_numpy(a)):
            return (x.sin() * x).softmax(dim=1)
    assert gradcheck(f, (x,)) and gradgradcheck(f, (x,))


# ------------------------------------------------------------------------------------ register_multi_grad_hook
def _grads_list(calls):
    return lambda gs: calls.append([None if g is None else g.numpy().tolist() for g in gs])


def test_multi_grad_hook_all_mode():
    from minidl.autograd.graph import register_multi_grad_hook
    a, b, c = (mdl.ones(2, requires_grad=True) for _ in range(3))
    calls = []
    handle = register_multi_grad_hook((a, b, c), _grads_list(calls))
    (a * 2 + b * 3).sum().backward()
    assert calls == [[[2.0, 2.0], [3.0, 3.0], None]]  # once per pass, None for the tensor not reached
    (a * 2).sum().backward()
    assert calls[-1] == [[2.0, 2.0], None, None]
    handle.remove()
    handle.remove()
    (a * 2).sum().backward()
    assert len(calls) == 2


def test_multi_grad_hook_non_leaf_and_retained_graph():
    from minidl.autograd.graph import register_multi_grad_hook
    a, b = mdl.ones(2, requires_grad=True), mdl.ones(2, requires_grad=True)
    x, y = a * 1, b * 1
    calls = []
    register_multi_grad_hook((x, y), _grads_list(calls))
    (x * 5).sum().backward(retain_graph=True)
    (x * 5 + y).sum().backward(retain_graph=True)
    assert calls == [[[5.0, 5.0], None], [[5.0, 5.0], [1.0, 1.0]]]


def test_multi_grad_hook_any_mode_and_errors():
    from minidl.autograd.graph import register_multi_grad_hook
    a, b = mdl.ones(2, requires_grad=True), mdl.ones(2, requires_grad=True)
    seen = []
    with register_multi_grad_hook((a, b), lambda g: seen.append(g.numpy().tolist()), mode="any"):
        (a * 2 + b * 3).sum().backward()
    assert len(seen) == 1 and seen[0] in ([2.0, 2.0], [3.0, 3.0])
    (a * 2).sum().backward()
    assert len(seen) == 1  # removed on leaving the with block
    with pytest.raises(ValueError, match=r"Expects mode to be one of \('all', 'any'\) but got foo"):
        register_multi_grad_hook((a, b), print, mode="foo")
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        register_multi_grad_hook((mdl.ones(2),), print)


def test_graph_node_is_the_base_of_every_node():
    from minidl.autograd.graph import Node
    x = mdl.ones(2, requires_grad=True)
    y = x * 2
    assert Node is mdl.autograd.Node
    assert isinstance(y.grad_fn, Node) and isinstance(y.grad_fn.next_functions[0][0], Node)


def test_grad_fn_saved_attributes_as_pytorchs():
    """``grad_fn._saved_self`` / ``_saved_other`` are the inputs themselves, ``_saved_result`` a new Tensor equal
    to the output, ``_saved_exponent`` the Python exponent (the saved-tensors-hooks tutorial prints them); after
    backward they are freed (PyTorch's RuntimeError); names a node does not save are AttributeErrors."""
    a = mdl.randn(5, requires_grad=True)
    b = mdl.ones(5, requires_grad=True)
    y = a * b
    assert y.grad_fn._saved_self is a and y.grad_fn._saved_other is b
    e = mdl.exp(a)
    assert e.grad_fn._saved_result.equal(e) and e.grad_fn._saved_result is not e
    p = a ** 2
    assert p.grad_fn._saved_self is a and p.grad_fn._saved_exponent == 2
    assert (a @ b).grad_fn._saved_mat2 is b and a.sin().grad_fn._saved_self is a
    with pytest.raises(AttributeError, match="_saved_alpha"):
        (a + b).grad_fn._saved_alpha
    y.sum().backward()
    with pytest.raises(RuntimeError, match="after they have already been freed"):
        y.grad_fn._saved_self


def test_saved_attribute_reads_run_the_unpack_hook_each_time():
    """Under ``saved_tensors_hooks`` a ``_saved_`` read unpacks (the tutorial's file-per-tensor hooks: the second
    read of a deleted file fails)."""
    calls = []

    def unpack(packed):
        calls.append(1)
        return packed

    x = mdl.ones(5, requires_grad=True)
    with mdl.autograd.graph.saved_tensors_hooks(lambda t: t, unpack):
        y = x.pow(2)
    assert mdl.equal(y.grad_fn._saved_self, x) and mdl.equal(y.grad_fn._saved_self, x) and len(calls) == 2


def test_pack_hook_runs_without_recording():
    """A pack hook's own operations record nothing (PyTorch packs under no_grad): ``lambda x: x * 4`` on a tensor
    that requires grad must not save (and pack) again, recursively."""
    x = mdl.randn(5, requires_grad=True)
    seen = []

    def pack(t):
        seen.append(mdl.is_grad_enabled())
        return t * 4

    with mdl.autograd.graph.saved_tensors_hooks(pack, lambda t: t / 4):
        y = mdl.pow(x, 2)
    y.sum().backward()
    assert seen == [False] and mdl.allclose(x.grad, 2 * x)
