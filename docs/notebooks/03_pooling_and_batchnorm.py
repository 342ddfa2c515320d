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
# # 03 · Backprop through pooling and batch normalisation
#
# Pooling and batch norm are the two layers of a classic CNN whose backward pass is
# not "a matrix product and its transpose". Max-pooling *routes* each gradient to
# one input; average pooling *spreads* it; batch norm couples every sample of the
# batch to every other. We derive each backward pass, compare it with minidl's
# autograd, and check it with finite differences.

# %%
import numpy as np

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl import kernels

np.set_printoptions(precision=4, suppress=True, linewidth=110)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. Max-pooling: argmax routing
#
# Output $k$ of a max-pool is $y_k = \max_{i \in \text{window}_k} x_i = x_{a(k)}$,
# where $a(k)$ is the position of the maximum. Away from ties
# $\partial y_k / \partial x_i = [\,i = a(k)\,]$, so
#
# $$\frac{\partial L}{\partial x_i} = \sum_{k\,:\,a(k) = i} \frac{\partial L}{\partial y_k}:$$
#
# each output gradient goes, whole, to the input that won its window; every other
# input gets zero. The forward pass therefore saves the **argmax** of each window
# (minidl stores the flat index $h \cdot W + w$ in the input plane) and the backward
# pass is a scatter-add.

# %%
x = rng.permutation(16).astype(np.float64).reshape(1, 1, 4, 4)
out, argmax = kernels.maxpool2d_forward(x, (2, 2), (2, 2), (0, 0), False)
print("x =\n", x[0, 0])
print("max-pool 2x2 =\n", out[0, 0])
print("argmax (flat index h*4 + w) =\n", argmax[0, 0])

dy = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
print("dx = maxpool2d_backward(dy) =\n", kernels.maxpool2d_backward(dy, argmax, x.shape)[0, 0])

# %% [markdown]
# The same through autograd: `F.max_pool2d` is the `MaxPool2d` Function in
# `minidl/ops/pool.py`, whose backward calls that kernel.

# %%
tx = mdl.tensor(x, requires_grad=True)
F.max_pool2d(tx, 2).backward(dy)
print(tx.grad.numpy()[0, 0])

# %% [markdown]
# With **overlapping** windows (kernel 3, stride 1) one input can win several
# windows and then collects the sum of their gradients. Here a single bright pixel
# wins all four windows that contain it:

# %%
peak = np.zeros((1, 1, 4, 4)); peak[0, 0, 1, 2] = 9.0
tp = mdl.tensor(peak, requires_grad=True)
y = F.max_pool2d(tp, kernel_size=3, stride=1)
print("output:\n", y.numpy()[0, 0])
y.backward(np.ones(y.shape))
print("gradient (4 windows -> 1 pixel):\n", tp.grad.numpy()[0, 0])

# %% [markdown]
# At a tie the maximum is not differentiable; minidl follows PyTorch and gives the
# whole gradient to the *first* maximum in the window. Finite differences are only
# meaningful away from ties, so the check uses random (distinct) values, with
# padding and `ceil_mode` to exercise the edges:

# %%
xg = mdl.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
print(mdl.gradcheck(lambda t: F.max_pool2d(t, 3, stride=2, padding=1, ceil_mode=True), (xg,)))

# %% [markdown]
# ## 2. Average pooling: spreading
#
# $y_k = \frac{1}{D_k}\sum_{i \in \text{window}_k} x_i$, so every input of the window
# receives $\partial L/\partial y_k \,/\, D_k$:
#
# $$\frac{\partial L}{\partial x_i} = \sum_{k\,:\,i \in \text{window}_k} \frac{1}{D_k} \frac{\partial L}{\partial y_k}.$$
#
# With padding, the divisor $D_k$ follows PyTorch: with `count_include_pad=True` (the
# default) it counts the padded zeros too, with `False` only the real pixels. Average
# pooling a constant image shows the difference at the borders:

