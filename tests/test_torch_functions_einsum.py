"""``minidl.einsum``: values against ``numpy.einsum`` for every kind of subscript (explicit, implicit, ellipsis,
repeated indices, broadcasting, sublists), float64 first and second derivatives, and PyTorch's errors."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck
from minidl.ops.einsum import Einsum

DEVICES = ["cpu", pytest.param("gpu", marks=pytest.mark.gpu)]

CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->ij", [(3, 3, 2)]),
    ("ij->i", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...,i...", [(2, 1, 3), (2, 4, 1)]),
    ("ij,ij,ij->", [(2, 3), (2, 3), (2, 3)]),
    ("bA,a", [(2, 3), (2,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 3)]),
]


def _operands(rng, shapes, device="cpu"):
    return [mdl.tensor(rng.standard_normal(s), dtype=mdl.float64, requires_grad=True, device=device)
            for s in shapes]


@pytest.mark.parametrize("equation,shapes", CASES)
def test_values_match_numpy(rng, equation, shapes):
    ops = _operands(rng, shapes)
    out = mdl.einsum(equation, *ops)
    np.testing.assert_allclose(out.numpy(), np.einsum(equation, *[o.numpy() for o in ops]), rtol=1e-12, atol=1e-12)
    assert isinstance(out.creator, Einsum)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("equation,shapes", CASES)
def test_first_and_second_derivatives(rng, device, equation, shapes):
    ops = _operands(rng, shapes, device)
    assert gradcheck(lambda *xs: mdl.einsum(equation, *xs), ops)
    assert gradgradcheck(lambda *xs: mdl.einsum(equation, *xs), ops)


def test_operands_as_a_list_and_sublist_format(rng):
    a, b = _operands(rng, [(2, 3), (3, 4)])
    ref = a.numpy() @ b.numpy()
    np.testing.assert_allclose(mdl.einsum("ij,jk->ik", [a, b]).numpy(), ref)
    np.testing.assert_allclose(mdl.einsum(a, [0, 1], b, [1, 2], [0, 2]).numpy(), ref)
    np.testing.assert_allclose(mdl.einsum(a, [0, 1], b, [1, 2]).numpy(), ref)
    np.testing.assert_allclose(mdl.einsum(a, [Ellipsis, 1], [Ellipsis]).numpy(), a.numpy().sum(1))


def test_implicit_output_orders_upper_case_first():
    # PyTorch: labels seen once, in the order A..Z then a..z
    out = mdl.einsum("bA,a", mdl.ones(2, 3), mdl.ones(2))
    assert out.shape == (3, 2, 2)


def test_integers_keep_their_dtype():
    out = mdl.einsum("ij->", mdl.tensor([[1, 2], [3, 4]]))
    assert out.dtype == mdl.int64 and out.item() == 10


def test_gradient_of_diagonal_and_trace_values():
    x = mdl.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    mdl.einsum("ii->i", x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.eye(3))
    y = mdl.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    mdl.einsum("ij->i", y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), np.ones((2, 3)))


@pytest.mark.parametrize("args,message", [
    (("ij,jk->ik", [(2, 3)]), "fewer operands"),
    (("ij->ij", [(2, 3), (2, 3)]), "more operands"),
    (("ijk->i", [(2, 3)]), "does not match the number of dimensions"),
    (("ij,jk->ik", [(2, 3), (4, 5)]), "does not broadcast"),
    (("ii->i", [(2, 3)]), "repeated"),
    (("ij->ii", [(2, 2)]), "more than once"),
    (("ij->k", [(2, 2)]), "does not appear"),
    (("i1->i", [(2, 2)]), "invalid subscript"),
])
def test_errors_are_runtime_errors_naming_the_problem(args, message):
    equation, shapes = args
    with pytest.raises(RuntimeError, match=message):
        mdl.einsum(equation, *[mdl.ones(*s) for s in shapes])


def test_mixed_dtypes_are_refused_as_in_pytorch():
    with pytest.raises(RuntimeError, match="same dtype"):
        mdl.einsum("i,i->", mdl.ones(2), mdl.ones(2, dtype=mdl.float64))
