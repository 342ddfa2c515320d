"""minidl.profiler (torch.profiler) and minidl.autograd.profiler (the legacy one): events, nesting and self
times, PyTorch's schedule, the table, the Chrome trace, memory, FLOPs, modules, stacks, and no events (and no
hook left on) when nothing profiles. Expected schedule actions are PyTorch 2.13's (read once from torch's
``schedule`` in /work/refvenv; torch is not a test dependency)."""
from __future__ import annotations

import gzip
import json
import os
import re
import threading
import time
import warnings

import numpy as np
import pytest

import minidl as torch
import minidl.nn as nn
from minidl import backend
from minidl.autograd import _profiling
from minidl.autograd import profiler as legacy
from minidl.profiler import ProfilerAction, ProfilerActivity, profile, record_function, schedule

A = ProfilerAction


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def _names(events):
    return [e.name for e in events]


def _train_step_profiled(**options):
    model, x = _mlp(), torch.randn(5, 4)
    with profile(activities=[ProfilerActivity.CPU], **options) as prof:
        with record_function("model_inference"):
            loss = model(x).sum()
        loss.backward()
    return prof, model


# --- events and their structure ---------------------------------------------------------------------
def test_ops_carry_pytorchs_names_and_nest():
    prof, model = _train_step_profiled()
    events = prof.events()
    names = _names(events)
    assert names[0] == "model_inference"
    for expected in ("aten::linear", "aten::addmm", "aten::relu", "aten::sum",
                     "autograd::engine::evaluate_function: AddmmBackward0", "AddmmBackward0",
                     "autograd::engine::evaluate_function: ReluBackward0", "torch::autograd::AccumulateGrad"):
        assert expected in names, expected
    by_name = {}
    for e in events:
        by_name.setdefault(e.name, []).append(e)
    assert all(e.cpu_parent.name == "aten::linear" for e in by_name["aten::addmm"])
    assert all(e.cpu_parent.name == "model_inference" for e in by_name["aten::linear"])
    assert len(by_name["aten::linear"]) == 2
    assert [c.name for c in by_name["model_inference"][0].cpu_children] == ["aten::linear", "aten::relu",
                                                                           "aten::linear", "aten::sum"]
    for node in by_name["AddmmBackward0"]:
        assert node.cpu_parent.name == "autograd::engine::evaluate_function: AddmmBackward0"
    assert len(by_name["torch::autograd::AccumulateGrad"]) == len(list(model.parameters()))
    assert by_name["aten::sum"][0].cpu_parent.name == "model_inference"
    assert by_name["model_inference"][0].is_user_annotation


def test_self_time_is_total_minus_children_and_children_lie_inside():
    prof, _ = _train_step_profiled()
    events = prof.events()
    assert len(events) > 10
    for e in events:
        children_total = sum(c.cpu_time_total for c in e.cpu_children)
        assert e.self_cpu_time_total == pytest.approx(e.cpu_time_total - children_total)
        assert e.self_cpu_time_total >= 0
        for c in e.cpu_children:
            assert c.cpu_parent is e
            assert e.time_range.start <= c.time_range.start <= c.time_range.end <= e.time_range.end
    starts = [e.time_range.start for e in events]
    assert starts == sorted(starts)
    averages = prof.key_averages()
    for avg in averages:
        members = [e for e in events if e.key == avg.key]
        assert avg.count == len(members)
        assert avg.cpu_time_total == pytest.approx(sum(e.cpu_time_total for e in members))
        assert avg.self_cpu_time_total == pytest.approx(sum(e.self_cpu_time_total for e in members))
        assert avg.cpu_time == pytest.approx(avg.cpu_time_total / avg.count)
    assert averages.self_cpu_time_total == pytest.approx(events.self_cpu_time_total)
    total = events.total_average()
    assert total.key == "Total" and total.count == len(events)


