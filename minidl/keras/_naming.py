"""Keras' automatic names: ``dense``, ``dense_1``, ... per snake-cased class name."""
from __future__ import annotations

import re

__all__ = ["to_snake_case", "unique_name", "clear_session"]

_COUNTS: dict = {}


def to_snake_case(name: str) -> str:
    """Keras' snake case of a class name: ``Conv2D`` -> ``conv2d``, ``MaxPooling2D`` -> ``max_pooling2d``."""
    intermediate = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))  # ConvLSTM2D -> conv_lstm2d
    snake = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return snake if snake[0] != "_" else "private" + snake


def unique_name(base: str) -> str:
    """``base`` the first time, then ``base_1``, ``base_2``, ... (until :func:`clear_session`)."""
    n = _COUNTS.get(base, 0)
    _COUNTS[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def clear_session() -> None:
    """Reset the name counters (``keras.backend.clear_session()``)."""
    _COUNTS.clear()
