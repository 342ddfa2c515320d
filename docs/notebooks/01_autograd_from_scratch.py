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
# # 01 · Autograd from scratch
#
# Reverse-mode automatic differentiation ("backprop") is the chain rule applied
# to a recorded graph of elementary operations, walked from the output back to
# the inputs. In this notebook we take one small scalar function and compute its
# gradient three ways:
#
# 1. **by hand**, writing the chain rule out node by node;
# 2. **with minidl** (`Tensor.backward`), and we look inside the graph walk it does;
# 3. **numerically**, with finite differences and `minidl.gradcheck`.
#
# Along the way we meet the two rules that every autograd engine implements:
# *visit nodes in reverse topological order*, and *a value used more than once
# receives the sum of the gradients from each use*.

# %%
import math

import numpy as np

import minidl as mdl

np.set_printoptions(precision=6, suppress=True)

# %% [markdown]
# ## 1. A small graph
#
# $$f(x, y) = (x\,y + e^{x}) \cdot \ln y$$
#
# broken into primitive operations, each with its *local* derivatives:
#
# | node | operation | local derivatives |
# |---|---|---|
# | $u$ | $x \cdot y$ | $\partial u/\partial x = y,\ \partial u/\partial y = x$ |
# | $v$ | $e^{x}$ | $\partial v/\partial x = e^{x}$ |
# | $w$ | $u + v$ | $\partial w/\partial u = 1,\ \partial w/\partial v = 1$ |
# | $z$ | $\ln y$ | $\partial z/\partial y = 1/y$ |
# | $f$ | $w \cdot z$ | $\partial f/\partial w = z,\ \partial f/\partial z = w$ |
#
# Note that $x$ feeds two nodes ($u$ and $v$), and so does $y$ ($u$ and $z$).
# The forward pass just evaluates the table top to bottom:

# %%
x, y = 1.5, 2.0
u = x * y
v = math.exp(x)
w = u + v
z = math.log(y)
f = w * z
print(f"u={u:.6f}  v={v:.6f}  w={w:.6f}  z={z:.6f}  f={f:.6f}")

# %% [markdown]
# ## 2. Backward by hand
#
# Write $\bar a = \partial f / \partial a$ (the *adjoint* of $a$). We start from
# $\bar f = 1$ and go through the table **bottom to top**; each node multiplies its
# own adjoint by its local derivatives and hands the products to its inputs. When
# a value has several consumers, the multivariable chain rule adds the
# contributions of every path:
#
# $$
# \begin{aligned}
# \bar w &= \bar f \cdot z, & \bar z &= \bar f \cdot w,\\
# \bar u &= \bar w \cdot 1, & \bar v &= \bar w \cdot 1,\\
# \bar x &= \underbrace{\bar u \cdot y}_{\text{via } u} + \underbrace{\bar v \cdot e^{x}}_{\text{via } v}, &
# \bar y &= \underbrace{\bar u \cdot x}_{\text{via } u} + \underbrace{\bar z / y}_{\text{via } z}.
# \end{aligned}
# $$
#
# Collapsing the steps gives the closed forms
# $\partial f/\partial x = \ln y\,(y + e^{x})$ and
# $\partial f/\partial y = x \ln y + (x y + e^{x})/y$, which we use as a check.

# %%
f_bar = 1.0
w_bar, z_bar = f_bar * z, f_bar * w
u_bar, v_bar = w_bar, w_bar
x_bar = u_bar * y + v_bar * math.exp(x)      # two paths into x
y_bar = u_bar * x + z_bar / y                # two paths into y

print(f"by hand:     df/dx = {x_bar:.12f}   df/dy = {y_bar:.12f}")
print(f"closed form: df/dx = {math.log(y) * (y + math.exp(x)):.12f}   "
      f"df/dy = {x * math.log(y) + (x * y + math.exp(x)) / y:.12f}")

# %% [markdown]
# ## 3. The same graph in minidl
#
# Every operator on a `Tensor` calls a `Function` from `minidl/ops/`
# (`Mul`, `Exp`, `Add`, `Log` here). `Function.apply` computes on the raw NumPy
# arrays and, when an input requires a gradient, stores itself as the output's
# `creator` together with its `inputs`: that *is* the recorded graph. We use
# float64 so the comparison with the hand computation is exact to ~1e-15.

# %%
X = mdl.tensor(x, dtype="float64", requires_grad=True)
Y = mdl.tensor(y, dtype="float64", requires_grad=True)
U = X * Y
V = X.exp()
W = U + V
Z = Y.log()
Out = W * Z

