"""The teaching notebooks in docs/notebooks/: code in .py, paired .ipynb in sync without outputs, each one runs.

Each notebook's source is a jupytext py:percent file ``docs/notebooks/NN_name.py``
(linted and edited like any module); its ``.ipynb`` twin is generated from it
with ``jupytext --to ipynb NN_name.py`` and committed without outputs. Every
notebook found in the folder is checked, so a new one is picked up.

Every notebook is executed top to bottom with nbclient on the ``python3`` kernel
(jupyter_client starts it with this interpreter, ``sys.executable``, so it sees
the same installed minidl), in the notebook's own folder, as Jupyter would. A
cell that raises fails the test with the cell's traceback.

The kernels run with single-threaded BLAS (unless the caller set the thread
count): on a busy 2-core machine OpenBLAS's spinning worker threads made the
training notebook 5-20x slower (4 s vs 54 s measured for the same fit), and
these tests check that the notebooks run, not how fast.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")

REPO = Path(__file__).resolve().parents[1]
NB_DIR = REPO / "docs" / "notebooks"
SHARED_DATA = REPO.parent / "shared" / "data"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
SOURCES = sorted(NB_DIR.glob("*.py"))
EXPECTED = ["01_autograd_from_scratch", "02_im2col_convolution", "03_pooling_and_batchnorm",
            "04_training_a_cnn", "05_kernels_and_devices"]
CELL_TIMEOUT = 300  # seconds per cell; the whole set takes well under a minute


def test_every_notebook_is_present_with_its_source():
    stems = [p.stem for p in NOTEBOOKS]
    assert set(EXPECTED) <= set(stems), f"missing notebooks: {sorted(set(EXPECTED) - set(stems))}"
    assert stems == [p.stem for p in SOURCES], "every .ipynb needs its py:percent source .py and vice versa"


def _cells(path):
    """(cell type, source, tags) of every cell, as jupytext reads the file."""
    nb = jupytext.read(path)
    return [(c.cell_type, c.source.strip(), tuple(c.get("metadata", {}).get("tags", []))) for c in nb.cells]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_notebook_matches_its_source(path):
    """The .ipynb holds the cells of the .py; regenerate with ``jupytext --to ipynb`` after editing."""
    twin = path.with_suffix(".ipynb")
    assert twin.is_file(), f"{twin.name} is missing: run `jupytext --to ipynb {path.name}`"
    text = jupytext.read(path)
    assert text.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent", \
        f"{path.name} is not paired (jupytext --set-formats ipynb,py:percent)"
    got, want = _cells(twin), _cells(path)
    for i, (a, b) in enumerate(zip(got, want)):
        assert a == b, f"{twin.name} cell {i} differs from {path.name}: run `jupytext --to ipynb {path.name}`"
    assert len(got) == len(want), f"{twin.name} has {len(got)} cells, {path.name} {len(want)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path):
    raw = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(raw["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs or execution counts; strip them " \
                      f"(regenerate with `jupytext --to ipynb {path.stem}.py`)"
    assert raw["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_no_absolute_paths(path):
    for cell in json.loads(path.read_text())["cells"]:
        src = "".join(cell["source"])
        for marker in ("/work/", "/home/", "/Users/", "C:\\\\"):
            assert marker not in src, f"{path.name}: absolute path {marker!r} in a cell"


@pytest.fixture(autouse=True)
def _single_threaded_blas(monkeypatch):
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if var not in os.environ:
            monkeypatch.setenv(var, "1")


def _execute(path, replace_parameters=None):
    nb = nbformat.read(path, as_version=4)
    if replace_parameters is not None:
        for cell in nb.cells:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                cell.source = replace_parameters
                break
        else:
            raise AssertionError(f"{path.name} has no cell tagged 'parameters'")
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def _text_outputs(nb):
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                out.append(o.get("text", ""))
            elif "data" in o and "text/plain" in o["data"]:
                out.append(o["data"]["text/plain"])
    return "\n".join(out)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path):
    nb, seconds = _execute(path)
    print(f"{path.name}: {seconds:.1f} s")
    text = _text_outputs(nb)
    if path.name.startswith("01"):
        assert "caught:" in text and "fixed: True" in text
    if path.name.startswith("05"):
        assert ("No usable GPU here" in text) or ("GPU available" in text)
        assert "CUDA im2col (simulated) == NumPy reference: True" in text


@pytest.mark.data
@pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason=f"MNIST not found at {SHARED_DATA}")
def test_training_notebook_on_mnist():
    params = 'DATASET = "mnist"\nN_TRAIN, N_TEST = 2000, 500\nEPOCHS = 3\n'
    nb, seconds = _execute(NB_DIR / "04_training_a_cnn.ipynb", replace_parameters=params)
    print(f"04 on MNIST: {seconds:.1f} s")
    text = _text_outputs(nb)
    assert "2000 training and 500 test images; one image: (1, 28, 28)" in text
