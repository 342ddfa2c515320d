"""PyTorch idioms the public scripts of tests/test_pytorch_scripts.py rely on (values checked against
PyTorch 2.13's documented behaviour by hand: torch is not a dependency of the tests)."""
from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import minidl as torch
import minidl.nn as nn


def test_utils_data_is_reachable_after_a_bare_import():
    """``import torch`` then ``torch.utils.data.DataLoader`` (the blitz and pytorch-cifar scripts)."""
    code = "import minidl as torch; print(torch.utils.data.DataLoader.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "DataLoader"


def test_set_default_device_cpu_and_reset():
    """``torch.set_default_device(device)`` as in the autograd tutorial; None goes back to the CPU."""
    try:
        torch.set_default_device("cpu")
        assert torch.get_default_device() == torch.device("cpu")
        for made in (torch.zeros(2), torch.randn(()), torch.linspace(0, 1, 3), torch.tensor([1.0]),
                     torch.full((2,), 3.0), torch.arange(3)):
            assert made.device.type == "cpu"
    finally:
        torch.set_default_device(None)
    assert repr(torch.get_default_device()) == "device(type='cpu')"


@pytest.mark.skipif(torch.gpu_available(), reason="checks the error without a GPU")
def test_set_default_device_cuda_without_gpu_raises():
    with pytest.raises(torch.DeviceError, match="no GPU is usable"):
        torch.set_default_device("cuda")
    assert torch.get_default_device().type == "cpu"


@pytest.mark.skipif(not torch.gpu_available(), reason="needs a usable GPU")
def test_set_default_device_cuda_moves_factories():
    try:
        torch.set_default_device("cuda")
        assert torch.zeros(2).device.type == "cuda" and torch.tensor([1.0]).device.type == "cuda"
        assert torch.randn(3, requires_grad=True).is_cuda
    finally:
        torch.set_default_device(None)
    assert torch.zeros(2).device.type == "cpu"


def test_data_parallel_is_transparent_without_gpu():
    """On the CPU PyTorch's DataParallel calls the module unchanged, with ``device_ids == []``."""
    torch.manual_seed(0)
    inner = nn.Linear(3, 2)
    net = nn.DataParallel(inner)
    assert net.module is inner
    x = torch.randn(4, 3)
    np.testing.assert_array_equal(net(x).numpy(), inner(x).numpy())
    assert list(net.state_dict()) == ["module.weight", "module.bias"]
    assert repr(net).startswith("DataParallel(\n  (module): Linear(in_features=3")
    if not torch.gpu_available():
        assert net.device_ids == []
    with pytest.raises(RuntimeError, match="Missing key"):
        net.load_state_dict(nn.Linear(3, 2).state_dict())
    net.load_state_dict(net.state_dict())
    assert nn.parallel.DataParallel is nn.DataParallel
    with pytest.raises(TypeError, match="nn.Module"):
        nn.DataParallel(lambda t: t)


def test_data_parallel_backward_reaches_the_wrapped_parameters():
    net = nn.DataParallel(nn.Linear(3, 1))
    net(torch.ones(2, 3)).sum().backward()
    np.testing.assert_allclose(net.module.weight.grad.numpy(), [[2.0, 2.0, 2.0]])


def test_out_argument_writes_into_and_returns_out():
    a = torch.ones(2, 2)
    out = torch.empty(2, 2)
    assert torch.matmul(a, a, out=out) is out
    np.testing.assert_array_equal(out.numpy(), np.full((2, 2), 2.0))
    z = torch.rand_like(a)
    torch.mul(a, a * 3, out=z)
    np.testing.assert_array_equal(z.numpy(), np.full((2, 2), 3.0))
    joined = torch.empty(0)
    torch.cat([torch.ones(1), torch.zeros(2)], out=joined)  # an empty out is resized silently
    assert joined.tolist() == [1.0, 0.0, 0.0]
    assert torch.add(torch.ones(2, dtype=torch.long), 1, out=torch.zeros(2)).dtype == torch.float32