def test_record_function_times_its_block_as_context_and_decorator():
    @record_function("decorated")
    def work():
        with record_function("inner_sleep"):
            time.sleep(0.02)
        return torch.ones(3) * 2

    with profile() as prof:
        with record_function("outer"):
            work()
            work()
    events = {e.name: e for e in prof.events()}
    outer = events["outer"]
    assert [c.name for c in outer.cpu_children] == ["decorated", "decorated"]
    decorated = outer.cpu_children[0]
    assert [c.name for c in decorated.cpu_children] == ["inner_sleep", "aten::mul"]
    sleeps = [e for e in prof.events() if e.name == "inner_sleep"]
    assert all(e.cpu_time_total >= 19_000 for e in sleeps)           # microseconds
    assert all(e.self_cpu_time_total == e.cpu_time_total for e in sleeps)
    assert outer.cpu_time_total >= 2 * 19_000
    assert outer.self_cpu_time_total < outer.cpu_time_total / 2


def test_a_users_function_and_create_graph_backward_are_recorded():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * g * x * x

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with profile() as prof:
        y = Cube.apply(x).sum()
        g, = torch.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
    events = prof.events()
    cube = next(e for e in events if e.name == "Cube")
    assert [c.name for c in cube.cpu_children] == ["aten::mul", "aten::mul"]
    node = next(e for e in events if e.name == "CubeBackward")
    assert "aten::mul" in [c.name for c in node.cpu_children]      # recorded: the backward ran Tensor ops
    assert np.allclose(x.grad.numpy(), [6.0, 12.0])


def test_an_error_inside_a_profiled_op_leaves_the_profiler_consistent():
    with profile() as prof:
        with pytest.raises(ValueError):
            nn.functional.linear(torch.ones(2, 3), torch.ones(4, 5))
        torch.ones(2) + 1
    assert "aten::add" in _names(prof.events())
    assert not _profiling.active and not _profiling.busy() and _profiling.current() is None


def test_ops_on_another_thread_are_events_of_that_thread():
    def work():
        torch.ones(2) * 3

    with profile() as prof:
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        torch.ones(2) + 1
    threads = {e.name: e.thread for e in prof.events()}
    assert threads["aten::mul"] != threads["aten::add"]


# --- nothing when nothing profiles ---------------------------------------------------------------------
def test_no_events_and_no_hooks_outside_a_profiler():
    assert not _profiling.active and not _profiling.modules_active and _profiling.current() is None
    model, x = _mlp(), torch.randn(5, 4)
    with record_function("not_profiled"):
        model(x).sum().backward()
    with profile() as prof:
        torch.ones(2) + 1
    assert _names(prof.events()) == ["aten::add"]
    assert not _profiling.active
    with legacy.profile(enabled=False) as off:
        torch.ones(2) + 1
    assert not _profiling.active
    assert len(off.function_events) == 0 and repr(off) == "<unfinished torch.autograd.profile>"


def test_one_profiler_at_a_time_and_results_need_a_recording():
    with profile():
        with pytest.raises(RuntimeError, match="already recording"):
            with legacy.profile():
                pass
    fresh = profile()
    with pytest.raises(AssertionError, match="initialized before getting key averages"):
        fresh.key_averages()
    with pytest.raises(AssertionError, match="initialized before accessing events"):
        fresh.events()
    with legacy.profile() as prof:
        torch.ones(2) + 1
        assert len(prof.key_averages()) == 0          # PyTorch 2's: no events until the block ends
    assert len(prof.key_averages()) == 1


# --- schedule -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, expected", [
    # torch.profiler.schedule(...)(step) for steps 0.. under torch 2.13
    (dict(wait=1, warmup=1, active=2, repeat=1, skip_first=1),
     [A.NONE, A.NONE, A.WARMUP, A.RECORD, A.RECORD_AND_SAVE, A.NONE, A.NONE, A.NONE]),
    (dict(wait=1, warmup=1, active=2),
     [A.NONE, A.WARMUP, A.RECORD, A.RECORD_AND_SAVE, A.NONE, A.WARMUP, A.RECORD, A.RECORD_AND_SAVE]),
    (dict(wait=2, warmup=1, active=1, repeat=2, skip_first=1, skip_first_wait=1),
     [A.NONE, A.WARMUP, A.RECORD_AND_SAVE, A.NONE, A.NONE, A.WARMUP, A.RECORD_AND_SAVE, A.NONE]),
])
def test_schedule_actions_are_pytorchs(kwargs, expected):
    fn = schedule(**kwargs)
    assert [fn(step) for step in range(len(expected))] == expected


