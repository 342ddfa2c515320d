"""The ``torch.utils.benchmark`` recipe (PyTorch's ``recipes_source/recipes/benchmark.py``), sections 1-6, written
anew for minidl in the recipe's idiom: batched dot two ways, ``timeit.Timer`` against ``benchmark.Timer`` (``setup``
importing from ``__main__``), labels and thread counts, ``blocked_autorange`` and its statistics, a ``Compare``
table over sizes and thread counts (trimmed, colorized), and Measurements pickled and compared as an A/B test.

Cut down for a test: 2 sizes and 2 thread counts instead of 4 and 4, ``min_run_time`` 0.01 s instead of 1 s, 20 runs
per ``timeit`` instead of 100. The recipe's CUDA section, its fuzzers and Callgrind (C++) sections are left out.
Only the import lines name minidl.
"""
import pickle
import timeit
from itertools import product

import minidl as torch
import minidl.utils.benchmark as benchmark


def batched_dot_mul_sum(a, b):
    """Batched dot by multiplying and summing."""
    return a.mul(b).sum(-1)


def batched_dot_bmm(a, b):
    """Batched dot as a ``bmm`` of (N, 1, K) by (N, K, 1)."""
    a = a.reshape(-1, 1, a.shape[-1])
    b = b.reshape(-1, b.shape[-1], 1)
    return torch.bmm(a, b).flatten(-3)


x = torch.randn(1000, 64)
assert batched_dot_mul_sum(x, x).allclose(batched_dot_bmm(x, x))

# Python's timeit: total seconds for the runs
py0 = timeit.Timer(stmt="batched_dot_mul_sum(x, x)", setup="from __main__ import batched_dot_mul_sum",
                   globals={"x": x})
py1 = timeit.Timer(stmt="batched_dot_bmm(x, x)", setup="from __main__ import batched_dot_bmm", globals={"x": x})
print(f"mul_sum(x, x):  {py0.timeit(20) / 20 * 1e6:>5.1f} us")
print(f"bmm(x, x):      {py1.timeit(20) / 20 * 1e6:>5.1f} us")

# benchmark.Timer: a Measurement per call, time per run
t0 = benchmark.Timer(stmt="batched_dot_mul_sum(x, x)", setup="from __main__ import batched_dot_mul_sum",
                     globals={"x": x})
t1 = benchmark.Timer(stmt="batched_dot_bmm(x, x)", setup="from __main__ import batched_dot_bmm", globals={"x": x})
print(t0.timeit(20))
print(t1.timeit(20))

num_threads = torch.get_num_threads()
print(f"Benchmarking on {num_threads} threads")
for stmt, name, how in (("batched_dot_mul_sum(x, x)", "batched_dot_mul_sum", "mul and sum"),
                        ("batched_dot_bmm(x, x)", "batched_dot_bmm", "bmm")):
    print(benchmark.Timer(stmt=stmt, setup=f"from __main__ import {name}", globals={"x": x},
                          num_threads=num_threads, label="Multithreaded batch dot",
                          sub_label=f"Implemented using {how}").timeit(20))

m0 = t0.blocked_autorange(min_run_time=0.01)
m1 = t1.blocked_autorange(min_run_time=0.01)
print(m0)
print(m1)
print(f"Mean:   {m0.mean * 1e6:6.2f} us")
print(f"Median: {m0.median * 1e6:6.2f} us")

results = []
sizes = [1, 64]
for b, n in product(sizes, sizes):
    label = "Batched dot"
    sub_label = f"[{b}, {n}]"
    x = torch.ones((b, n))
    for num_threads in [1, 4]:
        for stmt, name, description in (("batched_dot_mul_sum(x, x)", "batched_dot_mul_sum", "mul/sum"),
                                        ("batched_dot_bmm(x, x)", "batched_dot_bmm", "bmm")):
            results.append(benchmark.Timer(
                stmt=stmt, setup=f"from __main__ import {name}", globals={"x": x}, num_threads=num_threads,
                label=label, sub_label=sub_label, description=description,
            ).blocked_autorange(min_run_time=0.01))

compare = benchmark.Compare(results)
compare.print()
compare.trim_significant_figures()
compare.colorize()
compare.print()

ab_test_results = []
for env in ("environment A: mul/sum", "environment B: bmm"):
    for b, n in ((1, 1), (64, 1000)):
        x = torch.ones((b, n))
        dot_fn = batched_dot_mul_sum if env == "environment A: mul/sum" else batched_dot_bmm
        m = benchmark.Timer(stmt="batched_dot(x, x)", globals={"x": x, "batched_dot": dot_fn}, num_threads=1,
                            label="Batched dot", description=f"[{b}, {n}]", env=env,
                            ).blocked_autorange(min_run_time=0.01)
        ab_test_results.append(pickle.dumps(m))

ab_results = [pickle.loads(i) for i in ab_test_results]
compare = benchmark.Compare(ab_results)
compare.trim_significant_figures()
compare.colorize()
compare.print()

round_tripped_results = pickle.loads(pickle.dumps(results))
assert str(benchmark.Compare(results)) == str(benchmark.Compare(round_tripped_results))
print("round trip ok")
