"""The Tensor method forms of the added functions, their in-place ``_`` forms, ``scatter_add``/``index_add``/
``index_fill``/``index_copy``/``fill_diagonal_`` (values, gradients, errors), the in-place shape changes and the
layout queries ``stride()``/``storage_offset()``."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


def t(rng, *shape, low=-0.9, high=0.9):
    return mdl.tensor(rng.uniform(low, high, shape), dtype=mdl.float64, requires_grad=True)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


METHODS = ["log1p", "expm1", "tan", "sinh", "cosh", "acos", "asin", "atan", "erf", "erfinv", "frac", "tril", "triu",
           "diag", "trace", "ravel", "fliplr", "flipud", "nansum", "count_nonzero", "argwhere"]


@pytest.mark.parametrize("name", METHODS)
def test_method_is_the_function(rng, name):
    x = t(rng, 3, 3)
    np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(mdl, name)(x).numpy())
    assert getattr(mdl.Tensor, name).__doc__


def test_methods_with_arguments(rng):
    x, y = t(rng, 3, 4), t(rng, 3, 4, low=0.2, high=1)
    np.testing.assert_array_equal(x.atan2(y).numpy(), mdl.atan2(x, y).numpy())
    np.testing.assert_array_equal(x.xlogy(y).numpy(), mdl.xlogy(x, y).numpy())
    np.testing.assert_array_equal(x.lerp(y, 0.3).numpy(), mdl.lerp(x, y, 0.3).numpy())
    np.testing.assert_array_equal(x.addcmul(x, y, value=2).numpy(), mdl.addcmul(x, x, y, value=2).numpy())
    np.testing.assert_array_equal(x.fmod(y).numpy(), mdl.fmod(x, y).numpy())
    np.testing.assert_array_equal(x.roll(1, 1).numpy(), mdl.roll(x, 1, 1).numpy())
    np.testing.assert_array_equal(x.movedim(0, 1).numpy(), x.numpy().T)
    np.testing.assert_array_equal(x.moveaxis(0, 1).numpy(), x.numpy().T)
    np.testing.assert_array_equal(x.narrow(1, 1, 2).numpy(), x.numpy()[:, 1:3])
    np.testing.assert_array_equal(x.tile((2,)).numpy(), np.tile(x.numpy(), 2))
    np.testing.assert_array_equal(x.repeat_interleave(2, 0).numpy(), np.repeat(x.numpy(), 2, 0))
    np.testing.assert_array_equal(x.diagonal(1).numpy(), np.diagonal(x.numpy(), 1))
    np.testing.assert_array_equal(x.diff().numpy(), np.diff(x.numpy()))
    np.testing.assert_array_equal(x.cumprod(1).numpy(), np.cumprod(x.numpy(), 1))
    np.testing.assert_array_equal(x.mv(y[0]).numpy(), x.numpy() @ y.numpy()[0])
    np.testing.assert_array_equal(x[0].outer(y[0]).numpy(), np.outer(x.numpy()[0], y.numpy()[0]))
    assert x.median(1).values.shape == (3,) and x.kthvalue(2, 1).indices.shape == (3,)
    assert x.mode(1).values.shape == (3,) and x.nanmean().shape == ()
    assert x.logical_and(y).dtype == mdl.bool and x.isinf().dtype == mdl.bool
    assert x.unfold(1, 2, 2).shape == (3, 2, 2)
    assert x.masked_fill(x > 0, 0.0).shape == (3, 4) and x.clamp_min(0).min().item() >= 0


INPLACE = [("log1p_", ()), ("expm1_", ()), ("tan_", ()), ("sinh_", ()), ("cosh_", ()), ("acos_", ()),
           ("erf_", ()), ("frac_", ()), ("reciprocal_", ()), ("tril_", (0,)), ("triu_", (1,)), ("lerp_", (0.0, 0.5)),
           ("fmod_", (0.3,)), ("nan_to_num_", ()), ("cumprod_", (1,)), ("xlogy_", (2.0,))]


@pytest.mark.parametrize("name,args", INPLACE)
def test_inplace_forms_write_the_result(rng, name, args):
    x = t(rng, 3, 3, low=0.1, high=0.9).detach()
    expected = getattr(x, name[:-1])(*args)
    out = getattr(x, name)(*args)
    assert out is x
    np.testing.assert_allclose(x.numpy(), expected.numpy())


def test_inplace_forms_are_recorded_and_refuse_leaves(rng):
    a = t(rng, 3, 3, low=0.1, high=0.9)
    check(lambda v: (v * 1).log1p_().tril_(), a)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        a.tril_()


def test_scatter_add(rng):
    x, src = t(rng, 3, 5), t(rng, 2, 5)
    index = mdl.tensor([[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]])
    ref = x.numpy().copy()
    for i in range(2):
        for j in range(5):
            ref[index.numpy()[i, j], j] += src.numpy()[i, j]
    np.testing.assert_allclose(mdl.scatter_add(x, 0, index, src).numpy(), ref)
    np.testing.assert_allclose(x.scatter_add(0, index, src).numpy(), ref)
    check(lambda a, b: mdl.scatter_add(a, 0, index, b), x, src)
    y = x.detach().clone()
    y.scatter_add_(0, index, src.detach())
    np.testing.assert_allclose(y.numpy(), ref)
    assert mdl.zeros(3).scatter_add(0, mdl.tensor([0, 2, 0]), mdl.tensor([1.0, 2.0, 3.0])).tolist() == [4, 0, 2]
    with pytest.raises(RuntimeError, match="out of bounds"):
        mdl.scatter_add(mdl.zeros(3), 0, mdl.tensor([3]), mdl.ones(1))


def test_index_add_fill_copy(rng):
    x, src = t(rng, 4, 3), t(rng, 3, 3)
    idx = mdl.tensor([0, 2, 0])
    ref = x.numpy().copy()
    np.add.at(ref, idx.numpy(), 2 * src.numpy())
    np.testing.assert_allclose(x.index_add(0, idx, src, alpha=2).numpy(), ref)
    check(lambda a, b: mdl.index_add(a, 0, idx, b), x, src)
    filled = x.index_fill(1, mdl.tensor([0, 2]), -1.0)
    assert (filled.numpy()[:, [0, 2]] == -1).all() and (filled.numpy()[:, 1] == x.numpy()[:, 1]).all()
    check(lambda a: a.index_fill(1, mdl.tensor([1]), 0.5), x)
    copied = x.index_copy(0, mdl.tensor([3, 1]), src[:2])
    np.testing.assert_allclose(copied.numpy()[[3, 1]], src.numpy()[:2])
    check(lambda a, b: a.index_copy(0, mdl.tensor([3, 1]), b), x, t(rng, 2, 3))
    y = mdl.zeros(3, 2)
    y.index_add_(0, mdl.tensor([1, 1]), mdl.ones(2, 2))
    y.index_fill_(0, mdl.tensor([0]), 7)
    assert y.tolist() == [[7, 7], [2, 2], [0, 0]]
    with pytest.raises(RuntimeError, match="does not match"):
        mdl.index_add(mdl.zeros(3, 2), 0, mdl.tensor([0]), mdl.ones(2, 2))
    with pytest.raises(IndexError, match="out of range"):
        mdl.index_fill(mdl.zeros(3), 0, mdl.tensor([5]), 1.0)


def test_fill_diagonal():
    assert mdl.zeros(2, 3).fill_diagonal_(5).tolist() == [[5, 0, 0], [0, 5, 0]]
    wrapped = mdl.zeros(7, 3).fill_diagonal_(1, wrap=True).numpy()
    assert wrapped[4, 0] == 1 and wrapped[3].sum() == 0 and wrapped.sum() == 6
    assert mdl.zeros(2, 2, 2).fill_diagonal_(1).numpy().sum() == 2


def test_inplace_shape_changes(rng):
    x = mdl.zeros(2, 1, 3)
    assert x.squeeze_().shape == (2, 3) and x.unsqueeze_(0).shape == (1, 2, 3)
    y = mdl.arange(6.0).reshape(2, 3)
    y.t_()
    assert y.tolist() == [[0, 3], [1, 4], [2, 5]]
    y.transpose_(0, 1)
    assert y.shape == (2, 3)
    a = t(rng, 3)
    h = a * 1
    h.unsqueeze_(1)
    (h * mdl.tensor([[1.0], [2.0], [3.0]], dtype=mdl.float64)).sum().backward()
    assert a.grad.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="leaf Variable"):
        a.unsqueeze_(0)


def test_stride_and_storage_offset():
    x = mdl.zeros(2, 3, 4)
    assert x.stride() == (12, 4, 1) and x.stride(1) == 4 and x.stride(-1) == 1
    assert x.storage_offset() == 0
    assert x[1].storage_offset() == 12 and x[:, 1:].storage_offset() == 4
    assert mdl.ones(3).expand(2, 3).stride() == (0, 1)
