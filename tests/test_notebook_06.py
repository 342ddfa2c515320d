"""Notebook 06 (higher-order gradients): paired with its jupytext source, committed without outputs,
and executed top to bottom with nbclient like the other notebooks."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "docs" / "notebooks" / "06_higher_order_gradients.ipynb"
SOURCE = NOTEBOOK.with_suffix(".py")
CELL_TIMEOUT = 300


def test_notebook_is_paired_with_its_jupytext_source():
    """The .ipynb is generated from the .py (``jupytext --to ipynb``); the cells must agree."""
    from_source = jupytext.read(SOURCE)
    committed = nbformat.read(NOTEBOOK, as_version=4)
    strip = [(c.cell_type, c.source.strip()) for c in from_source.cells]
    assert strip == [(c.cell_type, c.source.strip()) for c in committed.cells], \
        f"{NOTEBOOK.name} differs from {SOURCE.name}: run `jupytext --to ipynb {SOURCE.relative_to(REPO)}`"


def test_committed_notebook_has_no_outputs():
    raw = json.loads(NOTEBOOK.read_text())
    dirty = [i for i, c in enumerate(raw["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{NOTEBOOK.name}: cells {dirty} carry outputs; strip them"
    assert raw["metadata"]["kernelspec"]["name"] == "python3"
    for cell in raw["cells"]:
        src = "".join(cell["source"])
        assert "/work/" not in src and "/home/" not in src


def test_notebook_executes(monkeypatch):
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if var not in os.environ:
            monkeypatch.setenv(var, "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    text = "\n".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                     if o.get("output_type") == "stream")
    assert "f'''= 6.0" in text
    assert "symmetric: True   H @ v matches: True" in text
    assert "gradcheck: True  gradgradcheck: True" in text
    distances = [float(line.rsplit("=", 1)[1]) for line in text.splitlines() if "distance to (1, 1)" in line]
    assert distances and distances[-1] < 1e-8          # Newton's method converged
    assert "RuntimeError: NumpySoftplusBackward" in text
