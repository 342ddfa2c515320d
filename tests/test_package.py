"""Packaging and layering rules: every package is installed, CuPy stays inside backend.py, import is quick."""
import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _declared_packages():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    return {p.strip() for p in cfg["options"]["packages"].split() if p.strip()}


def test_setup_cfg_lists_every_package():
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "minidl").rglob("__init__.py")}
    found |= {"minidl.kernels." + ".".join(p.parent.relative_to(REPO / "kernels").parts)
              for p in (REPO / "kernels").rglob("__init__.py") if p.parent != REPO / "kernels"}
    found.add("minidl.kernels")
    found = {f for f in found if "__pycache__" not in f}
    missing = found - _declared_packages()
    assert not missing, f"setup.cfg [options] packages is missing {sorted(missing)}"


def test_only_backend_imports_cupy():
    pattern = re.compile(r"^\s*(import cupy|from cupy|import cupyx|from cupyx)", re.M)
    offenders = []
    for path in list((REPO / "minidl").rglob("*.py")) + list((REPO / "kernels").rglob("*.py")):
        if path.name == "backend.py" and path.parent.name == "minidl":
            continue
        if pattern.search(path.read_text()):
            offenders.append(str(path.relative_to(REPO)))
    assert not offenders, f"only minidl/backend.py may import CuPy; found imports in {offenders}"


def test_only_backend_knows_about_cupy():
    """No file under minidl/ but backend.py names ``cupy`` or the CUDA array interface (prose may say "CuPy")."""
    pattern = re.compile(r"\bcupyx?\b|__cuda_array_interface__")
    offenders = []
    for path in sorted((REPO / "minidl").rglob("*.py")):
        if path == REPO / "minidl" / "backend.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders, "use minidl.backend's helpers instead:\n" + "\n".join(offenders)


def test_plain_checkout_says_to_install(tmp_path):
    """Without the editable install, ``import minidl`` fails with one line that says ``pip install -e .``."""
    copy = tmp_path / "checkout"
    shutil.copytree(REPO / "minidl", copy / "minidl", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "kernels", copy / "kernels", ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import sys\n"
            "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
            f"sys.path.insert(0, {str(copy)!r})\n"
            "import minidl\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode != 0
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:") and "pip install -e ." in last, res.stderr


def test_import_minidl_is_quick_and_does_not_load_cupy_or_numba():
    code = ("import sys, time; t = time.perf_counter(); import minidl; dt = time.perf_counter() - t; "
            "print(dt, 'cupy' in sys.modules, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    seconds, cupy_loaded, numba_loaded = float(out[0]), out[1] == "True", out[2] == "True"
    assert not cupy_loaded, "import minidl must not import CuPy"
    assert not numba_loaded, "import minidl must not import Numba (kernels compile lazily)"
    assert seconds < 5.0, f"import minidl took {seconds:.2f} s"


def _malloc_tuned(env_extra):
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "MINIDL_MALLOC_TUNING"}
    env.update(env_extra)
    code = "import minidl, minidl.allocator as a; print(a._tuned)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=env).stdout.strip()


def test_import_tunes_glibc_malloc_unless_told_not_to():
    import platform
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        import pytest
        pytest.skip("malloc tuning applies to glibc only")
    assert _malloc_tuned({}) == "True"
    assert _malloc_tuned({"MINIDL_MALLOC_TUNING": "0"}) == "False"
    assert _malloc_tuned({"MALLOC_TRIM_THRESHOLD_": "1000000"}) == "False"   # the user's own setting wins


def _numba_threads_after_import(env_extra):
    import os
    drop = ("NUMBA_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT", "MINIDL_KEEP_NUMBA_THREADS",
            "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["MINIDL_INTRA_OP_PARALLEL"] = "0"       # the scheme's thread counts: tests/test_intra_op_threads.py
    env.update(env_extra)
    code = ("import numpy as np, minidl.kernels as K; K.im2col(np.ones((1, 1, 2, 2), np.float32), 1, 1, 0, 1); "
            "import numba; print(numba.get_num_threads(), numba.config.NUMBA_NUM_THREADS)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout.split()
    return int(out[0]), int(out[1])


def test_numba_kernels_take_one_thread_beside_a_spinning_blas():
    in_effect, available = _numba_threads_after_import({})
    assert in_effect == 1
    if available > 1:   # the user's choices are kept
        assert _numba_threads_after_import({"OPENBLAS_NUM_THREADS": "1"})[0] == available
        assert _numba_threads_after_import({"OPENBLAS_THREAD_TIMEOUT": "4"})[0] == available
        assert _numba_threads_after_import({"MINIDL_KEEP_NUMBA_THREADS": "1"})[0] == available
        assert _numba_threads_after_import({"MINIDL_KEEP_NUMBA_THREADS": "0"})[0] == 1


def _omp_wait_settings(env_extra):
    """OMP_WAIT_POLICY and GOMP_SPINCOUNT once minidl has loaded Numba, in a fresh process with ``env_extra``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME", "MINIDL_OMP_SPIN_COUNT")}
    env.update(env_extra)
    code = ("import os, numpy as np, minidl.kernels as K; K.im2col(np.ones((1, 1, 2, 2), np.float32), 1, 1, 0, 1); "
            "print(*(os.environ.get(k) for k in ('OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'KMP_BLOCKTIME')))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=env).stdout.strip()


def test_numba_pool_spins_briefly_unless_told_otherwise():
    assert _omp_wait_settings({}) == "None 10000 0"      # libgomp spins briefly; Intel's/LLVM's runtime does not
    assert _omp_wait_settings({"MINIDL_OMP_SPIN_COUNT": "250"}) == "None 250 0"
    assert _omp_wait_settings({"KMP_BLOCKTIME": "5"}) == "None 10000 5"
    assert _omp_wait_settings({"MINIDL_OMP_SPIN_COUNT": "0"}) == "PASSIVE None None"
    assert _omp_wait_settings({"OMP_WAIT_POLICY": "ACTIVE"}) == "ACTIVE None None"     # the user's own settings win
    assert _omp_wait_settings({"GOMP_SPINCOUNT": "7", "MINIDL_OMP_SPIN_COUNT": "0"}) == "None 7 None"


SOURCE_DIRS = ("minidl", "kernels", "examples", "benchmarks", "tools")
MAX_LINES = 600


@pytest.mark.parametrize("folder", SOURCE_DIRS)
def test_no_source_file_over_600_lines(folder):
    long = [f"{p.relative_to(REPO)} ({n} lines)" for p in sorted((REPO / folder).rglob("*.py"))
            if "__pycache__" not in p.parts and (n := len(p.read_text().splitlines())) > MAX_LINES]
    assert not long, f"split these into modules of at most {MAX_LINES} lines: {long}"
