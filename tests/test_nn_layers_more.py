"""Padding layers, PixelShuffle/PixelUnshuffle, Unflatten, ParameterList/ParameterDict, Dropout1d,
AlphaDropout, AdaptiveAvgPool1d/AdaptiveMaxPool1d and F.max_pool2d_with_indices: values against
NumPy, float64 gradcheck/gradgradcheck, state-dict keys and reprs as PyTorch 2.13 prints them."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def t64(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True)


def _np_pad(a, padding, mode, value=0.0):
    """np.pad with PyTorch's (left, right, top, bottom, ...) order and mode names."""
    widths = [(0, 0)] * a.ndim
    for k in range(len(padding) // 2):
        widths[a.ndim - 1 - k] = (padding[2 * k], padding[2 * k + 1])
    np_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    kwargs = {"constant_values": value} if mode == "constant" else {}
    return np.pad(a, widths, mode=np_mode, **kwargs)


@pytest.mark.parametrize("layer, padding, mode, shape, text", [
    (nn.ZeroPad1d(2), (2, 2), "constant", (2, 3, 4), "ZeroPad1d((2, 2))"),
    (nn.ZeroPad2d((1, 2, 0, 3)), (1, 2, 0, 3), "constant", (2, 3, 4, 5), "ZeroPad2d((1, 2, 0, 3))"),
    (nn.ZeroPad3d(1), (1,) * 6, "constant", (1, 2, 3, 3, 3), "ZeroPad3d((1, 1, 1, 1, 1, 1))"),
    (nn.ConstantPad1d((1, 3), 2.5), (1, 3), "constant", (3, 5), "ConstantPad1d(padding=(1, 3), value=2.5)"),
    (nn.ConstantPad2d(1, -1.0), (1, 1, 1, 1), "constant", (2, 3, 4), "ConstantPad2d(padding=(1, 1, 1, 1), value=-1.0)"),
    (nn.ReflectionPad1d((2, 3)), (2, 3), "reflect", (2, 3, 5), "ReflectionPad1d((2, 3))"),
    (nn.ReflectionPad2d(2), (2, 2, 2, 2), "reflect", (2, 3, 4, 5), "ReflectionPad2d((2, 2, 2, 2))"),
    (nn.ReplicationPad1d((2, 7)), (2, 7), "replicate", (2, 3, 5), "ReplicationPad1d((2, 7))"),
    (nn.ReplicationPad2d((1, 2, 3, 4)), (1, 2, 3, 4), "replicate", (3, 4, 5), "ReplicationPad2d((1, 2, 3, 4))"),
    (nn.CircularPad1d((2, 3)), (2, 3), "circular", (2, 3, 5), "CircularPad1d((2, 3))"),
    (nn.CircularPad2d(2), (2, 2, 2, 2), "circular", (2, 3, 4, 5), "CircularPad2d((2, 2, 2, 2))"),
])
def test_padding_layers(rng, layer, padding, mode, shape, text):
    x = t64(rng, *shape)
    value = getattr(layer, "value", 0.0)
    np.testing.assert_array_equal(layer(x).numpy(), _np_pad(x.numpy(), padding, mode, value))
    assert repr(layer) == text
    small = t64(rng, *shape[:-1], min(shape[-1], 4))
    if mode != "reflect" or max(padding[:2]) < 4:
        assert gradcheck(layer, (small,)) and gradgradcheck(layer, (small,))


def test_padding_errors():
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.ReflectionPad1d(1)(mdl.randn(4))
    with pytest.raises(TypeError, match="padding must be an int or a tuple of 4 ints"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match="reflect padding"):
        nn.ReflectionPad1d(3)(mdl.randn(1, 2, 3))


def _np_pixel_shuffle(a, r):
    *lead, c, h, w = a.shape
    b = a.reshape(*lead, c // (r * r), r, r, h, w)
    k = len(lead)
    b = b.transpose(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return b.reshape(*lead, c // (r * r), h * r, w * r)


@pytest.mark.parametrize("shape, r", [((2, 8, 3, 5), 2), ((9, 2, 3), 3), ((2, 2, 4, 3, 1), 2)])
def test_pixel_shuffle_and_unshuffle(rng, shape, r):
    x = t64(rng, *shape)
    y = F.pixel_shuffle(x, r)
    np.testing.assert_array_equal(y.numpy(), _np_pixel_shuffle(x.numpy(), r))
    np.testing.assert_array_equal(F.pixel_unshuffle(y, r).numpy(), x.numpy())
    assert gradcheck(lambda t: F.pixel_shuffle(t, r), (x,)) and gradgradcheck(lambda t: F.pixel_shuffle(t, r), (x,))
    assert gradcheck(lambda t: F.pixel_unshuffle(t, r), (y.detach().requires_grad_(),))


def test_pixel_shuffle_modules_and_errors():
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    assert repr(nn.PixelUnshuffle(3)) == "PixelUnshuffle(downscale_factor=3)"
    assert nn.PixelShuffle(2)(mdl.randn(1, 12, 2, 3)).shape == (1, 3, 4, 6)
    assert nn.PixelUnshuffle(2)(mdl.randn(1, 3, 4, 6)).shape == (1, 12, 2, 3)
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(mdl.randn(2, 6, 3, 4), 2)
    with pytest.raises(RuntimeError, match="height to be divisible by downscale_factor"):
        F.pixel_unshuffle(mdl.randn(2, 2, 5, 4), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        F.pixel_shuffle(mdl.randn(4, 4), 2)


def test_unflatten(rng):
    m = nn.Unflatten(1, (3, 4))
    assert repr(m) == "Unflatten(dim=1, unflattened_size=(3, 4))"
    x = t64(rng, 2, 12, 5)
    np.testing.assert_array_equal(m(x).numpy(), x.numpy().reshape(2, 3, 4, 5))
    assert nn.Unflatten(-2, (2, -1, 3))(x).shape == (2, 2, 2, 3, 5)
    assert gradcheck(m, (x,))
    with pytest.raises(RuntimeError, match="don't multiply up to the size of dim 1"):
        nn.Unflatten(1, (5, 4))(x)
    assert nn.Sequential(nn.Flatten(), nn.Unflatten(1, (12, 5)))(x).shape == (2, 12, 5)


def test_parameter_list():
    params = nn.ParameterList([nn.Parameter(mdl.ones(2)), mdl.zeros(3, 2)])
    assert isinstance(params[1], nn.Parameter) and params[1].requires_grad
    assert list(params.state_dict()) == ["0", "1"] and len(list(params.parameters())) == 2
    params.append(nn.Parameter(mdl.ones(1)))
    params += [nn.Parameter(mdl.ones(4))]
    assert len(params) == 4 and params[-1].shape == (4,) and len(params[1:3]) == 2
    assert repr(params[:2]) == ("ParameterList(\n    (0): Parameter containing: [minidl.float32 of size 2]\n"
                                "    (1): Parameter containing: [minidl.float32 of size 3x2]\n)")
    with pytest.raises(IndexError):
        params[7]
    with pytest.raises(RuntimeError, match="should not be called"):
        params(mdl.ones(1))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.ParameterList([nn.Parameter(mdl.ones(2)) for _ in range(2)])

        def forward(self, x):
            return sum(w * x for w in self.weights)

    model = Model()
    assert list(model.state_dict()) == ["weights.0", "weights.1"]
    model.load_state_dict({"weights.0": mdl.zeros(2), "weights.1": mdl.full((2,), 3.0)})
    out = model(mdl.ones(2))
    np.testing.assert_allclose(out.numpy(), [3.0, 3.0])
    out.sum().backward()
    np.testing.assert_allclose(model.weights[0].grad.numpy(), [1.0, 1.0])


def test_parameter_dict():
    d = nn.ParameterDict({"b": nn.Parameter(mdl.ones(2)), "a": mdl.zeros(3, 2)})
    assert list(d.keys()) == ["a", "b"] and list(d.state_dict()) == ["a", "b"]  # a plain dict: sorted
    assert isinstance(d["a"], nn.Parameter) and "a" in d and len(d) == 2
    d["c"] = nn.Parameter(mdl.ones(1))
    assert list(d) == ["a", "b", "c"] and d.get("zz") is None
    assert d.pop("b").shape == (2,) and list(d.keys()) == ["a", "c"]
    d.update([("e", nn.Parameter(mdl.ones(5)))])
    assert [k for k, _ in d.items()] == ["a", "c", "e"] and len(list(d.values())) == 3
    assert len(list(d.parameters())) == 3
    assert repr(nn.ParameterDict({"w": nn.Parameter(mdl.ones(2))})) == \
        "ParameterDict(  (w): Parameter containing: [torch.FloatTensor of size 2])"
    with pytest.raises(TypeError, match="not a string"):
        d[1] = nn.Parameter(mdl.ones(1))
    d.clear()
    assert len(d) == 0 and list(d.state_dict()) == []


def test_dropout1d(rng):
    x = mdl.ones(50, 40, 7)
    mdl.manual_seed(0)
    y = F.dropout1d(x, 0.3).numpy()
    per_channel = y[:, :, 0]
    assert np.all(y == per_channel[:, :, None])  # whole channels
    assert set(np.unique(per_channel)) <= {0.0, np.float32(1 / 0.7)}
    assert 0.2 < (per_channel == 0).mean() < 0.4
    assert F.dropout1d(mdl.ones(4, 9), 0.5).shape == (4, 9)
    m = nn.Dropout1d(0.5)
    assert repr(m) == "Dropout1d(p=0.5, inplace=False)"
    m.eval()
    assert m(x) is x
    with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
        F.dropout1d(mdl.ones(2, 3, 4, 5))


def test_alpha_dropout_keeps_selu_statistics():
    mdl.manual_seed(1)
    x = F.selu(mdl.randn(200000, dtype=mdl.float64))
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    alpha = 1.6732632423543772 * 1.0507009873554805
    a = 1 / np.sqrt((alpha ** 2 * 0.2 + 1) * 0.8)
    dropped = np.isclose(y, a * alpha * (0.2 - 1))
    assert 0.18 < dropped.mean() < 0.22
    assert F.alpha_dropout(x, 0.2) is x  # PyTorch's default: training=False
    m = nn.AlphaDropout(0.2)
    assert repr(m) == "AlphaDropout(p=0.2, inplace=False)"
    xg = mdl.randn(3, 4, dtype=mdl.float64, requires_grad=True)
    mdl.manual_seed(2)
    out = m(xg)
    out.sum().backward()
    kept = ~np.isclose(out.detach().numpy(), a * alpha * (0.2 - 1))
    np.testing.assert_allclose(xg.grad.numpy(), np.where(kept, a, 0.0))


def test_adaptive_pools_1d(rng):
    x = t64(rng, 2, 3, 10)
    a = x.numpy()
    bins = [(int(np.floor(i * 10 / 4)), int(np.ceil((i + 1) * 10 / 4))) for i in range(4)]
    avg = np.stack([a[..., lo:hi].mean(-1) for lo, hi in bins], -1)
    mx = np.stack([a[..., lo:hi].max(-1) for lo, hi in bins], -1)
    arg = np.stack([a[..., lo:hi].argmax(-1) + lo for lo, hi in bins], -1)
    np.testing.assert_allclose(nn.AdaptiveAvgPool1d(4)(x).numpy(), avg)
    values, indices = nn.AdaptiveMaxPool1d(4, return_indices=True)(x)
    np.testing.assert_allclose(values.numpy(), mx)
    np.testing.assert_array_equal(indices.numpy(), arg)
    assert indices.dtype == mdl.int64
    assert F.adaptive_avg_pool1d(x[0], 3).shape == (3, 3)
    assert gradcheck(lambda t: F.adaptive_avg_pool1d(t, 4), (x,))
    assert gradgradcheck(lambda t: F.adaptive_avg_pool1d(t, 4), (x,))
    assert gradcheck(lambda t: F.adaptive_max_pool1d(t, 4), (x,))
    assert repr(nn.AdaptiveAvgPool1d(3)) == "AdaptiveAvgPool1d(output_size=3)"
    assert repr(nn.AdaptiveMaxPool1d(3)) == "AdaptiveMaxPool1d(output_size=3)"


def test_max_pool2d_with_indices(rng):
    x = t64(rng, 2, 3, 6, 5)
    values, indices = F.max_pool2d_with_indices(x, 2)
    np.testing.assert_array_equal(values.numpy(), F.max_pool2d(x, 2).numpy())
    a = x.numpy()
    flat = a.reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, indices.numpy().reshape(2, 3, -1), -1),
                                  values.numpy().reshape(2, 3, -1))
