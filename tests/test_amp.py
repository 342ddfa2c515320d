"""minidl.amp / minidl.autocast / minidl.cuda.amp: GradScaler's real loss scaling and autocast's documented no-op.

The GradScaler sequences (scale after skipped and clean steps, state_dict keys, error texts) were
checked against torch.amp.GradScaler('cpu') 2.13 on the same loops; the test needs only minidl.
"""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.amp.autocast_mode as autocast_mode
import minidl.nn as nn
from minidl.amp import GradScaler


def _model_and_data(seed=0):
    mdl.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
    x, y = mdl.randn(11, 5), mdl.randint(0, 3, (11,))
    return model, x, y


def test_scaled_training_matches_unscaled_training():
    """Scales are powers of two, so scaling and unscaling are exact: the same parameters come out."""
    plain, x, y = _model_and_data()
    scaled, _, _ = _model_and_data()
    opt_plain = mdl.optim.SGD(plain.parameters(), lr=0.1, momentum=0.9)
    opt_scaled = mdl.optim.SGD(scaled.parameters(), lr=0.1, momentum=0.9)
    scaler = GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=3)
    for _ in range(7):
        opt_plain.zero_grad()
        nn.functional.cross_entropy(plain(x), y).backward()
        opt_plain.step()
        opt_scaled.zero_grad()
        loss = nn.functional.cross_entropy(scaled(x), y)
        scaled_loss = scaler.scale(loss)
        assert float(scaled_loss) == pytest.approx(float(loss) * scaler.get_scale(), rel=1e-6)
        scaled_loss.backward()
        scaler.step(opt_scaled)
        scaler.update()
    for a, b in zip(plain.parameters(), scaled.parameters()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    assert scaler.get_scale() == 2.0 ** 12     # grew twice: after steps 3 and 6
    assert scaler.state_dict() == {"scale": 4096.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                   "growth_interval": 3, "_growth_tracker": 1}


def test_inf_gradient_skips_the_step_and_backs_off():
    w = nn.Parameter(mdl.ones(2))
    opt = mdl.optim.SGD([w], lr=0.1)
    scaler = GradScaler("cpu", init_scale=4.0, growth_interval=1)
    assert float(scaler.scale(mdl.tensor(2.0))) == 8.0
    scaler.scale((w * 3).sum()).backward()
    assert scaler.step(opt) is None
    scaler.update()
    assert w.grad.tolist() == [3.0, 3.0] and w.tolist() == pytest.approx([0.7, 0.7])
    assert scaler.get_scale() == 8.0
    opt.zero_grad()
    scaler.scale((w * float("inf")).sum()).backward()
    scaler.step(opt)
    scaler.update()
    assert w.tolist() == pytest.approx([0.7, 0.7])        # skipped
    assert scaler.get_scale() == 4.0 and scaler._get_growth_tracker() == 0
    opt.zero_grad()
    scaler.scale((w * float("nan")).sum()).backward()
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 2.0
    scaler.update(3.0)
    assert scaler.get_scale() == 3.0
    scaler.update(mdl.tensor(5.0))
    assert scaler.get_scale() == 5.0


def test_unscale_before_clipping_and_stage_errors():
    w = nn.Parameter(mdl.tensor([3.0, 4.0]))
    opt = mdl.optim.SGD([w], lr=1.0)
    scaler = GradScaler("cpu", init_scale=8.0)
    scaler.scale((w * w).sum() / 2).backward()
    assert w.grad.tolist() == [24.0, 32.0]
    scaler.unscale_(opt)
    assert w.grad.tolist() == [3.0, 4.0]
    nn.utils.clip_grad_norm_([w], 1.0)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)                                      # does not unscale twice
    np.testing.assert_allclose(w.numpy(), [3.0 - 0.6, 4.0 - 0.8], rtol=1e-5)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step\\(\\)"):
        scaler.unscale_(opt)
    scaler.update()
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update"):
        scaler.update()


