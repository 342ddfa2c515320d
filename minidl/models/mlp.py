"""``mlp``: a fully connected classifier (flatten, hidden Linear+ReLU layers, Linear)."""
from __future__ import annotations

from minidl.models.registry import register_model
from minidl.nn.containers import Sequential
from minidl.nn.layers import Dropout, Flatten, Linear, ReLU

__all__ = ["mlp"]


@register_model
def mlp(in_features: int, hidden=(512,), num_classes: int = 10, dropout: float = 0.0):
    """A multi-layer perceptron returning logits.

    Layout (``nn.Sequential``): Flatten, then for each width in ``hidden``
    Linear + ReLU (+ Dropout(p) when ``dropout`` > 0), then Linear to classes.

    Args:
        in_features: size of one flattened input (e.g. 784 for 1x28x28, 3072 for 3x32x32).
        hidden: widths of the hidden layers (empty = multinomial logistic regression).
        num_classes: output width.
        dropout: drop probability after each hidden layer (0 = none).

    Shapes: (N, *) with prod(*) == in_features -> (N, num_classes).
    """
    layers = [Flatten()]
    width = int(in_features)
    for h in hidden:
        layers += [Linear(width, int(h)), ReLU()]
        if dropout:
            layers.append(Dropout(dropout))
        width = int(h)
    layers.append(Linear(width, num_classes))
    return Sequential(*layers)
