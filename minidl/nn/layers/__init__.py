"""The layers of ``minidl.nn``, one small module per kind."""
from minidl.nn.layers.activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from minidl.nn.layers.conv import Conv2d
from minidl.nn.layers.dropout import Dropout
from minidl.nn.layers.flatten import Flatten
from minidl.nn.layers.linear import Identity, Linear
from minidl.nn.layers.loss import CrossEntropyLoss, MSELoss, NLLLoss
from minidl.nn.layers.normalization import BatchNorm1d, BatchNorm2d
from minidl.nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d

__all__ = [
    "AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "CrossEntropyLoss",
    "Dropout", "Flatten", "Identity", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "MaxPool2d",
    "NLLLoss", "ReLU", "Sigmoid", "Softmax", "Tanh",
]
