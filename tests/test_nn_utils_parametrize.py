"""nn.utils.parametrize (register/remove, chaining, right_inverse, cached, errors) and
nn.utils.parametrizations (weight_norm, spectral_norm, orthogonal): values, state-dict keys, gradients.

The orthogonal maps were compared once with PyTorch 2.13 on the same weights (all three maps, with
and without the trivialization, square and rectangular): equal to 2e-15; the tests below check the
properties (orthogonality, the registered weight equal to the orthogonalised old one) directly.
"""
import copy
import pickle

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.utils.parametrize as P
from minidl.autograd import gradcheck, gradgradcheck
from minidl.nn.utils import parametrizations as PP


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class Scale(nn.Module):
    def forward(self, X):
        return 2.0 * X

    def right_inverse(self, Y):
        return Y / 2.0


class Shrink(nn.Module):
    def forward(self, X):
        return X[:2]


# --------------------------------------------------------------------------------------------- parametrize
def test_register_symmetric_and_keys():
    lin = nn.Linear(3, 3).double()
    w0 = lin.weight.numpy().copy()
    weight_param = lin.weight
    assert P.register_parametrization(lin, "weight", Symmetric()) is lin
    assert type(lin).__name__ == "ParametrizedLinear" and isinstance(lin, nn.Linear)
    assert P.type_before_parametrizations(lin) is nn.Linear
    assert P.is_parametrized(lin) and P.is_parametrized(lin, "weight") and not P.is_parametrized(lin, "bias")
    assert list(lin.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert lin.parametrizations.weight.original is weight_param  # same Parameter (optimisers keep working)
    expected = np.triu(np.triu(w0)) + np.triu(np.triu(w0), 1).T  # right_inverse stored triu(w0)
    np.testing.assert_allclose(lin.weight.detach().numpy(), expected)
    x = mdl.randn(4, 3, dtype=mdl.float64)
    np.testing.assert_allclose(lin(x).detach().numpy(), x.numpy() @ expected.T + lin.bias.numpy())
    lin(x).sum().backward()
    assert weight_param.grad is not None
    assert "ParametrizedLinear(" in repr(lin) and "(parametrizations): ModuleDict(" in repr(lin)


def test_assign_uses_right_inverse_and_chaining():
    lin = nn.Linear(3, 3).double()
    P.register_parametrization(lin, "weight", Symmetric())
    P.register_parametrization(lin, "weight", Scale())
    assert len(lin.parametrizations.weight) == 2
    a = np.arange(9.0).reshape(3, 3)
    sym = a + a.T
    lin.weight = mdl.tensor(sym)
    np.testing.assert_allclose(lin.parametrizations.weight.original.numpy(), np.triu(sym) / 2)
    np.testing.assert_allclose(lin.weight.detach().numpy(), sym)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        lin.weight = nn.Parameter(mdl.eye(3, dtype=mdl.float64))


def test_assign_without_right_inverse_raises():
    class NoInverse(nn.Module):
        def forward(self, X):
            return X.triu()
    lin = nn.Linear(3, 3)
    P.register_parametrization(lin, "weight", NoInverse())
    with pytest.raises(RuntimeError, match="parametrization NoInverse does not implement right_inverse"):
        lin.weight = mdl.eye(3)


def test_errors():
    lin = nn.Linear(3, 3)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element with "
                                         "name 'foo'"):
        P.register_parametrization(lin, "foo", Symmetric())
    with pytest.raises(ValueError, match="may not change the shape of the tensor"):
        P.register_parametrization(lin, "weight", Shrink())
    assert type(lin) is nn.Linear and not P.is_parametrized(lin)
    P.register_parametrization(lin, "weight", Shrink(), unsafe=True)
    assert tuple(lin.weight.shape) == (2, 3)
    with pytest.raises(ValueError, match="does not have a parametrization on bias"):
        P.remove_parametrizations(lin, "bias")
    with pytest.raises(RuntimeError, match="Serialization of parametrized modules is only supported through "
                                           "state_dict()"):
        pickle.dumps(lin)


def test_remove_parametrizations():
    lin = nn.Linear(3, 3).double()
    P.register_parametrization(lin, "weight", Symmetric())
    param = lin.parametrizations.weight.original
    value = lin.weight.detach().numpy().copy()
    P.remove_parametrizations(lin, "weight")
    assert type(lin) is nn.Linear and not hasattr(lin, "parametrizations")
    assert lin.weight is param and isinstance(lin.weight, nn.Parameter)
    np.testing.assert_allclose(lin.weight.numpy(), value)
    assert list(lin.state_dict()) == ["bias", "weight"]
    P.register_parametrization(lin, "weight", Scale())
    stored = lin.parametrizations.weight.original.numpy().copy()
    P.remove_parametrizations(lin, "weight", leave_parametrized=False)
    np.testing.assert_allclose(lin.weight.numpy(), stored)


