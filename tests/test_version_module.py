"""``minidl.version`` as ``torch.version`` (scripts print ``torch.version.cuda`` before choosing a device)."""
import minidl
from minidl import backend


def test_version_module():
    assert minidl.version.__version__ == minidl.__version__
    assert minidl.version.hip is None and minidl.version.debug is False
    if backend.gpu_available():
        major, minor = minidl.version.cuda.split(".")
        assert major.isdigit() and minor.isdigit()
    else:
        assert minidl.version.cuda is None
        assert backend.cuda_runtime_version() is None
