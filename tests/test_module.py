"""Module, Parameter and containers: registration, iteration, state dicts, modes, dtype moves."""
import copy

import numpy as np
import pytest

import minidl as mdl
from minidl.nn.containers import ModuleDict, ModuleList, Sequential
from minidl.nn.layers.activation import ReLU
from minidl.nn.layers.conv import Conv2d
from minidl.nn.layers.dropout import Dropout
from minidl.nn.layers.flatten import Flatten
from minidl.nn.layers.linear import Linear
from minidl.nn.layers.normalization import BatchNorm2d
from minidl.nn.module import Module, Parameter
from minidl.tensor import Tensor


class Net(Module):
    """conv -> bn -> relu -> flatten -> fc, with a buffer and a nested Sequential."""

    def __init__(self, ch=4):
        super().__init__()
        self.features = Sequential(Conv2d(3, ch, 3, padding=1), BatchNorm2d(ch), ReLU())
        self.fc = Linear(ch * 4 * 4, 5)
        self.register_buffer("scale", Tensor(np.array([2.0], dtype=np.float32)))
        self.register_buffer("cache", Tensor(np.zeros(3, dtype=np.float32)), persistent=False)

    def forward(self, x):
        return self.fc(Flatten()(self.features(x))) * self.scale


EXPECTED_KEYS = [  # own parameters and buffers first, then children (PyTorch's order)
    "scale",
    "features.0.weight", "features.0.bias",
    "features.1.weight", "features.1.bias", "features.1.running_mean", "features.1.running_var",
    "features.1.num_batches_tracked",
    "fc.weight", "fc.bias",
]


# ----------------------------------------------------------------- Parameter
def test_parameter_wraps_without_copy_and_requires_grad():
    a = np.ones((2, 3), dtype=np.float32)
    p = Parameter(a)
    assert isinstance(p, Tensor) and p.requires_grad
    assert p.array is a
    q = Parameter(mdl.tensor([1.0, 2.0]))
    assert q.requires_grad and q.dtype == np.float32
    assert Parameter([1.0, 2.0]).dtype == np.float32
    assert repr(p).startswith("Parameter containing:")


def test_parameter_deepcopy_is_independent():
    p = Parameter(np.arange(3, dtype=np.float64))
    p.grad = Tensor(np.ones(3))
    q = copy.deepcopy(p)
    assert isinstance(q, Parameter) and q.requires_grad
    q.array[0] = 9
    assert p.array[0] == 0
    np.testing.assert_array_equal(q.grad.array, np.ones(3))


# -------------------------------------------------------------- registration
def test_setattr_registers_parameters_modules_buffers():
    net = Net()
    assert list(net._modules) == ["features", "fc"]
    assert [n for n, _ in net.named_parameters()] == [k for k in EXPECTED_KEYS
                                                       if k.endswith(("weight", "bias"))]
    assert [n for n, _ in net.named_buffers()] == [
        "scale", "cache", "features.1.running_mean", "features.1.running_var",
        "features.1.num_batches_tracked"]
    assert len(list(net.parameters())) == 6
    assert len(list(net.buffers())) == 5
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "Linear"]
    assert [n for n, _ in net.named_modules()] == ["", "features", "features.0", "features.1",
                                                   "features.2", "fc"]
    assert len(list(net.modules())) == 6
    assert net.fc.weight is net.fc._parameters["weight"]


def test_assign_before_init_raises():
    class Bad(Module):
        def __init__(self):
            self.w = Parameter(np.zeros(2))
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_reassign_and_delete_attributes():
    m = Module()
    m.w = Parameter(np.zeros(2))
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.w = np.zeros(2)
    m.w = None
    assert list(m.named_parameters()) == []
    m.sub = Linear(2, 2)
    del m.sub
    assert list(m.children()) == []
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        m.missing


