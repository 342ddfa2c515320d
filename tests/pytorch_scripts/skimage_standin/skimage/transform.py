"""``resize``: nearest-pixel resampling to ``output_shape``, returned as floats in [0, 1] like scikit-image's."""
import numpy as np


def resize(image, output_shape):
    """``image`` resampled to ``output_shape`` (H, W); uint8 input is scaled to [0, 1] floats."""
    h, w = image.shape[:2]
    new_h, new_w = int(output_shape[0]), int(output_shape[1])
    rows = np.minimum((np.arange(new_h) + 0.5) * h / new_h, h - 1).astype(int)
    cols = np.minimum((np.arange(new_w) + 0.5) * w / new_w, w - 1).astype(int)
    out = image[rows][:, cols]
    return out.astype(np.float64) / 255.0 if image.dtype == np.uint8 else out.astype(np.float64)
