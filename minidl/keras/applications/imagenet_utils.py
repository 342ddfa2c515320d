"""``keras.applications.imagenet_utils``: ``preprocess_input`` (modes ``caffe``, ``tf``, ``torch``),
``decode_predictions``, and the helpers the application builders share (input-shape checks,
``correct_pad``, loading Keras' ImageNet weight files from ``$KERAS_HOME/models``)."""
from __future__ import annotations

import json
import warnings

import numpy as np

from minidl.keras import _settings

__all__ = ["preprocess_input", "decode_predictions", "obtain_input_shape", "correct_pad", "validate_activation",
           "check_weights_argument", "load_imagenet_weights", "CLASS_INDEX_PATH"]

CLASS_INDEX_PATH = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
_CLASS_INDEX = None
_CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _check_data_format(data_format):
    if data_format is None:
        return _settings.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Expected data_format to be one of `channels_first` or `channels_last`. "
                         f"Received: data_format={data_format}")
    return data_format


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch of RGB images with values in [0, 255] (NumPy array or Tensor, 3-D or 4-D) as the
    ImageNet models expect: ``"caffe"`` (RGB to BGR, minus the ImageNet mean per channel), ``"tf"``
    (to [-1, 1]) or ``"torch"`` (to [0, 1], then per-channel mean/std). A float NumPy array is
    changed in place and returned, as in Keras; a Tensor gives a new Tensor (differentiable), and a
    symbolic tensor (``keras.Input``) the output of a ``Lambda`` layer doing this."""
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    data_format = _check_data_format(data_format)
    if isinstance(x, (np.ndarray, list, tuple)):
        return _preprocess_numpy(np.asarray(x) if not isinstance(x, np.ndarray) else x, data_format, mode)
    from minidl.keras.utils import is_keras_tensor
    if is_keras_tensor(x):
        from minidl.keras.layers import Lambda
        # a module-level function with its arguments: the saved model loads without safe_mode=False
        return Lambda(_preprocess_tensor, arguments={"data_format": data_format, "mode": mode})(x)
    return _preprocess_tensor(x, data_format, mode)


def _preprocess_tensor(x, data_format, mode):
    """:func:`preprocess_input` on a Tensor (differentiable)."""
    from minidl.keras import ops
    if "float" not in ops.dtype(x):
        x = ops.cast(x, _settings.floatx())
    channel_axis = -1 if data_format == "channels_last" else (0 if len(x.shape) == 3 else 1)
    shape = [1] * len(x.shape)
    shape[channel_axis] = 3
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        return (x / 255.0 - np.reshape(np.asarray(_TORCH_MEAN, "float32"), shape)) / \
            np.reshape(np.asarray(_TORCH_STD, "float32"), shape)
    return ops.flip(x, axis=channel_axis) - np.reshape(np.asarray(_CAFFE_MEAN, "float32"), shape)


def _preprocess_numpy(x, data_format, mode):
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(_settings.floatx(), copy=False)
    channel_axis = -1 if data_format == "channels_last" else (0 if x.ndim == 3 else 1)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = np.flip(x, axis=channel_axis)  # RGB -> BGR (a view: the caller's array is changed in place)
        mean, std = _CAFFE_MEAN, None
    shape = [1] * x.ndim
    shape[channel_axis] = 3
    x -= np.reshape(np.asarray(mean, dtype=x.dtype), shape)
    if std is not None:
        x /= np.reshape(np.asarray(std, dtype=x.dtype), shape)
    return x


def _class_index():
    global _CLASS_INDEX
    if _CLASS_INDEX is None:
        from minidl.keras.utils import get_file
        path = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                        file_hash="c2c37ea517e94d9795004a39431a14cb")
        with open(path) as f:
            _CLASS_INDEX = json.load(f)
    return _CLASS_INDEX


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each row of ``preds`` (samples, 1000) as lists of
    ``(class_id, class_name, score)``, best first. Reads ``imagenet_class_index.json`` from
    ``$KERAS_HOME/models`` (downloading it from Keras' URL when absent)."""
    from minidl.keras import ops
    preds = np.asarray(ops.convert_to_numpy(preds))
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
                         f"(samples, 1000)). Received array with shape: {preds.shape}")
    index = _class_index()
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(index[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def check_weights_argument(weights, include_top, classes):
    """Keras' checks of ``weights`` (None, "imagenet" or an existing file) and ``classes``."""
    import os
    if not (weights in ("imagenet", None) or os.path.exists(str(weights))):
        raise ValueError("The `weights` argument should be either `None` (random initialization), 'imagenet' "
                         "(pre-training on ImageNet), or the path to the weights file to be loaded.  Received: "
                         f"weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  "
                         f"Received classes={classes}")


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    """The model's per-sample input shape (H, W, C) from ``input_shape`` (None: the default), checked
    as Keras checks it (3 channels for ImageNet weights, at least ``min_size`` pixels, static with a top)."""
    if data_format != "channels_last":
        raise ValueError("minidl.keras.applications builds channels_last models only")
    if input_shape is not None:
        input_shape = tuple(input_shape)
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        if input_shape[-1] not in (1, 3):
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was passed an "
                          f"input_shape with {input_shape[-1]} input channels.", stacklevel=3)
        default_shape = (default_size, default_size, input_shape[-1])
    else:
        default_shape = (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten and input_shape is not None and input_shape != default_shape:
        raise ValueError(f"When setting `include_top=True` and loading `imagenet` weights, `input_shape` should "
                         f"be {default_shape}.  Received: input_shape={input_shape}")
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        if input_shape[-1] != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if (input_shape[0] is not None and input_shape[0] < min_size) or \
                (input_shape[1] is not None and input_shape[1] < min_size):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    else:
        input_shape = default_shape if require_flatten else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """The ``ZeroPadding2D`` padding that makes a stride-2 ``kernel_size`` convolution on ``inputs``
    (a channels-last symbolic tensor) pad as TensorFlow's "same" does."""
    input_size = inputs.shape[1:3]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if input_size[0] is None else (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """With pretrained weights the top may only end in softmax or nothing (Keras' rule)."""
    if weights is None:
        return
    from minidl.keras import activations
    fn = activations.get(classifier_activation)
    if fn not in (activations.get("softmax"), activations.get(None)):
        raise ValueError("Only `None` and `softmax` activations are allowed for the `classifier_activation` "
                         "argument when using pretrained weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def input_layer(input_tensor, input_shape):
    """``keras.Input(shape=input_shape)``, or ``input_tensor`` when it is a symbolic tensor."""
    from minidl.keras.layers import Input
    from minidl.keras.utils import is_keras_tensor
    if input_tensor is None:
        return Input(shape=input_shape)
    if not is_keras_tensor(input_tensor):
        raise ValueError(f"input_tensor must be a symbolic Keras tensor (keras.Input or a layer output); "
                         f"received {type(input_tensor).__name__}")
    return input_tensor


def model_inputs(input_tensor, img_input):
    """The functional model's inputs: the sources of ``input_tensor`` when given."""
    from minidl.keras.utils import get_source_inputs
    if input_tensor is None:
        return img_input
    sources = get_source_inputs(input_tensor)
    return sources[0] if len(sources) == 1 else sources


def load_imagenet_weights(model, file_name, url, file_hash=None):
    """Load Keras' ImageNet weights file ``file_name`` into ``model``: from ``$KERAS_HOME/models``
    (``~/.keras/models``) when there, else downloaded from ``url`` (offline: an error naming the
    file, the URL and where to put it)."""
    from minidl.keras.utils import get_file
    path = get_file(file_name, url, cache_subdir="models", file_hash=file_hash)
    model.load_weights(path)
