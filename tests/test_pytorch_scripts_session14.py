"""Session 14's ported PyTorch recipes and tutorials, run on minidl through ``_run_script.py`` (see
``test_pytorch_scripts.py`` for the scheme). These scripts are written anew in their originals' idiom (the same API
calls, smaller sizes where the test needs them) rather than copied; each names what it follows. Where a script
prints only deterministic text, its output is compared with the same script's output under PyTorch 2.13
(``pytorch_scripts/expected/<name>.txt``, made by running it with ``minidl`` written back as ``torch`` in
/work/refvenv: ``sed -e 's/minidl\\.vision/torchvision/g' -e 's/import minidl as torch/import torch/'
-e 's/\\bminidl\\b/torch/g'``)."""
from __future__ import annotations

import re

from test_pytorch_scripts import SCRIPTS, run_script


def _expected(name):
    return (SCRIPTS / "expected" / f"{name}.txt").read_text()


def _as_torch(out):
    return out.replace("minidl.", "torch.")


def test_reasoning_about_shapes_prints_what_pytorch_prints(tmp_path):
    """Meta-device Conv2d on a 2**10 x 3 x 2**16 x 2**16 input, and a LeNet built under ``torch.device("meta")``
    with forward hooks: every printed meta tensor (``tensor(..., device='meta', size=...)``, its suffixes wrapped
    at 80 columns as PyTorch's printer wraps them), module repr and Size is torch 2.13's; timings are left out."""
    out = run_script(SCRIPTS / "reasoning_about_shapes.py", tmp_path)
    lines = [ln for ln in _as_torch(out).splitlines(keepends=True) if not ln.startswith("Time taken: ")]
    assert "".join(lines) == _expected("reasoning_about_shapes")
    assert len(re.findall(r"^Time taken: \d", out, flags=re.M)) == 2


def test_benchmark_recipe_times_compares_and_pickles(tmp_path):
    """The ``torch.utils.benchmark`` recipe: Timers importing from ``__main__``, labelled Measurements printed under
    PyTorch's module path, ``blocked_autorange`` statistics, ``Compare`` tables (a row per size under each thread
    count, trimmed and colorized), and pickled Measurements from two envs in one table."""
    out = run_script(SCRIPTS / "benchmark_recipe.py", tmp_path)
    assert re.search(r"^mul_sum\(x, x\): +\d+\.\d us$", out, flags=re.M)
    assert out.count("<minidl.utils.benchmark.utils.common.Measurement object at 0x") == 6
    assert "Multithreaded batch dot: Implemented using bmm\nsetup: from __main__ import batched_dot_bmm\n" in out
    assert re.search(r"^Median: +\d+\.\d\d us$", out, flags=re.M)
    tables = re.findall(r"^\[-+ Batched dot -+\]$", out, flags=re.M)
    assert len(tables) == 3
    assert re.search(r"^ +\|  mul/sum  \| +bmm *$", out, flags=re.M)
    assert out.count("1 threads: ---") == 3 and out.count("4 threads: ---") == 2
    assert len(re.findall(r"^      \[(1|64), (1|64)\] ", out, flags=re.M)) == 16
    assert re.search(r"^  \(environment A: mul/sum\)  batched_dot\(x, x\)  \|", out, flags=re.M)
    assert re.search(r"^  \(environment B: bmm\)      batched_dot\(x, x\)  \|", out, flags=re.M)
    assert "\033[92m\033[1m" in out and out.count("Times are in microseconds (us).") == 3
    assert out.rstrip().endswith("round trip ok")


def test_memory_format_tutorial_prints_what_pytorch_prints(tmp_path):
    """Channels-last strides through ``to``/``contiguous``/``empty``/``clone``/``empty_like``/pointwise ops, a
    channels-last Conv2d, BatchNorm2d, ReLU and MaxPool2d keeping the format, and the tutorial's checker wrapping
    (then restoring) every public callable of ``Tensor``, ``nn.functional`` and the top-level module: every
    printed stride, shape, dtype and flag is torch 2.13's."""
    out = run_script(SCRIPTS / "memory_format_tutorial.py", tmp_path)
    assert _as_torch(out) == _expected("memory_format_tutorial")


def test_former_torchies_nn_tutorial_prints_what_pytorch_prints(tmp_path):
    """The ``nn`` package for former Torch users, seeded: the ConvNet's repr, loss, weight and gradient norms, a
    forward hook's view, and the deprecated ``register_backward_hook`` on a Conv2d, which (as in PyTorch) sees the
    gradients of the conv node's inputs (input, weight, bias), are torch 2.13's. minidl's Tensor class prints as
    ``minidl.tensor.Tensor`` where torch's prints as ``torch.Tensor``; that one spelling is normalised."""
    out = run_script(SCRIPTS / "nnft_tutorial.py", tmp_path)
    assert out.count("<class 'minidl.tensor.Tensor'>") == 6
    out = _as_torch(out).replace("<class 'torch.tensor.Tensor'>", "<class 'torch.Tensor'>")
    assert out == _expected("nnft_tutorial")
