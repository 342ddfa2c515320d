"""nn.init's structured initialisations (orthogonal_, dirac_, eye_, sparse_), the deprecated
non-underscore aliases and the ``generator=`` keyword."""
import math

import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl.nn import init


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3, 3), (7, 5, 2)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_rows_or_columns_orthonormal(shape, gain):
    w = init.orthogonal_(mdl.empty(*shape, dtype=mdl.float64), gain=gain)
    m = w.numpy().reshape(shape[0], -1)
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-10)


def test_orthogonal_is_haar_signs_and_seeded():
    """Same seed, same matrix; the sign fix makes R's diagonal positive (Q = QR-factor with d > 0)."""
    a = init.orthogonal_(mdl.empty(4, 6), generator=mdl.Generator().manual_seed(3))
    b = init.orthogonal_(mdl.empty(4, 6), generator=mdl.Generator().manual_seed(3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    from minidl import mt19937
    g = mt19937.normal(mt19937.seeded(3), (4, 6), np.float32).astype(np.float64).T
    q, r = np.linalg.qr(g)
    np.testing.assert_allclose(a.numpy(), (q * np.sign(np.diag(r))).T, rtol=1e-5, atol=1e-6)
    mdl.manual_seed(1)
    c = init.orthogonal_(mdl.empty(4, 6))
    mdl.manual_seed(1)
    np.testing.assert_array_equal(c.numpy(), init.orthogonal_(mdl.empty(4, 6)).numpy())


def test_orthogonal_errors_and_empty():
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(mdl.empty(3))
    e = mdl.empty(0, 3)
    assert init.orthogonal_(e) is e


def test_orthogonal_keeps_parameter_and_dtype():
    lin = mdl.nn.Linear(5, 3)
    out = init.orthogonal_(lin.weight)
    assert out is lin.weight and out.dtype == mdl.float32 and out.requires_grad


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((4, 6, 3, 5), 1),
                                          ((3, 2, 3, 3, 3), 1), ((6, 4, 5, 5), 3)])
def test_dirac_values(shape, groups):
    w = init.dirac_(mdl.empty(*shape, dtype=mdl.float64), groups=groups)
    expected = np.zeros(shape)
    per_group = shape[0] // groups
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(per_group, shape[1])):
            expected[(g * per_group + d, d) + centre] = 1
    np.testing.assert_array_equal(w.numpy(), expected)


def test_dirac_conv_is_identity():
    x = mdl.randn(2, 3, 6, 6, dtype=mdl.float64)
    w = init.dirac_(mdl.empty(3, 3, 3, 3, dtype=mdl.float64))
    np.testing.assert_allclose(F.conv2d(x, w, padding=1).numpy(), x.numpy(), atol=1e-12)
    w2 = init.dirac_(mdl.empty(6, 3, 3, 3, dtype=mdl.float64), groups=2)  # each group copies its 3 channels
    x2 = mdl.randn(1, 6, 5, 5, dtype=mdl.float64)
    np.testing.assert_allclose(F.conv2d(x2, w2, padding=1, groups=2).numpy(), x2.numpy(), atol=1e-12)


def test_dirac_errors():
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(mdl.empty(3, 3))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(mdl.empty(5, 3, 3, 3), groups=2)


def test_eye():
    np.testing.assert_array_equal(init.eye_(mdl.empty(3, 5)).numpy(), np.eye(3, 5))
    np.testing.assert_array_equal(init.eye_(mdl.empty(4, 2)).numpy(), np.eye(4, 2))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(mdl.empty(2, 2, 2))


def test_sparse():
    w = init.sparse_(mdl.empty(10, 400, dtype=mdl.float64), sparsity=0.25, std=0.5)
    zeros_per_col = (w.numpy() == 0).sum(axis=0)
    assert (zeros_per_col == math.ceil(0.25 * 10)).all()
    nonzero = w.numpy()[w.numpy() != 0]
    assert abs(nonzero.std() - 0.5) < 0.03 and abs(nonzero.mean()) < 0.03
    # as in PyTorch, generator= drives the values; the zeroed rows come from the global stream
    mdl.manual_seed(1)
    a = init.sparse_(mdl.empty(5, 7), 0.4, generator=mdl.Generator().manual_seed(0))
    mdl.manual_seed(1)
    b = init.sparse_(mdl.empty(5, 7), 0.4, generator=mdl.Generator().manual_seed(0))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(mdl.empty(2, 2, 2), 0.1)


def test_generator_keyword_on_distributions():
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_, init.trunc_normal_):
        a = fn(mdl.empty(4, 5), generator=mdl.Generator().manual_seed(7))
        b = fn(mdl.empty(4, 5), generator=mdl.Generator().manual_seed(7))
        np.testing.assert_array_equal(a.numpy(), b.numpy())


DEPRECATED = {
    "uniform": ((), {"a": -1.0, "b": 1.0}), "normal": ((), {"std": 2.0}), "constant": ((0.5,), {}),
    "xavier_uniform": ((), {}), "xavier_normal": ((), {"gain": 2.0}), "kaiming_uniform": ((), {"a": 0.1}),
    "kaiming_normal": ((), {"mode": "fan_out"}), "orthogonal": ((), {"gain": 1.5}), "sparse": ((0.3,), {}),
    "eye": ((), {}),
}


@pytest.mark.parametrize("name", sorted(DEPRECATED))
def test_deprecated_aliases_warn_and_match(name):
    args, kwargs = DEPRECATED[name]
    new = getattr(init, name + "_")
    mdl.manual_seed(5)
    expected = new(mdl.empty(4, 6), *args, **kwargs).numpy()
    mdl.manual_seed(5)
    with pytest.warns(FutureWarning, match=rf"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`."):
        got = getattr(init, name)(mdl.empty(4, 6), *args, **kwargs)
    np.testing.assert_array_equal(got.numpy(), expected)
    assert name in init.__all__ and getattr(init, name).__name__ == name


def test_deprecated_dirac():
    with pytest.warns(FutureWarning, match="`nn.init.dirac` is now deprecated"):
        w = init.dirac(mdl.empty(2, 2, 3), 2)
    np.testing.assert_array_equal(w.numpy(), init.dirac_(mdl.empty(2, 2, 3), 2).numpy())


def test_kaiming_zero_element_warns():
    for fn in (init.kaiming_uniform_, init.kaiming_normal_):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            fn(mdl.empty(0, 3))
