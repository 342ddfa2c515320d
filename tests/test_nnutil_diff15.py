"""Session 15's differential sweep of nn.utils and nn.init against PyTorch 2.13: the differences fixed.

Every expected value here was read off PyTorch 2.13 (CPU) running the same code with ``torch`` in place of
``minidl``; the literals are its outputs.
"""
import math
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
from minidl.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)


def _seeded_params():
    g = mdl.Generator().manual_seed(3)
    ps = []
    for shape in [(3, 4), (5,), (2, 2, 2)]:
        p = nn.Parameter(mdl.randn(shape, generator=g))
        p.grad = mdl.randn(shape, generator=g) * 3
        ps.append(p)
    return ps


# ------------------------------------------------------------------------------------ gradient clipping
@pytest.mark.parametrize("norm_type, total, first_grads", [
    # read off PyTorch 2.13: the total norm and each gradient's first two values after clipping to 1.5
    (3, 6.155740737915039, [[-0.6320700645446777, 0.2185477912425995], [-0.46008801460266113, 0.11288126558065414],
                            [-0.7710198163986206, 0.6021983027458191]]),
    (0, 3.0, [[-1.2969529628753662, 0.44844111800193787], [-0.9440606832504272, 0.23162256181240082],
              [-1.5820657014846802, 1.2356586456298828]]),
    (2.5, 7.334952354431152, [[-0.530454695224762, 0.18341273069381714], [-0.3861215114593506, 0.09473379701375961],
                              [-0.6470659971237183, 0.5053852796554565]]),
    (0.5, 914.8709716796875, [[-0.004252905957400799, 0.0014705065404996276],
                              [-0.003095718566328287, 0.000759525632020086],
                              [-0.005187834147363901, 0.004051912575960159]]),
])
def test_clip_grad_norm_matches_pytorch_bit_for_bit(norm_type, total, first_grads):
    ps = _seeded_params()
    r = clip_grad_norm_(ps, 1.5, norm_type=norm_type)
    assert r.item() == total and r.dtype == mdl.float32
    assert [p.grad.flatten()[:2].tolist() for p in ps] == first_grads


def test_total_norm_dtypes_follow_pytorch():
    # a float64 tensor anywhere promotes the total (PyTorch stacks the norms); read off PyTorch 2.13
    r = get_total_norm([mdl.tensor([4.0]), mdl.tensor([3.0], dtype=mdl.float64)])
    assert r.dtype == mdl.float64 and r.item() == 5.0
    assert get_total_norm([mdl.tensor([3.0, 4.0], dtype=mdl.float16), mdl.tensor([1.0])]).dtype == mdl.float32
    # half precision accumulates in float32: no overflow (PyTorch: 500.0 float16, 449.75 for the 3-norm)
    h = mdl.tensor([300.0, 400.0], dtype=mdl.float16)
    assert get_total_norm([h]).item() == 500.0 and get_total_norm([h]).dtype == mdl.float16
    assert get_total_norm([h], norm_type=3).item() == 449.75
    p = nn.Parameter(mdl.ones(3, dtype=mdl.float16))
    p.grad = mdl.full((3,), 200.0, dtype=mdl.float16)
    r = clip_grad_norm_([p], 1.0)
    assert r.item() == 346.5 and p.grad.tolist() == [0.5771484375] * 3
    # a complex gradient's norm is real
    c = nn.Parameter(mdl.ones(3, dtype=mdl.complex64))
    c.grad = mdl.full((3,), 3 + 4j, dtype=mdl.complex64)
    r = clip_grad_norm_([c], 1.0)
    assert r.dtype == mdl.float32 and r.item() == 8.66025447845459


