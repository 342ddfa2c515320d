"""``minidl.vision.models``: torchvision's model builders, with torchvision's module names.

``resnet18``, ``vgg16``, ``googlenet`` and ``alexnet`` build the zoo models of
:mod:`minidl.models`, whose modules and state-dict keys are torchvision's
(``conv1.weight``, ``bn1.running_mean``, ``layer1.0.conv1.weight``, ``fc.weight``;
``features.0.weight``, ``classifier.6.weight``; ...), so torchvision weights
load with ``load_state_dict``. ``weights`` may be None (random init), a path to
a ``.pt``/``.pth``/``.safetensors`` state dict (e.g. torchvision's own
``resnet18-f37072fd.pth``), or a state dict.
"""
from __future__ import annotations

import os

import numpy as np

from .. import models as _zoo
from ..models.alexnet import AlexNet
from ..models.googlenet import GoogLeNet as _GoogLeNet
from ..models.resnet import ResNet
from ..models.vgg import VGG

__all__ = ["resnet18", "vgg16", "googlenet", "alexnet", "ResNet", "VGG", "AlexNet", "GoogLeNet"]


def _load_weights(model, weights, name):
    if weights is None:
        return model
    if isinstance(weights, (str, os.PathLike)):
        from ..io import load
        path = os.fspath(weights)
        if not os.path.splitext(path)[1]:
            raise ValueError(f"{name}: weights={weights!r} names no file; minidl does not download "
                             "torchvision's weights: download the .pth yourself and pass its path")
        state = load(path)
        if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
            state = state["state_dict"]
    elif hasattr(weights, "items"):
        state = weights
    else:
        raise TypeError(f"{name}: weights must be None, a file path or a state dict, got "
                        f"{type(weights).__name__}")
    model.load_state_dict(state)
    return model


def resnet18(*, weights=None, progress=True, num_classes=1000, **kwargs):
    """ResNet-18 (torchvision's): (N, 3, H, W) -> (N, num_classes)."""
    return _load_weights(_zoo.resnet18(num_classes=num_classes, **kwargs), weights, "resnet18")


def vgg16(*, weights=None, progress=True, num_classes=1000, dropout=0.5, **kwargs):
    """VGG-16 (torchvision's, configuration D, no batch norm): (N, 3, 224, 224) -> (N, num_classes)."""
    return _load_weights(_zoo.vgg16(num_classes=num_classes, dropout=dropout, **kwargs), weights, "vgg16")


def alexnet(*, weights=None, progress=True, num_classes=1000, dropout=0.5, **kwargs):
    """AlexNet (torchvision's): (N, 3, 224, 224) -> (N, num_classes)."""
    return _load_weights(_zoo.alexnet(num_classes=num_classes, dropout=dropout, **kwargs), weights,
                         "alexnet")


class GoogLeNet(_GoogLeNet):
    """:class:`minidl.models.GoogLeNet` plus torchvision's ``transform_input``: inputs
    normalised with ImageNet's mean/std are re-normalised to (x - 0.5) / 0.5 per channel,
    as the pretrained torchvision weights expect."""

    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False, init_weights=None,
                 dropout=0.2, dropout_aux=0.7, in_channels=3):
        super().__init__(num_classes, in_channels, aux_logits, dropout, dropout_aux)
        self.transform_input = bool(transform_input)

    def forward(self, x):
        """(N, 3, H, W) -> logits (or ``(logits, aux1, aux2)`` in training with aux_logits)."""
        if self.transform_input:
            mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
            std = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)
            x = x * (std / 0.5) + (mean - 0.5) / 0.5
        return super().forward(x)


def googlenet(*, weights=None, progress=True, num_classes=1000, aux_logits=True,
              transform_input=False, **kwargs):
    """GoogLeNet (Inception v1, torchvision's, with the ``aux1``/``aux2`` heads when
    ``aux_logits``): (N, 3, H, W) -> (N, num_classes)."""
    model = GoogLeNet(num_classes=num_classes, aux_logits=aux_logits,
                      transform_input=transform_input, **kwargs)
    return _load_weights(model, weights, "googlenet")