def test_out_argument_errors_as_pytorch():
    a = torch.ones(2, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resized = torch.matmul(a, a, out=torch.zeros(3))
    assert resized.shape == (2, 2) and "resized since it had shape [3]" in str(caught[0].message)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        torch.mul(a, a, out=torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(RuntimeError, match=r"mul\(\): functions with out=\.\.\. arguments don't support"):
        torch.mul(torch.ones(2, requires_grad=True), 2.0, out=torch.zeros(2))
    with torch.no_grad():
        torch.mul(torch.ones(2, requires_grad=True), 2.0, out=torch.zeros(2))
    with pytest.raises(TypeError, match="argument 'out' must be Tensor, not list"):
        torch.matmul(a, a, out=[1])


@pytest.mark.parametrize("values, dtype, expected", [
    ([1.5, 2.0], None, "tensor([1.5000, 2.0000])"),
    ([1.0, 2.0], None, "tensor([1., 2.])"),
    ([0.0, 0.0], None, "tensor([0., 0.])"),
    ([1e-5, 1.0], None, "tensor([1.0000e-05, 1.0000e+00])"),
    ([1e9, 1.0], None, "tensor([1.0000e+09, 1.0000e+00])"),
    ([float("nan"), 1.5, float("inf")], None, "tensor([   nan, 1.5000,    inf])"),
    ([1.0, float("nan")], None, "tensor([1., nan])"),
    ([[-0.5, 12.25], [3.0, 4.0]], None, "tensor([[-0.5000, 12.2500],\n        [ 3.0000,  4.0000]])"),
    ([0.1, 0.2], "float64", "tensor([0.1000, 0.2000], dtype=minidl.float64)"),
    ([1, -20], None, "tensor([  1, -20])"),
    ([True, False], None, "tensor([ True, False])"),
    (3.25, None, "tensor(3.2500)"),
    (1e-6, None, "tensor(1.0000e-06)"),
])
def test_tensor_repr_follows_pytorch(values, dtype, expected):
    """Strings PyTorch 2.13 prints for the same tensors (default print options)."""
    assert repr(torch.tensor(values, dtype=getattr(torch, dtype) if dtype else None)) == expected


def test_tensor_repr_wraps_and_summarises_as_pytorch():
    wide = repr(torch.tensor([[1.123456] * 12] * 2))
    assert wide.splitlines()[0] == "tensor([[" + ", ".join(["1.1235"] * 9) + ","
    assert wide.splitlines()[1] == "         " + ", ".join(["1.1235"] * 3) + "],"
    long = repr(torch.arange(2000.0))
    assert long == ("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
                    "        1.9990e+03])")
    assert repr(torch.zeros(0)) == "tensor([])"
    assert repr(torch.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward0>)"


def test_relu_gives_positive_zero_and_keeps_nan():
    out = torch.relu(torch.tensor([-0.5, 2.0, float("nan")]))
    assert not np.signbit(out.numpy()[0]) and np.isnan(out.numpy()[2])
    assert repr(nn.ReLU()(torch.tensor([-1.5, 1.0]))) == "tensor([0., 1.])"


def test_scatter_values_as_pytorch():
    """The examples of PyTorch's ``Tensor.scatter_`` documentation."""
    src = torch.arange(1, 11).reshape((2, 5))
    out = torch.zeros(3, 5, dtype=src.dtype).scatter_(0, torch.tensor([[0, 1, 2, 0]]), src)
    assert out.tolist() == [[1, 0, 0, 4, 0], [0, 2, 0, 0, 0], [0, 0, 3, 0, 0]]
    out = torch.zeros(3, 5, dtype=src.dtype).scatter_(1, torch.tensor([[0, 1, 2], [0, 1, 4]]), src)
    assert out.tolist() == [[1, 2, 3, 0, 0], [6, 7, 0, 0, 8], [0, 0, 0, 0, 0]]
    out = torch.full((2, 4), 2.0).scatter_(1, torch.tensor([[2], [3]]), 1.23)
    np.testing.assert_allclose(out.numpy(), [[2, 2, 1.23, 2], [2, 2, 2, 1.23]], rtol=1e-6)
    one_hot = torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(3), value=1)  # 0-d index
    assert one_hot.tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    base = torch.zeros(2, 3)
    assert base.scatter(1, torch.tensor([[1], [2]]), 5.0).tolist() == [[0, 5, 0], [0, 0, 5]]
    assert base.tolist() == [[0, 0, 0], [0, 0, 0]]  # scatter (no underscore) copies
    assert torch.scatter(base, 0, torch.tensor([[1, 0, 1]]), value=-1.0).tolist() == [[0, -1, 0], [-1, 0, -1]]


def test_scatter_errors():
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 0 with size 3"):
        torch.zeros(3).scatter_(0, torch.tensor([5]), 1.0)
    with pytest.raises(RuntimeError, match="Expected dtype int64 for index"):
        torch.zeros(3).scatter_(0, torch.tensor([0.5]), 1.0)
    with pytest.raises(TypeError, match="exactly one of src"):
        torch.zeros(3).scatter(0, torch.tensor([0]))


def test_scatter_gradcheck_float64():
    index = torch.tensor([[0, 1, 2], [0, 1, 4]])
    base = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    src = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda b, s: b.scatter(1, index, s), (base, src))
    out = base.scatter(1, index, src)
    out.sum().backward()
    expected = np.ones((3, 5))
    expected[[0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 4]] = 0  # overwritten positions give base no gradient
    np.testing.assert_array_equal(base.grad.numpy(), expected)
    np.testing.assert_array_equal(src.grad.numpy(), np.ones((2, 3)))


