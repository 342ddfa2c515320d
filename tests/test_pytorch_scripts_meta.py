"""PyTorch tutorials that use the ``meta`` device, run on minidl with only their import lines rewritten (see
``test_pytorch_scripts.py`` for the scheme; a constant changed to fit a CPU test is marked ``# minidl test:``):
the "Model ensembling" tutorial (``copy.deepcopy(model).to('meta')`` as the stateless base of
``functional_call`` under ``vmap``) and the "Tips for loading an nn.Module from a checkpoint" recipe
(``torch.load(mmap=True)``, ``with torch.device('meta')``, ``load_state_dict(assign=True)``)."""
from __future__ import annotations

import re
import runpy

import numpy as np
from test_pytorch_scripts import SCRIPTS

import minidl


def _run(name, tmp_path, monkeypatch, capsys):
    """The script's globals and stdout once it has run as ``__main__`` in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    g = runpy.run_path(str(SCRIPTS / f"{name}.py"), run_name="__main__")
    return g, capsys.readouterr().out


def test_ensembling_tutorial(tmp_path, monkeypatch, capsys):
    """The script asserts that vmap over the stacked states matches the per-model loop (atol 1e-3); here also
    the shapes, the meta base model and the Timer printouts."""
    g, out = _run("ensembling", tmp_path, monkeypatch, capsys)
    assert out.splitlines()[0] == "[10, 10, 10, 10, 10, 10]"
    assert all(p.is_meta for p in g["base_model"].parameters())
    assert not any(p.is_meta for m in g["models"] for p in m.parameters())
    for name in ("predictions1_vmap", "predictions2_vmap"):
        assert g[name].shape == (10, 64, 10) and g[name].dtype == minidl.float32
    loop = np.stack([p.detach().numpy() for p in g["predictions2"]])
    np.testing.assert_allclose(g["predictions2_vmap"].detach().numpy(), loop, rtol=1e-5, atol=1e-5)
    assert len(re.findall(r"^  \d+\.\d\d [mu]?s\n  1 measurement, 100 runs , 1 thread$", out, flags=re.M)) == 2


def test_module_load_state_dict_tips_recipe(tmp_path, monkeypatch, capsys):
    """The meta-built module ends with the checkpoint's CPU tensors (assign=True), the plain one with copies."""
    g, _ = _run("module_load_state_dict_tips", tmp_path, monkeypatch, capsys)
    saved = minidl.load(tmp_path / "checkpoint.pth")
    assert len(saved) == 20
    for module in (g["meta_m"], g["m"]):
        state = module.state_dict()
        assert list(state) == list(saved)
        for key, value in saved.items():
            assert not state[key].is_meta and state[key].device.type == "cpu"
            np.testing.assert_array_equal(state[key].detach().numpy(), value.numpy())
    assert all(p.requires_grad for p in g["meta_m"].parameters())
    assert isinstance(g["meta_m"].linears[0].weight, minidl.nn.Parameter)
