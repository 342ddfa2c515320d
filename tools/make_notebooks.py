"""Write the teaching notebooks in ``docs/notebooks/`` from the cell sources below.

The notebooks are generated, not edited by hand: change the text here and run

    .venv/bin/python tools/make_notebooks.py            # rewrite docs/notebooks/*.ipynb
    .venv/bin/python tools/make_notebooks.py --check    # exit 1 if a notebook is stale

The written files carry no outputs (``outputs: []``, ``execution_count: null``)
and stable cell ids, so regenerating gives byte-identical files and git diffs
show only real edits. ``tests/test_notebooks.py`` executes every notebook.

Each ``nb0X()`` function returns a list of cells: ``md(text)`` for Markdown,
``code(text)`` for Python. Keep code cells short and quick: the whole set runs
in the test suite.
"""
from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "docs" / "notebooks"


def md(text):
    return ("markdown", textwrap.dedent(text).strip("\n"))


def code(text):
    return ("code", textwrap.dedent(text).strip("\n"))


# A cell that finds the repository checkout (for ../shared/data) from the
# notebook's own folder (Jupyter's and the test's working directory) or, failing
# that, from where minidl is installed; never an absolute path.
FIND_REPO = '''
from pathlib import Path
import minidl as mdl

def find_repo():
    """The checkout holding this notebook (docs/notebooks/ -> repo root), or None."""
    starts = [Path.cwd().resolve(), Path(mdl.__file__).resolve().parent]
    for start in starts:
        for p in (start, *start.parents):
            if (p / "setup.cfg").is_file() and (p / "minidl" / "__init__.py").is_file():
                return p
    return None

REPO = find_repo()
SHARED_DATA = REPO.parent / "shared" / "data" if REPO is not None else None
print("repository:", REPO.name if REPO else None, "| shared data present:",
      bool(SHARED_DATA and SHARED_DATA.is_dir()))
'''


# --------------------------------------------------------------------------------------------
# 01 autograd from scratch
# --------------------------------------------------------------------------------------------

def nb01():
    return [
        md(r"""
        # 01 · Autograd from scratch

        Reverse-mode automatic differentiation ("backprop") is the chain rule applied
        to a recorded graph of elementary operations, walked from the output back to
        the inputs. In this notebook we take one small scalar function and compute its
        gradient three ways:

        1. **by hand**, writing the chain rule out node by node;
        2. **with minidl** (`Tensor.backward`), and we look inside the graph walk it does;
        3. **numerically**, with finite differences and `minidl.gradcheck`.

        Along the way we meet the two rules that every autograd engine implements:
        *visit nodes in reverse topological order*, and *a value used more than once
        receives the sum of the gradients from each use*.
        """),
        code("""
        import math
        import numpy as np
        import minidl as mdl

        np.set_printoptions(precision=6, suppress=True)
        """),
        md(r"""
        ## 1. A small graph

        $$f(x, y) = (x\,y + e^{x}) \cdot \ln y$$

        broken into primitive operations, each with its *local* derivatives:

        | node | operation | local derivatives |
        |---|---|---|
        | $u$ | $x \cdot y$ | $\partial u/\partial x = y,\ \partial u/\partial y = x$ |
        | $v$ | $e^{x}$ | $\partial v/\partial x = e^{x}$ |
        | $w$ | $u + v$ | $\partial w/\partial u = 1,\ \partial w/\partial v = 1$ |
        | $z$ | $\ln y$ | $\partial z/\partial y = 1/y$ |
        | $f$ | $w \cdot z$ | $\partial f/\partial w = z,\ \partial f/\partial z = w$ |

        Note that $x$ feeds two nodes ($u$ and $v$), and so does $y$ ($u$ and $z$).
        The forward pass just evaluates the table top to bottom:
        """),
        code("""
        x, y = 1.5, 2.0
        u = x * y
        v = math.exp(x)
        w = u + v
        z = math.log(y)
        f = w * z
        print(f"u={u:.6f}  v={v:.6f}  w={w:.6f}  z={z:.6f}  f={f:.6f}")
        """),
        md(r"""
        ## 2. Backward by hand

        Write $\bar a = \partial f / \partial a$ (the *adjoint* of $a$). We start from
        $\bar f = 1$ and go through the table **bottom to top**; each node multiplies its
        own adjoint by its local derivatives and hands the products to its inputs. When
        a value has several consumers, the multivariable chain rule adds the
        contributions of every path:

        $$
        \begin{aligned}
        \bar w &= \bar f \cdot z, & \bar z &= \bar f \cdot w,\\
        \bar u &= \bar w \cdot 1, & \bar v &= \bar w \cdot 1,\\
        \bar x &= \underbrace{\bar u \cdot y}_{\text{via } u} + \underbrace{\bar v \cdot e^{x}}_{\text{via } v}, &
        \bar y &= \underbrace{\bar u \cdot x}_{\text{via } u} + \underbrace{\bar z / y}_{\text{via } z}.
        \end{aligned}
        $$

        Collapsing the steps gives the closed forms
        $\partial f/\partial x = \ln y\,(y + e^{x})$ and
        $\partial f/\partial y = x \ln y + (x y + e^{x})/y$, which we use as a check.
        """),
        code("""
        f_bar = 1.0
        w_bar, z_bar = f_bar * z, f_bar * w
        u_bar, v_bar = w_bar, w_bar
        x_bar = u_bar * y + v_bar * math.exp(x)      # two paths into x
        y_bar = u_bar * x + z_bar / y                # two paths into y

        print(f"by hand:     df/dx = {x_bar:.12f}   df/dy = {y_bar:.12f}")
        print(f"closed form: df/dx = {math.log(y) * (y + math.exp(x)):.12f}   "
              f"df/dy = {x * math.log(y) + (x * y + math.exp(x)) / y:.12f}")
        """),
        md(r"""
        ## 3. The same graph in minidl

        Every operator on a `Tensor` calls a `Function` from `minidl/ops/`
        (`Mul`, `Exp`, `Add`, `Log` here). `Function.apply` computes on the raw NumPy
        arrays and, when an input requires a gradient, stores itself as the output's
        `creator` together with its `inputs`: that *is* the recorded graph. We use
        float64 so the comparison with the hand computation is exact to ~1e-15.
        """),
        code("""
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
        """),
        md(r"""
        ## 4. The graph walk

        A node's adjoint is complete only once **every** consumer has sent its share,
        so backward must visit a node after all the nodes that use it: a reverse
        *topological order* of the graph. A depth-first search that appends a
        function after all the functions feeding it yields a topological order; read
        backwards, it is the order backward needs.

        Below is that search written recursively on the public pieces (`t.creator`,
        `fn.inputs`). minidl's own `autograd._topological_order` does the same with an
        explicit stack, so a 10,000-layer graph cannot hit Python's recursion limit.
        """),
        code("""
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

        from minidl.autograd import _topological_order   # the engine's iterative version
        print("engine's order:   ", [names[id(fn)] for fn in _topological_order(Out.creator)])
        """),
        md(r"""
        Now the walk itself, a condensed copy of `minidl.autograd.backward`: a
        dictionary `pending` collects the incoming gradient of each function's output;
        each function's `backward(g)` returns one gradient per input (its local
        derivative times `g`); gradients for leaves are **added** into their total.
        The trace shows $x$ and $y$ each receiving two contributions.

        (The engine's order above differs from ours: a graph usually has many
        topological orders, and any of them works, since each only promises that
        $u$ and $v$ come before $w$, and $w$ and $z$ before $f$.)
        """),
        code("""
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
        """),
        md(r"""
        The real thing is one call. `backward()` also frees the arrays each function
        saved for its backward pass (pass `retain_graph=True` to keep them).
        """),
        code("""
        Out.backward()
        print(f"minidl:  df/dx = {X.grad.item():.12f}   df/dy = {Y.grad.item():.12f}")
        print(f"by hand: df/dx = {x_bar:.12f}   df/dy = {y_bar:.12f}")
        assert abs(X.grad.item() - x_bar) < 1e-12 and abs(Y.grad.item() - y_bar) < 1e-12
        """),
        md(r"""
        ## 5. Accumulation: used twice, called twice, broadcast

        **Used twice in one graph.** For $g(a) = a \cdot a + a$ the adjoint of $a$ is the
        sum over its three uses: $a + a + 1 = 2a + 1$.

        **Called twice.** Like PyTorch, `.grad` *accumulates* across `backward()`
        calls; this is what lets a training loop sum gradients over several
        mini-batches, and why optimisers call `zero_grad()` before each step.
        A graph can be walked once: the second walk finds its saved arrays freed.
        """),
        code("""
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
        """),
        md(r"""
        **Intermediate adjoints.** Only leaves keep `.grad` by default; `retain_grad()`
        asks the engine to store an inner node's adjoint too. Here $\bar w = z = \ln y$.

        **Broadcasting.** Adding a bias `b` of shape `(3,)` to a `(2, 3)` matrix uses
        each `b[j]` twice (once per row), so its gradient is summed over the broadcast
        axis. The engine does this for every op in `autograd.unbroadcast`.
        """),
        code("""
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
        """),
        md(r"""
        ## 6. Finite differences

        The central difference

        $$\frac{f(x+h) - f(x-h)}{2h} = f'(x) + \frac{h^{2}}{6} f'''(x) + O(h^{4})$$

        has a *truncation* error that shrinks like $h^2$, but subtracting two nearly
        equal numbers also costs a *rounding* error of about
        $\varepsilon_{\text{mach}} |f| / h$. The total is smallest near
        $h \approx \varepsilon_{\text{mach}}^{1/3}$: about $10^{-5}$ in float64
        ($\varepsilon \approx 2.2\times10^{-16}$), where the error is around $10^{-10}$.
        """),
        code("""
        def f_py(x, y):
            return (x * y + math.exp(x)) * math.log(y)

        print(f"{'h':>8} | {'error of df/dx':>14}")
        for h in [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10, 1e-12]:
            numeric = (f_py(x + h, y) - f_py(x - h, y)) / (2 * h)
            print(f"{h:8.0e} | {abs(numeric - x_bar):14.3e}")
        """),
        md(r"""
        In float32 ($\varepsilon \approx 1.2\times10^{-7}$) the best achievable error
        is only around $10^{-5}$ relative, too coarse to tell a subtly wrong
        gradient from a right one. That is why gradient checks run in **float64**.

        ## 7. `minidl.gradcheck`

        `mdl.gradcheck(fn, inputs)` does the finite-difference comparison for every
        element of every input that requires a gradient. A non-scalar output is first
        projected on a fixed random vector $v$, so one backward pass gives
        $v^\top J$, compared with the central difference of $\langle v, f\rangle$. It
        returns `True` or raises `GradcheckError` naming the worst element.
        """),
        code("""
        Xc = mdl.tensor(x, dtype="float64", requires_grad=True)
        Yc = mdl.tensor(y, dtype="float64", requires_grad=True)
        print(mdl.gradcheck(lambda a, b: (a * b + a.exp()) * b.log(), (Xc, Yc)))

        # a vector-valued function of a (3, 4) matrix: every element is perturbed
        A = mdl.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
        print(mdl.gradcheck(lambda t: (t * t).exp() / (1 + t.abs()), (A,)))
        """),
        md(r"""
        Finally the reason gradient checks exist: a custom `Function` with a
        plausible-looking but wrong backward. `Square.backward` below forgets the factor
        2 of $\frac{d}{da}a^2 = 2a$; `gradcheck` catches it and says where.
        """),
        code("""
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
        """),
        md(r"""
        **Where next.** Every op in `minidl/ops/` is a `Function` like `Square`, with
        its local derivative written next to its forward pass, and each has a float64
        `gradcheck` test in `tests/test_ops_grad.py`. Notebook 02 applies the same
        recipe to convolution.
        """),
    ]


