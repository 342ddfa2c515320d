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
# # 05 · The kernels and the devices
#
# The ops of notebooks 02-03 spend their time in a handful of loops that BLAS cannot
# do: unfolding windows (im2col), folding gradients back (col2im) and pooling. In
# minidl these live in `minidl.kernels` (the `kernels/` folder of the repository),
# one module per kernel family. Each module reads top to bottom: a vectorised
# NumPy **reference** (a Python loop over the $k_h k_w$ kernel taps, whole-array
# slices inside), the **Numba** CPU kernels, the **CUDA** kernels, and the
# **dispatch function** that checks the arguments once and calls the
# implementation for the array it is given:
#
# | module | kernels | used by | NumPy array → | CuPy array → |
# |---|---|---|---|---|
# | `kernels/unfold.py` | `im2col`, `col2im` | `F.conv2d` forward / backward | Numba (parallel) | Numba CUDA |
# | `kernels/direct_conv.py` | `conv2d_direct_forward/backward` | `F.conv2d` on thin layers | Numba | reference |
# | `kernels/pooling.py` | `maxpool2d_forward/backward`, `avgpool2d_forward/backward` | `F.max_pool2d`, `F.avg_pool2d` | Numba | Numba CUDA |
# | `kernels/channel_stats.py` | `channel_mean_var`, `channel_affine`, `channel_sum_dot`, `channel_combine` | `F.batch_norm` (one fused pass each for the statistics, the normalisation, the two backward sums, the input gradient) | Numba | Numba CUDA |
#
# `minidl.config.cpu_kernels` (or `with mdl.using_config(cpu_kernels="numpy")`)
# sends NumPy arrays to the vectorised reference instead of Numba.

# %%
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import minidl as mdl
import minidl.nn as nn
from minidl import kernels

print("NumPy arrays go to:", mdl.config.cpu_kernels)
rng = np.random.default_rng(0)


