"""``x[index].grad_fn`` carries PyTorch's node name for the view the indexing takes.

Expected names read from torch 2.13 (``x = torch.randn(4, 5, 6, requires_grad=True)``).
"""
import numpy as np
import pytest

import minidl


@pytest.mark.parametrize("index, name", [
    (0, "SelectBackward0"),
    ((0, 1), "SelectBackward0"),
    (slice(1, 3), "SliceBackward0"),
    ((slice(None), 0), "SelectBackward0"),
    ((0, slice(1, 3)), "SliceBackward0"),
    ((slice(1, 3), 0), "SelectBackward0"),
    (slice(None), "SliceBackward0"),
    (Ellipsis, "AliasBackward0"),
    ((Ellipsis, 0), "SelectBackward0"),
    (None, "UnsqueezeBackward0"),
    ((0, None), "UnsqueezeBackward0"),
    ((None, 0), "SelectBackward0"),
    ([0, 1], "IndexBackward0"),
    ((0, [1, 2]), "IndexBackward0"),
    (([0, 1], 0), "IndexBackward0"),
    ((slice(None), slice(None), slice(None, None, 2)), "SliceBackward0"),
    ((0, 0, 0), "SelectBackward0"),
    ((slice(None), slice(0, 5)), "AliasBackward0"),
])
def test_getitem_node_name(index, name):
    x = minidl.randn(4, 5, 6, requires_grad=True)
    node = x[index].grad_fn
    assert node.name() == name
    assert repr(node).startswith(f"<{name} object at 0x")


def test_tensor_indices():
    x = minidl.randn(4, 5, 6, requires_grad=True)
    assert x[minidl.tensor(1)].grad_fn.name() == "SelectBackward0"
    assert x[minidl.tensor([1, 2])].grad_fn.name() == "IndexBackward0"
    assert x[x > 0].grad_fn.name() == "IndexBackward0"
    y = x[0, minidl.tensor(2)]
    assert y.grad_fn.name() == "SelectBackward0"
    y.sum().backward()  # the name changes nothing in the gradient
    expected = np.zeros((4, 5, 6), np.float32)
    expected[0, 2] = 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)
