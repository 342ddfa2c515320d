"""PyTorch's ``meta`` device: tensors with a shape, dtype and strides and no data (minidl.meta_array).

Expected reprs, messages and error types were read from PyTorch 2.13 (``torch.empty(2, 3, device="meta")`` etc.).
"""
from __future__ import annotations

import copy
import resource
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.meta_array import PROBE_LIMIT, MetaArray


def meta(*shape, dtype=None, requires_grad=False):
    return mdl.empty(*shape, device="meta", dtype=dtype, requires_grad=requires_grad)


def check(t, shape, dtype=mdl.float32):
    assert t.is_meta and t.device.type == "meta", t
    assert tuple(t.shape) == tuple(shape), (t.shape, shape)
    assert t.dtype == dtype, (t.dtype, dtype)


# --- the device and factories ---------------------------------------------------------------
def test_device_object():
    dev = mdl.device("meta")
    assert dev.type == "meta" and dev.index is None and str(dev) == "meta" and repr(dev) == "device(type='meta')"
    assert mdl.device("meta:0").index == 0 and str(mdl.device("meta", 0)) == "meta:0"
    assert dev == mdl.device("meta") and dev != mdl.device("cpu")


@pytest.mark.parametrize("factory", [mdl.empty, mdl.zeros, mdl.ones, mdl.randn, mdl.rand])
def test_factories(factory):
    check(factory(2, 3, device="meta"), (2, 3))
    check(factory((4,), device="meta", dtype=mdl.float64), (4,), mdl.float64)


def test_other_factories_and_likes():
    check(mdl.full((2,), 3, device="meta"), (2,), mdl.int64)
    check(mdl.randint(0, 5, (3,), device="meta"), (3,), mdl.int64)
    check(mdl.arange(5, device="meta"), (5,), mdl.int64)
    check(mdl.eye(3, device="meta"), (3, 3))
    check(mdl.ones(2, 3).to("meta"), (2, 3))
    x = meta(2, 3, dtype=mdl.float16)
    for like in (mdl.empty_like, mdl.zeros_like, mdl.ones_like, mdl.randn_like):
        check(like(x), (2, 3), mdl.float16)
    check(mdl.empty_like(mdl.ones(2), device="meta"), (2,))
    check(x.new_zeros(4), (4,), mdl.float16)


def test_default_device_context_and_setter():
    with mdl.device("meta"):
        check(mdl.randn(3), (3,))
        check(mdl.zeros(2, dtype=mdl.int32), (2,), mdl.int32)
        assert mdl.zeros(2, device="cpu").device.type == "cpu"   # an explicit device wins
    assert mdl.zeros(2).device.type == "cpu"
    mdl.set_default_device("meta")
    try:
        check(mdl.ones(2), (2,))
    finally:
        mdl.set_default_device(None)
    assert mdl.ones(2).device.type == "cpu"


def test_repr_flags_and_strides():
    assert repr(meta(2, 3)) == "tensor(..., device='meta', size=(2, 3))"
    assert repr(meta(0)) == "tensor(..., device='meta', size=(0,))"
    assert repr(meta()) == "tensor(..., device='meta', size=())"
    assert repr(mdl.zeros(2, dtype=mdl.int64, device="meta")) == \
        "tensor(..., device='meta', size=(2,), dtype=minidl.int64)"
    assert repr(meta(2, requires_grad=True)) == "tensor(..., device='meta', size=(2,), requires_grad=True)"
    x = meta(2, 3, 4)
    assert x.stride() == (12, 4, 1) and x.transpose(0, 2).stride() == (1, 4, 12)
    assert x.is_contiguous() and not x.transpose(0, 2).is_contiguous()
    assert x.transpose(0, 2).contiguous().is_contiguous()
    assert x[:, ::2].stride() == (12, 8, 1) and x[0].stride() == (4, 1) and x.unsqueeze(1).shape == (2, 1, 3, 4)
    assert x.is_meta and not x.is_cpu and not x.is_cuda and x.get_device() == -1 and x.data_ptr() == 0
    assert not mdl.ones(1).is_meta and mdl.ones(1).is_cpu
    assert x.numel() == 24 and x.element_size() == 4 and x.dim() == 3


