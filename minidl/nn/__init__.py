"""Neural-network building blocks (``import minidl.nn as nn``): Module, layers, functional, init."""
from . import functional, init  # noqa: F401
from .containers import ModuleDict, ModuleList, Sequential
from .layers import (
                     AdaptiveAvgPool2d,
                     AvgPool2d,
                     BatchNorm1d,
                     BatchNorm2d,
                     Conv2d,
                     CrossEntropyLoss,
                     Dropout,
                     Flatten,
                     Identity,
                     LeakyReLU,
                     Linear,
                     LogSoftmax,
                     MaxPool2d,
                     MSELoss,
                     NLLLoss,
                     ReLU,
                     Sigmoid,
                     Softmax,
                     Tanh,
)
from .module import Module, Parameter

__all__ = ["functional", "init", "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict",
           "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d",
           "BatchNorm2d", "Dropout", "Flatten", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
           "LogSoftmax", "Identity", "CrossEntropyLoss", "MSELoss", "NLLLoss"]
