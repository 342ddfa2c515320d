"""tf.keras 2.x's batch iterators behind ``ImageDataGenerator.flow`` / ``flow_from_directory``.

An :class:`Iterator` is both a ``keras.utils.Sequence`` (``len`` batches, ``it[i]``) and an endless
iterator (``next(it)`` wraps round, reshuffling at each pass), as in tf.keras 2, so
``model.fit(gen.flow(x, y))`` runs ``len(it)`` steps per epoch and ``steps_per_epoch`` may cap it.
"""
from __future__ import annotations

import os
import threading

import numpy as np

from minidl import backend
from minidl.keras.image_utils import array_to_img, img_to_array, load_img

__all__ = ["Iterator", "NumpyArrayIterator", "DirectoryIterator"]


class Iterator:
    """Index bookkeeping shared by the iterators: ``n`` samples in batches of ``batch_size``."""

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed):
        self.n, self.batch_size, self.seed, self.shuffle = int(n), int(batch_size), seed, shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self._rng = self._new_rng()
        self.index_generator = self._flow_index()

    def _new_rng(self):
        """The random stream of the next batch: ``seed + batches seen`` when seeded (as tf.keras)."""
        if self.seed is not None:
            return np.random.RandomState(int(self.seed) + self.total_batches_seen)
        return np.random.RandomState(int(backend.rng().integers(2 ** 31)))

    def _set_index_array(self):
        self.index_array = self._rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        self._rng = self._new_rng()
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        return self._get_batches_of_transformed_samples(self.index_array[self.batch_size * idx:
                                                                          self.batch_size * (idx + 1)])

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        """Reshuffle for the next pass."""
        self._set_index_array()

    def reset(self):
        """Start the next ``next()`` at the first batch."""
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            self._rng = self._new_rng()
            if self.batch_index == 0:
                self._set_index_array()
            current = (self.batch_index * self.batch_size) % self.n if self.n else 0
            self.batch_index = self.batch_index + 1 if self.n > current + self.batch_size else 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def next(self):
        """The next batch (tf.keras 1 spelling)."""
        return self.__next__()

    def _augment(self, x):
        generator = self.image_data_generator
        if generator is None:
            return x
        x = generator.apply_transform(x, generator.get_random_transform(x.shape, rng=self._rng))
        return generator.standardize(x)

    def _save(self, batch_x, index_array):
        if not self.save_to_dir:
            return
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            name = f"{self.save_prefix}_{j}_{self._rng.randint(10000)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, name))

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError


class NumpyArrayIterator(Iterator):
    """Augmented batches of in-memory images ``x`` (N, H, W, C) with optional ``y`` / ``sample_weight``;
    ``subset="validation"`` takes the first ``validation_split`` of the samples, ``"training"`` the rest."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png", subset=None,
                 ignore_class_split=False, dtype=None):
        self.dtype = dtype or "float32"
        if isinstance(x, (tuple, list)):
            if not isinstance(x[1], list):
                x_misc = [np.asarray(x[1])]
            else:
                x_misc = [np.asarray(xx) for xx in x[1]]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError(f"All of the arrays in `x` should have the same length. Found a pair with: "
                                     f"len(x[0]) = {len(x)}, len(x[?]) = {len(xx)}")
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError("`x` (images tensor) and `y` (labels) should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError("`x` (images tensor) and `sample_weight` should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, sample_weight.shape = "
                             f"{np.asarray(sample_weight).shape}")
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError(f"Invalid subset name: {subset}; expected 'training' or 'validation'")
            split_idx = int(len(x) * image_data_generator._validation_split)
            if y is not None and not ignore_class_split and \
                    not np.array_equal(np.unique(y[:split_idx]), np.unique(y[split_idx:])):
                raise ValueError("Training and validation subsets have different number of classes after the "
                                 "split. If your numpy arrays are sorted by the label, you might want to shuffle "
                                 "them.")
            part = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
            x, x_misc = x[part], [np.asarray(xx[part]) for xx in x_misc]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. You passed an array with "
                             f"shape {self.x.shape}")
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format or "channels_last"
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = self._augment(self.x[j].astype(self.dtype))
        self._save(batch_x, index_array)
        misc = [xx[index_array] for xx in self.x_misc]
        output = (batch_x if not misc else [batch_x] + misc,)
        if self.y is None:
            return output[0]
        output += (self.y[index_array],)
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output


def _valid_files(directory, formats, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda item: item[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield root, name


class DirectoryIterator(Iterator):
    """Augmented batches of the images in ``directory``'s class sub-folders (tf.keras 2's
    ``flow_from_directory``): ``classes`` (default: the sorted sub-folders), ``class_mode``
    ``"categorical"`` / ``"binary"`` / ``"sparse"`` / ``"input"`` / None; with a ``validation_split``,
    ``subset="validation"`` takes the first fraction of each class's sorted files."""

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, data_format=None,
                 save_to_dir=None, save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", keep_aspect_ratio=False, dtype=None):
        if color_mode not in {"rgb", "rgba", "grayscale"}:
            raise ValueError(f"Invalid color mode: {color_mode}; expected \"rgb\", \"rgba\", or \"grayscale\".")
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of {self.allowed_class_modes}")
        if not os.path.isdir(directory):
            raise ValueError(f"flow_from_directory: {directory!r} is not a directory")
        self.directory, self.image_data_generator = os.fspath(directory), image_data_generator
        self.target_size, self.color_mode = tuple(target_size), color_mode
        self.data_format = data_format or "channels_last"
        self.dtype = dtype or "float32"
        channels = {"rgba": 4, "rgb": 3, "grayscale": 1}[color_mode]
        self.image_shape = self.target_size + (channels,) if self.data_format == "channels_last" else \
            (channels,) + self.target_size
        self.class_mode, self.interpolation, self.keep_aspect_ratio = class_mode, interpolation, keep_aspect_ratio
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        split = None
        if subset is not None:
            if subset not in {"validation", "training"}:
                raise ValueError(f"Invalid subset name: {subset}; expected 'training' or 'validation'")
            fraction = image_data_generator._validation_split if image_data_generator is not None else 0
            split = (0, fraction) if subset == "validation" else (fraction, 1)
        if not classes:
            classes = [d for d in sorted(os.listdir(self.directory)) if os.path.isdir(os.path.join(self.directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames, labels = [], []
        formats = tuple("." + f for f in self.white_list_formats)
        for name in classes:
            folder = os.path.join(self.directory, name)
            files = list(_valid_files(folder, formats, follow_links))
            if split is not None:
                files = files[int(split[0] * len(files)):int(split[1] * len(files))]
            for root, fname in files:
                self.filenames.append(os.path.join(name, os.path.relpath(os.path.join(root, fname), folder)))
                labels.append(self.class_indices[name])
        self.classes = np.asarray(labels, dtype="int32")
        self.samples = len(self.filenames)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        """The absolute-or-given paths of the files, in index order."""
        return self._filepaths

    @property
    def labels(self):
        """The class index of every file."""
        return self.classes

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self._filepaths[j], color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format)
            img.close()
            batch_x[i] = self._augment(x)
        self._save(batch_x, index_array)
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode == "sparse":
            return batch_x, self.classes[index_array]
        if self.class_mode == "binary":
            return batch_x, self.classes[index_array].astype(self.dtype)
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), self.num_classes), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
            return batch_x, batch_y
        return batch_x
