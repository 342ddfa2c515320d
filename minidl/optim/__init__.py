"""Optimisers and learning-rate schedulers (``import minidl.optim as optim``).

Updates run in place on the parameters' backend arrays, following PyTorch's
documented algorithms for the same arguments.
"""
from minidl.optim import lr_scheduler
from minidl.optim.adadelta import Adadelta
from minidl.optim.adagrad import Adagrad
from minidl.optim.adam import Adam, AdamW
from minidl.optim.optimizer import Optimizer
from minidl.optim.rmsprop import RMSprop
from minidl.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "Adagrad", "lr_scheduler"]

# PyTorch's further optimisers and the weight-averaging utilities
from minidl.optim import swa_utils  # noqa: E402
from minidl.optim.adafactor import Adafactor  # noqa: E402
from minidl.optim.adamax import Adamax  # noqa: E402
from minidl.optim.asgd import ASGD  # noqa: E402
from minidl.optim.lbfgs import LBFGS  # noqa: E402
from minidl.optim.muon import Muon  # noqa: E402
from minidl.optim.nadam import NAdam, RAdam  # noqa: E402
from minidl.optim.rprop import Rprop  # noqa: E402

__all__ += ["NAdam", "RAdam", "Adamax", "Rprop", "ASGD", "LBFGS", "Adafactor", "Muon", "swa_utils"]

# sparse gradients (nn.Embedding(sparse=True)): Adam's lazy variant
from minidl.optim.sparse_adam import SparseAdam  # noqa: E402

__all__ += ["SparseAdam"]
