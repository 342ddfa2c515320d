"""Linear layers and 2-D convolution by im2col + one GEMM per group.

Convolution (cross-correlation, like PyTorch) of x (N, C, H, W) with
w (O, C/g, kh, kw), P = OH*OW output pixels per image, K = C/g*kh*kw:

    cols = im2col(x)                 (N*P, C*kh*kw): one row per output pixel
    y_t  = cols @ W2.T               (N*P, O), W2 = w.reshape(O, K), one GEMM per group, + bias
    y    = y_t as (N, O, OH, OW)     a view of NHWC memory (no copy), see below
    gT   = dy as (N*P, O)            a free reshape when dy is NHWC too, else a transposing copy
    dW   = (cols.T @ gT).T,  dcols = gT @ W2  (N*P, C*kh*kw),  dx = col2im(dcols)

Channels last: y_t already holds the output in NHWC order, so with
``minidl.config.channels_last`` (MINIDL_CHANNELS_LAST, default on, CPU arrays
only) the op returns it as an (N, O, OH, OW) view with channels-last strides,
PyTorch's ``channels_last`` memory format; the shape and every value a user
sees are NCHW's. ReLU and the other elementwise ops, max pooling and batch norm
keep the layout, the next im2col reads it in place, and the gradient flowing
back arrives NHWC, so gT is a reshape; dx is written in x's layout
(``kernels.col2im(..., channels_last=...)``). Off, y_t is copied, transposed,
into C-contiguous NCHW memory as before (one extra pass over the output each
way, measured in docs/performance.md, "Channels-last conv output").

Group g uses the column slices cols[:, g*K:(g+1)*K] and gT[:, g*Og:(g+1)*Og]
(strided views BLAS reads in place). With pixels as rows every GEMM result is
tall (N*P or K rows, never just O): with two OpenBLAS threads the forward and
column-gradient GEMMs ran 1.5-3x faster than in the transposed layout
(C*kh*kw, N*P), with one thread 0.9-1.5x, at the price of 1-4 ms more for the
transposing copies on 32x32 layers (``benchmarks/bench_gemm_layout.py``).
``minidl.kernels`` provides im2col/col2im for the array's device.

Layers with few channels and stride 1 (LeNet's and TinyVGG's) skip the column
matrix: there the GEMMs would be thin and memory-bound, and
``kernels.conv2d_direct_forward``/``_backward`` compute the same sums directly,
2-3x faster. ``kernels.direct_conv_suited`` decides; ``minidl.config.conv_algorithm``
(environment variable MINIDL_CONV_ALGORITHM) forces ``"im2col"`` or ``"direct"``
(the latter for stride-1 layers; strided ones always use im2col). On the
direct path the kernels also add the bias and sum its gradient inside their
own passes (``minidl.config.fuse_conv_bias``, default on).

With one BLAS thread, 3x3 stride-1 layers with many channels go through Winograd
(``kernels.conv2d_winograd_forward``/``_backward``): F(4x4, 3x3) where the outputs are
at least 8x8 (4x fewer multiply-adds than im2col, in 36 batched GEMMs between Numba tile
transforms), F(2x2, 3x3) on smaller wide layers (2.25x fewer, 16 GEMMs). Its output, and dx, keep x's
layout: a channels-last x (under ``config.channels_last``) gives channels-last y. :func:`choose_algorithm`
is the one rule that picks among the three; ``"winograd"`` and ``"winograd4"`` force F(2x2, 3x3)
or F(4x4, 3x3) where they apply. The higher-order ops (``Conv2dInputGrad``/``Conv2dWeightGrad``,
used under ``create_graph``) compute their own products with im2col.
"""
from __future__ import annotations

import numpy as np

from .. import config, kernels
from .._errors import ShapeError
from ..autograd import Function
from ..backend import get_array_module, is_device_array
from ..kernels import _threads
from ..kernels.shapes import pair
from ._guards import check_float_input, empty_batch
from .linear import Linear, linear  # noqa: F401  (minidl.ops.conv.linear, as before the split)

