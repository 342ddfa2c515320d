"""``minidl.vision.models``: torchvision's classification model builders, classes and weights enums.

Every builder has torchvision's signature, ``builder(*, weights=None, progress=True, **kwargs)``,
and torchvision's module structure, so ``state_dict()`` keys and shapes are those of
torchvision's checkpoints: ResNet (``resnet18`` ... ``resnet152``, ``resnext*``,
``wide_resnet*``), VGG (``vgg11`` ... ``vgg19_bn``), ``alexnet``, ``googlenet``, ``inception_v3``,
``mobilenet_v2``, ``mobilenet_v3_large/small``, EfficientNet (``efficientnet_b0`` ... ``b7``,
``efficientnet_v2_s/m/l``), DenseNet (``densenet121/161/169/201``), SqueezeNet
(``squeezenet1_0/1_1``), ShuffleNetV2 (``shufflenet_v2_x0_5`` ... ``x2_0``), MNASNet
(``mnasnet0_5/0_75/1_0/1_3``), ConvNeXt (``convnext_tiny/small/base/large``), VisionTransformer
(``vit_b_16/b_32/l_16/l_32/h_14``) and RegNet (``regnet_y_400mf`` ... ``regnet_y_128gf``,
``regnet_x_400mf`` ... ``regnet_x_32gf``). Under the same ``manual_seed`` the builders draw
torchvision's random initialisation (tested for the families from ShuffleNetV2 on).

``weights`` may be None (random init), a ``*_Weights`` member or its name
(``ResNet50_Weights.DEFAULT``, ``"IMAGENET1K_V1"``), a state dict, or the path of a
``.pth``/``.pt``/``.safetensors`` state-dict file. minidl never downloads: a member's file
is read from torch hub's cache (``~/.cache/torch/hub/checkpoints/<file>``, as torchvision
saves it; see :func:`hub_checkpoint_dir`), and a missing file raises a one-line
FileNotFoundError naming the URL and the path. ``pretrained=True`` still works with
torchvision's deprecation warnings. ``get_model``, ``get_model_weights``, ``get_weight`` and
``list_models`` are torchvision's registry functions.
"""
from ._api import (
                   Weights,
                   WeightsEnum,
                   get_model,
                   get_model_builder,
                   get_model_weights,
                   get_weight,
                   hub_checkpoint_dir,
                   list_models,
)
from ._presets import ImageClassification
from .alexnet import AlexNet, AlexNet_Weights, alexnet
from .convnext import (
                   ConvNeXt,
                   ConvNeXt_Base_Weights,
                   ConvNeXt_Large_Weights,
                   ConvNeXt_Small_Weights,
                   ConvNeXt_Tiny_Weights,
                   convnext_base,
                   convnext_large,
                   convnext_small,
                   convnext_tiny,
)
from .densenet import (
                   DenseNet,
                   DenseNet121_Weights,
                   DenseNet161_Weights,
                   DenseNet169_Weights,
                   DenseNet201_Weights,
                   densenet121,
                   densenet161,
                   densenet169,
                   densenet201,
)
from .efficientnet import (
                   EfficientNet,
                   EfficientNet_B0_Weights,
                   EfficientNet_B1_Weights,
                   EfficientNet_B2_Weights,
                   EfficientNet_B3_Weights,
                   EfficientNet_B4_Weights,
                   EfficientNet_B5_Weights,
                   EfficientNet_B6_Weights,
                   EfficientNet_B7_Weights,
                   EfficientNet_V2_L_Weights,
                   EfficientNet_V2_M_Weights,
                   EfficientNet_V2_S_Weights,
                   efficientnet_b0,
                   efficientnet_b1,
                   efficientnet_b2,
                   efficientnet_b3,
                   efficientnet_b4,
                   efficientnet_b5,
                   efficientnet_b6,
                   efficientnet_b7,
                   efficientnet_v2_l,
                   efficientnet_v2_m,
                   efficientnet_v2_s,
)
from .googlenet import GoogLeNet, GoogLeNet_Weights, GoogLeNetOutputs, googlenet
from .inception import Inception3, Inception_V3_Weights, InceptionOutputs, inception_v3
from .mnasnet import (
                   MNASNet,
                   MNASNet0_5_Weights,
                   MNASNet0_75_Weights,
                   MNASNet1_0_Weights,
                   MNASNet1_3_Weights,
                   mnasnet0_5,
                   mnasnet0_75,
                   mnasnet1_0,
                   mnasnet1_3,
)
from .mobilenetv2 import MobileNet_V2_Weights, MobileNetV2, mobilenet_v2
from .mobilenetv3 import (
                   MobileNet_V3_Large_Weights,
                   MobileNet_V3_Small_Weights,
                   MobileNetV3,
                   mobilenet_v3_large,
                   mobilenet_v3_small,
)
from .regnet import (
                   RegNet,
                   RegNet_X_1_6GF_Weights,
                   RegNet_X_3_2GF_Weights,
                   RegNet_X_8GF_Weights,
                   RegNet_X_16GF_Weights,
                   RegNet_X_32GF_Weights,
                   RegNet_X_400MF_Weights,
                   RegNet_X_800MF_Weights,
                   RegNet_Y_1_6GF_Weights,
                   RegNet_Y_3_2GF_Weights,
                   RegNet_Y_8GF_Weights,
                   RegNet_Y_16GF_Weights,
                   RegNet_Y_32GF_Weights,
                   RegNet_Y_128GF_Weights,
                   RegNet_Y_400MF_Weights,
                   RegNet_Y_800MF_Weights,
                   regnet_x_1_6gf,
                   regnet_x_3_2gf,
                   regnet_x_8gf,
                   regnet_x_16gf,
                   regnet_x_32gf,
                   regnet_x_400mf,
                   regnet_x_800mf,
                   regnet_y_1_6gf,
                   regnet_y_3_2gf,
                   regnet_y_8gf,
                   regnet_y_16gf,
                   regnet_y_32gf,
                   regnet_y_128gf,
                   regnet_y_400mf,
                   regnet_y_800mf,
)
from .resnet import (
                   BasicBlock,
                   Bottleneck,
                   ResNet,
                   ResNet18_Weights,
                   ResNet34_Weights,
                   ResNet50_Weights,
                   ResNet101_Weights,
                   ResNet152_Weights,
                   ResNeXt50_32X4D_Weights,
                   ResNeXt101_32X8D_Weights,
                   ResNeXt101_64X4D_Weights,
                   Wide_ResNet50_2_Weights,
                   Wide_ResNet101_2_Weights,
                   resnet18,
                   resnet34,
                   resnet50,
                   resnet101,
                   resnet152,
                   resnext50_32x4d,
                   resnext101_32x8d,
                   resnext101_64x4d,
                   wide_resnet50_2,
                   wide_resnet101_2,
)
from .shufflenetv2 import (
                   ShuffleNet_V2_X0_5_Weights,
                   ShuffleNet_V2_X1_0_Weights,
                   ShuffleNet_V2_X1_5_Weights,
                   ShuffleNet_V2_X2_0_Weights,
                   ShuffleNetV2,
                   shufflenet_v2_x0_5,
                   shufflenet_v2_x1_0,
                   shufflenet_v2_x1_5,
                   shufflenet_v2_x2_0,
)
from .squeezenet import SqueezeNet, SqueezeNet1_0_Weights, SqueezeNet1_1_Weights, squeezenet1_0, squeezenet1_1
from .vgg import (
                   VGG,
                   VGG11_BN_Weights,
                   VGG11_Weights,
                   VGG13_BN_Weights,
                   VGG13_Weights,
                   VGG16_BN_Weights,
                   VGG16_Weights,
                   VGG19_BN_Weights,
                   VGG19_Weights,
                   vgg11,
                   vgg11_bn,
                   vgg13,
                   vgg13_bn,
                   vgg16,
                   vgg16_bn,
                   vgg19,
                   vgg19_bn,
)
from .vision_transformer import (
                   VisionTransformer,
                   ViT_B_16_Weights,
                   ViT_B_32_Weights,
                   ViT_H_14_Weights,
                   ViT_L_16_Weights,
                   ViT_L_32_Weights,
                   vit_b_16,
                   vit_b_32,
                   vit_h_14,
                   vit_l_16,
                   vit_l_32,
)

