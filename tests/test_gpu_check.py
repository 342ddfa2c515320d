"""The GPU benchmark entry points say why they did nothing on a machine without a GPU, and exit 0."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import minidl

REPO = Path(__file__).resolve().parent.parent


def test_gpu_check_script_without_gpu(tmp_path):
    """benchmarks/gpu_check.sh stops before installing anything when nvidia-smi finds no device."""
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = dict(os.environ, PATH=f"{tmp_path}{os.pathsep}/usr/bin{os.pathsep}/bin", PYTHON=sys.executable)
    proc = subprocess.run(["bash", str(REPO / "benchmarks" / "gpu_check.sh")], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "no NVIDIA GPU on this machine" in proc.stdout
    assert "installing" not in proc.stdout


@pytest.mark.skipif(minidl.cuda.is_available(), reason="a GPU is usable here: the benchmark would run")
def test_bench_train_gpu_without_gpu():
    """bench_train.py --device gpu names the reason (CuPy missing, no device) and exits 0 without timing."""
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_train.py"), "--device", "gpu"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("no GPU benchmark: ")
    assert "step ms" not in proc.stdout
