"""``keras.applications``: ImageNet models with Keras' signatures, layer names and weight layout
(so Keras' weight files load): VGG16/19, ResNet50/101/152 (v1 and v2), MobileNet (v1 and v2),
DenseNet121/169/201, Xception, InceptionV3, EfficientNetB0-B7, MobileNetV3Small/Large,
EfficientNetV2B0-B3/S/M/L, ConvNeXtTiny/Small/Base/Large/XLarge, InceptionResNetV2, NASNetMobile/Large; per-family
``preprocess_input`` / ``decode_predictions`` in the submodules (``vgg16``, ``resnet50``...)."""
from minidl.keras.applications import (
    convnext,
    densenet,
    efficientnet,
    efficientnet_v2,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    nasnet,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from minidl.keras.applications.convnext import (
    ConvNeXtBase,
    ConvNeXtLarge,
    ConvNeXtSmall,
    ConvNeXtTiny,
    ConvNeXtXLarge,
)
from minidl.keras.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from minidl.keras.applications.efficientnet import (
    EfficientNetB0,
    EfficientNetB1,
    EfficientNetB2,
    EfficientNetB3,
    EfficientNetB4,
    EfficientNetB5,
    EfficientNetB6,
    EfficientNetB7,
)
from minidl.keras.applications.efficientnet_v2 import (
    EfficientNetV2B0,
    EfficientNetV2B1,
    EfficientNetV2B2,
    EfficientNetV2B3,
    EfficientNetV2L,
    EfficientNetV2M,
    EfficientNetV2S,
)
from minidl.keras.applications.inception_resnet_v2 import InceptionResNetV2
from minidl.keras.applications.inception_v3 import InceptionV3
from minidl.keras.applications.mobilenet import MobileNet
from minidl.keras.applications.mobilenet_v2 import MobileNetV2
from minidl.keras.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from minidl.keras.applications.nasnet import NASNetLarge, NASNetMobile
from minidl.keras.applications.resnet import ResNet50, ResNet101, ResNet152
from minidl.keras.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from minidl.keras.applications.vgg16 import VGG16
from minidl.keras.applications.vgg19 import VGG19
from minidl.keras.applications.xception import Xception

__all__ = ["VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
           "MobileNetV2", "MobileNet", "DenseNet121", "DenseNet169", "DenseNet201", "imagenet_utils", "vgg16", "vgg19",
           "resnet", "resnet50", "resnet_v2", "mobilenet", "mobilenet_v2", "densenet", "Xception", "InceptionV3",
           "xception", "inception_v3", "efficientnet", "EfficientNetB0", "EfficientNetB1", "EfficientNetB2",
           "EfficientNetB3", "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
           "mobilenet_v3", "MobileNetV3Small", "MobileNetV3Large", "efficientnet_v2", "EfficientNetV2B0",
           "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2S", "EfficientNetV2M",
           "EfficientNetV2L", "convnext", "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge",
           "ConvNeXtXLarge", "inception_resnet_v2", "InceptionResNetV2", "nasnet", "NASNetMobile", "NASNetLarge"]