def test_vision_io_round_trip(tmp_path):
    import minidl.vision.io as vio
    from minidl.vision.io import ImageReadMode
    img = torch.tensor(np.arange(3 * 6 * 5, dtype=np.uint8).reshape(3, 6, 5))
    vio.write_png(img, tmp_path / "x.png")
    back = vio.read_image(tmp_path / "x.png")
    assert back.dtype == torch.uint8 and back.shape == (3, 6, 5)
    np.testing.assert_array_equal(back.numpy(), img.numpy())
    assert vio.read_image(str(tmp_path / "x.png"), mode=ImageReadMode.GRAY).shape == (1, 6, 5)
    assert vio.read_image(tmp_path / "x.png", ImageReadMode.RGB_ALPHA).shape == (4, 6, 5)
    raw = vio.read_file(tmp_path / "x.png")
    assert raw.dtype == torch.uint8 and raw.ndim == 1 and raw[:4].tolist() == [0x89, 0x50, 0x4E, 0x47]
    np.testing.assert_array_equal(vio.decode_image(raw).numpy(), img.numpy())
    vio.write_jpeg(img, tmp_path / "x.jpg", quality=95)
    assert vio.read_image(tmp_path / "x.jpg").shape == (3, 6, 5)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(RuntimeError, match="bad.png.*cannot decode|cannot decode.*bad.png"):
        vio.read_image(tmp_path / "bad.png")
    with pytest.raises(ValueError, match=r"uint8 tensor of shape \(1 or 3, H, W\)"):
        vio.write_png(torch.zeros(3, 4, 4), tmp_path / "f.png")


def test_set_printoptions_as_pytorch():
    """Outputs PyTorch 2.13 prints for the same calls."""
    x = torch.tensor([1.23456, 2.5, 100.0])
    try:
        torch.set_printoptions(precision=2)
        assert repr(x) == "tensor([  1.23,   2.50, 100.00])"
        torch.set_printoptions(sci_mode=True)
        assert repr(x) == "tensor([1.23e+00, 2.50e+00, 1.00e+02])"
        torch.set_printoptions(threshold=5, edgeitems=1)
        assert repr(torch.arange(12.0).reshape(3, 4)) == ("tensor([[ 0.,  ...,  3.],\n        ...,\n"
                                                          "        [ 8.,  ..., 11.]])")
        torch.set_printoptions(profile="full")
        assert "..." not in repr(torch.arange(1500))
        with pytest.raises(ValueError, match="unknown profile"):
            torch.set_printoptions(profile="long")
    finally:
        torch.set_printoptions(profile="default")
    assert repr(x) == "tensor([  1.2346,   2.5000, 100.0000])"