def test_schedule_rejects_bad_arguments_and_warns_without_warmup():
    with pytest.raises(AssertionError, match="active=0"):
        schedule(wait=0, warmup=1, active=0)
    with pytest.raises(AssertionError, match="wait=-1"):
        schedule(wait=-1, warmup=1, active=1)
    with pytest.warns(UserWarning, match="won't be using warmup"):
        schedule(wait=0, warmup=0, active=1)
    with pytest.raises(TypeError):
        schedule(1, 1, 1)                  # keyword-only, as PyTorch's


def test_schedule_cycles_record_active_steps_and_call_on_trace_ready():
    seen = []

    def handler(p):
        seen.append((p.step_num, sorted({e.trace_name for e in p.events() if e.name == "ProfilerStep*"})))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile(schedule=schedule(wait=1, warmup=1, active=2, repeat=2), on_trace_ready=handler) as p:
            for _ in range(10):
                with record_function("work"):
                    torch.ones(3, 4) * 2
                p.step()
    assert p.step_num == 10
    assert seen == [(4, ["ProfilerStep#2", "ProfilerStep#3"]), (8, ["ProfilerStep#6", "ProfilerStep#7"])]
    steps = [e for e in p.events() if e.name == "ProfilerStep*"]
    assert all([c.name for c in e.cpu_children] == ["work"] for e in steps)
    assert sum(1 for e in p.events() if e.name == "aten::mul") == 2


def test_without_schedule_every_step_records_and_stop_hands_over_the_trace():
    calls = []
    p = profile(on_trace_ready=lambda prof: calls.append(len(prof.events())))
    p.start()
    for _ in range(3):
        torch.ones(2) + 1
        p.step()
    p.stop()
    assert calls == [3] and p.step_num == 3
    assert not any(e.name.startswith("ProfilerStep") for e in p.events())


def test_acc_events_keeps_earlier_cycles():
    with profile(schedule=schedule(wait=0, warmup=1, active=1), acc_events=True) as p:
        for _ in range(4):
            torch.ones(2) + 1
            p.step()
    assert sum(1 for e in p.events() if e.name == "aten::add") == 2


# --- the table --------------------------------------------------------------------------------------
def test_table_layout_is_pytorchs():
    prof, _ = _train_step_profiled()
    text = prof.key_averages().table(sort_by="cpu_time_total", row_limit=5)
    lines = text.splitlines()
    assert lines[0] == lines[2] == lines[-2]
    assert set(lines[0]) == {"-", " "}
    header = lines[1].split("  ")
    header = [h.strip() for h in header if h.strip()]
    assert header == ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    assert len(lines) == 3 + 5 + 2
    assert lines[3].strip().startswith("model_inference")
    assert lines[-1].startswith("Self CPU time total: ")
    assert text.endswith("\n")
    widths = [len(chunk) for chunk in lines[0].split("  ")[:-1]]
    assert widths[1:] == [12] * 6 and widths[0] == len("autograd::engine::evaluate_function: AddmmBackward0") + 4
    rows = prof.key_averages().table(sort_by="cpu_time_total", row_limit=100).splitlines()[3:-2]
    totals = [float(re.findall(r"([0-9.]+)%", r)[1]) for r in rows]      # the "CPU total %" column
    assert totals == sorted(totals, reverse=True)
    assert "torch::autograd..." in text or "evaluate_function: torch::autograd..." in \
        prof.key_averages().table(row_limit=100)


