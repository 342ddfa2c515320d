"""Run a keras.io example script as ``__main__`` without touching its text, with its work cut short.

``python _run_script.py SCRIPT [ARGS...]`` runs SCRIPT with ``sys.argv = [SCRIPT, *ARGS]`` in the
current folder (the scripts read their data relative to it, as on keras.io). Environment variables
shorten the work by monkeypatching minidl.keras, never the script:

- ``MINIDL_KERAS_MAX_EPOCHS=N``: every ``Model.fit`` runs at most N epochs (``epochs=25`` runs N).
- ``MINIDL_SCRIPT_SEED=S``: ``keras.utils.set_random_seed(S)`` before the script runs.
- ``MINIDL_SCRIPT_NO_PLOT_MODEL=1``: ``keras.utils.plot_model`` only checks that the model is built and
  prints ``[_run_script] plot_model skipped``: it needs the optional pydot and graphviz, and without them
  raises ImportError, in Keras as here.
- ``MINIDL_SCRIPT_PRINT_GLOBALS=name,name``: print ``name = repr(value)`` for those globals of the
  script once it has run, for a test to read what a script keeps without printing.
- ``MINIDL_SCRIPT_PRINT_EXPRS=expr;expr``: likewise ``expr = repr(eval(expr))`` in the script's globals
  (``vectorize_layer.get_vocabulary()[:5]``).
- ``MINIDL_SCRIPT_PATH_MAP=src=dst;src=dst``: ``open(src)`` and ``numpy.loadtxt(src)`` read ``dst``
  instead, for scripts that read their data from a fixed absolute path or a URL (exact matches only).

Matplotlib is switched to its non-interactive backend so ``plt.show()`` returns at once.
"""
import os
import runpy
import sys


def _cap_epochs(max_epochs):
    """Wrap ``Model.fit`` so that it trains at most ``max_epochs`` epochs."""
    from minidl.keras.models.training import TrainingMixin
    original_fit = TrainingMixin.fit

    def fit(self, *args, **kwargs):
        if len(args) >= 4:  # x, y, batch_size, epochs given by position
            args = (*args[:3], min(args[3], max_epochs), *args[4:])
        else:
            kwargs["epochs"] = min(kwargs.get("epochs", 1), max_epochs)
        return original_fit(self, *args, **kwargs)

    fit.__doc__ = original_fit.__doc__
    TrainingMixin.fit = fit


def _skip_plot_model():
    """Replace ``keras.utils.plot_model`` by a check that the model is built."""
    from minidl.keras import utils

    def plot_model(model, *args, **kwargs):
        if not model.built:
            raise ValueError("plot_model: the model is not built")
        print("[_run_script] plot_model skipped")

    utils.plot_model = plot_model


def _map_paths(spec):
    """Make ``open`` and ``numpy.loadtxt`` read the mapped local file for each ``src=dst`` of ``spec``."""
    import builtins

    import numpy
    mapping = dict(item.split("=", 1) for item in filter(None, spec.split(";")))
    original_open, original_loadtxt = builtins.open, numpy.loadtxt

    def open_(file, *args, **kwargs):
        return original_open(mapping.get(file, file) if isinstance(file, str) else file, *args, **kwargs)

    def loadtxt(fname, *args, **kwargs):
        return original_loadtxt(mapping.get(fname, fname) if isinstance(fname, str) else fname, *args, **kwargs)

    builtins.open, numpy.loadtxt = open_, loadtxt


def main():
    """Patch, then run the script named by ``sys.argv[1]``."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from minidl import keras

    if os.environ.get("MINIDL_KERAS_MAX_EPOCHS"):
        _cap_epochs(int(os.environ["MINIDL_KERAS_MAX_EPOCHS"]))
    if os.environ.get("MINIDL_SCRIPT_NO_PLOT_MODEL"):
        _skip_plot_model()
    if os.environ.get("MINIDL_SCRIPT_PATH_MAP"):
        _map_paths(os.environ["MINIDL_SCRIPT_PATH_MAP"])
    if os.environ.get("MINIDL_SCRIPT_SEED"):
        keras.utils.set_random_seed(int(os.environ["MINIDL_SCRIPT_SEED"]))

    script = os.path.abspath(sys.argv[1])
    sys.argv = [script, *sys.argv[2:]]
    sys.path.insert(0, os.path.dirname(script))
    script_globals = runpy.run_path(script, run_name="__main__")
    for name in filter(None, os.environ.get("MINIDL_SCRIPT_PRINT_GLOBALS", "").split(",")):
        print(f"[_run_script] {name} = {script_globals[name]!r}")
    for expr in filter(None, os.environ.get("MINIDL_SCRIPT_PRINT_EXPRS", "").split(";")):
        print(f"[_run_script] {expr} = {eval(expr, script_globals)!r}")


if __name__ == "__main__":
    main()