# %%
ones = mdl.tensor(np.ones((1, 1, 4, 4)))
print("count_include_pad=True:\n", F.avg_pool2d(ones, 3, stride=1, padding=1).numpy()[0, 0])
print("count_include_pad=False:\n",
      F.avg_pool2d(ones, 3, stride=1, padding=1, count_include_pad=False).numpy()[0, 0])

# %%
ta = mdl.tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
ya = F.avg_pool2d(ta, 2)                           # 2x2 windows, stride 2
ya.backward(dy)
print("dy / 4 spread over each window:\n", ta.grad.numpy()[0, 0])
for cip in (True, False):
    ok = mdl.gradcheck(lambda t, cip=cip: F.avg_pool2d(t, 3, stride=2, padding=1, ceil_mode=True,
                                                       count_include_pad=cip), (xg,))
    print(f"gradcheck avg_pool2d (count_include_pad={cip}):", ok)

# %% [markdown]
# ## 3. Batch normalisation: forward
#
# Ioffe & Szegedy (2015, *Batch Normalization: Accelerating Deep Network Training by
# Reducing Internal Covariate Shift*, ICML; Algorithm 1) normalise each channel over
# the mini-batch $\mathcal B = \{x_1, \dots, x_m\}$:
#
# $$
# \mu_{\mathcal B} = \frac1m \sum_i x_i, \qquad
# \sigma^2_{\mathcal B} = \frac1m \sum_i (x_i - \mu_{\mathcal B})^2, \qquad
# \hat x_i = \frac{x_i - \mu_{\mathcal B}}{\sqrt{\sigma^2_{\mathcal B} + \epsilon}}, \qquad
# y_i = \gamma \hat x_i + \beta .
# $$
#
# For a convolutional layer (their Sec. 3.2) the statistics of channel $c$ are taken
# over all $m = N \cdot H \cdot W$ values of that channel, and $\gamma, \beta$ are
# per-channel vectors: `weight` and `bias` in minidl and PyTorch.

# %%
eps = 1e-5
xb = rng.standard_normal((4, 3, 2, 2)) * np.array([1.0, 2.0, 0.5]).reshape(1, 3, 1, 1) + 1.0
gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
axes = (0, 2, 3)                                   # everything but the channel axis
m = xb.size // xb.shape[1]

def view(v):                                       # (C,) -> (1, C, 1, 1)
    return v.reshape(1, -1, 1, 1)

mu = xb.mean(axis=axes)
var = ((xb - view(mu)) ** 2).mean(axis=axes)      # biased: divides by m
xhat = (xb - view(mu)) / np.sqrt(view(var) + eps)
yb = view(gamma) * xhat + view(beta)

ty = F.batch_norm(mdl.tensor(xb), None, None, mdl.tensor(gamma), mdl.tensor(beta), training=True)
print("m =", m, "| max |ours - F.batch_norm| =", np.abs(yb - ty.numpy()).max())
print("per-channel mean of xhat:", xhat.mean(axis=axes), " variance:", xhat.var(axis=axes))

# %% [markdown]
# ## 4. Batch normalisation: backward
#
# Every $x_i$ influences $y_i$ directly *and* through $\mu_{\mathcal B}$ and
# $\sigma^2_{\mathcal B}$, which every other output uses. The paper (Sec. 3) writes the
# chain rule out through those intermediate nodes, with $\ell$ the loss:
#
# $$
# \begin{aligned}
# \frac{\partial \ell}{\partial \hat x_i} &= \frac{\partial \ell}{\partial y_i}\,\gamma \\
# \frac{\partial \ell}{\partial \sigma^2_{\mathcal B}} &= \sum_i \frac{\partial \ell}{\partial \hat x_i}\,(x_i - \mu_{\mathcal B})\cdot\left(-\tfrac12\right)(\sigma^2_{\mathcal B} + \epsilon)^{-3/2} \\
# \frac{\partial \ell}{\partial \mu_{\mathcal B}} &= \sum_i \frac{\partial \ell}{\partial \hat x_i}\cdot\frac{-1}{\sqrt{\sigma^2_{\mathcal B} + \epsilon}} + \frac{\partial \ell}{\partial \sigma^2_{\mathcal B}}\cdot\frac{\sum_i -2(x_i - \mu_{\mathcal B})}{m} \\
# \frac{\partial \ell}{\partial x_i} &= \frac{\partial \ell}{\partial \hat x_i}\cdot\frac{1}{\sqrt{\sigma^2_{\mathcal B} + \epsilon}} + \frac{\partial \ell}{\partial \sigma^2_{\mathcal B}}\cdot\frac{2(x_i - \mu_{\mathcal B})}{m} + \frac{\partial \ell}{\partial \mu_{\mathcal B}}\cdot\frac1m \\
# \frac{\partial \ell}{\partial \gamma} &= \sum_i \frac{\partial \ell}{\partial y_i}\,\hat x_i, \qquad
# \frac{\partial \ell}{\partial \beta} = \sum_i \frac{\partial \ell}{\partial y_i}
# \end{aligned}
# $$
#
# Let's code these lines exactly as written:

# %%
g = rng.standard_normal(xb.shape)                  # dl/dy from upstream
s = 1.0 / np.sqrt(view(var) + eps)
dxhat = g * view(gamma)
dvar = (dxhat * (xb - view(mu)) * -0.5 * s ** 3).sum(axis=axes)
dmu = (dxhat * -s).sum(axis=axes) + dvar * (-2 * (xb - view(mu))).sum(axis=axes) / m
dx_paper = dxhat * s + view(dvar) * 2 * (xb - view(mu)) / m + view(dmu) / m
dgamma = (g * xhat).sum(axis=axes)
dbeta = g.sum(axis=axes)

# %% [markdown]
# The second term of $\partial\ell/\partial\mu_{\mathcal B}$ vanishes
# ($\sum_i (x_i - \mu_{\mathcal B}) = 0$). Writing $s = (\sigma^2_{\mathcal B}+\epsilon)^{-1/2}$
# and using $(x_i - \mu_{\mathcal B})\,s = \hat x_i$, the rest collapses to one line,
# the form `minidl/ops/norm.py` computes:
#
# $$
# \frac{\partial \ell}{\partial x_i}
# = \frac{s}{m}\Big( m\,\frac{\partial \ell}{\partial \hat x_i}
#   - \sum_j \frac{\partial \ell}{\partial \hat x_j}
#   - \hat x_i \sum_j \frac{\partial \ell}{\partial \hat x_j}\,\hat x_j \Big).
# $$
#
# (minidl computes the two sums in one fused pass over the data,
# `kernels.channel_sum_dot`, and the final combination in another.)
# It says the input gradient is the upstream gradient with its mean and its
# component along $\hat x$ removed (per channel), then rescaled: so per channel
# $\sum_i \partial\ell/\partial x_i = 0$ and $\sum_i \hat x_i\,\partial\ell/\partial x_i = 0$.

# %%
dx_compact = s / m * (m * dxhat - view(dxhat.sum(axis=axes)) - xhat * view((dxhat * xhat).sum(axis=axes)))

tx, tg, tb = (mdl.tensor(a, requires_grad=True) for a in (xb, gamma, beta))
F.batch_norm(tx, None, None, tg, tb, training=True).backward(g)

print("|paper - compact|  =", np.abs(dx_paper - dx_compact).max())
print("|paper - autograd| =", np.abs(dx_paper - tx.grad.numpy()).max())
print("|dgamma|, |dbeta| differences:", np.abs(dgamma - tg.grad.numpy()).max(),
      np.abs(dbeta - tb.grad.numpy()).max())
print("per-channel sum of dx:     ", dx_compact.sum(axis=axes))
print("per-channel sum of dx*xhat:", (dx_compact * xhat).sum(axis=axes))

# %%
xs = mdl.tensor(rng.standard_normal((4, 3, 2, 2)), requires_grad=True)
ws = mdl.tensor(rng.standard_normal(3), requires_grad=True)
bs = mdl.tensor(rng.standard_normal(3), requires_grad=True)
print("gradcheck (N, C, H, W):", mdl.gradcheck(lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
                                              (xs, ws, bs)))
