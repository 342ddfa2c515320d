"""minidl.cuda, minidl.accelerator, minidl.backends and device objects, as PyTorch answers them."""
import pickle

import pytest

import minidl as mdl


def test_queries_answer_without_raising():
    assert isinstance(mdl.cuda.is_available(), bool)
    assert mdl.cuda.is_available() == mdl.gpu_available()
    assert mdl.cuda.device_count() == (1 if mdl.gpu_available() else 0) or mdl.cuda.device_count() > 1
    assert mdl.accelerator.is_available() == mdl.gpu_available()
    assert mdl.backends.mps.is_available() is False and mdl.backends.mps.is_built() is False
    if mdl.gpu_available():
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
    assert x.device.type == device.type == ("cuda" if mdl.cuda.is_available() else "cpu")
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
    assert y.is_cuda and y.device == mdl.device("cuda", 0) and str(y.device) == "cuda:0"   # as PyTorch
    assert y.cuda() is y and y.to("cuda") is y and y.to("gpu") is y and y.to(mdl.device("cuda:0")) is y
    (y * y).sum().backward()                       # the move is differentiable
    assert not x.grad.is_cuda and x.grad.tolist() == [2.0, 4.0]
    z = mdl.zeros(2, 3, device="cuda")
    assert z.is_cuda and z.cpu().device.type == "cpu" and z.to(mdl.ones(1)).device.type == "cpu"
    assert mdl.tensor([1, 2], device="cuda")[mdl.tensor(1, device="cuda")].item() == 2
    m = mdl.tensor([[1.0, 5.0], [3.0, 2.0]], device="cuda").max(1)
    assert m.indices.tolist() == [1, 0] and m.values.is_cuda


def test_device_objects_need_no_gpu():
    """Device objects behave as torch.device whether or not a GPU is present (values read from torch 2.13)."""
    cases = [(mdl.device("cuda:0"), "cuda", 0, "cuda:0", "device(type='cuda', index=0)"),
             (mdl.device("cuda", 1), "cuda", 1, "cuda:1", "device(type='cuda', index=1)"),
             (mdl.device("cuda"), "cuda", None, "cuda", "device(type='cuda')"),
             (mdl.device("cpu", 0), "cpu", 0, "cpu:0", "device(type='cpu', index=0)"),
             (mdl.device(type="cuda", index=2), "cuda", 2, "cuda:2", "device(type='cuda', index=2)")]
    for dev, kind, index, text, representation in cases:
        assert (dev.type, dev.index, str(dev), repr(dev)) == (kind, index, text, representation)
        assert mdl.device(dev) == dev and pickle.loads(pickle.dumps(dev)) == dev
    assert mdl.device("cuda:0") == mdl.device("cuda", 0) and hash(mdl.device("cuda:0")) == hash(mdl.device("cuda", 0))
    assert mdl.device("cuda") != mdl.device("cuda:0") and mdl.device("cpu") != mdl.device("cpu:0")
    assert mdl.device("cuda:1") != mdl.device("cuda:0") and mdl.device("cpu") != mdl.device("cuda")
    assert len({mdl.device("cuda"), mdl.device("cuda:0"), mdl.device("cuda", 0)}) == 2
    assert (mdl.device("cpu") == "cpu") is False      # torch.device never equals a string
    assert mdl.device("gpu") == mdl.device("cuda")     # minidl's alias
    for bad, pattern in [("cuda:x", "Invalid device string"), ("cuda:-1", "Invalid device string"),
                         ("tpu", "unknown device 'tpu'")]:
        with pytest.raises(RuntimeError, match=pattern):
            mdl.device(bad)
    with pytest.raises(RuntimeError, match="must not include an index"):
        mdl.device("cuda:0", 1)
    with pytest.raises(RuntimeError, match="must not be negative"):
        mdl.device("cuda", -1)
    x = mdl.ones(2)
    assert x.to("cpu") is x and x.to("cpu:0") is x and x.to(mdl.device("cpu", 0)) is x


@pytest.mark.skipif(mdl.gpu_available(), reason="checks the answers of a machine without a GPU")
def test_without_a_gpu_data_placement_fails_not_device_naming():
    dev = mdl.device("cuda", 1)
    assert mdl.cuda.device_count() == 0 and mdl.cuda.is_available() is False
    attempts = [lambda: mdl.tensor([1.0], device=dev), lambda: mdl.zeros(2, device="cuda:0"),
                lambda: mdl.randn(2, device=mdl.device("cuda")), lambda: mdl.arange(3, device="cuda"),
                lambda: mdl.ones(2).to(dev), lambda: mdl.ones(2).cuda(1), lambda: mdl.nn.Linear(2, 2).to(dev),
                lambda: mdl.nn.Linear(2, 2, device="cuda"), lambda: mdl.full((2,), 1.0, device=dev)]
    for attempt in attempts:
        with pytest.raises(mdl.DeviceError, match=r"^device 'cuda(:[01])?' requested but no GPU is usable: "):
            attempt()
    with pytest.raises(mdl.DeviceError, match="no GPU is usable"):
        mdl.set_default_device(dev)
    assert mdl.get_default_device() == mdl.device("cpu")


def test_device_as_a_context_manager_sets_the_default_device():
    with mdl.device("cpu", 0) as dev:
        assert dev == mdl.device("cpu", 0) and mdl.get_default_device() == dev
        assert mdl.zeros(2).device.type == "cpu"
    assert mdl.get_default_device() == mdl.device("cpu")
    if not mdl.gpu_available():     # entering is fine, as in PyTorch; allocating in the block is not
        with pytest.raises(mdl.DeviceError, match="^device 'cuda' requested but no GPU is usable"):
            with mdl.device("cuda"):
                mdl.zeros(2)
        assert mdl.get_default_device() == mdl.device("cpu")


def test_owns_writable_memory():
    """The autograd engine stores a leaf gradient without a copy only when it owns a writable buffer."""
    import numpy as np

    from minidl.backend import owns_writable_memory
    a = np.zeros(4)
    assert owns_writable_memory(a)
    assert not owns_writable_memory(a[1:])              # a view
    a.flags.writeable = False
    assert not owns_writable_memory(a)

    class DeviceFlags:                                  # CuPy's flags: no ``writeable`` field
        owndata = True

    class DeviceArray:
        flags = DeviceFlags()
    assert owns_writable_memory(DeviceArray())
