"""``keras.utils.FeatureSpace``: one object that preprocesses and encodes a dict of structured-data features.

As Keras 3: each feature is a :class:`Feature` (a dtype, a preprocessing layer and an output mode) named
by a string (``"float_normalized"``, ``"string_categorical"``...) or built by a helper
(``FeatureSpace.float_discretized(num_bins=30)``...); ``crosses`` hash value co-occurrences of features
(``HashedCrossing``). ``adapt(dataset)`` adapts every adaptable preprocessor on its own column (a
:class:`~minidl.keras.dataset.Dataset` of dicts, or a dict of arrays); calling the FeatureSpace on a dict
of arrays (batched, or one sample of scalars) preprocesses, crosses, one-hot encodes the categorical
outputs (``CategoryEncoding(multi_hot)``) and, with ``output_mode="concat"``, concatenates the features
in sorted name order (features, then crosses) into one float32 vector per sample; ``"dict"`` returns
them by name. ``get_inputs()`` / ``get_encoded_features()`` give the same graph on ``keras.Input``s, for
a functional model that takes raw feature dicts. Saved with ``save("x.keras")`` and loaded by
``keras.models.load_model``; models holding its layers save as any model.

Where Keras computes in TensorFlow, this computes in NumPy through minidl.keras' preprocessing layers.
"""
from __future__ import annotations

import numpy as np

from minidl.keras import layers
from minidl.keras._dataset_elements import to_numpy
from minidl.keras._naming import unique_name
from minidl.keras._tensor import numpy_of
from minidl.keras.layers._data_layer import DataLayer
from minidl.keras.layers._symbolic import KerasTensor
from minidl.keras.layers.base import Layer
from minidl.tensor import Tensor

__all__ = ["FeatureSpace", "Feature", "Cross", "TFDConcat", "TFDIdentity"]

_MODULE = "keras.src.layers.preprocessing.feature_space"  # where Keras' saved configs place these classes


def _serialize(obj):
    from minidl.keras.serialization import serialize_keras_object
    return serialize_keras_object(obj)


def _deserialize(config):
    if isinstance(config, dict) and config.get("class_name") in ("Feature", "Cross"):
        cls = Feature if config["class_name"] == "Feature" else Cross
        return cls.from_config(config["config"])
    from minidl.keras.serialization import deserialize_keras_object
    return deserialize_keras_object(config)


class Cross:
    """A feature cross: ``feature_names`` hashed together into ``crossing_dim`` bins, one-hot encoded
    (``output_mode="one_hot"``) or left as bin indices (``"int"``)."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                             f"Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self) -> str:
        """The feature names joined by ``_X_`` (the key of the crossed feature)."""
        return "_X_".join(self.feature_names)

    def get_config(self) -> dict:
        """Keras' config: ``feature_names``, ``crossing_dim``, ``output_mode``."""
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        """A Cross from :meth:`get_config`."""
        return cls(**config)

    def _keras_serialized(self) -> dict:
        return {"module": _MODULE, "class_name": "Cross", "config": self.get_config(), "registered_name": "Cross"}


