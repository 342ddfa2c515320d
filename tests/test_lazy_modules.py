"""The lazy modules (nn.LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*) and
nn.UninitializedParameter / UninitializedBuffer, with PyTorch's semantics: sizes inferred at the first
call, then the module becomes its regular class; parameters(), state_dict() and optimisers before that
call; loading a state dict into a module not run yet."""
import copy
import math
import pickle

import numpy as np
import pytest

import minidl as torch
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.autograd import gradcheck, gradgradcheck


def test_uninitialized_parameter_semantics():
    p = nn.UninitializedParameter()
    assert repr(p) == "<UninitializedParameter>"
    assert isinstance(p, nn.Parameter) and p.requires_grad and p.dtype == torch.float32 and p.is_leaf
    assert nn.parameter.is_lazy(p) and not nn.parameter.is_lazy(nn.Parameter(torch.ones(2)))
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        p.shape
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        p + 1
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        p.numel()
    assert p.size() == (0,)
    p.materialize((2, 3), dtype=torch.float64)
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == torch.float64
    b = nn.UninitializedBuffer()
    assert repr(b) == "<UninitializedBuffer>" and not b.requires_grad
    b.materialize((4,))
    assert type(b) is torch.Tensor and b.shape == (4,)


def test_lazy_linear_infers_in_features_and_becomes_linear():
    torch.manual_seed(0)
    layer = nn.LazyLinear(4)
    assert repr(layer) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    assert [type(p).__name__ for p in layer.parameters()] == ["UninitializedParameter"] * 2
    assert layer.has_uninitialized_params()
    state = layer.state_dict()
    assert list(state) == ["weight", "bias"] and all(nn.parameter.is_lazy(v) for v in state.values())
    x = torch.randn(5, 7, dtype=torch.float32)
    y = layer(x)
    assert type(layer) is nn.Linear and repr(layer) == "Linear(in_features=7, out_features=4, bias=True)"
    assert layer.weight.shape == (4, 7) and type(layer.weight) is nn.Parameter
    bound = 1 / math.sqrt(7)       # kaiming_uniform_(a=sqrt(5)) and the bias uniform: U(-1/sqrt(7), 1/sqrt(7))
    assert float(layer.weight.abs().max()) <= bound and float(layer.bias.abs().max()) <= bound
    np.testing.assert_allclose(y.numpy(), x.numpy() @ layer.weight.numpy().T + layer.bias.numpy(), rtol=1e-5,
                               atol=1e-6)
    assert nn.LazyLinear(3)(torch.randn(2)).shape == (3,)      # 1-D input: in_features = its length
    assert repr(nn.LazyLinear(3, bias=False)) == "LazyLinear(in_features=0, out_features=3, bias=False)"


def test_lazy_linear_keeps_dtype_set_before_the_first_call():
    layer = nn.LazyLinear(3).double()
    assert layer(torch.randn(2, 4, dtype=torch.float64)).dtype == torch.float64
    assert nn.LazyLinear(3, dtype=torch.float64).weight.dtype == torch.float64


