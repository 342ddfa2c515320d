"""Transforms: ToTensor for the features and a one-hot Lambda (scatter_) for the labels.

Local copy, in the idiom of PyTorch's ``beginner_source/basics/transforms_tutorial.py``, with only
the import lines rewritten.
"""
import minidl as torch
from minidl.vision import datasets
from minidl.vision.transforms import ToTensor, Lambda

ds = datasets.FashionMNIST(
    root="data",
    train=True,
    download=True,
    transform=ToTensor(),
    target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
)

target_transform = Lambda(lambda y: torch.zeros(
    10, dtype=torch.float).scatter_(dim=0, index=torch.tensor(y), value=1))

image, label = ds[0]
print(image.shape, image.dtype, float(image.min()), float(image.max()))
print(label)
print(target_transform(3))
