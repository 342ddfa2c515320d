"""Modules with PyTorch's constructors, reprs, registration rules and utilities (issue 13).

The expected reprs are PyTorch 2.13's, copied as text; no test imports torch.
"""
import math

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F


# ------------------------------------------------------------------- reprs
@pytest.mark.parametrize("module,text", [
    (lambda: nn.AdaptiveMaxPool2d(3), "AdaptiveMaxPool2d(output_size=3)"),
    (lambda: nn.Dropout2d(), "Dropout2d(p=0.5, inplace=False)"),
    (lambda: nn.ELU(), "ELU(alpha=1.0)"),
    (lambda: nn.ELU(alpha=0.5, inplace=True), "ELU(alpha=0.5, inplace=True)"),
    (lambda: nn.GELU(), "GELU(approximate='none')"),
    (lambda: nn.GELU("tanh"), "GELU(approximate='tanh')"),
    (lambda: nn.SiLU(), "SiLU()"),
    (lambda: nn.LogSoftmax(1), "LogSoftmax(dim=1)"),
    (lambda: nn.Softmax(), "Softmax(dim=None)"),
    (lambda: nn.NLLLoss(), "NLLLoss()"),
    (lambda: nn.L1Loss(), "L1Loss()"),
    (lambda: nn.SmoothL1Loss(), "SmoothL1Loss()"),
    (lambda: nn.BCELoss(), "BCELoss()"),
    (lambda: nn.BCEWithLogitsLoss(), "BCEWithLogitsLoss()"),
    (lambda: nn.Upsample(scale_factor=2), "Upsample(scale_factor=2.0, mode='nearest')"),
    (lambda: nn.Upsample(size=(3, 4), mode="bilinear"), "Upsample(size=(3, 4), mode='bilinear')"),
    (lambda: nn.LeakyReLU(0.2, True), "LeakyReLU(negative_slope=0.2, inplace=True)"),
    (lambda: nn.ReLU(True), "ReLU(inplace=True)"),
    (lambda: nn.BatchNorm2d(3), "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                                "track_running_stats=True)"),
    (lambda: nn.BatchNorm2d(3, affine=False, track_running_stats=False),
     "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"),
    (lambda: nn.Conv2d(3, 8, (3, 1), 2, bias=False, dilation=2),
     "Conv2d(3, 8, kernel_size=(3, 1), stride=(2, 2), dilation=(2, 2), bias=False)"),
    (lambda: nn.Conv2d(3, 8, 3, padding="same", padding_mode="reflect"),
     "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, padding_mode=reflect)"),
    (lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True),
     "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)"),
])
def test_reprs_match_pytorch(module, text):
    assert repr(module()) == text


def test_container_reprs_match_pytorch():
    seq = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=True))
    assert repr(seq) == ("Sequential(\n  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
                         "  (1): ReLU(inplace=True)\n)")
    md = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(1, 2)})
    assert repr(md) == "ModuleDict(\n  (a): ReLU()\n  (b): Linear(in_features=1, out_features=2, bias=True)\n)"
    ml = nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Linear(2, 3), nn.Linear(2, 3), nn.Tanh()])
    assert repr(ml) == ("ModuleList(\n  (0-1): 2 x ReLU()\n  (2-3): 2 x Linear(in_features=2, out_features=3, "
                        "bias=True)\n  (4): Tanh()\n)")
    nested = nn.Sequential(nn.Sequential(nn.Linear(1, 1)))
    assert repr(nested) == ("Sequential(\n  (0): Sequential(\n    (0): Linear(in_features=1, out_features=1, "
                            "bias=True)\n  )\n)")