def test_total_norm_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="^linalg.vector_norm: Expected a floating point or complex tensor as "
                                           "input. Got Long$"):
        get_total_norm([mdl.tensor([3, 4])])
    with pytest.raises(RuntimeError, match="^Tensors of the first list of nested Tensor lists are supposed to be "
                                           "defined but the 1-th Tensor is not.$"):
        get_total_norm([mdl.tensor([3.0]), None])
    empty = nn.Parameter(mdl.ones(0))
    empty.grad = mdl.ones(0)
    with pytest.raises(RuntimeError, match="^_foreach_norm cannot compute the infinity norm on an empty tensor"):
        clip_grad_norm_([empty], 1.0, norm_type=math.inf)
    with pytest.raises(RuntimeError, match="^linalg.vector_norm cannot compute the inf norm on an empty tensor"):
        clip_grad_norm_([empty], 1.0, norm_type=math.inf, foreach=False)
    with pytest.raises(RuntimeError, match="^linalg.vector_norm cannot compute the -inf norm on an empty tensor"):
        clip_grad_norm_([empty], 1.0, norm_type=-math.inf)
    assert clip_grad_norm_([empty], 1.0).item() == 0.0


def test_clip_grads_with_norm_checks_as_pytorch():
    assert clip_grads_with_norm_([], 1.0, 3.0) is None     # nothing to scale: nothing checked
    p = nn.Parameter(mdl.ones(2))
    p.grad = mdl.ones(2)
    with pytest.raises(RuntimeError, match="^scalar tensor expected to be 0 dim but it has 1 dimensions and 1 "
                                           "elements.$"):
        clip_grads_with_norm_([p], 1.0, mdl.tensor([7.0]))
    clip_grads_with_norm_([p], 1.0, mdl.tensor(3))          # an integer norm is fine
    assert p.grad.tolist() == [0.33333322405815125] * 2      # PyTorch 2.13's values


def test_clip_grad_norm_empty_generator_warns_and_clip_grad_value_needs_a_grad():
    with pytest.warns(UserWarning, match="`parameters` is an empty generator, no gradient clipping will occur."):
        assert clip_grad_norm_((p for p in []), 1.0).item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_grad_norm_(iter([]), 1.0)                        # a plain iterator does not warn
    with pytest.raises(RuntimeError):                         # PyTorch 2.13 raises RuntimeError here too
        clip_grad_value_([nn.Parameter(mdl.ones(2))], 1.0)


# ------------------------------------------------------------------------------------ parameters <-> vector
def test_vector_to_parameters_rebinds_data_as_pytorch():
    p, q = nn.Parameter(mdl.zeros(2)), nn.Parameter(mdl.zeros(3))
    old = p.data
    vec = mdl.arange(7.0, dtype=mdl.float64)                 # longer than needed: the tail is ignored
    assert vector_to_parameters(vec, [p, q]) is None
    assert p.dtype == mdl.float64 and p.tolist() == [0.0, 1.0] and q.tolist() == [2.0, 3.0, 4.0]
    assert old.tolist() == [0.0, 0.0] and p.requires_grad    # the old data is left alone
    vec[0] = 100.0
    assert p.tolist() == [100.0, 1.0]                        # the parameter views vec's memory
    with pytest.raises(RuntimeError, match=r"^shape '\[3, 4\]' is invalid for input of size 5$"):
        vector_to_parameters(mdl.arange(5.0), [nn.Parameter(mdl.zeros(3, 4))])
    with pytest.raises(TypeError, match="^expected minidl.Tensor, but got: list$"):
        vector_to_parameters([1.0], [p])
    lone = nn.Parameter(mdl.zeros(2, 2))                     # a lone Tensor is iterated by rows: unchanged
    vector_to_parameters(mdl.arange(4.0), lone)
    assert lone.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_parameters_to_vector_errors_as_pytorch():
    with pytest.raises(ValueError, match=r"^minidl.cat\(\): expected a non-empty list of Tensors$"):
        parameters_to_vector([])
    with pytest.raises(TypeError, match="^iteration over a 0-d tensor$"):
        parameters_to_vector(mdl.tensor(1.0))
    assert np.array_equal(parameters_to_vector(mdl.ones(2, 2)).numpy(), np.ones(4, dtype=np.float32))
