from .lenet import *
from .resnet import *