def test_buffer_parametrization_and_two_names():
    m = nn.BatchNorm1d(3)
    P.register_parametrization(m, "running_var", Scale())
    assert "parametrizations.running_var.original" in m.state_dict()
    P.register_parametrization(m, "weight", Scale())
    assert P.is_parametrized(m, "weight") and P.is_parametrized(m, "running_var")
    P.remove_parametrizations(m, "running_var")
    assert P.is_parametrized(m) and type(m).__name__ == "ParametrizedBatchNorm1d"
    P.remove_parametrizations(m, "weight")
    assert type(m) is nn.BatchNorm1d


def test_cached():
    calls = []

    class Counting(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 1.0
    lin = nn.Linear(2, 2)
    P.register_parametrization(lin, "weight", Counting())
    calls.clear()
    lin.weight, lin.weight
    assert len(calls) == 2
    calls.clear()
    with P.cached():
        a, b = lin.weight, lin.weight
        with P.cached():
            c = lin.weight
    assert len(calls) == 1 and a is b is c
    lin.weight
    assert len(calls) == 2  # cache cleared on leaving the outer block


def test_deepcopy_and_state_dict_roundtrip():
    a = nn.Linear(3, 3)
    P.register_parametrization(a, "weight", Symmetric())
    b = copy.deepcopy(a)
    assert type(b).__name__ == "ParametrizedLinear" and b.parametrizations.weight.original is not \
        a.parametrizations.weight.original
    np.testing.assert_allclose(b.weight.detach().numpy(), a.weight.detach().numpy())
    c = nn.Linear(3, 3)
    P.register_parametrization(c, "weight", Symmetric())
    c.load_state_dict(a.state_dict())
    np.testing.assert_allclose(c.weight.detach().numpy(), a.weight.detach().numpy())


def test_transfer_parametrizations_and_params():
    a = nn.Linear(3, 3)
    P.register_parametrization(a, "weight", Symmetric())
    b = P.transfer_parametrizations_and_params(a, nn.Linear(3, 3))
    assert P.is_parametrized(b, "weight")
    np.testing.assert_allclose(b.weight.detach().numpy(), a.weight.detach().numpy())


# ----------------------------------------------------------------------------------------- parametrizations
def test_parametrized_weight_norm_keys_values_dims():
    lin = nn.Linear(4, 3).double()
    w0 = lin.weight.numpy().copy()
    PP.weight_norm(lin)
    assert list(lin.state_dict()) == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    g = lin.parametrizations.weight.original0.numpy()
    np.testing.assert_allclose(g, np.linalg.norm(w0, axis=1, keepdims=True))
    np.testing.assert_allclose(lin.weight.detach().numpy(), w0, rtol=1e-12)
    conv = nn.Conv2d(2, 3, 3).double()
    PP.weight_norm(conv, dim=1)
    assert tuple(conv.parametrizations.weight.original0.shape) == (1, 2, 1, 1)
    none = PP.weight_norm(nn.Linear(4, 3), dim=None)
    assert tuple(none.parametrizations.weight.original0.shape) == ()
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        P.remove_parametrizations(lin, "weight", leave_parametrized=False)
    P.remove_parametrizations(lin, "weight")
    assert isinstance(lin.weight, nn.Parameter) and list(lin.state_dict()) == ["bias", "weight"]


def test_parametrized_weight_norm_gradients(rng):
    fn = PP._WeightNorm(0)
    g = mdl.tensor(rng.standard_normal((3, 1)) + 2, dtype=mdl.float64, requires_grad=True)
    v = mdl.tensor(rng.standard_normal((3, 4)), dtype=mdl.float64, requires_grad=True)
    assert gradcheck(fn, (g, v)) and gradgradcheck(fn, (g, v))


def test_parametrized_spectral_norm():
    mdl.manual_seed(0)
    lin = nn.Linear(6, 4).double()
    PP.spectral_norm(lin)
    assert list(lin.state_dict()) == ["bias", "parametrizations.weight.original",
                                      "parametrizations.weight.0._u", "parametrizations.weight.0._v"]
    for _ in range(30):
        w = lin.weight
    assert abs(np.linalg.svd(w.detach().numpy(), compute_uv=False)[0] - 1) < 1e-8
    sn = lin.parametrizations.weight[0]
    u, v = sn._u.numpy().copy(), sn._v.numpy().copy()
    w_orig = lin.parametrizations.weight.original.detach().numpy()
    lin.eval()
    w_eval = lin.weight.detach().numpy()
    np.testing.assert_array_equal(sn._u.numpy(), u)  # eval: no power iteration
    np.testing.assert_allclose(w_eval, w_orig / (u @ w_orig @ v), rtol=1e-12)
    ct = PP.spectral_norm(nn.ConvTranspose2d(3, 5, 3))
    assert tuple(ct.parametrizations.weight[0]._u.shape) == (5,)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'foo'"):
        PP.spectral_norm(nn.Linear(3, 3), name="foo")
    with pytest.raises(IndexError, match="Dimension out of range"):
        PP.spectral_norm(nn.Linear(3, 3), dim=2)


def test_parametrized_spectral_norm_power_step():
    lin = nn.Linear(5, 3).double()
    PP.spectral_norm(lin)
    sn = lin.parametrizations.weight[0]
    w = lin.parametrizations.weight.original.detach().numpy()
    u, v = sn._u.numpy().copy(), sn._v.numpy().copy()
    u = w @ v
    u /= np.linalg.norm(u)
    v = w.T @ u
    v /= np.linalg.norm(v)
    out = lin.weight.detach().numpy()
    np.testing.assert_allclose(sn._u.numpy(), u, rtol=1e-12)
    np.testing.assert_allclose(out, w / (u @ w @ v), rtol=1e-12)


def test_parametrized_spectral_norm_gradients(rng):
    mdl.manual_seed(1)
    w = mdl.tensor(rng.standard_normal((3, 5)), dtype=mdl.float64, requires_grad=True)
    sn = PP._SpectralNorm(w, 1, 0, 1e-12).eval()
    assert gradcheck(sn, (w,)) and gradgradcheck(sn, (w,))
    vec = mdl.tensor(rng.standard_normal(4), dtype=mdl.float64, requires_grad=True)
    sn1 = PP._SpectralNorm(vec)
    np.testing.assert_allclose(sn1(vec).detach().numpy(), vec.numpy() / np.linalg.norm(vec.numpy()))
    assert gradcheck(sn1, (vec,)) and gradgradcheck(sn1, (vec,))


@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6)])
@pytest.mark.parametrize("orth_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("triv", [True, False])
def test_orthogonal(shape, orth_map, triv):
    lin = nn.Linear(shape[1], shape[0]).double()
    w0 = lin.weight.numpy().copy()
    PP.orthogonal(lin, orthogonal_map=orth_map, use_trivialization=triv)
    w = lin.weight.detach().numpy()
    gram = w @ w.T if shape[0] <= shape[1] else w.T @ w
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)
    keys = ["bias", "parametrizations.weight.original"] + (["parametrizations.weight.0.base"] if triv else [])
    assert list(lin.state_dict()) == keys
    if triv or orth_map == "householder":
        # the registered weight is the orthogonalised old one: Q of QR(w0) with R's diagonal made positive
        tall = w0 if shape[0] >= shape[1] else w0.T
        q, r = np.linalg.qr(tall)
        q = q * np.sign(np.diag(r))
        np.testing.assert_allclose(w, q if shape[0] >= shape[1] else q.T, atol=1e-12)
    lin(mdl.randn(2, shape[1], dtype=mdl.float64)).sum().backward()
    assert lin.parametrizations.weight.original.grad is not None