__all__ = ["linear", "conv2d"]

# Whether an im2col layer with (i, j, c) columns keeps its permuted weight copy W2 from the forward pass to the
# backward pass. Not kept, the backward makes it again (when it needs dx, kernels.kkc_weight_rows): ResNet-18's
# peak RSS 738-747 MB against 754-760 MB, its two-thread step 1.013x (docs/performance.md, "Session 10").
KEEP_PERMUTED_WEIGHTS = False


# Largest im2col buffer built at once; a bigger batch is processed in chunks of
# images, and the backward pass rebuilds each chunk's columns instead of keeping
# them (one extra im2col, traded for memory). At 4 MB a chunk's columns are still
# in cache when its GEMMs read them, which more than pays for the rebuild:
# against 32 MB, in-process A/B on an idle 2-core machine, step time of N4 0.69x
# / N2 0.80x / N6 0.92x with two threads and N4 0.79x / N6 0.94x with one; against
# 512 MB, peak RSS of N4 766 -> 363 MB and N6 1172 -> 677 MB
# (docs/performance.md). minidl.config.im2col_budget_mb (MINIDL_IM2COL_BUDGET_MB) sets it.
# On a GPU the chunks only multiply kernel launches (about 0.15 ms each from Python:
# ResNet-18 at batch 32 made 690 launches a step with 4 MB chunks), so device arrays
# get config.gpu_im2col_budget_mb instead.
def _im2col_budget_bytes(x):
    on_device = get_array_module(x) is not np
    return int((config.gpu_im2col_budget_mb if on_device else config.im2col_budget_mb) * 2 ** 20)


def choose_algorithm(x, w, stride, padding, dilation, groups):
    """The path of this convolution: ``"direct"``, ``"winograd"``, ``"winograd4"`` or ``"im2col"`` -- the one rule.

    ``minidl.config.conv_algorithm`` (``MINIDL_CONV_ALGORITHM``):

    - ``"im2col"``: always im2col + GEMM.
    - ``"direct"``: the direct kernels for stride-1 layers, im2col otherwise.
    - ``"winograd"``: Winograd F(2x2, 3x3) for 3x3, stride-1, dilation-1, ungrouped layers
      (``kernels.winograd_applicable``), im2col otherwise; ``"winograd4"``: F(4x4, 3x3) likewise.
    - ``"auto"`` (default): stride-1 layers with few channels go direct
      (``kernels.direct_conv_suited``); then the 3x3 stride-1 layers where Winograd measured
      faster than im2col (``kernels.winograd_suited``, NumPy arrays): F(4x4, 3x3) with at least
      ``kernels.WINOGRAD4_MIN_CHANNELS`` channels in and out and outputs of at least
      ``kernels.WINOGRAD4_MIN_OUTPUT`` on a side, with one BLAS thread or under
      ``config.intra_op_parallel``; with one BLAS thread, F(2x2, 3x3) on other such layers with
      at least ``kernels.WINOGRAD_MIN_CHANNELS`` channels; everything else, and every CuPy
      array, im2col + GEMM.

    Under ``config.intra_op_parallel`` with T > 1 threads, im2col and Winograd layers split their
    batch into T ranges of images, one thread each with one-thread BLAS (``kernels._threads``).
    """
    algorithm = config.conv_algorithm
    if algorithm == "im2col":
        return "im2col"
    if algorithm in ("winograd", "winograd4"):
        return algorithm if kernels.winograd_applicable(x.shape, w.shape, stride, padding, dilation, groups) \
            else "im2col"
    if tuple(stride) != (1, 1):
        return "im2col"
    if algorithm == "direct" or kernels.direct_conv_suited(x, w.shape, stride, padding, dilation, groups):
        return "direct"
    tile = kernels.winograd_suited(x, w.shape, stride, padding, dilation, groups)
    if tile:
        return "winograd4" if tile == 4 else "winograd"
    return "im2col"


