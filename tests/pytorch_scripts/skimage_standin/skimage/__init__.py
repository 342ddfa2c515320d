"""A stand-in for the part of scikit-image that PyTorch's data-loading tutorial uses (``io.imread`` of binary PPM
files and ``transform.resize`` to floats in [0, 1]), so the script runs where scikit-image (no minidl dependency)
is absent."""
from . import io, transform  # noqa: F401
