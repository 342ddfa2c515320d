# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · Higher-order gradients: differentiating the backward pass
#
# Notebook 01 computed first derivatives: a backward pass walks the graph and
# multiplies local derivatives. That backward pass is itself a computation
# built from multiplications and additions, so it can be recorded and
# differentiated again. This is **double backprop**, and it gives:
#
# * second derivatives and **Hessian-vector products** $Hv$ without ever forming $H$,
# * **gradient penalties**, where a loss contains a gradient (WGAN-GP, input-gradient regularisation),
# * **Newton's method**, which needs curvature.
#
# In minidl (as in PyTorch) you ask for it with `create_graph=True`:
# `loss.backward(create_graph=True)` or `minidl.autograd.grad(..., create_graph=True)`.
# We check every result against finite differences, as notebook 01 did for first derivatives,
# and end by writing a custom `Function` that supports all of this.

# %%
import numpy as np

import minidl as mdl
import minidl.nn.functional as F
from minidl.autograd import grad

np.set_printoptions(precision=6, suppress=True)
f64 = mdl.float64

# %% [markdown]
# ## 1. A second derivative, by hand and by double backprop
#
# Take $f(x) = x^3 + 2x^2$, so $f'(x) = 3x^2 + 4x$,
# $f''(x) = 6x + 4$ and $f'''(x) = 6$. With `create_graph=True` the first gradient is an
# ordinary Tensor with a `grad_fn`, so we can call `grad` on it again.

# %%
x = mdl.tensor(1.5, dtype=f64, requires_grad=True)
f = x ** 3 + 2 * x ** 2
df, = grad(f, x, create_graph=True)
d2f, = grad(df, x, create_graph=True)
d3f, = grad(d2f, x)
print("f'  =", float(df), " expected", 3 * 1.5 ** 2 + 4 * 1.5)
print("f'' =", float(d2f), " expected", 6 * 1.5 + 4)
print("f'''=", float(d3f), " expected", 6.0)

# %% [markdown]
# The first derivative carries a graph: it was computed by the backward pass's own
# operations, which `create_graph=True` recorded. Walking `grad_fn.next_functions` (as in
# notebook 01) shows what the backward pass did: for each term, the incoming gradient was
# multiplied by the local derivative $c\,x^{c-1}$ (itself a `PowScalar` of $x$, so its
# dependence on $x$ is recorded too), and the two branches were added.

# %%
def show(fn, depth=0, seen=None):
    seen = set() if seen is None else seen
    print("  " * depth + fn.name())
    if id(fn) in seen:
        return
    seen.add(id(fn))
    for nxt, _ in fn.next_functions:
        if nxt is not None:
            show(nxt, depth + 1, seen)

show(df.grad_fn)

# %% [markdown]
# ## 2. Hessian-vector products by double backprop
#
# For $f:\mathbb{R}^n\to\mathbb{R}$ with gradient $g(x)$ and Hessian $H(x)$,
# $$Hv = \nabla_x\,\big(g(x)\cdot v\big),$$
# because $\partial_i \sum_j g_j v_j = \sum_j H_{ij} v_j$. So one backward pass with
# `create_graph=True` gives $g$, and a second backward pass of the scalar $g\cdot v$
# gives $Hv$: about the cost of two gradients, without the $n\times n$ matrix.
#
# Our function: a small two-layer network's loss as a function of its input,
# $f(x) = \sum_k \tanh(W_2\tanh(W_1x))_k^2$.

# %%
rng = np.random.default_rng(0)
W1 = mdl.tensor(rng.standard_normal((6, 4)) / 2, dtype=f64)
W2 = mdl.tensor(rng.standard_normal((3, 6)) / 2, dtype=f64)

def f(x):
    h = (W1 @ x).tanh()
    return ((W2 @ h).tanh() ** 2).sum()

def gradient(x, create_graph=False):
    g, = grad(f(x), x, create_graph=create_graph)
    return g

x0 = rng.standard_normal(4)
v = rng.standard_normal(4)
x = mdl.tensor(x0, dtype=f64, requires_grad=True)
g = gradient(x, create_graph=True)
Hv, = grad((g * mdl.tensor(v)).sum(), x)
print("Hv by double backprop:", Hv.numpy())