class Conv2d(Function):
    """2-D cross-correlation: im2col and one GEMM per group (per chunk of images), direct, or Winograd."""

    _autocast = "lower"   # in an autocast region: computed in its lower precision, as PyTorch
    _saved_inputs = {0: None, 1: None}   # PyTorch's ConvolutionBackward0 saves input and weight, not bias

    def name(self):
        """``ConvolutionBackward0``: PyTorch's node for this op."""
        return "ConvolutionBackward0"

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
        self.algorithm = choose_algorithm(x, w, stride, padding, dilation, groups)
        self.direct = self.algorithm == "direct"
        if self.algorithm in ("winograd", "winograd4"):
            self.tile = 4 if self.algorithm == "winograd4" else 2
            # the output follows x's layout: channels-last x stays so under config.channels_last (CPU only)
            if kernels.is_channels_last(x) and (not config.channels_last or is_device_array(x)):
                x = get_array_module(x).ascontiguousarray(x)
            self.x, self.w, self.args = x, w, (padding, dilation, groups)
            return kernels.conv2d_winograd_forward(x, w, padding, bias=b, budget_bytes=_im2col_budget_bytes(x),
                                                   threads=_threads.intra_op_threads(x), tile=self.tile)
        if self.direct:
            self.x, self.w, self.args = x, w, (padding, dilation, groups)
            self.fused_bias = config.fuse_conv_bias
            if self.fused_bias:
                return kernels.conv2d_direct_forward(x, w, padding, dilation, groups, bias=b)
            y = kernels.conv2d_direct_forward(x, w, padding, dilation, groups)
            if b is not None:
                y += b.reshape(1, -1, 1, 1)
            return y
        xp = get_array_module(x)
        N, C, H, W = x.shape
        O, Cg, kh, kw = w.shape
        OH = kernels.conv_output_size(H, kh, stride[0], padding[0], dilation[0])
        OW = kernels.conv_output_size(W, kw, stride[1], padding[1], dilation[1])
        P = OH * OW
        x = _conv_input(x)
        # NHWC output on the CPU only: the CUDA kernels read NCHW and would copy it back
        self.channels_last = config.channels_last and not is_device_array(x)
        self.x_channels_last = kernels.is_channels_last(x)
        self.w, self.groups, self.P = w, groups, P
        self.geometry = ((kh, kw), stride, padding, dilation)
        # columns (i, j, c) from channels-last input: im2col/col2im copy runs of channels (config field)
        self.kkc = config.im2col_channels_inner and groups == 1 and self.x_channels_last
        self.order = "kkc" if self.kkc else "ckk"
        self.w2 = self._weight_rows()
        bytes_per_image = P * C * kh * kw * x.dtype.itemsize
        self.chunk = max(1, min(N, _im2col_budget_bytes(x) // max(bytes_per_image, 1)))
        y = xp.empty((N, P, O) if self.channels_last else (N, O, P), dtype=x.dtype)
        # the per-op rule (kernels/_threads.py): the batch splits only for enough multiply-adds
        self.parts = _threads.parts_of(N, _threads.conv_threads(x, N * P * O * Cg * kh * kw))
        if len(self.parts) > 1:
            # one contiguous range of images per thread (kernels/_threads.py); a range that fits the
            # budget keeps its columns for the backward pass
            self.x, self.cols = x, None
            self.part_cols = _threads.run(lambda i: self._forward_range(x, b, y, *self.parts[i]), len(self.parts))
        elif self.chunk >= N:
            self.cols = kernels.im2col(x, *self.geometry, column_order=self.order)   # (N*P, C*kh*kw)
            self._forward_gemm(self.cols, b, y)
        else:
            self.x, self.cols = x, None
            buf = None
            for n0 in range(0, N, self.chunk):
                xs = x[n0:n0 + self.chunk]
                reuse = buf is not None and buf.shape[0] == xs.shape[0] * P
                buf = kernels.im2col(xs, *self.geometry, out=buf if reuse else None, column_order=self.order)
                self._forward_gemm(buf, b, y[n0:n0 + self.chunk])
        self.x_shape = x.shape
        if self.kkc and not KEEP_PERMUTED_WEIGHTS:
            self.w2 = None      # made again by the backward pass if it needs dx
        if self.channels_last:      # (N, P, O) memory seen as (N, O, OH, OW): PyTorch's channels_last
            return y.reshape(N, OH, OW, O).transpose(0, 3, 1, 2)
        return y.reshape(N, O, OH, OW)

    def _forward_range(self, x, b, y, lo, hi):
        """y[lo:hi] for images lo:hi, in chunks of ``self.chunk``; their columns when one chunk held them."""
        cols = None
        for n0 in range(lo, hi, self.chunk):
            n1 = min(hi, n0 + self.chunk)
            reuse = cols is not None and cols.shape[0] == (n1 - n0) * self.P
            cols = kernels.im2col(x[n0:n1], *self.geometry, out=cols if reuse else None, column_order=self.order)
            self._forward_gemm(cols, b, y[n0:n1])
        return cols if hi - lo <= self.chunk else None

    def _forward_gemm(self, cols, b, y_out):
        """y_out = (cols @ W2.T) plus the bias: y_out is (n, P, O) with channels_last, else (n, O, P).

        Channels last, the GEMM writes straight into y_out; otherwise its (n*P, O)
        result is copied, transposed, into y_out.
        """
        xp = get_array_module(cols)
        w, groups = self.w, self.groups
        O, Cg, kh, kw = w.shape
        w2 = self.w2
        if self.channels_last:
            y_rows = y_out.reshape(-1, O)                              # (n*P, O), a view
            if groups == 1:
                xp.matmul(cols, w2.T, out=y_rows)
            else:
                Og, Kg = O // groups, Cg * kh * kw
                for g in range(groups):
                    xp.matmul(cols[:, g * Kg:(g + 1) * Kg], w2[g * Og:(g + 1) * Og].T,
                              out=y_rows[:, g * Og:(g + 1) * Og])
            if b is not None:
                y_rows += b
            return
        if groups == 1:
            y_t = cols @ w2.T                                          # (n*P, O)
        else:
            # Group g fills columns g*Og:(g+1)*Og of y_t: NumPy's BLAS writes the
            # strided slice in place, CuPy goes through a temporary.
            Og, Kg = O // groups, Cg * kh * kw
            y_t = xp.empty((cols.shape[0], O), dtype=cols.dtype)
            for g in range(groups):
                xp.matmul(cols[:, g * Kg:(g + 1) * Kg], w2[g * Og:(g + 1) * Og].T,
                          out=y_t[:, g * Og:(g + 1) * Og])
        # (n, P, O) -> (n, O, P), adding the bias in the same pass
        src = y_t.reshape(y_out.shape[0], self.P, O).transpose(0, 2, 1)
        if b is None:
            y_out[...] = src
        else:
            xp.add(src, b.reshape(1, O, 1), out=y_out)

    def backward(self, g):
        if self.algorithm in ("winograd", "winograd4"):
            need = self.needs_input_grad
            gb = kernels.channel_sum(g) if len(need) > 2 and need[2] else None
            gx, gw = kernels.conv2d_winograd_backward(g, self.x, self.w, self.args[0], need_input=need[0],
                                                      need_weight=need[1], budget_bytes=_im2col_budget_bytes(g),
                                                      threads=_threads.intra_op_threads(g), tile=self.tile)
            return gx, gw, gb
        if self.direct:
            need_b = len(self.needs_input_grad) > 2 and self.needs_input_grad[2]
            if self.fused_bias and need_b:
                return kernels.conv2d_direct_backward(g, self.x, self.w, *self.args,
                                                      need_input=self.needs_input_grad[0],
                                                      need_weight=self.needs_input_grad[1], need_bias=True)
            gb = kernels.channel_sum(g) if need_b else None
            gx, gw = kernels.conv2d_direct_backward(g, self.x, self.w, *self.args,
                                                    need_input=self.needs_input_grad[0],
                                                    need_weight=self.needs_input_grad[1])
            return gx, gw, gb
        xp = get_array_module(g)
        w, groups = self.w, self.groups
        O, Cg, kh, kw = w.shape
        N = g.shape[0]
        g3 = g.reshape(N, O, -1)                                       # (N, O, P)
        need_x, need_w = self.needs_input_grad[0], self.needs_input_grad[1]
        need_b = len(self.needs_input_grad) > 2 and self.needs_input_grad[2]
        gb = kernels.channel_sum(g) if need_b else None
        if not (need_x or need_w):
            return None, None, gb
        if need_x and self.w2 is None:
            self.w2 = self._weight_rows()
        if len(self.parts) > 1:
            gx, gw_t = self._backward_ranges(g3, need_x, need_w)
            return gx, self._weight_grad(gw_t) if need_w else None, gb
        gw_t = xp.empty((groups, Cg * kh * kw, O // groups), dtype=g.dtype) if need_w else None
        gx = None
        if need_x and self.cols is None:
            gx = kernels.empty_in_layout(self.x_shape, self.x_channels_last, g)
        for n0 in range(0, N, self.chunk):
            n1 = min(N, n0 + self.chunk)
            cols = self.cols if self.cols is not None else \
                kernels.im2col(self.x[n0:n1], *self.geometry, column_order=self.order)
            gx_chunk = self._backward_gemm(cols, g3[n0:n1], gw_t, accumulate=n0 > 0,
                                           x_shape=(n1 - n0,) + self.x_shape[1:], need_x=need_x)
            if gx is None:
                gx = gx_chunk
            elif need_x:
                gx[n0:n1] = gx_chunk
        return gx, self._weight_grad(gw_t) if need_w else None, gb

    def _weight_rows(self):
        """W2 (O, K): the weights as rows in the columns' order, (i, j, c) (a permuted copy) or (c, i, j) (a view)."""
        w = self.w
        return kernels.kkc_weight_rows(w) if self.kkc else w.reshape(w.shape[0], -1)

    def _weight_grad(self, gw_t):
        """dW (O, C/groups, kh, kw) from dW^T (groups, K, O/groups), K in the columns' order."""
        xp = get_array_module(gw_t)
        O, Cg, kh, kw = self.w.shape
        if self.kkc:                    # groups 1: gw_t[0] is (K, O) with K in (i, j, c) order; one copy
            return kernels.kkc_weight_grad(gw_t[0], self.w.shape)
        return xp.ascontiguousarray(gw_t.transpose(0, 2, 1)).reshape(self.w.shape)

    def _backward_ranges(self, g3, need_x, need_w):
        """(dx, dW^T) with each thread on the images of its forward range (kernels/_threads.py).

        Each range sums its own dW^T; the partial sums are added in range order,
        so the result does not depend on timing.
        """
        O, Cg, kh, kw = self.w.shape
        gx = kernels.empty_in_layout(self.x_shape, self.x_channels_last, g3) if need_x else None
        wt_shape = (self.groups, Cg * kh * kw, O // self.groups)

        def one_range(i):
            lo, hi = self.parts[i]
            gw_t = np.empty(wt_shape, dtype=g3.dtype) if need_w else None
            for n0 in range(lo, hi, self.chunk):
                n1 = min(hi, n0 + self.chunk)
                cols = self.part_cols[i]
                if cols is None:
                    cols = kernels.im2col(self.x[n0:n1], *self.geometry, column_order=self.order)
                gx_chunk = self._backward_gemm(cols, g3[n0:n1], gw_t, accumulate=n0 > lo,
                                               x_shape=(n1 - n0,) + self.x_shape[1:], need_x=need_x)
                if need_x:
                    gx[n0:n1] = gx_chunk
            return gw_t

        partial = _threads.run(one_range, len(self.parts))
        gw_t = partial[0]
        for more in partial[1:] if need_w else ():
            gw_t += more
        return gx, gw_t

    def _backward_gemm(self, cols, g3, gw_t, accumulate, x_shape, need_x):
        """Add this chunk's dW^T into ``gw_t`` and return its dx (or None)."""
        xp = get_array_module(cols)
        w, groups = self.w, self.groups
        O, Cg, kh, kw = w.shape
        Og, Kg = O // groups, Cg * kh * kw
        gT = xp.ascontiguousarray(g3.transpose(0, 2, 1)).reshape(-1, O)   # (n*P, O)
        if gw_t is not None:
            # dW^T = cols.T @ gT (K, O) per group, then a small transpose: with two
            # OpenBLAS threads the (O, K) orientation gT.T @ cols ran 1.2-70x slower
            # (benchmarks/bench_gemm_layout.py)
            for k in range(groups):
                part = cols[:, k * Kg:(k + 1) * Kg].T @ gT[:, k * Og:(k + 1) * Og]
                if accumulate:
                    gw_t[k] += part
                else:
                    gw_t[k] = part
        if not need_x:
            return None
        w2 = self.w2
        if groups == 1:
            gcols = gT @ w2                                            # (n*P, C*kh*kw)
        else:
            gcols = xp.empty(cols.shape, dtype=cols.dtype)
            for k in range(groups):
                xp.matmul(gT[:, k * Og:(k + 1) * Og], w2[k * Og:(k + 1) * Og],
                          out=gcols[:, k * Kg:(k + 1) * Kg])
        return kernels.col2im(gcols, x_shape, *self.geometry, channels_last=self.x_channels_last,
                              column_order=self.order)

    def _params(self):
        """(stride, padding, dilation, groups) of this convolution, from either path's saved state."""
        if self.algorithm != "im2col":
            padding, dilation, groups = self.args
            return (1, 1), tuple(padding), tuple(dilation), groups
        _, stride, padding, dilation = self.geometry
        return tuple(stride), tuple(padding), tuple(dilation), self.groups

    def backward_graph(self, g):
        # dx and dW as differentiable ops: each of conv2d, its input gradient and its weight gradient is
        # bilinear, and the derivatives of each are the other two (see Conv2dInputGrad / Conv2dWeightGrad)
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        params = self._params()
        gx = Conv2dInputGrad.apply(g, w, x_shape=tuple(x.shape), params=params) if need[0] else None
        gw = Conv2dWeightGrad.apply(x, g, w_shape=tuple(w.shape), params=params) if need[1] else None
        gb = g.sum(axis=(0, 2, 3)) if len(need) > 2 and need[2] else None
        return gx, gw, gb


def _conv_input(x):
    """x as im2col reads it without a copy: C-contiguous NCHW or channels-last NHWC (else a NCHW copy)."""
    return x if kernels.is_channels_last(x) else get_array_module(x).ascontiguousarray(x)


def _grad_rows(g):
    """dy (N, O, OH, OW) as the contiguous (N*OH*OW, O) matrix the GEMMs use."""
    xp = get_array_module(g)
    n, out_ch = g.shape[:2]
    return xp.ascontiguousarray(g.reshape(n, out_ch, -1).transpose(0, 2, 1)).reshape(-1, out_ch)


def _conv_raw(x, w, params):
    """conv2d(x, w) on arrays (no bias), through the same paths as the op."""
    stride, padding, dilation, groups = params
    return Conv2d().forward(x, w, None, stride, padding, dilation, groups)


def _conv_input_grad_raw(g, w, x_shape, params):
    """dx = col2im(dy_rows @ W2): the input gradient of conv2d, i.e. the transposed convolution of g."""
    xp = get_array_module(g)
    stride, padding, dilation, groups = params
    out_ch, Cg, kh, kw = w.shape
    Og, Kg = out_ch // groups, Cg * kh * kw
    gT = _grad_rows(g)
    w2 = xp.ascontiguousarray(w).reshape(out_ch, -1)
    gcols = xp.empty((gT.shape[0], groups * Kg), dtype=g.dtype)
    for k in range(groups):
        gcols[:, k * Kg:(k + 1) * Kg] = gT[:, k * Og:(k + 1) * Og] @ w2[k * Og:(k + 1) * Og]
    return kernels.col2im(gcols, tuple(x_shape), (kh, kw), stride, padding, dilation)


def _conv_weight_grad_raw(x, g, w_shape, params):
    """dW[g-th group] = (cols_g.T @ dy_rows_g).T: the weight gradient of conv2d."""
    xp = get_array_module(g)
    stride, padding, dilation, groups = params
    out_ch, Cg, kh, kw = w_shape
    Og, Kg = out_ch // groups, Cg * kh * kw
    cols = kernels.im2col(_conv_input(x), (kh, kw), stride, padding, dilation)
    gT = _grad_rows(g)
    gw = xp.empty((out_ch, Kg), dtype=g.dtype)
    for k in range(groups):
        gw[k * Og:(k + 1) * Og] = (cols[:, k * Kg:(k + 1) * Kg].T @ gT[:, k * Og:(k + 1) * Og]).T
    return gw.reshape(w_shape)


class Conv2dInputGrad(Function):
    """dx = conv2d's input gradient for dy (N, O, OH, OW) and w, as an op (used under create_graph).

    With V the incoming gradient (x's shape): d/d(dy) = conv2d(V, w), d/dw = weight_grad(V, dy).
    """

    def forward(self, g, w, x_shape=None, params=None):
        self.g, self.w, self.params = g, w, params
        return _conv_input_grad_raw(g, w, x_shape, params)

    def backward(self, v):
        need = self.needs_input_grad
        dg = _conv_raw(v, self.w, self.params) if need[0] else None
        dw = _conv_weight_grad_raw(v, self.g, self.w.shape, self.params) if need[1] else None
        return dg, dw

    def backward_graph(self, v):
        g, w = self.inputs
        need = self.needs_input_grad
        stride, padding, dilation, groups = self.params
        dg = Conv2d.apply(v, w, None, stride=stride, padding=padding, dilation=dilation,
                          groups=groups) if need[0] else None
        dw = Conv2dWeightGrad.apply(v, g, w_shape=tuple(w.shape), params=self.params) if need[1] else None
        return dg, dw


class Conv2dWeightGrad(Function):
    """dW = conv2d's weight gradient for x and dy, as an op (used under create_graph).

    With V the incoming gradient (w's shape): d/dx = input_grad(dy, V), d/d(dy) = conv2d(x, V).
    """

    def forward(self, x, g, w_shape=None, params=None):
        self.x, self.g, self.params = x, g, params
        return _conv_weight_grad_raw(x, g, w_shape, params)

    def backward(self, v):
        need = self.needs_input_grad
        dx = _conv_input_grad_raw(self.g, v, self.x.shape, self.params) if need[0] else None
        dg = _conv_raw(self.x, v, self.params) if need[1] else None
        return dx, dg

    def backward_graph(self, v):
        x, g = self.inputs
        need = self.needs_input_grad
        stride, padding, dilation, groups = self.params
        dx = Conv2dInputGrad.apply(g, v, x_shape=tuple(x.shape), params=self.params) if need[0] else None
        dg = Conv2d.apply(x, v, None, stride=stride, padding=padding, dilation=dilation,
                          groups=groups) if need[1] else None
        return dx, dg


def _string_padding(padding, weight, stride, dilation):
    """PyTorch's ``padding="valid"|"same"`` as ((top, bottom), (left, right)).

    "same" pads dilation*(k-1) in total per dimension, the odd one on the
    bottom/right, and needs stride 1.
    """
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding != "same":
        raise ValueError(f"conv2d: invalid padding string {padding!r}, should be one of 'valid', 'same'")
    if tuple(stride) != (1, 1):
        raise ShapeError(f"conv2d: padding='same' is not supported for strided convolutions (stride {stride})")
    out = []
    for d, k in zip(dilation, weight.shape[2:]):
        total = d * (k - 1)
        out.append((total // 2, total - total // 2))
    return tuple(out)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution: input (N, C, H, W) or (C, H, W), weight (O, C/groups, kh, kw), bias (O,)
    -> (N, O, OH, OW).

    OH = floor((H + 2*ph - dh*(kh-1) - 1) / sh) + 1, likewise OW (PyTorch's formula).
    bfloat16 operands are convolved in float32 (the kernels have no bfloat16) and the result rounded.
    ``padding``: int, pair, ``"valid"`` (none) or ``"same"`` (output size = input
    size, stride 1 only; an odd total padding puts the extra row/column at the
    bottom/right, as PyTorch does).

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> x, w = mdl.ones(1, 1, 4, 4), mdl.ones(2, 1, 3, 3)
    >>> y = F.conv2d(x, w, stride=1, padding=1)
    >>> y.shape, float(y[0, 0, 0, 0].item()), float(y[0, 0, 1, 1].item())   # a corner sees 4 ones, the centre 9
    (minidl.Size([1, 2, 4, 4]), 4.0, 9.0)
    """
    from .conv_complex import complex_conv, is_complex_operand
    if is_complex_operand(input, weight, bias):
        return complex_conv(conv2d, "conv2d", input, weight, bias, stride, padding, dilation, groups)
    x = input
    if x.ndim == 3:
        out = conv2d(x.reshape((1,) + tuple(x.shape)), weight, bias, stride, padding, dilation, groups)
        return out.reshape(tuple(out.shape)[1:])
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    if x.ndim != 4:
        raise ShapeError(f"conv2d: expected a 4-D input (N, C, H, W) or 3-D (C, H, W), got shape {x.shape}")
    check_float_input("conv2d", x)
    check_float_input("conv2d", weight, "weight")
    if isinstance(padding, str):
        if weight.ndim != 4:
            raise ValueError(f"conv2d: expected a 4-D weight (O, C/groups, kh, kw), got shape {weight.shape}")
        (pt, pb), (pl, pr) = _string_padding(padding, weight, stride, dilation)
        if pt != pb or pl != pr:
            from .shape import pad
            x = pad(x, (pl, pr, pt, pb))
            pt = pl = 0
        padding = (pt, pl)
    padding = pair(padding, "padding")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: expected a 4-D weight (O, C/groups, kh, kw), got shape {weight.shape}")
    O, Cg = weight.shape[:2]
    if groups < 1 or O % groups:
        raise ValueError(f"conv2d: out_channels {O} must be divisible by groups={groups}")
    if x.shape[1] != Cg * groups:
        raise ValueError(f"conv2d: input has {x.shape[1]} channels (shape {x.shape}) but the weight "
                         f"{weight.shape} with groups={groups} expects {Cg * groups}")
    if bias is not None and tuple(bias.shape) != (O,):
        raise ValueError(f"conv2d: bias shape {bias.shape} does not match out_channels {O}")
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(f"conv2d: stride {stride} and dilation {dilation} must be >= 1, padding {padding} >= 0")
    for size, k, p, d in zip(x.shape[2:], weight.shape[2:], padding, dilation):
        if size + 2 * p < d * (k - 1) + 1:
            raise ValueError(f"conv2d: input {x.shape} padded by {padding} is smaller than the "
                             f"dilated kernel {tuple(weight.shape[2:])} (dilation {dilation})")
    if x.shape[0] == 0:  # an empty batch: empty output, zero parameter gradients
        out = [kernels.conv_output_size(size, k, s, p, d) for size, k, s, p, d in
               zip(x.shape[2:], weight.shape[2:], stride, padding, dilation)]
        return empty_batch((0, O, *out), x, weight, bias)
    return Conv2d.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
