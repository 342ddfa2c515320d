"""Small PyTorch-surface fixes found by porting public scripts: ``torch.dist``'s node is named
``DistBackward0`` as PyTorch's (minidl composes it from a norm; the gradient is the p-norm's), and ``torch.cat``
of a 0-d tensor raises PyTorch's RuntimeError."""
import numpy as np

import minidl


def test_dist_grad_fn_is_named_as_pytorch():
    a = minidl.tensor([1.0, 2.0, 2.0], requires_grad=True)
    for d in (minidl.dist(a, minidl.zeros(3)), a.dist(minidl.zeros(3), p=1)):
        assert d.grad_fn.name() == "DistBackward0" and "grad_fn=<DistBackward0>" in repr(d)
    d = minidl.dist(a, minidl.zeros(3))
    assert d.item() == 3.0
    d.backward()
    np.testing.assert_allclose(a.grad.numpy(), [1 / 3, 2 / 3, 2 / 3], rtol=1e-6)


def test_cat_of_a_zero_dimensional_tensor_is_refused_as_pytorch():
    """``torch.cat`` of 0-d tensors raises PyTorch's RuntimeError naming the position (the Bi-LSTM CRF tutorial's
    ``torch.cat(viterbivars_t)`` does this under PyTorch 2.13 too), not an IndexError from inside NumPy."""
    import pytest
    with pytest.raises(RuntimeError, match=r"^zero-dimensional tensor \(at position 1\) cannot be concatenated$"):
        minidl.cat([minidl.ones(2), minidl.tensor(2.0)])
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 0\) cannot be concatenated"):
        minidl.cat([minidl.tensor(1.0)], dim=0)
    assert minidl.cat([minidl.tensor([1.0]), minidl.tensor([2.0])]).tolist() == [1.0, 2.0]
