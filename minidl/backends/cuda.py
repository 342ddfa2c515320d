"""``minidl.backends.cuda``: PyTorch's CUDA switches (``matmul.allow_tf32`` and the scaled-dot-product
attention flags), as attributes and functions scripts set and read.

``matmul.allow_tf32`` is the legacy spelling of the float32 matmul precision: setting it True is
``minidl.set_float32_matmul_precision("high")``, False is ``"highest"``. minidl's GEMMs run in full float32
either way (see :mod:`minidl.matmul_precision`). The attention flags are recorded; minidl has one attention
implementation (the math one), so ``is_flash_attention_available()`` is False.

>>> import minidl as mdl
>>> mdl.backends.cuda.matmul.allow_tf32
False
"""
from __future__ import annotations

from .. import backend, matmul_precision

__all__ = ["matmul", "is_built", "flash_sdp_enabled", "enable_flash_sdp", "math_sdp_enabled", "enable_math_sdp",
           "mem_efficient_sdp_enabled", "enable_mem_efficient_sdp", "cudnn_sdp_enabled", "enable_cudnn_sdp",
           "is_flash_attention_available"]


class _CublasFlags:
    """``minidl.backends.cuda.matmul``: ``allow_tf32`` (the float32 matmul precision),
    ``allow_fp16_reduced_precision_reduction``, ``allow_bf16_reduced_precision_reduction`` and
    ``allow_fp16_accumulation``; other names raise AttributeError, as PyTorch's."""

    _FLAGS = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction",
              "allow_fp16_accumulation")

    def __init__(self):
        object.__setattr__(self, "_values", {"allow_fp16_reduced_precision_reduction": True,
                                             "allow_bf16_reduced_precision_reduction": True,
                                             "allow_fp16_accumulation": False})

    def __getattr__(self, name):
        if name == "allow_tf32":
            return matmul_precision.get_float32_matmul_precision() != "highest"
        if name in self._FLAGS:
            return self._values[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            matmul_precision.set_float32_matmul_precision("high" if value else "highest")
        elif name in self._FLAGS:
            self._values[name] = bool(value)
        else:
            raise AttributeError(f"Unknown attribute {name}")


matmul = _CublasFlags()
_sdp = {"flash": True, "math": True, "mem_efficient": True, "cudnn": True}


def is_built() -> bool:
    """True when minidl can drive a GPU here (CuPy imports and a device answers)."""
    return backend.gpu_available()


def is_flash_attention_available() -> bool:
    """False: minidl has no flash-attention kernel."""
    return False


def flash_sdp_enabled() -> bool:
    """Whether the flash attention backend is allowed (recorded flag, True at start)."""
    return _sdp["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    """Allow or forbid the flash attention backend (recorded)."""
    _sdp["flash"] = bool(enabled)


def math_sdp_enabled() -> bool:
    """Whether the math attention backend is allowed (recorded flag, True at start)."""
    return _sdp["math"]


def enable_math_sdp(enabled: bool) -> None:
    """Allow or forbid the math attention backend (recorded)."""
    _sdp["math"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    """Whether the memory-efficient attention backend is allowed (recorded flag, True at start)."""
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Allow or forbid the memory-efficient attention backend (recorded)."""
    _sdp["mem_efficient"] = bool(enabled)


def cudnn_sdp_enabled() -> bool:
    """Whether the cuDNN attention backend is allowed (recorded flag, True at start)."""
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled: bool) -> None:
    """Allow or forbid the cuDNN attention backend (recorded)."""
    _sdp["cudnn"] = bool(enabled)
