"""``torch.dist``'s result names its node ``DistBackward0`` as PyTorch's does (minidl composes it from a norm);
the gradient is unchanged (the p-norm's)."""
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
