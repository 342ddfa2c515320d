"""torchvision's ``AlexNet`` (``AlexNet(num_classes, dropout)``), ``alexnet`` and ``AlexNet_Weights``."""
from typing import Any, Optional

from minidl.models.alexnet import AlexNet as _ZooAlexNet

from ._api import (
    WeightsEnum,
    classification_weights,
    enum_kwargs,
    handle_legacy_interface,
    load_weights,
    register_model,
    resolve_weights,
)

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(_ZooAlexNet):
    """torchvision's single-tower AlexNet: ``features`` (5 convs), ``avgpool`` (6x6),
    ``classifier``. (N, 3, H, W), H, W >= 63 -> (N, num_classes)."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__(num_classes=num_classes, in_channels=3, dropout=dropout)


class AlexNet_Weights(WeightsEnum):
    """ImageNet-1K weights of :func:`alexnet` (one-weird-trick training)."""

    IMAGENET1K_V1 = classification_weights(
        "alexnet-owt-7be5be79.pth", 61100840, (63, 63), 56.522, 79.066,
        recipe="https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg")
    DEFAULT = IMAGENET1K_V1


@register_model(AlexNet_Weights)
@handle_legacy_interface(AlexNet_Weights.IMAGENET1K_V1)
def alexnet(*, weights: Optional[AlexNet_Weights] = None, progress: bool = True, **kwargs: Any) -> AlexNet:
    """AlexNet (61,100,840 parameters); ``**kwargs`` go to :class:`AlexNet` (``num_classes``, ``dropout``)."""
    weights = resolve_weights(AlexNet_Weights, weights, "alexnet")
    enum_kwargs(weights, kwargs)
    return load_weights(AlexNet(**kwargs), weights, progress)