# --- no data ----------------------------------------------------------------------------------
def test_reading_values_raises_pytorchs_errors():
    x = meta(2, 3)
    with pytest.raises(RuntimeError, match="a Tensor with 6 elements cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match=r"Tensor.item\(\) cannot be called on meta tensors"):
        x[0, 0].item()
    with pytest.raises(RuntimeError, match=r"Tensor.item\(\) cannot be called on meta tensors"):
        bool(x[0, 0])
    with pytest.raises(RuntimeError, match=r"Tensor.item\(\) cannot be called on meta tensors"):
        float(x[0, 0])
    with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor; no data!"):
        x.tolist()
    with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor; no data!"):
        x.to("cpu")
    with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor; no data!"):
        x.cpu()
    with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor; no data!"):
        mdl.ones(2, 3).copy_(x)
    with pytest.raises(TypeError, match="can't convert meta device type tensor to numpy"):
        x.numpy()
    with pytest.raises(NotImplementedError):
        np.asarray(x.array)


def test_mixing_with_cpu_tensors():
    x = meta(2, 3)
    with pytest.raises(RuntimeError, match="different devices"):
        x + mdl.ones(2, 3)
    with pytest.raises(RuntimeError, match="different devices"):
        mdl.ones(2, 3) + x
    check(x + mdl.tensor(1.0), (2, 3))   # a 0-d CPU tensor acts as a scalar, as in PyTorch
    check(x * 2 + 1, (2, 3))
    y = meta(3)
    y.copy_(mdl.ones(3))   # a copy into a meta tensor is a no-op
    check(y, (3,))


def test_data_dependent_ops_raise():
    with pytest.raises(NotImplementedError):
        mdl.nonzero(meta(3))
    with pytest.raises(NotImplementedError):
        meta(3)[meta(3) > 0]


# --- shapes and dtypes through ops -------------------------------------------------------------
def test_elementwise_and_promotion():
    x, i = meta(4, 1, 3), mdl.zeros(5, 1, dtype=mdl.int32, device="meta")
    check(x + i, (4, 5, 3))
    check(i + 1.5, (5, 1))
    check(i + 1, (5, 1), mdl.int32)
    check(i / 2, (5, 1))
    check(x > 0, (4, 1, 3), mdl.bool)
    check(x.exp().sin().sigmoid().tanh(), (4, 1, 3))
    check(mdl.where(x > 0, x, 0.0), (4, 1, 3))
    check(x.double(), (4, 1, 3), mdl.float64)
    check(x.half() * x.half(), (4, 1, 3), mdl.float16)
    check(mdl.clamp(x, 0, 1), (4, 1, 3))


def test_matmul_shapes():
    check(meta(3, 4) @ meta(4, 5), (3, 5))
    check(mdl.matmul(meta(2, 1, 3, 4), meta(5, 4, 6)), (2, 5, 3, 6))
    check(meta(4) @ meta(4, 5), (5,))
    check(meta(3, 4) @ meta(4), (3,))
    check(meta(4) @ meta(4), ())
    check(mdl.einsum("ij,jk->ik", meta(3, 4), meta(4, 5)), (3, 5))
    check(mdl.bmm(meta(2, 3, 4), meta(2, 4, 5)), (2, 3, 5))
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):   # the CPU's error
        meta(3, 4) @ meta(5, 6)


def test_reductions():
    x = meta(5, 7)
    check(x.sum(), ())
    check(x.mean(0, keepdim=True), (1, 7))
    values, indices = x.max(1)
    check(values, (5,))
    check(indices, (5,), mdl.int64)
    check(x.argmax(0), (7,), mdl.int64)
    check(x.std(0), (7,))
    check(x.var(), ())
    check(x.logsumexp(1), (5,))
    check(x.softmax(-1), (5, 7))
    check(x.cumsum(1), (5, 7))
    check(x.norm(), ())
    check(x.all(), (), mdl.bool)
    check(mdl.zeros(5, dtype=mdl.int32, device="meta").sum(), (), mdl.int64)