def im2col_loops(x, kernel, stride, padding, dilation):
    """im2col one output element at a time: the definition, obviously right and very slow."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = x.shape
    oh, ow = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cols = np.zeros((n * oh * ow, c * kh * kw), dtype=x.dtype)
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    for oy in range(oh):
                        for ox in range(ow):
                            y, xx = oy * sh + i * dh - ph, ox * sw + j * dw - pw
                            if 0 <= y < h and 0 <= xx < w:
                                cols[(b * oh + oy) * ow + ox, (ch * kh + i) * kw + j] = x[b, ch, y, xx]
    return cols

# %% [markdown]
# ## 1. Three implementations, one answer
#
# The Numba kernel, the NumPy reference and the direct loops above agree on a
# small input with stride, padding and dilation. The first call of a Numba kernel
# compiles it (or loads the compiled code from Numba's on-disk cache), so we time
# that call separately.

# %%
x = rng.standard_normal((2, 3, 9, 8)).astype(np.float32)
geom = ((3, 3), (2, 1), (1, 1), (1, 2))              # kernel, stride, padding, dilation
t0 = time.perf_counter()
c_numba = kernels.im2col(x, *geom)
print(f"first Numba call: {time.perf_counter() - t0:.2f} s (compile or load from cache)")
with mdl.using_config(cpu_kernels="numpy"):
    c_numpy = kernels.im2col(x, *geom)
    out_r, arg_r = kernels.maxpool2d_forward(x, 3, 2, 1, True)
c_loops = im2col_loops(x, *geom)
print("cols shape:", c_numba.shape)
print("numba == numpy reference:", np.array_equal(c_numba, c_numpy),
      "| numba == direct loops:", np.array_equal(c_numba, c_loops))

out_n, arg_n = kernels.maxpool2d_forward(x, 3, 2, 1, True)
print("max-pool values and argmax agree:", np.array_equal(out_n, out_r), np.array_equal(arg_n, arg_r))

# %% [markdown]
# ### A second way to convolve, for thin layers
#
# im2col turns a convolution into one big GEMM, which pays off when the GEMM is
# big in every dimension. LeNet's first layer has 3 input and 6 output channels:
# its column matrix is 75 values wide for every output pixel, and the GEMM has
# only 6 columns of output, so the time goes into writing and reading the
# column matrix. For such layers (stride 1, at most 16 channels in and out)
# `kernels.conv2d_direct_forward` sums $w[o,c,i,j] \cdot x[c, y+i, x+j]$
# directly, one kernel position at a time over a whole output plane, and
# `F.conv2d` picks it by itself through `kernels.direct_conv_suited`. Both
# algorithms give the same numbers:

# %%
xl = rng.standard_normal((4, 3, 32, 32)).astype(np.float32)
wl = rng.standard_normal((6, 3, 5, 5)).astype(np.float32)
direct = kernels.conv2d_direct_forward(xl, wl, (0, 0), (1, 1), 1)
cols = kernels.im2col(xl, (5, 5), 1, 0, 1)                       # (4*28*28, 75)
via_gemm = (cols @ wl.reshape(6, -1).T).reshape(4, 28 * 28, 6).transpose(0, 2, 1).reshape(direct.shape)
print("direct == im2col + GEMM:", np.allclose(direct, via_gemm, atol=1e-4))
print("LeNet conv1 goes direct:", kernels.direct_conv_suited(xl, wl.shape, (1, 1), (0, 0), (1, 1), 1))
print("a 32-channel layer does not:", kernels.direct_conv_suited(xl, (32, 3, 3, 3), (1, 1), (1, 1), (1, 1), 1))


# %% [markdown]
# ## 2. How much faster: a timing table
#
# Median of several runs after a warm-up, float32, on one small layer (batch 32,
# 16 channels, 32×32, a 3×3 kernel with padding 1; 2×2 pooling). A speed-up above 1
# means the Numba kernel is faster. The ratio depends on the array size, the number
# of cores and how busy they are: the Numba kernels are parallel and pay a fixed
# cost per call, so on small arrays, or on a loaded machine (the test suite runs
# this notebook on a shared 2-core box), the vectorised NumPy reference can win.
# `benchmarks/bench_kernels.py` times the reference networks' real layer shapes
# with more repeats, and `docs/performance.md` reports those measurements.

# %%
def median_ms(fn, repeat=7):
    fn()                                             # warm-up (compilation)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)

shape = (32, 16, 32, 32)
xs = rng.standard_normal(shape).astype(np.float32)
conv = ((3, 3), (1, 1), (1, 1), (1, 1))
dcols = rng.standard_normal(kernels.im2col(xs, *conv).shape).astype(np.float32)
pooled, argmax = kernels.maxpool2d_forward(xs, 2, 2, 0, False)
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
def timed(choice, run):
    with mdl.using_config(cpu_kernels=choice):
        return median_ms(lambda: run(kernels))

rows = []
for name, run in cases.items():
    rows.append((name, timed("numpy", run), timed("numba", run)))
print(f"{'kernel':18s} {'NumPy ref (ms)':>15s} {'Numba (ms)':>11s} {'speed-up':>9s}")
for name, t_np, t_nb in rows:
    print(f"{name:18s} {t_np:15.3f} {t_nb:11.3f} {t_np / t_nb:8.1f}x")

# %% [markdown]
# The direct loop is the third point of comparison; even on a 2×4×32×32 slice of
# that input it is orders of magnitude slower, which is why loops like it only
# ever run in tests (`tests/kernel_references.py` holds one per kernel):

# %%
small = xs[:2, :4]
t_loop = median_ms(lambda: im2col_loops(small, *conv), repeat=1)
t_nb = median_ms(lambda: kernels.im2col(small, *conv))
print(f"im2col on {small.shape}: direct loops {t_loop:.1f} ms, Numba {t_nb:.3f} ms "
      f"({t_loop / t_nb:.0f}x)")

# %% [markdown]
# A whole conv layer, forward and backward, with the NumPy reference kernels and
# with the Numba ones. The GEMMs are the same BLAS calls in both, so only the
# kernels' share of the time can change:

# %%
layer = nn.Conv2d(16, 32, 3, padding=1)
xin = mdl.tensor(xs, requires_grad=True)

def step():
    layer.zero_grad(); xin.zero_grad()
    layer(xin).sum().backward()

times = {}
for choice in ("numpy", "numba"):
    with mdl.using_config(cpu_kernels=choice):
        times[choice] = median_ms(step, repeat=5)
print(f"conv layer fwd+bwd: NumPy reference {times['numpy']:.2f} ms, Numba {times['numba']:.2f} ms "
      f"({times['numpy'] / times['numba']:.1f}x)")

# %% [markdown]
# ## 3. The GPU path
#
# A tensor's device is where its array lives: NumPy for `"cpu"`, CuPy for
# `"gpu"`/`"cuda"`. Ops never branch on the device; they ask
# `minidl.backend.get_array_module(array)` for `numpy` or `cupy` and call the same
# code, and the kernel dispatch sends CuPy arrays to the CUDA kernels. As in
# PyTorch, `mdl.device("cuda")` is only a name; putting data on a GPU where none is
# usable raises `DeviceError` at once, saying what is missing.
#
# The cell below runs the same layer on the GPU when there is one and compares it
# with the CPU; otherwise it says so and runs on the CPU.

# %%
if mdl.gpu_available():
    DEVICE = "gpu"
    print("GPU available: running on", mdl.device("gpu"))
else:
    DEVICE = "cpu"
    try:
        mdl.zeros(1, device="gpu")
    except mdl.DeviceError as err:
        print("No usable GPU here, so this section runs on the CPU.")
        print("  DeviceError:", err)

# %%
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
print("output lives on:", y_dev.device, "| array type:", type(y_dev.array).__module__ + "." + type(y_dev.array).__name__)
print("max |y_dev - y_cpu|      =", np.abs(y_dev.numpy() - y_cpu.numpy()).max())
print("max |dx_dev - dx_cpu|    =", np.abs(x_dev.grad.numpy() - x_cpu.grad.numpy()).max())
print("max |dW_dev - dW_cpu|    =", np.abs(dev_layer.weight.grad.numpy() - cpu_layer.weight.grad.numpy()).max())

# %%
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

# %% [markdown]
# **The CUDA kernels without a GPU.** The CUDA kernels are written with
# `numba.cuda`, so the very same kernel source also runs under Numba's CUDA
# *simulator* (`NUMBA_ENABLE_CUDASIM=1`, set before Numba is imported), which
# executes each GPU thread in Python on the CPU: slow, but it lets CI check the GPU
# code on machines without one. There `cpu_kernels="cudasim"` sends NumPy arrays
# to the CUDA kernels. A subprocess does that here on a tiny input:

# %%
probe = '''
import numpy as np
import minidl as mdl
from minidl import kernels
x = np.random.default_rng(0).standard_normal((1, 2, 5, 5))
with mdl.using_config(cpu_kernels="cudasim"):
    cols = kernels.im2col(x, (3, 3), (1, 1), (1, 1), (1, 1))
    out, arg = kernels.maxpool2d_forward(x, 2, 2, 0, False)
with mdl.using_config(cpu_kernels="numpy"):
    ref_cols, ref_pool = kernels.im2col(x, 3, 1, 1, 1), kernels.maxpool2d_forward(x, 2, 2, 0, False)
print("CUDA im2col (simulated) == NumPy reference:", np.allclose(cols, ref_cols))
print("CUDA max-pool (simulated) == NumPy reference:",
      all(np.array_equal(a, b) for a, b in zip((out, arg), ref_pool)))
'''
env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)
print(result.stdout or result.stderr[-2000:])

# %% [markdown]
# **Summary.** One dispatch point per kernel, chosen by the array's module; Numba
# kernels on the CPU, Numba CUDA kernels on the GPU, and plain NumPy references
# that define what "correct" means for both. `docs/architecture.md` shows where
# these layers sit in the package.
