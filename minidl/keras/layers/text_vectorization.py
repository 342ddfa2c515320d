"""``TextVectorization``: strings to token indices or bag-of-words vectors, as Keras 3.

Each string is standardised (``"lower_and_strip_punctuation"``: ASCII letters lowered, as
``tf.strings.lower``, then Keras' punctuation class removed), split (``"whitespace"``: runs of
ASCII whitespace, as ``tf.strings.split``; ``"character"``: code points), expanded to n-grams
(``tf.strings.ngrams``: every width in order, joined by spaces) and looked up in a
:class:`~minidl.keras.layers.StringLookup` whose mask token is ``""``: in ``"int"`` mode index 0
is padding and 1 is ``"[UNK]"``.

Output (``"int"``): int64 (batch, output_sequence_length), or padded with 0 to the longest row of
the batch; ``"multi_hot"``/``"count"``/``"tf_idf"``: float32 (batch, vocabulary_size) (or
``max_tokens`` with ``pad_to_max_tokens``).
"""
from __future__ import annotations

import re

import numpy as np

from minidl.keras.layers._data_layer import OUTPUT_MODES, DataLayer, as_text_array
from minidl.keras.layers.index_lookup import StringLookup
from minidl.tensor import Tensor

__all__ = ["TextVectorization"]

PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")


def _ngrams(tokens, widths):
    out = []
    for width in widths:
        out += [" ".join(tokens[i:i + width]) for i in range(len(tokens) - width + 1)]
    return out


