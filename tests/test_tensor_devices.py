"""minidl.cuda, minidl.accelerator, minidl.backends and device objects, as PyTorch answers them."""
import pytest

import minidl as mdl


def test_queries_answer_without_raising():
    assert isinstance(mdl.cuda.is_available(), bool)
    assert mdl.cuda.is_available() == mdl.gpu_available()
    assert mdl.cuda.device_count() == (1 if mdl.gpu_available() else 0) or mdl.cuda.device_count() > 1
    assert mdl.accelerator.is_available() == mdl.gpu_available()
    assert mdl.backends.mps.is_available() is False and mdl.backends.mps.is_built() is False
    mdl.cuda.synchronize()
    mdl.cuda.empty_cache()
    mdl.cuda.manual_seed(0)
    mdl.cuda.manual_seed_all(0)


def test_cudnn_flags_are_settable_attributes():
    assert mdl.backends.cudnn.enabled is True
    old = mdl.backends.cudnn.benchmark, mdl.backends.cudnn.deterministic
    mdl.backends.cudnn.benchmark = True
    mdl.backends.cudnn.deterministic = True
    assert mdl.backends.cudnn.benchmark and mdl.backends.cudnn.deterministic
    mdl.backends.cudnn.benchmark, mdl.backends.cudnn.deterministic = old


def test_the_usual_device_line():
    device = mdl.device("cuda" if mdl.cuda.is_available() else "cpu")
    x = mdl.ones(2).to(device)
    assert x.device == device and x.device.type == ("cuda" if mdl.cuda.is_available() else "cpu")
    assert str(mdl.device("cpu")) == "cpu" and repr(mdl.device("cpu")) == "device(type='cpu')"


@pytest.mark.skipif(mdl.gpu_available(), reason="checks the answers of a machine without a GPU")
def test_without_a_gpu():
    assert mdl.cuda.is_available() is False and mdl.cuda.device_count() == 0
    assert mdl.accelerator.current_accelerator() is None
    assert mdl.backends.cudnn.is_available() is False
    with pytest.raises(mdl.DeviceError, match="no GPU is usable"):
        mdl.ones(2).cuda()
    with pytest.raises(mdl.DeviceError, match="no GPU is usable"):
        mdl.ones(2).to("cuda")
    with pytest.raises(mdl.DeviceError, match="no GPU is usable"):
        mdl.cuda.current_device()
    assert not mdl.ones(2).is_cuda


@pytest.mark.gpu
def test_with_a_gpu():
    assert mdl.cuda.device_count() >= 1 and isinstance(mdl.cuda.get_device_name(0), str)
    assert mdl.accelerator.current_accelerator() == mdl.device("cuda")
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = x.cuda()
    assert y.is_cuda and y.device.type == "cuda" and str(y.device) == "cuda"
    (y * y).sum().backward()                       # the move is differentiable
    assert not x.grad.is_cuda and x.grad.tolist() == [2.0, 4.0]
    z = mdl.zeros(2, 3, device="cuda")
    assert z.is_cuda and z.cpu().device.type == "cpu" and z.to(mdl.ones(1)).device.type == "cpu"
    assert mdl.tensor([1, 2], device="cuda")[mdl.tensor(1, device="cuda")].item() == 2
    m = mdl.tensor([[1.0, 5.0], [3.0, 2.0]], device="cuda").max(1)
    assert m.indices.tolist() == [1, 0] and m.values.is_cuda
