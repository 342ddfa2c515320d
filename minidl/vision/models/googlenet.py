"""torchvision's ``GoogLeNet`` (Inception v1, with ``transform_input``), ``googlenet`` and
``GoogLeNet_Weights``; modules and keys are those of :mod:`minidl.models.googlenet`."""
import warnings
from typing import Any, Optional

import numpy as np

from minidl.models.googlenet import GoogLeNet as _ZooGoogLeNet
from minidl.models.googlenet import GoogLeNetOutputs

from ._api import (
    WeightsEnum,
    classification_weights,
    handle_legacy_interface,
    load_weights,
    overwrite_named_param,
    register_model,
    resolve_weights,
)

__all__ = ["GoogLeNet", "GoogLeNetOutputs", "GoogLeNet_Weights", "googlenet"]


class GoogLeNet(_ZooGoogLeNet):
    """:class:`minidl.models.GoogLeNet` with torchvision's signature and ``transform_input``:
    inputs normalised with ImageNet's mean/std are re-normalised to (x - 0.5) / 0.5 per
    channel, as the pretrained torchvision weights expect. (N, 3, H, W) -> (N, num_classes)
    (``GoogLeNetOutputs`` in training mode with ``aux_logits``)."""

    def __init__(self, num_classes: int = 1000, aux_logits: bool = True, transform_input: bool = False,
                 init_weights: Optional[bool] = None, blocks=None, dropout: float = 0.2,
                 dropout_aux: float = 0.7) -> None:
        super().__init__(num_classes, 3, aux_logits, dropout, dropout_aux)
        self.transform_input = bool(transform_input)

    def forward(self, x):
        """(N, 3, H, W) -> logits (or ``(logits, aux1, aux2)`` in training with aux_logits)."""
        if self.transform_input:
            mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
            std = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)
            x = x * (std / 0.5) + (mean - 0.5) / 0.5
        return super().forward(x)


class GoogLeNet_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`googlenet` (main classifier; the aux heads are untrained)."""

    IMAGENET1K_V1 = classification_weights(
        "googlenet-1378be20.pth", 6624904, (15, 15), 69.778, 89.530,
        recipe="https://github.com/pytorch/vision/tree/main/references/classification#googlenet")
    DEFAULT = IMAGENET1K_V1


@register_model(GoogLeNet_Weights)
@handle_legacy_interface(GoogLeNet_Weights.IMAGENET1K_V1)
def googlenet(*, weights: Optional[GoogLeNet_Weights] = None, progress: bool = True, **kwargs: Any) -> GoogLeNet:
    """GoogLeNet (6,624,904 parameters without the aux heads). With pretrained weights
    ``transform_input`` defaults to True and the aux heads are dropped unless
    ``aux_logits=True``, as torchvision does."""
    weights = resolve_weights(GoogLeNet_Weights, weights, "googlenet")
    original_aux_logits = kwargs.get("aux_logits", False)
    enum = isinstance(weights, WeightsEnum)
    if enum:
        if "transform_input" not in kwargs:
            overwrite_named_param(kwargs, "transform_input", True)
        overwrite_named_param(kwargs, "aux_logits", True)
        overwrite_named_param(kwargs, "init_weights", False)
        overwrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = load_weights(GoogLeNet(**kwargs), weights, progress)
    if enum:
        if not original_aux_logits:
            model.aux_logits = False
            model.aux1 = None
            model.aux2 = None
        else:
            warnings.warn("auxiliary heads in the pretrained googlenet model are NOT pretrained, so make sure "
                          "to train them", stacklevel=2)
    return model
