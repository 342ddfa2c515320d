"""minidl.jit: script/trace run eagerly with PyTorch's observable surface; save/load round trips."""
import io
import os
import pickle
import stat
import zipfile

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
from minidl import jit


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.drop = nn.Dropout(0.5)
        self.register_buffer("offset", mdl.ones(2))
        self.scale = 2.0

    def forward(self, x):
        return self.drop(self.fc(x)) * self.scale + self.offset

    @jit.export
    def plus_one(self, x):
        return x + 1

    def seen_scripting(self, x):
        return jit.is_scripting()


class Branchy(nn.Module):
    def __init__(self, n=4, m=3):
        super().__init__()
        self.weight = nn.Parameter(mdl.rand(n, m))

    def forward(self, x):
        if x.sum() > 0:
            return self.weight.mv(x)
        return self.weight + x


class UsesUnused(nn.Module):
    def forward(self, x):
        return self.helper(x)

    @jit.unused
    def helper(self, x):
        return x * 2

    @jit.ignore
    def python_only(self):
        return jit.is_scripting()


def add_mul(x, y):
    return (x + y) * 2


def test_script_module_shares_parameters_state_and_modes():
    mdl.manual_seed(0)
    net = Net()
    sm = jit.script(net)
    assert isinstance(sm, jit.ScriptModule) and isinstance(sm, nn.Module)
    assert type(sm).__name__ == "RecursiveScriptModule" and sm.original_name == "Net"
    assert isinstance(sm.fc, jit.ScriptModule) and sm.fc.original_name == "Linear"
    assert sm.fc.weight is net.fc.weight
    assert list(sm.state_dict()) == list(net.state_dict()) == ["offset", "fc.weight", "fc.bias"] or \
        list(sm.state_dict()) == list(net.state_dict())
    assert [id(p) for p in sm.parameters()] == [id(p) for p in net.parameters()]
    assert repr(sm) == ("RecursiveScriptModule(\n  original_name=Net\n  (fc): RecursiveScriptModule(original_name="
                        "Linear)\n  (drop): RecursiveScriptModule(original_name=Dropout)\n)")
    sm.eval()
    assert not net.training and not net.drop.training and not sm.drop.training
    x = mdl.randn(5, 3)
    np.testing.assert_array_equal(sm(x).numpy(), net(x).numpy())
    sm.train()
    assert net.training and net.drop.training
    sm.scale = 3.0            # plain attributes live on the original
    assert net.scale == 3.0 and sm.scale == 3.0
    assert sm.plus_one(mdl.zeros(1)).item() == 1.0
    assert sm.seen_scripting(x) is True and net.seen_scripting(x) is False


def test_scripting_keeps_the_training_mode():
    net = Net().eval()
    assert not jit.script(net).training and not net.training and not net.fc.training


def test_script_gradients_flow_to_the_shared_parameters():
    mdl.manual_seed(1)
    net = Branchy()
    sm = jit.script(net)
    x = mdl.rand(3)
    sm(x).sum().backward()
    expected = x.numpy()[None, :].repeat(4, 0)
    np.testing.assert_allclose(net.weight.grad.numpy(), expected)
    np.testing.assert_allclose(sm(-x).numpy(), (net.weight - x).detach().numpy())


def test_script_function_and_is_scripting():
    sf = jit.script(add_mul)
    assert isinstance(sf, jit.ScriptFunction) and sf.name == "add_mul"
    assert sf(mdl.ones(2), mdl.ones(2)).tolist() == [4.0, 4.0]
    assert "return (x + y) * 2" in sf.code
    with pytest.raises(RuntimeError, match="no TorchScript graph"):
        sf.graph
    assert jit.script(sf) is sf
    seen = jit.script(lambda: jit.is_scripting())
    assert seen() is True and jit.is_scripting() is False


def test_unused_raises_when_scripted_and_ignore_runs_python():
    plain = UsesUnused()
    assert plain(mdl.ones(1)).item() == 2.0
    sm = jit.script(plain)
    with pytest.raises(jit.Error, match="annotated to be ignored"):
        sm(mdl.ones(1))
    assert sm.python_only() is False


def test_script_class_and_bad_inputs():
    class Pair:
        def __init__(self, a):
            self.a = a
    assert jit.script(Pair) is Pair
    with pytest.raises(RuntimeError, match="pass an instance"):
        jit.script(nn.Linear)
    with pytest.raises(RuntimeError, match="cannot script"):
        jit.script(5)


def test_hooks_unsupported_on_script_modules_as_pytorch():
    with pytest.raises(RuntimeError, match="register_forward_hook is not supported on ScriptModules"):
        jit.script(Net()).register_forward_hook(lambda *a: None)


def test_decorators_and_helpers():
    assert jit.annotate(list, [1]) == [1]
    assert jit.isinstance([1, 2], list[int]) and not jit.isinstance([1, "a"], list[int])
    assert jit.isinstance({"a": mdl.ones(1)}, dict[str, mdl.Tensor])
    assert jit.isinstance(None, "int | None".__class__) is False
    assert jit.Final is __import__("typing").Final

    @jit.interface
    class Iface:
        def run(self, x):
            pass
    assert Iface.__torch_script_interface__
    with pytest.raises(Exception, match="unrecognized fuser option"):
        with jit.fuser("nope"):
            pass


