"""minidl.library.custom_op: PyTorch's custom-operator API run eagerly (the Python Custom Operators tutorial's
patterns): calls, kernels per device, register_autograd (checked to second order), the missing-formula error,
mutation, fake implementations and opcheck."""
import numpy as np
import pytest

import minidl as mdl
from minidl import Tensor, library
from minidl.autograd import gradcheck, gradgradcheck


@library.custom_op("jithubtest::numpy_sin", mutates_args=())
def numpy_sin(x: Tensor) -> Tensor:
    return mdl.from_numpy(np.sin(x.detach().numpy()))


@numpy_sin.register_fake
def _(x):
    return mdl.empty_like(x)


def _setup(ctx, inputs, output):
    (x,) = inputs
    ctx.save_for_backward(x)


def _backward(ctx, grad):
    (x,) = ctx.saved_tensors
    return grad * x.cos()


numpy_sin.register_autograd(_backward, setup_context=_setup)


@library.custom_op("jithubtest::sin_out", mutates_args={"out"}, device_types="cpu")
def sin_out(x: Tensor, out: Tensor) -> None:
    np.sin(x.detach().numpy(), out=out.numpy())


@library.custom_op("jithubtest::no_formula", mutates_args=())
def no_formula(x: Tensor, scale: float = 2.0) -> Tensor:
    return x.detach() * scale


def test_call_schema_and_repr():
    x = mdl.randn(4, dtype=mdl.float64)
    np.testing.assert_allclose(numpy_sin(x).numpy(), np.sin(x.numpy()))
    assert repr(numpy_sin) == "<CustomOpDef(jithubtest::numpy_sin)>" and numpy_sin.__name__ == "numpy_sin"
    assert numpy_sin._schema == "(Tensor x) -> Tensor"
    assert sin_out._schema == "(Tensor x, Tensor(a1!) out) -> ()"      # PyTorch's infer_schema gives the same
    assert library.infer_schema(no_formula._fn, mutates_args=()) == "(Tensor x, float scale=2.0) -> Tensor"
    out = mdl.empty(4, dtype=mdl.float64)
    assert sin_out(x, out) is None
    np.testing.assert_allclose(out.numpy(), np.sin(x.numpy()))
    assert no_formula(x, scale=3.0).tolist() == (x * 3).tolist()


def test_autograd_registration_and_the_missing_formula_error():
    x = mdl.randn(5, dtype=mdl.float64, requires_grad=True)
    y = numpy_sin(x)
    assert type(y.grad_fn).__name__ == "GeneratedBackwardFor_jithubtest_numpy_sin_defaultBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos(x.detach().numpy()))
    assert gradcheck(numpy_sin, (x,)) and gradgradcheck(numpy_sin, (x,))
    z = no_formula(x)
    assert z.requires_grad
    with pytest.raises(RuntimeError, match="Trying to backward through jithubtest.no_formula.default but no autograd "
                                           "formula was registered"):
        z.sum().backward()


def test_opcheck():
    x = mdl.randn(3, requires_grad=True)
    assert library.opcheck(numpy_sin, (x,)) == {name: "SUCCESS" for name in library.DEFAULT_TEST_UTILS}
    assert library.opcheck(sin_out, (x.detach(), mdl.empty(3)))["test_schema"] == "SUCCESS"
    with pytest.raises(library.OpCheckError, match="test_autograd_registration failed"):
        library.opcheck(no_formula, (x,))
    results = library.opcheck(no_formula, (x.detach(),), raise_exception=False)
    assert results["test_schema"] == "SUCCESS" and isinstance(results["test_faketensor"], library.OpCheckError)

    @library.custom_op("jithubtest::sneaky", mutates_args=())
    def sneaky(x: Tensor) -> Tensor:
        x.add_(1)
        return x.clone()
    with pytest.raises(library.OpCheckError, match="test_schema failed with Argument x is not defined as mutable "
                                                   "but was mutated"):
        library.opcheck(sneaky, (mdl.ones(2),))

    @library.custom_op("jithubtest::wrong_fake", mutates_args=())
    def wrong_fake(x: Tensor) -> Tensor:
        return x.detach() * 2

    library.register_fake("jithubtest::wrong_fake", lambda x: mdl.empty(1))
    with pytest.raises(library.OpCheckError, match="test_faketensor failed"):
        library.opcheck(wrong_fake, (mdl.ones(2),))


def test_registration_errors_and_kernels():
    with pytest.raises(ValueError, match="namespace::opname"):
        library.custom_op("bad_name", lambda x: x, mutates_args=())
    with pytest.raises(ValueError, match="Parameter x must have a type annotation"):
        @library.custom_op("jithubtest::noann", mutates_args=())
        def noann(x):
            return x

    @library.custom_op("jithubtest::twice", mutates_args=())
    def twice(x: Tensor) -> Tensor:
        return x * 2
    library.register_kernel("jithubtest::twice", "cpu", lambda x: x * 3)
    assert twice(mdl.ones(1)).item() == 3.0
    with pytest.raises(ValueError, match="not an operator"):
        library.register_autograd("jithubtest::missing", lambda ctx, g: g)