class TextVectorization(DataLayer):
    """Turn raw strings into token-index sequences or bag-of-words vectors (see the module doc).

    Args as Keras: ``max_tokens``, ``standardize`` (``"lower_and_strip_punctuation"``, ``"lower"``,
    ``"strip_punctuation"``, None or a callable on a NumPy str array), ``split`` (``"whitespace"``,
    ``"character"``, None or a callable from a 1-D str array to a list of token lists), ``ngrams``
    (int or tuple of ints), ``output_mode``, ``output_sequence_length``, ``pad_to_max_tokens``,
    ``vocabulary`` (list or file path), ``idf_weights``, ``encoding``.
    Inputs: a string, a list/1-D array of strings, or (batch, 1) strings.

    >>> layer = TextVectorization(vocabulary=["the", "cat"], output_sequence_length=4)
    >>> layer(["The cat, the dog"]).tolist()
    [[2, 3, 2, 1]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if ragged:
            raise ValueError("`ragged=True` can only be used with the TensorFlow backend.")
        for arg, value, allowed in (("standardize", standardize, ("lower_and_strip_punctuation", "lower",
                                                                   "strip_punctuation")),
                                    ("split", split, ("whitespace", "character"))):
            if value is not None and not callable(value) and value not in allowed:
                raise ValueError(f"Invalid value for argument `{arg}` in TextVectorization. Expected one of "
                                 f"{set(allowed)}. Received: {arg}={value}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"Invalid value for argument `output_mode` in TextVectorization. Expected one of "
                             f"{set(OUTPUT_MODES)}. Received: output_mode={output_mode}")
        if not (ngrams is None or isinstance(ngrams, int) or
                isinstance(ngrams, tuple) and all(isinstance(item, int) for item in ngrams)):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (isinstance(output_sequence_length, int) or output_sequence_length is None):
            raise ValueError("`output_sequence_length` must be either None or an integer when `output_mode` is "
                             f"'int'. Received: output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                             f"Received output_sequence_length={output_sequence_length}.")
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._max_tokens, self._standardize, self._split = max_tokens, standardize, split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
                                          pad_to_max_tokens=pad_to_max_tokens, mask_token="",
                                          output_mode=output_mode, has_input_vocabulary=has_input_vocabulary,
                                          encoding=encoding, vocabulary_size=vocabulary_size)

    # ------------------------------------------------------------ vocabulary
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and TF-IDF weights) from ``data``: strings (a list / array), or an
        iterable of batches of strings (a dataset yielding ``x`` or ``(x, y)``)."""
        self.reset_state()
        if hasattr(data, "__iter__") and not isinstance(data, (list, tuple, np.ndarray, Tensor, str)):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch[0] if isinstance(batch, tuple) else batch)
        else:
            self.update_state(data)
        self.finalize_state()

    def update_state(self, data):
        """Count the tokens of one batch of strings."""
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self):
        """Build the vocabulary from the counts."""
        self._lookup_layer.finalize_state()

    def reset_state(self):
        """Forget the counts."""
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order (``""`` and ``"[UNK]"`` first in ``"int"`` mode)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The number of indices, padding and OOV included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (list, 1-D array or text-file path) and, for ``"tf_idf"``, ``idf_weights``."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def load_vocabulary_asset(self, lines):
        """Take the vocabulary of a Keras archive's ``vocabulary.txt`` (see ``StringLookup``)."""
        self._lookup_layer.load_vocabulary_asset(lines)

    # ------------------------------------------------------------ running
    def _standardized(self, texts):
        if callable(self._standardize):
            return as_text_array(np.asarray(_numpy(self._standardize(texts))), self._encoding)
        flat = texts.reshape(-1).tolist()
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            flat = [t.translate(_ASCII_LOWER) for t in flat]
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [PUNCTUATION.sub("", t) for t in flat]
        return np.array(flat, dtype=str).reshape(texts.shape) if flat else texts

    def _preprocess(self, data):
        """Standardised, split and n-grammed text: a list of token lists (one per string; a scalar
        string gives one row), or with ``split=None`` an array of whole strings (the inputs' shape)."""
        texts = as_text_array(data.array if isinstance(data, Tensor) else data, self._encoding,
                              f"TextVectorization {self.name}")
        texts = self._standardized(texts)
        if self._split is None:  # whole strings keep the inputs' shape (a 1-D batch is one multi-hot row)
            return texts
        if texts.ndim > 1:
            if texts.shape[-1] != 1:
                raise ValueError("When using `TextVectorization` to tokenize strings, the input rank must be 1 "
                                 f"or the last shape dimension must be 1. Received: inputs.shape={texts.shape} "
                                 f"with rank={texts.ndim}")
            texts = texts[..., 0]
        texts = texts.reshape(-1)
        if callable(self._split):
            rows = [[str(t) for t in _numpy(row).reshape(-1).tolist()] for row in self._split(texts)]
        elif self._split == "whitespace":
            rows = [[t for t in _WHITESPACE.split(text) if t] for text in texts.tolist()]
        else:
            rows = [list(text) for text in texts.tolist()]
        if self._ngrams is not None:
            rows = [_ngrams(row, self._ngrams) for row in rows]
        return rows

    def _compute(self, array):
        tokens = self._preprocess(array)
        lookup = self._lookup_layer
        if self._split is None:
            indices = lookup._lookup(tokens)
            if self._output_mode != "int":
                return lookup._encode(indices)
            return _fit_length(indices, self._output_sequence_length)
        rows, single = tokens, np.ndim(array) == 0
        out = self._bag_of_words(rows) if self._output_mode in ("multi_hot", "count", "tf_idf") else \
            self._sequences(rows)
        return out[0] if single else out

    def _flat_lookup(self, rows):
        """The indices of all tokens of ``rows`` in one lookup, with each token's row and position."""
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        flat = [t for r in rows for t in r]
        indices = self._lookup_layer._lookup_list(flat)
        row_of = np.repeat(np.arange(len(rows)), lengths)
        position = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return indices, row_of, position, lengths

    def _bag_of_words(self, rows):
        """(batch, depth) float32 multi-hot / count / TF-IDF rows (the mask token and indices past
        ``depth`` are dropped, as Keras' bincount does)."""
        lookup = self._lookup_layer
        depth = lookup._checked_depth()
        indices, row_of, _, _ = self._flat_lookup(rows)
        keep = (indices >= 0) & (indices < depth)
        out = np.zeros((len(rows), depth), dtype=np.float64)
        if self._output_mode == "multi_hot":
            out[row_of[keep], indices[keep]] = 1
        else:
            np.add.at(out, (row_of[keep], indices[keep]), 1)
        if self._output_mode == "tf_idf":
            out *= lookup._checked_idf()[:depth]
        return out.astype(np.float32)

    def _sequences(self, rows):
        """(batch, length) int64 indices, zero-padded (or cut) to ``output_sequence_length`` or to the
        longest row; ``"one_hot"`` encodes them on a new last axis."""
        indices, row_of, position, lengths = self._flat_lookup(rows)
        length = self._output_sequence_length
        if length is None:
            length = int(lengths.max()) if lengths.size else 0
        out = np.zeros((len(rows), length), dtype=np.int64)
        keep = position < length
        out[row_of[keep], position[keep]] = indices[keep]
        return out if self._output_mode == "int" else self._lookup_layer._encode(out)

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":  # (one scalar string: its tokens)
            return (input_shape[0], self._output_sequence_length) if input_shape else (self._output_sequence_length,)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = tuple(input_shape) + (1,)
        else:
            input_shape = tuple(input_shape) + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def _symbolic_dtype(self):
        return "int64" if self._output_mode == "int" else "float32"

    def get_config(self):
        lookup = self._lookup_layer
        lookup_config = lookup.get_config()  # carries an adapted vocabulary (see index_lookup)
        return dict(super().get_config(), max_tokens=lookup.max_tokens, standardize=self._standardize,
                    split=self._split, ngrams=self._ngrams_arg, output_mode=self._output_mode,
                    output_sequence_length=self._output_sequence_length,
                    pad_to_max_tokens=lookup.pad_to_max_tokens, sparse=False, ragged=False,
                    vocabulary=lookup_config["vocabulary"], idf_weights=lookup_config["idf_weights"],
                    encoding=self._encoding, vocabulary_size=self.vocabulary_size())

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config` (``ngrams`` lists become tuples)."""
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)


def _numpy(value):
    return value.array if isinstance(value, Tensor) else np.asarray(value)


def _fit_length(indices, length):
    """Cut or zero-pad the last axis of ``indices`` to ``length`` (None: unchanged)."""
    if length is None:
        return indices
    out = np.zeros(indices.shape[:-1] + (length,), dtype=np.int64)
    kept = indices[..., :length]
    out[..., :kept.shape[-1]] = kept
    return out
