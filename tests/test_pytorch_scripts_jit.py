"""PyTorch's TorchScript tutorial scripts run on minidl with only their imports rewritten (scheme of
``test_pytorch_scripts.py``): the Python half of "Loading a TorchScript Model in C++" traces a ResNet-18
and scripts a module with data-dependent control flow, then saves both; minidl.jit.load reads them back."""
from __future__ import annotations

import re

import numpy as np
from test_pytorch_scripts import SCRIPTS, run_script

import minidl as mdl


def test_cpp_export_tutorial_python_half(tmp_path):
    out = run_script(SCRIPTS / "cpp_export_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    match = re.search(r"tensor\(\[(.*)\], grad_fn=<SliceBackward0>\)", out)
    assert match, out
    printed = np.array([float(v) for v in match.group(1).split(",")])
    resnet = mdl.jit.load(tmp_path / "traced_resnet_model.pt")
    # MyModule was defined in the script's __main__: the archive carries its source
    scripted = mdl.jit.load(str(tmp_path / "my_module_model.pt"), map_location="cpu")
    assert isinstance(resnet, mdl.jit.ScriptModule) and resnet.original_name == "ResNet"
    assert len(resnet.state_dict()) == 122     # ResNet-18's parameters and batch-norm buffers
    again = resnet(mdl.ones(1, 3, 224, 224))[0, :5].detach().numpy()
    np.testing.assert_allclose(again, printed, atol=6e-5)
    assert scripted.original_name == "MyModule" and tuple(scripted.weight.shape) == (10, 20)
    positive, negative = mdl.rand(20), -mdl.rand(20)
    np.testing.assert_allclose(scripted(positive).detach().numpy(), (scripted.weight.array @ positive.array),
                               rtol=1e-6)
    np.testing.assert_array_equal(scripted(negative).detach().numpy(), scripted.weight.array + negative.array)
