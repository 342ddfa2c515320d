"""``keras.applications.xception``: ``Xception`` (Chollet, 2017) with Keras' layer names
(``block1_conv1``, ``block2_sepconv1``...) and weight layout; ``preprocess_input`` ("tf" mode)."""
from __future__ import annotations

from minidl.keras.applications import imagenet_utils
from minidl.keras.applications._assembly import assemble_model, classifier_top, prepare_input
from minidl.keras.applications.imagenet_utils import decode_predictions

__all__ = ["Xception", "preprocess_input", "decode_predictions"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
_FILES = (("xception_weights_tf_dim_ordering_tf_kernels.h5", "0a58e3b7378bc2990ea3b43d5981f1f6"),
          ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5", "b0042744bf5b25fce3cb969f33bebb97"))


def _sep_bn(x, filters, name, relu_first=True):
    """(ReLU ``{name}_act``,) 3x3 separable convolution ``{name}``, batch norm ``{name}_bn``."""
    from minidl.keras import layers
    if relu_first:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=-1, name=f"{name}_bn")(x)


def _downsampling_block(x, filters, block, first_relu=True):
    """Two separable convolutions and a 3x3/2 max pooling, added to a strided 1x1 projection."""
    from minidl.keras import layers
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=-1)(residual)
    x = _sep_bn(x, filters[0], f"block{block}_sepconv1", relu_first=first_relu)
    x = _sep_bn(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="xception"):
    """Keras' Xception (22,910,480 parameters with the top; input (299, 299, 3) by default, at least
    71x71); arguments as :func:`minidl.keras.applications.vgg16.VGG16`."""
    from minidl.keras import layers
    img_input, _ = prepare_input(weights, include_top, classes, input_tensor, input_shape, default_size=299,
                                 min_size=71)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=-1, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=-1, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _downsampling_block(x, (128, 128), 2, first_relu=False)
    x = _downsampling_block(x, (256, 256), 3)
    x = _downsampling_block(x, (728, 728), 4)
    for i in range(8):  # the middle flow
        residual = x
        prefix = f"block{i + 5}"
        for j in (1, 2, 3):
            x = _sep_bn(x, 728, f"{prefix}_sepconv{j}")
        x = layers.add([x, residual])
    x = _downsampling_block(x, (728, 1024), 13)
    x = layers.SeparableConv2D(1536, (3, 3), padding="same", use_bias=False, name="block14_sepconv1")(x)
    x = layers.BatchNormalization(axis=-1, name="block14_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = layers.SeparableConv2D(2048, (3, 3), padding="same", use_bias=False, name="block14_sepconv2")(x)
    x = layers.BatchNormalization(axis=-1, name="block14_sepconv2_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    x = classifier_top(x, include_top, pooling, classes, classifier_activation, weights)
    file_name, md5 = _FILES[0 if include_top else 1]
    return assemble_model(img_input, input_tensor, x, name, weights, (file_name, _BASE + file_name, md5))


def preprocess_input(x, data_format=None):
    """RGB [0, 255] images scaled to [-1, 1] ("tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