# ------------------------------------------------------------ new layers
def test_new_layers_forward_as_their_functionals(rng):
    x = mdl.tensor(rng.standard_normal((2, 3, 6, 5)).astype(np.float32))
    pairs = [(nn.ELU(0.3), lambda a: F.elu(a, 0.3)), (nn.GELU("tanh"), lambda a: F.gelu(a, approximate="tanh")),
             (nn.SiLU(), F.silu), (nn.LogSoftmax(1), lambda a: F.log_softmax(a, 1)),
             (nn.AdaptiveMaxPool2d((2, 3)), lambda a: F.adaptive_max_pool2d(a, (2, 3))),
             (nn.MaxPool2d(2, dilation=2), lambda a: F.max_pool2d(a, 2, dilation=2))]
    for module, fn in pairs:
        np.testing.assert_allclose(module(x).numpy(), fn(x).numpy(), err_msg=repr(module))
    values, indices = nn.AdaptiveMaxPool2d(2, return_indices=True)(x)
    assert values.shape == indices.shape == (2, 3, 2, 2)
    drop = nn.Dropout2d(0.5).eval()
    assert drop(x) is x


def test_conv2d_padding_modes_pad_then_convolve(rng):
    x = mdl.tensor(rng.standard_normal((1, 2, 5, 6)).astype(np.float32))
    for mode in ("reflect", "replicate", "circular"):
        conv = nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode)
        expected = F.conv2d(F.pad(x, (1, 1, 1, 1), mode=mode), conv.weight, conv.bias)
        np.testing.assert_allclose(conv(x).numpy(), expected.numpy(), rtol=1e-6)
    same = nn.Conv2d(2, 3, (2, 4), padding="same")
    assert same(x).shape == (1, 3, 5, 6)


def test_loss_modules_register_weights_as_buffers(rng):
    w = mdl.tensor([0.5, 2.0, 1.0])
    ce = nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1)
    assert list(ce.state_dict()) == ["weight"]
    logits, target = mdl.tensor(rng.standard_normal((4, 3)).astype(np.float32)), np.array([0, 1, 2, 2])
    assert ce(logits, target).item() == pytest.approx(
        F.cross_entropy(logits, target, weight=w, ignore_index=1, label_smoothing=0.1).item())
    bce = nn.BCEWithLogitsLoss(pos_weight=mdl.tensor([3.0, 1.0, 1.0]))
    assert list(bce.state_dict()) == ["pos_weight"]
    assert nn.NLLLoss(reduction="sum")(logits, target).item() == pytest.approx(
        -logits.numpy()[np.arange(4), target].sum(), rel=1e-6)
    assert nn.L1Loss(reduction="none")(logits, mdl.zeros(4, 3)).shape == (4, 3)
    assert nn.SmoothL1Loss(beta=0.5).beta == 0.5 and nn.HuberLoss(delta=2.0).delta == 2.0
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert nn.MSELoss(reduce=False).reduction == "none"
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="avg")


def test_default_initialisation_bounds_are_pytorchs():
    mdl.manual_seed(0)
    lin = nn.Linear(50, 20)
    bound = 1 / math.sqrt(50)
    assert np.abs(lin.weight.numpy()).max() <= bound and np.abs(lin.weight.numpy()).max() > 0.9 * bound
    assert np.abs(lin.bias.numpy()).max() <= bound
    conv = nn.Conv2d(4, 6, 3, groups=2)
    fan_in = 2 * 9
    assert np.abs(conv.weight.numpy()).max() <= 1 / math.sqrt(fan_in)
    bn = nn.BatchNorm2d(3, bias=False)
    assert bn.bias is None and bn.weight.tolist() == [1.0, 1.0, 1.0]


# ------------------------------------------------------------- Module API
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
        self.head = nn.ModuleDict({"fc": nn.Linear(2, 3)})
        self.register_buffer("scale", mdl.ones(1), persistent=False)
        self.register_buffer("offset", mdl.zeros(1))

    def forward(self, x):
        return self.head["fc"](self.features(x).mean(axis=(2, 3)))


def test_module_iteration_and_registration():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["features", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "features", "features.0", "features.1", "head", "head.fc"]
    assert len(list(net.modules())) == 6 and len(list(net.children())) == 2
    assert list(net.state_dict()) == [
        "offset", "features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
        "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked", "head.fc.weight",
        "head.fc.bias"]
    assert [n for n, _ in net.named_buffers()][:2] == ["scale", "offset"]
    net.extra = nn.Parameter(np.zeros(2, np.float32))
    assert "extra" in dict(net.named_parameters())
    net.register_parameter("none_param", None)
    net.add_module("tail", nn.Identity())
    assert "tail" in dict(net.named_children())
    with pytest.raises(KeyError, match="already exists"):
        net.register_buffer("forward", mdl.zeros(1))
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen.count("Linear") == 1


