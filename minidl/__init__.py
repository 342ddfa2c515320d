"""minidl: a readable deep-learning framework on NumPy (CPU) and CuPy (GPU), with PyTorch's API.

>>> import minidl as mdl
>>> x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad.numpy()
array([2., 4., 6.], dtype=float32)
"""
# The imports follow the package's layers, lowest first: keep this order.
# isort: off
import importlib.util as _importlib_util

if _importlib_util.find_spec(__name__ + ".kernels") is None:  # kernels/ is installed as minidl.kernels
    raise ImportError("minidl.kernels not found: minidl is not installed; run `pip install -e .` "
                      "in the repository (setup.cfg maps kernels/ to minidl.kernels)")
from . import _numpy_warnings  # noqa: F401  (installs its warnings filter on import)
from . import config
from .config import using_config
from .allocator import tune_malloc as _tune_malloc
from .backend import (Device, DeviceError, device, get_default_device, gpu_available, manual_seed,
                      set_default_device)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from . import autograd  # noqa: F401  (minidl.autograd.grad, .Function, ...)
from .autograd import is_anomaly_check_nan_enabled, is_anomaly_enabled
from .dtypes import (bool, double, dtype, float, float16, float32, float64, get_default_dtype, half, int,  # noqa: A004
                     int8, int16, int32, int64, long, short, uint8)
from .size import Size
from .tensor import Tensor, as_tensor, tensor
from .tensor_str import set_printoptions
from .random import get_rng_state, initial_seed, seed, set_rng_state
from . import random  # noqa: F401  (minidl.random, as torch.random)
from .creation import (arange, empty, empty_like, eye, from_numpy, full, full_like, linspace, logspace, ones,
                       ones_like, rand, rand_like, randint, randn, randn_like, randperm, zeros, zeros_like)
from .functions import (abs, add, all, allclose, amax, amin, any, argmax, argmin, argsort, bmm, cat, ceil,
                        chunk, clamp, clip, concat, cos, cumsum, div, divide, eq, equal, exp, flatten, flip,
                        floor, floor_divide, gather, ge, gt, index_select, is_floating_point, is_tensor,
                        isclose, isfinite, isnan, le, log, log_softmax, logsumexp, lt, masked_select, matmul,
                        max, maximum, mean, min, minimum, mm, mul, ne, neg, nonzero, norm, numel, permute, pow,
                        prod, relu, remainder, reshape, round, sigmoid, sign, sin, softmax, sort, split, sqrt,
                        scatter, square, squeeze, stack, std, sub, sum, t, tanh, topk, transpose, unbind, unsqueeze,
                        var, where)  # noqa: A004
from .ops.shape import pad
from .ops.einsum import einsum
from .functions_math import *  # noqa: F401,F403  (log1p, addmm, outer, xlogy, cumprod, isin, ...)
from .functions_math import __all__ as _math_names
from .functions_shape import *  # noqa: F401,F403  (tril, diagonal, roll, movedim, tile, hstack, ...)
from .functions_shape import __all__ as _shape_names
from .functions_stats import *  # noqa: F401,F403  (median, quantile, unique, searchsorted, cdist, ...)
from .functions_stats import __all__ as _stats_names
from .functions_random import *  # noqa: F401,F403  (bernoulli, multinomial, normal, ...)
from .functions_random import __all__ as _random_names
from . import linalg  # noqa: F401  (minidl.linalg, as torch.linalg)
from . import special  # noqa: F401  (minidl.special, as torch.special)
from .special import copysign, float_power, heaviside, i0, logit, signbit, sinc
from .functions_linalg import *  # noqa: F401,F403  (inverse, det, logdet, svd, qr, cholesky, ...)
from .functions_linalg import __all__ as _linalg_names
from .functions_more import *  # noqa: F401,F403  (fmax, gcd, scatter_reduce, trapezoid, pdist, ...)
from .functions_more import __all__ as _more_names
from .tensor_index_add import index_add, index_copy, index_fill, scatter_add
from .threads import get_num_threads, set_num_threads
from .dtypes import set_default_dtype
from .legacy_types import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,
                           LongTensor, ShortTensor, set_default_tensor_type)
from .type_info import finfo, iinfo
from .matmul_precision import get_float32_matmul_precision, set_float32_matmul_precision
from .determinism import (are_deterministic_algorithms_enabled, get_deterministic_debug_mode,
                          is_deterministic_algorithms_warn_only_enabled, set_deterministic_debug_mode,
                          use_deterministic_algorithms)
