"""minidl.set_num_threads / get_num_threads: PyTorch's intra-op thread count, which is BLAS's here."""
import os
import subprocess
import sys

import pytest

import minidl


def test_set_num_threads_sets_blas_threads_and_get_reads_them_back():
    """In a fresh process (the BLAS thread count is process-wide): set, read back, and BLAS itself agrees."""
    code = ("import minidl, threadpoolctl; minidl.set_num_threads(1); a = minidl.get_num_threads(); "
            "b = threadpoolctl.threadpool_info()[0]['num_threads']; minidl.set_num_threads(2); "
            "print(a, b, minidl.get_num_threads())")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    one, blas_one, two = map(int, out.stdout.split())
    assert (one, blas_one) == (1, 1)
    assert two == 2                    # OpenBLAS accepts up to its build's limit, far above 2


@pytest.mark.parametrize("bad, message", [(0, "positive integer"), (-3, "positive integer"),
                                          (2.5, "expects an int, but got float"),
                                          ("2", "expects an int, but got str")])
def test_bad_counts_raise_pytorchs_errors(bad, message):
    with pytest.raises(RuntimeError, match=message):
        minidl.set_num_threads(bad)


def test_get_num_threads_is_a_positive_int():
    n = minidl.get_num_threads()
    assert isinstance(n, int) and n >= 1