@pytest.mark.parametrize("lazy,shape,regular", [
    (lambda: nn.LazyConv1d(4, 3, stride=2), (2, 5, 9), "Conv1d(5, 4, kernel_size=(3,), stride=(2,))"),
    (lambda: nn.LazyConv2d(8, 3, stride=2, padding=1), (1, 5, 7, 7),
     "Conv2d(5, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"),
    (lambda: nn.LazyConv3d(4, 3, groups=2), (1, 6, 4, 4, 4),
     "Conv3d(6, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), groups=2)"),
    (lambda: nn.LazyConvTranspose1d(4, 3), (2, 5, 6), "ConvTranspose1d(5, 4, kernel_size=(3,), stride=(1,))"),
    (lambda: nn.LazyConvTranspose2d(6, 3, stride=2), (1, 4, 3, 3),
     "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2))"),
    (lambda: nn.LazyConvTranspose3d(2, 2, stride=2), (3, 2, 3, 2), "ConvTranspose3d(3, 2, kernel_size=(2, 2, 2), "
                                                                  "stride=(2, 2, 2))"),
])
def test_lazy_convolutions(lazy, shape, regular):
    layer = lazy()
    name = type(layer).__name__
    assert repr(layer).startswith(f"{name}(0, ")
    x = torch.randn(*shape)
    y = layer(x)
    assert repr(layer) == regular and type(layer).__name__ == name.replace("Lazy", "")
    # the same weights in the regular layer's functional form give the same output
    func = {"Conv1d": F.conv1d, "Conv2d": F.conv2d, "Conv3d": F.conv3d}.get(type(layer).__name__)
    if func is not None:
        ref = func(x, layer.weight, layer.bias, layer.stride, layer.padding, layer.dilation, layer.groups)
        np.testing.assert_allclose(y.detach().numpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-6)
    fan_in = layer.weight.shape[1] * math.prod(layer.kernel_size)
    assert float(layer.weight.abs().max()) <= 1 / math.sqrt(fan_in)


def test_lazy_conv_errors():
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        nn.LazyConv2d(4, 3)(torch.randn(2, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(torch.randn(1, 3, 5, 5))


@pytest.mark.parametrize("lazy,shape", [(nn.LazyBatchNorm1d, (4, 3, 5)), (nn.LazyBatchNorm2d, (2, 3, 4, 4)),
                                        (nn.LazyBatchNorm3d, (2, 3, 2, 3, 2))])
def test_lazy_batch_norms(lazy, shape):
    bn = lazy(momentum=0.2)
    name = type(bn).__name__
    assert repr(bn) == f"{name}(0, eps=1e-05, momentum=0.2, affine=True, bias=True, track_running_stats=True)"
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert type(bn.running_mean).__name__ == "UninitializedBuffer" and int(bn.num_batches_tracked.item()) == 0
    x = torch.randn(*shape)
    bn(x)
    assert type(bn).__name__ == name.replace("Lazy", "") and bn.num_features == 3
    assert bn.weight.shape == bn.running_mean.shape == (3,) and int(bn.num_batches_tracked.item()) == 1
    axes = tuple(i for i in range(len(shape)) if i != 1)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.2 * x.numpy().mean(axis=axes), rtol=1e-5, atol=1e-6)
    plain = nn.LazyBatchNorm1d(affine=False, track_running_stats=False)
    assert list(plain.state_dict()) == [] and not plain.has_uninitialized_params()


def test_optimizer_built_before_the_first_call_updates_the_materialised_parameters():
    torch.manual_seed(0)
    model = nn.Sequential(nn.LazyLinear(3), nn.ReLU(), nn.LazyLinear(1))
    opt = optim.SGD(model.parameters(), lr=0.1)
    params = opt.param_groups[0]["params"]
    loss = model(torch.randn(8, 5)).pow(2).mean()
    assert all(p is q for p, q in zip(params, model.parameters()))   # the same objects, now materialised
    before = [p.detach().numpy().copy() for p in model.parameters()]
    loss.backward()
    opt.step()
    for p, old in zip(model.parameters(), before):
        np.testing.assert_allclose(p.detach().numpy(), old - 0.1 * p.grad.numpy(), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        sum(p.numel() for p in nn.LazyLinear(2).parameters())


def test_load_state_dict_into_a_module_not_run_yet():
    src = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(36, 2))
    src(torch.randn(2, 3, 5, 5))     # non-trivial running statistics
    dst = nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.Flatten(), nn.LazyLinear(2))
    assert repr(dst.load_state_dict(src.state_dict())) == "<All keys matched successfully>"
    assert type(dst[0]).__name__ == "LazyConv2d" and dst[0].weight.shape == (4, 3, 3, 3)   # lazy until called
    src.eval()
    dst.eval()
    x = torch.randn(2, 3, 5, 5)
    np.testing.assert_array_equal(dst(x).detach().numpy(), src(x).detach().numpy())
    assert type(dst[0]) is nn.Conv2d and dst[0].in_channels == 3 and dst[3].in_features == 36
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        nn.Linear(3, 4).load_state_dict(nn.LazyLinear(4).state_dict())
    both_lazy = nn.LazyLinear(4)
    assert repr(both_lazy.load_state_dict(nn.LazyLinear(4).state_dict())) == "<All keys matched successfully>"
    assert both_lazy.has_uninitialized_params()


