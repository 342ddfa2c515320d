"""``keras.applications.resnet50``: ``ResNet50``, ``preprocess_input``, ``decode_predictions``."""
from minidl.keras.applications.imagenet_utils import decode_predictions
from minidl.keras.applications.resnet import ResNet50, preprocess_input

__all__ = ["ResNet50", "preprocess_input", "decode_predictions"]
