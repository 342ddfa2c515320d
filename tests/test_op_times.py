"""``benchmarks/op_times.py --layouts``: no forward op of the conv reference nets drops channels-last memory.

A regression test for the layout leaks found with it (session 6): dropout used to
turn a channels-last activation into NCHW memory, so the next convolution read
the slower layout. Runs the benchmark script in a subprocess (it restarts itself
with the BLAS thread count it is given).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("net", ["N2", "N4"])
def test_forward_ops_keep_channels_last(net):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "op_times.py"), net, "--layouts",
                          "--threads", "1"], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert any(line.startswith("Dropout ") and "forward" in line and "in[CL] out[CL]" in line for line in lines)
    lost = [line for line in lines if " forward " in line and "channels-last in, NCHW out" in line]
    assert not lost, "forward ops that turn channels-last input into NCHW output:\n" + "\n".join(lost)
