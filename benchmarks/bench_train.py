"""Training-step benchmark of the reference nets N1-N6: minidl vs PyTorch and DeZero, when installed.

For each net it measures, in a fresh child process per (net, framework):
the median time of a training step (forward, cross-entropy, backward, Adam
step) after warm-up, over ``--steps`` steps or more, until at least
``--min-seconds`` (default 1 s) are timed, the median inference time
(eval mode, no graph, timed the same way),
images/s, and the peak resident memory of the process.

PyTorch and DeZero are never dependencies: each is only timed when importable
(by this interpreter, or by ``--peer-python``, another interpreter that has
them), in the same run, net by net, and printed side by side with the
minidl / peer ratios. PyTorch runs with ``torch.set_num_threads(2)``
(``--threads``); minidl gets the same number of BLAS and Numba threads, and
DeZero (pure NumPy) the same number of BLAS threads. DeZero's versions of the
nets are in ``dezero_nets.py``.

With ``--device gpu`` minidl runs on CuPy and PyTorch on CUDA (DeZero is not
timed); every timed step and inference ends with a device synchronisation
(``minidl.backend.gpu_synchronize`` / ``torch.cuda.synchronize``). Without a
usable GPU it says why and exits with status 0 without timing anything.

The machines this project is developed on set OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE, which slow NumPy's BLAS; this benchmark removes both from
its children's environment (a user's machine has neither) and says so.

Usage::

    python benchmarks/bench_train.py                      # all nets, cpu
    python benchmarks/bench_train.py --nets N2 N6 --steps 10
    python benchmarks/bench_train.py --nets N1 N3 --peer-python /work/refvenv/bin/python
    python benchmarks/bench_train.py --device gpu
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

# name: (input shape per image, batch size, classes, description)
NETS = {
    "N1": ((3, 32, 32), 64, 10, "PyTorch-tutorial LeNet"),
    "N2": ((3, 32, 32), 64, 10, "CIFAR deep CNN (32,32,64,64,128,128 + fc512)"),
    "N3": ((3, 64, 64), 32, 10, "TinyVGG (CNN Explainer)"),
    "N4": ((3, 64, 64), 32, 200, "Tiny-ImageNet CNN with batch norm"),
    "N5": ((3, 32, 32), 128, 10, "MLP 3072-512-10"),
    "N6": ((3, 32, 32), 32, 10, "CIFAR ResNet-18"),
}
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def build(net, nn, F):
    """Build reference net ``net`` with a PyTorch-style ``nn``/``F`` namespace (minidl's or torch's)."""
    def convs(cin, widths):
        layers = []
        for w in widths:
            layers += [nn.Conv2d(cin, w, 3, padding=1), nn.ReLU()]
            cin = w
        return layers, cin

    if net == "N1":
        return nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                             nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    if net == "N2":
        layers, cin = [], 3
        for w in (32, 64, 128):
            block, cin = convs(cin, (w, w))
            layers += block + [nn.MaxPool2d(2), nn.Dropout(0.25)]
        return nn.Sequential(*layers, nn.Flatten(), nn.Linear(128 * 4 * 4, 512), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(512, 10))
    if net == "N3":
        return nn.Sequential(nn.Conv2d(3, 10, 3), nn.ReLU(), nn.Conv2d(10, 10, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(10, 10, 3), nn.ReLU(), nn.Conv2d(10, 10, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(13 * 13 * 10, 10))
    if net == "N4":
        def c(i, o):
            return [nn.Conv2d(i, o, 3, padding=1), nn.ReLU()]
        return nn.Sequential(*c(3, 32), *c(32, 32), nn.MaxPool2d(2), nn.BatchNorm2d(32), nn.Dropout(0.5),
                             *c(32, 32), *c(32, 64), nn.MaxPool2d(2), nn.BatchNorm2d(64), nn.Dropout(0.5),
                             *c(64, 128), nn.MaxPool2d(2),
                             *c(128, 128), nn.MaxPool2d(2), nn.BatchNorm2d(128),
                             nn.Flatten(), nn.Dropout(0.5), nn.Linear(128 * 4 * 4, 512), nn.ReLU(),
                             nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, 200))
    if net == "N5":
        return nn.Sequential(nn.Flatten(), nn.Linear(3072, 512), nn.ReLU(), nn.Linear(512, 10))
    if net == "N6":
        return _resnet18_cifar(nn, F)
    raise ValueError(f"unknown net {net!r}; choose from {sorted(NETS)}")


def _resnet18_cifar(nn, F):
    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    blocks, cin = [], 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    return nn.Sequential(nn.Conv2d(3, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), *blocks,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10))


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reexec_with_blas_threads(threads):
    """Restart this script with OPENBLAS_NUM_THREADS=threads unless it is already so.

    OpenBLAS reads its thread count when NumPy loads, and threadpoolctl (which
    could change it later) is not a dependency, so in-process benchmarks that
    pin BLAS's threads start again with the variable set.
    """
    if os.environ.get("OPENBLAS_NUM_THREADS") != str(threads):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
        os.execve(sys.executable, [sys.executable, os.path.abspath(sys.argv[0])] + sys.argv[1:], env)


def _limit_minidl_threads(threads):
    """Pin BLAS (threadpoolctl, when installed) and Numba to ``threads`` threads.

    Numba's OpenMP pool starts here, before minidl loads Numba, so minidl's
    setting of how long its idle workers spin (``config.omp_spin_count``) is
    applied first, as minidl would: libgomp reads it once.
    """
    from minidl.kernels._numba import set_omp_wait
    set_omp_wait()
    import numba
    numba.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
    except ImportError:
        pass


def run_minidl(net, steps, warmup, device, threads=2):
    _limit_minidl_threads(threads)
    import minidl as mdl
    import minidl.nn as nn
    import minidl.nn.functional as F
    import minidl.optim as optim
    shape, batch, classes, _ = NETS[net]
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    base_rss = _peak_rss_mb()
    model = build(net, nn, F).to(device)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = mdl.tensor(rng.standard_normal((batch,) + shape).astype(np.float32), device=device)
    y = mdl.tensor(rng.integers(0, classes, batch), device=device)
    sync = _sync_fn(device)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        sync()

    def infer():
        with mdl.no_grad():
            model(x)
        sync()
    model.train()
    train_times = _time(step, steps, warmup)
    model.eval()
    infer_times = _time(infer, steps, warmup)
    return _result(net, "minidl", device, batch, train_times, infer_times, base_rss)


def run_torch(net, steps, warmup, threads=2, device="cpu"):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch_device = "cpu" if device == "cpu" else "cuda"
    sync = torch.cuda.synchronize if torch_device == "cuda" else (lambda: None)
    shape, batch, classes, _ = NETS[net]
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    base_rss = _peak_rss_mb()
    model = build(net, nn, F).to(torch_device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.from_numpy(rng.standard_normal((batch,) + shape).astype(np.float32)).to(torch_device)
    y = torch.from_numpy(rng.integers(0, classes, batch)).to(torch_device)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        sync()

    def infer():
        with torch.no_grad():
            model(x)
        sync()
    model.train()
    train_times = _time(step, steps, warmup)
    model.eval()
    infer_times = _time(infer, steps, warmup)
    return _result(net, f"torch {torch.__version__}", torch_device, batch, train_times, infer_times, base_rss)


def run_dezero(net, steps, warmup, threads=2):
    """Time DeZero's version of ``net`` (``dezero_nets.py``) on the CPU, BLAS pinned to ``threads``."""
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
    except ImportError:
        pass
    import dezero_nets
    dezero = dezero_nets.import_dezero()
    F = dezero.functions
    shape, batch, classes, _ = NETS[net]
    np.random.seed(0)  # DeZero initialises its weights from NumPy's global generator
    rng = np.random.default_rng(0)
    base_rss = _peak_rss_mb()
    model = dezero_nets.build(net)
    opt = dezero.optimizers.Adam(alpha=1e-3).setup(model)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    y = rng.integers(0, classes, batch)

    def step():
        model.cleargrads()
        F.softmax_cross_entropy(model(x), y).backward()
        opt.update()

    def infer():
        with dezero.test_mode(), dezero.no_grad():
            model(x)
    train_times = _time(step, steps, warmup)
    infer_times = _time(infer, steps, warmup)
    return _result(net, f"dezero {dezero.__version__}", "cpu", batch, train_times, infer_times, base_rss)