def test_seed_and_rng_state_as_torch_random():
    torch.manual_seed(7)
    assert torch.initial_seed() == 7 and torch.random.initial_seed() == 7
    state = torch.get_rng_state()
    assert state.dtype == torch.uint8 and state.ndim == 1
    first = torch.randn(5).tolist()
    torch.set_rng_state(state)
    assert torch.randn(5).tolist() == first
    fresh = torch.seed()
    assert isinstance(fresh, int) and torch.initial_seed() == fresh
    with pytest.raises(RuntimeError, match="not a state made by get_rng_state"):
        torch.set_rng_state(torch.zeros(3, dtype=torch.uint8))
    with pytest.raises(TypeError, match="1-D uint8 tensor"):
        torch.set_rng_state(torch.zeros(3))
    torch.manual_seed(0)


def test_clamp_min_and_clamp_max():
    x = torch.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    assert x.clamp_min(0).tolist() == [0.0, 0.5, 3.0]
    assert x.clamp_max(1).tolist() == [-2.0, 0.5, 1.0]
    x.clamp_min(0).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]
    y = torch.tensor([-2.0, 0.5, 3.0])
    assert y.clamp_min_(-1) is y and y.clamp_max_(2).tolist() == [-1.0, 0.5, 2.0]


# Embedding and LayerNorm: expected numbers printed by PyTorch 2.13 for the same weights and inputs.
_TABLE = np.arange(15, dtype=np.float32).reshape(5, 3) / 10 - 0.5


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [[12, 14, 16], [15, 16, 17], [9, 11, 13], [0, 0, 0], [9, 10, 11]]),
    ({"padding_idx": 2}, [[12, 14, 16], [15, 16, 17], [0, 0, 0], [0, 0, 0], [9, 10, 11]]),
    ({"scale_grad_by_freq": True}, [[6, 7, 8], [15, 16, 17], [4.5, 5.5, 6.5], [0, 0, 0], [9, 10, 11]]),
    ({"padding_idx": -1, "scale_grad_by_freq": True}, [[6, 7, 8], [15, 16, 17], [4.5, 5.5, 6.5], [0, 0, 0],
                                                       [0, 0, 0]]),
])
def test_embedding_gradients_as_pytorch(kwargs, expected):
    emb = nn.Embedding.from_pretrained(torch.tensor(_TABLE), freeze=False, **kwargs)
    out = emb(torch.tensor([[0, 2, 2], [4, 0, 1]]))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.detach().numpy(), _TABLE[[[0, 2, 2], [4, 0, 1]]])
    (out * torch.arange(18.0).reshape(2, 3, 3)).sum().backward()
    np.testing.assert_allclose(emb.weight.grad.numpy(), expected)


def test_embedding_layer_defaults_and_max_norm():
    torch.manual_seed(0)
    emb = nn.Embedding(10, 3, padding_idx=1)
    assert repr(emb) == "Embedding(10, 3, padding_idx=1)"
    assert emb.weight.shape == (10, 3) and emb.weight[1].tolist() == [0.0, 0.0, 0.0]
    assert list(emb.state_dict()) == ["weight"]
    frozen = nn.Embedding.from_pretrained(torch.tensor(_TABLE * 10), max_norm=1.0)
    assert not frozen.weight.requires_grad
    out = frozen(torch.tensor([1, 3]))
    np.testing.assert_allclose(np.linalg.norm(out.numpy(), axis=1), [1.0, 1.0], rtol=1e-5)
    np.testing.assert_allclose(frozen.weight.numpy()[0], _TABLE[0] * 10)  # rows not looked up are unchanged
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: Long, Int"):
        nn.Embedding(3, 2)(torch.tensor([1.0]))
    with pytest.raises(IndexError, match="index 3 is out of range for 3 embeddings"):
        nn.Embedding(3, 2)(torch.tensor([3]))


def test_embedding_gradcheck_float64():
    table = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    ids = torch.tensor([[0, 2, 2], [4, 0, 1]])
    # (padding_idx and scale_grad_by_freq change the gradient on purpose, so only the plain lookup is checked)
    assert torch.autograd.gradcheck(lambda w: nn.functional.embedding(ids, w), (table,))
    assert torch.autograd.gradgradcheck(lambda w: nn.functional.embedding(ids, w) ** 2, (table,))


