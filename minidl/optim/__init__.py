"""Optimisers and learning-rate schedulers (``import minidl.optim as optim``).

Updates run in place on the parameters' backend arrays, following PyTorch's
documented algorithms for the same arguments.
"""
from minidl.optim import lr_scheduler
from minidl.optim.adadelta import Adadelta
from minidl.optim.adam import Adam, AdamW
from minidl.optim.optimizer import Optimizer
from minidl.optim.rmsprop import RMSprop
from minidl.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "lr_scheduler"]
