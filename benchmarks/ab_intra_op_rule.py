"""In-process A/B/C... of ``config.intra_op_parallel``'s per-op rule: its thresholds in ``kernels/_threads.py``.

Like ``ab_config.py``, but each variant is a comma-separated list of
``NAME=VALUE`` settings, where NAME is a ``minidl.config`` field or one of the
rule's constants in ``kernels/_threads.py`` (VALUE a Python integer expression
such as ``1<<22``). The variants alternate step by step on one model per net;
the first is the baseline, and each other one's median paired ratio to it is
printed (each step over the baseline step next to it).

Run (the OPENBLAS_* variables set on the development machines slow BLAS)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/ab_intra_op_rule.py --nets N1 N5 \\
        --threads 2 --steps 15 -- "intra_op_parallel=0" "intra_op_parallel=1" \\
        "intra_op_parallel=1,LAUNCH_SPLIT_MIN_BYTES=1<<20" "intra_op_parallel=1,CONV_SPLIT_MIN=0"
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ab_config  # noqa: E402
import bench_train  # noqa: E402


def parse_variant(spec):
    """``"a=1,B=1<<20"`` -> ``{"a": "1", "B": "1<<20"}``."""
    settings = {}
    for item in filter(None, spec.split(",")):
        name, _, value = item.partition("=")
        settings[name.strip()] = value.strip()
    return settings


@contextlib.contextmanager
def applied(settings):
    """Set the rule's constants (kernels/_threads.py) and config fields for a ``with`` block."""
    import minidl as mdl
    from minidl.kernels import _threads
    constants = {k: int(eval(v, {})) for k, v in settings.items() if k.isupper() and hasattr(_threads, k)}
    fields = {k: v for k, v in settings.items() if k not in constants}
    saved = {k: getattr(_threads, k) for k in constants}
    for name, value in constants.items():
        setattr(_threads, name, value)
    try:
        with mdl.using_config(**fields):
            yield
    finally:
        for name, value in saved.items():
            setattr(_threads, name, value)


def ab_net(net, variants, steps, warmup, settle):
    """Alternate ``variants`` step by step on ``net``; return one list of step times (s) per variant."""
    step = ab_config.training_step(net)
    times = [[] for _ in variants]
    for i in range(warmup + steps):
        for j, settings in enumerate(variants):
            with applied(settings):
                if settle:
                    time.sleep(settle)
                t0 = time.perf_counter()
                step()
                if i >= warmup:
                    times[j].append(time.perf_counter() - t0)
    return times


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nets", nargs="+", default=["N1"])
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--settle", type=float, default=0.2, help="untimed sleep before each step, in s")
    ap.add_argument("variants", nargs="+", help='e.g. "intra_op_parallel=1,LAUNCH_SPLIT_MIN_BYTES=1<<20"')
    args = ap.parse_args(argv)
    bench_train.reexec_with_blas_threads(args.threads)
    bench_train._limit_minidl_threads(args.threads)
    variants = [parse_variant(v) for v in args.variants]
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {args.threads} thread(s); settle {args.settle} s")
    for j, spec in enumerate(args.variants):
        print(f"  v{j}: {spec}")
    for net in args.nets:
        times = ab_net(net, variants, args.steps, args.warmup, args.settle)
        base = times[0]
        parts = [f"v0 {1e3 * statistics.median(base):.2f} ms"]
        for j in range(1, len(variants)):
            paired = statistics.median(b / a for a, b in zip(base, times[j]))
            parts.append(f"v{j} {1e3 * statistics.median(times[j]):.2f} ms, paired {paired:.3f}x")
        print(f"{net}: " + "; ".join(parts) + f" (load now {os.getloadavg()[0]:.2f})", flush=True)


if __name__ == "__main__":
    main()