for name, t in [("x", X), ("y", Y), ("u", U), ("v", V), ("w", W), ("z", Z), ("f", Out)]:
    made_by = type(t.creator).__name__ if t.creator is not None else "leaf"
    print(f"{name} = {t.item():.6f}   creator: {made_by}")


# %% [markdown]
# ## 4. The graph walk
#
# A node's adjoint is complete only once **every** consumer has sent its share,
# so backward must visit a node after all the nodes that use it: a reverse
# *topological order* of the graph. A depth-first search that appends a
# function after all the functions feeding it yields a topological order; read
# backwards, it is the order backward needs.
#
# Below is that search written recursively on the public pieces (`t.creator`,
# `fn.inputs`). minidl's own `autograd._topological_order` does the same with an
# explicit stack, so a 10,000-layer graph cannot hit Python's recursion limit.

# %%
def topological_order(root_fn):
    order, seen = [], set()
    def visit(fn):
        if id(fn) in seen:
            return
        seen.add(id(fn))
        for t in fn.inputs:
            if t is not None and t.creator is not None:
                visit(t.creator)
        order.append(fn)          # after everything that feeds it
    visit(root_fn)
    return order

names = {id(t.creator): n for n, t in [("u", U), ("v", V), ("w", W), ("z", Z), ("f", Out)]}
order = topological_order(Out.creator)
print("topological order:", [names[id(fn)] for fn in order])
print("backward visits:  ", [names[id(fn)] for fn in reversed(order)])

from minidl.autograd import _topological_order  # the engine's iterative version

print("engine's order:   ", [names[id(fn)] for fn in _topological_order(Out.creator)])

# %% [markdown]
# Now the walk itself, a condensed copy of `minidl.autograd.backward`: a
# dictionary `pending` collects the incoming gradient of each function's output;
# each function's `backward(g)` returns one gradient per input (its local
# derivative times `g`); gradients for leaves are **added** into their total.
# The trace shows $x$ and $y$ each receiving two contributions.
#
# (The engine's order above differs from ours: a graph usually has many
# topological orders, and any of them works, since each only promises that
# $u$ and $v$ come before $w$, and $w$ and $z$ before $f$.)

# %%
leaf_name = {id(X): "x", id(Y): "y"}
pending = {id(Out.creator): np.ones((), dtype=np.float64)}   # df/df = 1
leaf_grad = {}
for fn in reversed(order):
    g = pending.pop(id(fn))
    grads = fn.backward(g)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for t, gi in zip(fn.inputs, grads):
        if t.creator is None:                              # a leaf: accumulate
            n = leaf_name[id(t)]
            leaf_grad[n] = leaf_grad.get(n, 0.0) + gi
            print(f"{names[id(fn)]} -> leaf {n}: += {float(gi):.6f}")
        else:                                              # an inner node: sum pending
            key = id(t.creator)
            pending[key] = pending.get(key, 0.0) + gi
            print(f"{names[id(fn)]} -> {names[key]}: {float(gi):.6f}")
print({k: round(float(v), 12) for k, v in leaf_grad.items()})

# %% [markdown]
# The real thing is one call. `backward()` also frees the arrays each function
# saved for its backward pass (pass `retain_graph=True` to keep them).

# %%
Out.backward()
print(f"minidl:  df/dx = {X.grad.item():.12f}   df/dy = {Y.grad.item():.12f}")
print(f"by hand: df/dx = {x_bar:.12f}   df/dy = {y_bar:.12f}")
assert abs(X.grad.item() - x_bar) < 1e-12 and abs(Y.grad.item() - y_bar) < 1e-12

# %% [markdown]
# ## 5. Accumulation: used twice, called twice, broadcast
#
# **Used twice in one graph.** For $g(a) = a \cdot a + a$ the adjoint of $a$ is the
# sum over its three uses: $a + a + 1 = 2a + 1$.
#
# **Called twice.** Like PyTorch, `.grad` *accumulates* across `backward()`
# calls; this is what lets a training loop sum gradients over several
# mini-batches, and why optimisers call `zero_grad()` before each step.
# A graph can be walked once: the second walk finds its saved arrays freed.

# %%
a = mdl.tensor(3.0, dtype="float64", requires_grad=True)
g = a * a + a
g.backward()
print("after one backward: ", a.grad.item(), "(2a + 1 =", 2 * 3.0 + 1, ")")

