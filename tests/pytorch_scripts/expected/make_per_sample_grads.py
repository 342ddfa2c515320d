"""Writes ``per_sample_grads.json``: run once with PyTorch 2.13 CPU (``/work/refvenv/bin/python
make_per_sample_grads.py``). It runs ``../per_sample_grads.py`` with ``minidl`` written back as ``torch`` and keeps,
for every parameter and the samples 0, 1 and 63, the sum and the absolute sum of its per-sample gradient, from the
hand loop and from ``vmap(grad(...))``, and the loss of the whole batch (the script seeds with
``torch.manual_seed(0)``, and minidl's generator draws PyTorch's numbers)."""
import json
import pathlib
import runpy
import tempfile

here = pathlib.Path(__file__).resolve().parent
source = (here.parent / "per_sample_grads.py").read_text().replace("minidl", "torch")
with tempfile.TemporaryDirectory() as folder:
    script = pathlib.Path(folder) / "per_sample_grads.py"
    script.write_text(source)
    g = runpy.run_path(str(script), run_name="__main__")


def summary(grads):
    """[[sum, abs sum] for samples 0, 1, 63] per parameter."""
    return [[[float(grad[i].sum()), float(grad[i].abs().sum())] for i in (0, 1, 63)] for grad in grads]


result = {"loss": g["loss"].item(), "names": list(g["params"]), "loop": summary(g["per_sample_grads"]),
          "vmap": summary(list(g["ft_per_sample_grads"].values()))}
(here / "per_sample_grads.json").write_text(json.dumps(result) + "\n")