def test_layer_norm_as_pytorch():
    x = torch.tensor(np.linspace(-2, 3, 24, dtype=np.float32).reshape(2, 3, 4), requires_grad=True)
    ln = nn.LayerNorm([3, 4])
    assert repr(ln) == "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True, bias=True)"
    assert list(ln.state_dict()) == ["weight", "bias"]
    with torch.no_grad():
        ln.weight.copy_(torch.tensor(np.linspace(0.5, 1.5, 12, dtype=np.float32).reshape(3, 4)))
    y = ln(x)
    (y ** 3).sum().backward()
    np.testing.assert_allclose(ln.weight.grad.numpy().ravel()[:4],
                               [-6.0665, -4.6407, -2.9070, -1.3608], atol=1e-4)  # PyTorch's, to 4 decimals
    np.testing.assert_allclose(y.detach().numpy().ravel()[:6], [-0.7966, -0.7703, -0.6913, -0.5596, -0.3753, -0.1383],
                               atol=1e-4)
    np.testing.assert_allclose(x.grad.numpy().ravel()[:6], [6.5955, 4.6503, 2.4729, 0.0595, -2.5, -4.9916], atol=1e-3)
    np.testing.assert_allclose(nn.functional.layer_norm(x, (4,)).detach().numpy().ravel()[:4],
                               [-1.3415, -0.4472, 0.4472, 1.3415], atol=1e-4)
    assert repr(nn.LayerNorm(4, elementwise_affine=False)) == ("LayerNorm((4,), eps=1e-05, elementwise_affine=False, "
                                                               "bias=False)")
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 5\], but got input of size \[2, 3, 4\]"):
        nn.functional.layer_norm(x, (5,))


def test_layer_norm_gradcheck_float64():
    x = torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w, b: nn.functional.layer_norm(x, (4,), w, b), (x, w, b))
    assert torch.autograd.gradgradcheck(lambda x, w, b: nn.functional.layer_norm(x, (4,), w, b), (x, w, b))


# (shape, sum(y), sum(y*y), sum(dL/dx), sum(dL/dw ** 2)) for L = sum(y*y), printed by PyTorch 2.13 for the same
# float64 inputs drawn from numpy's default_rng(0) in this order (x (2,4,5,4), w (4,3,3,2), b, [w again if groups])
_CONV_T_CASES = [
    ({}, (2, 3, 7, 5), 66.723159, 3211.718531, -187.134833, 580882.156937),
    ({"stride": 2}, (2, 3, 11, 8), -196.503647, 3533.955783, -826.338359, 713369.105777),
    ({"stride": 2, "padding": 1}, (2, 3, 9, 6), -290.087608, 2642.359931, -1125.229305, 279111.827561),
    ({"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 10, 7), -186.96821, 1760.904451, 114.962593,
     188701.08633),
    ({"stride": (2, 3), "padding": (1, 0), "dilation": (1, 2), "output_padding": (1, 0)}, (2, 3, 10, 12),
     53.652921, 2953.929648, -350.652618, 400214.071055),
    ({"groups": 2, "stride": 2}, (2, 6, 11, 8), -360.157749, 3573.10292, 883.497143, 498932.013964),
    ({"padding": 3, "stride": 3}, (2, 3, 9, 5), 26.703369, 1106.357729, -84.076569, 81955.753964),
]


def test_conv_transpose2d_matches_pytorch():
    rng = np.random.default_rng(0)
    for kwargs, shape, total, energy, grad_x, grad_w in _CONV_T_CASES:
        x = torch.tensor(rng.standard_normal((2, 4, 5, 4)), requires_grad=True)
        w = torch.tensor(rng.standard_normal((4, 3, 3, 2)), requires_grad=True)
        b = torch.tensor(rng.standard_normal(3 * kwargs.get("groups", 1)), requires_grad=True)
        if kwargs.get("groups"):
            w = torch.tensor(rng.standard_normal((4, 3, 3, 2)), requires_grad=True)
        y = nn.functional.conv_transpose2d(x, w, b, **kwargs)
        (y * y).sum().backward()
        assert y.shape == shape, kwargs
        np.testing.assert_allclose([float(y.sum()), float((y * y).sum()), float(x.grad.sum()),
                                    float((w.grad ** 2).sum())], [total, energy, grad_x, grad_w], rtol=1e-6,
                                   atol=1e-5, err_msg=str(kwargs))


def test_conv_transpose2d_layer_as_pytorch():
    layer = nn.ConvTranspose2d(8, 4, 4, 2, 1, bias=False)
    assert repr(layer) == "ConvTranspose2d(8, 4, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)"
    assert layer.weight.shape == (8, 4, 4, 4) and list(layer.state_dict()) == ["weight"]
    assert layer(torch.zeros(1, 8, 4, 4)).shape == (1, 4, 8, 8)
    assert layer(torch.zeros(1, 8, 4, 4), output_size=[9, 9]).shape == (1, 4, 9, 9)
    assert nn.ConvTranspose2d(100, 64, 4, 1, 0)(torch.zeros(2, 100, 1, 1)).shape == (2, 64, 4, 4)
    bound = 1 / np.sqrt(4 * 4 * 4)  # PyTorch's fan_in for ConvTranspose2d: weight.size(1) * kH * kW
    assert float(layer.weight.abs().max()) <= bound
    with pytest.raises(ValueError, match="valid sizes range from 8 to 9"):
        layer(torch.zeros(1, 8, 4, 4), output_size=[10, 10])
    with pytest.raises(RuntimeError, match="output_padding"):
        nn.functional.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 1, 3, 3), output_padding=1)


