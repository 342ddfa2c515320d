"""Neural-network building blocks: ``Module``, layers, ``functional`` and ``init``."""
from . import functional  # noqa: F401
