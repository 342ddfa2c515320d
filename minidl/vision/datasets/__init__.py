"""``minidl.vision.datasets``: torchvision's datasets, reading torchvision's on-disk layout.

Items are ``(PIL image, int)`` before ``transform`` / ``target_transform``.
"""
from ._base import ArrayVisionDataset, StandardTransform, VisionDataset
from .cifar import CIFAR10, CIFAR100
from .extra import Shapes, TinyImageNet
from .fake import FakeData
from .folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader
from .mnist import MNIST, FashionMNIST
from .mnist_more import EMNIST, KMNIST, QMNIST
from .stl10 import STL10
from .svhn import SVHN, USPS

__all__ = ["VisionDataset", "StandardTransform", "ArrayVisionDataset", "MNIST", "FashionMNIST", "KMNIST",
           "EMNIST", "QMNIST", "SVHN", "STL10", "USPS", "CIFAR10", "CIFAR100", "ImageFolder",
           "DatasetFolder", "FakeData", "TinyImageNet", "Shapes", "default_loader", "IMG_EXTENSIONS"]
