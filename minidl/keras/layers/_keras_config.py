"""Keras 3's ``get_config`` of the built-in layers, key for key: every built-in layer's config passes
through :func:`finish_config` once (its outermost built-in ``get_config``, wrapped by
``Layer.__init_subclass__``), which

* writes initializers, regularizers and constraints as Keras' nested
  ``{"module", "class_name", "config", "registered_name"}`` dicts (a name such as ``"glorot_uniform"``
  becomes the object Keras would make of it);
* puts the keys in Keras' order (``KERAS_KEYS``, read from Keras 3.15 on each class) and adds the keys of
  options minidl does not model with the only value minidl supports for them (``data_format``
  ``"channels_last"``, ``synchronized`` False, ...), or with the layer's own attribute when it has one.

Keys a user subclass adds after ``super().get_config()`` keep their place after Keras' keys.
"""
from __future__ import annotations

import functools
import threading

__all__ = ["KERAS_KEYS", "finish_config", "wrap_get_config", "records_build_config", "node_call_kwargs"]

_BASE = ("name", "trainable", "dtype")

# Keras 3.15's key order of the built-in layers whose configs minidl assembles in another order
KERAS_KEYS = {
    "AveragePooling1D": _BASE + ('pool_size', 'padding', 'strides', 'data_format'),
    "AveragePooling2D": _BASE + ('pool_size', 'padding', 'strides', 'data_format'),
    "MaxPooling1D": _BASE + ('pool_size', 'padding', 'strides', 'data_format'),
    "Conv1D": _BASE + ('filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups',
        'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer',
        'activity_regularizer', 'kernel_constraint', 'bias_constraint'),
    "Conv1DTranspose": _BASE + ('filters', 'kernel_size', 'strides', 'padding', 'output_padding', 'data_format',
        'dilation_rate', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer',
        'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'),
    "MaxPooling2D": _BASE + ('pool_size', 'padding', 'strides', 'data_format'),
    "GlobalAveragePooling2D": _BASE + ('data_format', 'keepdims'),
    "GlobalMaxPooling2D": _BASE + ('data_format', 'keepdims'),
    "Conv2D": _BASE + ('filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups',
        'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer',
        'activity_regularizer', 'kernel_constraint', 'bias_constraint'),
    "Conv2DTranspose": _BASE + ('filters', 'kernel_size', 'strides', 'padding', 'output_padding', 'data_format',
        'dilation_rate', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer',
        'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'),
    "ZeroPadding2D": _BASE + ('padding', 'data_format'),
    "Conv3D": _BASE + ('filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups',
        'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer',
        'activity_regularizer', 'kernel_constraint', 'bias_constraint'),
    "Conv3DTranspose": _BASE + ('filters', 'kernel_size', 'strides', 'padding', 'output_padding', 'data_format',
        'dilation_rate', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer',
        'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'),
    "BatchNormalization": _BASE + ('axis', 'momentum', 'epsilon', 'center', 'scale', 'beta_initializer',
        'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer', 'beta_regularizer',
        'gamma_regularizer', 'beta_constraint', 'gamma_constraint', 'synchronized', 'renorm', 'renorm_clipping',
        'renorm_momentum'),
    "Dense": _BASE + ('units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer',
        'kernel_regularizer', 'bias_regularizer', 'kernel_constraint', 'bias_constraint', 'quantization_config'),
    "DepthwiseConv1D": _BASE + ('depth_multiplier', 'kernel_size', 'strides', 'padding', 'data_format',
        'dilation_rate', 'activation', 'use_bias', 'depthwise_initializer', 'bias_initializer',
        'depthwise_regularizer', 'bias_regularizer', 'activity_regularizer', 'depthwise_constraint', 'bias_constraint'),
    "DepthwiseConv2D": _BASE + ('depth_multiplier', 'kernel_size', 'strides', 'padding', 'data_format',
        'dilation_rate', 'activation', 'use_bias', 'depthwise_initializer', 'bias_initializer',
        'depthwise_regularizer', 'bias_regularizer', 'activity_regularizer', 'depthwise_constraint', 'bias_constraint'),
    "ELU": ('name', 'alpha', 'trainable', 'dtype'),
    "Embedding": _BASE + ('input_dim', 'output_dim', 'embeddings_initializer', 'embeddings_regularizer',
        'activity_regularizer', 'embeddings_constraint', 'mask_zero', 'quantization_config'),
    "Flatten": _BASE + ('data_format',),
    "GRU": _BASE + ('return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll', 'zero_output_for_mask',
        'units', 'activation', 'recurrent_activation', 'use_bias', 'kernel_initializer', 'recurrent_initializer',
        'bias_initializer', 'kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer',
        'kernel_constraint', 'recurrent_constraint', 'bias_constraint', 'dropout', 'recurrent_dropout', 'reset_after',
        'seed'),
    "InputLayer": ('batch_shape', 'dtype', 'sparse', 'ragged', 'name', 'optional'),
    "LSTM": _BASE + ('return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll', 'zero_output_for_mask',
        'units', 'activation', 'recurrent_activation', 'use_bias', 'kernel_initializer', 'recurrent_initializer',
        'bias_initializer', 'unit_forget_bias', 'kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer',
        'activity_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint', 'dropout',
        'recurrent_dropout', 'seed'),
    "LSTMCell": _BASE + ('units', 'activation', 'recurrent_activation', 'use_bias', 'unit_forget_bias',
        'kernel_initializer', 'recurrent_initializer', 'bias_initializer', 'kernel_regularizer',
        'recurrent_regularizer', 'bias_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint',
        'dropout', 'recurrent_dropout', 'seed'),
    "LayerNormalization": _BASE + ('axis', 'epsilon', 'center', 'scale', 'rms_scaling', 'beta_initializer',
        'gamma_initializer', 'beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint'),
    "RandomFlip": _BASE + ('data_format', 'seed', 'mode'),
    "ReversibleEmbedding": _BASE + ('input_dim', 'output_dim', 'embeddings_initializer', 'embeddings_regularizer',
        'activity_regularizer', 'embeddings_constraint', 'mask_zero', 'quantization_config', 'tie_weights',
        'reverse_dtype', 'logit_soft_cap'),
    "SeparableConv1D": _BASE + ('depth_multiplier', 'filters', 'kernel_size', 'strides', 'padding', 'data_format',
        'dilation_rate', 'activation', 'use_bias', 'depthwise_initializer', 'pointwise_initializer',
        'bias_initializer', 'depthwise_regularizer', 'pointwise_regularizer', 'bias_regularizer',
        'activity_regularizer', 'depthwise_constraint', 'pointwise_constraint', 'bias_constraint'),
    "SeparableConv2D": _BASE + ('depth_multiplier', 'filters', 'kernel_size', 'strides', 'padding', 'data_format',
        'dilation_rate', 'activation', 'use_bias', 'depthwise_initializer', 'pointwise_initializer',
        'bias_initializer', 'depthwise_regularizer', 'pointwise_regularizer', 'bias_regularizer',
        'activity_regularizer', 'depthwise_constraint', 'pointwise_constraint', 'bias_constraint'),
    "SimpleRNN": _BASE + ('return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll',
        'zero_output_for_mask', 'units', 'activation', 'use_bias', 'kernel_initializer', 'recurrent_initializer',
        'bias_initializer', 'kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer',
        'kernel_constraint', 'recurrent_constraint', 'bias_constraint', 'dropout', 'recurrent_dropout'),
}