def _sync_fn(device):
    if str(device) == "cpu":
        return lambda: None
    from minidl import backend
    return backend.gpu_synchronize


MIN_SECONDS = 0.0      # set from --min-seconds in a child: time steps until at least this much is timed


def _time(fn, steps, warmup):
    """Times of ``fn()`` after ``warmup`` untimed calls: at least ``steps`` calls, and more until they add up to
    ``MIN_SECONDS`` (a median over a few ms-long steps moves with the machine's noise of the moment)."""
    for _ in range(warmup):
        fn()
    times, total = [], 0.0
    while len(times) < steps or total < MIN_SECONDS:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        total += times[-1]
    return times


def _result(net, framework, device, batch, train_times, infer_times, base_rss):
    step = statistics.median(train_times)
    return {"net": net, "framework": framework, "device": str(device), "batch": batch,
            "train_step_ms": 1e3 * step, "train_step_min_ms": 1e3 * min(train_times),
            "infer_ms": 1e3 * statistics.median(infer_times), "images_per_s": batch / step,
            "peak_rss_mb": _peak_rss_mb(), "rss_before_model_mb": base_rss}


def child_main(args):
    global MIN_SECONDS
    MIN_SECONDS = args.min_seconds
    if args.framework == "torch":
        res = run_torch(args.nets[0], args.steps, args.warmup, args.threads, args.device)
    elif args.framework == "dezero":
        res = run_dezero(args.nets[0], args.steps, args.warmup, args.threads)
    else:
        res = run_minidl(args.nets[0], args.steps, args.warmup, args.device, args.threads)
    res["threads"] = args.threads
    print("RESULT " + json.dumps(res))