class Feature:
    """One feature: its input ``dtype`` (``"float32"``, ``"int32"``, ``"string"``), the ``preprocessor``
    layer (or its serialized config) and ``output_mode`` (``"float"``, ``"int"`` or ``"one_hot"``)."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot', "
                             f"'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            preprocessor = _deserialize(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self) -> dict:
        """Keras' config: ``dtype``, the serialized ``preprocessor`` and ``output_mode``."""
        return {"dtype": self.dtype, "preprocessor": _serialize(self.preprocessor), "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        """A Feature from :meth:`get_config`."""
        return cls(**config)

    def _keras_serialized(self) -> dict:
        return {"module": _MODULE, "class_name": "Feature", "config": self.get_config(),
                "registered_name": "Feature"}


class TFDConcat(DataLayer):
    """FeatureSpace's concatenation of its encoded features along ``axis`` (Keras' ``TFDConcat``)."""

    def __init__(self, axis, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def __call__(self, inputs, *args, **kwargs):
        """Concatenate the list ``inputs`` (arrays / Tensors, or ``keras.Input`` tensors)."""
        if any(isinstance(v, KerasTensor) for v in inputs):
            return super().__call__(list(inputs), *args, **kwargs)
        return self._forward(inputs)

    def _forward(self, x, training=False):
        arrays = [numpy_of(v) if isinstance(v, Tensor) else np.asarray(v) for v in x]
        return Tensor(np.ascontiguousarray(np.concatenate(arrays, axis=self.axis)))

    def _symbolic_dtype(self):
        return "float32"

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        if len({len(s) for s in shapes}) != 1:  # (a layer whose symbolic shape keeps an extra axis: size unknown)
            return (shapes[0][0], None)
        axis = self.axis % len(shapes[0])
        sizes = [s[axis] for s in shapes]
        total = None if any(v is None for v in sizes) else sum(sizes)
        return shapes[0][:axis] + (total,) + shapes[0][axis + 1:]

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


class TFDIdentity(DataLayer):
    """The preprocessor of a ``"float"`` feature: the values unchanged (numbers as float32, as the feature's
    dtype says)."""

    def _compute(self, array):
        array = np.asarray(array)
        return array.astype(np.float32) if array.dtype.kind in "biuf" else array

    def _symbolic_dtype(self):
        return "float32"

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


def _auto_name(base):
    return unique_name(base)


def _as_array(value):
    """A feature's values as NumPy (strings as ``bytes``; Python numbers as float32 / int32, as TF)."""
    if isinstance(value, Tensor):
        return numpy_of(value)
    array = to_numpy(value)
    return np.array(array, dtype=object) if isinstance(array, bytes) else array


def _column(key):
    """``map`` function picking feature ``key`` of a dict element."""
    return lambda features: features[key]


def _expand_last(value):
    return np.expand_dims(_as_array(value), -1)


