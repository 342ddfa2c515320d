"""Keras-style re-initialisation for the nets whose reference models were trained in Keras."""
from __future__ import annotations

from minidl.nn import init
from minidl.nn.layers import Conv2d, Linear
from minidl.nn.module import Module

__all__ = ["keras_init_"]


def keras_init_(model: Module, scheme: str = "glorot_uniform") -> Module:
    """Re-initialise every Conv2d/Linear of ``model`` in place, Keras-style; returns it.

    scheme: ``"glorot_uniform"`` (Keras' default), ``"he_normal"`` (kaiming normal,
    fan_in, ReLU gain) or ``"random_uniform"`` (Keras' RandomUniform: U(-0.05, 0.05)).
    Biases become zero.
    """
    for m in model.modules():
        if not isinstance(m, (Conv2d, Linear)):
            continue
        if scheme == "glorot_uniform":
            init.xavier_uniform_(m.weight)
        elif scheme == "he_normal":
            init.kaiming_normal_(m.weight, nonlinearity="relu")
        elif scheme == "random_uniform":
            init.uniform_(m.weight, -0.05, 0.05)
        else:
            raise ValueError(f"unknown init scheme {scheme!r}")
        if m.bias is not None:
            init.zeros_(m.bias)
    return model
