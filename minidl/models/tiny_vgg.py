"""``tiny_vgg``: CNN Explainer's TinyVGG (Wang et al., 2020, poloclub/cnn-explainer)."""
from __future__ import annotations

from minidl.models._init import keras_init_
from minidl.models._shapes import check_size
from minidl.models.registry import register_model
from minidl.nn.containers import Sequential
from minidl.nn.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU

__all__ = ["tiny_vgg"]


@register_model
def tiny_vgg(num_classes: int = 10, in_channels: int = 3, image_size: int = 64,
             filters: int = 10):
    """TinyVGG as an ``nn.Sequential`` returning logits, indices as in Keras' model:

    ====  ==========================================  =========
    idx   layer                                        Keras name
    ====  ==========================================  =========
    0     Conv2d(in_channels, filters, 3) (valid)      conv_1_1
    1     ReLU                                         relu_1_1
    2     Conv2d(filters, filters, 3)                  conv_1_2
    3     ReLU                                         relu_1_2
    4     MaxPool2d(2)                                 max_pool_1
    5     Conv2d(filters, filters, 3)                  conv_2_1
    6     ReLU                                         relu_2_1
    7     Conv2d(filters, filters, 3)                  conv_2_2
    8     ReLU                                         relu_2_2
    9     MaxPool2d(2)                                 max_pool_2
    10    Flatten                                      flatten
    11    Linear(filters*s*s, num_classes)             output
    ====  ==========================================  =========

    s = ((image_size - 4) // 2 - 4) // 2: 13 at 64 px (Linear in_features 1690,
    the trained CNN Explainer model), 5 at 32 px. The softmax of the Keras
    model is left to the loss (or ``F.softmax``).

    Shapes: (N, in_channels, image_size, image_size) -> (N, num_classes).

    >>> import minidl as mdl
    >>> from minidl.models import tiny_vgg
    >>> net = tiny_vgg(num_classes=10)
    >>> net(mdl.zeros(2, 3, 64, 64)).shape, net[11].in_features, net.config["name"]
    ((2, 10), 1690, 'tiny_vgg')
    """
    s = check_size("tiny_vgg", ((image_size - 4) // 2 - 4) // 2, image_size)
    f = int(filters)
    return keras_init_(Sequential(
        Conv2d(in_channels, f, 3), ReLU(), Conv2d(f, f, 3), ReLU(), MaxPool2d(2),
        Conv2d(f, f, 3), ReLU(), Conv2d(f, f, 3), ReLU(), MaxPool2d(2),
        Flatten(), Linear(f * s * s, num_classes),
    ))
