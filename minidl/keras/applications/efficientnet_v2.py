"""``keras.applications.efficientnet_v2``: ``EfficientNetV2B0``...``B3``, ``S``, ``M``, ``L`` (Tan & Le,
2021) with Keras' layer names (``stem_conv``, ``block1a_project_conv``, ``block4b_se_reduce``...) and
weight layout. The models take RGB images in [0, 255] (``include_preprocessing=True`` rescales and,
for B0-B3, normalises them inside), so ``preprocess_input`` returns its input unchanged, as Keras'."""
from __future__ import annotations

import copy
import math

from minidl.keras.applications._assembly import assemble_model, pooling_head, prepare_input
from minidl.keras.applications.imagenet_utils import decode_predictions, validate_activation

__all__ = ["EfficientNetV2", "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
           "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L", "preprocess_input", "decode_predictions"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"
_HASHES = {  # md5 of the files with / without the top, as Keras lists them
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
_FIELDS = ("num_repeat", "input_filters", "output_filters", "expand_ratio", "se_ratio", "strides", "conv_type")
# per stage: (repeats, filters in, filters out, expand ratio, se ratio, strides, conv type: 1 fused, 0 MBConv);
# every kernel is 3x3
_B = ((1, 32, 16, 1, 0, 1, 1), (2, 16, 32, 4, 0, 2, 1), (2, 32, 48, 4, 0, 2, 1), (3, 48, 96, 4, 0.25, 2, 0),
      (5, 96, 112, 6, 0.25, 1, 0), (8, 112, 192, 6, 0.25, 2, 0))
_STAGES = {
    "b": _B,
    "s": ((2, 24, 24, 1, 0, 1, 1), (4, 24, 48, 4, 0, 2, 1), (4, 48, 64, 4, 0, 2, 1), (6, 64, 128, 4, 0.25, 2, 0),
          (9, 128, 160, 6, 0.25, 1, 0), (15, 160, 256, 6, 0.25, 2, 0)),
    "m": ((3, 24, 24, 1, 0, 1, 1), (5, 24, 48, 4, 0, 2, 1), (5, 48, 80, 4, 0, 2, 1), (7, 80, 160, 4, 0.25, 2, 0),
          (14, 160, 176, 6, 0.25, 1, 0), (18, 176, 304, 6, 0.25, 2, 0), (5, 304, 512, 6, 0.25, 1, 0)),
    "l": ((4, 32, 32, 1, 0, 1, 1), (7, 32, 64, 4, 0, 2, 1), (7, 64, 96, 4, 0, 2, 1), (10, 96, 192, 4, 0.25, 2, 0),
          (19, 192, 224, 6, 0.25, 1, 0), (25, 224, 384, 6, 0.25, 2, 0), (7, 384, 640, 6, 0.25, 1, 0)),
}
DEFAULT_BLOCKS_ARGS = {f"efficientnetv2-{key}": [dict(zip(_FIELDS, stage), kernel_size=3) for stage in stages]
                       for key, stages in [("s", _STAGES["s"]), ("m", _STAGES["m"]), ("l", _STAGES["l"]),
                                           ("b0", _B), ("b1", _B), ("b2", _B), ("b3", _B)]}


def _conv_init():
    from minidl.keras import initializers
    return initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="truncated_normal")


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """``filters * width_coefficient`` rounded to a multiple of ``depth_divisor`` (at least ``min_depth``)."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    """``repeats * depth_coefficient`` rounded up."""
    return int(math.ceil(depth_coefficient * repeats))


def _squeeze_excite(x, filters, input_filters, se_ratio, activation, name):
    from minidl.keras import layers
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(max(1, int(input_filters * se_ratio)), 1, padding="same", activation=activation,
                       kernel_initializer=_conv_init(), name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", kernel_initializer=_conv_init(),
                       name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name):
    """Keras' skip connection: with equal shapes, the block output (after per-sample dropout of rate
    ``survival_probability``, Keras' argument) added to the input."""
    from minidl.keras import layers
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def _bn(bn_momentum, name):
    from minidl.keras import layers
    return layers.BatchNormalization(axis=3, momentum=bn_momentum, name=name)


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
                bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """The MBConv block as a function of its input: 1x1 expansion, depthwise convolution,
    squeeze-and-excite, 1x1 projection, skip connection."""
    from minidl.keras import layers
    name = "block0" if name is None else name

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters, kernel_size=1, strides=1, kernel_initializer=_conv_init(), padding="same",
                              use_bias=False, name=f"{name}expand_conv")(x)
            x = _bn(bn_momentum, f"{name}expand_bn")(x)
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides, depthwise_initializer=_conv_init(),
                                   padding="same", use_bias=False, name=f"{name}dwconv2")(x)
        x = _bn(bn_momentum, f"{name}bn")(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
        x = layers.Conv2D(output_filters, kernel_size=1, strides=1, kernel_initializer=_conv_init(), padding="same",
                          use_bias=False, name=f"{name}project_conv")(x)
        x = _bn(bn_momentum, f"{name}project_bn")(x)
        return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)
    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
                     bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """The fused MBConv block as a function of its input: one full ``kernel_size`` convolution in place
    of the expansion and depthwise convolutions, optional squeeze-and-excite, projection, skip."""
    from minidl.keras import layers
    name = "block0" if name is None else name

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides, kernel_initializer=_conv_init(),
                              padding="same", use_bias=False, name=f"{name}expand_conv")(x)
            x = _bn(bn_momentum, f"{name}expand_bn")(x)
            x = layers.Activation(activation=activation, name=f"{name}expand_activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
        expanded = expand_ratio != 1
        x = layers.Conv2D(output_filters, kernel_size=1 if expanded else kernel_size,
                          strides=1 if expanded else strides, kernel_initializer=_conv_init(), padding="same",
                          use_bias=False, name=f"{name}project_conv")(x)
        x = _bn(bn_momentum, f"{name}project_bn")(x)
        if not expanded:
            x = layers.Activation(activation=activation, name=f"{name}project_activation")(x)
        return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)
    return apply


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                   depth_divisor=8, min_depth=8, bn_momentum=0.9, activation="swish", blocks_args="default",
                   name="efficientnetv2", include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax", include_preprocessing=True,
                   weights_name=None):
    """An EfficientNetV2 scaled by ``width_coefficient`` (filters) and ``depth_coefficient`` (repeats);
    ``blocks_args="default"`` takes the stages of the ``weights_name`` variant (b0-b3, -s, -m, -l)."""
    from minidl.keras import initializers, layers
    variant = (weights_name or name.split("-")[-1]).lstrip("-")
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS.get(f"efficientnetv2-{variant}", DEFAULT_BLOCKS_ARGS.get(name))
        if blocks_args is None:
            raise ValueError(f"EfficientNetV2: no default blocks_args for name={name!r}, weights_name="
                             f"{weights_name!r}; pass blocks_args")
    img_input, input_shape = prepare_input(weights, include_top, classes, input_tensor, input_shape,
                                           default_size=default_size)
    x = img_input
    if include_preprocessing:
        if variant.startswith("b") and input_shape[-1] == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2],
                                     axis=3)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def rounded(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = layers.Conv2D(rounded(blocks_args[0]["input_filters"]), kernel_size=3, strides=2,
                      kernel_initializer=_conv_init(), padding="same", use_bias=False, name="stem_conv")(x)
    x = _bn(bn_momentum, "stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    blocks_args = copy.deepcopy(blocks_args)
    b, blocks = 0, float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(f"The number of repeats in `EfficientNetV2` must be > 0. "
                             f"Received: num_repeat={args['num_repeat']}")
        args["input_filters"], args["output_filters"] = rounded(args["input_filters"]), rounded(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"], args["input_filters"] = 1, args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / blocks, name=f"block{i + 1}{chr(j + 97)}_",
                      **args)(x)
            b += 1
    x = layers.Conv2D(rounded(1280), kernel_size=1, strides=1, kernel_initializer=_conv_init(), padding="same",
                      use_bias=False, name="top_conv")(x)
    x = _bn(bn_momentum, "top_bn")(x)
    x = layers.Activation(activation=activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, bias_initializer=initializers.Constant(0.0),
                         kernel_initializer=initializers.VarianceScaling(scale=1.0 / 3.0, mode="fan_out",
                                                                         distribution="uniform"),
                         name="predictions")(x)
    else:
        x = pooling_head(x, pooling, "avg_pool", "max_pool")
    imagenet_file = None
    if weights_name in _HASHES:
        file_name = name + (".h5" if include_top else "_notop.h5")
        imagenet_file = (file_name, _BASE + file_name, _HASHES[weights_name][0 if include_top else 1])
    return assemble_model(img_input, input_tensor, x, name, weights, imagenet_file)


def _variant(suffix, width, depth, size):
    weights_name = suffix if suffix.startswith("b") else f"-{suffix}"

    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", include_preprocessing=True, name=f"efficientnetv2-{suffix}"):
        return EfficientNetV2(width, depth, size, name=name, include_top=include_top, weights=weights,
                              input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=weights_name)
    build.__name__ = build.__qualname__ = f"EfficientNetV2{suffix.upper()}"
    build.__doc__ = (f"Keras' EfficientNetV2{suffix.upper()} (width x{width}, depth x{depth}, {size}x{size} inputs "
                     "by default); inputs are RGB images in [0, 255] (``include_preprocessing``); other arguments "
                     "as :func:`minidl.keras.applications.vgg16.VGG16`.")
    return build


EfficientNetV2B0 = _variant("b0", 1.0, 1.0, 224)
EfficientNetV2B1 = _variant("b1", 1.0, 1.1, 240)
EfficientNetV2B2 = _variant("b2", 1.1, 1.2, 260)
EfficientNetV2B3 = _variant("b3", 1.2, 1.4, 300)
EfficientNetV2S = _variant("s", 1.0, 1.0, 384)
EfficientNetV2M = _variant("m", 1.0, 1.0, 480)
EfficientNetV2L = _variant("l", 1.0, 1.0, 480)


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: the EfficientNetV2 models rescale their inputs inside (as Keras')."""
    return x