def test_shape_ops_and_indexing():
    x = meta(5, 7)
    check(x.reshape(-1), (35,))
    check(x.view(7, 5), (7, 5))
    check(x.T, (7, 5))
    check(x.permute(1, 0), (7, 5))
    check(x.unsqueeze(0).expand(3, -1, -1), (3, 5, 7))
    check(x[1:3], (2, 7))
    check(x[:, [0, 2]], (5, 2))
    check(x[mdl.zeros(2, dtype=mdl.long, device="meta")], (2, 7))
    check(x[None, ..., 0], (1, 5))
    check(mdl.cat([x, x]), (10, 7))
    check(mdl.cat([x, x], dim=1), (5, 14))
    check(mdl.stack([x, x], 1), (5, 2, 7))
    check(x.flatten(), (35,))
    check(x.split(3)[1], (2, 7))
    check(x.chunk(2, 1)[0], (5, 4))
    check(x.flip(0), (5, 7))
    check(x.gather(1, mdl.zeros(5, 2, dtype=mdl.long, device="meta")), (5, 2))
    check(F.pad(x, (1, 2)), (5, 10))
    check(x.clone(), (5, 7))
    check(x.contiguous(), (5, 7))
    check(x.detach(), (5, 7))
    with pytest.raises(RuntimeError, match=r"shape '\[6, 6\]' is invalid for input of size 35"):
        x.view(6, 6)


def test_nn_functional_shapes():
    img = meta(2, 3, 16, 16)
    check(F.conv2d(img, meta(8, 3, 3, 3), padding=1), (2, 8, 16, 16))
    check(F.max_pool2d(img, 2), (2, 3, 8, 8))
    check(F.avg_pool2d(img, 2), (2, 3, 8, 8))
    check(F.adaptive_avg_pool2d(img, 1), (2, 3, 1, 1))
    check(F.interpolate(img, scale_factor=2), (2, 3, 32, 32))
    check(F.relu(img), (2, 3, 16, 16))
    check(F.gelu(img), (2, 3, 16, 16))
    check(F.dropout(img, 0.5), (2, 3, 16, 16))
    check(F.layer_norm(img, (16,)), (2, 3, 16, 16))
    check(F.linear(meta(4, 5), meta(6, 5), meta(6)), (4, 6))
    check(F.cross_entropy(meta(4, 10), mdl.zeros(4, dtype=mdl.long, device="meta")), ())
    check(F.mse_loss(meta(4, 10), meta(4, 10)), ())
    check(F.scaled_dot_product_attention(meta(2, 4, 8), meta(2, 4, 8), meta(2, 4, 8)), (2, 4, 8))


def test_modules_forward_on_meta():
    with mdl.device("meta"):
        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 14 * 14, 10))
        emb = nn.Embedding(10, 4)
        lstm = nn.LSTM(4, 5, batch_first=True)
        layer = nn.TransformerEncoderLayer(32, 4, 64, batch_first=True)
    check(net(meta(2, 3, 16, 16)), (2, 10))
    check(net[1].running_mean, (8,))
    check(emb(mdl.zeros(3, dtype=mdl.long, device="meta")), (3, 4))
    check(lstm(meta(2, 3, 4))[0], (2, 3, 5))
    check(layer(meta(2, 6, 32)), (2, 6, 32))


def test_autograd_gives_meta_gradients():
    x = meta(3, 4, requires_grad=True)
    w = mdl.randn(4, 5, device="meta", requires_grad=True)
    loss = (x @ w).relu().sum()
    assert repr(loss) == "tensor(..., device='meta', size=(), grad_fn=<SumBackward0>)"
    loss.backward()
    check(x.grad, (3, 4))
    check(w.grad, (4, 5))
    (g,) = mdl.autograd.grad((x * x).mean(), [x])
    check(g, (3, 4))


def test_conv_gradients_on_meta():
    x, w = meta(1, 2, 5, 5, requires_grad=True), meta(3, 2, 3, 3, requires_grad=True)
    F.conv2d(x, w).sum().backward()
    check(x.grad, (1, 2, 5, 5))
    check(w.grad, (3, 2, 3, 3))


