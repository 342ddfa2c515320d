"""Random sampling (``bernoulli``, ``multinomial``, ``normal``, ``poisson``, ``randint_like`` and the in-place
fills ``bernoulli_``, ``random_``, ``exponential_``): same seed same numbers, a ``Generator`` of its own,
the right dtypes and shapes, and sample statistics close to the distribution's."""
import numpy as np
import pytest

import minidl as mdl


def _twice(fn):
    mdl.manual_seed(123)
    first = fn()
    mdl.manual_seed(123)
    return first, fn()


@pytest.mark.parametrize("fn", [
    lambda: mdl.bernoulli(mdl.full((50,), 0.3)),
    lambda: mdl.multinomial(mdl.tensor([[0.2, 0.0, 0.8], [1.0, 1.0, 1.0]]), 2),
    lambda: mdl.multinomial(mdl.tensor([0.2, 0.3, 0.5]), 10, replacement=True),
    lambda: mdl.normal(mdl.zeros(20), mdl.ones(20)),
    lambda: mdl.normal(2.0, 3.0, (20,)),
    lambda: mdl.poisson(mdl.full((20,), 3.0)),
    lambda: mdl.randint_like(mdl.zeros(20), 3, 9),
    lambda: mdl.zeros(20).bernoulli_(0.4),
    lambda: mdl.zeros(20).random_(5),
    lambda: mdl.zeros(20).exponential_(2.0),
])
def test_same_seed_same_numbers(fn):
    a, b = _twice(fn)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_generator_argument_is_its_own_stream():
    g1, g2 = mdl.Generator().manual_seed(7), mdl.Generator().manual_seed(7)
    a = mdl.multinomial(mdl.ones(10), 5, generator=g1)
    b = mdl.multinomial(mdl.ones(10), 5, generator=g2)
    assert a.tolist() == b.tolist()
    assert mdl.bernoulli(mdl.full((8,), 0.5), generator=mdl.Generator().manual_seed(1)).shape == (8,)


def test_multinomial_rules():
    mdl.manual_seed(0)
    out = mdl.multinomial(mdl.tensor([0.0, 1.0, 0.0, 1.0]), 2)
    assert out.dtype == mdl.int64 and sorted(out.tolist()) == [1, 3]     # without replacement: each once
    counts = np.bincount(mdl.multinomial(mdl.tensor([1.0, 3.0]), 4000, replacement=True).numpy(), minlength=2)
    assert abs(counts[1] / 4000 - 0.75) < 0.03
    # PyTorch: zero-weight categories come last, highest index first
    assert mdl.multinomial(mdl.tensor([1.0, 0.0, 0.0, 2.0]), 4).tolist()[2:] == [2, 1]
    with pytest.raises(RuntimeError, match="without replacement"):
        mdl.multinomial(mdl.tensor([0.0, 1.0]), 3)
    with pytest.raises(RuntimeError, match="< 0"):
        mdl.multinomial(mdl.tensor([-1.0, 1.0]), 1)


def test_bernoulli_and_normal_statistics():
    mdl.manual_seed(0)
    b = mdl.bernoulli(mdl.full((20000,), 0.3))
    assert b.dtype == mdl.float32 and set(np.unique(b.numpy())) <= {0.0, 1.0}
    assert abs(b.mean().item() - 0.3) < 0.02
    assert mdl.bernoulli(mdl.zeros(5), p=1.0).tolist() == [1.0] * 5
    n = mdl.normal(mdl.full((20000,), 2.0), 0.5)
    assert abs(n.mean().item() - 2.0) < 0.02 and abs(n.std().item() - 0.5) < 0.02
    assert mdl.normal(0.0, 1.0, size=(2, 3)).shape == (2, 3)
    with pytest.raises(RuntimeError, match="p_in"):
        mdl.bernoulli(mdl.tensor([1.5]))


def test_inplace_fills_keep_dtype_and_range():
    mdl.manual_seed(0)
    x = mdl.zeros(1000, dtype=mdl.int64).random_(2, 5)
    assert x.dtype == mdl.int64 and set(x.tolist()) == {2, 3, 4}
    y = mdl.zeros(1000).random_(3)
    assert set(y.tolist()) == {0.0, 1.0, 2.0}
    e = mdl.zeros(20000).exponential_(2.0)
    assert e.min().item() >= 0 and abs(e.mean().item() - 0.5) < 0.02
    leaf = mdl.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.bernoulli_(0.5)
