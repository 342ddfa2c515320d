"""minidl.data: datasets, splits, transforms and a fast, seeded DataLoader.

Everything here works on NumPy arrays (no Tensor import): datasets keep their
images as uint8 (N, H, W, C) in ``.data`` and yield float32 CHW images in
[0, 1]; the DataLoader yields float32 NCHW batches and int64 labels.

Data locations: ``root=None`` means ``$MINIDL_DATA/<name>`` (default
``~/.cache/minidl/<name>``); decoded image datasets are cached as ``.npz``
under ``$MINIDL_DATA/<name>/decoded/``.
"""
from . import transforms
from .augment import augment_with_flips
from .cache import data_home
from .cifar import CIFAR10, CIFAR100
from .dataset import ArrayImageDataset, ConcatDataset, Dataset, Subset, TensorDataset
from .decode import CorruptImageError
from .download import ChecksumError, DownloadError
from .folder import ImageFolder
from .loader import DataLoader
from .mnist import MNIST, FashionMNIST
from .shapes import Shapes
from .split import random_split, stratified_split
from .tiny_imagenet import TinyImageNet
from .transforms import channel_stats

__all__ = [
    "Dataset", "ArrayImageDataset", "TensorDataset", "Subset", "ConcatDataset",
    "random_split", "stratified_split", "augment_with_flips", "DataLoader",
    "MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "TinyImageNet", "ImageFolder", "Shapes",
    "transforms", "channel_stats", "data_home",
    "CorruptImageError", "ChecksumError", "DownloadError",
]