def test_scaler_errors():
    w = nn.Parameter(mdl.ones(2))
    opt = mdl.optim.SGD([w], lr=0.1)
    with pytest.raises(AssertionError, match="Attempted step but _scale is None"):
        GradScaler("cpu").step(opt)
    with pytest.raises(AssertionError, match="The growth factor must be > 1.0."):
        GradScaler("cpu", growth_factor=0.5)
    with pytest.raises(AssertionError, match="The backoff factor must be < 1.0."):
        GradScaler("cpu", backoff_factor=1.5)
    scaler = GradScaler("cpu")
    scaler.scale(mdl.tensor(1.0))
    with pytest.raises(AssertionError, match="No inf checks were recorded for this optimizer"):
        scaler.step(opt)                                  # no gradients at all
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: 0.0)
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale(3.0)
    w16 = nn.Parameter(mdl.ones(2, dtype=mdl.float16))
    w16.grad = mdl.ones(2, dtype=mdl.float16)
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients."):
        scaler.unscale_(mdl.optim.SGD([w16], lr=0.1))


def test_scale_nested_outputs():
    scaler = GradScaler("cpu", init_scale=3.0)
    first, (second,) = scaler.scale([mdl.tensor(1.0), (mdl.tensor(2.0),)])
    assert float(first) == 3.0 and float(second) == 6.0


def test_disabled_scaler_passes_through():
    w = nn.Parameter(mdl.ones(2))
    opt = mdl.optim.SGD([w], lr=0.5)
    scaler = GradScaler("cpu", enabled=False)
    loss = (w * 2).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    assert w.tolist() == [0.0, 0.0]
    assert (scaler.get_scale(), scaler.state_dict(), scaler.is_enabled()) == (1.0, {}, False)


def test_state_dict_round_trip_and_pickle():
    scaler = GradScaler("cpu", init_scale=16.0, growth_interval=5)
    w = nn.Parameter(mdl.ones(1))
    opt = mdl.optim.SGD([w], lr=0.1)
    scaler.scale(w.sum()).backward()
    scaler.step(opt)
    scaler.update()
    other = GradScaler("cpu")
    other.load_state_dict(scaler.state_dict())
    assert other.state_dict() == scaler.state_dict() == {"scale": 16.0, "growth_factor": 2.0,
                                                         "backoff_factor": 0.5, "growth_interval": 5,
                                                         "_growth_tracker": 1}
    restored = pickle.loads(pickle.dumps(scaler))
    assert restored.state_dict() == scaler.state_dict()
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        GradScaler("cpu").load_state_dict({})


@pytest.mark.skipif(mdl.cuda.is_available(), reason="checks the no-GPU fallback")
def test_cuda_scaler_without_gpu_warns_and_disables():
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        scaler = GradScaler()
    assert not scaler.is_enabled()
    with pytest.warns(FutureWarning, match="minidl.cuda.amp.GradScaler\\(args...\\)` is deprecated"):
        old = mdl.cuda.amp.GradScaler(enabled=False)
    assert not old.is_enabled()


