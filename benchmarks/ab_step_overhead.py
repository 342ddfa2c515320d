"""In-process A/B of the training step's Python-side changes (issue 17, "less Python per layer").

Like ``ab_config.py`` (one process, one model per net, the two variants
alternating step by step so that both see the same load), but the variants are
code paths rather than a ``minidl.config`` field: variant "old" swaps in the
code a change replaced, variant "new" is the checkout as it is. Prints the
median step time of each variant and the median of the paired new/old ratios.

Changes that can be A/B-ed:

* ``fused_adam``: Adam's one-pass Numba update (``minidl/optim/_fused.py``)
  against the NumPy operators it replaces (old: ``_fused.adam_applies`` says no).
* ``fused_sgd``: the same for SGD with momentum 0.9 (the step uses SGD instead of Adam).
* ``function_apply``: ``Function.apply``'s one-pass argument check; old: the
  method as it was at ``--base`` (default b40b894, before these changes),
  loaded from git into a copy of its module that imports from this checkout.
* ``module_call``: ``Module.__call__`` going straight to ``forward`` when no
  hooks are registered (old: ``Module.__call__`` from ``--base``).
* ``optimizer_step``: ``Optimizer.step``/``_sync_state`` and ``Adam._update``
  (and with it the fused kernel) as they were at ``--base``.
* ``all``: every swap above at once: this checkout's step against ``--base``'s.
* ``engine_walk``: the backward walk comparing shapes and dtypes on the arrays
  (old: ``engine._run`` from ``--base``, which calls the old walk).
* ``version_counters``: recording which kept arrays each node's backward needs and counting an
  optimizer step's writes (``minidl/autograd/versions.py``; old: neither is done).

Run::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/ab_step_overhead.py \\
        --change fused_adam --nets N5 N1 --steps 60 --threads 1
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import types

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bench_train  # noqa: E402


def _swap(owner, name, replacement):
    """(use old, use new) callables that set ``owner.name`` to ``replacement`` or back to the current value."""
    current = getattr(owner, name)
    return (lambda: setattr(owner, name, replacement)), (lambda: setattr(owner, name, current))


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = "b40b894"


def old_module(path, base):
    """The module at ``path`` (e.g. ``minidl/autograd/function.py``) as it was at commit ``base``,
    executed as a sibling of the current one (its relative imports load this checkout's modules)."""
    source = subprocess.run(["git", "show", f"{base}:{path}"], cwd=REPO, check=True, capture_output=True,
                            text=True).stdout
    package = path[:-3].replace("/", ".").rsplit(".", 1)[0]
    module = types.ModuleType(f"{package}._ab_old_{os.path.basename(path)[:-3]}")
    module.__package__ = package
    module.__file__ = f"{base}:{path}"
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def change_function_apply(base):
    """Old: ``Function.apply`` from ``base``."""
    from minidl.autograd.function import Function
    old = old_module("minidl/autograd/function.py", base)
    return _swap_attr(Function, "apply", old.Function.__dict__["apply"])


def change_engine_walk(base):
    """Old: the backward pass (``engine._run`` and what it calls) from ``base``."""
    from minidl.autograd import engine
    old = old_module("minidl/autograd/engine.py", base)
    return _swap(engine, "_run", old._run)


def change_module_call(base):
    """Old: ``Module.__call__`` from ``base``."""
    from minidl.nn.module import Module
    old = old_module("minidl/nn/module.py", base)
    return _swap_attr(Module, "__call__", old.Module.__dict__["__call__"])


def change_optimizer_step(base):
    """Old: ``Optimizer.step``, ``Optimizer._sync_state`` and ``Adam._update`` from ``base``."""
    from minidl.optim.adam import Adam
    from minidl.optim.optimizer import Optimizer
    old_opt = old_module("minidl/optim/optimizer.py", base)
    old_adam = old_module("minidl/optim/adam.py", base)
    swaps = [_swap_attr(Optimizer, "step", old_opt.Optimizer.__dict__["step"]),
             _swap_attr(Optimizer, "_sync_state", old_opt.Optimizer.__dict__["_sync_state"]),
             _swap_attr(Adam, "_update", old_adam.Adam.__dict__["_update"])]
    return _combine(swaps)


def change_all(base):
    """Old: every code swap of this script at once."""
    return _combine([change_function_apply(base), change_engine_walk(base), change_module_call(base),
                     change_optimizer_step(base)])


def change_version_counters(base=None):
    """Old: nodes record no versions of the arrays they keep, and an optimizer step counts no writes."""
    from minidl.autograd import versions
    from minidl.optim import _hooks
    return _combine([_swap(versions, "note_saved", lambda *args: None),
                     _swap(_hooks, "_count_writes", lambda optimizer: None)])


def _combine(swaps):
    """One (use old, use new) pair for several."""
    return (lambda: [old() for old, _ in swaps]), (lambda: [new() for _, new in swaps])


def _swap_attr(owner, name, replacement):
    """As :func:`_swap` for a class attribute (a classmethod, a function) read from ``owner.__dict__``."""
    current = owner.__dict__[name]
    return (lambda: setattr(owner, name, replacement)), (lambda: setattr(owner, name, current))


def change_fused_adam(base=None):
    """Old: Adam's NumPy update for every parameter."""
    from minidl.optim import _fused
    return _swap(_fused, "adam_applies", lambda *args, **kwargs: False)


def change_fused_sgd(base=None):
    """Old: SGD's NumPy update for every parameter."""
    from minidl.optim import _fused
    return _swap(_fused, "sgd_momentum_applies", lambda *args, **kwargs: False)


CHANGES = {"fused_adam": change_fused_adam, "fused_sgd": change_fused_sgd,
           "function_apply": change_function_apply, "engine_walk": change_engine_walk,
           "module_call": change_module_call, "optimizer_step": change_optimizer_step, "all": change_all,
           "version_counters": change_version_counters}
OPTIMIZER = {"fused_sgd": "sgd"}      # the rest train with Adam, as bench_train.py does


def ab_net(net, use_old, use_new, steps, warmup, optimizer="adam", part="step", batch=None):
    """Alternate old/new step by step on ``net``; return {"old": [s], "new": [s]}.

    ``part``: what is timed: "step" (zero_grad, forward, loss, backward, optimizer
    step), or "optimizer" (only ``opt.step()``, on the gradients of one backward pass).
    ``batch``: instead of the net's batch size (batch 1 leaves mostly the fixed, per-layer cost).
    """
    import minidl as mdl
    import minidl.nn as nn
    import minidl.nn.functional as F
    import minidl.optim as optim
    shape, net_batch, classes, _ = bench_train.NETS[net]
    batch = batch or net_batch
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    model = bench_train.build(net, nn, F)
    opt = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9) if optimizer == "sgd" else \
        optim.Adam(model.parameters(), lr=1e-3)
    x = mdl.tensor(rng.standard_normal((batch,) + shape).astype(np.float32))
    y = mdl.tensor(rng.integers(0, classes, batch))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    if part == "optimizer":
        step()
        step = opt.step      # noqa: F811  (the gradients stay; only the update is timed)
    times = {"old": [], "new": []}
    try:
        for i in range(warmup + steps):
            for label, use in (("old", use_old), ("new", use_new)) if i % 2 == 0 else \
                    (("new", use_new), ("old", use_old)):
                use()
                t0 = time.perf_counter()
                step()
                if i >= warmup:
                    times[label].append(time.perf_counter() - t0)
    finally:
        use_new()
    return times


