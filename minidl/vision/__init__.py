"""``minidl.vision``: torchvision's ``datasets``, ``transforms``, ``models`` and ``utils``.

A torchvision script runs after ``torchvision`` -> ``minidl.vision``::

    from minidl.vision import datasets, transforms
    train = datasets.CIFAR10("data", train=True, download=True, transform=transforms.Compose([
        transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
        transforms.ToTensor(), transforms.Normalize((0.4914, 0.4822, 0.4465),
                                                    (0.2470, 0.2435, 0.2616))]))
"""
from . import datasets, io, models, ops, transforms, utils

__all__ = ["datasets", "io", "ops", "transforms", "models", "utils"]