def test_trace_function_and_module():
    seen = []

    def f(x, y):
        seen.append(jit.is_tracing())
        return x * y, x + y

    traced = jit.trace(f, (mdl.ones(2), mdl.full((2,), 3.0)))
    assert seen == [True] and isinstance(traced, jit.ScriptFunction)
    a, b = traced(mdl.full((2,), 2.0), mdl.ones(2))
    assert a.tolist() == [2.0, 2.0] and b.tolist() == [3.0, 3.0] and seen == [True, False]
    mdl.manual_seed(2)
    net = Net().eval()
    tm = jit.trace(net, mdl.randn(1, 3))
    assert isinstance(tm, jit.RecursiveScriptModule) and tm.fc.weight is net.fc.weight
    x = mdl.randn(4, 3)
    np.testing.assert_array_equal(tm(x).numpy(), net(x).numpy())
    tm2 = jit.trace(net, example_kwarg_inputs={"x": mdl.randn(1, 3)})
    np.testing.assert_array_equal(tm2(x).numpy(), net(x).numpy())


def test_trace_checks_inputs_and_outputs_as_pytorch():
    with pytest.raises(RuntimeError, match="Encountering a dict at the output"):
        jit.trace(lambda x: {"a": x}, mdl.ones(2))
    assert jit.trace(lambda x: {"a": x}, mdl.ones(2), strict=False)(mdl.zeros(2))["a"].tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="Only tensors, lists, tuples"):
        jit.trace(lambda x: 3, mdl.ones(1))
    with pytest.raises(RuntimeError, match="cannot be traced"):
        jit.trace(lambda x: x, ("a",))
    with pytest.raises(RuntimeError, match="must be provided"):
        jit.trace(lambda x: x)


def test_freeze_and_optimize_for_inference():
    mdl.manual_seed(3)
    net = Net()
    sm = jit.script(net)
    with pytest.raises(RuntimeError, match="eval mode"):
        jit.freeze(sm)
    with pytest.raises(RuntimeError, match="expects a ScriptModule"):
        jit.freeze(net.eval())
    frozen = jit.freeze(sm.eval())
    assert list(frozen.parameters()) == [] and list(frozen.state_dict()) == []
    x = mdl.randn(2, 3)
    np.testing.assert_array_equal(frozen(x).numpy(), net(x).numpy())
    assert not frozen(x).requires_grad
    with mdl.no_grad():
        net.fc.weight.mul_(0)           # a frozen module holds constants: later changes do not reach it
    assert not np.array_equal(frozen(x).numpy(), net(x).numpy())
    fast = jit.optimize_for_inference(jit.script(Net()))
    assert not fast.training and list(fast.parameters()) == []
    with pytest.raises(RuntimeError, match="optimize_for_inference expects a ScriptModule"):
        jit.optimize_for_inference(nn.Linear(2, 2))


