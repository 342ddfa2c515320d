"""``scipy.signal.correlate2d`` / ``convolve2d`` for 2-D arrays, modes 'valid' and 'full' (zero fill), in NumPy."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def correlate2d(in1, in2, mode="full"):
    """Cross-correlation of ``in1`` (H, W) with ``in2`` (h, w): (H-h+1, W-w+1) for 'valid', (H+h-1, W+w-1) for
    'full'."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    if mode == "full":
        in1 = np.pad(in1, [(in2.shape[0] - 1,) * 2, (in2.shape[1] - 1,) * 2])
    elif mode != "valid":
        raise ValueError(f"mode {mode!r} is not stood in for (use 'valid' or 'full')")
    return np.einsum("ijmn,mn->ij", sliding_window_view(in1, in2.shape), in2)


def convolve2d(in1, in2, mode="full"):
    """Convolution: the correlation with ``in2`` flipped along both axes."""
    return correlate2d(in1, np.asarray(in2)[::-1, ::-1], mode)
