"""``minidl.nn.utils``: gradient clipping and parameter/vector conversion, as ``torch.nn.utils``."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]

from .clip_grad import clip_grad_norm, clip_grads_with_norm_, get_total_norm  # noqa: E402
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: E402  (the functions shadow the modules)
from .weight_norm import remove_weight_norm, weight_norm  # noqa: E402

__all__ += ["clip_grad_norm", "get_total_norm", "clip_grads_with_norm_", "weight_norm", "remove_weight_norm",
            "spectral_norm", "remove_spectral_norm"]

from . import parametrizations, parametrize  # noqa: E402

__all__ += ["parametrize", "parametrizations"]

from . import fusion, init, stateless  # noqa: E402,F401
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa: E402
from .init import skip_init  # noqa: E402

__all__ += ["fusion", "stateless", "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
            "fuse_linear_bn_weights", "skip_init"]

from . import prune, rnn  # noqa: E402,F401  (prune: torch.nn.utils.prune)
from .memory_format import convert_conv2d_weight_memory_format, convert_conv3d_weight_memory_format  # noqa: E402

__all__ += ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]
