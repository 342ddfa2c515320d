"""More well-known public PyTorch scripts run on minidl with only their import lines rewritten (see
``test_pytorch_scripts.py`` for the scheme): pytorch/examples time_sequence_prediction, super_resolution and
fast_neural_style's network, and the "NLP From Scratch" tutorials, each cut to a few seconds through its own
arguments or constants (a comment in the script marks every constant changed)."""
from __future__ import annotations

import re
import shutil

from test_pytorch_scripts import SCRIPTS, run_script


def test_pytorch_examples_time_sequence_prediction(tmp_path):
    """time_sequence_prediction: generate_sine_wave.py saves a NumPy array with ``torch.save``; train.py loads it
    (``weights_only=False``) into ``torch.from_numpy``, runs two LSTMCells on a ``.double()`` model with
    ``input.split(1, dim=1)``, fits with LBFGS(lr=0.8) and a closure, then predicts 1000 future steps under
    ``no_grad`` and saves matplotlib PDFs."""
    work = tmp_path / "time_sequence_prediction"
    shutil.copytree(SCRIPTS / "time_sequence_prediction", work, ignore=shutil.ignore_patterns("__pycache__"))
    run_script(work / "generate_sine_wave.py", work)
    out = run_script(work / "train.py", work, "--steps", "1")
    losses = [float(v) for v in re.findall(r"^loss: (\S+)$", out, flags=re.M)]
    assert len(losses) == 20  # LBFGS' default max_iter: 20 closure calls, the first before any step
    assert losses[-1] < 0.1 * losses[0]
    test_loss = float(re.search(r"^test loss: (\S+)$", out, flags=re.M).group(1))
    assert test_loss < 0.05
    assert (work / "predict0.pdf").stat().st_size > 1000
