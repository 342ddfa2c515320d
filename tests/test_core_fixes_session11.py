"""Core fixes found by the session-11 helpers (values from PyTorch 2.13, noted per test)."""
import numpy as np

import minidl as mdl


def test_scatter_reduce_amax_amin_keep_infinities():
    """An infinite value that loses (weight 0) used to turn the result into NaN (inf * 0).
    torch.scatter_reduce gives [2, 3, inf, 2] and [1, 3, inf, -5] here."""
    x = mdl.tensor([float("-inf"), 0.0, float("inf"), 2.0])
    index, src = mdl.tensor([0, 0, 1, 3]), mdl.tensor([1.0, 2.0, 3.0, -5.0])
    np.testing.assert_array_equal(mdl.scatter_reduce(x, 0, index, src, "amax").numpy(), [2, 3, np.inf, 2])
    np.testing.assert_array_equal(mdl.scatter_reduce(x, 0, index, src, "amin", include_self=False).numpy(),
                                  [1, 3, np.inf, -5])
    src = mdl.tensor([float("inf"), 2.0, 3.0, -5.0], requires_grad=True)
    out = mdl.scatter_reduce(mdl.zeros(4), 0, index, src, "amin")
    out.sum().backward()
    assert np.isfinite(src.grad.numpy()).all()


def test_rot90_leaves_an_array_k_alone():
    k = np.array(5)
    out = mdl.rot90(mdl.arange(4.0).reshape(2, 2), k)
    assert int(k) == 5
    np.testing.assert_array_equal(out.numpy(), [[1, 3], [0, 2]])
