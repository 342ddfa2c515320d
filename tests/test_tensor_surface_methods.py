"""Tensor methods added for PyTorch's surface: values against NumPy / hand-computed values (PyTorch 2.13's
results were read once and written here by hand), PyTorch's errors, and float64 gradcheck + gradgradcheck
for every differentiable one."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(3)


def t64(*shape):
    return mdl.tensor(RNG.standard_normal(shape), requires_grad=True)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_sum_to_size_values_errors_and_gradients():
    a = RNG.standard_normal((2, 3, 4))
    x = mdl.tensor(a)
    np.testing.assert_allclose(x.sum_to_size(3, 1).numpy(), a.sum(0).sum(1, keepdims=True))
    np.testing.assert_allclose(x.sum_to_size((1, 1, 4)).numpy(), a.sum((0, 1), keepdims=True))
    np.testing.assert_allclose(x.sum_to_size(mdl.Size([4])).numpy(), a.sum((0, 1)))
    assert x.sum_to_size(2, 3, 4).tolist() == x.tolist()
    with pytest.raises(RuntimeError, match=r"size \{\[5\]\} is not expandable to size \{\[2, 3, 4\]\}"):
        x.sum_to_size(5)
    check(lambda t: t.sum_to_size(3, 1), t64(2, 3, 4))


def test_put_values_errors_and_gradients():
    x = mdl.arange(6.0).reshape(2, 3)
    assert x.put(mdl.tensor([0, 5]), mdl.tensor([9.0, 8.0])).tolist() == [[9.0, 1.0, 2.0], [3.0, 4.0, 8.0]]
    assert x.put(mdl.tensor([-1]), mdl.tensor([9.0])).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 9.0]]
    y = x.clone()
    assert y.put_(mdl.tensor([0, 0]), mdl.tensor([9.0, 8.0]), accumulate=True) is y
    assert y.tolist() == [[17.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    with pytest.raises(IndexError, match="tried to access index 6 on a tensor of 6 elements"):
        x.put(mdl.tensor([6]), mdl.tensor([1.0]))
    with pytest.raises(IndexError, match="same number of elements"):
        x.put(mdl.tensor([1]), mdl.tensor([1.0, 2.0]))
    index = mdl.tensor([4, 0, 2])
    check(lambda t, s: t.put(index, s), t64(2, 3), t64(3))
    check(lambda t, s: t.put(mdl.tensor([1, 1, 2]), s, accumulate=True), t64(2, 3), t64(3))


def test_index_reduce_values_match_pytorch():
    x = mdl.arange(6.0).reshape(2, 3)
    src = mdl.arange(6.0).reshape(2, 3) + 1
    idx = mdl.tensor([0, 0, 2])
    with pytest.warns(UserWarning, match="beta"):
        out = x.index_reduce(1, idx, src, "mean")
    np.testing.assert_allclose(out.numpy(), [[1.0, 1.0, 2.5], [4.0, 4.0, 5.5]])
    with pytest.warns(UserWarning):
        np.testing.assert_allclose(x.index_reduce(1, idx, src, "mean", include_self=False).numpy(),
                                   [[1.5, 1.0, 3.0], [4.5, 4.0, 6.0]])
        np.testing.assert_allclose(x.index_reduce(1, idx, src, "amax", include_self=False).numpy(),
                                   [[2.0, 1.0, 3.0], [5.0, 4.0, 6.0]])
        np.testing.assert_allclose(x.index_reduce(1, idx, src, "amin").numpy(), x.numpy())
        rows = mdl.ones(3, 3) * mdl.tensor([[1.0], [2.0], [5.0]])
        np.testing.assert_allclose(x.index_reduce(0, mdl.tensor([0, 0, 1]), rows, "prod").numpy(),
                                   [[0.0, 2.0, 4.0], [15.0, 20.0, 25.0]], rtol=1e-6)
        ints = mdl.arange(6).reshape(2, 3)
        assert ints.index_reduce(1, idx, ints + 1, "mean").tolist() == [[1, 1, 2], [4, 4, 5]]
        with pytest.raises(RuntimeError, match="prod, mean, amax or amin but got sum"):
            x.index_reduce(1, idx, src, "sum")
        y = x.clone()
        assert y.index_reduce_(1, idx, src, "amax") is y and y.tolist() == [[2.0, 1.0, 3.0], [5.0, 4.0, 6.0]]


@pytest.mark.filterwarnings("ignore:index_reduce")
@pytest.mark.parametrize("reduce", ["mean", "prod", "amax"])
def test_index_reduce_gradients(reduce):
    index = mdl.tensor([0, 2, 0, 1])
    check(lambda t, s: t.index_reduce(1, index, s, reduce), t64(2, 3), t64(2, 4))


def test_split_with_sizes_and_unsafe_forms():
    x = mdl.arange(10.0).reshape(5, 2)
    parts = x.split_with_sizes([2, 3])
    assert [p.shape for p in parts] == [(2, 2), (3, 2)] and parts[1].tolist() == x[2:].tolist()
    with pytest.raises(RuntimeError, match="split_sizes to sum exactly to 5"):
        x.split_with_sizes([1, 1])
    assert [p.tolist() for p in x.unsafe_split(2)] == [p.tolist() for p in x.split(2)]
    assert [p.tolist() for p in x.unsafe_chunk(2, 1)] == [p.tolist() for p in x.chunk(2, 1)]
    assert [p.shape for p in x.unsafe_split_with_sizes([4, 1])] == [(4, 2), (1, 2)]
    check(lambda t: t.split_with_sizes([1, 3], dim=1)[1] * 2, t64(2, 4))


def test_narrow_copy_is_a_copy():
    x = mdl.arange(6.0).reshape(2, 3)
    y = x.narrow_copy(1, 1, 2)
    assert y.tolist() == [[1.0, 2.0], [4.0, 5.0]] and y.is_contiguous()
    y[0, 0] = 100.0
    assert x[0, 1].item() == 1.0
    check(lambda t: t.narrow_copy(0, 1, 2), t64(4, 3))


def test_transposes_h_mh_adjoint():
    a = RNG.standard_normal((2, 3))
    x = mdl.tensor(a)
    np.testing.assert_array_equal(x.H.numpy(), a.T)
    np.testing.assert_array_equal(x.adjoint().numpy(), a.T)
    b = mdl.tensor(RNG.standard_normal((4, 2, 3)))
    np.testing.assert_array_equal(b.mH.numpy(), np.swapaxes(b.numpy(), -1, -2))
    with pytest.raises(RuntimeError, match="tensor.H is only supported on matrices"):
        b.H
    with pytest.raises(RuntimeError, match="adjoint"):
        mdl.zeros(3).adjoint()
    with pytest.raises(RuntimeError, match="mH"):
        mdl.zeros(3).mH
    check(lambda t: t.H * t.adjoint(), t64(3, 3))
    check(lambda t: t.mH, t64(2, 2, 3))


def test_method_forms_of_functions():
    a = RNG.standard_normal((3, 5))
    x = mdl.tensor(a)
    np.testing.assert_allclose(x.cov().numpy(), np.cov(a))
    np.testing.assert_allclose(x.corrcoef().numpy(), np.corrcoef(a))
    np.testing.assert_array_equal(x.msort().numpy(), np.sort(a, axis=0))
    np.testing.assert_allclose(x[0].vdot(x[1]).item(), np.dot(a[0], a[1]))
    mant, expo = mdl.tensor([8.0, 0.3, -5.0, 0.0]).frexp()
    assert mant.tolist() == pytest.approx([0.5, 0.6, -0.625, 0.0]) and expo.tolist() == [4, -1, 3, 0]
    assert expo.dtype == mdl.int32
    np.testing.assert_allclose(x.hardshrink(0.5).numpy(), np.where(np.abs(a) > 0.5, a, 0.0))
    w = mdl.tensor([0.25], dtype=mdl.float64)
    np.testing.assert_allclose(x.prelu(w).numpy(), np.where(a > 0, a, 0.25 * a))
    check(lambda t: t.msort(), t64(4, 3))
    check(lambda t: t.unsafe_chunk(2, 1)[1] * t.unsafe_split(1, 1)[0], t64(2, 4))
    check(lambda t: t.angle() + t, t64(3))
    check(lambda t: t.cov(), t64(3, 5))
    check(lambda t: t.corrcoef(), t64(3, 5))
    check(lambda t, u: t.vdot(u), t64(4), t64(4))
    check(lambda t: t.hardshrink(0.3), mdl.tensor(np.array([-1.0, -0.1, 0.2, 0.9]), requires_grad=True))
    check(lambda t, s: t.prelu(s), t64(2, 3, 2), mdl.tensor(np.array([0.1, 0.3, 0.7]), requires_grad=True))


def test_map_and_apply_run_python_callables():
    x = mdl.arange(6.0).reshape(2, 3)
    assert x.clone().map_(mdl.ones(3), lambda a, b: a + 2 * b).tolist() == [[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]
    y = x.clone()
    assert y.apply_(lambda a: a * 10) is y and y.tolist() == [[0.0, 10.0, 20.0], [30.0, 40.0, 50.0]]


def test_post_accumulate_grad_hook_method():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    handle.remove()
    (x * 3).sum().backward()
    assert len(seen) == 1
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mdl.zeros(2).register_post_accumulate_grad_hook(lambda t: None)


def test_angle_nonzero_static_to_dense():
    x = mdl.tensor([-1.0, 0.0, 2.0, float("nan")])
    out = x.angle().tolist()
    assert out[:3] == pytest.approx([np.pi, 0.0, 0.0]) and np.isnan(out[3])
    assert mdl.tensor([-1, 2]).angle().dtype == mdl.float32
    g = mdl.tensor([-1.0, 2.0], requires_grad=True)
    g.angle().sum().backward()
    assert g.grad.tolist() == [0.0, 0.0]
    assert mdl.tensor([1, 0, 3]).nonzero_static(size=4).tolist() == [[0], [2], [-1], [-1]]
    assert mdl.tensor([[1, 0], [0, 3]]).nonzero_static(size=1, fill_value=-5).tolist() == [[0, 0]]
    assert x.to_dense() is x


class _Sub(mdl.Tensor):
    pass


def test_as_subclass_keeps_memory_and_graph():
    x = mdl.ones(2, requires_grad=True)
    y = (x * 2).as_subclass(_Sub)
    assert type(y) is _Sub and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    base = mdl.ones(2)
    z = base.as_subclass(_Sub)
    z[0] = 5.0
    assert base.tolist() == [5.0, 1.0]
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        base.as_subclass(int)
    check(lambda t: (t * 1).as_subclass(_Sub) * t, t64(3))