# %% [markdown]
# The check: $Hv$ is the directional derivative of the gradient along $v$,
# $$Hv \approx \frac{g(x+\epsilon v) - g(x-\epsilon v)}{2\epsilon}.$$

# %%
eps = 1e-6
g_plus = gradient(mdl.tensor(x0 + eps * v, dtype=f64, requires_grad=True)).numpy()
g_minus = gradient(mdl.tensor(x0 - eps * v, dtype=f64, requires_grad=True)).numpy()
Hv_fd = (g_plus - g_minus) / (2 * eps)
print("Hv by finite diffs:   ", Hv_fd)
print("max abs difference:   ", np.abs(Hv.numpy() - Hv_fd).max())
assert np.allclose(Hv.numpy(), Hv_fd, rtol=1e-6, atol=1e-8)

# %% [markdown]
# With $v$ running over the unit vectors, the same two passes build the full Hessian
# column by column; it must come out symmetric.

# %%
def hessian(fun, x0):
    x = mdl.tensor(x0, dtype=f64, requires_grad=True)
    g, = grad(fun(x), x, create_graph=True)
    cols = []
    for i in range(len(x0)):
        e = np.zeros(len(x0))
        e[i] = 1.0
        col, = grad(g, x, grad_outputs=mdl.tensor(e), retain_graph=True)
        cols.append(col.numpy())
    return np.stack(cols, axis=1)

H = hessian(f, x0)
print(H)
print("symmetric:", np.allclose(H, H.T), "  H @ v matches:", np.allclose(H @ v, Hv.numpy()))

# %% [markdown]
# ## 3. A gradient penalty
#
# WGAN-GP (Gulrajani et al. 2017) trains a critic $D$ with the penalty
# $$P(\theta) = \big(\lVert\nabla_x D_\theta(x)\rVert_2 - 1\big)^2,$$
# which keeps $D$ roughly 1-Lipschitz. The penalty contains a gradient with respect to
# the **input**; training needs its gradient with respect to the **weights** $\theta$:
# a second derivative, mixed in $x$ and $\theta$. Double backprop gives it: compute
# $\nabla_x D$ with `create_graph=True`, build $P$ from it, call `backward()`.

# %%
critic_w1 = mdl.tensor(rng.standard_normal((8, 5)) / 2, dtype=f64, requires_grad=True)
critic_w2 = mdl.tensor(rng.standard_normal((1, 8)) / 2, dtype=f64, requires_grad=True)
points = mdl.tensor(rng.standard_normal((16, 5)), dtype=f64, requires_grad=True)

def penalty(w1, w2):
    d = F.linear(F.linear(points, w1).tanh(), w2).sum()          # sum of D over the batch
    gx, = grad(d, points, create_graph=True)                     # (16, 5): one gradient per point
    norms = ((gx * gx).sum(axis=1) + 1e-12).sqrt()
    return ((norms - 1) ** 2).mean()

P = penalty(critic_w1, critic_w2)
P.backward()
print("penalty:", float(P))
print("dP/dw2:", critic_w2.grad.numpy())

# %% [markdown]
# Check one direction in weight space by finite differences:

# %%
d1, d2 = rng.standard_normal(critic_w1.shape), rng.standard_normal(critic_w2.shape)
def penalty_at(step):
    return float(penalty(mdl.tensor(critic_w1.numpy() + step * d1, requires_grad=True),
                         mdl.tensor(critic_w2.numpy() + step * d2, requires_grad=True)))
analytic = (critic_w1.grad.numpy() * d1).sum() + (critic_w2.grad.numpy() * d2).sum()
numeric = (penalty_at(eps) - penalty_at(-eps)) / (2 * eps)
print(f"analytic {analytic:.10f}   numeric {numeric:.10f}")
assert abs(analytic - numeric) < 1e-6 * max(1.0, abs(numeric))

# %% [markdown]
# And a few gradient steps on the weights drive the penalty down:

# %%
for step in range(60):
    critic_w1.grad = critic_w2.grad = None
    P = penalty(critic_w1, critic_w2)
    P.backward()
    with mdl.no_grad():
        critic_w1.data -= 0.2 * critic_w1.grad.data
        critic_w2.data -= 0.2 * critic_w2.grad.data
    if step % 15 == 0:
        print(f"step {step:2d}  penalty {float(P):.6f}")