def test_table_memory_shapes_and_flops_columns():
    prof, _ = _train_step_profiled(record_shapes=True, profile_memory=True, with_flops=True)
    text = prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=100)
    header = [h.strip() for h in text.splitlines()[1].split("  ") if h.strip()]
    assert header == ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "CPU Mem",
                      "Self CPU Mem", "# of Calls", "Input Shapes", "Total FLOPs"]
    addmm = next(line for line in text.splitlines() if line.strip().startswith("aten::addmm") and "[5, 4]" in line)
    assert "[[5, 4], [3, 4], [3]]" in addmm and "120.000" in addmm and "60 B" in addmm
    plain = prof.key_averages().table(row_limit=3)
    assert "Input Shapes" not in plain and "CPU Mem" in plain
    assert legacy.EventList().table() == ""


def test_table_time_unit_and_sort_by_errors():
    prof, _ = _train_step_profiled()
    text = prof.key_averages().table(time_unit="ms", row_limit=3)
    assert "us" not in text.split("Self CPU time total")[0].split("\n", 3)[3] and "ms" in text
    with pytest.raises(AttributeError, match="sort_by='no_such'"):
        prof.key_averages().table(sort_by="no_such")


def test_long_names_are_cut_as_pytorchs():
    with profile() as prof:
        with record_function("x" * 70):
            pass
    row = prof.key_averages().table().splitlines()[3]
    assert row.startswith("x" * 52 + "...")


# --- memory, FLOPs, modules, stacks ------------------------------------------------------------------
def test_profile_memory_counts_the_bytes_each_op_allocates():
    a, w = torch.randn(64, 32), torch.randn(16, 32)
    with profile(profile_memory=True) as prof:
        with record_function("block"):
            out = nn.functional.linear(a, w)
            kept = out * 2
    events = {e.name: e for e in prof.events()}
    assert events["aten::mm"].self_cpu_memory_usage == 64 * 16 * 4
    assert events["aten::linear"].cpu_memory_usage == 64 * 16 * 4
    assert events["aten::linear"].self_cpu_memory_usage == 0
    assert events["aten::mul"].self_cpu_memory_usage == 64 * 16 * 4
    assert events["block"].cpu_memory_usage == 2 * 64 * 16 * 4
    del out, kept


def test_freed_memory_counts_negative_in_the_event_that_frees_it():
    with profile(profile_memory=True) as prof:
        with record_function("make_and_drop"):
            t = torch.ones(1000) * 2
            del t
    block = next(e for e in prof.events() if e.name == "make_and_drop")
    assert block.self_cpu_memory_usage == -4000 and block.cpu_memory_usage == 0


def test_flops_of_matrix_products_convolutions_and_elementwise_ops():
    x, w, b = torch.randn(5, 4), torch.randn(3, 4), torch.randn(3)
    img, kernel = torch.randn(2, 3, 5, 5), torch.randn(4, 3, 3, 3)
    with profile(with_flops=True) as prof:
        nn.functional.linear(x, w, b)
        torch.matmul(torch.randn(2, 3, 4), torch.randn(2, 4, 5))
        nn.functional.conv2d(img, kernel, padding=1)
        x * x + x
    flops = {}
    for e in prof.events():
        flops.setdefault(e.name, e.flops)
    assert flops["aten::addmm"] == 2 * 5 * 4 * 3 and flops["aten::linear"] == 0
    assert flops["aten::bmm"] == 2 * 2 * 3 * 4 * 5
    assert flops["aten::conv2d"] == 2 * (2 * 4 * 5 * 5) * (3 * 3 * 3)        # PyTorch's 10800
    assert flops["aten::mul"] == 20 and flops["aten::add"] == 20
    text = prof.key_averages().table()
    assert "Total FLOPs" in text.splitlines()[1]


def test_with_modules_wraps_each_module_call():
    model, x = _mlp(), torch.randn(5, 4)
    with profile(with_modules=True) as prof:
        model(x)
    events = prof.events()
    top = events[0]
    assert top.name == "nn.Module: Sequential_0"
    assert [c.name for c in top.cpu_children] == ["nn.Module: Linear_0", "nn.Module: ReLU_0", "nn.Module: Linear_1"]
    assert [c.name for c in top.cpu_children[0].cpu_children] == ["aten::linear"]
    assert not _profiling.modules_active


