"""native_layer_norm / native_batch_norm / native_group_norm: outputs and saved statistics as PyTorch's (values
printed by PyTorch 2.13 for the same seed), agreement with the nn.functional norms, gradients to second order."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def test_values_equal_pytorchs():
    mdl.manual_seed(0)
    x, rm, rv = mdl.randn(4, 3, 2), mdl.zeros(3), mdl.ones(3)
    out, mean, invstd = mdl.native_batch_norm(x, mdl.ones(3) * 2, mdl.zeros(3) + 0.5, rm, rv, True, 0.1, 1e-5)
    np.testing.assert_allclose(mean.numpy(), [-0.20123468339443207, -0.05298777297139168, 0.2855197787284851],
                               rtol=1e-5)
    np.testing.assert_allclose(invstd.numpy(), [0.828291654586792, 2.7496931552886963, 0.8441420197486877], rtol=1e-6)
    np.testing.assert_allclose(rv.numpy(), [1.066579818725586, 0.9151143431663513, 1.0603828430175781], rtol=1e-6)
    np.testing.assert_allclose(rm.numpy(), mean.numpy() * 0.1, rtol=1e-6)
    assert out.sum().item() == pytest.approx(12.0, abs=1e-4)
    out, save_mean, save_invstd = mdl.native_batch_norm(x, None, None, rm, rv, False, 0.1, 1e-5)
    assert tuple(save_mean.shape) == (0,) and tuple(save_invstd.shape) == (0,)
    assert out.sum().item() == pytest.approx(0.19459915161132812, abs=1e-4)
    out, mean, rstd = mdl.native_layer_norm(x, [3, 2], None, None, 1e-5)
    np.testing.assert_allclose(rstd.numpy().ravel(), [1.2719258069992065, 0.9294902682304382, 1.8246897459030151,
                                                      0.7554332613945007], rtol=1e-6)
    assert tuple(mean.shape) == (4, 1, 1)
    assert tuple(mdl.native_layer_norm(x, [2], mdl.ones(2), mdl.zeros(2), 1e-5)[1].shape) == (4, 3, 1)
    out, mean, rstd = mdl.native_group_norm(x, None, None, 4, 3, 2, 3, 1e-5)
    assert tuple(mean.shape) == (4, 3) and mean[0, 0].item() == pytest.approx(-1.1391000747680664, rel=1e-6)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[5\], expected input with shape \[\*, 5\]"):
        mdl.native_layer_norm(x, [5], None, None, 1e-5)


def test_agree_with_functional_norms():
    x, w, b = mdl.randn(2, 4, 3), mdl.randn(3), mdl.randn(3)
    np.testing.assert_allclose(mdl.native_layer_norm(x, [3], w, b, 1e-5)[0].numpy(),
                               F.layer_norm(x, [3], w, b).numpy(), rtol=1e-5, atol=1e-6)
    w4, b4 = mdl.randn(4), mdl.randn(4)
    np.testing.assert_allclose(mdl.native_group_norm(x, w4, b4, 2, 4, 3, 2, 1e-5)[0].numpy(),
                               F.group_norm(x, 2, w4, b4).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mdl.native_batch_norm(x, w4, b4, None, None, True, 0.1, 1e-5)[0].numpy(),
                               F.batch_norm(x, None, None, w4, b4, training=True).numpy(), rtol=1e-5, atol=1e-6)


def test_gradients_to_second_order():
    def d(*shape):
        return mdl.randn(*shape, dtype=mdl.float64, requires_grad=True)
    x, w, b = d(3, 2, 4), d(4), d(4)
    layer = lambda x, w, b: mdl.native_layer_norm(x, [4], w, b, 1e-5)[0]  # noqa: E731
    assert gradcheck(layer, (x, w, b)) and gradgradcheck(layer, (x, w, b))
    w2, b2 = d(2), d(2)
    batch = lambda x, w, b: mdl.native_batch_norm(x, w, b, None, None, True, 0.1, 1e-5)[0]  # noqa: E731
    assert gradcheck(batch, (x, w2, b2)) and gradgradcheck(batch, (x, w2, b2))
    group = lambda x, w, b: mdl.native_group_norm(x, w, b, 3, 2, 4, 1, 1e-5)[0]  # noqa: E731
    assert gradcheck(group, (x, w2, b2)) and gradgradcheck(group, (x, w2, b2))


def test_native_dropout_draws_pytorchs_mask():
    mdl.manual_seed(0)
    out, mask = mdl.native_dropout(mdl.ones(20), 0.3, True)
    kept = [False, False, True, False, True, False, True, True, True, True, True, True, True, True, True, True,
            True, True, True, False]                      # PyTorch 2.13's mask after manual_seed(0)
    assert mask.dtype == mdl.bool and mask.tolist() == kept
    np.testing.assert_allclose(out.numpy(), np.where(kept, 1 / 0.7, 0.0), rtol=1e-6)
    np.testing.assert_allclose(mdl.rand(2).numpy(), [0.5262957811355591, 0.24365824460983276])   # same state after
    assert mdl.native_dropout(mdl.ones(3), 1.0, True)[0].tolist() == [0.0, 0.0, 0.0]
    same, all_kept = mdl.native_dropout(mdl.ones(3, dtype=mdl.float64), 0.3, False)
    assert same.dtype == mdl.float64 and all_kept.tolist() == [True, True, True]
    x = mdl.randn(6, dtype=mdl.float64, requires_grad=True)

    def dropped(t):
        mdl.manual_seed(1)
        return mdl.native_dropout(t, 0.4, True)[0]
    assert gradcheck(dropped, (x,)) and gradgradcheck(dropped, (x,))
