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


@pytest.mark.slow
def test_neural_tangent_kernels_tutorial_matches_pytorch(tmp_path, monkeypatch, capsys):
    """intermediate/neural_tangent_kernels: the empirical NTK of a 3-conv CNN by Jacobian contraction
    (``vmap(jacrev(fnet_single), (None, 0))`` over ``functional_call`` with a dict of detached parameters, then
    ``einsum('Naf,Mbf->NMab')`` / ``'Naf,Maf->NM'``) and by NTK-vector products (``vjp`` + ``jvp`` under
    ``vmap(vmap(get_ntk, (None, 0)), (0, None))``); the script asserts the two agree. About 40 s of CPU: minidl's
    vmap is a loop (its jvp is one forward-mode pass). Seeded with ``manual_seed(0)`` (the tutorial draws unseeded)."""
    minidl.manual_seed(0)
    g, out = _run("neural_tangent_kernels", tmp_path, monkeypatch, capsys)
    assert out.splitlines() == ["minidl.Size([20, 5, 10, 10])", "minidl.Size([20, 5])"]
    expected = _fixture("neural_tangent_kernels")
    trace = g["result"]
    assert trace.shape == (20, 5)
    assert [v for row in trace.tolist() for v in row] == pytest.approx(
        [v for row in expected["trace"] for v in row], rel=1e-4)
    assert g["result_from_ntk_vps"][0, 0].diagonal().tolist() == pytest.approx(expected["full_00_diagonal"],
                                                                                 rel=1e-4)


def test_custom_function_conv_bn_tutorial(tmp_path):
    """intermediate/custom_function_conv_bn_tutorial: Conv2D (backward through ``conv2d`` of transposes and
    ``conv_transpose2d``) and BatchNorm (unbiased ``var``, in-place ``+=``/``*=``/``/=`` in its backward) as
    ``once_differentiable`` Functions passing ``gradcheck`` (``fast_mode=False`` too), a fused Function that
    recomputes the convolution in backward (returning extra ``None`` gradients), and an MNIST net (128 / 64 images
    here, one batch of 2048) trained fused and unfused from ``manual_seed(123456)`` with Adadelta + StepLR under
    ``inference_mode`` tests; the peak-memory line reads 0.00GB without a GPU."""
    from test_pytorch_scripts import _layouts, run_script
    _layouts.build(tmp_path / "data")
    (tmp_path / "work").mkdir()
    out = run_script(SCRIPTS / "custom_function_conv_bn_tutorial.py", tmp_path / "work")
    losses = [float(v) for v in re.findall(r"^Train Epoch: \d \[0/128 \(0%\)\]\tLoss: (\d+\.\d{6})$", out, re.M)]
    tests = re.findall(r"^Test set: Average loss: (\d+\.\d{4}), Accuracy: (\d+)/64 \(\d+%\)$", out, flags=re.M)
    assert len(losses) == 4 and len(tests) == 4
    fused, unfused = losses[:2], losses[2:]
    # the same seed draws the same weights; the fused BatchNorm (eps outside the square root, unbiased variance)
    # and nn.BatchNorm2d differ only slightly
    assert fused[0] == pytest.approx(unfused[0], rel=1e-3) and 2.0 < fused[0] < 2.7
    assert re.search(r"^fused peak memory: \d+\.\d\dGB, unfused peak memory: \d+\.\d\dGB$", out, flags=re.M)


def test_forward_ad_usage_tutorial(tmp_path, monkeypatch, capsys):
    """intermediate/forward_ad_usage: dual tensors in a ``dual_level`` (the tangent kept as given, copied for
    another layout, gone after the level), an ``nn.Linear`` with dual parameters set as attributes and through
    ``functional_call`` (the script asserts both agree), a custom Function with ``jvp`` checked by
    ``gradcheck(check_forward_ad=True)``, and ``functorch.jvp`` (stood in for by ``functorch_standin/`` over
    ``minidl.func``) on functions and on ``make_functional_with_buffers``. The values the script overwrites are
    drawn again here from the same seed."""
    monkeypatch.syspath_prepend(str(SCRIPTS / "functorch_standin"))
    monkeypatch.delitem(__import__("sys").modules, "functorch", raising=False)
    minidl.manual_seed(0)
    g, _ = _run("forward_ad_usage", tmp_path, monkeypatch, capsys)
    close = dict(rtol=1e-5, atol=1e-6)
    minidl.manual_seed(0)   # the script's draws, in its order
    minidl.randn(10, 10), minidl.randn(10, 10)
    plain = minidl.randn(10, 10)
    linear = minidl.nn.Linear(5, 5)
    x = minidl.randn(16, 5)
    tangents = {name: minidl.rand_like(p) for name, p in linear.named_parameters()}
    minidl.nn.Linear(5, 5)
    primal_c, tangent_c = minidl.randn(10, 10, dtype=minidl.double), minidl.randn(10, 10)
    assert minidl.equal(g["plain_tensor"], plain)
    assert minidl.allclose(g["jvp2"], x @ tangents["weight"].T + tangents["bias"], **close)
    assert minidl.allclose(g["dual_output"], primal_c.exp(), rtol=1e-12)
    assert minidl.allclose(g["jvp"], tangent_c * primal_c.exp(), rtol=1e-12)
    # the functional jvp of x**2 + y**2 with y fixed: 2 * x * tangent
    assert minidl.allclose(g["tangent_out"], 2 * g["primal"] * g["tangent"], **close)
    assert minidl.allclose(g["primal_out"], g["primal"] ** 2 + g["y"] ** 2, **close)
    weight, bias = g["model"].weight.detach(), g["model"].bias.detach()
    assert minidl.allclose(g["model_output"], g["input"] @ weight.T + bias, **close)
    assert minidl.allclose(g["jvp_out"], g["input"] @ g["tangents"][0].T + g["tangents"][1], **close)