def test_with_stack_records_the_callers_frames_and_export_stacks(tmp_path):
    with profile(with_stack=True) as prof:
        torch.ones(3) * 2
    mul = next(e for e in prof.events() if e.name == "aten::mul")
    assert os.path.basename(__file__) in mul.stack[0] and "test_with_stack" in mul.stack[0]
    assert not any(os.sep + "minidl" + os.sep in frame for frame in mul.stack)
    grouped = prof.key_averages(group_by_stack_n=1)
    assert grouped[0].stack == mul.stack[:1]
    assert "Source Location" in grouped.table().splitlines()[1]
    path = tmp_path / "stacks.txt"
    prof.export_stacks(str(path))
    lines = path.read_text().splitlines()
    assert lines and all(" " not in line.rsplit(" ", 1)[0] for line in lines)
    assert all(int(line.rsplit(" ", 1)[1]) > 0 for line in lines)
    with pytest.raises(ValueError, match="metric"):
        prof.export_stacks(str(path), metric="bogus")


# --- files ---------------------------------------------------------------------------------------------
def test_chrome_trace_is_valid_json_written_through_a_temporary_file(tmp_path):
    prof, _ = _train_step_profiled(record_shapes=True, profile_memory=True)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    assert os.listdir(tmp_path) == ["trace.json"]
    document = json.loads(path.read_text())
    complete = [e for e in document["traceEvents"] if e["ph"] == "X"]
    assert len(complete) == len(prof.events())
    assert {e["name"] for e in complete} >= {"model_inference", "aten::addmm", "AddmmBackward0"}
    assert all(e["dur"] >= 0 and {"ts", "pid", "tid", "cat"} <= set(e) for e in complete)
    addmm = next(e for e in complete if e["name"] == "aten::addmm")
    assert addmm["cat"] == "cpu_op" and addmm["args"]["Input Dims"] == [[5, 4], [3, 4], [3]]
    assert next(e for e in complete if e["name"] == "model_inference")["cat"] == "user_annotation"
    assert any(e["name"] == "[memory]" for e in document["traceEvents"])
    assert document["displayTimeUnit"] == "ms"


def test_tensorboard_trace_handler_writes_a_trace_per_cycle(tmp_path):
    logdir = tmp_path / "log"
    handler = torch.profiler.tensorboard_trace_handler(str(logdir), worker_name="worker0")
    with profile(schedule=schedule(wait=0, warmup=1, active=1, repeat=1), on_trace_ready=handler) as p:
        for _ in range(3):
            torch.ones(2) + 1
            p.step()
    files = os.listdir(logdir)
    assert len(files) == 1 and files[0].startswith("worker0.") and files[0].endswith(".pt.trace.json")
    names = [e["name"] for e in json.loads((logdir / files[0]).read_text())["traceEvents"]]
    assert "ProfilerStep#1" in names and "aten::add" in names
    gz = torch.profiler.tensorboard_trace_handler(str(tmp_path / "gz"), use_gzip=True)
    with profile(on_trace_ready=gz):
        torch.ones(2) + 1
    (packed,) = os.listdir(tmp_path / "gz")
    assert packed.endswith(".pt.trace.json.gz")
    with gzip.open(tmp_path / "gz" / packed, "rt") as f:
        assert json.load(f)["traceEvents"]


# --- the legacy profiler and its options -------------------------------------------------------------------
def test_legacy_profile_table_lists_every_event(tmp_path):
    with legacy.profile(record_shapes=True) as prof:
        torch.ones(2, 3) + 1
        torch.ones(2, 3) + 1
    assert _names(prof.function_events) == ["aten::add", "aten::add"]
    assert len(prof.table().splitlines()) == 3 + 2 + 2
    assert str(prof) == prof.function_events.table()
    path = tmp_path / "legacy.json"
    prof.export_chrome_trace(str(path), metadata={"run": "a"})
    assert json.loads(path.read_text())["run"] == "a"
    assert prof.key_averages()[0].count == 2
    with pytest.raises(AssertionError, match="with_stack"):
        prof.export_stacks("unused.txt")


