"""The model zoo: standard CNNs and the reference papers' networks, all returning logits.

Every constructor records ``model.config = {"name": ..., "kwargs": {...}}``;
``build(name, **kwargs)`` rebuilds any of them (``minidl.load_model`` relies on it).

>>> from minidl import models
>>> net = models.tiny_vgg(num_classes=10)
>>> net.config["name"], net[11].in_features
('tiny_vgg', 1690)
"""
from minidl.models import papers
from minidl.models.alexnet import AlexNet, alexnet
from minidl.models.googlenet import GoogLeNet, GoogLeNetLoss, GoogLeNetOutputs, googlenet, googlenet_loss
from minidl.models.lenet import LeNet, lenet
from minidl.models.mlp import mlp
from minidl.models.papers import idler_cnn, kth_vgg, wallace_cnn, wells_cnn
from minidl.models.pretrained import load_cnn_explainer_tinyvgg
from minidl.models.registry import build, build_from_config, get_model_fn, list_models, register_model
from minidl.models.resnet import BasicBlock, ResNet, resnet18
from minidl.models.tiny_vgg import tiny_vgg
from minidl.models.vgg import VGG, vgg16

__all__ = [
    "build", "build_from_config", "get_model_fn", "list_models", "register_model",
    "mlp", "lenet", "tiny_vgg", "alexnet", "vgg16", "resnet18", "googlenet", "googlenet_loss",
    "wells_cnn", "kth_vgg", "wallace_cnn", "idler_cnn", "load_cnn_explainer_tinyvgg", "papers",
    "LeNet", "AlexNet", "VGG", "ResNet", "BasicBlock", "GoogLeNet", "GoogLeNetLoss",
    "GoogLeNetOutputs",
]
