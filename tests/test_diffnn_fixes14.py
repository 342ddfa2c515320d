"""Fixes from session 14's differential sweep of ``minidl.nn`` against PyTorch 2.13.

Expected values are literals printed by PyTorch 2.13 (CPU) for the same inputs.
"""
import numpy as np
import pytest

import minidl
import minidl.nn as nn
import minidl.nn.functional as F


# --- error types: PyTorch's class, still catchable as minidl's older ValueError -------------
@pytest.mark.parametrize("make, cls", [
    (lambda: nn.Conv2d(1, 1, 5)(minidl.ones(1, 1, 3, 3)), RuntimeError),              # kernel > input
    (lambda: nn.Conv2d(1, 1, 3)(minidl.ones(1, 1, 1, 3, 3)), RuntimeError),           # 5-D input
    (lambda: nn.MaxPool2d(2, padding=2)(minidl.ones(1, 1, 6, 6)), RuntimeError),      # pad > kernel/2
    (lambda: nn.AvgPool2d(2, padding=2)(minidl.ones(1, 1, 6, 6)), RuntimeError),
    (lambda: nn.MaxPool2d(4)(minidl.ones(1, 1, 3, 3)), RuntimeError),                 # empty output
    (lambda: F.pad(minidl.ones(1, 1, 3), (3, 0), mode="reflect"), RuntimeError),
    (lambda: F.pad(minidl.ones(1, 1, 3), (1, 0), mode="symmetric"), NotImplementedError),
    (lambda: F.one_hot(minidl.tensor([0, 3]), 3), RuntimeError),
    (lambda: nn.BatchNorm2d(3)(minidl.ones(2, 4, 2, 2)), RuntimeError),
    (lambda: F.binary_cross_entropy(minidl.tensor([-0.5]), minidl.tensor([1.0])), RuntimeError),
    (lambda: F.cross_entropy(minidl.ones(2, 3), minidl.ones(2, 4)), RuntimeError),
    (lambda: nn.GELU(approximate="foo")(minidl.ones(2)), RuntimeError),
    (lambda: F.gelu(minidl.ones(2), approximate="foo"), RuntimeError),
    (lambda: nn.Embedding(3, 2, padding_idx=3), AssertionError),
    (lambda: F.conv2d(minidl.ones(1, 2, 5, 5), minidl.ones(3, 2, 3, 3), stride=2, padding="same"), RuntimeError),
    (lambda: F.conv1d(minidl.ones(1, 2, 5), minidl.ones(3, 2, 3), stride=2, padding="same"), RuntimeError),
    (lambda: F.cosine_embedding_loss(minidl.ones(3, 4), minidl.ones(3, 4), minidl.tensor([1, -1])), RuntimeError),
    (lambda: F.huber_loss(minidl.ones(3), minidl.ones(3), delta=-1.0), RuntimeError),
    (lambda: F.smooth_l1_loss(minidl.ones(3), minidl.ones(3), beta=-1.0), RuntimeError),
    (lambda: F.nll_loss(minidl.ones(3, 4), minidl.tensor([0, 1, 2]), weight=minidl.ones(3)), RuntimeError),
    (lambda: F.cross_entropy(minidl.ones(3, 4), minidl.tensor([0, 1, 2]), label_smoothing=1.5), RuntimeError),
    (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), RuntimeError),
    (lambda: F.linear(minidl.ones(2, 5), minidl.ones(4, 3)), RuntimeError),
])
def test_error_classes_match_pytorch(make, cls):
    with pytest.raises(cls) as info:
        make()
    assert isinstance(info.value, ValueError)          # code written against minidl still catches it
    assert "\n" not in str(info.value)


# --- F.pad with negative (cropping) constant padding ---------------------------------------
def test_pad_negative_crops_like_pytorch():
    x = minidl.arange(12.0).reshape(1, 3, 4).requires_grad_()
    y = F.pad(x, (1, -1, -1, 2), value=5.0)
    assert y.tolist() == [[[5.0, 4.0, 5.0, 6.0], [5.0, 8.0, 9.0, 10.0], [5.0, 5.0, 5.0, 5.0],
                           [5.0, 5.0, 5.0, 5.0]]]
    (y * minidl.arange(16.0).reshape(1, 4, 4)).sum().backward()
    assert x.grad.tolist() == [[[0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 3.0, 0.0], [5.0, 6.0, 7.0, 0.0]]]


def test_pad_negative_past_the_size_is_an_error():
    with pytest.raises(RuntimeError, match="negative output size"):
        F.pad(minidl.ones(1, 3, 4), (-3, -2))