# --------------------------------------------------------------------------------------------
# 02 im2col convolution
# --------------------------------------------------------------------------------------------

def nb02():
    return [
        md(r"""
        # 02 · Convolution as one matrix product: im2col

        A convolution layer slides each of its $O$ filters (shape $C \times k_h \times k_w$)
        over the input and takes a dot product at every position. Written as loops that
        is six nested `for`s; written as linear algebra it is **one matrix product**,
        once the input has been unfolded into a *column matrix* (im2col). This notebook:

        1. pictures im2col on a tiny input;
        2. computes the forward pass as one GEMM and checks it against a direct loop;
        3. derives the backward pass (a weight-gradient GEMM, an input-gradient GEMM,
           then col2im), and checks it three ways.

        Shapes follow PyTorch: input $x$ is $(N, C, H, W)$, weight $w$ is
        $(O, C, k_h, k_w)$, output $(N, O, OH, OW)$ with
        $OH = \lfloor (H + 2p - d(k_h - 1) - 1)/s \rfloor + 1$ (stride $s$, padding $p$,
        dilation $d$), likewise $OW$.
        """),
        code("""
        import time
        import numpy as np
        import matplotlib.pyplot as plt
        import minidl as mdl
        import minidl.nn.functional as F
        from minidl import kernels

        np.set_printoptions(precision=4, suppress=True, linewidth=110)
        """),
        md(r"""
        ## 1. im2col on a 1×1×4×4 input

        With a 2×2 kernel, stride 1 and no padding, the output is 3×3: nine window
        positions. im2col copies each window, flattened, into one **row** of a matrix;
        the columns are the kernel taps. minidl's layout is
        `cols[(n*OH + oy)*OW + ox, (c*kh + i)*kw + j] = xpad[n, c, oy*s + i*d, ox*s + j*d]`:
        rows $(n, o_y, o_x)$, one per output pixel, and columns $(c, i, j)$, in the order
        of `w.reshape(O, C*kh*kw)`. Its shape is $(N \cdot OH \cdot OW,\ C k_h k_w) = (9, 4)$.
        (Many texts store the transpose, $(C k_h k_w,\ N \cdot OH \cdot OW)$, and call
        the windows "columns", hence the name.)
        """),
        code("""
        x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
        cols = kernels.im2col(x, (2, 2), 1, 0, 1)      # kernel, stride, padding, dilation
        print("x[0, 0] =\\n", x[0, 0])
        print("cols", cols.shape, "=\\n", cols)
        """),
        md(r"""
        Row 5 is output position $(o_y, o_x) = (1, 2)$: the window whose top-left
        pixel is `x[0, 0, 1, 2] = 6`, read row by row: $6, 7, 10, 11$. Column 0 holds
        the top-left tap of every window, so it reads the input's top-left 3×3 block:
        $0,1,2,4,5,6,8,9,10$.
        """),
        code("""
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
        a1.set_title("cols (N*OH*OW, C*kh*kw)\\nrow 5 = window (1, 2)", fontsize=10)
        for a in (a0, a1):
            a.set_xticks([]); a.set_yticks([])
        plt.tight_layout(); plt.show()
        """),
        md(r"""
        ## 2. The forward pass is one GEMM

        Reshape the weight to $W_2 = w$`.reshape(O, C*kh*kw)` (free: the weight is
        contiguous, and its $(c, i, j)$ order is the column order of cols). Then

        $$Y = \mathrm{cols} \cdot W_2^\top \qquad (N\,OH\,OW,\ O)$$

        holds, in row $p$, all $O$ outputs at output pixel $p$: a dot product of the
        window with each filter. Reshaping to $(N, OH, OW, O)$ and moving the channel
        axis second gives the usual NCHW output. Two filters on our tiny input: a
        diagonal difference and a 2×2 mean.
        """),
        code("""
        w = np.array([[[[1.0, 0.0], [0.0, -1.0]]],         # x[i, j] - x[i+1, j+1]
                      [[[0.25, 0.25], [0.25, 0.25]]]])     # window mean
        O = w.shape[0]
        Y = cols @ w.reshape(O, -1).T                      # (9, 4) @ (4, 2) -> (9, 2)
        y = Y.reshape(1, 3, 3, O).transpose(0, 3, 1, 2)   # (N, O, OH, OW)
        print(y[0])
        print("matches F.conv2d:", np.allclose(y, F.conv2d(mdl.tensor(x), mdl.tensor(w)).numpy()))
        """),
        md(r"""
        For the check we also need the obvious, slow definition: a loop over every
        output element, each a dot product of one window with one filter (cross-
        correlation, as in PyTorch: the kernel is not flipped).
        """),
        code("""
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
        """),
        md(r"""
        **Why this layout.** minidl keeps activations NCHW and builds
        $\mathrm{cols}$ as $(N\,OH\,OW,\ C k_h k_w)$:

        * the columns follow the PyTorch weight layout, so $W_2$ is a free reshape and
          one matrix serves all three products of the layer (forward, $dW$,
          $d\mathrm{cols}$);
        * with the output pixels as rows, every GEMM result is tall ($N \cdot P$ or
          $C k_h k_w$ rows, never just $O$), a shape OpenBLAS handles well: on the
          reference networks' layers the forward and column-gradient products ran
          1.5-3× faster with two threads than in the transposed layout
          $(C k_h k_w,\ N \cdot P)$ (`benchmarks/bench_gemm_layout.py` measures both).

        The price is one transposing copy of the GEMM output from $(N, P, O)$ to
        $(N, O, P)$, $P = OH \cdot OW$, which minidl fuses with the bias addition, and
        one of the output gradient in the backward pass.

        ## 3. The backward pass, derived

        Write $dA$ for $\partial L/\partial A$ and let $dY$ be the output gradient laid
        out like $Y$, i.e. $(N\,OH\,OW,\ O)$. From
        $Y[p,o] = \sum_r \mathrm{cols}[p,r]\,W_2[o,r]$:

        $$
        dW_2[o,r] = \sum_p dY[p,o]\,\mathrm{cols}[p,r] \;\Rightarrow\; dW_2 = dY^\top \mathrm{cols},
        \qquad
        d\mathrm{cols}[p,r] = \sum_o dY[p,o]\,W_2[o,r] \;\Rightarrow\; d\mathrm{cols} = dY\,W_2,
        $$

        and $db_o = \sum_{n, o_y, o_x} dy[n,o,o_y,o_x]$. (With the transposed layout,
        $\mathrm{cols}' = \mathrm{cols}^\top$ and $dY_2 = dY^\top$, the same formulas read
        $dW_2 = dY_2\,\mathrm{cols}'^\top$ and $d\mathrm{cols}' = W_2^\top dY_2$.)
        im2col itself is linear, $\mathrm{cols} = A\,x$ with $A$ a 0/1 matrix that copies
        pixels, so $dx = A^\top d\mathrm{cols}$: **col2im**, which adds every entry of
        $d\mathrm{cols}$ back onto the pixel it was copied from. A pixel covered by several
        windows collects several contributions; col2im of all-ones counts them:
        """),
        code("""
        print(kernels.col2im(np.ones_like(cols), x.shape, (2, 2), 1, 0, 1)[0, 0])
        """),
        md(r"""
        col2im is the *adjoint* of im2col, $\langle \mathrm{im2col}(x), c\rangle =
        \langle x, \mathrm{col2im}(c)\rangle$ for every $x$ and $c$; a one-line test of
        that, with stride, padding and dilation:
        """),
        code("""
        geom = ((3, 2), (2, 1), (1, 1), (1, 2))            # kernel, stride, padding, dilation
        c = rng.standard_normal(kernels.im2col(xb, *geom).shape)
        lhs = (kernels.im2col(xb, *geom) * c).sum()
        rhs = (xb * kernels.col2im(c, xb.shape, *geom)).sum()
        print(f"<im2col(x), c> = {lhs:.10f}\\n<x, col2im(c)> = {rhs:.10f}")
        """),
        md(r"""
        Now the whole backward pass by hand with NumPy, compared with minidl's autograd
        and with the backward of the direct loop (each window's input gradient is
        $dy \cdot w_o$, added into place). `Conv2d.backward` in `minidl/ops/conv.py`
        does these steps; it forms $dW_2^\top = \mathrm{cols}^\top dY$ and transposes the
        small result back, the same numbers in the operand order OpenBLAS runs fastest
        for these long inner dimensions.
        """),
        code("""
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
        """),
        md(r"""
        And the finite-difference check of `F.conv2d` against its own backward, for
        input, weight and bias at once (float64; every element is perturbed, so the
        tensors are kept small):
        """),
        code("""
        gx = mdl.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
        gw = mdl.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
        gb = mdl.tensor(rng.standard_normal(3), requires_grad=True)
        print(mdl.gradcheck(lambda a, k, b: F.conv2d(a, k, b, stride=2, padding=1, dilation=1), (gx, gw, gb)))
        print(mdl.gradcheck(lambda a, k: F.conv2d(a, k, padding=2, dilation=2), (gx, gw)))
        """),
        md(r"""
        ## 4. How much the GEMM buys

        Same arithmetic, different organisation: the direct loop makes
        $N \cdot O \cdot OH \cdot OW$ small NumPy calls, im2col makes one copy pass and one
        BLAS call. (A shared machine makes timings noisy; the ratio is what matters.)
        """),
        code("""
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
        print(f"direct loop {t_loop * 1e3:8.2f} ms\\nim2col+GEMM {t_gemm * 1e3:8.2f} ms   "
              f"({t_loop / t_gemm:.0f}x faster)")
        """),
        md(r"""
        **Where next.** Notebook 03 does the same for pooling and batch norm;
        notebook 05 looks at the compiled kernels behind `kernels.im2col` and `col2im`.
        """),
    ]


