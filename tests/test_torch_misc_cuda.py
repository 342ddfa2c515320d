"""minidl.cuda's memory/device/stream/event/random functions and minidl.backends' flags, against what a
CPU-only torch 2.13 answers (tests/fixtures/torch_misc.json, written by tests/fixtures/make_torch_misc.py):
the same calls return the same values or raise the same error type. The GPU paths run under the ``gpu``
marker only.
"""
from __future__ import annotations

import builtins
import json
import pathlib
import warnings

import pytest

import minidl as mdl

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "torch_misc.json").read_text())
RESULTS = FIXTURE["results"]
T = mdl
NO_GPU = not mdl.gpu_available()


@pytest.mark.skipif(not NO_GPU, reason="the fixture records a machine without a GPU")
@pytest.mark.parametrize("expr", FIXTURE["cuda"])
def test_cuda_without_a_gpu_answers_as_cpu_torch(expr):
    expected = RESULTS["cuda." + expr]
    if "err" in expected:
        with pytest.raises(getattr(builtins, expected["err"])) as info:
            eval("T.cuda." + expr)
        assert "no GPU is usable" in str(info.value)
        assert isinstance(info.value, mdl.DeviceError)
        return
    got, want = eval("T.cuda." + expr), expected["ok"]
    if isinstance(want, dict):   # memory_stats(): an (empty) OrderedDict
        assert isinstance(got, dict) and dict(got) == want
    else:
        assert got == want and type(got) is type(want)


@pytest.mark.skipif(not NO_GPU, reason="the fixture records a machine without a GPU")
@pytest.mark.parametrize("expr", FIXTURE["backends"])
def test_backend_flags_as_cpu_torch(expr):
    assert eval("T.backends." + expr) == RESULTS["backends." + expr]["ok"]


def test_allow_tf32_is_the_matmul_precision():
    flags = mdl.backends.cuda.matmul
    try:
        flags.allow_tf32 = True
        assert mdl.get_float32_matmul_precision() == "high" and flags.allow_tf32 is True
        flags.allow_tf32 = False
        assert mdl.get_float32_matmul_precision() == "highest" and flags.allow_tf32 is False
        mdl.set_float32_matmul_precision("medium")
        assert flags.allow_tf32 is True
    finally:
        mdl.set_float32_matmul_precision("highest")
    with pytest.raises(AttributeError, match="Unknown attribute foo"):
        flags.foo
    with pytest.raises(AttributeError, match="Unknown attribute foo"):
        flags.foo = 1
    flags.allow_fp16_reduced_precision_reduction = False
    assert flags.allow_fp16_reduced_precision_reduction is False
    flags.allow_fp16_reduced_precision_reduction = True


def test_sdp_switches_and_cpu_answers():
    mdl.backends.cuda.enable_flash_sdp(False)
    assert mdl.backends.cuda.flash_sdp_enabled() is False
    mdl.backends.cuda.enable_flash_sdp(True)
    assert mdl.backends.cpu.get_cpu_capability() in ("AVX512", "AVX2", "DEFAULT")
    assert isinstance(mdl.backends.openmp.is_available(), bool)
    assert mdl.backends.mkldnn.is_available() is False
    assert isinstance(mdl.backends.mkl.is_available(), bool)


def test_amp_spellings_disable_themselves_without_a_gpu():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scaler = mdl.cuda.amp.GradScaler()
        with mdl.cuda.amp.autocast():
            pass
    assert scaler.is_enabled() is (not NO_GPU)
    with mdl.cuda.stream(None):
        pass


@pytest.mark.skipif(not NO_GPU, reason="checks the no-GPU answers")
def test_no_gpu_error_is_both_runtime_and_assertion_error():
    with pytest.raises(RuntimeError):
        mdl.cuda.Event(enable_timing=True)
    with pytest.raises(AssertionError):
        mdl.cuda.synchronize()
    mdl.cuda.reset_peak_memory_stats()
    assert mdl.cuda.max_memory_allocated() == 0


@pytest.mark.gpu
def test_gpu_memory_events_streams_and_properties():
    mdl.cuda.reset_peak_memory_stats()
    before = mdl.cuda.memory_allocated()
    x = mdl.zeros(1024, 1024, device="cuda")
    assert mdl.cuda.memory_allocated() >= before + 4 * 1024 * 1024
    assert mdl.cuda.max_memory_allocated() >= mdl.cuda.memory_allocated()
    assert mdl.cuda.memory_reserved() >= mdl.cuda.memory_allocated()
    del x
    free, total = mdl.cuda.mem_get_info()
    assert 0 < free <= total
    props = mdl.cuda.get_device_properties(0)
    assert props.total_memory == total and props.name == mdl.cuda.get_device_name(0)
    assert mdl.cuda.get_device_capability() == (props.major, props.minor)
    start, end = mdl.cuda.Event(enable_timing=True), mdl.cuda.Event(enable_timing=True)
    start.record()
    y = mdl.ones(512, 512, device="cuda") @ mdl.ones(512, 512, device="cuda")
    end.record()
    end.synchronize()
    assert start.elapsed_time(end) >= 0.0 and end.query()
    side = mdl.cuda.Stream()
    with mdl.cuda.stream(side):
        z = y * 2
    mdl.cuda.current_stream().wait_stream(side)
    mdl.cuda.synchronize()
    assert float(z[0, 0].item()) == 1024.0
    state = mdl.cuda.get_rng_state()
    a = mdl.rand(3, device="cuda")
    mdl.cuda.set_rng_state(state)
    assert mdl.equal(a, mdl.rand(3, device="cuda"))
    assert isinstance(mdl.cuda.initial_seed(), int)