# options minidl does not model: the value it always behaves as (what Keras writes by default)
_FIXED = {"data_format": "channels_last", "activity_regularizer": None, "quantization_config": None,
          "synchronized": False, "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99,
          "sparse": False, "ragged": False, "optional": False, "rms_scaling": False, "reset_after": True,
          "unit_forget_bias": True, "autocast": True}

# Keras 3.15's built-in layers whose `build` is Layer's default: Keras records no build shapes for them,
# so their saved entries have no "build_config"
_DEFAULT_BUILD = frozenset((
    "Activation", "ActivityRegularization", "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
    "AlphaDropout", "AutoContrast", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "CategoryEncoding", "CenterCrop", "ContrastLimitedAdaptiveHistogramEqualization", "Cropping1D", "Cropping2D",
    "Cropping3D", "CutMix", "Discretization", "Dropout", "ELU", "Equalization", "Flatten", "GaussianDropout",
    "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "HashedCrossing", "Hashing", "Identity",
    "InputLayer", "IntegerLookup", "Lambda", "Layer", "LeakyReLU", "Masking", "MaxNumBoundingBoxes",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "MelSpectrogram", "MixUp", "Permute", "Pipeline",
    "RandomBrightness", "RandomColorDegeneration", "RandomContrast", "RandomCrop", "RandomElasticTransform",
    "RandomErasing", "RandomFlip", "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert",
    "RandomPerspective", "RandomPosterization", "RandomRotation", "RandomSaturation", "RandomSharpness",
    "RandomShear", "RandomTranslation", "RandomZoom", "ReLU", "RepeatVector", "Rescaling", "Reshape", "Resizing",
    "Softmax", "Solarization", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "StringLookup",
    "UnitNormalization", "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D"))


