"""``minidl.nn.modules``: PyTorch's ``torch.nn.modules`` import paths (``from torch.nn.modules.utils import
_pair``, ``from torch.nn.modules.batchnorm import _BatchNorm``, ...), each submodule re-exporting minidl's
layers under the names PyTorch defines there; the package itself re-exports them all."""
from . import (  # noqa: F401  (every submodule is importable as an attribute, as in PyTorch)
    activation,
    adaptive,
    batchnorm,
    channelshuffle,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    lazy,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
    utils,
)

_SUBMODULES = (module, linear, conv, activation, loss, container, pooling, batchnorm, instancenorm,
               normalization, dropout, padding, sparse, rnn, pixelshuffle, upsampling, distance, fold, adaptive,
               transformer, flatten, channelshuffle, lazy)
__all__ = []
for _submodule in _SUBMODULES:
    for _name in _submodule.__all__:
        globals()[_name] = getattr(_submodule, _name)
        if _name not in __all__:
            __all__.append(_name)
del _submodule, _name