from .tensor_more import install_methods as _install_more_methods
from .gradcheck import GradcheckError, gradcheck
from .generator import Generator
from . import return_types  # noqa: E402
from . import amp  # noqa: E402  (minidl.amp, as torch.amp; before cuda, whose amp builds on it)
from .amp import autocast, is_autocast_enabled  # noqa: E402
from . import accelerator, backends, cuda  # noqa: E402
from . import cpu  # noqa: E402  (minidl.cpu, as torch.cpu)
from . import nn, optim  # noqa: E402
from . import data, metrics, models, train, viz, io  # noqa: E402
from .summary import summary  # noqa: E402
from .io import load, load_model, save  # noqa: E402
from . import utils  # noqa: E402  (minidl.utils.data, as torch.utils.data)
from . import distributed  # noqa: E402  (minidl.distributed, as torch.distributed)
from . import testing  # noqa: E402  (minidl.testing, as torch.testing)
from . import distributions  # noqa: E402  (minidl.distributions, as torch.distributions)
# isort: on

from . import version  # noqa: E402,I001  (minidl.version.cuda, as torch.version)

__version__ = version.__version__

bool_ = bool  # NumPy's spelling, kept for older code

_tune_malloc()
_install_more_methods()   # Tensor.log1p, .tril, .median, ...: the method forms of the functions above

__all__ = [
    "config", "using_config", "utils", "distributed",
    "Device", "DeviceError", "device", "gpu_available", "manual_seed", "set_default_device", "get_default_device",
    "set_printoptions", "seed", "initial_seed", "get_rng_state", "set_rng_state", "random", "no_grad", "enable_grad",
    "is_grad_enabled",
    "set_grad_enabled", "inference_mode", "autograd", "Generator", "dtype", "float16", "float32", "float64", "int8",
    "int16", "int32", "int64", "uint8",
    "bool", "bool_", "half", "float", "double", "short", "int", "long", "get_default_dtype", "Size", "Tensor",
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like",
    "full_like", "rand", "randn", "rand_like", "randn_like", "randint", "randperm", "arange", "linspace",
    "logspace", "eye", "max", "min", "amax", "amin", "argmax", "argmin", "sum", "mean", "prod", "std", "var",
    "logsumexp", "norm", "all", "any", "exp", "log", "sin", "cos", "sqrt", "abs", "sign", "floor", "ceil", "round",
    "clamp", "clip", "where", "scatter", "matmul", "mm", "bmm", "flatten", "transpose", "permute", "unsqueeze",
    "squeeze",
    "reshape", "t", "cat", "concat", "stack", "chunk", "split", "unbind", "gather", "topk", "sort", "argsort",
    "softmax", "log_softmax", "sigmoid", "tanh", "relu", "maximum", "minimum", "pow", "square", "add", "sub",
    "mul", "div", "divide", "neg", "floor_divide", "remainder", "flip", "cumsum", "index_select",
    "masked_select", "nonzero", "eq", "ne", "lt", "le", "gt", "ge", "equal",
    "allclose", "isclose", "isnan", "isfinite", "numel", "is_tensor", "is_floating_point", "pad", "gradcheck",
    "GradcheckError", "return_types", "cuda", "accelerator", "backends", "nn", "optim", "data", "metrics",
    "models", "train", "viz", "io", "summary", "save", "load", "load_model"]
__all__ += ["einsum", "scatter_add", "index_add", "index_copy", "index_fill"]
__all__ += ["linalg", "special", "copysign", "float_power", "heaviside", "i0", "logit", "signbit", "sinc"]
__all__ += ["set_num_threads", "get_num_threads"]
__all__ += ["set_default_dtype", "finfo", "iinfo", "use_deterministic_algorithms",
            "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
            "set_deterministic_debug_mode", "get_deterministic_debug_mode"]
__all__ += ["testing"]
__all__ += ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
            "ByteTensor", "BoolTensor", "set_default_tensor_type"]
__all__ += ["set_float32_matmul_precision", "get_float32_matmul_precision"]
__all__ += ["is_anomaly_enabled", "is_anomaly_check_nan_enabled"]
__all__ += ["amp", "autocast", "is_autocast_enabled"]
__all__ += ["distributions", "cpu"]
__all__ += [n for n in _math_names + _shape_names + _stats_names + _random_names + _linalg_names
                         + _more_names if n not in __all__]
from . import func  # noqa: E402  (minidl.func, as torch.func: functional_call)

__all__ += ["func"]

# --- PyTorch surface: more Tensor methods and top-level names (tensorsurf) ---
# isort: off
from .tensor_surface import install as _install_surface  # noqa: E402
from .tensor_layout import (channels_last, channels_last_3d, contiguous_format, layout, memory_format,  # noqa: E402
                            preserve_format, strided)