def test_module_modes_grads_dtype_and_devices():
    net = Net()
    assert net.train(False) is net and not net.features[1].training
    net.train()
    assert net.head["fc"].training
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    out = net(mdl.randn(2, 1, 5, 5)).sum()
    out.backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    w = net.head["fc"].weight
    assert net.double() is net and w.dtype == np.float64 and net.head["fc"].weight is w
    assert net.features[1].num_batches_tracked.dtype == np.int64
    net.to(mdl.zeros(1, dtype=mdl.float32))
    assert w.dtype == np.float32
    if not mdl.gpu_available():
        with pytest.raises(mdl.DeviceError):
            net.cuda()
    assert net.cpu() is net


def test_load_state_dict_returns_missing_and_unexpected_keys():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert repr(b.load_state_dict(sd)) == "<All keys matched successfully>"
    np.testing.assert_array_equal(b.head["fc"].weight.numpy(), a.head["fc"].weight.numpy())
    del sd["offset"]
    sd["junk"] = mdl.zeros(1)
    result = b.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["offset"] and result.unexpected_keys == ["junk"]
    missing, unexpected = result
    assert missing == ["offset"]
    with pytest.raises(RuntimeError, match="Missing key"):
        b.load_state_dict(sd)
    c = Net()
    c.load_state_dict(a.state_dict(), assign=True)
    assert isinstance(c.head["fc"].weight, nn.Parameter)


def test_module_dict_behaves_as_pytorchs():
    md = nn.ModuleDict([("a", nn.ReLU())])
    md["b"] = nn.Tanh()
    md.update({"c": nn.Sigmoid()})
    assert list(md.keys()) == ["a", "b", "c"] and "b" in md and len(md) == 3
    assert isinstance(md.pop("a"), nn.ReLU) and list(md) == ["b", "c"]
    assert [n for n, _ in md.named_children()] == ["b", "c"]


# ---------------------------------------------------------------- nn.utils
def _params_with_grads(values):
    params = []
    for v in values:
        p = nn.Parameter(np.zeros(len(v), np.float64))
        p.grad = mdl.tensor(np.array(v, dtype=np.float64))
        params.append(p)
    return params


def test_clip_grad_norm_scales_by_the_total_norm():
    params = _params_with_grads([[3.0, 0.0], [0.0, 4.0]])      # total 2-norm 5
    total = nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, mdl.Tensor) and total.item() == pytest.approx(5.0)
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad.numpy(), [3 * coef, 0.0])
    params = _params_with_grads([[1.0, -7.0], [2.0]])
    assert nn.utils.clip_grad_norm_(params, 10.0, norm_type=math.inf).item() == 7.0
    np.testing.assert_allclose(params[0].grad.numpy(), [1.0, -7.0])   # below the limit: unchanged
    params = _params_with_grads([[1.0, 2.0]])
    assert nn.utils.clip_grad_norm_(params, 100.0, norm_type=1).item() == pytest.approx(3.0)
    params = _params_with_grads([[np.inf, 1.0]])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([nn.Parameter(np.zeros(2, np.float32))], 1.0).item() == 0.0


def test_clip_grad_value_and_vector_conversion():
    params = _params_with_grads([[3.0, -0.5], [-4.0]])
    assert nn.utils.clip_grad_value_(params, 1.0) is None
    np.testing.assert_allclose(params[0].grad.numpy(), [1.0, -0.5])
    np.testing.assert_allclose(params[1].grad.numpy(), [-1.0])
    lin = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec.numpy()[:6], lin.weight.numpy().ravel())
    nn.utils.vector_to_parameters(mdl.arange(8, dtype=mdl.float32), lin.parameters())
    assert lin.bias.tolist() == [6.0, 7.0]
