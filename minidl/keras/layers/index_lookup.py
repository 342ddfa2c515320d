"""``StringLookup`` and ``IntegerLookup``: map tokens to indices (or back with ``invert=True``) as
Keras 3's ``IndexLookup`` does.

Index layout (``output_mode="int"``): ``[mask_token] + [oov_token] * num_oov_indices + vocabulary``
(the mask slot only when ``mask_token`` is set); in the other modes the mask token has no slot and
is dropped. ``adapt`` orders tokens by count, ties by the token itself, both descending (Keras'
``np.lexsort(...)[::-1]``), keeping at most ``max_tokens`` indices. Out-of-vocabulary tokens go to
the one OOV index, or with several OOV indices to ``token % num_oov_indices`` (integers) or the
FarmHash bucket (strings, ``tf.strings.to_hash_bucket_fast``). TF-IDF weights are
``log(1 + num_documents / (1 + document_count))``, the special slots getting their mean.

Saving: Keras keeps an adapted vocabulary in the ``.keras`` archive's assets; here ``get_config``
carries it (``vocabulary``, and ``idf_weights`` for ``"tf_idf"``) so that ``model.save`` /
``load_model`` and ``from_config`` restore it.
"""
from __future__ import annotations

import collections

import numpy as np

from minidl.keras.layers._data_layer import OUTPUT_MODES, DataLayer, as_text_array, encode_categorical
from minidl.keras.layers._fingerprint import fingerprint64, siphash64
from minidl.tensor import Tensor

__all__ = ["IndexLookup", "StringLookup", "IntegerLookup"]

_MISSING, _MASK = -2, -3  # markers of the token table (real indices are >= 0)


