#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU: the gpu-marked tests, then the
# GPU training benchmark (minidl on CuPy against PyTorch CUDA), in under 10 minutes.
#
#   benchmarks/gpu_check.sh                 # from anywhere; uses .venv/bin/python if present
#   PYTHON=/path/to/python benchmarks/gpu_check.sh
#   GPU_CHECK_TORCH=0 benchmarks/gpu_check.sh   # skip installing/timing PyTorch
#
# What it does, in order (each step has its own time limit; they add up to 590 s):
#   1. no GPU (no working nvidia-smi): says so and exits 0, having installed nothing;
#   2. installs what is missing into $PYTHON with pip: minidl itself (editable, with
#      its gpu and test extras, i.e. cupy-cuda12x and pytest), and PyTorch for the
#      comparison (skipped with GPU_CHECK_TORCH=0; a failed PyTorch install only
#      drops the comparison). Offline machines: point PIP_FIND_LINKS at wheels;
#   3. pytest -m gpu (the tests that need a CUDA device);
#   4. python benchmarks/bench_train.py --device gpu (six nets, minidl / PyTorch ratios).
# Exit status: 0 when there is no GPU or everything ran and passed, 1 otherwise.
set -u
cd "$(dirname "$0")/.." || exit 1
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
say() { echo "gpu_check: $*"; }

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    say "no NVIDIA GPU on this machine (nvidia-smi missing or found no device); nothing to run."
    exit 0
fi
say "GPU: $(nvidia-smi -L | head -1)"
say "python: $PYTHON ($($PYTHON --version 2>&1))"

status=0
pip_install() {  # pip_install SECONDS ARGS...: install quietly with a time limit
    local limit=$1; shift
    timeout "$limit" "$PYTHON" -m pip install -q --disable-pip-version-check "$@"
}

if ! "$PYTHON" -c "import minidl, pytest, cupy" >/dev/null 2>&1; then
    say "installing minidl with its gpu and test extras (cupy-cuda12x, pytest) ..."
    pip_install 120 -e ".[gpu,test]" || say "pip could not install minidl[gpu,test]"
fi
problem=$("$PYTHON" -c "from minidl import backend; print(backend.gpu_problem() or '')" 2>&1)
if [ -n "$problem" ]; then
    say "a GPU is present but minidl cannot use it: $problem"
    exit 1
fi

# Which kernels the GPU runs: Numba's CUDA kernels, or the CuPy-array references when numba-cuda
# cannot compile (seen on an image whose numba-cuda predates its NumPy 2.5).
kernels_line=$("$PYTHON" -c "from minidl.kernels import _cuda; p = _cuda.launch_problem(); \
print('Numba CUDA kernels' if p is None else 'vectorised CuPy references (Numba CUDA cannot compile: ' + p + ')')" 2>&1 | tail -1)
say "GPU kernels: $kernels_line"

torch_flag=""
if [ "${GPU_CHECK_TORCH:-1}" = "0" ]; then
    torch_flag="--no-torch"
elif ! "$PYTHON" -c "import torch, sys; sys.exit(not torch.cuda.is_available())" >/dev/null 2>&1; then
    say "installing PyTorch (CUDA) for the comparison ..."
    if ! pip_install 150 torch || \
       ! "$PYTHON" -c "import torch, sys; sys.exit(not torch.cuda.is_available())" >/dev/null 2>&1; then
        say "PyTorch with CUDA is not available; timing minidl alone"
        torch_flag="--no-torch"
    fi
fi

say "pytest -m gpu ..."
timeout 150 "$PYTHON" -m pytest -q -m gpu -p no:cacheprovider tests || { status=1; say "gpu tests FAILED or timed out"; }

say "benchmarks/bench_train.py --device gpu ..."
timeout 170 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PYTHON" benchmarks/bench_train.py --device gpu \
    --steps 10 --min-seconds 0.5 --warmup 3 $torch_flag || { status=1; say "GPU benchmark FAILED or timed out"; }
say "done in ${SECONDS}s, status $status"
exit $status
