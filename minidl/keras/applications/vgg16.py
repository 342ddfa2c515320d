"""``keras.applications.vgg16``: ``VGG16`` (Simonyan & Zisserman, 2014) with Keras' layer names and
weight layout, ``preprocess_input`` ("caffe" mode) and ``decode_predictions``."""
from __future__ import annotations

from minidl.keras.applications import imagenet_utils
from minidl.keras.applications._assembly import assemble_model, pooling_head, prepare_input
from minidl.keras.applications.imagenet_utils import decode_predictions

__all__ = ["VGG16", "preprocess_input", "decode_predictions"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
_WEIGHTS = {  # name: ((file, md5) with the top, (file, md5) without)
    "vgg16": (("vgg16_weights_tf_dim_ordering_tf_kernels.h5", "64373286793e3c8b2b4e3219cbf3544b"),
              ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", "6d6bbae143d832006294945121d1f1fc")),
    "vgg19": (("vgg19_weights_tf_dim_ordering_tf_kernels.h5", "cbe5617147190e668d6c5d5026f83318"),
              ("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "253f8cb515780f3b799900260a226db6")),
}


def build_vgg(convs_per_block, weights_name, include_top, weights, input_tensor, input_shape, pooling, classes,
              classifier_activation, name):
    """A VGG network: five blocks of 3x3 "same" ReLU convolutions (64, 128, 256, 512, 512 filters,
    ``convs_per_block[i]`` of them) each ending in 2x2 max pooling (``block{b}_conv{i}``,
    ``block{b}_pool``), then ``flatten``, ``fc1``, ``fc2`` (4096 units) and ``predictions``, or the
    optional global ``pooling`` without the top."""
    from minidl.keras import layers
    img_input, _ = prepare_input(weights, include_top, classes, input_tensor, input_shape, default_size=224)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), start=1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pooling_head(x, pooling)
    file_name, md5 = _WEIGHTS[weights_name][0 if include_top else 1]
    return assemble_model(img_input, input_tensor, x, name, weights,
                          (file_name, f"{_BASE}{weights_name}/{file_name}", md5))


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg16"):
    """Keras' VGG16 (138,357,544 parameters with the top; 14,714,688 without).

    Args: ``include_top`` (the three Dense layers), ``weights`` (None, "imagenet": Keras' file from
    ``$KERAS_HOME/models`` or its URL, or a weights file path), ``input_tensor``, ``input_shape``
    ((224, 224, 3) with the top; at least 32x32 without), ``pooling`` (None, "avg", "max" without the
    top), ``classes``, ``classifier_activation``, ``name``. Inputs: ``preprocess_input``-ed images."""
    return build_vgg((2, 2, 3, 3, 3), "vgg16", include_top, weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation, name)


def preprocess_input(x, data_format=None):
    """RGB [0, 255] images to BGR minus the ImageNet mean ("caffe" mode of ``imagenet_utils``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