print(f"final    penalty {float(penalty(critic_w1, critic_w2)):.6f}")

# %% [markdown]
# ## 4. Newton's method
#
# Newton's method minimises $f$ by solving $H\,\Delta = -g$ at every step and moving to
# $x + \Delta$. Near a minimum it converges **quadratically** (the number of correct digits
# roughly doubles per step), where gradient descent converges linearly. We minimise
# Rosenbrock's function $f(a, b) = (1-a)^2 + 100(b - a^2)^2$, minimum at $(1, 1)$, with
# the gradient and the Hessian both from autograd.

# %%
def rosenbrock(p):
    a, b = p[0], p[1]
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2

p = np.array([-1.2, 1.0])
for it in range(8):
    t = mdl.tensor(p, dtype=f64, requires_grad=True)
    g, = grad(rosenbrock(t), t)
    H = hessian(rosenbrock, p)
    p = p - np.linalg.solve(H, g.numpy())
    print(f"iteration {it}: x = {p}, distance to (1, 1) = {np.linalg.norm(p - 1):.3e}")

# %% [markdown]
# The Hessian of Rosenbrock's function is easy to write by hand,
# $H = \begin{pmatrix} 2 - 400(b - 3a^2) & -400a \\ -400a & 200 \end{pmatrix}$;
# it matches the one from double backprop:

# %%
a, b = -1.2, 1.0
H_hand = np.array([[2 - 400 * (b - 3 * a * a), -400 * a], [-400 * a, 200.0]])
print(hessian(rosenbrock, np.array([a, b])))
assert np.allclose(hessian(rosenbrock, np.array([a, b])), H_hand)

# %% [markdown]
# ## 5. A custom Function that can be differentiated twice
#
# A custom op follows PyTorch: subclass `minidl.autograd.Function`, write `forward` and
# `backward` as static methods taking `ctx`, save what backward needs with
# `ctx.save_for_backward`, and call `.apply`. If `backward` is written with Tensor
# operations, `create_graph=True` records it like anything else, so the Function has
# second (and third...) derivatives for free.
#
# Softplus, $s(x) = \log(1 + e^x)$, computed stably as $\max(x, 0) + \log(1 + e^{-|x|})$,
# has $s'(x) = \sigma(x)$.

# %%
class Softplus(mdl.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return F.relu(x) + (1 + (-x.abs()).exp()).log()

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * x.sigmoid()          # Tensor ops: differentiable again

x = mdl.tensor([-3.0, -0.5, 0.0, 0.7, 4.0], dtype=f64, requires_grad=True)
y = Softplus.apply(x)
print("grad_fn:", y.grad_fn, "  name:", y.grad_fn.name())
d1, = grad(y.sum(), x, create_graph=True)
d2, = grad(d1.sum(), x)
sig = 1 / (1 + np.exp(-x.numpy()))
print("s'  =", d1.numpy(), "  sigma(x)        =", sig)
print("s'' =", d2.numpy(), "  sigma(1 - sigma) =", sig * (1 - sig))
print("gradcheck:", mdl.autograd.gradcheck(Softplus.apply, (x,)),
      " gradgradcheck:", mdl.autograd.gradgradcheck(Softplus.apply, (x,)))

# %% [markdown]
# A `backward` that leaves the graph (NumPy inside) still gives correct first derivatives,
# but its result cannot be differentiated again. minidl does not silently treat it as a
# constant, which would give a wrong second derivative; it raises, naming the Function:

# %%
class NumpySoftplus(Softplus):
    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return mdl.tensor(grad_output.numpy() / (1 + np.exp(-x.numpy())))

d1, = grad(NumpySoftplus.apply(x).sum(), x, create_graph=True)
print("first derivative still right:", np.allclose(d1.numpy(), sig))
try:
    grad(d1.sum(), x)
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# **Where next.** Every op in `minidl/ops` has such a differentiable backward
# (`backward_graph`), checked in float64 by `minidl.autograd.gradgradcheck` in
# `tests/test_autograd_higher_order.py`; `docs/architecture.md` explains why minidl keeps a
# separate fast backward for training steps, and how an op author adds double-backward
# support.