def test_shared_parameter_counted_once():
    lin = Linear(3, 3)
    seq = Sequential(lin, ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(seq.state_dict()) == 4  # state dict lists both names, like PyTorch


def test_register_buffer_validation():
    m = Module()
    with pytest.raises(TypeError):
        m.register_buffer("b", np.zeros(2))
    with pytest.raises(KeyError):
        m.register_buffer("a.b", Tensor(np.zeros(2)))
    m.register_buffer("b", None)
    assert "b" not in m.state_dict()
    m.b = Tensor(np.ones(2))  # assigning a Tensor to a buffer name replaces the buffer
    assert "b" in m.state_dict()


# ---------------------------------------------------------------- state dict
def test_state_dict_keys_and_values():
    net = Net()
    sd = net.state_dict()
    assert list(sd.keys()) == EXPECTED_KEYS
    assert all(isinstance(v, Tensor) for v in sd.values())
    assert sd["features.1.num_batches_tracked"].dtype == np.int64
    assert sd["features.1.num_batches_tracked"].shape == ()
    assert not sd["fc.weight"].requires_grad
    # values share memory with the module, as in PyTorch
    assert np.shares_memory(sd["fc.weight"].array, net.fc.weight.array)
    assert net.state_dict(keep_vars=True)["fc.weight"] is net.fc.weight


def test_load_state_dict_round_trip_keeps_identity_dtype():
    src, dst = Net(), Net()
    src.features[1].num_batches_tracked.array[...] = 7
    src.features[1].running_mean.array[:] = [1, 2, 3, 4]
    weight_obj = dst.fc.weight
    result = dst.load_state_dict({k: v.numpy().astype(np.float64) if v.dtype == np.float32
                                  else v.numpy() for k, v in src.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert dst.fc.weight is weight_obj
    assert dst.fc.weight.dtype == np.float32  # kept its own dtype
    for k, v in src.state_dict().items():
        np.testing.assert_array_equal(dst.state_dict()[k].numpy(), v.numpy())
    assert int(dst.features[1].num_batches_tracked.item()) == 7


def test_load_state_dict_accepts_tensors_and_copies():
    src, dst = Linear(3, 2), Linear(3, 2)
    dst.load_state_dict(src.state_dict())
    np.testing.assert_array_equal(dst.weight.array, src.weight.array)
    assert not np.shares_memory(dst.weight.array, src.weight.array)


def test_load_state_dict_tolerates_missing_num_batches_tracked():
    src, dst = Net(), Net()
    dst.features[1].num_batches_tracked.array[...] = 3
    sd = src.state_dict()
    del sd["features.1.num_batches_tracked"]
    missing, unexpected = dst.load_state_dict(sd)
    assert missing == [] and unexpected == []
    assert int(dst.features[1].num_batches_tracked.item()) == 3


def test_load_state_dict_missing_and_unexpected_keys_named():
    net = Net()
    sd = net.state_dict()
    del sd["fc.bias"]
    sd["fc.extra"] = Tensor(np.zeros(1))
    with pytest.raises(RuntimeError) as err:
        Net().load_state_dict(sd)
    msg = str(err.value)
    # PyTorch's wording, missing keys first
    assert msg == ('Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "fc.bias". '
                   '\n\tUnexpected key(s) in state_dict: "fc.extra". ')


def test_load_state_dict_non_strict_returns_keys():
    net = Net()
    sd = net.state_dict()
    del sd["fc.bias"]
    sd["fc.extra"] = Tensor(np.zeros(1))
    before = net.fc.bias.numpy().copy()
    missing, unexpected = Net().load_state_dict(sd, strict=False)
    assert missing == ["fc.bias"] and unexpected == ["fc.extra"]
    np.testing.assert_array_equal(net.fc.bias.numpy(), before)


def test_load_state_dict_shape_mismatch_names_key_and_both_shapes():
    big, small = Net(ch=16), Net(ch=8)
    sd = big.state_dict()
    before = small.features[0].weight.numpy().copy()
    with pytest.raises(RuntimeError) as err:
        small.load_state_dict(sd)
    msg = str(err.value)
    assert ("\n\tsize mismatch for features.0.weight: copying a param with shape minidl.Size([16, 3, 3, 3]) "
            "from checkpoint, the shape in current model is minidl.Size([8, 3, 3, 3]).") in msg
    assert "fc.weight" in msg and "[5, 256]" in msg and "[5, 128]" in msg
    # nothing was copied
    np.testing.assert_array_equal(small.features[0].weight.numpy(), before)
    with pytest.raises(RuntimeError, match="size mismatch"):
        small.load_state_dict(sd, strict=False)


def test_non_persistent_buffer_not_saved_nor_required():
    net = Net()
    assert "cache" not in net.state_dict()
    assert "cache" in dict(net.named_buffers())


# ---------------------------------------------------------------- train/eval
def test_train_eval_propagates():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.features.train(False)
    assert net.training and not net.features[1].training and net.fc.training
    with pytest.raises(ValueError):
        net.train("yes")


# ------------------------------------------------------------- dtype / device
def test_to_dtype_in_place_keeps_identity_and_int_buffers():
    net = Net()
    w = net.fc.weight
    net.fc.weight.grad = Tensor(np.ones((5, 64), dtype=np.float32))
    assert net.double() is net
    assert net.fc.weight is w and w.dtype == np.float64
    assert w.grad.dtype == np.float64
    assert net.features[1].running_var.dtype == np.float64
    assert net.features[1].num_batches_tracked.dtype == np.int64
    net.to(dtype="float32")
    assert w.dtype == np.float32 and w.grad.dtype == np.float32
    net.to(np.float64)  # a dtype given positionally
    assert w.dtype == np.float64
    net.float()
    assert w.dtype == np.float32
    with pytest.raises(TypeError, match="floating"):
        net.to(dtype=np.int32)


def test_to_cpu_is_a_no_op_and_forward_in_float64():
    net = Net().to("cpu").double().eval()
    x = mdl.tensor(np.random.default_rng(0).standard_normal((2, 3, 4, 4)), dtype="float64")
    assert net(x).dtype == np.float64


def test_zero_grad():
    lin = Linear(2, 2)
    lin.weight.grad = Tensor(np.ones((2, 2), dtype=np.float32))
    lin.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(lin.weight.grad.array, 0)
    lin.zero_grad()
    assert lin.weight.grad is None


def test_apply_and_requires_grad():
    net = Net()
    names = []
    net.apply(lambda m: names.append(type(m).__name__))
    assert names == ["Conv2d", "BatchNorm2d", "ReLU", "Sequential", "Linear", "Net"]
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_forward_hooks():
    lin = Linear(2, 3)
    seen = []
    h = lin.register_forward_hook(lambda m, inp, out: seen.append(out.shape))
    lin(mdl.ones(4, 2))
    h.remove()
    lin(mdl.ones(4, 2))
    assert seen == [(4, 3)]


def test_repr_like_pytorch():
    net = Sequential(Linear(2, 3), Sequential(ReLU(), Linear(3, 1)), Dropout(0.1))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Linear(in_features=3, out_features=1, bias=True)\n"
        "  )\n"
        "  (2): Dropout(p=0.1, inplace=False)\n"
        ")")
    assert repr(ModuleList()) == "ModuleList()"


def test_deepcopy_module_is_independent():
    net = Net()
    twin = copy.deepcopy(net)
    twin.fc.weight.array[...] = 0
    assert np.abs(net.fc.weight.array).sum() > 0
    assert twin.fc.weight is not net.fc.weight
    assert list(twin.state_dict()) == EXPECTED_KEYS


def test_forward_not_implemented():
    with pytest.raises(NotImplementedError):
        Module()(1)


# ---------------------------------------------------------------- containers
def test_sequential_indexing_slicing_append():
    layers = [Linear(2, 3), ReLU(), Linear(3, 4), ReLU()]
    seq = Sequential(*layers)
    assert len(seq) == 4
    assert seq[0] is layers[0] and seq[-1] is layers[3] and seq[-2] is layers[2]
    assert list(seq) == layers
    sub = seq[1:3]
    assert isinstance(sub, Sequential) and list(sub) == layers[1:3]
    assert list(sub._modules) == ["1", "2"]  # PyTorch keeps the original names
    with pytest.raises(IndexError):
        seq[4]
    with pytest.raises(IndexError):
        seq[-5]
    extra = Linear(4, 1)
    seq.append(extra)
    assert seq[4] is extra and "4.weight" in seq.state_dict()
    out = seq(mdl.ones(5, 2))
    assert out.shape == (5, 1)
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2", "3"] and seq[0] is layers[1]


def test_sequential_from_ordered_dict():
    from collections import OrderedDict
    seq = Sequential(OrderedDict([("conv", Conv2d(1, 2, 3)), ("act", ReLU())]))
    assert list(seq.state_dict()) == ["conv.weight", "conv.bias"]
    assert seq[0] is seq.conv


def test_modulelist():
    ml = ModuleList([Linear(2, 2), ReLU()])
    ml.append(Linear(2, 3))
    ml.extend([ReLU(), Linear(3, 1)])
    assert len(ml) == 5
    assert isinstance(ml[-1], Linear) and ml[-1].out_features == 1
    assert [type(m).__name__ for m in ml] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert list(ml.state_dict())[:2] == ["0.weight", "0.bias"]
    assert len(ml[1:3]) == 2
    with pytest.raises(IndexError):
        ml[5]
    holder = Module()
    holder.blocks = ml
    assert len(list(holder.parameters())) == 6


def test_moduledict():
    md = ModuleDict({"a": Linear(2, 2), "b": ReLU()})
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    assert list(md.state_dict()) == ["a.weight", "a.bias"]


def test_public_surface_wired():
    import minidl.nn as nn
    import minidl.optim as optim
    assert nn.Module is Module and nn.Parameter is Parameter and nn.Sequential is Sequential
    assert nn.Linear is Linear and nn.init.kaiming_uniform_ is not None
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "Optimizer"):
        assert hasattr(optim, name)
    for name in ("StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau",
                 "InverseTimeDecay", "LRScheduler"):
        assert hasattr(optim.lr_scheduler, name)