(a * a + a).backward()            # a second graph, same leaf
print("after two backwards:", a.grad.item())
a.zero_grad()
print("after zero_grad:    ", a.grad)

try:
    g.backward()                  # the first graph was freed
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# **Intermediate adjoints.** Only leaves keep `.grad` by default; `retain_grad()`
# asks the engine to store an inner node's adjoint too. Here $\bar w = z = \ln y$.
#
# **Broadcasting.** Adding a bias `b` of shape `(3,)` to a `(2, 3)` matrix uses
# each `b[j]` twice (once per row), so its gradient is summed over the broadcast
# axis. The engine does this for every op in `autograd.unbroadcast`.

# %%
X2 = mdl.tensor(x, dtype="float64", requires_grad=True)
Y2 = mdl.tensor(y, dtype="float64", requires_grad=True)
W2 = X2 * Y2 + X2.exp()
W2.retain_grad()
(W2 * Y2.log()).backward()
print("w_bar =", W2.grad.item(), "  ln y =", math.log(y))

b = mdl.tensor([0.0, 0.0, 0.0], dtype="float64", requires_grad=True)
M = mdl.tensor(np.arange(6.0).reshape(2, 3))
(M + b).sum().backward()
print("grad of the broadcast bias:", b.grad.numpy())


# %% [markdown]
# ## 6. Finite differences
#
# The central difference
#
# $$\frac{f(x+h) - f(x-h)}{2h} = f'(x) + \frac{h^{2}}{6} f'''(x) + O(h^{4})$$
#
# has a *truncation* error that shrinks like $h^2$, but subtracting two nearly
# equal numbers also costs a *rounding* error of about
# $\varepsilon_{\text{mach}} |f| / h$. The total is smallest near
# $h \approx \varepsilon_{\text{mach}}^{1/3}$: about $10^{-5}$ in float64
# ($\varepsilon \approx 2.2\times10^{-16}$), where the error is around $10^{-10}$.

# %%
def f_py(x, y):
    return (x * y + math.exp(x)) * math.log(y)

print(f"{'h':>8} | {'error of df/dx':>14}")
for h in [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10, 1e-12]:
    numeric = (f_py(x + h, y) - f_py(x - h, y)) / (2 * h)
    print(f"{h:8.0e} | {abs(numeric - x_bar):14.3e}")

# %% [markdown]
# In float32 ($\varepsilon \approx 1.2\times10^{-7}$) the best achievable error
# is only around $10^{-5}$ relative, too coarse to tell a subtly wrong
# gradient from a right one. That is why gradient checks run in **float64**.
#
# ## 7. `minidl.gradcheck`
#
# `mdl.gradcheck(fn, inputs)` does the finite-difference comparison for every
# element of every input that requires a gradient. A non-scalar output is first
# projected on a fixed random vector $v$, so one backward pass gives
# $v^\top J$, compared with the central difference of $\langle v, f\rangle$. It
# returns `True` or raises `GradcheckError` naming the worst element.

# %%
Xc = mdl.tensor(x, dtype="float64", requires_grad=True)
Yc = mdl.tensor(y, dtype="float64", requires_grad=True)
print(mdl.gradcheck(lambda a, b: (a * b + a.exp()) * b.log(), (Xc, Yc)))

# a vector-valued function of a (3, 4) matrix: every element is perturbed
A = mdl.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
print(mdl.gradcheck(lambda t: (t * t).exp() / (1 + t.abs()), (A,)))

# %% [markdown]
# Finally the reason gradient checks exist: a custom `Function` with a
# plausible-looking but wrong backward. `Square.backward` below forgets the factor
# 2 of $\frac{d}{da}a^2 = 2a$; `gradcheck` catches it and says where.

# %%
from minidl.autograd import Function


class Square(Function):
    def forward(self, a):
        self.a = a                    # saved for backward
        return a * a
    def backward(self, g):
        return g * self.a             # bug: should be g * 2 * self.a

class SquareFixed(Square):
    def backward(self, g):
        return g * 2 * self.a

t = mdl.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
try:
    mdl.gradcheck(lambda a: Square.apply(a), (t,))
except mdl.GradcheckError as err:
    print("caught:", err)
print("fixed:", mdl.gradcheck(lambda a: SquareFixed.apply(a), (t,)))

# %% [markdown]
# **Where next.** Every op in `minidl/ops/` is a `Function` like `Square`, with
# its local derivative written next to its forward pass, and each has a float64
# `gradcheck` test in `tests/test_ops_grad.py`. Notebook 02 applies the same
# recipe to convolution.
