"""minidl.binomial: PyTorch's CPU sampler (inversion below mean 10, BTRS above) on the PyTorch-compatible
stream: after the same seed the samples, and the generator state after them, equal PyTorch 2.13's (the
expected lists are what PyTorch printed for the same calls)."""
import numpy as np
import pytest

import minidl as mdl

COUNT = [0., 5., 20., 100., 1000., 7., 50., 3., 1e4, 30.]
PROB = [0.3, 0.2, 0.6, 0.5, 0.01, 1.0, 0.9, 0.0, 0.37, 0.45]


def test_samples_equal_pytorchs():
    mdl.manual_seed(0)
    first = mdl.binomial(mdl.tensor(COUNT), mdl.tensor(PROB))
    assert first.dtype == mdl.float32
    assert first.tolist() == [0.0, 2.0, 12.0, 48.0, 10.0, 7.0, 45.0, 0.0, 3631.0, 11.0]
    second = mdl.binomial(mdl.tensor(COUNT).double(), mdl.tensor(PROB).double())   # float32 values, as doubles
    assert second.dtype == mdl.float64
    assert second.tolist() == [0.0, 2.0, 11.0, 48.0, 10.0, 7.0, 44.0, 0.0, 3712.0, 8.0]
    np.testing.assert_allclose(mdl.rand(3).numpy(), [0.3748350739479065, 0.2564433217048645, 0.32508331537246704])
    many = mdl.binomial(mdl.full((2000,), 40.0), mdl.full((2000,), 0.3))
    assert many.sum().item() == 24036.0


def test_distribution_and_generator():
    gen = mdl.Generator().manual_seed(7)
    for n, p in ((8.0, 0.3), (200.0, 0.25), (60.0, 0.8)):     # inversion, BTRS, mirrored
        draws = mdl.binomial(mdl.full((20000,), n, dtype=mdl.float64), mdl.full((20000,), p, dtype=mdl.float64),
                             generator=gen).numpy()
        assert draws.min() >= 0 and draws.max() <= n and np.all(draws == np.round(draws))
        assert abs(draws.mean() - n * p) < 4 * np.sqrt(n * p * (1 - p) / 20000)
        assert abs(draws.var() / (n * p * (1 - p)) - 1) < 0.05
    a = mdl.binomial(mdl.full((5,), 30.0), mdl.full((5,), 0.5), generator=mdl.Generator().manual_seed(1))
    b = mdl.binomial(mdl.full((5,), 30.0), mdl.full((5,), 0.5), generator=mdl.Generator().manual_seed(1))
    assert a.tolist() == b.tolist()


def test_errors():
    with pytest.raises(ValueError, match="binomial only supports floating-point dtypes for count, got: Long"):
        mdl.binomial(mdl.tensor([1, 2]), mdl.tensor([0.5, 0.5]))
