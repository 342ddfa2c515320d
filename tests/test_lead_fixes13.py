"""Differences from PyTorch 2.13 found by the session-13 differential sweep (465 expressions run through both)."""
import warnings

import numpy as np
import pytest

import minidl


@pytest.mark.parametrize("name", ["sum", "mean", "nansum", "std", "var", "norm", "count_nonzero", "amax"])
@pytest.mark.parametrize("empty", [(), []])
def test_empty_dim_list_reduces_everything(name, empty):
    x = minidl.arange(6.0).reshape(2, 3)
    assert getattr(x, name)(dim=empty).shape == ()
    np.testing.assert_allclose(getattr(x, name)(dim=empty).numpy(), getattr(x, name)().numpy())


def test_empty_dim_list_keepdim_and_vector_norm():
    x = minidl.arange(6.0).reshape(2, 3)
    assert x.sum((), keepdim=True).shape == (1, 1)
    assert minidl.linalg.vector_norm(x, dim=()).shape == ()
    assert minidl.linalg.vector_norm(x, dim=(), keepdim=True).shape == (1, 1)


def test_any_all_over_no_dims_are_elementwise():
    x = minidl.tensor([[0.0, 1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(x.any(dim=()).numpy(), x.numpy() != 0)
    np.testing.assert_array_equal(x.all(dim=[]).numpy(), x.numpy() != 0)


def test_scatter_reduce_keyword():
    out = minidl.zeros(3).scatter_(0, minidl.tensor([0, 0]), 1.5, reduce="add")
    np.testing.assert_array_equal(out.numpy(), [3.0, 0.0, 0.0])
    out = minidl.ones(3).scatter(0, minidl.tensor([0, 0, 2]), 2.0, reduce="multiply")
    np.testing.assert_array_equal(out.numpy(), [4.0, 1.0, 2.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = minidl.zeros(2, 3).scatter(1, minidl.tensor([[0, 0], [2, 1]]), minidl.ones(2, 2), reduce="add")
    assert any("scatter_reduce" in str(w.message) for w in caught)
    np.testing.assert_array_equal(out.numpy(), [[2, 0, 0], [0, 1, 1]])
    with pytest.raises(RuntimeError, match="add or multiply.*'max'"):
        minidl.zeros(3).scatter_(0, minidl.tensor([0]), 1.0, reduce="max")


@pytest.mark.filterwarnings("ignore:The reduce argument")
def test_scatter_add_reduce_gradient():
    src = minidl.tensor([1.0, 2.0], dtype=minidl.float64, requires_grad=True)
    base = minidl.zeros(3, dtype=minidl.float64, requires_grad=True)
    assert minidl.autograd.gradcheck(
        lambda b, s: b.scatter(0, minidl.tensor([0, 0]), s, reduce="add"), (base, src))


def test_device_is_a_class():
    x = minidl.ones(2)
    assert isinstance(x.device, minidl.device)
    assert minidl.device(type="cpu") == minidl.device("cpu") == x.device
    assert str(minidl.device("cuda", 1)) == "cuda:1" and str(minidl.device(1)) == "cuda:1"
    assert repr(minidl.device("cpu")) == "device(type='cpu')"
    with pytest.raises(minidl.DeviceError, match="bad device ordinal"):
        minidl.device(-1)


def test_python_int_out_of_an_integer_dtypes_range_wraps_as_pytorch():
    """``int8_tensor + 200`` wraps the number to int8 (PyTorch 2.13 gives -54 for 2 + 200); an int beyond 64 bits
    raises OverflowError (values checked with PyTorch 2.13)."""
    x = minidl.tensor([2], dtype=minidl.int8)
    assert (x + 200).tolist() == [-54] and (x + 200).dtype == minidl.int8
    assert (x * 300).tolist() == [88]
    assert (x + 2 ** 40).tolist() == [2]
    assert (minidl.tensor([2], dtype=minidl.uint8) - 300).tolist() == [214]
    assert (minidl.tensor([2], dtype=minidl.int32) + 2 ** 63).tolist() == [2]
    with pytest.raises(OverflowError, match="int too big"):
        x + 2 ** 70


def test_half_precision_uniforms_are_pytorchs_float32_draws_rounded():
    """PyTorch 2.13's CPU kernels draw float16/bfloat16 uniforms as float32 ones (24 bits of a word), then round;
    ``random_()`` on bfloat16 spans [0, 2**8] (values printed by PyTorch 2.13 after ``manual_seed(0)``)."""
    minidl.manual_seed(0)
    assert minidl.rand(3, dtype=minidl.float16).tolist() == [0.496337890625, 0.76806640625, 0.0885009765625]
    assert minidl.rand(3, dtype=minidl.bfloat16).tolist() == [0.1318359375, 0.306640625, 0.6328125]
    minidl.manual_seed(0)
    assert minidl.empty(4, dtype=minidl.bfloat16).random_().tolist() == [149.0, 179.0, 47.0, 62.0]
    assert minidl.empty(4, dtype=minidl.float16).random_().tolist() == [982.0, 543.0, 322.0, 1051.0]


def test_gumbel_softmax_draws_pytorchs_numbers():
    """``F.gumbel_softmax`` draws its noise as ``-empty_like(logits).exponential_().log()``, as PyTorch does, so a
    seeded call gives PyTorch 2.13's sample; the straight-through hard sample keeps the soft one's gradient."""
    minidl.manual_seed(0)
    y = minidl.nn.functional.gumbel_softmax(minidl.zeros(2, 3))
    np.testing.assert_allclose(y.numpy(), [[0.10465076, 0.29840183, 0.59694749], [0.19737734, 0.48312473,
                                                                                   0.31949794]], rtol=1e-6)
    logits = minidl.zeros(2, 3, requires_grad=True)
    minidl.manual_seed(0)
    hard = minidl.nn.functional.gumbel_softmax(logits, tau=0.5, hard=True)
    assert hard.tolist() == [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    (hard * minidl.arange(3.0)).sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0


def test_gamma_beta_and_poisson_draw_pytorchs_numbers():
    """Gamma (Marsaglia-Tsang), Beta/Dirichlet (gammas of float64 concentrations) and Poisson (PTRS at rates >= 10,
    the product of uniforms below) draw PyTorch 2.13's samples for the same seed (values printed by PyTorch 2.13)."""
    minidl.manual_seed(0)
    g = minidl.distributions.Gamma(minidl.tensor([0.2, 1.0, 7.5]), 1.0).sample((2,))
    np.testing.assert_allclose(g.numpy(), [[1.5014641974175902e-08, 0.11898370087146759, 7.604648590087891],
                                           [0.005348102655261755, 0.2885397672653198, 7.66511869430542]], rtol=1e-6)
    minidl.manual_seed(0)
    b = minidl.distributions.Beta(minidl.tensor([0.5, 2.0]), minidl.tensor([0.3, 5.0])).sample()
    np.testing.assert_allclose(b.numpy(), [0.09066015481948853, 0.2502592206001282], rtol=1e-6)
    minidl.manual_seed(0)
    p = minidl.poisson(minidl.tensor([0.0, 0.5, 9.9, 10.0, 55.0, 1000.0, 1e6]))
    assert p.tolist() == [0.0, 2.0, 11.0, 9.0, 48.0, 1028.0, 1000516.0]


def test_gradient_edge_cases_match_pytorch():
    """Values printed by PyTorch 2.13: a zero exponent has a zero gradient (no 0 * inf at 0); std of a constant
    row has a zero gradient; median() shares its gradient between ties (and NaNs); renorm needs 2-D input."""
    x = minidl.tensor([0.0, 2.0], requires_grad=True)
    ((x ** 0).sum() + (x ** 0.5).sum()).backward()
    assert x.grad[0].item() == float("inf") and abs(x.grad[1].item() - 0.35355338) < 1e-6
    x.grad = None
    (x ** minidl.tensor([0.0, 2.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 4.0]
    x = minidl.tensor([[3.0, 3.0, 3.0], [1.0, 2.0, 4.0]], requires_grad=True)
    x.std(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0, 0], [-0.43643579, -0.10910895, 0.54554473]], rtol=1e-6)
    x = minidl.tensor([[3.0, 3.0, 3.0], [1.0, 2.0, 4.0]], dtype=minidl.float64, requires_grad=True)
    g, = minidl.autograd.grad(x.std(1).sum(), x, create_graph=True)
    g.sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and (x.grad.numpy()[0] == 0).all()
    for values, grad in (([1.0, 1.0, 3.0], [0.5, 0.5, 0.0]), ([2.0, float("nan"), 1.0, float("nan")],
                                                            [0.0, 0.5, 0.0, 0.5])):
        x = minidl.tensor(values, requires_grad=True)
        y = x.median()
        y.backward()
        assert x.grad.tolist() == grad and y.grad_fn.name() == "MedianBackward0"
    x = minidl.tensor([2.0, float("nan"), 1.0, float("nan")], requires_grad=True)
    x.nanmedian().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, 0.0]
    with pytest.raises(RuntimeError, match="renorm: input needs at least 2 dimensions, got 1 dimensions"):
        minidl.renorm(minidl.ones(3), 2, 0, 1.0)


def test_median_all_elements_and_zero_exponent_pass_float64_gradient_checks():
    """median() over all elements (no ties in random data) and a tensor exponent with zero entries: first- and
    second-order finite-difference checks in float64."""
    from minidl.autograd import gradcheck, gradgradcheck
    x = minidl.tensor(np.random.default_rng(5).standard_normal((3, 5)), requires_grad=True)
    assert gradcheck(lambda t: t.median(), (x,)) and gradgradcheck(lambda t: t.median() ** 2, (x,))
    assert gradcheck(lambda t: t.nanmedian(), (x,))
    a = minidl.tensor(np.random.default_rng(6).uniform(0.5, 2.0, 7), requires_grad=True)
    b = minidl.tensor([0.0, 1.5, 2.0, 0.0, 3.0, -1.0, 0.5], dtype=minidl.float64)
    assert gradcheck(lambda t: t ** b, (a,)) and gradgradcheck(lambda t: t ** b, (a,))
