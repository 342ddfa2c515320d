"""The hook-based spectral normalisation of ``torch.nn.utils`` (``spectral_norm``, ``remove_spectral_norm``).

``spectral_norm(module)`` keeps the raw weight as the parameter ``weight_orig``
and two buffers ``weight_u`` (h,) and ``weight_v`` (w,), the singular vectors'
running estimates for the weight seen as an (h, w) matrix (dimension ``dim``
first). Before every call a forward pre-hook sets ``weight = weight_orig /
sigma``, sigma = u^T W v; in training mode it first runs
``n_power_iterations`` power-iteration steps that update u and v in place.
In eval mode u and v are used as they are. State-dict keys are PyTorch's.
"""
from __future__ import annotations

from minidl.autograd import no_grad
from minidl.functions_math import dot, mv
from minidl.nn.module import Parameter
from minidl.nn.parameter import UninitializedParameter
from minidl.tensor import Tensor

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


def _normalize(t, eps):
    """``t / max(||t||, eps)`` for a vector (``F.normalize(t, dim=0, eps=eps)``)."""
    from minidl.nn import functional as F
    return F.normalize(t, dim=0, eps=eps)


class SpectralNorm:
    """The forward pre-hook that recomputes ``module.<name>`` as ``<name>_orig / sigma``."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12):
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        """``weight`` with dimension ``dim`` moved first, as an (h, w) matrix (differentiable)."""
        weight_mat = weight
        if self.dim != 0:
            weight_mat = weight_mat.permute(self.dim, *[d for d in range(weight_mat.ndim) if d != self.dim])
        height = weight_mat.shape[0]
        return weight_mat.reshape(height, -1)

    def compute_weight(self, module, do_power_iteration: bool):
        """``weight_orig / (u^T W v)``, after ``n_power_iterations`` in-place updates of u and v if asked."""
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):   # into the buffers, as PyTorch's out= does
                    v.array[...] = _normalize(mv(weight_mat.t(), u), self.eps).array
                    u.array[...] = _normalize(mv(weight_mat, v), self.eps).array
            # copies: the graph keeps these values even when the buffers are updated again later
            u, v = Tensor(u.array.copy()), Tensor(v.array.copy())
        sigma = dot(u, mv(weight_mat, v))
        return weight / sigma

    def remove(self, module) -> None:
        """Fold the normalisation into one parameter ``<name>`` and drop ``_orig``, ``_u``, ``_v``."""
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.array))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name: str, n_power_iterations: int, dim: int, eps: float) -> "SpectralNorm":
        """Move ``module.<name>`` to ``<name>_orig``, add the ``_u``/``_v`` buffers and register the hook."""
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `SpectralNorm` can't have uninitialized parameters. "
                             "Make sure to run the dummy forward before applying spectral normalization")
        with no_grad():   # u and v from the global stream in the weight's dtype, as PyTorch draws them
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = _normalize(weight.new_empty(h).normal_(0, 1), eps)
            v = _normalize(weight.new_empty(w).normal_(0, 1), eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach())
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def _is_conv_transpose(module) -> bool:
    return type(module).__name__ in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
                                     "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d")


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim=None):
    """Divide ``module.<name>`` by its largest singular value (estimated by power iteration); returns ``module``.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        n_power_iterations: power-iteration steps per training-mode forward (positive).
        eps: the floor of the norms in the power iteration.
        dim: the dimension that becomes the rows of the matrix; default 0, or
            1 for ConvTranspose layers (their output channels).
    """
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Undo :func:`spectral_norm`: ``module.<name>`` becomes a Parameter holding the normalised weight."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