# --------------------------------------------------------------------------------------------
# 03 pooling and batch norm
# --------------------------------------------------------------------------------------------

def nb03():
    return [
        md(r"""
        # 03 · Backprop through pooling and batch normalisation

        Pooling and batch norm are the two layers of a classic CNN whose backward pass is
        not "a matrix product and its transpose". Max-pooling *routes* each gradient to
        one input; average pooling *spreads* it; batch norm couples every sample of the
        batch to every other. We derive each backward pass, compare it with minidl's
        autograd, and check it with finite differences.
        """),
        code("""
        import numpy as np
        import minidl as mdl
        import minidl.nn as nn
        import minidl.nn.functional as F
        from minidl import kernels

        np.set_printoptions(precision=4, suppress=True, linewidth=110)
        rng = np.random.default_rng(0)
        """),
        md(r"""
        ## 1. Max-pooling: argmax routing

        Output $k$ of a max-pool is $y_k = \max_{i \in \text{window}_k} x_i = x_{a(k)}$,
        where $a(k)$ is the position of the maximum. Away from ties
        $\partial y_k / \partial x_i = [\,i = a(k)\,]$, so

        $$\frac{\partial L}{\partial x_i} = \sum_{k\,:\,a(k) = i} \frac{\partial L}{\partial y_k}:$$

        each output gradient goes, whole, to the input that won its window; every other
        input gets zero. The forward pass therefore saves the **argmax** of each window
        (minidl stores the flat index $h \cdot W + w$ in the input plane) and the backward
        pass is a scatter-add.
        """),
        code("""
        x = rng.permutation(16).astype(np.float64).reshape(1, 1, 4, 4)
        out, argmax = kernels.maxpool2d_forward(x, (2, 2), (2, 2), (0, 0), False)
        print("x =\\n", x[0, 0])
        print("max-pool 2x2 =\\n", out[0, 0])
        print("argmax (flat index h*4 + w) =\\n", argmax[0, 0])

        dy = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
        print("dx = maxpool2d_backward(dy) =\\n", kernels.maxpool2d_backward(dy, argmax, x.shape)[0, 0])
        """),
        md(r"""
        The same through autograd: `F.max_pool2d` is the `MaxPool2d` Function in
        `minidl/ops/pool.py`, whose backward calls that kernel.
        """),
        code("""
        tx = mdl.tensor(x, requires_grad=True)
        F.max_pool2d(tx, 2).backward(dy)
        print(tx.grad.numpy()[0, 0])
        """),
        md(r"""
        With **overlapping** windows (kernel 3, stride 1) one input can win several
        windows and then collects the sum of their gradients. Here a single bright pixel
        wins all four windows that contain it:
        """),
        code("""
        peak = np.zeros((1, 1, 4, 4)); peak[0, 0, 1, 2] = 9.0
        tp = mdl.tensor(peak, requires_grad=True)
        y = F.max_pool2d(tp, kernel_size=3, stride=1)
        print("output:\\n", y.numpy()[0, 0])
        y.backward(np.ones(y.shape))
        print("gradient (4 windows -> 1 pixel):\\n", tp.grad.numpy()[0, 0])
        """),
        md(r"""
        At a tie the maximum is not differentiable; minidl follows PyTorch and gives the
        whole gradient to the *first* maximum in the window. Finite differences are only
        meaningful away from ties, so the check uses random (distinct) values, with
        padding and `ceil_mode` to exercise the edges:
        """),
        code("""
        xg = mdl.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
        print(mdl.gradcheck(lambda t: F.max_pool2d(t, 3, stride=2, padding=1, ceil_mode=True), (xg,)))
        """),
        md(r"""
        ## 2. Average pooling: spreading

        $y_k = \frac{1}{D_k}\sum_{i \in \text{window}_k} x_i$, so every input of the window
        receives $\partial L/\partial y_k \,/\, D_k$:

        $$\frac{\partial L}{\partial x_i} = \sum_{k\,:\,i \in \text{window}_k} \frac{1}{D_k} \frac{\partial L}{\partial y_k}.$$

        With padding, the divisor $D_k$ follows PyTorch: with `count_include_pad=True` (the
        default) it counts the padded zeros too, with `False` only the real pixels. Average
        pooling a constant image shows the difference at the borders:
        """),
        code("""
        ones = mdl.tensor(np.ones((1, 1, 4, 4)))
        print("count_include_pad=True:\\n", F.avg_pool2d(ones, 3, stride=1, padding=1).numpy()[0, 0])
        print("count_include_pad=False:\\n",
              F.avg_pool2d(ones, 3, stride=1, padding=1, count_include_pad=False).numpy()[0, 0])
        """),
        code("""
        ta = mdl.tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
        ya = F.avg_pool2d(ta, 2)                           # 2x2 windows, stride 2
        ya.backward(dy)
        print("dy / 4 spread over each window:\\n", ta.grad.numpy()[0, 0])
        for cip in (True, False):
            ok = mdl.gradcheck(lambda t: F.avg_pool2d(t, 3, stride=2, padding=1, ceil_mode=True,
                                                      count_include_pad=cip), (xg,))
            print(f"gradcheck avg_pool2d (count_include_pad={cip}):", ok)
        """),
        md(r"""
        ## 3. Batch normalisation: forward

        Ioffe & Szegedy (2015, *Batch Normalization: Accelerating Deep Network Training by
        Reducing Internal Covariate Shift*, ICML; Algorithm 1) normalise each channel over
        the mini-batch $\mathcal B = \{x_1, \dots, x_m\}$:

        $$
        \mu_{\mathcal B} = \frac1m \sum_i x_i, \qquad
        \sigma^2_{\mathcal B} = \frac1m \sum_i (x_i - \mu_{\mathcal B})^2, \qquad
        \hat x_i = \frac{x_i - \mu_{\mathcal B}}{\sqrt{\sigma^2_{\mathcal B} + \epsilon}}, \qquad
        y_i = \gamma \hat x_i + \beta .
        $$

        For a convolutional layer (their Sec. 3.2) the statistics of channel $c$ are taken
        over all $m = N \cdot H \cdot W$ values of that channel, and $\gamma, \beta$ are
        per-channel vectors: `weight` and `bias` in minidl and PyTorch.
        """),
        code("""
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
        """),
        md(r"""
        ## 4. Batch normalisation: backward

        Every $x_i$ influences $y_i$ directly *and* through $\mu_{\mathcal B}$ and
        $\sigma^2_{\mathcal B}$, which every other output uses. The paper (Sec. 3) writes the
        chain rule out through those intermediate nodes, with $\ell$ the loss:

        $$
        \begin{aligned}
        \frac{\partial \ell}{\partial \hat x_i} &= \frac{\partial \ell}{\partial y_i}\,\gamma \\
        \frac{\partial \ell}{\partial \sigma^2_{\mathcal B}} &= \sum_i \frac{\partial \ell}{\partial \hat x_i}\,(x_i - \mu_{\mathcal B})\cdot\left(-\tfrac12\right)(\sigma^2_{\mathcal B} + \epsilon)^{-3/2} \\
        \frac{\partial \ell}{\partial \mu_{\mathcal B}} &= \sum_i \frac{\partial \ell}{\partial \hat x_i}\cdot\frac{-1}{\sqrt{\sigma^2_{\mathcal B} + \epsilon}} + \frac{\partial \ell}{\partial \sigma^2_{\mathcal B}}\cdot\frac{\sum_i -2(x_i - \mu_{\mathcal B})}{m} \\
        \frac{\partial \ell}{\partial x_i} &= \frac{\partial \ell}{\partial \hat x_i}\cdot\frac{1}{\sqrt{\sigma^2_{\mathcal B} + \epsilon}} + \frac{\partial \ell}{\partial \sigma^2_{\mathcal B}}\cdot\frac{2(x_i - \mu_{\mathcal B})}{m} + \frac{\partial \ell}{\partial \mu_{\mathcal B}}\cdot\frac1m \\
        \frac{\partial \ell}{\partial \gamma} &= \sum_i \frac{\partial \ell}{\partial y_i}\,\hat x_i, \qquad
        \frac{\partial \ell}{\partial \beta} = \sum_i \frac{\partial \ell}{\partial y_i}
        \end{aligned}
        $$

        Let's code these lines exactly as written:
        """),
        code("""
        g = rng.standard_normal(xb.shape)                  # dl/dy from upstream
        s = 1.0 / np.sqrt(view(var) + eps)
        dxhat = g * view(gamma)
        dvar = (dxhat * (xb - view(mu)) * -0.5 * s ** 3).sum(axis=axes)
        dmu = (dxhat * -s).sum(axis=axes) + dvar * (-2 * (xb - view(mu))).sum(axis=axes) / m
        dx_paper = dxhat * s + view(dvar) * 2 * (xb - view(mu)) / m + view(dmu) / m
        dgamma = (g * xhat).sum(axis=axes)
        dbeta = g.sum(axis=axes)
        """),
        md(r"""
        The second term of $\partial\ell/\partial\mu_{\mathcal B}$ vanishes
        ($\sum_i (x_i - \mu_{\mathcal B}) = 0$). Writing $s = (\sigma^2_{\mathcal B}+\epsilon)^{-1/2}$
        and using $(x_i - \mu_{\mathcal B})\,s = \hat x_i$, the rest collapses to one line,
        the form `minidl/ops/norm.py` computes:

        $$
        \frac{\partial \ell}{\partial x_i}
        = \frac{s}{m}\Big( m\,\frac{\partial \ell}{\partial \hat x_i}
          - \sum_j \frac{\partial \ell}{\partial \hat x_j}
          - \hat x_i \sum_j \frac{\partial \ell}{\partial \hat x_j}\,\hat x_j \Big).
        $$

        (minidl computes the two sums in one fused pass over the data,
        `kernels.channel_sum_dot`, and the final combination in another.)
        It says the input gradient is the upstream gradient with its mean and its
        component along $\hat x$ removed (per channel), then rescaled: so per channel
        $\sum_i \partial\ell/\partial x_i = 0$ and $\sum_i \hat x_i\,\partial\ell/\partial x_i = 0$.
        """),
        code("""
        dx_compact = s / m * (m * dxhat - view(dxhat.sum(axis=axes)) - xhat * view((dxhat * xhat).sum(axis=axes)))

        tx, tg, tb = (mdl.tensor(a, requires_grad=True) for a in (xb, gamma, beta))
        F.batch_norm(tx, None, None, tg, tb, training=True).backward(g)

        print("|paper - compact|  =", np.abs(dx_paper - dx_compact).max())
        print("|paper - autograd| =", np.abs(dx_paper - tx.grad.numpy()).max())
        print("|dgamma|, |dbeta| differences:", np.abs(dgamma - tg.grad.numpy()).max(),
              np.abs(dbeta - tb.grad.numpy()).max())
        print("per-channel sum of dx:     ", dx_compact.sum(axis=axes))
        print("per-channel sum of dx*xhat:", (dx_compact * xhat).sum(axis=axes))
        """),
        code("""
        xs = mdl.tensor(rng.standard_normal((4, 3, 2, 2)), requires_grad=True)
        ws = mdl.tensor(rng.standard_normal(3), requires_grad=True)
        bs = mdl.tensor(rng.standard_normal(3), requires_grad=True)
        print("gradcheck (N, C, H, W):", mdl.gradcheck(lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
                                                      (xs, ws, bs)))
        x2 = mdl.tensor(rng.standard_normal((6, 4)), requires_grad=True)
        print("gradcheck (N, C):      ", mdl.gradcheck(lambda a: F.batch_norm(a, None, None, training=True), (x2,)))
        """),
        md(r"""
        ## 5. Running statistics and eval mode

        At test time a prediction should not depend on which other images share its
        batch, so the layer keeps running estimates of each channel's mean and variance
        and uses them in eval mode. minidl follows PyTorch: after each training batch

        $$\text{running} \leftarrow (1 - \text{momentum})\cdot\text{running} + \text{momentum}\cdot\text{batch statistic},$$

        with momentum 0.1 and the **unbiased** batch variance
        $\sigma^2_{\mathcal B} \cdot m/(m-1)$ (the estimate of Algorithm 2 in the paper),
        while the normalisation itself uses the biased $\sigma^2_{\mathcal B}$.
        """),
        code("""
        bn = nn.BatchNorm2d(3).double()
        print("initial:", bn.running_mean.numpy(), bn.running_var.numpy())
        bn.train()
        bn(mdl.tensor(xb))
        print("after one batch:   ", bn.running_mean.numpy(), bn.running_var.numpy())
        print("by the formula:    ", 0.1 * mu, 0.9 * 1.0 + 0.1 * var * m / (m - 1))
        """),
        md(r"""
        Fed many batches from one distribution (here channel means 2, -1, 0.5 and
        standard deviations 3, 1, 0.2), the running estimates converge to its
        statistics:
        """),
        code("""
        true_mean, true_std = np.array([2.0, -1.0, 0.5]), np.array([3.0, 1.0, 0.2])
        for step in range(60):
            batch = rng.standard_normal((16, 3, 4, 4)) * view(true_std) + view(true_mean)
            bn(mdl.tensor(batch))
        print("running mean:", bn.running_mean.numpy(), " true:", true_mean)
        print("running std: ", np.sqrt(bn.running_var.numpy()), " true:", true_std)
        print("batches tracked:", int(bn.num_batches_tracked.item()))
        """),
        md(r"""
        In training mode a sample's output depends on its batch-mates; in eval mode it
        does not, and the layer becomes a fixed per-channel affine map
        $y = \gamma\,(x - \hat\mu)/\sqrt{\hat\sigma^2 + \epsilon} + \beta$ whose gradient is
        simply $\gamma/\sqrt{\hat\sigma^2 + \epsilon}$: the statistics are constants.
        """),
        code("""
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
        """),
        md(r"""
        **Summary.** Max-pool backward is a scatter of $dy$ to the saved argmax
        positions; average-pool backward spreads $dy/D_k$ over each window; batch-norm
        backward removes the mean and the $\hat x$-component of the upstream gradient
        per channel, and in eval mode reduces to a per-channel scale. Notebook 04
        trains a network built from all of these.
        """),
    ]