def test_conv_transpose2d_gradcheck_float64():
    x = torch.randn(1, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, 2, 3, 2, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, dtype=torch.float64, requires_grad=True)
    fn = lambda x, w, b: nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x, w, b))
    assert torch.autograd.gradgradcheck(fn, (x, w, b))


def test_fake_data_as_torchvision():
    from minidl.vision import datasets, transforms
    data = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4, transform=transforms.ToTensor())
    assert len(data) == 5
    image, label = data[2]
    assert image.shape == (3, 8, 6) and image.dtype == torch.float32 and 0 <= label < 4 and isinstance(label, int)
    np.testing.assert_array_equal(data[2][0].numpy(), image.numpy())  # item i depends only on i
    assert not np.array_equal(data[3][0].numpy(), image.numpy())
    raw, _ = datasets.FakeData(size=2, image_size=(1, 4, 4))[0]
    assert raw.mode == "L" and raw.size == (4, 4)
    with pytest.raises(IndexError):
        data[5]


def test_functional_data_parallel():
    layer = nn.Linear(2, 3)
    x = torch.ones(4, 2)
    np.testing.assert_array_equal(nn.parallel.data_parallel(layer, x, range(1)).detach().numpy(),
                                  layer(x).detach().numpy())


def test_more_torchvision_transforms():
    """Values from torchvision's formulas: ToPILImage (x * 255 truncated), Grayscale (0.2989 R + 0.587 G +
    0.114 B), Pad (left, top, right, bottom), ConvertImageDtype (x * (255 + 1 - 1e-3) truncated)."""
    from minidl.vision import transforms as T
    x = torch.tensor(np.linspace(0, 1, 60, dtype=np.float32).reshape(3, 4, 5))
    pil = T.ToPILImage()(x)
    assert pil.mode == "RGB" and pil.size == (5, 4)
    np.testing.assert_array_equal(np.asarray(pil)[1, 0], np.trunc(x.numpy()[:, 1, 0] * 255).astype(np.uint8))
    assert T.ToPILImage()(torch.zeros(1, 4, 5, dtype=torch.uint8)).mode == "L"
    with pytest.raises(ValueError, match="Only modes"):
        T.ToPILImage(mode="RGBA")(x)
    grey = T.Grayscale()(x)
    r, g, b = x.numpy()[:, 0, 0]
    assert grey.shape == (1, 4, 5) and float(grey[0, 0, 0]) == pytest.approx(0.2989 * r + 0.587 * g + 0.114 * b)
    assert T.Grayscale(3)(pil).mode == "RGB" and T.Grayscale()(pil).mode == "L"
    padded = T.Pad((1, 0, 2, 1), fill=7)(torch.ones(1, 2, 2, dtype=torch.uint8))
    assert padded.shape == (1, 3, 5) and padded[0].tolist() == [[7, 1, 1, 7, 7], [7, 1, 1, 7, 7], [7, 7, 7, 7, 7]]
    assert T.Pad((1, 2), padding_mode="reflect")(x).shape == (3, 8, 7) and T.Pad(2)(pil).size == (9, 8)
    as_bytes = T.ConvertImageDtype(torch.uint8)(x)
    assert as_bytes.dtype == torch.uint8 and as_bytes[0, 0].tolist() == [0, 4, 8, 13, 17]
    back = T.ConvertImageDtype(torch.float32)(as_bytes)
    np.testing.assert_allclose(back.numpy(), as_bytes.numpy() / 255.0, rtol=1e-6)
    assert T.RandomApply([T.Pad(1)], p=1.0)(x).shape == (3, 6, 7)
    assert T.RandomApply([T.Pad(1)], p=0.0)(x).shape == (3, 4, 5)
    assert T.RandomGrayscale(p=1.0)(pil).mode == "RGB"


