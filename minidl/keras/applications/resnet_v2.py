"""``keras.applications.resnet_v2``: ``ResNet50V2``, ``ResNet101V2``, ``ResNet152V2`` (pre-activation
ResNets, He et al., 2016) with Keras' layer names; ``preprocess_input`` ("tf" mode: to [-1, 1])."""
from __future__ import annotations

from minidl.keras.applications import imagenet_utils
from minidl.keras.applications.imagenet_utils import decode_predictions
from minidl.keras.applications.resnet import ResNet, stack_residual_blocks_v2

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "preprocess_input", "decode_predictions"]


def _v2(blocks):
    def stack_fn(x):
        x = stack_residual_blocks_v2(x, 64, blocks[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, blocks[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, blocks[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, blocks[3], stride1=1, name="conv5")
    return stack_fn


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
               classes=1000, classifier_activation="softmax", name="resnet50v2"):
    """Keras' ResNet50V2 (25,613,800 parameters with the top); arguments as ``ResNet50``."""
    return ResNet(_v2((3, 4, 6, 3)), True, True, include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name=name, weights_name="resnet50v2")


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet101v2"):
    """Keras' ResNet101V2 (blocks 3, 4, 23, 3); arguments as ``ResNet50``."""
    return ResNet(_v2((3, 4, 23, 3)), True, True, include_top, weights, input_tensor, input_shape, pooling,
                  classes, classifier_activation, name=name, weights_name="resnet101v2")


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet152v2"):
    """Keras' ResNet152V2 (blocks 3, 8, 36, 3); arguments as ``ResNet50``."""
    return ResNet(_v2((3, 8, 36, 3)), True, True, include_top, weights, input_tensor, input_shape, pooling,
                  classes, classifier_activation, name=name, weights_name="resnet152v2")


def preprocess_input(x, data_format=None):
    """RGB [0, 255] images scaled to [-1, 1] ("tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
