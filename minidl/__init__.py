"""minidl: a readable deep-learning framework on NumPy (CPU) and CuPy (GPU).

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
from . import config
from .config import using_config
from .allocator import tune_malloc as _tune_malloc
from .backend import Device, DeviceError, device, gpu_available, manual_seed
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import (Tensor, arange, as_tensor, bool_, float32, float64, int32, int64, ones, ones_like,
                     rand, randn, tensor, zeros, zeros_like)
from .ops.math import abs, clip, exp, log, maximum, minimum, sqrt
from .ops.shape import concat, flatten, pad, reshape, stack, transpose
from .gradcheck import GradcheckError, gradcheck
from . import nn, optim  # noqa: E402
from . import data, metrics, models, train, viz, io  # noqa: E402
from .summary import summary  # noqa: E402
from .io import load, load_model, save  # noqa: E402
# isort: on

__version__ = "0.1.0"

_tune_malloc()

__all__ = ["config", "using_config", "Device", "DeviceError", "device", "gpu_available", "manual_seed", "no_grad",
           "enable_grad", "is_grad_enabled", "set_grad_enabled", "Tensor", "tensor", "as_tensor",
           "zeros", "ones", "zeros_like", "ones_like", "randn", "rand", "arange", "float32",
           "float64", "int32", "int64", "bool_", "exp", "log", "sqrt", "abs", "clip", "maximum",
           "minimum", "concat", "stack", "reshape", "transpose", "flatten", "pad", "gradcheck",
           "GradcheckError", "nn", "optim", "data", "metrics", "models", "train", "viz", "io",
           "summary", "save", "load", "load_model"]