__all__ = [
    # the names this module had before (kept first)
    "resnet18", "vgg16", "googlenet", "alexnet", "ResNet", "VGG", "AlexNet", "GoogLeNet",
    # registry and weights
    "Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight",
    "list_models", "hub_checkpoint_dir", "ImageClassification",
    # ResNet family
    "BasicBlock", "Bottleneck", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
    "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
    "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights",
    "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights",
    "Wide_ResNet50_2_Weights", "Wide_ResNet101_2_Weights",
    # VGG family
    "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16_bn", "vgg19", "vgg19_bn",
    "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights",
    "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights",
    # the others
    "AlexNet_Weights", "GoogLeNet_Weights", "GoogLeNetOutputs",
    "Inception3", "InceptionOutputs", "inception_v3", "Inception_V3_Weights",
    "MobileNetV2", "mobilenet_v2", "MobileNet_V2_Weights",
    "MobileNetV3", "mobilenet_v3_large", "mobilenet_v3_small", "MobileNet_V3_Large_Weights",
    "MobileNet_V3_Small_Weights",
    "DenseNet", "densenet121", "densenet161", "densenet169", "densenet201", "DenseNet121_Weights",
    "DenseNet161_Weights", "DenseNet169_Weights", "DenseNet201_Weights",
    "EfficientNet", "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3", "efficientnet_b4",
    "efficientnet_b5", "efficientnet_b6", "efficientnet_b7", "EfficientNet_B0_Weights", "EfficientNet_B1_Weights",
    "EfficientNet_B2_Weights", "EfficientNet_B3_Weights", "EfficientNet_B4_Weights", "EfficientNet_B5_Weights",
    "EfficientNet_B6_Weights", "EfficientNet_B7_Weights", "efficientnet_v2_s", "efficientnet_v2_m",
    "efficientnet_v2_l", "EfficientNet_V2_S_Weights", "EfficientNet_V2_M_Weights", "EfficientNet_V2_L_Weights",
    "SqueezeNet", "squeezenet1_0", "squeezenet1_1", "SqueezeNet1_0_Weights", "SqueezeNet1_1_Weights",
    "ShuffleNetV2", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
    "ShuffleNet_V2_X0_5_Weights", "ShuffleNet_V2_X1_0_Weights", "ShuffleNet_V2_X1_5_Weights",
    "ShuffleNet_V2_X2_0_Weights",
    "MNASNet", "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3", "MNASNet0_5_Weights", "MNASNet0_75_Weights",
    "MNASNet1_0_Weights", "MNASNet1_3_Weights",
    "ConvNeXt", "convnext_tiny", "convnext_small", "convnext_base", "convnext_large", "ConvNeXt_Tiny_Weights",
    "ConvNeXt_Small_Weights", "ConvNeXt_Base_Weights", "ConvNeXt_Large_Weights",
    "VisionTransformer", "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14", "ViT_B_16_Weights",
    "ViT_B_32_Weights", "ViT_L_16_Weights", "ViT_L_32_Weights", "ViT_H_14_Weights",
    "RegNet", "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf",
    "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf", "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf",
    "regnet_x_3_2gf", "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf", "RegNet_Y_400MF_Weights",
    "RegNet_Y_800MF_Weights", "RegNet_Y_1_6GF_Weights", "RegNet_Y_3_2GF_Weights", "RegNet_Y_8GF_Weights",
    "RegNet_Y_16GF_Weights", "RegNet_Y_32GF_Weights", "RegNet_Y_128GF_Weights", "RegNet_X_400MF_Weights",
    "RegNet_X_800MF_Weights", "RegNet_X_1_6GF_Weights", "RegNet_X_3_2GF_Weights", "RegNet_X_8GF_Weights",
    "RegNet_X_16GF_Weights", "RegNet_X_32GF_Weights",
]