def main(argv=None):
    """Command line: the change, the nets, steps, threads."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--change", required=True, choices=sorted(CHANGES))
    ap.add_argument("--nets", nargs="+", default=["N1", "N5"], choices=sorted(bench_train.NETS))
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--part", choices=("step", "optimizer"), default="step",
                    help="time the whole training step or only the optimizer's step()")
    ap.add_argument("--batch", type=int, default=None, help="batch size instead of the net's")
    ap.add_argument("--base", default=BASE, help="the commit whose code is 'old' (for the code swaps)")
    args = ap.parse_args(argv)
    bench_train.reexec_with_blas_threads(args.threads)
    bench_train._limit_minidl_threads(args.threads)
    use_old, use_new = CHANGES[args.change](args.base)
    print(f"{args.change}: {args.part}, {args.steps} alternating pairs, {args.threads} thread(s)"
          + (f", batch {args.batch}" if args.batch else "") + f", load {os.getloadavg()[0]:.1f}")
    for net in args.nets:
        t = ab_net(net, use_old, use_new, args.steps, args.warmup, OPTIMIZER.get(args.change, "adam"), args.part,
                   args.batch)
        old, new = statistics.median(t["old"]), statistics.median(t["new"])
        paired = statistics.median(b / a for a, b in zip(t["old"], t["new"]))
        print(f"{net}: old {old * 1e3:.3f} ms, new {new * 1e3:.3f} ms, ratio of medians {new / old:.3f}, "
              f"median paired new/old {paired:.3f}", flush=True)


if __name__ == "__main__":
    main()
