"""``minidl.onnx``: ``import torch.onnx`` works; ``export`` says clearly that minidl writes no ONNX."""
import pytest

import minidl.nn as nn


def test_onnx_is_an_attribute_and_export_says_why(tmp_path):
    import minidl.onnx
    assert minidl.onnx.is_in_onnx_export() is False
    with pytest.raises(NotImplementedError, match=r"cannot write ONNX files \(asked to export Linear to '.*m\.onnx'\)"):
        minidl.onnx.export(nn.Linear(2, 3), (minidl.randn(1, 2),), str(tmp_path / "m.onnx"))
    assert not (tmp_path / "m.onnx").exists()


def test_serialization_is_an_attribute_of_minidl():
    """``torch.serialization.safe_globals`` is reachable right after ``import torch``."""
    import subprocess
    import sys
    code = "import minidl; print(minidl.serialization.safe_globals.__name__, minidl.onnx.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["safe_globals", "minidl.onnx"]