# --------------------------------------------------------------------------------------------
# 04 training a CNN
# --------------------------------------------------------------------------------------------

def nb04():
    return [
        md(r"""
        # 04 · Training a CNN end to end

        Everything from notebooks 01-03, assembled: a small convolutional network
        (conv → batch norm → ReLU → max-pool, twice, then a linear classifier) trained
        with `minidl.train.fit` on **Shapes**, the dataset minidl generates itself (ten
        classes of coloured shapes on noisy backgrounds; no download). Then we look at
        what it learned: training curves, a confusion matrix, the first layer's
        filters and the test images it gets most confidently wrong.

        Set `DATASET = "mnist"` below to train on a subset of MNIST instead, when the
        project's `../shared/data/mnist` folder is present beside the checkout.
        """),
        code("""
        # parameters
        DATASET = "shapes"     # or "mnist" (needs ../shared/data/mnist)
        N_TRAIN, N_TEST = 3000, 500
        EPOCHS = 10
        """, ),
        code(FIND_REPO),
        code("""
        import tempfile
        import numpy as np
        from IPython.display import Image, display
        import minidl as mdl
        import minidl.nn as nn
        import minidl.optim as optim
        from minidl import metrics, viz
        from minidl.data import DataLoader, MNIST, Shapes, Subset
        from minidl.train import fit, evaluate, predict, LearningRateScheduler
        from minidl.summary import summary

        mdl.manual_seed(0)
        OUT = Path(tempfile.mkdtemp(prefix="minidl-nb04-"))   # plots go here, not into the repo
        """),
        md(r"""
        ## 1. Data

        `Shapes(n, image_size, num_classes, seed)` renders `n` images deterministically
        from `seed`, so train and test sets just use different seeds. Images are kept as
        uint8 `(N, H, W, C)` in `.data`; the `DataLoader` yields float32 NCHW batches in
        $[0, 1]$ and int64 labels. 16×16 pixels keeps the run to seconds.
        """),
        code("""
        if DATASET == "mnist" and SHARED_DATA is not None and (SHARED_DATA / "mnist").is_dir():
            full_train = MNIST(SHARED_DATA / "mnist", train=True)
            full_test = MNIST(SHARED_DATA / "mnist", train=False)
            pick = np.random.default_rng(0)
            train_ds = Subset(full_train, pick.choice(len(full_train), N_TRAIN, replace=False))
            test_ds = Subset(full_test, pick.choice(len(full_test), N_TEST, replace=False))
            classes = full_train.classes
            test_images = full_test.data[test_ds.indices]
        else:
            if DATASET != "shapes":
                print(f"{DATASET!r} not available here: using Shapes")
            train_ds = Shapes(N_TRAIN, image_size=16, num_classes=10, seed=0)
            test_ds = Shapes(N_TEST, image_size=16, num_classes=10, seed=1)
            classes = train_ds.classes
            test_images = test_ds.data

        x0, y0 = train_ds[0]
        print(f"{len(train_ds)} training and {len(test_ds)} test images; one image: {x0.shape} {x0.dtype}; "
              f"classes: {classes}")
        """),
        code("""
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(2, 10, figsize=(10, 2.4))
        for k, ax in enumerate(axes.flat):
            x, y = train_ds[k]
            ax.imshow(x.transpose(1, 2, 0).squeeze(), cmap="gray" if x.shape[0] == 1 else None)
            ax.set_title(str(classes[y])[:9], fontsize=8); ax.axis("off")
        plt.tight_layout(); plt.show()
        """),
        md(r"""
        ## 2. Model

        Two conv blocks of the shape notebooks 02 and 03 took apart. Padding 1 keeps
        the 3×3 convolutions size-preserving, so each max-pool halves the side:
        16 → 8 → 4. `summary` runs one probe forward pass and prints the layer shapes.
        """),
        code("""
        in_ch, size = x0.shape[0], x0.shape[1]

        def make_cnn(in_channels, image_size, num_classes, width=8):
            s = image_size // 4
            return nn.Sequential(
                nn.Conv2d(in_channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(2 * width * s * s, num_classes),
            )

        model = make_cnn(in_ch, size, len(classes))
        _ = summary(model, (in_ch, size, size))
        """),
        md(r"""
        ## 3. Training with `fit`

        `fit` is Keras-style: it runs the epochs, evaluates `val_data` after each in eval
        mode (batch norm then uses its running statistics), and returns a `History`.
        Each step is the loop of notebook 01 at scale: forward, cross-entropy loss,
        `backward()`, `optimizer.step()`. A cosine schedule, driven by the
        `LearningRateScheduler` callback, lowers Adam's step size towards the end.
        `seed=0` makes each epoch's shuffling depend only on (seed, epoch).
        """),
        code("""
        opt = optim.Adam(model.parameters(), lr=5e-3)
        schedule = LearningRateScheduler(optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS))
        train_loader = DataLoader(train_ds, batch_size=32, shuffle=True, seed=0)
        test_loader = DataLoader(test_ds, batch_size=250)

        history = fit(model, train_loader, epochs=EPOCHS, optimizer=opt, loss="cross_entropy",
                      val_data=test_loader, callbacks=[schedule], verbose=2, seed=0)
        """),
        code("""
        print(history)
        best_epoch, best_acc = history.best("val_accuracy")
        print(f"best val_accuracy {best_acc:.3f} at epoch {best_epoch + 1}")
        display(Image(filename=viz.plot_history(history, OUT / "history.png")))
        """),
        md(r"""
        ## 4. Evaluation: confusion matrix and per-class scores

        `predict` returns the logits for the whole test set as one NumPy array; the
        metrics take logits or labels. Row $i$ of the confusion matrix counts the test
        images of class $i$ by predicted class.
        """),
        code("""
        print(evaluate(model, test_loader, loss="cross_entropy"))
        logits = predict(model, test_loader)
        y_true = np.concatenate([y for _, y in test_loader])
        y_pred = logits.argmax(axis=1)
        print("accuracy:", metrics.accuracy(logits, y_true))
        cm = metrics.confusion_matrix(y_true, y_pred, num_classes=len(classes))
        print(metrics.classification_report(y_true, y_pred, class_names=classes))
        display(Image(filename=viz.plot_confusion_matrix(cm, OUT / "cm.png", class_names=classes)))
        """),
        md(r"""
        ## 5. Learned filters

        The first conv layer's 8 filters, each $3\times3$ over the input channels,
        drawn in RGB for colour input (each filter rescaled to $[0, 1]$, so mid-grey
        means zero). Nine pixels per filter are hard to read one by one; what shows is
        that most of them respond to colour *differences* between neighbouring pixels (edges
        between a shape and its background) rather than to one fixed colour, which
        matters here because every image draws its colours at random. A number backs
        that up: $|\sum w| / \sum |w|$ of a filter is 0 when it ignores a flat patch
        (weights summing to zero) and 1 when all its weights share one sign.
        """),
        code("""
        display(Image(filename=viz.plot_filters(model[0], OUT / "filters.png")))
        w1 = model[0].weight.numpy()
        flatness = np.abs(w1.sum(axis=(1, 2, 3))) / np.abs(w1).sum(axis=(1, 2, 3))
        print("|sum w| / sum|w| per filter:", flatness.round(2))
        """),
        md(r"""
        ## 6. The worst errors

        The misclassified test images on which the model was most confident, with the
        true class, the prediction and its softmax probability: a quick way to find
        label noise, ambiguous classes, or a systematic blind spot.
        """),
        code("""
        display(Image(filename=viz.plot_worst_errors(test_images, y_true, y_pred, logits, OUT / "worst.png",
                                                     class_names=classes, n=8)))
        """),
        md(r"""
        **Where next.** `minidl.models` has larger networks (`tiny_vgg`, `lenet`,
        `resnet18` ...), `minidl.train` has early stopping, checkpoints and
        hyper-parameter search, and `docs/results.md` reports the reference runs.
        """),
    ]


