"""torch.tensor(t) and x.new_tensor(t) of a Tensor warn as PyTorch's do, pointing at the caller's line.

Differential: passes under PyTorch 2.13 with ``import minidl as torch`` switched to ``import torch``.
"""
import warnings

import numpy as np
import pytest

import minidl as torch

TEXT = "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone()"


def _copy_warnings(build):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = build()
    return out, [w for w in caught if TEXT in str(w.message)]


@pytest.mark.parametrize("build", [lambda t: torch.tensor(t), lambda t: t.new_tensor(t),
                                   lambda t: torch.tensor(t, dtype=torch.float64)],
                         ids=["tensor", "new_tensor", "tensor_dtype"])
def test_copy_construct_from_a_tensor_warns_at_the_callers_line(build):
    source = torch.arange(3.0, requires_grad=True)
    out, caught = _copy_warnings(lambda: build(source))
    assert len(caught) == 1 and caught[0].category is UserWarning
    assert caught[0].filename == __file__
    assert not out.requires_grad and out.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("data", [[1.0, 2.0], np.ones(2), 3.5], ids=["list", "array", "number"])
def test_other_data_does_not_warn(data):
    _, caught = _copy_warnings(lambda: torch.tensor(data))
    assert caught == []
    _, caught = _copy_warnings(lambda: torch.ones(1).new_tensor(data))
    assert caught == []
