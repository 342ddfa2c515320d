"""``keras.utils.text_dataset_from_directory``: a labelled text :class:`~minidl.keras.dataset.Dataset`.

Keras returns a ``tf.data.Dataset``; here the :class:`~minidl.keras.dataset.Dataset` plays that part:
iterating it yields ``(texts, labels)`` batches, a fresh pass per ``iter`` so ``model.fit(ds, epochs=...)``
re-reads the files every epoch; it has ``class_names``.

Texts are the files' raw bytes (``dtype=object`` arrays of ``bytes``, as ``tf.io.read_file``, handed out as
:class:`~minidl.keras._dataset_elements.EagerArray` with ``.numpy()``); the preprocessing layers
(``TextVectorization``...) decode them as UTF-8.
"""
from __future__ import annotations

import numpy as np

from minidl.keras._directory_index import check_validation_split_arg, encode_labels, index_directory, split_subset
from minidl.keras.dataset import Dataset

__all__ = ["text_dataset_from_directory", "index_directory"]


def _read_text(path, max_length):
    with open(path, "rb") as f:
        content = f.read()
    return content if max_length is None else content[:max_length]


def _text_dataset(paths, labels, label_mode, num_classes, max_length, shuffle, shuffle_buffer, seed, batch_size,
                  class_names):
    encoded = None if label_mode is None else encode_labels(labels, label_mode, num_classes)

    def source():
        for i, path in enumerate(paths):
            text = _read_text(path, max_length)
            yield text if encoded is None else (text, encoded[i])
    ds = Dataset(source, len(paths))
    if shuffle:
        ds = ds.shuffle(shuffle_buffer, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    ds.class_names = class_names
    return ds


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """A :class:`~minidl.keras.dataset.Dataset` of ``(texts, labels)`` batches from ``.txt`` files, as Keras.

    ``directory/<class>/*.txt`` with ``labels="inferred"`` (classes: the sorted sub-folder names
    or ``class_names``); or ``labels`` a list (one per file in sorted walk order), or None (texts
    only). ``label_mode``: ``"int"`` (int32), ``"categorical"`` (float32 one-hot), ``"binary"``
    (float32 (batch, 1)) or None. Texts are bytes (``max_length``: first bytes kept). Files are
    shuffled with ``seed`` before a ``validation_split`` ``subset`` (``"training"``,
    ``"validation"`` or ``"both"``) is taken; the training set is reshuffled every pass.
    Prints ``Found N files belonging to K classes.``
    """
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size as the number "
                         "of text files in the target directory. If you wish to infer the labels from the "
                         'subdirectory names in the target directory, pass `labels="inferred"`. If you wish to get '
                         f"a dataset that only contains text samples (no labels), pass `labels=None`. Received: "
                         f"labels={labels}")
    if labels not in ("inferred", None) and class_names:
        raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, and '
                         f"class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. Received: '
                         f"label_mode={label_mode}")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, formats=(".txt",), class_names=class_names,
                                                 shuffle=shuffle, seed=seed, follow_links=follow_links,
                                                 verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={class_names}")
    buffer = batch_size * 8 if batch_size is not None else 1024
    num_classes = len(class_names) if class_names else 0
    subsets = ("training", "validation") if subset == "both" else (subset,)
    out = []
    for which in subsets:
        part_paths, part_labels = split_subset(paths, labels, validation_split, which)
        if not part_paths:
            kind = f"{which} " if subset == "both" else ""
            raise ValueError(f"No {kind}text files found in directory {directory}. Allowed format: .txt")
        out.append(_text_dataset(part_paths, part_labels, label_mode, num_classes, max_length,
                                 shuffle and not (subset == "both" and which == "validation"), buffer,
                                 seed, batch_size, class_names))
    return out if subset == "both" else out[0]
