"""Keras' directory indexing for ``image_dataset_from_directory`` and ``text_dataset_from_directory``:
the files of each class folder in Keras' order, the seeded shuffle, the validation split and its checks,
and the labels' encodings."""
from __future__ import annotations

import os

import numpy as np

__all__ = ["valid_files", "index_directory", "split_subset", "check_validation_split_arg", "encode_labels"]


def valid_files(directory, follow_links, formats):
    """``(root, name)`` of the files under ``directory`` whose names end with one of ``formats``, in sorted
    walk order (Keras' order)."""
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda item: item[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield root, name


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False,
                    verbose=True):
    """Keras' ``index_directory``: ``(file_paths, labels, class_names)``, printing what it found."""
    if not os.path.isdir(directory):
        raise ValueError(f"Directory not found: {directory!r} is not a directory")
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
        for root, name in valid_files(folder, follow_links, formats):
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


def split_subset(samples, labels, validation_split, subset):
    """The training (all but the last ``int(validation_split * n)``) or validation (those last) samples, as
    Keras splits them."""
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


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Keras' checks of ``validation_split`` / ``subset`` / ``seed``."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")


def encode_labels(labels, label_mode, num_classes):
    """Per-sample labels: int32 ids (``"int"``), float32 one-hot rows (``"categorical"``) or float32
    (1,) values (``"binary"``)."""
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype(np.float32).reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[labels.astype(np.int64)]
    return labels.astype(np.int32) if labels.dtype.kind in "iu" else labels
