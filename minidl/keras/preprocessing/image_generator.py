"""``ImageDataGenerator``: tf.keras 2.x's real-time image augmentation (not in Keras 3), for scripts
written against ``tf.keras.preprocessing.image``.

Arguments as tf.keras 2: geometric augmentation (``rotation_range`` degrees, ``width_shift_range`` /
``height_shift_range`` (a fraction of the side when < 1, else pixels; an int n or a list draws a
whole shift from ``range(n)`` / the list with a random sign), ``shear_range`` degrees,
``zoom_range`` (f: [1 - f, 1 + f]), flips), ``channel_shift_range``, ``brightness_range`` (through
PIL's ``ImageEnhance.Brightness``), ``fill_mode`` / ``cval``, then standardisation (``rescale``,
``samplewise_*``, ``featurewise_*`` and ``zca_whitening`` statistics from :meth:`fit`),
``preprocessing_function`` first of all, and ``validation_split`` for ``subset=``.

The affine map follows tf.keras 2's composition (rotation, shift, shear, zoom about the image
centre), on (row, column) coordinates: a positive ``ty`` shift moves content left, a height shift
moves rows. Resampling is ``scipy.ndimage.affine_transform``'s with ``interpolation_order`` 0
(nearest) or 1 (linear) and fill modes ``nearest``, ``constant``, ``reflect``, ``wrap``.
Random draws come from each iterator's ``np.random.RandomState`` (seeded by ``seed`` plus the number
of batches drawn, as tf.keras seeds NumPy's global generator, which is left alone here).
"""
from __future__ import annotations

import warnings

import numpy as np

from minidl import backend
from minidl.keras.layers.augment_geometry import sample_grid

__all__ = ["ImageDataGenerator", "apply_affine_transform", "apply_channel_shift", "apply_brightness_shift",
           "flip_axis"]