def test_use_cuda_is_deprecated_and_disabled_without_a_gpu():
    if backend.gpu_available():
        pytest.skip("a GPU is usable here: CUDA profiling stays enabled")
    with pytest.warns(FutureWarning, match="use_cuda"):
        with pytest.warns(UserWarning, match="CUDA is not available"):
            prof = legacy.profile(use_cuda=True)
    assert prof.use_device is None
    with pytest.warns(UserWarning, match="CUDA is not available"):
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as p:
            torch.ones(2) + 1
    assert p.use_device is None and "aten::add" in _names(p.events())
    assert torch.profiler.supported_activities() == {ProfilerActivity.CPU}


def test_emit_nvtx_needs_a_gpu():
    with legacy.emit_nvtx(enabled=False):
        torch.ones(2) + 1
    if backend.gpu_available():
        pytest.skip("a GPU is usable here")
    with pytest.raises(AssertionError, match="emit_nvtx: NVTX ranges need a CUDA device"):
        with legacy.emit_nvtx():
            pass
    assert not _profiling.active


def test_emit_nvtx_pushes_and_pops_one_range_per_event(monkeypatch):
    ranges = []
    monkeypatch.setattr(backend, "gpu_problem", lambda: None)
    monkeypatch.setattr(backend, "gpu_synchronize", lambda: None)
    monkeypatch.setattr(legacy, "_nvtx_functions", lambda: (lambda name: ranges.append(("push", name)),
                                                             lambda: ranges.append(("pop",))))
    with legacy.emit_nvtx(record_shapes=True):
        nn.functional.linear(torch.ones(2, 3), torch.ones(4, 3))
    assert ranges == [("push", "aten::linear, sizes = [[2, 3], [4, 3], []]"),
                      ("push", "aten::mm, sizes = [[2, 3], [4, 3], []]"), ("pop",), ("pop",)]


def test_module_names_and_signatures():
    for name in ("profile", "record_function", "schedule", "ProfilerActivity", "ProfilerAction",
                 "tensorboard_trace_handler", "supported_activities"):
        assert name in torch.profiler.__all__
    assert torch.autograd.profiler.record_function is record_function
    assert ProfilerActivity.CUDA.value == 2 and A.RECORD_AND_SAVE.value == 3
    with pytest.raises(TypeError):
        profile([ProfilerActivity.CPU])          # keyword-only, as PyTorch's
    with pytest.raises(AssertionError, match="No valid profiler activities"):
        profile(activities=[])


def test_export_memory_timeline_in_each_format(tmp_path):
    with profile(profile_memory=True) as bare:
        torch.ones(2) + 1
    with pytest.raises(ValueError, match="record_shapes=True, with_stack=True required for memory profiling"):
        bare.export_memory_timeline(str(tmp_path / "t.json"))
    with profile(profile_memory=True, record_shapes=True, with_stack=True) as prof:
        a = torch.ones(100) * 2           # 400 bytes
        b = a + 1                         # 400 more
        del a                             # 400 released
    prof.export_memory_timeline(str(tmp_path / "t.json"), device="cpu")
    times, sizes = json.loads((tmp_path / "t.json").read_text())
    assert [s[0] for s in sizes] == [400, 800, 400] and times == sorted(times)
    prof.export_memory_timeline(str(tmp_path / "t.raw.json.gz"), device="cpu")
    with gzip.open(tmp_path / "t.raw.json.gz", "rt") as f:
        assert [r[1:] for r in json.load(f)] == [[1, 400, None], [1, 400, None], [3, 400, None]]
    prof.export_memory_timeline(str(tmp_path / "t.html"), device="cpu")
    assert (tmp_path / "t.html").read_text().count("data:image/png;base64,") == 1
    assert sorted(os.listdir(tmp_path)) == ["t.html", "t.json", "t.raw.json.gz"]
    del b