from .autograd import is_inference_mode_enabled  # noqa: E402
from .functions_bitshift import bitwise_left_shift, bitwise_right_shift  # noqa: E402
from .signal_windows import bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window  # noqa: E402
from .functions_creation_more import *  # noqa: F401,F403,E402  (asarray, frombuffer, empty_strided, range, ...)
from .functions_creation_more import __all__ as _creation_more_names  # noqa: E402
from .functions_runtime import *  # noqa: F401,F403,E402  (pi, typename, compile, set_flush_denormal, ...)
from .functions_runtime import __all__ as _runtime_names  # noqa: E402
from ._torch_nn_aliases import *  # noqa: F401,F403,E402  (conv2d, batch_norm, dropout, kl_div, ...)
from ._torch_nn_aliases import __all__ as _nn_alias_names  # noqa: E402
from ._torch_inplace import *  # noqa: F401,F403,E402  (relu_, exp_, clamp_, zero_, fill, ...)
from ._torch_inplace import __all__ as _inplace_names  # noqa: E402
from .functions_view_copy import *  # noqa: F401,F403,E402  (view_copy, t_copy, as_strided, ...)
from .functions_view_copy import __all__ as _view_copy_names  # noqa: E402
from .functions_surface_more import *  # noqa: F401,F403,E402  (adjoint, put, feature_dropout, ...)
from .functions_surface_more import __all__ as _surface_more_names  # noqa: E402
# isort: on

_install_surface()
__all__ += ["channels_last", "channels_last_3d", "contiguous_format", "layout", "memory_format", "preserve_format",
            "strided", "is_inference_mode_enabled", "bitwise_left_shift", "bitwise_right_shift", "bartlett_window",
            "blackman_window", "hamming_window", "hann_window", "kaiser_window"]
__all__ += [n for n in _creation_more_names + _runtime_names + _nn_alias_names + _inplace_names + _view_copy_names
            + _surface_more_names if n not in __all__]

from .functions_lu import lu, lu_solve, lu_unpack  # noqa: E402

__all__ += ["lu", "lu_solve", "lu_unpack"]

from .amp import get_autocast_dtype  # noqa: E402
from .dtypes import bfloat16  # noqa: E402  (ml_dtypes' NumPy bfloat16, with PyTorch's promotion and arithmetic)

__all__ += ["bfloat16", "get_autocast_dtype"]

from .generator import default_generator, manual_seed  # noqa: E402,F811  (returns the default generator, as torch's)

__all__ += ["default_generator"]

# minidl.serialization (safe_globals, add_safe_globals, ...) and minidl.onnx, as torch.serialization / torch.onnx
from . import onnx, serialization  # noqa: E402,F401

# torch.gradient / torch.histogramdd, and torch.multiprocessing (the standard library's, re-exported)
# isort: off
from .functions_gradient import gradient, histogramdd  # noqa: E402
from . import multiprocessing  # noqa: E402
# isort: on

__all__ += ["gradient", "histogramdd", "multiprocessing"]

# Complex tensors (complexfft): the complex dtypes, the functions on complex parts, Tensor.real/imag/conj
# isort: off
from .dtypes import cdouble, cfloat, complex64, complex128  # noqa: E402
from .ops.complex import complex, conj, conj_physical, imag, polar, real, view_as_complex, view_as_real  # noqa: E402,A004
from . import tensor_complex as _tensor_complex  # noqa: E402
# isort: on

_tensor_complex.install()
from . import fft  # noqa: E402  (torch.fft)

__all__ += ["fft", "cdouble", "cfloat", "complex64", "complex128", "complex", "conj", "conj_physical", "imag", "polar",
            "real", "view_as_complex", "view_as_real"]


from . import profiler  # noqa: E402  (minidl.profiler, as torch.profiler)

__all__ += ["profiler"]

from . import xpu  # noqa: E402  (minidl.xpu, as torch.xpu: no XPU device, for scripts that ask)

__all__ += ["xpu"]

# torch.jit (eager: scripted/traced code runs as Python), torch.futures
from . import futures, jit  # noqa: E402
from .jit import Future, fork, wait  # noqa: E402

__all__ += ["jit", "futures", "Future", "fork", "wait"]

from . import hub  # noqa: E402  (torch.hub)

__all__ += ["hub"]

from . import signal  # noqa: E402  (torch.signal: minidl.signal.windows)

__all__ += ["signal"]