x2 = mdl.tensor(rng.standard_normal((6, 4)), requires_grad=True)
print("gradcheck (N, C):      ", mdl.gradcheck(lambda a: F.batch_norm(a, None, None, training=True), (x2,)))

# %% [markdown]
# ## 5. Running statistics and eval mode
#
# At test time a prediction should not depend on which other images share its
# batch, so the layer keeps running estimates of each channel's mean and variance
# and uses them in eval mode. minidl follows PyTorch: after each training batch
#
# $$\text{running} \leftarrow (1 - \text{momentum})\cdot\text{running} + \text{momentum}\cdot\text{batch statistic},$$
#
# with momentum 0.1 and the **unbiased** batch variance
# $\sigma^2_{\mathcal B} \cdot m/(m-1)$ (the estimate of Algorithm 2 in the paper),
# while the normalisation itself uses the biased $\sigma^2_{\mathcal B}$.

# %%
bn = nn.BatchNorm2d(3).double()
print("initial:", bn.running_mean.numpy(), bn.running_var.numpy())
bn.train()
bn(mdl.tensor(xb))
print("after one batch:   ", bn.running_mean.numpy(), bn.running_var.numpy())
print("by the formula:    ", 0.1 * mu, 0.9 * 1.0 + 0.1 * var * m / (m - 1))

# %% [markdown]
# Fed many batches from one distribution (here channel means 2, -1, 0.5 and
# standard deviations 3, 1, 0.2), the running estimates converge to its
# statistics:

# %%
true_mean, true_std = np.array([2.0, -1.0, 0.5]), np.array([3.0, 1.0, 0.2])
for _step in range(60):
    batch = rng.standard_normal((16, 3, 4, 4)) * view(true_std) + view(true_mean)
    bn(mdl.tensor(batch))
print("running mean:", bn.running_mean.numpy(), " true:", true_mean)
print("running std: ", np.sqrt(bn.running_var.numpy()), " true:", true_std)
print("batches tracked:", int(bn.num_batches_tracked.item()))

# %% [markdown]
# In training mode a sample's output depends on its batch-mates; in eval mode it
# does not, and the layer becomes a fixed per-channel affine map
# $y = \gamma\,(x - \hat\mu)/\sqrt{\hat\sigma^2 + \epsilon} + \beta$ whose gradient is
# simply $\gamma/\sqrt{\hat\sigma^2 + \epsilon}$: the statistics are constants.

# %%
batch = rng.standard_normal((8, 3, 4, 4)) * view(true_std) + view(true_mean)
first4, all8 = mdl.tensor(batch[:4]), mdl.tensor(batch)
bn.train()
print("train mode, same image, different batch:", np.abs(bn(first4).numpy()[0] - bn(all8).numpy()[0]).max())
bn.eval()
print("eval mode,  same image, different batch:", np.abs(bn(first4).numpy()[0] - bn(all8).numpy()[0]).max())

rm, rv = bn.running_mean, bn.running_var
xe = mdl.tensor(batch[:2, :, :2, :2].copy(), requires_grad=True)
print("gradcheck in eval mode:", mdl.gradcheck(lambda a: F.batch_norm(a, rm, rv, training=False), (xe,)))
xe.zero_grad()                     # gradcheck leaves its own backward's result in .grad
F.batch_norm(xe, rm, rv, training=False).sum().backward()
print("d sum(y)/dx per channel:", xe.grad.numpy()[0, :, 0, 0],
      " 1/sqrt(running_var + eps):", 1 / np.sqrt(rv.numpy() + eps))

# %% [markdown]
# **Summary.** Max-pool backward is a scatter of $dy$ to the saved argmax
# positions; average-pool backward spreads $dy/D_k$ over each window; batch-norm
# backward removes the mean and the $\hat x$-component of the upstream gradient
# per channel, and in eval mode reduces to a per-channel scale. Notebook 04
# trains a network built from all of these.