def _offset_center(matrix, height, width):
    o_x, o_y = float(height) / 2 - 0.5, float(width) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset @ matrix @ reset


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1, channel_axis=2,
                           fill_mode="nearest", cval=0.0, order=1):
    """One image ``x`` rotated by ``theta`` degrees, shifted by ``tx`` rows / ``ty`` columns, sheared by
    ``shear`` degrees and zoomed by ``zx`` / ``zy`` about its centre (tf.keras 2's composition)."""
    if order not in (0, 1):
        raise NotImplementedError(f"apply_affine_transform: interpolation order {order} is not supported by "
                                  "minidl.keras (use 0 or 1)")
    if fill_mode not in ("nearest", "constant", "reflect", "wrap"):
        raise ValueError(f"apply_affine_transform: unknown fill_mode {fill_mode!r}")
    matrix = None
    if theta != 0:
        t = np.deg2rad(theta)
        matrix = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        shift = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        matrix = shift if matrix is None else matrix @ shift
    if shear != 0:
        s = np.deg2rad(shear)
        shear_matrix = np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
        matrix = shear_matrix if matrix is None else matrix @ shear_matrix
    if zx != 1 or zy != 1:
        zoom = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        matrix = zoom if matrix is None else matrix @ zoom
    if matrix is None:
        return x
    x = np.asarray(x)
    image = np.moveaxis(x, channel_axis, -1)
    if row_axis > col_axis:
        image = image.transpose(1, 0, 2)
    h, w = image.shape[0], image.shape[1]
    matrix = _offset_center(matrix, h, w)
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    y_in = matrix[0, 0] * rows + matrix[0, 1] * cols + matrix[0, 2]
    x_in = matrix[1, 0] * rows + matrix[1, 1] * cols + matrix[1, 2]
    out = sample_grid(image[None].astype(np.float32), x_in[None], y_in[None],
                      "nearest" if order == 0 else "bilinear", fill_mode, cval)[0]
    if row_axis > col_axis:
        out = out.transpose(1, 0, 2)
    return np.moveaxis(out, -1, channel_axis).astype(x.dtype, copy=False)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's original min..max."""
    x = np.moveaxis(np.asarray(x), channel_axis, 0)
    low, high = np.min(x), np.max(x)
    x = np.stack([np.clip(c + intensity, low, high) for c in x], axis=0)
    return np.moveaxis(x, 0, channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """PIL's ``ImageEnhance.Brightness(brightness)`` on an (H, W, C) image (through uint8, as tf.keras)."""
    from PIL import ImageEnhance

    from minidl.keras.image_utils import array_to_img, img_to_array
    low, high = np.min(x), np.max(x)
    local_scale = (low < 0) or (high > 255)
    img = ImageEnhance.Brightness(array_to_img(x, scale=local_scale or scale)).enhance(brightness)
    out = img_to_array(img)
    if not scale and local_scale:
        out = out / 255 * (high - low) + low
    return out


def flip_axis(x, axis):
    """``x`` reversed along ``axis``."""
    return np.flip(np.asarray(x), axis)


def _shift(rng, shift_range, size):
    if not shift_range:
        return 0
    if isinstance(shift_range, (list, tuple, np.ndarray)) or isinstance(shift_range, (int, np.integer)):
        value = float(rng.choice(shift_range)) * rng.choice([-1, 1])
    else:
        value = rng.uniform(-shift_range, shift_range)
    if np.max(shift_range) < 1:
        value *= size
    return value


class ImageDataGenerator:
    """tf.keras 2's augmenting batch generator factory (see the module docstring); :meth:`flow` and
    :meth:`flow_from_directory` make the iterators ``model.fit`` takes."""

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        self.featurewise_center, self.samplewise_center = featurewise_center, samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range, self.width_shift_range, self.height_shift_range = rotation_range, width_shift_range, \
            height_shift_range
        self.shear_range, self.channel_shift_range = shear_range, channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.dtype = dtype or "float32"
        self.interpolation_order = interpolation_order
        data_format = data_format or "channels_last"
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and column) or '
                             f'`"channels_first"` (channel before row and column). Received: {data_format}')
        self.data_format = data_format
        self.channel_axis, self.row_axis, self.col_axis = (1, 2, 3) if data_format == "channels_first" else (3, 1, 2)
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1. Received: {validation_split}")
        self._validation_split = validation_split
        self.mean = self.std = self.principal_components = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. Received: "
                             f"{zoom_range}")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                              "`featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides setting of"
                              "`featurewise_std_normalization`.", stacklevel=2)
        if brightness_range is not None:
            if not isinstance(brightness_range, (tuple, list, np.ndarray)) or len(brightness_range) != 2:
                raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: "
                                 f"{brightness_range}")
        self.brightness_range = brightness_range

    # ------------------------------------------------------------------ iterators
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        """An iterator of augmented ``(x, y)`` batches of the arrays ``x`` (N, H, W, C) and ``y``."""
        from minidl.keras.preprocessing.image_iterators import NumpyArrayIterator
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        """An iterator of augmented batches read from ``directory``'s class sub-folders."""
        from minidl.keras.preprocessing.image_iterators import DirectoryIterator
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio, dtype=self.dtype)

    # ------------------------------------------------------------------ per image
    def standardize(self, x):
        """Apply ``preprocessing_function``, ``rescale`` and the normalisations to ``x`` (in place when
        possible, as tf.keras)."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on "
                              "any training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=2)
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't "
                              "been fit on any training data. Fit it first by calling `.fit(numpy_data)`.",
                              stacklevel=2)
        if self.zca_whitening:
            if self.principal_components is not None:
                flat = np.reshape(x, (-1, int(np.prod(x.shape[-3:]))))
                x = np.reshape(flat @ self.principal_components, x.shape)
            else:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it hasn't been fit on any "
                              "training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=2)
        return x

    def get_random_transform(self, img_shape, seed=None, rng=None):
        """The random parameters of one image's transform (tf.keras 2's dict)."""
        if rng is None:
            rng = np.random.RandomState(seed if seed is not None else int(backend.rng().integers(2 ** 31)))
        row, col = self.row_axis - 1, self.col_axis - 1
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = _shift(rng, self.height_shift_range, img_shape[row])
        ty = _shift(rng, self.width_shift_range, img_shape[col])
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (rng.random_sample() < 0.5) * self.horizontal_flip
        flip_vertical = (rng.random_sample() < 0.5) * self.vertical_flip
        channel_shift = rng.uniform(-self.channel_shift_range, self.channel_shift_range) \
            if self.channel_shift_range != 0 else None
        brightness = rng.uniform(self.brightness_range[0], self.brightness_range[1]) \
            if self.brightness_range is not None else None
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """One (H, W, C) image ``x`` transformed by ``transform_parameters`` (a :meth:`get_random_transform` dict)."""
        row, col, channel = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        p = transform_parameters
        x = apply_affine_transform(x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
                                   p.get("zx", 1), p.get("zy", 1), row_axis=row, col_axis=col, channel_axis=channel,
                                   fill_mode=self.fill_mode, cval=self.cval, order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], channel)
        if p.get("flip_horizontal", False):
            x = flip_axis(x, col)
        if p.get("flip_vertical", False):
            x = flip_axis(x, row)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """``x`` through a freshly drawn random transform."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the featurewise mean / std / ZCA matrix from the sample array ``x`` (N, H, W, C)
        (``augment``: from ``rounds`` augmented copies)."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn(f"Expected input to be images (as Numpy array) following the data format convention "
                          f'"{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either 1, 3 or '
                          f"4 channels on axis {self.channel_axis}. However, it was passed an array with shape "
                          f"{x.shape} ({x.shape[self.channel_axis]} channels).", stacklevel=2)
        rng = np.random.RandomState(seed) if seed is not None else None
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            out = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    out[i + r * x.shape[0]] = self.apply_transform(x[i], self.get_random_transform(x[i].shape,
                                                                                                   rng=rng))
            x = out
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat = np.reshape(x, (x.shape[0], -1))
            sigma = flat.T @ flat / flat.shape[0]
            u, s, _ = np.linalg.svd(sigma)
            self.principal_components = (u * (1.0 / np.sqrt(s[np.newaxis] + self.zca_epsilon))) @ u.T
