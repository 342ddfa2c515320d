"""Float32 training fidelity: how far a float32 training run drifts from the same run in float64.

What is measured
----------------
A net is trained for K steps twice, once in float32 and once in float64, from
the *same* initial weights (drawn in float32, so that both copies hold exactly
the same numbers) on the *same* fixed batches (Shapes images, exact in both
precisions), with the same optimizer, under the same ``minidl.config``. The
only difference between the two runs is float32 rounding, in every kernel of
the forward and backward passes and in the optimizer's update. After each
step t it reports

* ``loss_rel[t] = |L32(t) - L64(t)| / |L64(t)|``, the loss of the batch seen
  at step t (computed before that step's update),
* ``param_rel[t] = ||theta32(t) - theta64(t)|| / ||theta64(t) - theta0||``,
  the L2 distance between the flattened parameter vectors of the two runs
  after t updates, relative to the distance the float64 run has travelled from
  the shared start ``theta0``, and
* ``grad_rel[t] = max over parameter tensors of ||g32(t) - g64(t)|| / ||g64(t)||``,
  the gradients of that step. At step 1 both runs hold the same weights, so
  ``grad_rel[0]`` is the forward and backward kernels' own float32 error.

Why this is meaningful: every kernel's rounding error (about 6e-8 relative per
float32 operation, times a factor that grows with the length of its sums and
with the algorithm: direct loops, im2col + BLAS, Winograd transforms) enters
every step, and training feeds it back: step t+1 computes gradients at the
slightly different weights of step t, ReLU masks and max-pool choices flip,
Adam divides small gradients by their own running size. ``param_rel`` divides
the accumulated drift by the size of the training signal (how far the weights
moved), so it does not depend on the weights' magnitude and is 0 for exact
arithmetic. In the first steps it is dominated by the rounding of the float32
weights themselves (an update of 1e-4 on a weight of 0.1 keeps only about 3
digits), later by the amplification; ``grad_rel`` isolates the kernels: it
grows linearly with their error (random relative noise of 1, 2.5 and 8
float32 epsilons put on the direct convolutions' outputs and gradients raised
the step-1 ``grad_rel`` 1.2-1.5x, 1.7-2.8x and 5-9x on these nets).
A flipped ReLU or max-pool choice moves a whole unit's gradient at once,
so single runs jump by orders of magnitude at random steps; the summary is
therefore the median over a few seeds (initial weights and batches) of each
run's maximum over steps, which one such event does not move.

The float64 run uses the same configuration as the float32 one; the conv
algorithms' float64 results differ by ~1e-16, far below what is measured.

Nets: TinyVGG (``minidl.models.tiny_vgg``, benchmark net N3, direct-kernel
sized layers) and a CIFAR ResNet basic-block net (stem conv-BN-ReLU, one
``minidl.models.resnet.BasicBlock``, global average pool, linear).
Optimizers: SGD with momentum 0.9 (lr 0.01) and Adam (lr 1e-3). Loss:
cross-entropy. Everything is seeded, so a run is repeatable.

Usage::

    python benchmarks/trajectory_fidelity.py                        # every conv algorithm
    python benchmarks/trajectory_fidelity.py --conv-algorithm im2col --steps 50
    python benchmarks/trajectory_fidelity.py --config im2col_budget_mb=1 --json out.json
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np

# the checkout this script belongs to, before any installed minidl
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NETS = ("tinyvgg", "resblock")
OPTIMIZERS = ("sgd", "adam")


def conv_algorithms():
    """The choices of ``minidl.config.conv_algorithm`` (every one is measured by default)."""
    import minidl
    field = {f.name: f for f in minidl.config.fields()}["conv_algorithm"]
    return tuple(field.choices)


def build_net(name, image_size, num_classes=10, seed=0):
    """The float32 net ``name`` ("tinyvgg" or "resblock"), initialised from ``seed``."""
    import minidl as mdl
    from minidl import nn
    from minidl.models import tiny_vgg
    from minidl.models.resnet import BasicBlock
    mdl.manual_seed(seed)
    if name == "tinyvgg":
        return tiny_vgg(num_classes=num_classes, image_size=image_size)
    if name == "resblock":
        width = 16
        return nn.Sequential(nn.Conv2d(3, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                             BasicBlock(width, width), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                             nn.Linear(width, num_classes))
    raise ValueError(f"trajectory_fidelity: unknown net {name!r}; choose from {', '.join(NETS)}")


def make_optimizer(name, params):
    """SGD (lr 0.01, momentum 0.9) or Adam (lr 1e-3) over ``params``."""
    from minidl import optim
    if name == "sgd":
        return optim.SGD(params, lr=0.01, momentum=0.9)
    if name == "adam":
        return optim.Adam(params, lr=1e-3)
    raise ValueError(f"trajectory_fidelity: unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")


def make_batches(image_size, batch_size, num_batches, seed=0):
    """``num_batches`` fixed (x, y) NumPy batches of Shapes images, x float64 (B, 3, S, S) centred, y int64."""
    from minidl.data import Shapes
    data = Shapes(batch_size * num_batches, image_size=image_size, seed=seed)
    x = data.data.transpose(0, 3, 1, 2).astype(np.float64) / 255.0 - 0.5   # exact in float32 too
    y = np.asarray(data.targets, dtype=np.int64)
    return [(x[i * batch_size:(i + 1) * batch_size], y[i * batch_size:(i + 1) * batch_size])
            for i in range(num_batches)]


def _flat_params(model):
    return np.concatenate([p.detach().numpy().astype(np.float64).ravel() for p in model.parameters()])


def measure(net="tinyvgg", optimizer="sgd", steps=30, batch_size=16, image_size=None, num_batches=4,
            seed=0, config=None):
    """Train ``net`` in float32 and float64 side by side for ``steps`` steps; return the per-step measure.

    ``config``: ``minidl.config`` fields set (``minidl.using_config``) for both runs.
    Returns a dict with ``loss_rel``, ``param_rel`` and ``grad_rel`` (lists of length
    ``steps``, see the module docstring), ``loss64`` (the float64 losses) and the settings.
    """
    import copy

    import minidl as mdl
    import minidl.nn.functional as F
    image_size = image_size or (64 if net == "tinyvgg" else 32)
    batches = make_batches(image_size, batch_size, num_batches, seed)
    model32 = build_net(net, image_size, seed=seed)
    model64 = copy.deepcopy(model32).double()      # the same numbers: float32 values are exact in float64
    models = {"float32": model32, "float64": model64}
    opts = {k: make_optimizer(optimizer, m.parameters()) for k, m in models.items()}
    theta0 = _flat_params(model64)
    loss_rel, param_rel, grad_rel, loss64 = [], [], [], []
    with mdl.using_config(**(config or {})):
        for t in range(steps):
            x, y = batches[t % num_batches]
            losses, grads = {}, {}
            for key, model in models.items():
                model.train()
                opts[key].zero_grad()
                loss = F.cross_entropy(model(mdl.tensor(x.astype(key))), mdl.tensor(y))
                loss.backward()
                grads[key] = [p.grad.numpy().astype(np.float64) for p in model.parameters()]
                opts[key].step()
                losses[key] = float(loss.item())
            grad_rel.append(max(float(np.linalg.norm(g32 - g64) / np.linalg.norm(g64))
                                for g32, g64 in zip(grads["float32"], grads["float64"]) if np.any(g64)))
            loss_rel.append(abs(losses["float32"] - losses["float64"]) / abs(losses["float64"]))
            loss64.append(losses["float64"])
            theta32, theta64 = _flat_params(model32), _flat_params(model64)
            travelled = float(np.linalg.norm(theta64 - theta0))
            param_rel.append(float(np.linalg.norm(theta32 - theta64)) / travelled if travelled else math.nan)
    return {"net": net, "optimizer": optimizer, "steps": steps, "batch_size": batch_size,
            "image_size": image_size, "seed": seed, "config": dict(config or {}),
            "loss_rel": loss_rel, "param_rel": param_rel, "grad_rel": grad_rel, "loss64": loss64}


def summarize(result):
    """(max loss_rel, max param_rel, max grad_rel) over the steps of one :func:`measure` result."""
    return max(result["loss_rel"]), max(result["param_rel"]), max(result["grad_rel"])


def fidelity(net="tinyvgg", optimizer="sgd", seeds=(0, 1, 2), **kwargs):
    """:func:`measure` for each seed (weights and batches); the seeds' median of each run's maximum.

    Returns ``{"loss_rel": median over seeds of max_t loss_rel[t], "param_rel": the same
    for param_rel, "per_step_param_rel": the seeds' median at each step, "worst_param_rel":
    the largest max over seeds, "runs": the measure() results}``. The median makes the
    figure robust to a single discrete event (a ReLU or max-pool choice that flips
    between the two runs, which moves a whole unit's gradient at once).
    """
    import statistics
    runs = [measure(net, optimizer, seed=seed, **kwargs) for seed in seeds]
    per_step = [statistics.median(r["param_rel"][t] for r in runs) for t in range(len(runs[0]["param_rel"]))]
    return {"net": net, "optimizer": optimizer, "seeds": list(seeds), "config": runs[0]["config"],
            "loss_rel": statistics.median(summarize(r)[0] for r in runs),
            "param_rel": statistics.median(summarize(r)[1] for r in runs),
            "worst_param_rel": max(summarize(r)[1] for r in runs),
            "grad_rel": statistics.median(summarize(r)[2] for r in runs),
            "first_grad_rel": statistics.median(r["grad_rel"][0] for r in runs),
            "per_step_param_rel": per_step, "runs": runs}


def _parse_config(items):
    config = {}
    for item in items or ():
        if "=" not in item:
            raise SystemExit(f"trajectory_fidelity: --config takes field=value, got {item!r}")
        key, value = item.split("=", 1)
        config[key.strip()] = value.strip()
    return config


def _show_steps(steps, every):
    shown = [t for t in range(steps) if (t + 1) % every == 0 or t == 0]
    return shown if shown[-1] == steps - 1 else shown + [steps - 1]


def main(argv=None):
    """Command line: measure every (net, optimizer, conv algorithm), print the table, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nets", nargs="+", default=list(NETS), choices=NETS)
    ap.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS), choices=OPTIMIZERS)
    ap.add_argument("--conv-algorithm", nargs="+", default=None,
                    help="conv algorithms to measure (default: every choice of minidl.config.conv_algorithm)")
    ap.add_argument("--config", nargs="*", default=[], metavar="FIELD=VALUE",
                    help="further minidl.config fields for both runs, e.g. im2col_budget_mb=1")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--image-size", type=int, default=None, help="default: 64 for tinyvgg, 32 for resblock")
    ap.add_argument("--num-batches", type=int, default=4, help="fixed batches, cycled")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--every", type=int, default=10, help="print the median param_rel of every n-th step")
    ap.add_argument("--json", help="write every per-step value to this file")
    args = ap.parse_args(argv)
    algorithms = args.conv_algorithm or conv_algorithms()
    extra = _parse_config(args.config)
    results = []
    print(f"float32 vs float64 trajectories: {args.steps} steps, batch {args.batch_size}, seeds {args.seeds}"
          + (f", config {extra}" if extra else ""))
    print("loss_rel = |L32-L64|/|L64|; param_rel = ||theta32-theta64|| / ||theta64-theta0||; "
          "grad_rel = max over parameter tensors of ||g32-g64||/||g64||")
    print("columns: median over seeds of the max over steps (param_rel: and the worst seed's), grad_rel at step 1 "
          "(same weights in both runs: the kernels' own error), then the seeds' median param_rel at steps")
    print(f"{'net':9} {'optim':5} {'conv':7} {'loss_rel':>9} {'param_rel':>9} {'(worst)':>9} {'grad_rel':>9} "
          f"{'grad_rel1':>9}  param_rel at step")
    for net in args.nets:
        for opt in args.optimizers:
            for algorithm in algorithms:
                config = dict(extra, conv_algorithm=algorithm)
                r = fidelity(net, opt, seeds=args.seeds, steps=args.steps, batch_size=args.batch_size,
                             image_size=args.image_size, num_batches=args.num_batches, config=config)
                results.append(r)
                shown = " ".join(f"{t + 1}:{r['per_step_param_rel'][t]:.1e}"
                                 for t in _show_steps(args.steps, args.every))
                print(f"{net:9} {opt:5} {algorithm:7} {r['loss_rel']:9.2e} {r['param_rel']:9.2e} "
                      f"{r['worst_param_rel']:9.2e} {r['grad_rel']:9.2e} {r['first_grad_rel']:9.2e}  {shown}",
                      flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
        print(f"per-step values written to {args.json}")
    return results


if __name__ == "__main__":
    main()