def test_optimizer_steps_are_pytorchs_events_once_each():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    class Nested(torch.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    nested = Nested(model.parameters(), lr=0.1)
    with profile() as prof:
        opt.zero_grad()
        model(torch.ones(1, 4)).sum().backward()
        opt.step()
        nested.step()
    top = [e.name for e in prof.events() if e.cpu_parent is None]
    assert top[0] == "Optimizer.zero_grad#SGD.zero_grad"
    assert top[-2:] == ["Optimizer.step#SGD.step", "Optimizer.step#Nested.step"]
    assert not [e for e in prof.events() if e.name.startswith("Optimizer.") and e.cpu_children
                and e.cpu_children[0].name.startswith("Optimizer.")]
    assert torch.optim.SGD.step.__doc__ and "closure" in str(__import__("inspect").signature(torch.optim.SGD.step))


def _hand_made_events():
    outer = legacy.FunctionEvent(id=1, name="outer", thread=1, start_us=0, end_us=1500, input_shapes=[[2, 3]])
    mms = [legacy.FunctionEvent(id=2, name="aten::mm", thread=1, start_us=100, end_us=1100,
                                input_shapes=[[2, 3], [3, 4]], flops=48000),
           legacy.FunctionEvent(id=3, name="aten::mm", thread=1, start_us=1200, end_us=1300,
                                input_shapes=[[2, 3], [3, 4]], flops=48000)]
    for mm in mms:
        outer.append_cpu_child(mm)
        mm.set_cpu_parent(outer)
        mm.cpu_memory_usage = 1024
    outer.cpu_memory_usage = 2048
    return legacy.EventList([outer, *mms], profile_memory=True, with_flops=True)


def test_table_text_is_pytorchs_character_for_character():
    # the same events built with torch.autograd.profiler_util.FunctionEvent under torch 2.13 print these tables
    rule = "------------  " * 10
    expected = (
        f"{rule}\n"
        "        Name    Self CPU %      Self CPU   CPU total %     CPU total  CPU time avg       CPU Mem  "
        "Self CPU Mem    # of Calls  Total KFLOPs  \n"
        f"{rule}\n"
        "       outer        26.67%     400.000us       100.00%       1.500ms       1.500ms       2.00 KB  "
        "         0 B             1            --  \n"
        "    aten::mm        73.33%       1.100ms        73.33%       1.100ms     550.000us       2.00 KB  "
        "     2.00 KB             2        96.000  \n"
        f"{rule}\n"
        "Self CPU time total: 1.500ms\n")
    events = _hand_made_events()
    assert events.key_averages().table(sort_by="cpu_time_total") == expected
    rule = "------------  " * 9 + "--------------------  ------------  "
    expected = (
        f"{rule}\n"
        "        Name    Self CPU %      Self CPU   CPU total %     CPU total  CPU time avg       CPU Mem  "
        "Self CPU Mem    # of Calls          Input Shapes  Total KFLOPs  \n"
        f"{rule}\n"
        "    aten::mm        73.33%       1.100ms        73.33%       1.100ms     550.000us       2.00 KB  "
        "     2.00 KB             2      [[2, 3], [3, 4]]        96.000  \n"
        f"{rule}\n"
        "Self CPU time total: 1.500ms\n")
    assert events.key_averages(group_by_input_shapes=True).table(sort_by="self_cpu_time_total",
                                                                 row_limit=1) == expected
    assert events[0].self_cpu_memory_usage == 0 and events[1].self_cpu_memory_usage == 1024


def test_device_memory_columns_when_a_device_is_profiled():
    event = legacy.FunctionEvent(id=1, name="aten::add", thread=1, start_us=0, end_us=10)
    event.device_memory_usage = 4096
    text = legacy.EventList([event], use_device="cuda", profile_memory=True).table()
    header = [h.strip() for h in text.splitlines()[1].split("  ") if h.strip()]
    assert header[6:10] == ["CPU Mem", "Self CPU Mem", "CUDA Mem", "Self CUDA Mem"]
    assert "4.00 KB" in text.splitlines()[3]
