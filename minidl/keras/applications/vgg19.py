"""``keras.applications.vgg19``: ``VGG19`` with Keras' layer names and weight layout,
``preprocess_input`` ("caffe" mode) and ``decode_predictions``."""
from __future__ import annotations

from minidl.keras.applications.imagenet_utils import decode_predictions
from minidl.keras.applications.vgg16 import build_vgg, preprocess_input

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg19"):
    """Keras' VGG19 (143,667,240 parameters with the top): VGG16 with four convolutions in blocks
    3-5; arguments as :func:`minidl.keras.applications.vgg16.VGG16`."""
    return build_vgg((2, 2, 4, 4, 4), "vgg19", include_top, weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation, name)