def records_build_config(layer) -> bool:
    """Whether Keras 3 saves a ``build_config`` for ``layer``: not for a layer whose class keeps Layer's
    default ``build`` (Dropout, Flatten, pooling, a user layer without ``build``...)."""
    for cls in type(layer).__mro__:
        if (cls.__module__ or "").startswith("minidl."):
            return cls.__name__ not in _DEFAULT_BUILD and cls.__name__ != "Layer"
        if "build" in cls.__dict__:
            return True  # a user class with its own build
    return True


# Keras 3.15's built-in layers whose `call` takes `mask` (a single-tensor call records `mask=` on its node:
# None, or None per tensor of a list input), and those whose `call` has a non-None `training` default (the
# node records it)
_CALL_MASK = frozenset((
    "AdditiveAttention", "Attention", "BatchNormalization", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D",
    "ConvLSTM3D", "GRU", "GlobalAveragePooling1D", "LSTM", "Lambda", "Pipeline", "RNN", "SimpleRNN", "Softmax",
    "TimeDistributed", "Model", "Functional", "Sequential"))
_CALL_TRAINING_FALSE = frozenset((
    "AdditiveAttention", "AlphaDropout", "Attention", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "Dropout", "GRU",
    "GaussianDropout", "GaussianNoise", "LSTM", "RNN", "SimpleRNN", "SpatialDropout1D", "SpatialDropout2D",
    "SpatialDropout3D", "SpectralNormalization"))
_CALL_TRAINING_TRUE = frozenset((
    "AugMix", "AutoContrast", "CenterCrop", "ContrastLimitedAdaptiveHistogramEqualization", "CutMix",
    "Equalization", "MaxNumBoundingBoxes", "MixUp", "Pipeline", "RandAugment", "RandomBrightness",
    "RandomColorDegeneration", "RandomColorJitter", "RandomContrast", "RandomCrop", "RandomElasticTransform",
    "RandomErasing", "RandomFlip", "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert",
    "RandomPerspective", "RandomPosterization", "RandomRotation", "RandomSaturation", "RandomSharpness",
    "RandomShear", "RandomTranslation", "RandomZoom", "Resizing", "Solarization"))


def node_call_kwargs(layer, kwargs: dict, n_inputs: int, list_input: bool) -> dict:
    """The ``kwargs`` of a saved call node of ``layer`` as Keras 3 records them: its ``training`` default
    when not None, and ``mask=None`` (one None per tensor of a list input) when its ``call`` takes a mask
    and it was called on one tensor argument (a user class: from its own ``call`` signature)."""
    import inspect
    takes_mask, training = False, None
    for cls in type(layer).__mro__:
        if (cls.__module__ or "").startswith("minidl."):
            name = getattr(layer, "_keras_class_name", None) or cls.__name__
            takes_mask = name in _CALL_MASK
            training = True if name in _CALL_TRAINING_TRUE else False if name in _CALL_TRAINING_FALSE else None
            break
        if "call" in cls.__dict__:  # a user class's own call
            params = inspect.signature(cls.__dict__["call"]).parameters
            takes_mask = "mask" in params
            default = params["training"].default if "training" in params else None
            training = None if default is inspect.Parameter.empty else default
            break
    out = dict(kwargs)
    if training is not None:
        out.setdefault("training", training)
    tensor_kwargs = any(isinstance(v, dict) and v.get("class_name") == "__keras_tensor__" or isinstance(v, list)
                        for v in kwargs.values())
    if takes_mask and not tensor_kwargs and (list_input or n_inputs == 1):
        out.setdefault("mask", [None] * n_inputs if list_input else None)
    return out


