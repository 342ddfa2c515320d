"""grad_fn names of the losses, as PyTorch 2.13 names them (read once with torch: the table below), and
the weighted mse_loss / l1_loss 'mean' (sum(w * loss) / sum(w), PyTorch's). The names come from minidl's
composite losses naming their last node (minidl.autograd.naming.name_grad_fn); the gradients do not change."""
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F

REDUCTIONS = ("mean", "sum", "none")
# case -> PyTorch's grad_fn.name() for reduction mean, sum, none
EXPECTED = {
    "bce_with_logits": ("BinaryCrossEntropyWithLogitsBackward0",) * 3,
    "bce_with_logits_pos_weight": ("BinaryCrossEntropyWithLogitsBackward0",) * 3,
    "bce_with_logits_weight": ("BinaryCrossEntropyWithLogitsBackward0",) * 3,
    "bce": ("BinaryCrossEntropyBackward0",) * 3,
    "bce_weight": ("BinaryCrossEntropyBackward0",) * 3,
    "cross_entropy": ("NllLossBackward0",) * 3,
    "cross_entropy_weight": ("NllLossBackward0",) * 3,
    "cross_entropy_ignore_index": ("NllLossBackward0",) * 3,
    "cross_entropy_unbatched": ("NllLossBackward0",) * 3,
    "cross_entropy_smoothing": ("AddBackward0",) * 3,
    "cross_entropy_probabilities": ("DivBackward1", "NegBackward0", "NegBackward0"),
    "cross_entropy_3d": ("NllLoss2DBackward0", "NllLoss2DBackward0", "ViewBackward0"),
    "cross_entropy_4d": ("NllLoss2DBackward0",) * 3,
    "nll_loss": ("NllLossBackward0",) * 3,
    "nll_loss_weight": ("NllLossBackward0",) * 3,
    "mse_loss": ("MseLossBackward0",) * 3,
    "mse_loss_weight": ("DivBackward0", "SumBackward0", "MulBackward0"),
    "l1_loss": ("MeanBackward0", "SumBackward0", "AbsBackward0"),
    "smooth_l1_loss": ("SmoothL1LossBackward0",) * 3,
    "smooth_l1_loss_beta0": ("MeanBackward0", "SumBackward0", "AbsBackward0"),
    "huber_loss": ("HuberLossBackward0",) * 3,
    "huber_loss_weight": ("MeanBackward0", "SumBackward0", "MulBackward0"),
    "kl_div": ("MeanBackward0", "SumBackward0", "SubBackward0"),
}