# --- no memory proportional to the size ----------------------------------------------------------
def test_huge_meta_tensor_uses_no_memory():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    x = mdl.empty(10 ** 6, 10 ** 6, device="meta", requires_grad=True)   # 4 TB as float32 data
    assert x.numel() == 10 ** 12 and x.array.nbytes == 4 * 10 ** 12
    y = (x * 2 + 1).exp()
    check(y.sum(1, keepdim=True), (10 ** 6, 1))
    check(y.reshape(-1), (10 ** 12,))
    check(y.T, (10 ** 6, 10 ** 6))
    check(y[::2], (5 * 10 ** 5, 10 ** 6))
    check(x @ x, (10 ** 6, 10 ** 6))
    check(mdl.cat([x, x]), (2 * 10 ** 6, 10 ** 6))
    check(mdl.rand(10 ** 6, 10 ** 6, device="meta"), (10 ** 6, 10 ** 6))
    for fill in ("uniform_", "normal_", "zero_", "bernoulli_", "exponential_", "random_"):
        getattr(x.detach(), fill)()
    for init in (nn.init.kaiming_uniform_, nn.init.xavier_normal_, nn.init.trunc_normal_, nn.init.zeros_):
        assert init(x) is x
    y.mean().backward()
    check(x.grad, (10 ** 6, 10 ** 6))
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 200_000, f"meta ops grew the peak memory by {grown_kb} KB"


def test_probe_limit_names_the_function():
    x = meta(PROBE_LIMIT + 1)
    with pytest.raises(NotImplementedError, match="no shape rule for numpy.sort"):
        np.sort(x.array)


def test_meta_array_basics():
    a = MetaArray((2, 3), np.float32)
    assert a.strides == (12, 4) and a.nbytes == 24 and a.size == 6 and a.ndim == 2
    assert a.reshape(3, -1).shape == (3, 2) and a.astype(np.int8).dtype == np.int8
    assert a.view(np.uint8).shape == (2, 12)
    a[0] = 1.0   # writes are no-ops after the shape check
    with pytest.raises(ValueError):
        a[0] = np.ones(4)
    with pytest.raises(ValueError, match="negative dimensions"):
        MetaArray((-1,), np.float32)


# --- modules: to('meta'), to_empty, load_state_dict(assign=True) --------------------------------------
def test_module_to_meta_and_back():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model.to("meta")
    assert all(p.is_meta for p in model.parameters()) and all(b.is_meta for b in model.buffers())
    assert repr(model[0].weight) == "Parameter containing:\ntensor(..., device='meta', size=(4, 3), requires_grad=True)"
    with pytest.raises(NotImplementedError, match=r"Please use torch.nn.Module.to_empty\(\)"):
        model.to("cpu")
    model.to_empty(device="cpu")
    assert all(p.device.type == "cpu" and p.shape == p.shape for p in model.parameters())
    check_cpu = model[0].weight
    assert check_cpu.shape == (4, 3) and check_cpu.dtype == mdl.float32 and not check_cpu.is_meta
    assert model(mdl.randn(5, 3)).shape == (5, 4)


def test_to_empty_without_recurse():
    model = nn.Sequential(nn.Linear(3, 4))
    model.to("meta")
    model.to_empty(device="cpu", recurse=False)   # the Sequential holds no tensors itself
    assert model[0].weight.is_meta
    model[0].to_empty(device="cpu", recurse=False)
    assert not model[0].weight.is_meta


def test_load_state_dict_assign_into_meta_module():
    source = nn.Linear(3, 4)
    with mdl.device("meta"):
        target = nn.Linear(3, 4)
    assert target.weight.is_meta
    with pytest.warns(UserWarning, match="copying from a non-meta parameter in the checkpoint to a meta parameter"):
        target.load_state_dict(source.state_dict())
    assert target.weight.is_meta    # a copy into meta is a no-op, as in PyTorch
    target.load_state_dict(source.state_dict(), assign=True)
    assert not target.weight.is_meta and target.weight.requires_grad
    assert isinstance(target.weight, nn.Parameter)
    np.testing.assert_array_equal(target.weight.detach().numpy(), source.weight.detach().numpy())
    x = mdl.randn(2, 3)
    np.testing.assert_allclose(target(x).detach().numpy(), source(x).detach().numpy())