_CONV1D_CASES = [  # kwargs, shape, sum(y), sum(dL/dx), sum(dL/dw ** 2) with L = sum(y*y): PyTorch 2.13's values
    ({}, (2, 6, 7), -18.58639, -30.206681, 80867.6126),
    ({"stride": 2, "padding": 1}, (2, 6, 5), -19.215601, 96.787171, 50131.7367),
    ({"dilation": 2, "padding": 2}, (2, 6, 9), -32.69706, -192.747212, 43272.2956),
    ({"padding": "same"}, (2, 6, 9), 77.077655, 357.427099, 92686.5842),
    ({"groups": 2}, (2, 6, 7), 17.925933, -230.658723, 103173.6024),
]


# PyTorch 2.13's pooling of x = arange(10) % 4 (as (1, 1, 10)): max (3, 2, 1), indices of max (2), avg (3, 2, 1)
MAX_POOL1D = [1.0, 3.0, 3.0, 3.0, 3.0]
MAX_POOL1D_INDICES = [1, 3, 5, 7, 9]
AVG_POOL1D_EXCLUDING_PAD = [0.5, 2.0, 4 / 3, 2.0, 4 / 3]
AVG_POOL1D = [1 / 3, 2.0, 4 / 3, 2.0, 4 / 3]


def test_conv1d_and_1d_pooling_match_pytorch():
    """Inputs from numpy's default_rng(1): x (2, 4, 9) then w (6, 4/groups, 3) for each case, in order."""
    rng = np.random.default_rng(1)
    for kwargs, shape, total, grad_x, grad_w in _CONV1D_CASES:
        x = torch.tensor(rng.standard_normal((2, 4, 9)), requires_grad=True)
        w = torch.tensor(rng.standard_normal((6, 4 // kwargs.get("groups", 1), 3)), requires_grad=True)
        y = nn.functional.conv1d(x, w, None, **kwargs)
        (y * y).sum().backward()
        assert y.shape == shape, kwargs
        np.testing.assert_allclose([float(y.sum()), float(x.grad.sum()), float((w.grad ** 2).sum())],
                                   [total, grad_x, grad_w], rtol=1e-6, atol=1e-4, err_msg=str(kwargs))
    x = torch.tensor(np.arange(10.0).reshape(1, 1, 10) % 4)
    assert nn.functional.max_pool1d(x, 3, 2, 1)[0, 0].tolist() == MAX_POOL1D
    assert nn.functional.max_pool1d(x, 2, return_indices=True)[1][0, 0].tolist() == MAX_POOL1D_INDICES
    np.testing.assert_allclose(nn.functional.avg_pool1d(x, 3, 2, 1, count_include_pad=False)[0, 0].numpy(),
                               AVG_POOL1D_EXCLUDING_PAD)
    np.testing.assert_allclose(nn.functional.avg_pool1d(x, 3, 2, 1)[0, 0].numpy(), AVG_POOL1D)


def test_conv1d_layers_as_pytorch():
    assert nn.Conv1d(16, 33, 3, stride=2)(torch.randn(20, 16, 50)).shape == (20, 33, 24)
    assert repr(nn.Conv1d(4, 4, 3, padding=1, padding_mode="circular", bias=False)) == (
        "Conv1d(4, 4, kernel_size=(3,), stride=(1,), padding=(1,), bias=False, padding_mode=circular)")
    assert repr(nn.Conv1d(2, 3, 2, padding="same")) == "Conv1d(2, 3, kernel_size=(2,), stride=(1,), padding=same)"
    assert nn.Conv1d(2, 2, 4, padding="same", padding_mode="reflect")(torch.randn(1, 2, 7)).shape == (1, 2, 7)
    assert repr(nn.MaxPool1d(2)) == "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool1d(3, 2)) == "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(0,))"
    assert nn.Conv1d(2, 3, 5).weight.shape == (3, 2, 5)
    x = torch.randn(2, 3, 8, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w: nn.functional.conv1d(x, w, stride=2, padding=1), (x, w))


# kind, kwargs, out shape, h_n shape, sum(out), sum(h_n), sum(dL/dx), sum of squared parameter gradients, for
# L = sum(out ** 2) + sum(h_n ** 3): PyTorch 2.13's values with the same float64 weights and inputs (numpy
# default_rng(3): every state-dict entry * 0.5 in state-dict order, then x (2, 5, 3), for each case in turn).
_RNN_CASES = [
    ("LSTM", {"num_layers": 2, "batch_first": True}, (2, 5, 4), (2, 2, 4),
     (-3.39418, -1.256569, 0.114682, 5.399845)),
    ("GRU", {"bidirectional": True}, (2, 5, 8), (2, 5, 4), (5.051499, 1.276003, -6.438536, 117.721527)),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}, (2, 5, 8), (4, 5, 4),
     (34.283448, 34.995544, -1.456031, 129776.15096)),
    ("LSTM", {"bias": False}, (2, 5, 4), (1, 5, 4), (-1.637862, -1.076391, -1.17353, 1.366233)),
    ("GRU", {"batch_first": True, "num_layers": 2}, (2, 5, 4), (2, 2, 4), (-4.44252, -3.113531, 4.86287, 307.695712)),
]


