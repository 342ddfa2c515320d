"""conv2d's node saves its input and weight (PyTorch's ConvolutionBackward0), not its bias: changing either
saved tensor in place before backward raises PyTorch's error; changing the bias does not.

Differential: passes under PyTorch 2.13 with ``import minidl as torch`` switched to ``import torch``.
"""
import pytest

import minidl as torch
import minidl.nn.functional as F


@pytest.mark.parametrize("changed, raises, shape", [("input", True, "[1, 2, 5, 5]"),
                                                    ("weight", True, "[3, 2, 3, 3]"),
                                                    ("bias", False, None)])
@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_conv2d_saved_tensors_are_version_checked(changed, raises, shape, input_requires_grad):
    torch.manual_seed(0)
    tensors = {"input": torch.randn(1, 2, 5, 5, requires_grad=input_requires_grad),
               "weight": torch.randn(3, 2, 3, 3, requires_grad=True),
               "bias": torch.randn(3, requires_grad=True)}
    out = F.conv2d(tensors["input"], tensors["weight"], tensors["bias"], padding=1)
    with torch.no_grad():
        tensors[changed].mul_(2)
    if not raises:
        out.sum().backward()
        assert tensors["weight"].grad is not None
        return
    with pytest.raises(RuntimeError) as info:
        out.sum().backward()
    message = str(info.value)
    assert message.startswith("one of the variables needed for gradient computation has been modified by an "
                              f"inplace operation: [torch.FloatTensor {shape}] is at version 1; expected version 0")
