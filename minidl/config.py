"""``minidl.config``: every tunable of minidl in one place, validated.

Each field starts from its environment variable (read once, when minidl is
imported) and can be changed at run time, for the whole process or for a
``with`` block::

    import minidl
    minidl.config.conv_algorithm = "im2col"          # from now on
    with minidl.using_config(conv_algorithm="direct", im2col_budget_mb=1):
        ...                                          # only inside the block

A bad value raises a one-line ``ValueError`` that names the field and the
allowed values. The table of fields, with their environment variables, is in
``docs/architecture.md`` ("Configuration"); :func:`describe` prints it.

This module is itself the configuration object: its fields are module
attributes guarded by :class:`_ConfigModule`, so ``minidl.config.x``,
``import minidl.config as cfg`` and ``from minidl.config import using`` all
see the same values.
"""
from __future__ import annotations

import contextlib
import os
import sys
import types

__all__ = ["using", "using_config", "fields", "describe", "Field"]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class Field:
    """One setting: its name, environment variable, default and rule."""

    def __init__(self, name, env, default, kind, doc, choices=None):
        self.name, self.env, self.default, self.kind, self.doc = name, env, default, kind, doc
        self.choices = choices

    def allowed(self) -> str:
        """The allowed values, in words."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "bool":
            return "True or False (environment: 1/0, true/false, yes/no, on/off)"
        if self.kind == "path":
            return "a folder path (str or os.PathLike; ~ expanded) or None"
        if self.kind == "count":
            return "an integer >= 0"
        return "a number > 0"

    def check(self, value, source=None):
        """``value`` converted to the field's type; ValueError naming the field otherwise."""
        where = f"minidl.config.{self.name}" + (f" (from ${source})" if source else "")
        if self.kind == "path":
            if value is None or (isinstance(value, str) and value.strip() == ""):
                return None
            if not isinstance(value, (str, os.PathLike)):
                raise ValueError(f"{where} must be {self.allowed()}; got {value!r}")
            return os.path.expanduser(os.fspath(value))
        if self.kind == "choice":
            key = str(value).strip().lower() if isinstance(value, str) else value
            if key not in self.choices:
                raise ValueError(f"{where} must be {self.allowed()}; got {value!r}")
            return key
        if self.kind == "count":
            if isinstance(value, str) and value.strip().isdigit():
                return int(value.strip())
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return int(value)
            raise ValueError(f"{where} must be {self.allowed()}; got {value!r}")
        if self.kind == "bool":
            if isinstance(value, str):
                key = value.strip().lower()
                if key in _TRUE:
                    return True
                if key in _FALSE:
                    return False
            elif isinstance(value, (bool, int)) and value in (0, 1):
                return bool(value)
            raise ValueError(f"{where} must be {self.allowed()}; got {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not number > 0 or number == float("inf"):
            raise ValueError(f"{where} must be {self.allowed()}; got {value!r}")
        return number

    def from_environment(self, environ=None):
        """The value set by the environment variable, else the default."""
        environ = os.environ if environ is None else environ
        raw = environ.get(self.env)
        if raw is None or raw.strip() == "":
            return self.default
        return self.check(raw, source=self.env)


_FIELDS = [
    Field("conv_algorithm", "MINIDL_CONV_ALGORITHM", "auto", "choice",
          "convolution algorithm: 'auto' picks per layer (minidl.ops.conv.choose_algorithm: "
          "kernels.direct_conv_suited, then kernels.winograd_suited: Winograd F(4x4,3x3) on 3x3 stride-1 "
          "layers with >= 32 channels in and out and outputs >= 8x8, with one BLAS thread or under "
          "intra_op_parallel; with one BLAS thread F(2x2,3x3) on other such layers with >= 256 channels; else "
          "im2col), 'im2col' forces im2col + GEMM, 'direct' the direct kernels for "
          "stride-1 layers, 'winograd' Winograd F(2x2,3x3) and 'winograd4' Winograd F(4x4,3x3) for 3x3 stride-1 "
          "ungrouped layers (others fall back to im2col)",
          choices=("auto", "im2col", "direct", "winograd", "winograd4")),
    Field("im2col_budget_mb", "MINIDL_IM2COL_BUDGET_MB", 4.0, "positive",
          "largest im2col column matrix built at once, in MB; bigger batches go in chunks of images"),
    Field("gpu_im2col_budget_mb", "MINIDL_GPU_IM2COL_BUDGET_MB", 1024.0, "positive",
          "im2col_budget_mb for device (CuPy) arrays: there the cost of a chunk is its kernel launches "
          "(each about 0.15 ms from Python), not cache misses, so the whole batch goes at once"),
    Field("cuda_launch", "MINIDL_CUDA_LAUNCH", "ptx", "choice",
          "how the CUDA kernels (written with numba.cuda) launch on a device: 'ptx' compiles each to PTX "
          "with Numba once and launches it through the GPU array library's driver binding (microseconds "
          "per launch); 'numba' through Numba's dispatcher (about 0.15 ms of Python per launch)",
          choices=("ptx", "numba")),
    Field("fuse_conv_bias", "MINIDL_FUSE_CONV_BIAS", True, "bool",
          "direct-convolution layers add the bias, and sum its gradient, inside their kernels' passes "
          "(otherwise a separate y += b and dy.sum((0, 2, 3)))"),
    Field("channels_last", "MINIDL_CHANNELS_LAST", True, "bool",
          "im2col convolutions return their output as an (N, C, H, W) view of NHWC memory (PyTorch's "
          "channels_last memory format: no transposing copy), and pooling, batch norm and the next "
          "convolution keep that layout; off: every convolution output is C-contiguous NCHW"),
    Field("im2col_channels_inner", "MINIDL_IM2COL_CHANNELS_INNER", True, "bool",
          "an im2col convolution (groups 1) on channels-last input orders its columns (i, j, c), channels "
          "innermost, with the weights permuted to match, so im2col and col2im copy whole runs of channels; "
          "off: columns (c, i, j), the order of w.reshape(O, -1)"),
    Field("cpu_kernels", "MINIDL_CPU_KERNELS", "numba", "choice",
          "kernels for NumPy arrays: 'numba' (compiled), 'numpy' (the vectorised references) or "
          "'cudasim' (the CUDA kernels under Numba's simulator, NUMBA_ENABLE_CUDASIM=1 only)",
          choices=("numba", "numpy", "cudasim")),
    Field("keep_numba_threads", "MINIDL_KEEP_NUMBA_THREADS", False, "bool",
          "keep Numba's thread count when its CPU kernels load (otherwise one thread while BLAS "
          "may spin on several)"),
    Field("intra_op_parallel", "MINIDL_INTRA_OP_PARALLEL", True, "bool",
          "with BLAS allowed T > 1 threads: im2col and Winograd convolutions split their batch, "
          "and linear layers their large GEMMs (rows or columns) over T threads of minidl's "
          "own (BLAS on one thread meanwhile), and the Numba kernels run on T threads, each op as the per-op rule "
          "of kernels/_threads.py decides (small ops as with the field off, the largest linear GEMMs on BLAS's "
          "threads); otherwise BLAS alone uses the threads"),
    Field("omp_spin_count", "MINIDL_OMP_SPIN_COUNT", 10000, "count",
          "before Numba's thread pool starts, when neither GOMP_SPINCOUNT nor OMP_WAIT_POLICY is set: "
          "GOMP_SPINCOUNT, the rounds an idle Numba (OpenMP) worker spins before it sleeps (10000: about "
          "0.2 ms on the 2-core development machine, enough to cover the gaps between one op's kernel and "
          "the next's), and KMP_BLOCKTIME=0 unless set (Intel's and LLVM's OpenMP keep the passive wait); "
          "0 sets OMP_WAIT_POLICY=PASSIVE (sleep at once)"),
    Field("malloc_tuning", "MINIDL_MALLOC_TUNING", True, "bool",
          "at import, ask glibc to keep freed array memory in the process (minidl.allocator)"),
    Field("hub_dir", "MINIDL_HUB_DIR", None, "path",
          "minidl.hub's folder (minidl.hub.set_dir sets it); None: PyTorch's own, $TORCH_HOME/hub (default "
          "$XDG_CACHE_HOME/torch/hub, ~/.cache/torch/hub), so checkpoints downloaded by either are shared"),
]
_BY_NAME = {f.name: f for f in _FIELDS}


def fields():
    """The :class:`Field` records, in table order."""
    return list(_FIELDS)


def describe() -> str:
    """The fields as a Markdown table: field, environment variable, allowed values, default, meaning."""
    rows = ["| field | environment variable | allowed | default | what it sets |", "|---|---|---|---|---|"]
    for f in _FIELDS:
        rows.append(f"| `{f.name}` | `{f.env}` | {f.allowed()} | `{f.default!r}` | {f.doc} |")
    return "\n".join(rows)


@contextlib.contextmanager
def using(**changes):
    """Set fields for the duration of a ``with`` block, then restore them (also on error).

    >>> import minidl
    >>> with minidl.config.using(conv_algorithm="im2col"):
    ...     minidl.config.conv_algorithm
    'im2col'
    >>> minidl.config.conv_algorithm == minidl.config.fields()[0].from_environment()
    True
    """
    module = sys.modules[__name__]
    checked = {}
    for name, value in changes.items():
        if name not in _BY_NAME:
            raise TypeError(f"minidl.config has no field {name!r}; fields: {', '.join(_BY_NAME)}")
        checked[name] = _BY_NAME[name].check(value)
    saved = {name: module.__dict__[name] for name in checked}
    module.__dict__.update(checked)
    try:
        yield module
    finally:
        module.__dict__.update(saved)


using_config = using


class _ConfigModule(types.ModuleType):
    """This module's type: field writes go through the :class:`Field` checks.

    The values are plain module attributes, so reading one (on every convolution
    and kernel call) costs no more than reading any module global.
    """

    def __getattr__(self, name):
        raise AttributeError(f"minidl.config has no field {name!r}; fields: {', '.join(_BY_NAME)}")

    def __setattr__(self, name, value):
        if name in _BY_NAME:
            self.__dict__[name] = _BY_NAME[name].check(value)
        elif name.startswith("_") or name in self.__dict__:
            super().__setattr__(name, value)
        else:  # a typo must not pass silently
            raise AttributeError(f"minidl.config has no field {name!r}; fields: {', '.join(_BY_NAME)}")

globals().update({f.name: f.from_environment() for f in _FIELDS})
sys.modules[__name__].__class__ = _ConfigModule
