"""Run a PyTorch-idiom script as ``__main__`` without touching its text, with its work cut short.

``python _run_script.py SCRIPT [ARGS...]`` runs SCRIPT with ``sys.argv = [SCRIPT, *ARGS]`` and
its folder first on ``sys.path`` (as ``python SCRIPT ARGS`` would). Environment variables
shorten long loops by monkeypatching minidl, never the script:

- ``MINIDL_SCRIPT_MAX_SCHEDULER_STEPS=N``: after the N-th ``scheduler.step()`` of any LR
  scheduler the script ends with exit status 0 (a 200-epoch loop stepped once per epoch
  runs N epochs).
- ``MINIDL_SCRIPT_MAX_OPTIMIZER_STEPS=N``: after the N-th ``optimizer.step()`` the script
  ends with exit status 0.

``MINIDL_SCRIPT_SEED=S`` calls ``minidl.manual_seed(S)`` and ``random.seed(S)`` first, for scripts that do
not seed.
``MINIDL_SCRIPT_PRINT_GLOBALS=name,name`` prints ``name = repr(value)`` for those globals of the script once it
has run, for a test to read what a script keeps without printing (the episode lengths of a training loop).
Matplotlib is switched to its non-interactive backend so ``plt.show()`` returns at once.
"""
import os
import random
import runpy
import sys


class _ScriptCutShort(Exception):
    """Raised by a patched step once the budget is spent."""


def _limit(cls, method_name, budget, what, counts=lambda obj: True):
    """Wrap ``cls.method_name`` so that its ``budget``-th counted call ends the script."""
    original = getattr(cls, method_name)
    calls = [0]

    def limited(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if not counts(self):
            return result
        calls[0] += 1
        if calls[0] >= budget:
            raise _ScriptCutShort(f"stopped after {calls[0]} {what}")
        return result

    setattr(cls, method_name, limited)


def main():
    """Patch, then run the script named by ``sys.argv[1]``."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import minidl
    import minidl.optim as optim
    import minidl.optim.lr_scheduler as lr_scheduler

    scheduler_budget = int(os.environ.get("MINIDL_SCRIPT_MAX_SCHEDULER_STEPS", "0"))
    if scheduler_budget:
        # the constructor's own initial step() (as PyTorch's) is not the script's
        _limit(lr_scheduler.LRScheduler, "step", scheduler_budget, "scheduler steps",
               counts=lambda scheduler: scheduler._step_count > 1)
    optimizer_budget = int(os.environ.get("MINIDL_SCRIPT_MAX_OPTIMIZER_STEPS", "0"))
    if optimizer_budget:
        for cls in {c for c in vars(optim).values() if isinstance(c, type) and issubclass(c, optim.Optimizer)}:
            if "step" in vars(cls):
                _limit(cls, "step", optimizer_budget, "optimizer steps")

    if os.environ.get("MINIDL_SCRIPT_SEED"):
        minidl.manual_seed(int(os.environ["MINIDL_SCRIPT_SEED"]))
        random.seed(int(os.environ["MINIDL_SCRIPT_SEED"]))

    script = os.path.abspath(sys.argv[1])
    sys.argv = [script, *sys.argv[2:]]
    sys.path.insert(0, os.path.dirname(script))
    try:
        script_globals = runpy.run_path(script, run_name="__main__")
    except _ScriptCutShort as stop:
        print(f"[_run_script] {stop}")
        return
    for name in filter(None, os.environ.get("MINIDL_SCRIPT_PRINT_GLOBALS", "").split(",")):
        print(f"[_run_script] {name} = {script_globals[name]!r}")


if __name__ == "__main__":
    main()
