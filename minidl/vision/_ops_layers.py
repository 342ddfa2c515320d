"""The layers of ``torchvision.ops`` that the classification models share, published by
:mod:`minidl.vision.ops`: ``stochastic_depth``/``StochasticDepth``, ``Permute`` and ``MLP``."""
from typing import Callable, List, Optional

from minidl.creation import empty
from minidl.nn.containers import Sequential
from minidl.nn.layers import Dropout, Linear, ReLU
from minidl.nn.module import Module

__all__ = ["stochastic_depth", "StochasticDepth", "Permute", "MLP"]


def stochastic_depth(input, p: float, mode: str, training: bool = True):
    """Stochastic depth (Huang et al., 2016) of a residual branch: in training, zero the input with
    probability ``p`` per sample (``mode="row"``) or for the whole batch (``"batch"``) and scale
    what survives by 1 / (1 - p); the input itself when not ``training`` or p = 0.
    (N, ...) -> (N, ...)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ["batch", "row"]:
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival_rate = 1.0 - p
    size = [input.shape[0]] + [1] * (input.ndim - 1) if mode == "row" else [1] * input.ndim
    noise = empty(*size, dtype=input.dtype, device=input.device).bernoulli_(survival_rate)
    if survival_rate > 0.0:
        noise = noise / survival_rate
    return input * noise


class StochasticDepth(Module):
    """:func:`stochastic_depth` as a module (active in training mode only); as torchvision's, ``p``
    and ``mode`` are checked when it runs."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input):
        """``stochastic_depth(input, p, mode, self.training)``."""
        return stochastic_depth(input, self.p, self.mode, self.training)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p}, mode={self.mode})"


class Permute(Module):
    """``x.permute(dims)`` as a module."""

    def __init__(self, dims: List[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x):
        """The input with its dimensions in the order ``dims``."""
        return x.permute(*self.dims)


class MLP(Sequential):
    """torchvision's multi-layer perceptron: for each of ``hidden_channels`` but the last, Linear
    (-> ``norm_layer``) -> ``activation_layer`` -> Dropout; then Linear -> Dropout.
    (..., in_channels) -> (..., hidden_channels[-1])."""

    def __init__(self, in_channels: int, hidden_channels: List[int],
                 norm_layer: Optional[Callable[..., Module]] = None,
                 activation_layer: Optional[Callable[..., Module]] = ReLU, inplace: Optional[bool] = None,
                 bias: bool = True, dropout: float = 0.0) -> None:
        params = {} if inplace is None else {"inplace": inplace}
        layers = []
        in_dim = in_channels
        for hidden_dim in hidden_channels[:-1]:
            layers.append(Linear(in_dim, hidden_dim, bias=bias))
            if norm_layer is not None:
                layers.append(norm_layer(hidden_dim))
            layers.append(activation_layer(**params))
            layers.append(Dropout(dropout, **params))
            in_dim = hidden_dim
        layers.append(Linear(in_dim, hidden_channels[-1], bias=bias))
        layers.append(Dropout(dropout, **params))
        super().__init__(*layers)