def _loss(case, reduction):
    mdl.manual_seed(0)
    x = mdl.randn(4, 3, requires_grad=True)
    t = mdl.rand(4, 3)
    cls = mdl.tensor([0, 2, 1, 0])
    w3 = mdl.rand(3)
    calls = {
        "bce_with_logits": lambda: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
        "bce_with_logits_pos_weight": lambda: F.binary_cross_entropy_with_logits(
            x, t, reduction=reduction, pos_weight=mdl.ones(3)),
        "bce_with_logits_weight": lambda: F.binary_cross_entropy_with_logits(x, t, weight=w3, reduction=reduction),
        "bce": lambda: F.binary_cross_entropy(mdl.sigmoid(x), t, reduction=reduction),
        "bce_weight": lambda: F.binary_cross_entropy(mdl.sigmoid(x), t, weight=w3, reduction=reduction),
        "cross_entropy": lambda: F.cross_entropy(x, cls, reduction=reduction),
        "cross_entropy_weight": lambda: F.cross_entropy(x, cls, weight=w3, reduction=reduction),
        "cross_entropy_ignore_index": lambda: F.cross_entropy(x, mdl.tensor([0, -100, 1, 0]), reduction=reduction),
        "cross_entropy_unbatched": lambda: F.cross_entropy(x[0], mdl.tensor(1), reduction=reduction),
        "cross_entropy_smoothing": lambda: F.cross_entropy(x, cls, reduction=reduction, label_smoothing=0.1),
        "cross_entropy_probabilities": lambda: F.cross_entropy(x, t, reduction=reduction),
        "cross_entropy_3d": lambda: F.cross_entropy(x.reshape(2, 3, 2), mdl.zeros(2, 2, dtype=mdl.int64),
                                                    reduction=reduction),
        "cross_entropy_4d": lambda: F.cross_entropy(x.reshape(2, 3, 2, 1), mdl.zeros(2, 2, 1, dtype=mdl.int64),
                                                    reduction=reduction),
        "nll_loss": lambda: F.nll_loss(F.log_softmax(x, 1), cls, reduction=reduction),
        "nll_loss_weight": lambda: F.nll_loss(F.log_softmax(x, 1), cls, weight=w3, reduction=reduction),
        "mse_loss": lambda: F.mse_loss(x, t, reduction=reduction),
        "mse_loss_weight": lambda: F.mse_loss(x, t, weight=t, reduction=reduction),
        "l1_loss": lambda: F.l1_loss(x, t, reduction=reduction),
        "smooth_l1_loss": lambda: F.smooth_l1_loss(x, t, reduction=reduction),
        "smooth_l1_loss_beta0": lambda: F.smooth_l1_loss(x, t, beta=0.0, reduction=reduction),
        "huber_loss": lambda: F.huber_loss(x, t, reduction=reduction),
        "huber_loss_weight": lambda: F.huber_loss(x, t, weight=t, reduction=reduction),
        "kl_div": lambda: F.kl_div(F.log_softmax(x, 1), t, reduction=reduction),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return calls[case]()


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_grad_fn_names_are_pytorchs(case):
    for reduction, expected in zip(REDUCTIONS, EXPECTED[case]):
        loss = _loss(case, reduction)
        assert loss.grad_fn.name() == expected, (case, reduction)
        assert repr(loss.grad_fn).startswith(f"<{expected} object")
        loss.sum().backward()
        assert loss.grad_fn.name() == expected         # the name stays once backward freed the node


def test_module_losses_carry_the_names():
    x, t = mdl.randn(4, 3, requires_grad=True), mdl.rand(4, 3)
    assert mdl.nn.MSELoss()(x, t).grad_fn.name() == "MseLossBackward0"
    assert mdl.nn.BCEWithLogitsLoss()(x, t).grad_fn.name() == "BinaryCrossEntropyWithLogitsBackward0"
    assert mdl.nn.CrossEntropyLoss()(x, mdl.tensor([0, 1, 2, 0])).grad_fn.name() == "NllLossBackward0"


def test_named_nodes_keep_their_gradients():
    x = mdl.tensor(np.linspace(-1.0, 1.0, 12).reshape(4, 3), requires_grad=True)
    t = mdl.tensor(np.linspace(0.0, 1.0, 12).reshape(4, 3))
    F.mse_loss(x, t).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (x.numpy() - t.numpy()) / 12, rtol=1e-12)
    assert mdl.autograd.gradcheck(lambda a: F.binary_cross_entropy_with_logits(a, t), (x,))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_weighted_mean_divides_by_the_summed_weights(name):
    """PyTorch 2.13: sum(w * loss) / sum(w) (values read with torch: 0.2318840579710145 and 0.391304347826087)."""
    x = mdl.tensor(np.linspace(-1.0, 1.0, 24).reshape(4, 6), requires_grad=True)
    t = mdl.tensor(np.linspace(0.0, 1.0, 24).reshape(4, 6))
    w = mdl.tensor(np.linspace(0.5, 2.0, 24).reshape(4, 6))
    d = x.numpy() - t.numpy()
    per = d * d if name == "mse_loss" else np.abs(d)
    loss = getattr(F, name)(x, t, weight=w)
    expected = {"mse_loss": 0.23188405797101452, "l1_loss": 0.391304347826087}[name]
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    np.testing.assert_allclose(loss.item(), (per * w.numpy()).sum() / w.numpy().sum(), rtol=1e-12)
    np.testing.assert_allclose(getattr(F, name)(x, t, weight=w, reduction="sum").item(),
                               (per * w.numpy()).sum(), rtol=1e-12)
    assert mdl.autograd.gradcheck(lambda a: getattr(F, name)(a, t, weight=w), (x,))