def test_recurrent_layers_match_pytorch():
    rng = np.random.default_rng(3)
    for kind, kwargs, out_shape, h_shape, numbers in _RNN_CASES:
        layer = getattr(nn, kind)(3, 4, **kwargs).double()
        layer.load_state_dict({k: torch.tensor(rng.standard_normal(tuple(v.shape)) * 0.5)
                               for k, v in layer.state_dict().items()})
        x = torch.tensor(rng.standard_normal((2, 5, 3)), requires_grad=True)
        out, hidden = layer(x)
        h = hidden[0] if kind == "LSTM" else hidden
        ((out ** 2).sum() + (h ** 3).sum()).backward()
        assert out.shape == out_shape and h.shape == h_shape, (kind, kwargs)
        got = [float(out.sum()), float(h.sum()), float(x.grad.sum()),
               float(sum((p.grad ** 2).sum() for p in layer.parameters()))]
        np.testing.assert_allclose(got, numbers, rtol=1e-6, atol=1e-5, err_msg=kind)


def test_recurrent_layers_api():
    lstm = nn.LSTM(10, 20, 2, batch_first=True)
    assert repr(lstm) == "LSTM(10, 20, num_layers=2, batch_first=True)"
    out, (h, c) = lstm(torch.randn(3, 5, 10))
    assert out.shape == (3, 5, 20) and h.shape == (2, 3, 20) and c.shape == (2, 3, 20)
    out, (h, c) = nn.LSTM(3, 4)(torch.zeros(5, 3))  # unbatched
    assert out.shape == (5, 4) and h.shape == (1, 4)
    assert list(nn.GRU(3, 4, bidirectional=True).state_dict())[4:] == [
        "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"]
    assert repr(nn.RNN(3, 4, nonlinearity="relu", bias=False, dropout=0.5, num_layers=2)) == (
        "RNN(3, 4, num_layers=2, bias=False, dropout=0.5)")
    bound = 1 / np.sqrt(20)
    assert all(float(p.abs().max()) <= bound for p in lstm.parameters())
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        nn.GRU(3, 4)(torch.zeros(5, 2, 3), torch.zeros(1, 3, 4))
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    x = torch.randn(4, 2, 3, dtype=torch.float64, requires_grad=True)
    gru = nn.GRU(3, 2).double()
    assert torch.autograd.gradcheck(lambda x: gru(x)[0], (x,))
