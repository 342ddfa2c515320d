"""Utilities under PyTorch's names (``minidl.utils.data``)."""
from minidl.utils import data  # noqa: F401

__all__ = ["data"]