_depth = threading.local()


def _serialize(key, value):
    """``value`` of config ``key`` as Keras writes it (initializers, regularizers, constraints)."""
    if value is None or isinstance(value, dict) and "module" in value:
        return value
    if key.endswith("_initializer"):
        from minidl.keras import initializers
        obj = initializers.get(value) if isinstance(value, (str, dict)) else value
        return initializers.serialize(obj) if hasattr(obj, "get_config") else value
    if key.endswith("_regularizer"):
        from minidl.keras import regularizers
        obj = regularizers.get(value) if isinstance(value, (str, dict)) else value
        return regularizers.serialize(obj) if hasattr(obj, "get_config") else value
    if key.endswith("_constraint"):
        from minidl.keras import constraints
        obj = constraints.get(value) if isinstance(value, (str, dict)) else value
        return constraints.serialize(obj) if hasattr(obj, "get_config") else value
    return value


def _keras_class(layer):
    """The built-in class whose Keras keys ``layer``'s config has: its own, or a user subclass's base."""
    for cls in type(layer).__mro__:
        if (cls.__module__ or "").startswith("minidl."):
            return cls.__name__ if cls.__name__ in KERAS_KEYS else None
    return None


def finish_config(layer, config: dict) -> dict:
    """``config`` (a built-in layer's) in Keras 3's form: serialized objects, Keras' keys and order."""
    from minidl.keras.layers.base import Layer
    from minidl.keras.models.model import Model
    if type(layer).get_config in (Layer.get_config, Model.get_config) and \
            not (type(layer).__module__ or "").startswith("minidl."):
        return config  # a user class's automatic config: its arguments as given, as Keras
    config = {k: _serialize(k, v) for k, v in config.items()}
    activity = layer.__dict__.get("activity_regularizer")
    if activity is not None and "dtype" in config:  # Keras' base config: after dtype, when there is one
        from minidl.keras import regularizers
        config.pop("activity_regularizer", None)
        head = {k: config.pop(k) for k in ("name", "trainable", "dtype") if k in config}
        config = {**head, "activity_regularizer": regularizers.serialize(activity), **config}
    name = _keras_class(layer)
    if name is None:
        return config
    out = {k: config[k] for k in _BASE + ("activity_regularizer",) if k in config and activity is not None}
    for key in KERAS_KEYS[name]:
        if key in config:
            out[key] = config[key]
        elif key in _FIXED:
            value = getattr(layer, key, _FIXED[key])   # data_format: the layer's own (channels_first too)
            out[key] = _serialize(key, value)
    out.update((k, v) for k, v in config.items() if k not in out)
    return out


def wrap_get_config(cls) -> None:
    """Make a built-in class's own ``get_config`` return :func:`finish_config`'s form when it is the
    outermost built-in ``get_config`` of the call (a user override calling ``super()`` gets it too)."""
    inner = cls.__dict__.get("get_config")
    if inner is None or getattr(inner, "_keras_finished", False) or not (cls.__module__ or "").startswith("minidl."):
        return

    @functools.wraps(inner)
    def get_config(self):
        active = _depth.__dict__.setdefault("ids", set())
        outermost = id(self) not in active  # (a nested layer's config, e.g. a wrapper's, is finished too)
        active.add(id(self))
        try:
            config = inner(self)
        finally:
            if outermost:
                active.discard(id(self))
        return finish_config(self, config) if outermost else config

    get_config._keras_finished = True
    cls.get_config = get_config
