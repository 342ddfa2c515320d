"""Optimisers and learning-rate schedulers (``import minidl.optim as optim``).

Updates run in place on the parameters' backend arrays, following PyTorch's
documented algorithms for the same arguments.
"""
from minidl.optim.optimizer import Optimizer
from minidl.optim.sgd import SGD
from minidl.optim.adam import Adam, AdamW
from minidl.optim.rmsprop import RMSprop
from minidl.optim.adadelta import Adadelta
from minidl.optim.adagrad import Adagrad
from minidl.optim import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "Adagrad", "lr_scheduler"]
