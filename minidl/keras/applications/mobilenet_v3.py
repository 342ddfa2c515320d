"""``keras.applications.mobilenet_v3``: ``MobileNetV3Small`` and ``MobileNetV3Large`` (Howard et al.,
2019) with Keras' layer names (``conv``, ``expanded_conv_{i}_depthwise``, ``..._squeeze_excite_conv``...)
and weight layout. The models take RGB images in [0, 255] (``include_preprocessing=True`` rescales
them to [-1, 1] inside), so ``preprocess_input`` returns its input unchanged, as Keras'.

One difference from Keras' graph: the squeeze-and-excite gate, which Keras writes as ``ReLU(6.0)(x +
3.0) * (1 / 6)`` (two tensor operations around a ReLU layer), is one ``Activation("hard_sigmoid")``
layer here (the same function; the layer count and every layer holding weights are Keras')."""
from __future__ import annotations

import warnings

from minidl.keras.applications import imagenet_utils
from minidl.keras.applications._assembly import assemble_model, pooling_head
from minidl.keras.applications.imagenet_utils import decode_predictions

__all__ = ["MobileNetV3Small", "MobileNetV3Large", "preprocess_input", "decode_predictions"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
_HASHES = {  # md5 of the files with / without the top, as Keras lists them
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4"),
}
# (expansion, filters, kernel ("k": 5, or 3 when minimalistic), stride, squeeze-excite, hard-swish) per block
_SMALL = ((1, 16, 3, 2, True, False), (72 / 16, 24, 3, 2, False, False), (88 / 24, 24, 3, 1, False, False),
          (4, 40, "k", 2, True, True), (6, 40, "k", 1, True, True), (6, 40, "k", 1, True, True),
          (3, 48, "k", 1, True, True), (3, 48, "k", 1, True, True), (6, 96, "k", 2, True, True),
          (6, 96, "k", 1, True, True), (6, 96, "k", 1, True, True))
_LARGE = ((1, 16, 3, 1, False, False), (4, 24, 3, 2, False, False), (3, 24, 3, 1, False, False),
          (3, 40, "k", 2, True, False), (3, 40, "k", 1, True, False), (3, 40, "k", 1, True, False),
          (6, 80, 3, 2, False, True), (2.5, 80, 3, 1, False, True), (2.3, 80, 3, 1, False, True),
          (2.3, 80, 3, 1, False, True), (6, 112, 3, 1, True, True), (6, 112, 3, 1, True, True),
          (6, 160, "k", 2, True, True), (6, 160, "k", 1, True, True), (6, 160, "k", 1, True, True))


def _depth(v, divisor=8, min_value=None):
    """``v`` rounded to a multiple of ``divisor`` (at least ``min_value``), never more than 10% below ``v``."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _activation(x, hard_swish):
    from minidl.keras import layers
    return layers.Activation("hard_swish")(x) if hard_swish else layers.ReLU()(x)


def _bn(name):
    from minidl.keras import layers
    return layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)


def _se_block(inputs, filters, se_ratio, prefix):
    """Squeeze and excite: global average, 1x1 reduce (ReLU), 1x1 expand, hard sigmoid gate."""
    from minidl.keras import layers
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = layers.Activation("hard_sigmoid")(x)  # Keras: ReLU(6.0)(x + 3.0) * (1.0 / 6.0)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, hard_swish, block_id):
    """1x1 expansion (not in block 0), depthwise convolution, optional squeeze and excite, 1x1
    projection; the input added back when the shapes match."""
    from minidl.keras import layers
    shortcut, prefix, in_filters = x, "expanded_conv_", x.shape[-1]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(in_filters * expansion), kernel_size=1, padding="same", use_bias=False,
                          name=f"{prefix}expand")(x)
        x = _activation(_bn(f"{prefix}expand_bn")(x), hard_swish)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=f"{prefix}depthwise")(x)
    x = _activation(_bn(f"{prefix}depthwise_bn")(x), hard_swish)
    if se_ratio:
        x = _se_block(x, _depth(in_filters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_bn")(x)
    if stride == 1 and in_filters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input_shape(input_shape, input_tensor, weights, alpha, minimalistic):
    """Keras' MobileNetV3 input rules: any size of at least 32x32 (None: (None, None, 3), or the
    size of ``input_tensor``), ImageNet weights for ``alpha`` 0.75/1.0 (1.0 when minimalistic)."""
    from minidl.keras.utils import is_keras_tensor
    if input_tensor is not None and not is_keras_tensor(input_tensor):
        raise ValueError(f"input_tensor must be a symbolic Keras tensor (keras.Input or a layer output); "
                         f"received {type(input_tensor).__name__}")
    if input_shape is not None and input_tensor is not None and input_tensor.shape[2] != input_shape[1]:
        raise ValueError(f"input_shape[1] must equal input_tensor.shape[2].  Received input_shape={input_shape}, "
                         f"input_tensor.shape={input_tensor.shape}")
    if input_shape is None:
        input_shape = (None, None, 3) if input_tensor is None else \
            (input_tensor.shape[2], input_tensor.shape[1], 3)
    input_shape = tuple(input_shape)
    rows, cols = input_shape[0], input_shape[1]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non "
                             "minimalistic or `1.0` for minimalistic only.")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. Weights for input "
                          "shape (224, 224) will be loaded as the default.", stacklevel=4)
    return input_shape


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0, model_type="large", minimalistic=False,
                include_top=True, weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                dropout_rate=0.2, classifier_activation="softmax", include_preprocessing=True, name=None):
    """A MobileNetV3 made of the inverted residual ``blocks`` (see ``_SMALL`` / ``_LARGE``)."""
    from minidl.keras import layers
    imagenet_utils.check_weights_argument(weights, include_top, classes)
    input_shape = _input_shape(input_shape, input_tensor, weights, alpha, minimalistic)
    img_input = imagenet_utils.input_layer(input_tensor, input_shape)
    kernel, se_ratio = (3, None) if minimalistic else (5, 0.25)
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = _activation(_bn("conv_bn")(x), not minimalistic)
    for block_id, (expansion, filters, size, stride, se, swish) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, _depth(filters * alpha), kernel if size == "k" else size, stride,
                                se_ratio if se else None, swish and not minimalistic, block_id)
    last_conv_ch = _depth(x.shape[-1] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = _activation(_bn("conv_1_bn")(x), not minimalistic)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
        x = _activation(x, not minimalistic)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = pooling_head(x, pooling, "avg_pool", "max_pool")
    model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    imagenet_file = None
    if model_name in _HASHES:
        file_name = f"weights_mobilenet_v3_{model_name}{'' if include_top else '_no_top_v2'}.h5"
        imagenet_file = (file_name, _BASE + file_name, _HASHES[model_name][0 if include_top else 1])
    return assemble_model(img_input, input_tensor, x, name, weights, imagenet_file)


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Small"):
    """Keras' MobileNetV3Small (2,554,968 parameters with the top; 939,120 without).

    ``input_shape`` may be any size of at least 32x32 (default ``(None, None, 3)``, even with the
    top); ``alpha`` scales the filters; ``minimalistic`` drops squeeze-and-excite, hard-swish and 5x5
    kernels; ``dropout_rate`` before the ``logits`` 1x1 convolution; ``include_preprocessing``
    rescales [0, 255] inputs to [-1, 1]. ImageNet weights: alpha 0.75 or 1.0 (1.0 when minimalistic).
    Other arguments as :func:`minidl.keras.applications.vgg16.VGG16`."""
    return MobileNetV3(_SMALL, 1024, input_shape, alpha, "small", minimalistic, include_top, weights, input_tensor,
                       classes, pooling, dropout_rate, classifier_activation, include_preprocessing, name=name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Large"):
    """Keras' MobileNetV3Large (5,507,432 parameters with the top; 2,996,352 without); arguments as
    :func:`MobileNetV3Small`."""
    return MobileNetV3(_LARGE, 1280, input_shape, alpha, "large", minimalistic, include_top, weights, input_tensor,
                       classes, pooling, dropout_rate, classifier_activation, include_preprocessing, name=name)


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: the MobileNetV3 models rescale their inputs inside (as Keras')."""
    return x
