"""minidl.bfloat16 (ml_dtypes' NumPy bfloat16) against PyTorch 2.13 CPU.

Every expected value, dtype and repr below was printed by torch 2.13 CPU running the same expression
(with ``torch`` for ``mdl``); the script was /tmp-only, the numbers are copied here. bfloat16 ops
compute in float32 and round once (as PyTorch's CPU kernels), so sums accumulate in float32 and
``x * 1.01`` uses the unrounded scalar while ``x + 1.01`` rounds it (PyTorch's add does).
"""
import io
import zipfile

import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F

BF = mdl.bfloat16


def _x():
    return mdl.tensor([1.0, 2.0, 3.3, -4.7], dtype=BF)


def _y():
    return mdl.tensor([0.1, 0.25, 1.01, 3.0], dtype=BF)


def _values(t):
    return t.float().tolist()


def test_dtype_object_promotion_and_limits():
    assert repr(BF) == "minidl.bfloat16" and BF.is_floating_point and BF.is_signed and BF.itemsize == 2
    assert not BF.is_complex and mdl.float16 != BF and mdl.finfo(BF).dtype == "bfloat16"
    x = _x()
    assert x.is_floating_point() and mdl.is_floating_point(x) and x.element_size() == 2
    assert (x + mdl.ones(4, dtype=mdl.float16)).dtype == mdl.float32      # bfloat16 + float16 -> float32
    assert (x + mdl.ones(4)).dtype == mdl.float32
    assert (x + mdl.arange(4)).dtype == BF and (x + mdl.tensor(1.0)).dtype == BF
    assert mdl.promote_types(BF, mdl.float16) == mdl.float32 and mdl.result_type(x, 1.0) == BF
    assert mdl.cat([x, mdl.ones(2)]).dtype == mdl.float32
    info = mdl.finfo(BF)
    assert (info.eps, info.max, info.tiny, info.bits, info.resolution, info.min, info.smallest_normal) == (
        0.0078125, 3.3895313892515355e+38, 1.1754943508222875e-38, 16, 0.01, -3.3895313892515355e+38,
        1.1754943508222875e-38)
    assert x.type() == "torch.BFloat16Tensor" and mdl.ones(2).type(BF).dtype == BF


def test_creation_conversion_and_repr():
    assert repr(_x()) == "tensor([ 1.0000,  2.0000,  3.2969, -4.6875], dtype=minidl.bfloat16)"
    assert repr(mdl.tensor([[1.5, 2.25], [1e-5, 300.0]], dtype=BF)) == (
        "tensor([[1.5000e+00, 2.2500e+00],\n        [1.0014e-05, 3.0000e+02]], dtype=minidl.bfloat16)")
    assert repr(mdl.cat([_x(), _y()])) == (
        "tensor([ 1.0000,  2.0000,  3.2969, -4.6875,  0.1001,  0.2500,  1.0078,  3.0000],\n"
        "       dtype=minidl.bfloat16)")
    assert repr(mdl.tensor([1.1, 2.2]).bfloat16()) == "tensor([1.1016, 2.2031], dtype=minidl.bfloat16)"
    assert repr(mdl.full((2,), 1.1, dtype=BF)) == "tensor([1.1016, 1.1016], dtype=minidl.bfloat16)"
    assert _values(mdl.arange(0, 1, 0.25, dtype=BF)) == [0.0, 0.25, 0.5, 0.75]
    assert _values(mdl.linspace(0, 1, 5, dtype=BF)) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert mdl.randn(3, dtype=BF).dtype == BF and mdl.rand(3, dtype=BF).dtype == BF
    assert mdl.zeros_like(_x()).dtype == BF and _x().new_zeros(2).dtype == BF
    assert _x()[2].item() == 3.296875 and _x().tolist() == [1.0, 2.0, 3.296875, -4.6875]
    assert _x().half().dtype == mdl.float16 and _x().float().dtype == mdl.float32
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        _x().numpy()                                   # as PyTorch: .float().numpy() instead


