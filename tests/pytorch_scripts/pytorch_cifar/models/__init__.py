# ruff: noqa: E402, F401, F403, F405  (the public script's own import style, kept as it is)
from .lenet import *
from .resnet import *