# torch's top-level names scripts use: autocast getters/setters, control flow, sym_*, errors, old norms (jithub)
# isort: off
from .autocast_settings import *  # noqa: F401,F403,E402
from .autocast_settings import __all__ as _autocast_setting_names  # noqa: E402
from .functions_torch_misc import *  # noqa: F401,F403,E402
from .functions_torch_misc import __all__ as _torch_misc_names  # noqa: E402
from .func import vmap  # noqa: E402
from .amp import GradScaler  # noqa: E402
# isort: on

__all__ += _autocast_setting_names + _torch_misc_names + ["vmap", "GradScaler"]

from .functions_igamma import igamma, igammac  # noqa: E402
from .functions_igamma import install as _install_igamma  # noqa: E402

_install_igamma(Tensor)
__all__ += ["igamma", "igammac"]

from .functions_lowrank import pca_lowrank, svd_lowrank  # noqa: E402

__all__ += ["svd_lowrank", "pca_lowrank"]

from .functions_binomial import binomial  # noqa: E402

__all__ += ["binomial"]

from . import quasirandom  # noqa: E402  (torch.quasirandom.SobolEngine)

__all__ += ["quasirandom"]

from . import __future__ as __future__  # noqa: E402  (torch.__future__: the module-conversion switches)
from . import compiler  # noqa: E402  (torch.compiler: is_compiling, disable, ...)

__all__ += ["compiler"]

from .functions_rnn_cells import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell  # noqa: E402

__all__ += ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]

from .functions_native_norms import (  # noqa: E402
    native_batch_norm,
    native_dropout,  # noqa: E402
    native_group_norm,
    native_layer_norm,
)

__all__ += ["native_layer_norm", "native_batch_norm", "native_group_norm", "native_dropout"]

from .functions_conv_aliases import *  # noqa: F401,F403,E402  (convolution, conv_tbc, grid_sampler, ...)
from .functions_conv_aliases import __all__ as _conv_alias_names  # noqa: E402

__all__ += _conv_alias_names

from .functions_householder import *  # noqa: F401,F403,E402  (geqrf, orgqr, ormqr, triangular_solve, ...)
from .functions_householder import __all__ as _householder_names  # noqa: E402

__all__ += _householder_names

from . import library  # noqa: E402  (torch.library: custom_op, register_autograd, opcheck)

__all__ += ["library"]

from .functions_rnn import gru, lstm, rnn_relu, rnn_tanh  # noqa: E402

__all__ += ["lstm", "gru", "rnn_tanh", "rnn_relu"]

# sparse tensors (torch.sparse): the layouts, the constructors and the Tensor methods
from . import sparse  # noqa: E402,F811
from .sparse._creation import sparse_coo_tensor, sparse_csc_tensor, sparse_csr_tensor  # noqa: E402
from .sparse._products import dsmm, hsmm, hspmm, saddmm, smm, spmm, sspaddmm  # noqa: E402
from .sparse._tensor_methods import install as _install_sparse  # noqa: E402
from .sparse._tensor_methods import sparse_coo, sparse_csc, sparse_csr  # noqa: E402

_install_sparse()
__all__ += ["sparse_coo", "sparse_csr", "sparse_csc", "sparse_coo_tensor", "sparse_csr_tensor", "sparse_csc_tensor",
            "sparse", "spmm", "smm", "dsmm", "hspmm", "hsmm", "sspaddmm", "saddmm"]

# torch.autograd.gradcheck is also a module (``from torch.autograd.gradcheck import gradcheck``, the numpy-extensions
# tutorial); loading it binds the package attribute to the module, so it is set back to the function, as in PyTorch
import minidl.autograd.gradcheck  # noqa: E402,F401

autograd.gradcheck = autograd.gradcheck.gradcheck


from .legacy_types import BFloat16Tensor  # noqa: E402  (torch.BFloat16Tensor, the legacy bfloat16 type)

__all__ += ["BFloat16Tensor"]


# Short-time Fourier transforms (complex2): torch.stft / torch.istft and their Tensor methods
from . import tensor_spectral as _tensor_spectral  # noqa: E402
from .spectral import istft, stft  # noqa: E402

_tensor_spectral.install()
__all__ += ["stft", "istft"]


def __getattr__(name):
    """``minidl.complex32``/``minidl.chalf``: a clear error (NumPy, and so minidl, has no complex32)."""
    if name in ("complex32", "chalf"):
        raise AttributeError(f"module 'minidl' has no attribute '{name}': minidl has no complex32 (NumPy has no "
                             "half-precision complex type); use minidl.complex64")
    if name in ("_dynamo", "_inductor"):  # torch._dynamo/_inductor are reachable without importing them
        import importlib
        return importlib.import_module(f"minidl.{name}")
    raise AttributeError(f"module 'minidl' has no attribute '{name}'")
