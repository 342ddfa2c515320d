"""minidl.compiler: PyTorch's answers for code that runs eagerly, and wrap_numpy's conversions."""
import numpy as np

import minidl as mdl
from minidl import compiler


def test_eager_answers_and_decorators():
    assert compiler.is_compiling() is False and compiler.is_dynamo_compiling() is False
    assert compiler.is_exporting() is False

    def f(x):
        return x * 2
    assert compiler.disable(f) is f and compiler.disable(recursive=False)(f) is f
    assert compiler.allow_in_graph(f) is f and compiler.assume_constant_result(f) is f
    assert compiler.nested_compile_region(f) is f
    model = mdl.nn.Linear(2, 2)
    compiled = compiler.compile(model)  # an OptimizedModule wrapping the original, as PyTorch's
    assert compiled._orig_mod is model and compiler.compile(model, disable=True) is model
    assert compiler.list_backends() == ["cudagraphs", "inductor", "openxla", "tvm"]
    assert compiler.get_default_backend() == "inductor"
    with compiler.set_stance("force_eager"):
        assert f(3) == 6
    compiler.reset()
    compiler.cudagraph_mark_step_begin()


def test_wrap_numpy():
    @compiler.wrap_numpy
    def stats(x, y):
        return np.sum(x * y), x + 1
    total, plus = stats(mdl.ones(2), mdl.full((2,), 3.0))
    assert isinstance(total, np.floating) and total == 6.0
    assert isinstance(plus, mdl.Tensor) and plus.tolist() == [2.0, 2.0]