def _spawn(net, framework, args):
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    if framework != "torch" and "OPENBLAS_NUM_THREADS" not in os.environ:
        # NumPy's OpenBLAS reads this when it loads; threadpoolctl may not be installed to pin it later
        env["OPENBLAS_NUM_THREADS"] = str(args.threads)
    python = sys.executable if framework == "minidl" else args.peer_python
    cmd = [python, __file__, "--child", "--framework", framework, "--nets", net,
           "--steps", str(args.steps), "--min-seconds", str(args.min_seconds), "--warmup", str(args.warmup),
           "--device", args.device,
           "--threads", str(args.threads)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    print(f"[{net} {framework}] failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
    return None


def _peer_available(python, framework, device):
    """Whether ``python`` can import ``framework`` (and, for torch on a GPU run, sees a CUDA device)."""
    if device != "cpu":
        code = "import sys, torch; sys.exit(not torch.cuda.is_available())" if framework == "torch" else "exit(1)"
    else:
        code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({framework!r}) is None)"
    try:
        return subprocess.run([python, "-c", code], capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _gpu_problem():
    """Why minidl cannot use a GPU here (a sentence), or None when it can."""
    from minidl import backend
    return backend.gpu_problem()


def _print_row(res, ours):
    ratio_t = ratio_m = ""
    if res is not ours and ours is not None:
        ratio_t = f"{ours['train_step_ms'] / res['train_step_ms']:.2f}x"
        ratio_m = f"{ours['peak_rss_mb'] / res['peak_rss_mb']:.2f}x"
    print(f"{res['net']:4} {res['framework'][:14]:14} {res['batch']:5d} {res['train_step_ms']:9.1f} "
          f"{res['infer_ms']:9.1f} {res['images_per_s']:8.0f} {res['peak_rss_mb']:8.0f} "
          f"{ratio_t:>12} {ratio_m:>11}", flush=True)


def _print_summary(rows, nets, peers):
    """Per net and peer: median step times over the rounds and every round's minidl / peer ratio."""
    print("\nmedians over the rounds (minidl / peer step ratio per round):")
    for net in nets:
        ours = {r["round"]: r for r in rows if r["net"] == net and r["framework"] == "minidl"}
        for peer in peers:
            theirs = {r["round"]: r for r in rows if r["net"] == net and r["framework"].split()[0] == peer}
            pairs = [(ours[k], theirs[k]) for k in sorted(ours) if k in theirs]
            if not pairs:
                continue
            ratios = [o["train_step_ms"] / t["train_step_ms"] for o, t in pairs]
            print(f"{net:4} minidl {statistics.median(o['train_step_ms'] for o, _ in pairs):8.1f} ms  "
                  f"{peer:7} {statistics.median(t['train_step_ms'] for _, t in pairs):8.1f} ms  "
                  f"ratio {statistics.median(ratios):.2f}x ({', '.join(f'{r:.2f}' for r in ratios)})")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nets", nargs="+", default=sorted(NETS))
    ap.add_argument("--steps", type=int, default=10, help="timed steps per measurement (median reported)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-seconds", type=float, default=1.0,
                    help="time more than --steps steps when they add up to less than this (per measurement)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="alternating rounds over nets and frameworks; >1 also prints medians and per-round ratios")
    ap.add_argument("--device", default="cpu", help="cpu, or gpu (minidl on CuPy against PyTorch CUDA)")
    ap.add_argument("--threads", type=int, default=2,
                    help="threads for all frameworks (torch.set_num_threads; BLAS and Numba for minidl; BLAS "
                         "for DeZero)")
    ap.add_argument("--peer-python", default=sys.executable,
                    help="interpreter that runs the PyTorch and DeZero children (default: this one)")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    ap.add_argument("--no-dezero", action="store_true", help="skip the DeZero comparison")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--framework", default="minidl", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.device = "cpu" if args.device == "cpu" else "gpu"
    if args.child:
        return child_main(args)

    if args.device == "gpu":
        problem = _gpu_problem()
        if problem is not None:
            print(f"no GPU benchmark: {problem}")
            return 0
    removed = [v for v in OPENBLAS_VARS if v in os.environ]
    print(f"note: children run without {', '.join(OPENBLAS_VARS)}"
          + (f" (unset here: {', '.join(removed)})" if removed else " (neither was set)"))
    peers = []
    if not args.no_torch and _peer_available(args.peer_python, "torch", args.device):
        peers.append("torch")
    if not args.no_dezero and args.device == "cpu" and _peer_available(args.peer_python, "dezero", "cpu"):
        peers.append("dezero")
    skipped = [p for p in ("torch", "dezero") if p not in peers]
    if skipped:
        print(f"note: not timed: {', '.join(skipped)} (not importable by {args.peer_python}, not asked for, "
              f"or no {args.device} support)")
    rows = []
    header = (f"{'net':4} {'framework':14} {'batch':>5} {'step ms':>9} {'infer ms':>9} {'img/s':>8} "
              f"{'peak MB':>8} {'minidl/peer':>12} {'mem ratio':>11}")
    for round_index in range(args.rounds):
        if args.rounds > 1:
            print(f"\nround {round_index + 1} of {args.rounds}")
        print(header)
        print("-" * len(header))
        for net in args.nets:
            ours = _spawn(net, "minidl", args)
            results = [ours] + [_spawn(net, peer, args) for peer in peers]
            for res in results:
                if res is not None:
                    res["round"] = round_index
                    _print_row(res, ours)
                    rows.append(res)
    if args.rounds > 1:
        _print_summary(rows, args.nets, peers)
    if args.json:
        with open(args.json + ".tmp", "w") as fh:
            json.dump(rows, fh, indent=1)
        os.replace(args.json + ".tmp", args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
