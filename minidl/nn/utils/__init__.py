"""``minidl.nn.utils``: gradient clipping and parameter/vector conversion, as ``torch.nn.utils``."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
from . import rnn  # noqa: E402,F401