class IndexLookup(DataLayer):
    """Shared machinery of :class:`StringLookup` / :class:`IntegerLookup` (see the module doc)."""

    _is_string = True

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary=None, idf_weights=None,
                 invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 name=None, salt=None, **kwargs):
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_dtype", None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)  # (Keras ignores it: the layer's dtype is its vocabulary's)
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name)
        self.vocabulary_dtype = "string" if self._is_string else "int64"
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"Unknown value for `oov_method` argument of layer {type(self).__name__}. Allowed "
                             f"values are: ['floormod', 'farmhash']. Received: oov_method={oov_method}")
        if salt is not None:
            if not self._is_string and oov_method != "farmhash":
                raise ValueError(f"`salt` can only be used when `oov_method='farmhash'`. Received: "
                                 f"oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError("The `salt` argument for `IndexLookup` can only be a tuple of 2 integers, or "
                                 f"a single integer. Received: salt={salt}.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if not (isinstance(output_mode, str) and output_mode in OUTPUT_MODES):
            raise ValueError(f"Unknown value for `output_mode` argument of {type(self).__name__}. Allowed values "
                             f"are: {tuple(OUTPUT_MODES)}. Received: output_mode={output_mode}")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                             f"idf_weights={idf_weights} and output_mode={output_mode}")
        self.invert, self.max_tokens, self.num_oov_indices = invert, max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token, self.output_mode = mask_token, oov_token, output_mode
        self.sparse, self.pad_to_max_tokens, self.oov_method, self.salt = sparse, pad_to_max_tokens, oov_method, salt
        self._frozen_vocab_size = frozen_size
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._tokens, self.idf_weights = [], None
        self._index = self._token_table([])
        if output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, the "
                             "`idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.reset_state()

    # ---------------------------------------------------------------- tokens
    def _to_tokens(self, data):
        """``data`` as a NumPy array of tokens (``str`` for strings, int64 for integers)."""
        if self._is_string:
            return as_text_array(data, getattr(self, "encoding", "utf-8"), f"{type(self).__name__} {self.name}")
        array = data.array if isinstance(data, Tensor) else data
        array = np.asarray(array)
        if array.dtype.kind not in "iub" and array.size:
            if array.dtype.kind == "f" and np.all(array == np.round(array)):
                return array.astype(np.int64)
            raise ValueError(f"IntegerLookup {self.name}: expected integer tokens, got dtype {array.dtype}")
        return array.astype(np.int64)

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: the vocabulary plus the mask and OOV slots."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (with the mask and OOV tokens first unless
        ``include_special_tokens=False``)."""
        vocab = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices + \
            list(self._tokens)
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return [str(v) if self._is_string else int(v) for v in vocab]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list / 1-D array of tokens, or the path of a text file with one token a
        line) and, for ``"tf_idf"``, the ``idf_weights`` (same length)."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                             f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            if self.output_mode == "tf_idf":
                raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary from file.")
            try:
                with open(vocabulary, encoding="utf-8") as f:
                    lines = f.read().splitlines()
            except OSError:
                raise ValueError(f"Vocabulary file {vocabulary} does not exist.") from None
            vocabulary = lines if self._is_string else [int(line) for line in lines]
        vocabulary = self._to_tokens(np.asarray(vocabulary.array if isinstance(vocabulary, Tensor) else vocabulary))
        if vocabulary.size == 0:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        vocabulary = vocabulary.reshape(-1).tolist()
        token_start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_special = vocabulary[:token_start] == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = sorted(t for t, c in collections.Counter(tokens).items() if c > 1)
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please uniquify your "
                             f"dataset. The repeated terms are: {repeated}")
        # (as Keras, the OOV token is only refused with invert=True, where it would be ambiguous)
        for what, label, token in (("mask_token", "mask", self.mask_token), ("oov_token", "OOV", self.oov_token)):
            if token is not None and token in tokens and (what == "mask_token" or self.invert):
                last = len(vocabulary) - 1 - vocabulary[::-1].index(token)
                raise ValueError(f"Found reserved {label} token at unexpected location in "
                                 "`vocabulary`. Note that passed `vocabulary` does not need to include the OOV "
                                 "and mask tokens. Either remove all mask and OOV tokens, or include them only "
                                 f"at the start of the vocabulary in precisely this order: {special}. Received: "
                                 f"{what}={token} at vocabulary index [{last}]")
        if self.max_tokens is not None and token_start + len(tokens) > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. Received "
                             f"vocabulary size is {token_start + len(tokens)}; `max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf_weights = np.asarray(idf_weights.array if isinstance(idf_weights, Tensor) else idf_weights,
                                     dtype=np.float64)
            if len(vocabulary) != len(idf_weights):
                raise ValueError(f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                                 f"{len(idf_weights)}; len(vocabulary) is {len(vocabulary)}")
            if idf_weights.ndim != 1:
                raise ValueError(f"TF-IDF data must be a 1-index array. Received: idf_weights of shape "
                                 f"{idf_weights.shape}")
            front = 0 if found_special else token_start
            self._set_idf(idf_weights, front, 0 if found_special else float(np.average(idf_weights)))

    def load_vocabulary_asset(self, lines):
        """Take the vocabulary of a Keras archive's ``vocabulary.txt`` (special tokens first), unless
        the layer was given one (Keras' ``load_assets``)."""
        if self.input_vocabulary is not None:
            return
        while lines and lines[-1] == "":
            lines = lines[:-1]
        if self.output_mode == "tf_idf":
            raise NotImplementedError(f"{type(self).__name__} {self.name}: a TF-IDF vocabulary adapted by Keras keeps "
                                      "its idf_weights in the weights file, which minidl does not read; pass "
                                      "`vocabulary=` and `idf_weights=` instead")
        self.set_vocabulary([str(line) for line in lines] if self._is_string else [int(line) for line in lines])

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        self._index = self._token_table(self._tokens)
        self._frozen_vocab_size = self.vocabulary_size()

    def _token_table(self, tokens):
        """token -> index, with the mask token mapped to the ``_MASK`` marker."""
        table = {t: i + self._token_start_index() for i, t in enumerate(tokens)}
        if self.mask_token is not None:
            table[self.mask_token] = _MASK
        return table

    def _set_idf(self, weights, front, front_value):
        back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens and self.max_tokens else 0
        self.idf_weights = np.pad(weights, (front, back), "constant",
                                  constant_values=(front_value, 0)).astype(np.float32)

    # ---------------------------------------------------------------- adapt
    def reset_state(self):
        """Forget the counts gathered by :meth:`update_state`."""
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def update_state(self, data):
        """Count the tokens of one batch (rows are documents for TF-IDF)."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                             "`vocabulary` argument or `set_vocabulary()` method.")
        rows = self._rows(data)
        for row in rows:
            self._token_counts.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._document_counts.update(set(row))
            self._num_documents += len(rows)

    def _rows(self, data):
        """The documents of a batch: lists of tokens (a ragged list of lists stays ragged)."""
        if isinstance(data, list) and data and all(isinstance(r, list) for r in data):
            kind = str if self._is_string else int
            return [r if all(type(t) is kind for t in r) else  # (TextVectorization's rows are str already)
                    self._to_tokens(np.asarray(r, dtype=object if self._is_string else None)).reshape(-1).tolist()
                    for r in data]
        array = self._to_tokens(data)
        if array.ndim == 0:
            array = array.reshape(1, 1)
        elif array.ndim == 1:
            array = array.reshape(1, -1)
        return [list(r) for r in array.reshape(array.shape[0], -1).tolist()]

    def finalize_state(self):
        """Build the vocabulary from the counts."""
        if self._has_input_vocabulary or not self._token_counts:
            if self.output_mode == "tf_idf" and self.idf_weights is None and self._tokens:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
            self._frozen_vocab_size = self.vocabulary_size()
            return
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        key = (lambda t: (counts[t], t.encode("utf-8"))) if self._is_string else (lambda t: (counts[t], t))
        tokens = sorted(counts, key=key, reverse=True)
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            doc_counts = np.array([self._document_counts[t] for t in tokens], dtype=np.float64)
            idf = np.log(1 + self._num_documents / (1 + doc_counts)).astype(np.float32)
            self._set_idf(idf, self._token_start_index(), float(np.mean(idf)) if idf.size else 0.0)
        self.reset_state()

    def adapt(self, data, steps=None):
        """Learn the vocabulary from ``data``: an array / list of tokens (each row a document), or an
        iterable of such batches (a dataset yielding ``x`` or ``(x, y)``; ``steps`` batches at most)."""
        self.reset_state()
        if hasattr(data, "__iter__") and not isinstance(data, (list, tuple, np.ndarray, Tensor, str)):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch[0] if isinstance(batch, tuple) else batch)
        else:
            array = self._to_tokens(data)
            self.update_state(array.reshape(-1, 1) if array.ndim == 1 else array)
        self.finalize_state()

    # ---------------------------------------------------------------- lookup
    def _oov_indices(self, tokens):
        start = self._oov_start_index()
        if self.num_oov_indices == 1:
            return np.full(len(tokens), start, dtype=np.int64)
        if not self._is_string and self.oov_method != "farmhash":
            return np.mod(np.asarray(tokens, dtype=np.int64), self.num_oov_indices) + start
        fn = (lambda b: siphash64(self.salt, b)) if self.salt is not None else fingerprint64
        return np.array([fn(str(t).encode("utf-8")) % self.num_oov_indices for t in tokens], dtype=np.int64) + start

    def _lookup(self, tokens):
        """int64 indices of a NumPy array of tokens (the mask token: 0 in ``"int"`` mode, -1 otherwise)."""
        return self._lookup_list(tokens.reshape(-1).tolist()).reshape(tokens.shape)

    def _lookup_list(self, flat):
        """int64 indices (1-D) of a list of tokens."""
        index = self._index
        found = np.fromiter((index.get(t, _MISSING) for t in flat), dtype=np.int64, count=len(flat))
        if self.mask_token is not None:
            found[found == _MASK] = 0 if self.output_mode == "int" else -1
        missing = np.nonzero(found == _MISSING)[0]
        if missing.size:
            unknown = sorted({flat[i] for i in missing})
            if self.num_oov_indices == 0:
                raise ValueError(f"When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                                 f"{unknown}, consider setting `num_oov_indices=1`.")
            oov = dict(zip(unknown, self._oov_indices(unknown).tolist()))
            found[missing] = [oov[flat[i]] for i in missing]
        return found

    def _invert(self, indices):
        vocab = self.get_vocabulary()
        flat = np.asarray(indices, dtype=np.int64).reshape(-1)
        out = [vocab[i] if 0 <= i < len(vocab) and (i >= self._token_start_index() or
                                                    (i == 0 and self.mask_token is not None))
               else self.oov_token for i in flat.tolist()]
        dtype = str if self._is_string else np.int64
        return np.array(out, dtype=dtype).reshape(np.shape(indices))

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def _checked_depth(self):
        depth = self._depth()
        if depth is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, you "
                               "must set the layer's vocabulary before calling it. Either pass a `vocabulary` "
                               "argument to the layer, or call `adapt` with some sample data.")
        return depth

    def _checked_idf(self):
        if self.idf_weights is None:
            raise ValueError("When `output_mode` is `'tf_idf'`, `idf_weights` must be provided.")
        return self.idf_weights

    def _encode(self, indices):
        if self.output_mode == "int":
            return indices
        depth = self._checked_depth()
        out = encode_categorical(indices, "count" if self.output_mode == "tf_idf" else self.output_mode, depth)
        if self.output_mode == "tf_idf":
            out = (out * self._checked_idf()[:depth]).astype(np.float32)
        return out

    def _compute(self, array):
        if self.invert:
            return self._invert(array)
        tokens = self._to_tokens(array)
        return self._encode(self._lookup(tokens))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self._depth()
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def get_config(self):
        vocabulary = self.input_vocabulary
        idf = self.input_idf_weights
        if vocabulary is None and self._tokens:  # an adapted vocabulary (Keras keeps it in the assets)
            vocabulary = self.get_vocabulary(include_special_tokens=False)
            if self.output_mode == "tf_idf" and self.idf_weights is not None:
                start = self._token_start_index()
                idf = self.idf_weights[start:start + len(self._tokens)]
        config = super().get_config()
        config["dtype"] = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                           "registered_name": None}  # (Keras' default policy: the dtype argument is ignored)
        return dict(config, invert=self.invert, max_tokens=self.max_tokens,
                    num_oov_indices=self.num_oov_indices, oov_token=self.oov_token, mask_token=self.mask_token,
                    output_mode=self.output_mode, sparse=self.sparse, pad_to_max_tokens=self.pad_to_max_tokens,
                    vocabulary_dtype="string" if self._is_string else "int64",
                    idf_weights=None if idf is None else np.asarray(idf, dtype=np.float64).tolist(),
                    vocabulary=None if vocabulary is None else _listify_vocab(vocabulary, self._is_string),
                    vocabulary_size=self._frozen_vocab_size, oov_method=self.oov_method, salt=self.salt)

    @property
    def dtype(self):
        """The vocabulary's dtype (``"string"`` or ``"int64"``), as Keras' lookup layers report it."""
        return "string" if self._is_string else "int64"

    @dtype.setter
    def dtype(self, value):  # (the base class's default; the layer's dtype is its vocabulary's)
        pass

    compute_dtype = variable_dtype = dtype

    def _symbolic_dtype(self):
        if self.invert:
            return "string" if self._is_string else "int64"
        return "int64" if self.output_mode == "int" else "float32"


def _listify_vocab(vocabulary, is_string):
    values = np.asarray(vocabulary.array if isinstance(vocabulary, Tensor) else vocabulary).reshape(-1).tolist()
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values] if is_string \
        else [int(v) for v in values]


class StringLookup(IndexLookup):
    """Map strings to integer indices (or indices back to strings with ``invert=True``).

    Args as Keras: ``max_tokens``, ``num_oov_indices=1``, ``mask_token=None``, ``oov_token="[UNK]"``,
    ``vocabulary`` (list, array or file path), ``idf_weights``, ``invert``, ``output_mode``
    (``"int"`` int64 indices of the input's shape; ``"one_hot"``/``"multi_hot"``/``"count"``/``"tf_idf"``
    float32 (..., vocabulary_size)), ``pad_to_max_tokens``, ``sparse`` (False only), ``encoding``,
    ``salt`` (SipHash buckets for several OOV indices).

    >>> StringLookup(vocabulary=["a", "b"])([["a", "c"], ["b", "a"]]).tolist()
    [[1, 0], [2, 1]]
    """

    _is_string = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config


class IntegerLookup(IndexLookup):
    """Map integer tokens to contiguous indices (or back with ``invert=True``), as Keras'
    ``IntegerLookup``: ``oov_token=-1``, ``mask_token=None``, extra OOV indices by ``floormod``
    (or ``oov_method="farmhash"``).

    >>> IntegerLookup(vocabulary=[12, 36])([12, 7, 36]).tolist()
    [1, 0, 2]
    """

    _is_string = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError(f"Only `vocabulary_dtype='int64'` is supported at this time. Received: "
                             f"vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)
