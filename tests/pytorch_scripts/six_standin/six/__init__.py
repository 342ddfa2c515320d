"""A stand-in for the ``six`` compatibility package (not installed here): on Python 3 ``six.moves.urllib``
is the standard library's ``urllib`` with its ``request``/``parse``/``error`` submodules, which is all the
spatial transformer tutorial uses of it."""
from . import moves  # noqa: F401