class FeatureSpace(Layer):
    """Preprocess and encode a dict of features (see the module docstring).

    Args (as Keras): ``features`` (dict: name -> feature type name or :class:`Feature`), ``output_mode``
    (``"concat"`` or ``"dict"``), ``crosses`` (tuples of feature names or :meth:`cross` objects),
    ``crossing_dim`` (hash bins of a tuple cross, 32), ``hashing_dim`` (bins of ``"*_hashed"``
    features, 32), ``num_discretization_bins`` (bins of ``"float_discretized"``, 32), ``name``.
    """

    _keras_module = "keras.utils"  # its module in Keras' saved configs

    # ------------------------------------------------------------- feature helpers
    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        """A :class:`Cross` of ``feature_names`` hashed into ``crossing_dim`` bins."""
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        """A :class:`Feature` with your own preprocessing layer."""
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        """Float values passed through as they are."""
        name = name or _auto_name("float")
        return Feature(dtype="float32", preprocessor=TFDIdentity(dtype="float32", name=f"{name}_preprocessor"),
                       output_mode="float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        """Float values times ``scale`` plus ``offset`` (``Rescaling``)."""
        name = name or _auto_name("float_rescaled")
        return Feature(dtype="float32", output_mode="float",
                       preprocessor=layers.Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor"))

    @classmethod
    def float_normalized(cls, name=None):
        """Float values standardised with the adapted mean and variance (``Normalization``)."""
        name = name or _auto_name("float_normalized")
        return Feature(dtype="float32", output_mode="float",
                       preprocessor=layers.Normalization(axis=-1, name=f"{name}_preprocessor"))

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        """Float values bucketed into ``num_bins`` adapted quantile bins (``Discretization``)."""
        name = name or _auto_name("float_discretized")
        preprocessor = layers.Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                             name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        """Integer values indexed by an adapted vocabulary (``IntegerLookup``)."""
        name = name or _auto_name("integer_categorical")
        preprocessor = layers.IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                            num_oov_indices=num_oov_indices)
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        """String values indexed by an adapted vocabulary (``StringLookup``)."""
        name = name or _auto_name("string_categorical")
        preprocessor = layers.StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                           num_oov_indices=num_oov_indices)
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        """String values hashed into ``num_bins`` bins (``Hashing``)."""
        name = name or _auto_name("string_hashed")
        return Feature(dtype="string", output_mode=output_mode,
                       preprocessor=layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins))

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        """Integer values hashed into ``num_bins`` bins (``Hashing``)."""
        name = name or _auto_name("integer_hashed")
        return Feature(dtype="int32", output_mode=output_mode,
                       preprocessor=layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins))

    # ------------------------------------------------------------- construction
    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32, name=None):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {key: self._standardize_feature(key, value) for key, value in features.items()}
        self.crosses = [self._standardize_cross(cross, set(features)) for cross in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                             f"Received: output_mode={output_mode}")
        self.output_mode = output_mode
        self.inputs = {key: layers.Input(shape=(1,), dtype=feature.dtype, name=key)
                       for key, feature in self.features.items()}
        self.preprocessors = {key: feature.preprocessor for key, feature in self.features.items()}
        self.encoded_features = None
        self.crossers = {cross.name: layers.HashedCrossing(cross.crossing_dim, name=cross.name)
                         for cross in self.crosses}
        self.one_hot_encoders = {}
        self._is_adapted = False
        self.concat = None
        self._preprocessed_features_names = None
        self._crossed_features_names = None
        self._sublayers_built = False

    def _standardize_cross(self, cross, feature_set):
        if isinstance(cross, dict):
            cross = _deserialize(cross)
        if isinstance(cross, Cross):
            return cross
        if not self.crossing_dim:
            raise ValueError("When specifying `crosses`, the argument `crossing_dim` (dimensionality of the "
                             "crossing space) should be specified as well.")
        if any(key not in feature_set for key in cross):
            raise ValueError("All features referenced in the `crosses` argument should be present in the "
                             f"`features` dict. Received unknown features: {cross}")
        return Cross(cross, crossing_dim=self.crossing_dim)

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _deserialize(feature)
        makers = {
            "float": lambda: self.float(name=name),
            "float_normalized": lambda: self.float_normalized(name=name),
            "float_rescaled": lambda: self.float_rescaled(name=name),
            "float_discretized": lambda: self.float_discretized(name=name, num_bins=self.num_discretization_bins),
            "integer_categorical": lambda: self.integer_categorical(name=name),
            "string_categorical": lambda: self.string_categorical(name=name),
            "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
            "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name),
        }
        if not isinstance(feature, str) or feature not in makers:
            raise ValueError(f"Invalid feature type: {feature}")
        return makers[feature]()

    @property
    def layers(self) -> list:
        """The preprocessing layers (by sorted feature name), then the crossing layers (by sorted cross name)."""
        return [self.preprocessors[k] for k in sorted(self.preprocessors)] + \
            [self.crossers[k] for k in sorted(self.crossers)]

    # ------------------------------------------------------------- adapt
    def _list_adaptable_preprocessors(self):
        names = []
        for key in self.features:
            preprocessor = self.preprocessors[key]
            if isinstance(preprocessor, layers.Normalization) and preprocessor.input_mean is not None:
                continue  # given mean / variance: nothing to learn
            if isinstance(preprocessor, layers.TextVectorization) and \
                    preprocessor._lookup_layer._has_input_vocabulary:
                continue  # given vocabulary
            if hasattr(preprocessor, "adapt"):
                names.append(key)
        return names

    def adapt(self, dataset):
        """Adapt every adaptable preprocessor on its feature's values: ``dataset`` is a Dataset of dicts
        (batched or not; no labels) or a dict of arrays / lists."""
        from minidl.keras.dataset import Dataset
        if not isinstance(dataset, Dataset):
            if isinstance(dataset, dict):
                dataset = Dataset.from_tensor_slices(dataset)
            else:
                raise ValueError("`adapt()` can only be called on a tf.data.Dataset or a dict of arrays/lists. "
                                 f"Received instead: {dataset} (of type {type(dataset)})")
        first = next(iter(dataset.as_numpy_iterator()), None)
        if not isinstance(first, dict):
            raise ValueError("FeatureSpace.adapt: the dataset must yield dicts of feature values, without labels "
                             f"(e.g. `ds.map(lambda x, y: x)`); its elements are {type(first).__name__}s")
        missing = sorted(set(self._list_adaptable_preprocessors()) - set(first))
        if missing:
            raise ValueError(f"FeatureSpace.adapt: the dataset has no values for the features {missing}; its dicts "
                             f"hold {sorted(first)}")
        for key in self._list_adaptable_preprocessors():
            feature_dataset = dataset.map(_column(key))
            first = next(iter(feature_dataset))
            if len(first.shape) == 0:  # unbatched scalars: batch them
                feature_dataset = feature_dataset.batch(32)
            if len(first.shape) in {0, 1}:  # a trailing axis, so that the layer reduces over axis -1
                feature_dataset = feature_dataset.map(_expand_last)
            self.preprocessors[key].adapt(feature_dataset)
        self._is_adapted = True
        self.get_encoded_features()  # finish building the layer
        self.built = True
        self._sublayers_built = True

    # ------------------------------------------------------------- the graph
    def get_inputs(self):
        """The dict of ``keras.Input`` tensors (shape ``(None, 1)``, the features' dtypes)."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The encoded features computed from :meth:`get_inputs`: one KerasTensor (``"concat"``) or a dict."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features):
        return {key: self.preprocessors[key](features[key]) for key in features}

    def _cross_features(self, features):
        return {cross.name: self.crossers[cross.name]([features[key] for key in cross.feature_names])
                for cross in self.crosses}

    def _merge_features(self, preprocessed, crossed):
        if not self._preprocessed_features_names:
            self._preprocessed_features_names = sorted(preprocessed)
            self._crossed_features_names = sorted(crossed)
        names = self._preprocessed_features_names + self._crossed_features_names
        values = [preprocessed[k] for k in self._preprocessed_features_names] + \
            [crossed[k] for k in self._crossed_features_names]
        if self._sublayers_built:  # the encoders exist: apply them
            encoded = {}
            for key, value in zip(names, values):
                encoder = self.one_hot_encoders.get(key)
                encoded[key] = encoder(value) if encoder else value
            return encoded if self.output_mode == "dict" else self.concat([encoded[k] for k in names])
        specs = [self.features[k] for k in self._preprocessed_features_names] + \
            [self.crosses_by_name[k] for k in self._crossed_features_names]
        encoded = {}
        for key, value, spec in zip(names, values, specs):
            dtype = str(value.dtype).replace("minidl.", "")
            if spec.output_mode == "one_hot":
                value = self._one_hot(key, value, dtype)
            if self.output_mode == "concat":
                dtype = str(value.dtype).replace("minidl.", "")
                if dtype.startswith("int") or dtype == "string":
                    raise ValueError(f"Cannot concatenate features because feature '{key}' has not been encoded "
                                     f"(it has dtype {dtype}). Consider using `output_mode='dict'`.")
            encoded[key] = value
        if self.output_mode == "dict":
            return encoded
        self.concat = TFDConcat(axis=-1)
        return self.concat([encoded[k] for k in names])

    def _one_hot(self, key, value, dtype):
        preprocessor = self.preprocessors.get(key) or self.crossers.get(key)
        if not dtype.startswith("int"):
            raise ValueError(f"Feature '{key}' has `output_mode='one_hot'`. Thus its preprocessor should return an "
                             f"integer dtype. Instead it returns a {dtype} dtype.")
        if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
            cardinality = preprocessor.vocabulary_size()
        elif isinstance(preprocessor, layers.CategoryEncoding):
            cardinality = preprocessor.num_tokens
        elif isinstance(preprocessor, (layers.Discretization, layers.HashedCrossing, layers.Hashing)):
            cardinality = preprocessor.num_bins
        else:
            raise ValueError(f"Feature '{key}' has `output_mode='one_hot'`. However it isn't a standard feature "
                             "and the dimensionality of its output space is not known, thus it cannot be one-hot "
                             "encoded. Try using `output_mode='int'`.")
        if cardinality is None:
            return value
        encoder = layers.CategoryEncoding(num_tokens=cardinality, output_mode="multi_hot")
        self.one_hot_encoders[key] = encoder
        return encoder(value)

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before you can start "
                                 "using it.")
            self._is_adapted = True

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # ------------------------------------------------------------- calling
    def __call__(self, data):
        """Encode ``data``, a dict of feature values: arrays / lists / Tensors of shape ``(batch,)`` or
        ``(batch, 1)``, or one sample of scalars (then the batch axis is dropped from the result)."""
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError(f"A FeatureSpace can only be called with a dict. Received: data={data} "
                             f"(of type {type(data)}")
        missing = sorted(set(self.features) - set(data))
        if missing:
            raise ValueError(f"FeatureSpace '{self.name}': the data has no values for the features {missing}; "
                             f"it has {sorted(data)}")
        arrays, rebatched = {}, False
        for key in self.features:
            array = _as_array(data[key])
            if array.ndim == 0:
                array, rebatched = array.reshape(1, 1), True
            elif array.ndim == 1:
                array = array[:, None]
            arrays[key] = array
        preprocessed = self._preprocess_features(arrays)
        crossed = self._cross_features(preprocessed)
        merged = self._merge_features(preprocessed, crossed)
        if rebatched:
            if self.output_mode == "concat":
                if merged.shape[0] != 1:
                    raise ValueError(f"Expected rebatched data to have batch size 1. Received: shape={merged.shape}")
                merged = merged.squeeze(0)
            else:
                merged = {k: v.squeeze(0) if len(v.shape) == 2 and v.shape[0] == 1 else v for k, v in merged.items()}
        return merged

    # ------------------------------------------------------------- saving
    def get_config(self) -> dict:
        """Keras' config: the serialized ``features`` and ``crosses``, ``output_mode`` and the dimensions."""
        return {"features": {k: f._keras_serialized() for k, f in self.features.items()},
                "output_mode": self.output_mode, "crosses": [c._keras_serialized() for c in self.crosses],
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config):
        """A FeatureSpace from :meth:`get_config` (adapted state comes with the preprocessors' configs)."""
        return cls(**config)

    def get_build_config(self) -> dict:
        """Each preprocessor's build input shape (None when not built), by feature name."""
        return {key: {"input_shape": list(f.preprocessor._build_shape)}
                if f.preprocessor.built and f.preprocessor._build_shape is not None else None
                for key, f in self.features.items()}

    def build_from_config(self, config):
        """Build the preprocessors from :meth:`get_build_config` (so that saved weights can be read into them)
        and mark the FeatureSpace adapted, as Keras does on load."""
        for key, build in (config or {}).items():
            preprocessor = self.features[key].preprocessor
            if build and not preprocessor.built:
                preprocessor._ensure_built(tuple(build["input_shape"]))
        self._is_adapted = True

    def save(self, filepath, overwrite=True, zipped=None):
        """Write the FeatureSpace to a ``.keras`` file; ``keras.models.load_model`` reads it back
        (``overwrite``/``zipped`` as ``keras.saving.save_model`` passes them; ``zipped=False`` raises)."""
        if zipped is False:
            raise ValueError("minidl.keras writes zipped `.keras` files only; `zipped=False` is not supported")
        from minidl.keras.feature_space_saving import save_feature_space
        save_feature_space(self, filepath, overwrite=overwrite)

    def __repr__(self):
        return f"<FeatureSpace name={self.name}, features={list(self.features)}, output_mode={self.output_mode}>"
