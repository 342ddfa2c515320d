"""``keras.utils.image_dataset_from_directory``: a labelled image :class:`~minidl.keras.dataset.Dataset`
from a folder of class sub-folders, as Keras 3.

Files (``.bmp .gif .jpeg .jpg .png``) are indexed in Keras' order (class folders sorted, files
sorted within each, walked recursively) and, with ``shuffle``, permuted by Keras' own
``np.random.RandomState(seed)`` draw, so ``file_paths`` and the validation split are the files
Keras picks. Images are read lazily, one batch at a time, with Pillow (converted to ``color_mode``:
a grey conversion uses Pillow's ITU-R 601 weights where TensorFlow's PNG decoder uses libpng's),
resized with ``tf.image.resize``'s half-pixel ``"bilinear"`` or ``"nearest"``, and returned as
float32 (batch, height, width, channels). A shuffled dataset is reshuffled on every pass (a
seeded stream, as tf.data's ``reshuffle_each_iteration``); ``format`` ("tf" or "grain") makes no
difference here.
"""
from __future__ import annotations

import os

import numpy as np

from minidl.keras.dataset import Dataset
from minidl.keras.image_utils import _aspect_box, load_img, resize_image, resize_with_pad

__all__ = ["image_dataset_from_directory", "index_directory"]

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_KERAS_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                         "mitchellcubic")


def _valid_files(directory, follow_links, formats):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda item: item[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield root, name


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False,
                    verbose=True):
    """Keras' ``index_directory``: ``(file_paths, labels, class_names)``, printing what it found."""
    if not os.path.isdir(directory):
        raise ValueError(f"image_dataset_from_directory: {directory!r} is not a directory")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError("The `class_names` passed did not match the names of the subdirectories of the "
                                 f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified.")
            raise ValueError("When argument `labels` is specified, argument `class_names` cannot be specified "
                             "(the `class_names` will be the sorted list of labels).")
    class_names = subdirs
    filenames, found_labels = [], []
    for index, subdir in enumerate(subdirs):
        folder = os.path.join(directory, subdir)
        dirname = os.path.basename(folder)
        for root, name in _valid_files(folder, follow_links, formats):
            filenames.append(os.path.join(dirname, os.path.relpath(os.path.join(root, name), folder)))
            found_labels.append(index)
    if labels == "inferred":
        labels = np.asarray(found_labels, dtype="int32")
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in the target "
                             f"directory. len(labels) is {len(labels)} while we found {len(filenames)} files in "
                             f"directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        rng = np.random.RandomState(seed)
        rng.shuffle(file_paths)
        if labels is not None:
            rng = np.random.RandomState(seed)
            rng.shuffle(labels)
    return file_paths, labels, class_names


def _split(samples, labels, validation_split, subset):
    """Keras' split: the last ``int(validation_split * n)`` files are the validation set."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val} files for training.")
        return samples[:-num_val] if num_val else samples, \
            None if labels is None else (labels[:-num_val] if num_val else labels)
    if subset == "validation":
        print(f"Using {num_val} files for validation.")
        return samples[len(samples) - num_val:], None if labels is None else labels[len(labels) - num_val:]
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


def _check_split(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")


def _load(path, image_size, color_mode, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, data_format):
    image = np.asarray(load_img(path, color_mode=color_mode), dtype=np.float32)
    if image.ndim == 2:
        image = image[..., None]
    height, width = image_size
    if crop_to_aspect_ratio:
        top, left, crop_h, crop_w = _aspect_box(image.shape[0], image.shape[1], height, width)
        image = resize_image(image[top:top + crop_h, left:left + crop_w], image_size, interpolation)
    elif pad_to_aspect_ratio:
        image = resize_with_pad(image, height, width, interpolation)
    else:
        image = resize_image(image, image_size, interpolation)
    return image.transpose(2, 0, 1) if data_format == "channels_first" else image


def _labels_array(labels, label_mode, num_classes):
    if label_mode == "binary":
        return np.asarray(labels, dtype=np.float32).reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[np.asarray(labels, dtype=np.int64)]
    return np.asarray(labels).astype(np.int32)


def _dataset(paths, labels, label_mode, num_classes, load, batch_size, shuffle, seed):
    paths = list(paths)
    label_rows = None if label_mode is None else _labels_array(labels, label_mode, num_classes)
    stream = np.random.default_rng(seed)

    def source():
        order = stream.permutation(len(paths)) if shuffle else range(len(paths))
        for i in order:
            image = load(paths[i])
            yield image if label_rows is None else (image, label_rows[i])
    dataset = Dataset(source, len(paths))
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    dataset.file_paths = paths
    return dataset


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf", verbose=True):
    """A :class:`~minidl.keras.dataset.Dataset` of ``(images, labels)`` batches from ``directory``
    (``subset="both"``: a ``[training, validation]`` list), with ``class_names`` and ``file_paths``.

    Images: float32 (batch, height, width, channels) of ``image_size`` (channels 3 / 4 / 1 for
    ``color_mode`` "rgb" / "rgba" / "grayscale"). Labels: ``label_mode`` "int" (int32 (batch,)),
    "categorical" (float32 one-hot), "binary" (float32 (batch, 1)), None (images only).
    """
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size as the "
                             "number of image files in the target directory. If you wish to infer the labels from "
                             'the subdirectory names in the target directory, pass `labels="inferred"`. If you wish '
                             "to get a dataset that only contains images (no labels), pass `labels=None`. Received: "
                             f"labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, '
                             f"and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. Received: '
                         f"label_mode={label_mode}")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if color_mode not in ("rgb", "rgba", "grayscale"):
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: '
                         f"color_mode={color_mode}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: "
                         f"image_size={image_size}")
    image_size = (int(image_size[0]), int(image_size[1]))
    interpolation = interpolation.lower()
    if interpolation not in _KERAS_INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {_KERAS_INTERPOLATIONS}. Received: "
                         f"interpolation={interpolation}")
    if interpolation not in ("bilinear", "nearest"):
        raise NotImplementedError(f"image_dataset_from_directory: interpolation={interpolation!r} is not supported "
                                  "by minidl.keras (use 'bilinear' or 'nearest')")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={data_format}")
    _check_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(os.fspath(directory), labels, ALLOWLIST_FORMATS, class_names,
                                                 shuffle, seed, follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={class_names}")
    num_classes = len(class_names) if class_names else 0

    def load(path):
        return _load(path, image_size, color_mode, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio,
                     data_format)

    def make(subset_name, shuffled):
        subset_paths, subset_labels = _split(paths, labels, validation_split, subset_name)
        if not subset_paths:
            what = {"training": "training images", "validation": "validation images"}.get(subset_name, "images")
            raise ValueError(f"No {what} found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
        dataset = _dataset(subset_paths, subset_labels, label_mode, num_classes, load, batch_size, shuffled, seed)
        dataset.class_names = class_names
        return dataset

    if subset == "both":
        return [make("training", shuffle), make("validation", False)]
    return make(subset, shuffle)
