"""``torch.autograd.gradcheck`` as a module (``from torch.autograd.gradcheck import gradcheck``): the gradient
checks of :mod:`minidl.gradcheck`. As in PyTorch, the attribute ``minidl.autograd.gradcheck`` stays the function
(``minidl/__init__.py`` loads this module first and rebinds it)."""
from minidl.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]