def test_copy_and_pickle_before_the_first_call():
    model = nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d())
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert type(clone[0].weight).__name__ == "UninitializedParameter"
        assert clone(torch.ones(2, 3, 5, 5)).shape == (2, 4, 3, 3)
        assert type(clone[0]) is nn.Conv2d and type(clone[1]) is nn.BatchNorm2d
    assert type(model[0]).__name__ == "LazyConv2d"      # the original is untouched


def test_lazy_layers_grads(rng):
    layer = nn.LazyConv3d(2, (2, 1, 2), dtype=torch.float64)
    x = torch.tensor(rng.standard_normal((1, 2, 2, 3, 3)), dtype=torch.float64, requires_grad=True)
    layer(x)
    assert gradcheck(lambda a, w: F.conv3d(a, w, layer.bias) ** 2, (x, layer.weight))
    assert gradgradcheck(lambda a, w: F.conv3d(a, w, layer.bias) ** 2, (x, layer.weight))


def test_lazy_instance_norms():
    norm = nn.LazyInstanceNorm2d()
    assert repr(norm) == ("LazyInstanceNorm2d(0, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                          "track_running_stats=True)")
    x = torch.arange(96.0).reshape(2, 3, 4, 4).sin()
    y = norm(x)
    assert type(norm) is nn.InstanceNorm2d and norm.num_features == 3 and norm.weight.shape == (3,)
    xs = x.numpy()
    mean, var = xs.mean(axis=(2, 3), keepdims=True), xs.var(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(y.detach().numpy(), (xs - mean) / np.sqrt(var + 1e-5), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(norm.running_mean.numpy(), 0.1 * mean.mean(axis=0).ravel(), rtol=1e-5, atol=1e-7)
    unbatched = nn.LazyInstanceNorm3d()
    unbatched(torch.randn(3, 2, 2, 2))                 # (C, D, H, W): C from the channel dimension
    assert unbatched.num_features == 3


def test_partial_load_keeps_the_loaded_tensor_and_initialises_the_rest():
    layer = nn.LazyLinear(4)
    loaded = torch.ones(4, 3)
    result = layer.load_state_dict({"weight": loaded}, strict=False)
    assert result.missing_keys == ["bias"] and nn.parameter.is_lazy(layer.bias)
    layer(torch.randn(2, 3))
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones((4, 3), dtype=np.float32))
    assert layer.bias.shape == (4,) and float(layer.bias.abs().max()) <= 1 / math.sqrt(3)


def test_distributed_data_parallel_refuses_uninitialized_parameters(monkeypatch):
    import minidl.distributed as dist
    from minidl.distributed import group
    from minidl.nn.parallel import DistributedDataParallel

    def no_mpi():
        raise ImportError("mpi4py blocked by the test")
    monkeypatch.setattr(group, "import_mpi", no_mpi)       # a world-size-1 group without MPI
    for key in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        monkeypatch.delenv(key, raising=False)
    dist.init_process_group("mpi")
    try:
        with pytest.raises(RuntimeError, match="Modules with uninitialized parameters can't be used with "
                                               "`DistributedDataParallel`"):
            DistributedDataParallel(nn.Sequential(nn.LazyLinear(3)))
        model = nn.Sequential(nn.LazyLinear(3))
        model(torch.randn(2, 4))
        assert DistributedDataParallel(model).module is model
    finally:
        dist.destroy_process_group()