# --- convolution attributes of PyTorch's _ConvNd ------------------------------------------
def test_conv_transposed_output_padding_and_reversed_padding():
    cases = [
        (nn.Conv1d(2, 2, 3, padding=1), False, (0,), (1, 1)),
        (nn.Conv2d(2, 2, 3, padding="same"), False, (0, 0), [1, 1, 1, 1]),
        (nn.Conv2d(2, 2, (4, 3), padding="same", dilation=(1, 2)), False, (0, 0), [2, 2, 1, 2]),
        (nn.Conv3d(2, 2, (1, 2, 3), padding=(0, 1, 1)), False, (0, 0, 0), (1, 1, 1, 1, 0, 0)),
        (nn.ConvTranspose2d(2, 2, 3, output_padding=1, stride=2), True, (1, 1), (0, 0, 0, 0)),
        (nn.ConvTranspose1d(2, 2, 3), True, (0,), (0, 0)),
        (nn.ConvTranspose3d(2, 2, 3), True, (0, 0, 0), (0, 0, 0, 0, 0, 0)),
    ]
    for m, transposed, output_padding, reversed_twice in cases:
        assert m.transposed is transposed
        assert m.output_padding == output_padding
        assert m._reversed_padding_repeated_twice == reversed_twice


# --- binary_cross_entropy's gradient at the edges -----------------------------------------
def test_bce_gradient_clamps_denominator_and_uses_log1p_like_pytorch():
    x = minidl.tensor([0.0, 1.0, 0.5, 1e-20], requires_grad=True)
    y = F.binary_cross_entropy(x, minidl.tensor([1.0, 0.0, 0.5, 0.0]), reduction="none",
                               weight=minidl.tensor([1.0, 2.0, 1.0, 3.0]))
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [100.0, 200.0, 0.6931471824645996, 3e-20], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [-999999995904.0, 1999999991808.0, 0.0, 3e-08], rtol=1e-6)


# --- containers ----------------------------------------------------------------------------
def test_sequential_add_mul_pop():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    s = nn.Sequential(a, b)
    assert [type(m).__name__ for m in s + nn.Sequential(c)] == ["ReLU", "Tanh", "Sigmoid"]
    doubled = s * 2
    assert len(doubled) == 4 and doubled[2] is a and len(2 * s) == 4
    s += nn.Sequential(c)
    assert len(s) == 3
    s *= 2
    assert len(s) == 6 and s[3] is a
    assert s.pop(1) is b and len(s) == 5 and list(s._modules) == ["0", "1", "2", "3", "4"]
    part = s.pop(slice(0, 2))
    assert isinstance(part, nn.Sequential) and len(part) == 2 and len(s) == 3
    with pytest.raises(ValueError, match="Non-positive multiplication factor 0"):
        s * 0
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential"):
        s + [nn.ReLU()]


def test_modulelist_pop():
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.ELU()])
    assert type(ml.pop(1)).__name__ == "Tanh"
    assert type(ml.pop(-1)).__name__ == "ELU"
    assert [n for n, _ in ml.named_children()] == ["0", "1"]


def test_named_parameters_remove_duplicate_false_lists_shared_module_twice():
    lin = nn.Linear(2, 2)
    m = nn.Sequential(lin, lin)
    assert [n for n, _ in m.named_parameters(remove_duplicate=False)] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [n for n, _ in m.named_parameters()] == ["0.weight", "0.bias"]


# --- state-dict hooks ----------------------------------------------------------------------
def test_state_dict_pre_and_post_hooks():
    lin = nn.Linear(2, 2)
    log = []
    lin.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: log.append((prefix, keep_vars)))
    def drop_bias(mod, sd, prefix, meta):
        del sd[prefix + "bias"]
    handle = lin.register_state_dict_post_hook(drop_bias)
    assert list(nn.Sequential(lin).state_dict().keys()) == ["0.weight"]
    assert log == [("0.", False)]
    handle.remove()
    assert list(lin.state_dict().keys()) == ["weight", "bias"]
    lin.register_state_dict_post_hook(lambda mod, sd, prefix, meta: sd)
    with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
        lin.state_dict()


def test_private_state_dict_hook_may_return_a_new_dict():
    lin = nn.Linear(2, 2)
    lin._register_state_dict_hook(lambda mod, sd, prefix, meta: {prefix + "only": minidl.ones(1)})
    assert list(lin.state_dict().keys()) == ["only"]


def test_load_state_dict_pre_and_post_hooks():
    lin = nn.Linear(2, 2)
    seen = []
    lin.register_load_state_dict_pre_hook(
        lambda mod, sd, prefix, meta, strict, missing, unexpected, errors: seen.append((mod is lin, prefix, strict)))

    def post(mod, keys):
        seen.append((list(keys.missing_keys), list(keys.unexpected_keys)))
        keys.missing_keys.clear()           # in place, as PyTorch's hooks do: strict loading then passes
    lin.register_load_state_dict_post_hook(post)
    result = lin.load_state_dict({"weight": minidl.ones(2, 2)})
    assert seen == [(True, "", True), (["bias"], [])]
    assert result.missing_keys == [] and lin.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_one_hot_of_floats_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="index tensor") as info:
        F.one_hot(minidl.tensor([1.0, 0.0]), 3)
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize("fill", [nn.init.normal_, nn.init.uniform_, nn.init.trunc_normal_,
                                  nn.init.xavier_uniform_, nn.init.kaiming_normal_])