def test_deepcopy_and_functional_call_on_meta_base():
    model = nn.Linear(3, 2)
    base = copy.deepcopy(model).to("meta")
    assert base.weight.is_meta and not model.weight.is_meta
    params = {k: v.detach() for k, v in model.named_parameters()}
    x = mdl.randn(4, 3)
    out = mdl.func.functional_call(base, params, (x,))
    np.testing.assert_allclose(out.detach().numpy(), model(x).detach().numpy(), rtol=1e-6)


def test_layer_built_with_device_meta_keyword():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = nn.Conv2d(3, 8, 3, device="meta")
    check(layer.weight, (8, 3, 3, 3))
    check(layer(meta(1, 3, 5, 5)), (1, 8, 3, 3))


def test_copy_pickle_and_optimizer_step_on_meta_parameters():
    import pickle
    model = nn.Linear(3, 4).to("meta")
    clone = copy.deepcopy(model)
    check(clone.weight, (4, 3))
    check(pickle.loads(pickle.dumps(model.weight)), (4, 3))
    model(meta(2, 3)).sum().backward()
    for optimizer in (mdl.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), mdl.optim.Adam(model.parameters())):
        optimizer.step()
        check(model.weight, (4, 3))
        assert all(v.is_meta for state in optimizer.state.values() for v in state.values()
                   if isinstance(v, mdl.Tensor) and v.ndim)


def test_big_model_built_inside_meta_context_takes_no_memory():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with mdl.device("meta"):   # 2 x 1.6 GB of float32 weights and a 1.6 GB embedding if they were real
        model = nn.Sequential(nn.Linear(20000, 20000), nn.Linear(20000, 20000), nn.Embedding(100000, 4000))
    assert all(p.is_meta for p in model.parameters())
    check(model[1](model[0](meta(8, 20000))), (8, 20000))
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 200_000, f"building on meta grew the peak memory by {grown_kb} KB"


def test_parameter_of_a_tensor_made_outside_the_context_stays_put():
    weights = mdl.ones(3)
    with mdl.device("meta"):
        param = nn.Parameter(weights)
    assert not param.is_meta and param.device.type == "cpu"


def test_storage_queries():
    x = meta(2, 3)
    assert x.data_ptr() == 0 and x.storage_offset() == 0 and x.nbytes == 24 and x.element_size() == 4
    assert x.untyped_storage().nbytes() == 24
    with pytest.raises(AttributeError):
        x.array.flat   # ndarray attributes that are not methods are not faked


def test_empty_strided_and_skip_init():
    x = mdl.empty_strided((2, 3), (1, 2), device="meta")
    assert x.is_meta and x.stride() == (1, 2) and not x.is_contiguous()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    layer = nn.utils.skip_init(nn.Linear, 3000, 3000)   # PyTorch's: built on meta, then to_empty
    assert layer.weight.device.type == "cpu" and layer.weight.shape == (3000, 3000) and layer.weight.requires_grad
    assert isinstance(layer.weight, nn.Parameter)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000


def test_meta_repr_wraps_suffixes_at_the_line_width_as_pytorch():
    """torch 2.13 prints ``tensor(..., device='meta', size=(1024, 5, 65535, 65535),\\n       grad_fn=<...>)``:
    a suffix that would pass 80 columns starts a new line indented under ``tensor(``."""
    conv = mdl.nn.Conv2d(3, 5, 2, device="meta")
    out = conv(mdl.rand(2**10, 3, 2**16, 2**16, device="meta"))
    assert repr(out) == ("tensor(..., device='meta', size=(1024, 5, 65535, 65535),\n"
                         "       grad_fn=<ConvolutionBackward0>)")
    assert repr(mdl.rand(2, 3, device="meta")) == "tensor(..., device='meta', size=(2, 3))"
