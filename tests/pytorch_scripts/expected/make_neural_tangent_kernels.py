"""Writes ``neural_tangent_kernels.json``: run once with PyTorch 2.13 CPU (``/work/refvenv/bin/python
make_neural_tangent_kernels.py``). It seeds with ``torch.manual_seed(0)`` (the tutorial does not seed; the test
seeds minidl the same way, and minidl's generator draws PyTorch's numbers), runs ``../neural_tangent_kernels.py``
with ``minidl`` written back as ``torch``, and keeps the traced NTK (20 x 5) and the diagonal of the full NTK of
the first test point against the first training point."""
import json
import pathlib
import runpy
import tempfile

import torch

here = pathlib.Path(__file__).resolve().parent
source = (here.parent / "neural_tangent_kernels.py").read_text().replace("minidl", "torch")
with tempfile.TemporaryDirectory() as folder:
    script = pathlib.Path(folder) / "neural_tangent_kernels.py"
    script.write_text(source)
    torch.manual_seed(0)
    g = runpy.run_path(str(script), run_name="__main__")

result = {"trace": [[round(v, 6) for v in row] for row in g["result"].tolist()],
          "full_00_diagonal": g["result_from_ntk_vps"][0, 0].diagonal().tolist()}
(here / "neural_tangent_kernels.json").write_text(json.dumps(result) + "\n")