def test_random_init_of_an_integer_tensor_is_not_implemented(fill):
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):   # PyTorch's wording (session 15)
        fill(minidl.zeros(3, 3, dtype=minidl.int64))


def test_global_module_forward_hooks_run_before_the_modules_own():
    from minidl.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
    log = []
    pre = register_module_forward_pre_hook(lambda mod, args: log.append(type(mod).__name__))
    lin = nn.Linear(2, 2)
    lin.register_forward_pre_hook(lambda mod, args: log.append("own"))
    post = register_module_forward_hook(
        lambda mod, args, kwargs, out: out * 2 if isinstance(mod, nn.ReLU) else None, with_kwargs=True)
    try:
        lin(minidl.ones(1, 2))
        assert log == ["Linear", "own"]
        y = nn.Sequential(nn.ReLU(), nn.Tanh())(minidl.tensor([0.3, -1.0]))
        np.testing.assert_allclose(y.numpy(), [0.5370495, 0.0], rtol=1e-6)   # tanh(2 * relu(x))
    finally:
        pre.remove()
        post.remove()
    lin(minidl.ones(1, 2))
    assert log == ["Linear", "own", "Sequential", "ReLU", "Tanh", "own"]


def test_integer_max_and_avg_pooling_like_pytorch():
    x = minidl.arange(16).reshape(1, 1, 4, 4)
    avg = F.avg_pool2d(x, 2)
    assert avg.dtype == minidl.int64 and avg.tolist() == [[[[2, 4], [10, 12]]]]     # 2.5 -> 2: toward zero
    assert F.avg_pool2d(-x, 3, 1, 1).tolist() == [[[[-1, -2, -2, -2], [-3, -5, -6, -4], [-5, -9, -10, -7],
                                                    [-4, -7, -8, -5]]]]
    assert F.max_pool2d(x, 2, padding=1).tolist() == [[[[0, 2, 3], [8, 10, 11], [12, 14, 15]]]]
    values, indices = nn.MaxPool2d(2, return_indices=True)(x)
    assert values.dtype == minidl.int64 and indices.tolist() == [[[[5, 7], [13, 15]]]]
    assert F.max_pool1d(x[0], 2).tolist() == [[[1, 3], [5, 7], [9, 11], [13, 15]]]


@pytest.mark.parametrize("call", [
    lambda: F.multi_margin_loss(minidl.ones(3, 4), minidl.tensor([0, 1, 7])),
    lambda: F.multilabel_margin_loss(minidl.ones(2, 3), minidl.tensor([[0, 5, -1], [1, -1, 0]])),
])
def test_margin_loss_target_out_of_range_is_a_runtime_error(call):
    with pytest.raises(RuntimeError) as info:
        call()
    assert isinstance(info.value, IndexError)


def test_linear_with_a_1d_weight_gives_one_output_per_row():
    x = minidl.arange(12.0).reshape(3, 4).requires_grad_()
    w = minidl.tensor([1.0, -1.0, 0.5, 2.0], requires_grad=True)
    y = F.linear(x, w)
    assert y.shape == (3,) and y.tolist() == [6.0, 16.0, 26.0]
    y.sum().backward()
    assert w.grad.tolist() == [12.0, 15.0, 18.0, 21.0]
    with pytest.raises(RuntimeError, match="mat2 must be a matrix"):
        F.linear(x, w, minidl.ones(3))


def test_reduction_elementwise_mean_is_mean_with_a_warning():
    with pytest.warns(UserWarning, match="elementwise_mean' is deprecated"):
        y = F.mse_loss(minidl.ones(2), minidl.zeros(2), reduction="elementwise_mean")
    assert y.item() == 1.0


def test_rnn_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.3)


def test_extra_state_is_saved_and_restored():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(1, 1)
            self.count = 3

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"]

    sd = nn.Sequential(Counter()).state_dict()
    assert list(sd.keys()) == ["0._extra_state", "0.lin.weight", "0.lin.bias"]   # own state first
    fresh = nn.Sequential(Counter())
    fresh[0].count = 0
    fresh.load_state_dict(sd)
    assert fresh[0].count == 3
    result = fresh.load_state_dict({k: v for k, v in sd.items() if k != "0._extra_state"}, strict=False)
    assert result.missing_keys == ["0._extra_state"]
    assert list(nn.Linear(1, 1).state_dict().keys()) == ["weight", "bias"]     # nothing extra by default


def test_register_buffer_over_a_parameter_name_is_refused():
    lin = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        lin.register_buffer("weight", minidl.ones(2))
    module = nn.Module()
    module.register_buffer("b", minidl.ones(1))
    module.register_buffer("b", minidl.zeros(1))              # re-registering the same kind is fine
    with pytest.raises(KeyError, match="attribute 'b' already exists"):
        module.register_parameter("b", nn.Parameter(minidl.ones(1)))
