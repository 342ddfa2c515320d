"""Complex convolutions (PyTorch runs ``conv*d``/``conv_transpose*d`` on complex tensors): four real
convolutions of the real and imaginary parts, (xr + i xi) * (wr + i wi) = (xr*wr - xi*wi) + i (xr*wi + xi*wr),
composed of differentiable ops, so the gradients follow PyTorch's complex convention by construction."""
from __future__ import annotations

__all__ = ["is_complex_operand", "complex_conv"]


def is_complex_operand(*values):
    """True when any of ``values`` is a complex Tensor."""
    return any(getattr(getattr(v, "array", None), "dtype", None) is not None and v.array.dtype.kind == "c"
               for v in values)


def complex_conv(conv, name, input, weight, bias, *args, **kwargs):
    """``conv(input, weight, bias, *args, **kwargs)`` for complex operands of one dtype (bias complex or None).

    ``conv`` is the real convolution (``conv2d``, ``conv_transpose2d``, ...); the output is complex with the
    real convolution's shape (a 2-D one: (N?, C, H, W)); the bias is added along the channel axis."""
    from .complex import complex as make_complex
    dtypes = {input.dtype, weight.dtype} | ({bias.dtype} if bias is not None else set())
    if len(dtypes) != 1:
        raise RuntimeError(f"{name}: Input type ({input.dtype}), weight type ({weight.dtype})"
                           + ("" if bias is None else f" and bias type ({bias.dtype})") + " should be the same")
    xr, xi = input.real.contiguous(), input.imag.contiguous()
    wr, wi = weight.real.contiguous(), weight.imag.contiguous()
    real_part = conv(xr, wr, None, *args, **kwargs) - conv(xi, wi, None, *args, **kwargs)
    imag_part = conv(xr, wi, None, *args, **kwargs) + conv(xi, wr, None, *args, **kwargs)
    out = make_complex(real_part, imag_part)
    if bias is not None:   # the channel axis is the third from the end (both 2-D convolutions' layout)
        out = out + bias.reshape((-1, 1, 1))
    return out
