"""PyTorch's ``torch.func`` tutorials (per-sample gradients, model ensembling, Jacobians and Hessians, neural
tangent kernels) run on minidl with only their import lines rewritten (see ``test_pytorch_scripts.py`` for the
scheme; constants changed to fit a CPU test are marked ``# minidl test:`` in the scripts). The scripts seed with
``torch.manual_seed(0)`` and minidl's generator draws PyTorch's numbers, so their values are compared with the
same scripts run under PyTorch 2.13 (``pytorch_scripts/expected/make_<name>.py`` wrote the JSON fixtures)."""
from __future__ import annotations

import json
import re
import runpy

import pytest
from test_pytorch_scripts import SCRIPTS

import minidl


def _run(name, tmp_path, monkeypatch, capsys):
    """The script's globals and stdout once it has run as ``__main__`` in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    g = runpy.run_path(str(SCRIPTS / f"{name}.py"), run_name="__main__")
    return g, capsys.readouterr().out


def _fixture(name):
    return json.loads((SCRIPTS / "expected" / f"{name}.json").read_text())


def test_per_sample_grads_tutorial_matches_pytorch(tmp_path, monkeypatch, capsys):
    """A hand loop of ``torch.autograd.grad`` per sample against ``vmap(grad(compute_loss), in_dims=(None, None,
    0, 0))`` over ``functional_call(model, (params, buffers), (batch,))``; the script asserts they agree, then
    times both with ``torch.utils.benchmark.Timer(stmt=..., globals=globals()).timeit``."""
    g, out = _run("per_sample_grads", tmp_path, monkeypatch, capsys)
    assert out.splitlines()[0] == "minidl.Size([64, 32, 1, 3, 3])"
    assert "mismatch" not in out
    timings = re.findall(r"^Per-sample-grads (without|with) vmap <minidl\.utils\.benchmark\.\S+ object at \w+>\n"
                         r"(.*)\n  \d+\.\d\d [mu]?s\n  1 measurement, 1 runs , 1 thread$", out, flags=re.M)
    assert timings == [("without", "compute_sample_grads(data, targets)"),
                       ("with", "ft_compute_sample_grad(params, buffers, data, targets)")]
    assert re.search(r"^Performance delta: \d+\.\d{4} percent improvement with vmap $", out, flags=re.M)
    expected = _fixture("per_sample_grads")
    assert list(g["params"]) == expected["names"]
    assert g["loss"].item() == pytest.approx(expected["loss"], rel=1e-5)
    for method, grads in (("loop", g["per_sample_grads"]), ("vmap", list(g["ft_per_sample_grads"].values()))):
        for name, grad, want in zip(expected["names"], grads, expected[method]):
            assert grad.shape[0] == 64 and grad.dtype == minidl.float32
            got = [v for i in (0, 1, 63) for v in (grad[i].sum().item(), grad[i].abs().sum().item())]
            assert got == pytest.approx([v for pair in want for v in pair], rel=2e-4, abs=2e-5), (method, name)


def test_custom_function_double_backward_tutorial(tmp_path, monkeypatch, capsys):
    """intermediate/custom_function_double_backward_tutorial: ``gradcheck`` and ``gradgradcheck`` of Square (saves
    its input), Exp (saves its output), Sinh (returns its intermediates as outputs so that they are saved with a
    graph) and Cube (whose backward is itself a custom Function); the "what NOT to do" Sinh, which keeps its
    intermediates on ``ctx``, gives a ``grad_x`` with no graph at all (as PyTorch's). ``torchviz.make_dot`` is
    stood in for by ``torchviz_standin/`` (the graph as node labels and edges)."""
    monkeypatch.syspath_prepend(str(SCRIPTS / "torchviz_standin"))
    monkeypatch.delitem(__import__("sys").modules, "torchviz", raising=False)
    g, _ = _run("custom_function_double_backward_tutorial", tmp_path, monkeypatch, capsys)
    import torchviz
    graphs = torchviz.graphs
    assert len(graphs) == 5
    square, exp, sinh, sinh_on_ctx, cube = graphs
    assert "SquareBackward" in square.labels() and "ExpBackward" in exp.labels() and "SinhBackward" in sinh.labels()
    # grad_x (the first node) has a graph everywhere but in the "what NOT to do" Sinh
    for dot in (square, exp, sinh, cube):
        first = next(iter(dot.nodes))
        assert any(b == first for _, b in dot.edges)
    first = next(iter(sinh_on_ctx.nodes))
    assert not any(b == first for _, b in sinh_on_ctx.edges)
    assert "CubeBackwardBackward" in cube.labels()
    assert g["grad_x"].item() == 12.0 and g["grad_x"].grad_fn.name() == "CubeBackwardBackward"
    assert g["out"].item() == 8.0