def test_fork_wait_and_futures():
    fut = jit.fork(add_mul, mdl.ones(1), mdl.ones(1))
    assert isinstance(fut, mdl.Future) and fut.done()
    assert jit.wait(fut).item() == 4.0 and fut.value().item() == 4.0
    bad = jit.fork(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        jit.wait(bad)
    pending = mdl.futures.Future()
    chained = pending.then(lambda f: f.value() + 1)
    assert not pending.done()
    with pytest.raises(RuntimeError, match="not completed"):
        pending.value()
    pending.set_result(1)
    assert chained.wait() == 2
    with pytest.raises(RuntimeError, match="only be marked completed once"):
        pending.set_result(2)
    assert mdl.futures.wait_all([pending, chained]) == [1, 2]
    assert mdl.futures.collect_all([pending, chained]).wait() == [pending, chained]


def test_save_load_round_trip(tmp_path):
    mdl.manual_seed(4)
    net = Net().eval()
    sm = jit.script(net)
    path = tmp_path / "net.pt"
    sm.save(str(path), _extra_files={"note.txt": "hello"})
    old = os.umask(0o077)
    try:
        jit.save(sm, tmp_path / "private.pt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "private.pt").st_mode) == 0o600
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []
    extra = {"note.txt": ""}
    loaded = jit.load(path, map_location="cpu", _extra_files=extra)
    assert extra["note.txt"] == b"hello"
    assert isinstance(loaded, jit.RecursiveScriptModule) and not loaded.training
    assert isinstance(loaded.fc.weight, nn.Parameter) and loaded.fc.weight.requires_grad
    assert loaded.fc.weight is loaded._original.fc.weight
    x = mdl.randn(3, 3)
    np.testing.assert_array_equal(loaded(x).numpy(), net(x).numpy())
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[key].numpy(), value.numpy())
    buffer = io.BytesIO()
    jit.save(jit.trace(net, mdl.randn(1, 3)), buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(jit.load(buffer)(x).numpy(), net(x).numpy())
    fn_path = tmp_path / "fn.pt"
    jit.script(add_mul).save(fn_path)
    assert jit.load(fn_path)(mdl.ones(1), mdl.ones(1)).item() == 4.0
    with zipfile.ZipFile(path) as archive:
        assert "minidl_jit/state_dict.pt" in archive.namelist()


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        jit.load(tmp_path / "missing.pt")
    with pytest.raises(ValueError, match="is a directory"):
        jit.load(tmp_path)
    fake = tmp_path / "scripted.pt"     # the layout of a TorchScript archive
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("scripted/data.pkl", pickle.dumps(None))
        archive.writestr("scripted/constants.pkl", pickle.dumps(()))
        archive.writestr("scripted/code/__torch__/M.py", "def forward(self): pass")
    with pytest.raises(RuntimeError, match=rf"{fake}: a TorchScript archive written by PyTorch"):
        jit.load(fake)
    plain = tmp_path / "weights.pt"
    mdl.save({"w": mdl.ones(1)}, plain)
    with pytest.raises(RuntimeError, match="not a minidl.jit archive"):
        jit.load(plain)
    text = tmp_path / "text.pt"
    text.write_text("hello")
    with pytest.raises(RuntimeError, match="not a zip file"):
        jit.load(text)
    with pytest.raises(AttributeError, match="expected a ScriptModule"):
        jit.save(nn.Linear(1, 1), tmp_path / "x.pt")


def test_deepcopy_and_pickle_keep_sharing():
    import copy
    sm = jit.script(Net())
    clone = copy.deepcopy(sm)
    assert clone.fc.weight is clone._original.fc.weight and clone.fc.weight is not sm.fc.weight
    again = pickle.loads(pickle.dumps(sm))
    assert again.fc.weight is again._original.fc.weight


def test_scripted_containers_index_iterate_and_convert():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    sm = jit.script(seq)
    assert len(sm) == 3 and sm[0] is sm._modules["0"] and sm[0].weight is seq[0].weight
    assert [m.original_name for m in sm] == ["Linear", "ReLU", "Linear"]
    assert isinstance(sm[0:2], jit.RecursiveScriptModule) and len(sm[0:2]) == 2
    x = mdl.randn(4, 2)
    np.testing.assert_array_equal(sm(x).numpy(), seq(x).numpy())
    sm.double()
    assert seq[0].weight.dtype == mdl.float64 and sm(x.double()).dtype == mdl.float64
    layers = jit.script(nn.ModuleDict({"a": nn.Linear(1, 1)}))
    assert "a" in layers and layers["a"].original_name == "Linear"
    assert bool(jit.script(Net()))          # a scripted plain module is truthy, as any Module


class LegacyCounter(jit.ScriptModule):
    def __init__(self):
        super().__init__()
        self.count = jit.Attribute(0, int)
        self.fc = nn.Linear(2, 2)

    @jit.script_method
    def forward(self, x):
        self.count += 1
        return self.fc(x), jit.is_scripting()


def test_old_script_module_subclass_api(tmp_path):
    m = LegacyCounter()
    assert m.count == 0
    out, scripting = m(mdl.ones(1, 2))
    assert scripting is True and m.count == 1 and tuple(out.shape) == (1, 2)
    m.save(tmp_path / "legacy.pt")
    again = jit.load(tmp_path / "legacy.pt")
    np.testing.assert_array_equal(again(mdl.ones(1, 2))[0].detach().numpy(), out.detach().numpy())
    assert again.count == 2


def test_a_real_torchscript_archive_is_refused_naming_the_file():
    """fixtures/torchscript_linear.pt: PyTorch 2.13's jit.save of a scripted Linear (make_torchscript_archive.py)."""
    from pathlib import Path
    real = Path(__file__).parent / "fixtures" / "torchscript_linear.pt"
    with pytest.raises(RuntimeError) as info:
        jit.load(real)
    message = str(info.value)
    assert message.startswith(f"{real}: a TorchScript archive written by PyTorch") and "\n" not in message
    with open(real, "rb") as handle:       # a file object: named by its name
        with pytest.raises(RuntimeError, match="torchscript_linear.pt: a TorchScript archive"):
            jit.load(handle)
    with pytest.raises(RuntimeError, match="<BytesIO>: a TorchScript archive"):
        jit.load(io.BytesIO(real.read_bytes()))


class Flagged(nn.Module):
    def forward(self, x):
        return x

    def flagged(self, x):
        return x * (2.0 if jit.is_scripting() else 1.0)


def test_trace_module_methods_run_as_traced():
    traced = jit.trace_module(Flagged(), {"forward": mdl.ones(1), "flagged": mdl.ones(1)})
    assert traced.flagged(mdl.ones(1)).item() == 1.0        # a traced method replays: it is not scripted
    assert jit.script(Flagged()).flagged(mdl.ones(1)).item() == 2.0
