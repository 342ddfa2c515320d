"""Hyper-parameter checks shared by the optimisers (PyTorch's messages)."""
from __future__ import annotations


def check_non_negative(name: str, value) -> None:
    """Raise ValueError unless ``value`` >= 0."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def check_unit_interval(name: str, value) -> None:
    """Raise ValueError unless 0 <= ``value`` < 1."""
    if not 0.0 <= value < 1.0:
        raise ValueError(f"Invalid {name} value: {value} (expected 0 <= {name} < 1)")