def test_autocast_lowers_as_pytorch_and_warns_once_for_an_unsupported_dtype(monkeypatch):
    # torch 2.13 CPU: linear/matmul/conv give the region's dtype (bfloat16 by default), losses float32,
    # float64 inputs are left alone, is_autocast_enabled() without argument asks about 'cuda'
    monkeypatch.setattr(autocast_mode, "_warned", set())
    x = mdl.randn(3, 4)
    layer = nn.Linear(4, 2)
    expected = layer(x)
    with mdl.autocast("cpu", dtype=mdl.float16) as region:
        out = layer(x)
        assert not mdl.is_autocast_enabled() and mdl.is_autocast_enabled("cpu")
        assert mdl.get_autocast_dtype("cpu") == mdl.float16
    assert isinstance(region, mdl.amp.autocast) and mdl.autocast is mdl.amp.autocast
    assert out.dtype == mdl.float16 and not mdl.is_autocast_enabled("cpu")
    np.testing.assert_allclose(out.detach().float().numpy(), expected.detach().numpy(), rtol=1e-2, atol=1e-2)
    with mdl.autocast("cpu"):
        y = layer(x)
        assert y.dtype == mdl.bfloat16 and (y.relu() * 2).dtype == mdl.bfloat16
        assert nn.functional.mse_loss(y, mdl.zeros(3, 2)).dtype == mdl.float32
        assert nn.functional.cross_entropy(y, mdl.tensor([0, 1, 1])).dtype == mdl.float32
        assert (x.double() @ x.double().T).dtype == mdl.float64
        with mdl.autocast("cpu", enabled=False):
            assert layer(x).dtype == mdl.float32
        assert layer(x).dtype == mdl.bfloat16
    loss = layer(x).sum()
    with mdl.autocast("cpu"):
        loss = layer(x).float().sum()
    loss.backward()
    assert layer.weight.grad.dtype == mdl.float32     # the casts are recorded: float32 gradients
    with pytest.warns(UserWarning, match="target dtype is not supported. Disabling autocast"):
        with mdl.autocast("cpu", dtype=mdl.float32):
            assert layer(x).dtype == mdl.float32 and not mdl.is_autocast_enabled("cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # the second warning is not repeated
        with mdl.autocast("cpu", dtype=mdl.float64):
            pass
        with mdl.autocast("cuda", enabled=False):
            pass


def test_custom_fwd_casts_inputs_and_switches_the_region_off():
    seen = []

    @mdl.amp.custom_fwd(device_type="cpu", cast_inputs=mdl.float32)
    def forward(a):
        seen.append((a.dtype, mdl.is_autocast_enabled("cpu")))
        return a @ a.T

    with mdl.autocast("cpu"):
        out = forward(mdl.ones(2, 2, dtype=mdl.bfloat16))
    assert seen == [(mdl.float32, False)] and out.dtype == mdl.float32
    assert forward(mdl.ones(1, 1, dtype=mdl.bfloat16)).dtype == mdl.bfloat16   # outside a region: as given


def test_autocast_as_decorator_and_cuda_spellings(monkeypatch):
    monkeypatch.setattr(autocast_mode, "_warned", {"cpu", "cuda"})

    @mdl.autocast("cpu")
    def double(t):
        return t * 2

    assert double(mdl.ones(2)).tolist() == [2.0, 2.0] and double.__name__ == "double"
    with pytest.warns(FutureWarning, match="minidl.cuda.amp.autocast\\(args...\\)` is deprecated"):
        with mdl.cuda.amp.autocast():
            pass
    assert mdl.amp.custom_fwd(device_type="cuda")(double) is double   # no cast_inputs: the function itself
    assert mdl.cuda.amp.custom_fwd(double) is double and mdl.cuda.amp.custom_bwd(double) is double
    from minidl.cuda.amp import GradScaler as OldScaler  # the import scripts use
    from minidl.cuda.amp import autocast as old_autocast
    assert issubclass(OldScaler, GradScaler) and issubclass(old_autocast, mdl.amp.autocast)


def test_autocast_bad_device_type():
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        mdl.autocast(3)
    with pytest.raises(RuntimeError, match="device_type must be one of cpu, cuda"):
        mdl.autocast("xyz")


def test_cpu_amp_spellings(monkeypatch):
    monkeypatch.setattr(autocast_mode, "_warned", {"cpu"})
    assert (mdl.cpu.is_available(), mdl.cpu.device_count(), mdl.cpu.current_device()) == (True, 1, "cpu")
    with pytest.warns(FutureWarning, match="minidl.cpu.amp.autocast\\(args...\\)` is deprecated"):
        with mdl.cpu.amp.autocast():
            assert (mdl.ones(2) @ mdl.ones(2)).dtype == mdl.bfloat16     # PyTorch's CPU default
    with pytest.warns(FutureWarning, match="minidl.cpu.amp.GradScaler\\(args...\\)` is deprecated"):
        scaler = mdl.cpu.amp.GradScaler(init_scale=8.0)
    assert scaler.is_enabled() and scaler.get_scale() == 8.0         # the CPU scaler really scales
    from minidl.cpu.amp import autocast
    assert issubclass(autocast, mdl.amp.autocast)
