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

from minidl.keras._directory_index import check_validation_split_arg, encode_labels, index_directory, split_subset
from minidl.keras.dataset import Dataset
from minidl.keras.image_utils import _aspect_box, load_img, resize_image, resize_with_pad

__all__ = ["image_dataset_from_directory", "index_directory"]

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_KERAS_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                         "mitchellcubic")


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


def _dataset(paths, labels, label_mode, num_classes, load, batch_size, shuffle, seed):
    paths = list(paths)
    label_rows = None if label_mode is None else encode_labels(labels, label_mode, num_classes)
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
    check_validation_split_arg(validation_split, subset, shuffle, seed)
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
        subset_paths, subset_labels = split_subset(paths, labels, validation_split, subset_name)
        if not subset_paths:
            what = {"training": "training images", "validation": "validation images"}.get(subset_name, "images")
            raise ValueError(f"No {what} found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
        dataset = _dataset(subset_paths, subset_labels, label_mode, num_classes, load, batch_size, shuffled, seed)
        dataset.class_names = class_names
        return dataset

    if subset == "both":
        return [make("training", shuffle), make("validation", False)]
    return make(subset, shuffle)