# --------------------------------------------------------------------------------------------
# 05 kernels and devices
# --------------------------------------------------------------------------------------------

def nb05():
    return [
        md(r"""
        # 05 · The kernels and the devices

        The ops of notebooks 02-03 spend their time in a handful of loops that BLAS cannot
        do: unfolding windows (im2col), folding gradients back (col2im) and pooling. In
        minidl these live in `minidl.kernels` (the `kernels/` folder of the repository),
        one **dispatch function** per kernel that looks at the array it is given and
        calls the implementation for that array's module:

        | kernel | used by | NumPy array → | CuPy array → |
        |---|---|---|---|
        | `im2col`, `col2im` | `F.conv2d` forward / backward | `kernels/cpu.py` (Numba, parallel) | `kernels/cuda.py` (Numba CUDA) |
        | `maxpool2d_forward/backward` | `F.max_pool2d` | same | same |
        | `avgpool2d_forward/backward` | `F.avg_pool2d` | same | same |
        | `channel_mean_var`, `channel_affine`, `channel_sum_dot`, `channel_combine` | `F.batch_norm` (one fused pass each for the statistics, the normalisation, the two backward sums, the input gradient) | same | same |

        (`bias_relu_forward/backward`, a fused bias + ReLU pass, is there too.) Two plainer implementations stay alongside as references:
        `kernels/reference.py` (vectorised NumPy: a Python loop over the $k_h k_w$ kernel
        taps, whole-array slices inside) and `kernels/naive.py` (one output element at a
        time, obviously correct, used only by tests).
        `kernels.set_cpu_kernels("numpy")` sends NumPy arrays to the vectorised
        reference instead of Numba.
        """),
        code("""
        import os, statistics, subprocess, sys, time
        import numpy as np
        import minidl as mdl
        import minidl.nn as nn
        import minidl.nn.functional as F
        from minidl import kernels
        from minidl.kernels import cpu, naive, reference

        print("NumPy arrays go to:", kernels.cpu_kernels())
        rng = np.random.default_rng(0)
        """),
        md(r"""
        ## 1. Three implementations, one answer

        All three agree on a small input with stride, padding and dilation. The first
        call of a Numba kernel compiles it (or loads the compiled code from Numba's
        on-disk cache), so we time that call separately.
        """),
        code("""
        x = rng.standard_normal((2, 3, 9, 8)).astype(np.float32)
        geom = ((3, 3), (2, 1), (1, 1), (1, 2))              # kernel, stride, padding, dilation
        t0 = time.perf_counter()
        c_numba = cpu.im2col(x, *geom)
        print(f"first Numba call: {time.perf_counter() - t0:.2f} s (compile or load from cache)")
        c_numpy, c_loops = reference.im2col(x, *geom), naive.im2col(x, *geom)
        print("cols shape:", c_numba.shape)
        print("numba == numpy reference:", np.array_equal(c_numba, c_numpy),
              "| numba == direct loops:", np.array_equal(c_numba, c_loops))

        out_n, arg_n = cpu.maxpool2d_forward(x, 3, 2, 1, True)
        out_r, arg_r = reference.maxpool2d_forward(x, 3, 2, 1, True)
        print("max-pool values and argmax agree:", np.array_equal(out_n, out_r), np.array_equal(arg_n, arg_r))
        """),
        md(r"""
        ### A second way to convolve, for thin layers

        im2col turns a convolution into one big GEMM, which pays off when the GEMM is
        big in every dimension. LeNet's first layer has 3 input and 6 output channels:
        its column matrix is 75 values wide for every output pixel, and the GEMM has
        only 6 columns of output, so the time goes into writing and reading the
        column matrix. For such layers (stride 1, at most 16 channels in and out)
        `kernels.conv2d_direct_forward` sums $w[o,c,i,j] \cdot x[c, y+i, x+j]$
        directly, one kernel position at a time over a whole output plane, and
        `F.conv2d` picks it by itself through `kernels.direct_conv_suited`. Both
        algorithms give the same numbers:
        """),
        code("""
        xl = rng.standard_normal((4, 3, 32, 32)).astype(np.float32)
        wl = rng.standard_normal((6, 3, 5, 5)).astype(np.float32)
        direct = kernels.conv2d_direct_forward(xl, wl, (0, 0), (1, 1), 1)
        cols = kernels.im2col(xl, (5, 5), 1, 0, 1)                       # (4*28*28, 75)
        via_gemm = (cols @ wl.reshape(6, -1).T).reshape(4, 28 * 28, 6).transpose(0, 2, 1).reshape(direct.shape)
        print("direct == im2col + GEMM:", np.allclose(direct, via_gemm, atol=1e-4))
        print("LeNet conv1 goes direct:", kernels.direct_conv_suited(xl, wl.shape, (1, 1), (0, 0), (1, 1), 1))
        print("a 32-channel layer does not:", kernels.direct_conv_suited(xl, (32, 3, 3, 3), (1, 1), (1, 1), (1, 1), 1))
        """),
        md(r"""
        ## 2. How much faster: a timing table

        Median of several runs after a warm-up, float32, on one small layer (batch 32,
        16 channels, 32×32, a 3×3 kernel with padding 1; 2×2 pooling). A speed-up above 1
        means the Numba kernel is faster. The ratio depends on the array size, the number
        of cores and how busy they are: the Numba kernels are parallel and pay a fixed
        cost per call, so on small arrays, or on a loaded machine (the test suite runs
        this notebook on a shared 2-core box), the vectorised NumPy reference can win.
        `benchmarks/bench_kernels.py` times the reference networks' real layer shapes
        with more repeats, and `docs/performance.md` reports those measurements.
        """),
        code("""
        def median_ms(fn, repeat=7):
            fn()                                             # warm-up (compilation)
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
            return 1e3 * statistics.median(times)

        shape = (32, 16, 32, 32)
        xs = rng.standard_normal(shape).astype(np.float32)
        conv = ((3, 3), (1, 1), (1, 1), (1, 1))
        dcols = rng.standard_normal(reference.im2col(xs, *conv).shape).astype(np.float32)
        pooled, argmax = reference.maxpool2d_forward(xs, 2, 2, 0, False)
        dy = rng.standard_normal(pooled.shape).astype(np.float32)

        cases = {
            "im2col 3x3 p1":      lambda m: m.im2col(xs, *conv),
            "col2im 3x3 p1":      lambda m: m.col2im(dcols, shape, *conv),
            "max-pool fwd 2x2":   lambda m: m.maxpool2d_forward(xs, 2, 2, 0, False),
            "max-pool bwd 2x2":   lambda m: m.maxpool2d_backward(dy, argmax, shape),
            "avg-pool fwd 2x2":   lambda m: m.avgpool2d_forward(xs, 2, 2, 0, False, True),
            "avg-pool bwd 2x2":   lambda m: m.avgpool2d_backward(dy, shape, 2, 2, 0, False, True),
            "BN stats":           lambda m: m.channel_mean_var(xs),
            "BN backward sums":   lambda m: m.channel_sum_dot(xs, xs),
        }
        rows = []
        for name, run in cases.items():
            t_np, t_nb = median_ms(lambda: run(reference)), median_ms(lambda: run(cpu))
            rows.append((name, t_np, t_nb))
        print(f"{'kernel':18s} {'NumPy ref (ms)':>15s} {'Numba (ms)':>11s} {'speed-up':>9s}")
        for name, t_np, t_nb in rows:
            print(f"{name:18s} {t_np:15.3f} {t_nb:11.3f} {t_np / t_nb:8.1f}x")
        """),
        md(r"""
        The direct loop is the third point of comparison; even on a 2×4×32×32 slice of
        that input it is orders of magnitude slower, which is why it only ever runs in tests:
        """),
        code("""
        small = xs[:2, :4]
        t_loop = median_ms(lambda: naive.im2col(small, *conv), repeat=1)
        t_nb = median_ms(lambda: cpu.im2col(small, *conv))
        print(f"im2col on {small.shape}: direct loops {t_loop:.1f} ms, Numba {t_nb:.3f} ms "
              f"({t_loop / t_nb:.0f}x)")
        """),
        md(r"""
        A whole conv layer, forward and backward, with the NumPy reference kernels and
        with the Numba ones. The GEMMs are the same BLAS calls in both, so only the
        kernels' share of the time can change:
        """),
        code("""
        layer = nn.Conv2d(16, 32, 3, padding=1)
        xin = mdl.tensor(xs, requires_grad=True)

        def step():
            layer.zero_grad(); xin.zero_grad()
            layer(xin).sum().backward()

        times = {}
        for choice in ("numpy", "numba"):
            kernels.set_cpu_kernels(choice)
            times[choice] = median_ms(step, repeat=5)
        kernels.set_cpu_kernels("numba")
        print(f"conv layer fwd+bwd: NumPy reference {times['numpy']:.2f} ms, Numba {times['numba']:.2f} ms "
              f"({times['numpy'] / times['numba']:.1f}x)")
        """),
        md(r"""
        ## 3. The GPU path

        A tensor's device is where its array lives: NumPy for `"cpu"`, CuPy for
        `"gpu"`/`"cuda"`. Ops never branch on the device; they ask
        `minidl.backend.get_array_module(array)` for `numpy` or `cupy` and call the same
        code, and the kernel dispatch sends CuPy arrays to the CUDA kernels. Asking for a
        GPU where none is usable raises `DeviceError` at once, saying what is missing.

        The cell below runs the same layer on the GPU when there is one and compares it
        with the CPU; otherwise it says so and runs on the CPU.
        """),
        code("""
        if mdl.gpu_available():
            DEVICE = "gpu"
            print("GPU available: running on", mdl.device("gpu"))
        else:
            DEVICE = "cpu"
            try:
                mdl.device("gpu")
            except mdl.DeviceError as err:
                print("No usable GPU here, so this section runs on the CPU.")
                print("  DeviceError:", err)
        """),
        code("""
        mdl.manual_seed(0)
        cpu_layer = nn.Conv2d(16, 32, 3, padding=1).double()
        dev_layer = nn.Conv2d(16, 32, 3, padding=1).double()
        dev_layer.load_state_dict(cpu_layer.state_dict())
        dev_layer.to(DEVICE)

        xd = rng.standard_normal(shape)
        x_cpu = mdl.tensor(xd, requires_grad=True)
        x_dev = mdl.tensor(xd, requires_grad=True, device=DEVICE)
        y_cpu, y_dev = cpu_layer(x_cpu), dev_layer(x_dev)
        y_cpu.sum().backward(); y_dev.sum().backward()
        print("output lives on:", y_dev.device, "| array type:", type(y_dev.data).__module__ + "." + type(y_dev.data).__name__)
        print("max |y_dev - y_cpu|      =", np.abs(y_dev.numpy() - y_cpu.numpy()).max())
        print("max |dx_dev - dx_cpu|    =", np.abs(x_dev.grad.numpy() - x_cpu.grad.numpy()).max())
        print("max |dW_dev - dW_cpu|    =", np.abs(dev_layer.weight.grad.numpy() - cpu_layer.weight.grad.numpy()).max())
        """),
        code("""
        if DEVICE == "gpu":
            import cupy
            xg = mdl.tensor(xs, requires_grad=True, device="gpu")
            glayer = nn.Conv2d(16, 32, 3, padding=1).to("gpu")
            def gpu_step():
                glayer.zero_grad(); xg.zero_grad()
                glayer(xg).sum().backward()
                cupy.cuda.get_current_stream().synchronize()
            print(f"conv layer fwd+bwd on the GPU: {median_ms(gpu_step):.3f} ms "
                  f"(CPU with Numba: {times['numba']:.2f} ms)")
        else:
            print("GPU timing skipped: no GPU (the comparison above ran CPU against CPU).")
        """),
        md(r"""
        **The CUDA kernels without a GPU.** `kernels/cuda.py` is written with
        `numba.cuda`, so the very same kernel source also runs under Numba's CUDA
        *simulator* (`NUMBA_ENABLE_CUDASIM=1`, set before Numba is imported), which
        executes each GPU thread in Python on the CPU: slow, but it lets CI check the GPU
        code on machines without one. A subprocess does that here on a tiny input:
        """),
        code("""
        probe = '''
        import numpy as np
        from minidl.kernels import cuda, reference
        x = np.random.default_rng(0).standard_normal((1, 2, 5, 5))
        cols = cuda.im2col(x, (3, 3), (1, 1), (1, 1), (1, 1))
        out, arg = cuda.maxpool2d_forward(x, 2, 2, 0, False)
        print("CUDA im2col (simulated) == NumPy reference:", np.allclose(cols, reference.im2col(x, 3, 1, 1, 1)))
        print("CUDA max-pool (simulated) == NumPy reference:",
              all(np.array_equal(a, b) for a, b in zip((out, arg), reference.maxpool2d_forward(x, 2, 2, 0, False))))
        '''
        env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
        result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)
        print(result.stdout or result.stderr[-2000:])
        """),
        md(r"""
        **Summary.** One dispatch point per kernel, chosen by the array's module; Numba
        kernels on the CPU, Numba CUDA kernels on the GPU, and plain NumPy references
        that define what "correct" means for both. `docs/architecture.md` shows where
        these layers sit in the package.
        """),
    ]


NOTEBOOKS = {
    "01_autograd_from_scratch.ipynb": nb01,
    "02_im2col_convolution.ipynb": nb02,
    "03_pooling_and_batchnorm.ipynb": nb03,
    "04_training_a_cnn.ipynb": nb04,
    "05_kernels_and_devices.ipynb": nb05,
}


def build(name):
    """The notebook ``name`` as an ``nbformat`` node, without outputs and with stable cell ids."""
    stem = name.split("_")[0]
    cells = []
    for i, (kind, src) in enumerate(NOTEBOOKS[name]()):
        cell = new_markdown_cell(src) if kind == "markdown" else new_code_cell(src)
        cell["id"] = f"nb{stem}-{i:02d}"
        if kind == "code" and src.startswith("# parameters"):
            cell["metadata"]["tags"] = ["parameters"]
        cells.append(cell)
    nb = new_notebook(cells=cells)
    nb["metadata"] = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def render(name):
    """The notebook's file text, exactly as written to disk."""
    return nbformat.writes(build(name)) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a notebook differs from its source here")
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stale = []
    for name in NOTEBOOKS:
        path = OUT_DIR / name
        text = render(name)
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print("wrote", path.relative_to(REPO))
    if stale:
        print("stale notebooks (run tools/make_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
