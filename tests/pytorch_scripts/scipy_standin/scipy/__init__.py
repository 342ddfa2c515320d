"""A stand-in for the part of SciPy that PyTorch's numpy-extensions tutorial imports (``scipy.signal``'s
``correlate2d`` and ``convolve2d``), so the script runs where SciPy (not a minidl dependency) is absent."""