@pytest.mark.parametrize("orth_map", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_map_gradients(rng, orth_map):
    orth = PP._Orthogonal(mdl.zeros(4, 3, dtype=mdl.float64), getattr(PP._OrthMaps, orth_map),
                          use_trivialization=False)
    X = mdl.tensor(0.3 * rng.standard_normal((4, 3)), dtype=mdl.float64)
    if orth_map == "householder":
        X.array[np.arange(3), np.arange(3)] = [1.5, -1.5, 2.5]  # int() of the diagonal gives the signs
    X.requires_grad = True
    assert gradcheck(orth, (X,)) and gradgradcheck(orth, (X,))


def test_orthogonal_assign_and_errors():
    lin = nn.Linear(4, 4).double()
    PP.orthogonal(lin)
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 4)))
    lin.weight = mdl.tensor(q)
    np.testing.assert_allclose(lin.weight.detach().numpy(), q, atol=1e-12)
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        PP.orthogonal(nn.Linear(3, 3), orthogonal_map="foo")
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions."):
        PP.orthogonal(nn.Linear(3, 3), name="bias")


def test_parametrized_weight_norm_loads_old_hook_checkpoint():
    """PyTorch's compatibility hook: weight_g / weight_v of the old weight_norm load into original0 / original1."""
    import warnings

    from minidl.nn.utils import weight_norm as old_weight_norm
    old = nn.Sequential(nn.Linear(4, 3).double())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old_weight_norm(old[0])
    with mdl.no_grad():
        old[0].weight_g.mul_(2.0)
    sd = old.state_dict()
    assert list(sd) == ["0.bias", "0.weight_g", "0.weight_v"]
    new = nn.Sequential(nn.Linear(4, 3).double())
    PP.weight_norm(new[0])
    new.load_state_dict(sd)
    assert list(sd) == ["0.bias", "0.weight_g", "0.weight_v"]  # the caller's dict is left as it was
    x = mdl.randn(2, 4, dtype=mdl.float64)
    np.testing.assert_allclose(new(x).detach().numpy(), old(x).detach().numpy(), rtol=1e-12)
