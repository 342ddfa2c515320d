# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Convolution as one matrix product: im2col
#
# A convolution layer slides each of its $O$ filters (shape $C \times k_h \times k_w$)
# over the input and takes a dot product at every position. Written as loops that
# is six nested `for`s; written as linear algebra it is **one matrix product**,
# once the input has been unfolded into a *column matrix* (im2col). This notebook:
#
# 1. pictures im2col on a tiny input;
# 2. computes the forward pass as one GEMM and checks it against a direct loop;
# 3. derives the backward pass (a weight-gradient GEMM, an input-gradient GEMM,
#    then col2im), and checks it three ways.
#
# Shapes follow PyTorch: input $x$ is $(N, C, H, W)$, weight $w$ is
# $(O, C, k_h, k_w)$, output $(N, O, OH, OW)$ with
# $OH = \lfloor (H + 2p - d(k_h - 1) - 1)/s \rfloor + 1$ (stride $s$, padding $p$,
# dilation $d$), likewise $OW$.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import minidl as mdl
import minidl.nn.functional as F
from minidl import kernels

np.set_printoptions(precision=4, suppress=True, linewidth=110)

# %% [markdown]
# ## 1. im2col on a 1×1×4×4 input
#
# With a 2×2 kernel, stride 1 and no padding, the output is 3×3: nine window
# positions. im2col copies each window, flattened, into one **row** of a matrix;
# the columns are the kernel taps. minidl's layout is
# `cols[(n*OH + oy)*OW + ox, (c*kh + i)*kw + j] = xpad[n, c, oy*s + i*d, ox*s + j*d]`:
# rows $(n, o_y, o_x)$, one per output pixel, and columns $(c, i, j)$, in the order
# of `w.reshape(O, C*kh*kw)`. Its shape is $(N \cdot OH \cdot OW,\ C k_h k_w) = (9, 4)$.
# (Many texts store the transpose, $(C k_h k_w,\ N \cdot OH \cdot OW)$, and call
# the windows "columns", hence the name.)

# %%
x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
cols = kernels.im2col(x, (2, 2), 1, 0, 1)      # kernel, stride, padding, dilation
print("x[0, 0] =\n", x[0, 0])
print("cols", cols.shape, "=\n", cols)

# %% [markdown]
# Row 5 is output position $(o_y, o_x) = (1, 2)$: the window whose top-left
# pixel is `x[0, 0, 1, 2] = 6`, read row by row: $6, 7, 10, 11$. Column 0 holds
# the top-left tap of every window, so it reads the input's top-left 3×3 block:
# $0,1,2,4,5,6,8,9,10$.

# %%
fig, (a0, a1) = plt.subplots(1, 2, figsize=(6.5, 3.4), gridspec_kw={"width_ratios": [1, 1]})
a0.imshow(np.zeros((4, 4)), cmap="Greys", vmin=0, vmax=1)
for (r, c), v in np.ndenumerate(x[0, 0]):
    a0.text(c, r, int(v), ha="center", va="center")
a0.add_patch(plt.Rectangle((1.5, 0.5), 2, 2, fill=False, ec="tab:red", lw=2.5))
a0.set_title("input 4x4, window (1, 2)")
a1.imshow(np.zeros(cols.shape), cmap="Greys", vmin=0, vmax=1)
for (r, c), v in np.ndenumerate(cols):
    a1.text(c, r, int(v), ha="center", va="center", fontsize=9)
a1.add_patch(plt.Rectangle((-0.5, 4.5), 4, 1, fill=False, ec="tab:red", lw=2.5))
a1.set_title("cols (N*OH*OW, C*kh*kw)\nrow 5 = window (1, 2)", fontsize=10)
for a in (a0, a1):
    a.set_xticks([]); a.set_yticks([])
plt.tight_layout(); plt.show()

# %% [markdown]
# ## 2. The forward pass is one GEMM
#
# Reshape the weight to $W_2 = w$`.reshape(O, C*kh*kw)` (free: the weight is
# contiguous, and its $(c, i, j)$ order is the column order of cols). Then
#
# $$Y = \mathrm{cols} \cdot W_2^\top \qquad (N\,OH\,OW,\ O)$$
#
# holds, in row $p$, all $O$ outputs at output pixel $p$: a dot product of the
# window with each filter. Reshaping to $(N, OH, OW, O)$ and moving the channel
# axis second gives the usual NCHW output. Two filters on our tiny input: a
# diagonal difference and a 2×2 mean.

# %%
w = np.array([[[[1.0, 0.0], [0.0, -1.0]]],         # x[i, j] - x[i+1, j+1]
              [[[0.25, 0.25], [0.25, 0.25]]]])     # window mean
