"""Silence NumPy's floating-point RuntimeWarnings raised inside minidl, as PyTorch is silent.

``torch.log(torch.zeros(1))`` is ``-inf`` without a word; on NumPy the same
computation warns "divide by zero encountered in log". The filter matches only
NumPy's floating-point messages and only where the warning is attributed to a
``minidl`` module (the frame that called NumPy), so a user's own NumPy code still
warns and minidl's own RuntimeWarnings (NaN checkpoints, unreadable caches) are
untouched. It costs nothing on the path where nothing warns (an ``np.errstate``
around every op would).
"""
from __future__ import annotations

import warnings

__all__ = ["install"]

#: NumPy's floating-point error messages, and its empty-reduction ones (torch gives nan silently)
MESSAGES = (r"(divide by zero|invalid value|overflow|underflow) encountered in"
            r"|Mean of empty slice|Degrees of freedom <= 0")


def install() -> None:
    """Add the warnings filter (idempotent: ``warnings.filterwarnings`` drops a duplicate entry)."""
    warnings.filterwarnings("ignore", message=MESSAGES, category=RuntimeWarning, module=r"minidl(\.|$)")


install()