@pytest.mark.parametrize("name,fn,expected", [
    ("sum", lambda x, y: x.sum(), [1.609375]),
    ("sum_big", lambda x, y: mdl.ones(1000, dtype=BF).mul(1.01).sum(), [1008.0]),   # float32 accumulation
    ("mean", lambda x, y: mdl.arange(300, dtype=BF).mean(), [150.0]),
    ("add", lambda x, y: x + y, [1.1015625, 2.25, 4.3125, -1.6875]),
    ("mul", lambda x, y: x * y, [0.10009765625, 0.5, 3.328125, -14.0625]),
    ("div", lambda x, y: x / y, [10.0, 8.0, 3.265625, -1.5625]),
    ("mul_scalar", lambda x, y: x * 1.01, [1.0078125, 2.015625, 3.328125, -4.75]),
    ("add_scalar", lambda x, y: x.clone().add_(1.01), [2.0, 3.0, 4.3125, -3.6875]),
    ("exp", lambda x, y: x.exp(), [2.71875, 7.375, 27.0, 0.00921630859375]),
    ("sigmoid", lambda x, y: x.sigmoid(), [0.73046875, 0.87890625, 0.96484375, 0.0091552734375]),
    ("softmax", lambda x, y: x.softmax(0), [0.0732421875, 0.19921875, 0.7265625, 0.000247955322265625]),
    ("tanh", lambda x, y: x.tanh(), [0.76171875, 0.96484375, 0.99609375, -1.0]),
    ("relu_mean", lambda x, y: F.relu(x).mean(), [1.578125]),
    ("matmul", lambda x, y: (x.reshape(2, 2) @ y.reshape(2, 2)).reshape(-1), [2.109375, 6.25, -4.40625, -13.25]),
    ("cumsum", lambda x, y: x.cumsum(0), [1.0, 3.0, 6.3125, 1.609375]),
    ("std", lambda x, y: x.std(), [3.515625]),
    ("norm", lambda x, y: x.norm(), [6.15625]),
    ("pow", lambda x, y: x ** 2, [1.0, 4.0, 10.875, 22.0]),
    ("sqrt", lambda x, y: x.abs().sqrt(), [1.0, 1.4140625, 1.8125, 2.171875]),
    ("mse", lambda x, y: F.mse_loss(x, y), [17.0]),
    ("layer_norm", lambda x, y: F.layer_norm(x.reshape(1, 4), (4,)).reshape(-1),
     [0.1962890625, 0.5234375, 0.94921875, -1.671875]),
    ("cross_entropy", lambda x, y: F.cross_entropy(x.reshape(1, 4), mdl.tensor([2])), [0.318359375]),
    ("conv2d", lambda x, y: F.conv2d(mdl.ones(1, 1, 3, 3, dtype=BF) * 1.1, mdl.ones(1, 1, 2, 2, dtype=BF) * 0.3)
     .reshape(-1), [1.328125] * 4),
])
def test_arithmetic_rounds_as_pytorch(name, fn, expected):
    out = fn(_x(), _y())
    assert out.dtype == BF, name
    assert _values(out.reshape(-1)) == expected, name     # bit for bit


def test_gradients_flow_in_bfloat16():
    w = mdl.tensor([0.5, 1.5, -2.0, 3.0], dtype=BF, requires_grad=True)
    (w * _x()).exp().sum().backward()
    assert w.grad.dtype == BF
    assert _values(w.grad) == [1.6484375, 40.25, 0.0045166015625, -3.6656856536865234e-06]
    lin = nn.Linear(4, 3).to(BF)
    assert lin.weight.dtype == BF and lin.bfloat16() is lin
    with mdl.no_grad():
        lin.weight.copy_(mdl.tensor([[0.1, -0.2, 0.3, 0.4]] * 3))
        lin.bias.fill_(0.5)
    out = lin(_x().reshape(1, 4))
    out.sum().backward()
    assert out.dtype == BF and _values(out) == [[-0.68359375] * 3]
    assert _values(lin.weight.grad) == [[1.0, 2.0, 3.296875, -4.6875]] * 3 and lin.weight.grad.dtype == BF
    assert _values(lin.bias.grad) == [1.0, 1.0, 1.0]
    assert lin.float().weight.dtype == mdl.float32


def test_save_and_load_pt_and_safetensors(tmp_path):
    state = {"w": _x(), "f": mdl.ones(2)}
    buf = io.BytesIO()
    mdl.save(state, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        pickle = zf.read([n for n in zf.namelist() if n.endswith("data.pkl")][0])
    assert b"BFloat16Storage" in pickle                      # what torch.load reads as bfloat16
    buf.seek(0)
    back = mdl.load(buf)
    assert back["w"].dtype == BF and _values(back["w"]) == _values(_x()) and back["f"].dtype == mdl.float32
    path = tmp_path / "w.safetensors"
    mdl.save(state, path)
    back = mdl.load(path)
    assert back["w"].dtype == BF and _values(back["w"]) == _values(_x())


def test_cpu_autocast_defaults_to_bfloat16():
    x, w = mdl.randn(2, 3), mdl.randn(4, 3, requires_grad=True)
    with mdl.autocast("cpu"):
        y = F.linear(x, w)
        assert y.dtype == BF and mdl.get_autocast_dtype("cpu") == BF
        loss = F.mse_loss(y, mdl.zeros(2, 4))
    assert loss.dtype == mdl.float32
    loss.backward()
    assert w.grad.dtype == mdl.float32


def test_a_bfloat16_network_forward_matches_pytorch_bit_for_bit():
    # conv, batch norm, relu, max pool, linear, layer norm, gelu in bfloat16 (fused ops round once)
    def fill(m):
        with mdl.no_grad():
            for p in m.parameters():
                p.copy_((mdl.arange(p.numel(), dtype=mdl.float32).reshape(p.shape) % 7 - 3) / 10)

    net = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(12, 4), nn.LayerNorm(4), nn.GELU(), nn.Linear(4, 2))
    fill(net)
    net = net.to(BF)
    x = (mdl.arange(64, dtype=mdl.float32).reshape(2, 2, 4, 4) % 5 / 4).to(BF)
    out = net(x)
    assert out.dtype == BF and _values(out) == [[-0.30859375, -0.23046875], [-0.30078125, -0.2265625]]
    loss = F.cross_entropy(out, mdl.tensor([0, 1]))
    assert loss.dtype == BF and loss.item() == 0.6953125
    assert _values(net[1].running_var) == [0.90625, 0.90234375, 0.90234375]
    loss.backward()
    assert all(p.grad.dtype == BF for p in net.parameters())