O = w.shape[0]
Y = cols @ w.reshape(O, -1).T                      # (9, 4) @ (4, 2) -> (9, 2)
y = Y.reshape(1, 3, 3, O).transpose(0, 3, 1, 2)   # (N, O, OH, OW)
print(y[0])
print("matches F.conv2d:", np.allclose(y, F.conv2d(mdl.tensor(x), mdl.tensor(w)).numpy()))


# %% [markdown]
# For the check we also need the obvious, slow definition: a loop over every
# output element, each a dot product of one window with one filter (cross-
# correlation, as in PyTorch: the kernel is not flipped).

# %%
def conv_direct(x, w, b, stride=1, pad=0):
    N, C, H, W_ = x.shape
    O, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH = (H + 2 * pad - kh) // stride + 1
    OW = (W_ + 2 * pad - kw) // stride + 1
    y = np.zeros((N, O, OH, OW))
    for n in range(N):
        for o in range(O):
            for oy in range(OH):
                for ox in range(OW):
                    win = xp[n, :, oy * stride:oy * stride + kh, ox * stride:ox * stride + kw]
                    y[n, o, oy, ox] = (win * w[o]).sum() + b[o]
    return y

rng = np.random.default_rng(0)
xb = rng.standard_normal((2, 3, 7, 6))             # N=2, C=3, non-square
wb = rng.standard_normal((4, 3, 3, 2))             # O=4, 3x2 kernel
bb = rng.standard_normal(4)
y_fast = F.conv2d(mdl.tensor(xb), mdl.tensor(wb), mdl.tensor(bb), stride=2, padding=1).numpy()
y_slow = conv_direct(xb, wb, bb, stride=2, pad=1)
print(y_fast.shape, "max |difference| =", np.abs(y_fast - y_slow).max())

# %% [markdown]
# **Why this layout.** minidl keeps activations NCHW and builds
# $\mathrm{cols}$ as $(N\,OH\,OW,\ C k_h k_w)$:
#
# * the columns follow the PyTorch weight layout, so $W_2$ is a free reshape and
#   one matrix serves all three products of the layer (forward, $dW$,
#   $d\mathrm{cols}$);
# * with the output pixels as rows, every GEMM result is tall ($N \cdot P$ or
#   $C k_h k_w$ rows, never just $O$), a shape OpenBLAS handles well: on the
#   reference networks' layers the forward and column-gradient products ran
#   1.5-3× faster with two threads than in the transposed layout
#   $(C k_h k_w,\ N \cdot P)$ (`benchmarks/bench_gemm_layout.py` measures both).
#
# The price is one transposing copy of the GEMM output from $(N, P, O)$ to
# $(N, O, P)$, $P = OH \cdot OW$, which minidl fuses with the bias addition, and
# one of the output gradient in the backward pass.
#
# ## 3. The backward pass, derived
#
# Write $dA$ for $\partial L/\partial A$ and let $dY$ be the output gradient laid
# out like $Y$, i.e. $(N\,OH\,OW,\ O)$. From
# $Y[p,o] = \sum_r \mathrm{cols}[p,r]\,W_2[o,r]$:
#
# $$
# dW_2[o,r] = \sum_p dY[p,o]\,\mathrm{cols}[p,r] \;\Rightarrow\; dW_2 = dY^\top \mathrm{cols},
# \qquad
# d\mathrm{cols}[p,r] = \sum_o dY[p,o]\,W_2[o,r] \;\Rightarrow\; d\mathrm{cols} = dY\,W_2,
# $$
#
# and $db_o = \sum_{n, o_y, o_x} dy[n,o,o_y,o_x]$. (With the transposed layout,
# $\mathrm{cols}' = \mathrm{cols}^\top$ and $dY_2 = dY^\top$, the same formulas read
# $dW_2 = dY_2\,\mathrm{cols}'^\top$ and $d\mathrm{cols}' = W_2^\top dY_2$.)
# im2col itself is linear, $\mathrm{cols} = A\,x$ with $A$ a 0/1 matrix that copies
# pixels, so $dx = A^\top d\mathrm{cols}$: **col2im**, which adds every entry of
# $d\mathrm{cols}$ back onto the pixel it was copied from. A pixel covered by several
# windows collects several contributions; col2im of all-ones counts them:

# %%
print(kernels.col2im(np.ones_like(cols), x.shape, (2, 2), 1, 0, 1)[0, 0])

# %% [markdown]
# col2im is the *adjoint* of im2col, $\langle \mathrm{im2col}(x), c\rangle =
# \langle x, \mathrm{col2im}(c)\rangle$ for every $x$ and $c$; a one-line test of
# that, with stride, padding and dilation:

# %%
geom = ((3, 2), (2, 1), (1, 1), (1, 2))            # kernel, stride, padding, dilation
c = rng.standard_normal(kernels.im2col(xb, *geom).shape)
lhs = (kernels.im2col(xb, *geom) * c).sum()
rhs = (xb * kernels.col2im(c, xb.shape, *geom)).sum()
print(f"<im2col(x), c> = {lhs:.10f}\n<x, col2im(c)> = {rhs:.10f}")

# %% [markdown]
# Now the whole backward pass by hand with NumPy, compared with minidl's autograd
# and with the backward of the direct loop (each window's input gradient is
# $dy \cdot w_o$, added into place). `Conv2d.backward` in `minidl/ops/conv.py`
# does these steps; it forms $dW_2^\top = \mathrm{cols}^\top dY$ and transposes the
# small result back, the same numbers in the operand order OpenBLAS runs fastest
# for these long inner dimensions.

# %%
stride, pad = 2, 1
O, C, kh, kw = wb.shape
cols_b = kernels.im2col(xb, (kh, kw), stride, pad, 1)      # (N*OH*OW, C*kh*kw)
dy = rng.standard_normal(y_slow.shape)                     # some upstream gradient
dY = dy.transpose(0, 2, 3, 1).reshape(-1, O)               # (N*OH*OW, O)
W2 = wb.reshape(O, -1)
dW = (dY.T @ cols_b).reshape(wb.shape)
dx = kernels.col2im(dY @ W2, xb.shape, (kh, kw), stride, pad, 1)
db = dy.sum(axis=(0, 2, 3))

# minidl autograd: L = sum(y * dy) has dL/dy = dy
tx, tw, tb = (mdl.tensor(a, requires_grad=True) for a in (xb, wb, bb))
(F.conv2d(tx, tw, tb, stride=stride, padding=pad) * mdl.tensor(dy)).sum().backward()

# direct-loop backward
xp = np.pad(xb, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
dx_l, dw_l = np.zeros_like(xp), np.zeros_like(wb)
for n, o, oy, ox in np.ndindex(*dy.shape):
    sl = (n, slice(None), slice(oy * stride, oy * stride + kh), slice(ox * stride, ox * stride + kw))
    dx_l[sl] += dy[n, o, oy, ox] * wb[o]
    dw_l[o] += dy[n, o, oy, ox] * xp[sl]
dx_l = dx_l[:, :, pad:-pad, pad:-pad]

for name, mine, auto, loop in [("dx", dx, tx.grad.numpy(), dx_l), ("dW", dW, tw.grad.numpy(), dw_l),
                               ("db", db, tb.grad.numpy(), dy.sum(axis=(0, 2, 3)))]:
    print(f"{name}: |im2col - autograd| = {np.abs(mine - auto).max():.1e}   "
          f"|im2col - loops| = {np.abs(mine - loop).max():.1e}")

# %% [markdown]
# And the finite-difference check of `F.conv2d` against its own backward, for
# input, weight and bias at once (float64; every element is perturbed, so the
# tensors are kept small):

# %%
gx = mdl.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
gw = mdl.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
gb = mdl.tensor(rng.standard_normal(3), requires_grad=True)
print(mdl.gradcheck(lambda a, k, b: F.conv2d(a, k, b, stride=2, padding=1, dilation=1), (gx, gw, gb)))
print(mdl.gradcheck(lambda a, k: F.conv2d(a, k, padding=2, dilation=2), (gx, gw)))

# %% [markdown]
# ## 4. How much the GEMM buys
#
# Same arithmetic, different organisation: the direct loop makes
# $N \cdot O \cdot OH \cdot OW$ small NumPy calls, im2col makes one copy pass and one
# BLAS call. (A shared machine makes timings noisy; the ratio is what matters.)

# %%
xt = rng.standard_normal((4, 3, 16, 16)).astype(np.float32)
wt = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
bt = np.zeros(8, dtype=np.float32)

def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    return min(times)

F.conv2d(mdl.tensor(xt), mdl.tensor(wt), padding=1)      # warm-up
t_loop = best_of(lambda: conv_direct(xt, wt, bt, pad=1), repeat=1)
t_gemm = best_of(lambda: F.conv2d(mdl.tensor(xt), mdl.tensor(wt), padding=1))
print(f"direct loop {t_loop * 1e3:8.2f} ms\nim2col+GEMM {t_gemm * 1e3:8.2f} ms   "
      f"({t_loop / t_gemm:.0f}x faster)")

# %% [markdown]
# **Where next.** Notebook 03 does the same for pooling and batch norm;
# notebook 05 looks at the compiled kernels behind `kernels.im2col` and `col2im`.
