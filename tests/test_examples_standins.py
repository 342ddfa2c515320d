"""The examples whose real data is not here (Wells' and KTH's Tiny ImageNet nets,
Idler's fruit classifier) run end to end on a tiny generated stand-in in the real
data's on-disk layout, reading it the way they would read the real set: only
``--data-dir`` changes for a user who has the real data."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from minidl.data import standins

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"
OUTPUTS = ("log.csv", "best.h5", "last.h5", "curves.png", "confusion_matrix.png", "worst_errors.png",
           "classification_report.txt", "summary.json")
QUICK = ["--epochs", "1", "--batch-size", "8", "--verbose", "0"]


def load_example(name):
    """``examples/<name>.py`` as a module (its ``main(argv)``)."""
    sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"standin_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIDL_DATA", str(tmp_path / "cache"))  # decoded arrays stay in tmp


@pytest.fixture(scope="module")
def tiny_imagenet(tmp_path_factory):
    return standins.make_tiny_imagenet(tmp_path_factory.mktemp("data") / "tiny-imagenet-200", num_classes=6,
                                       train_per_class=4, val_per_class=2, test_images=2, seed=0)


def run(name, argv, out):
    load_example(name).main(argv + QUICK + ["--out", str(out)])
    for file in OUTPUTS:
        assert (out / file).is_file(), f"{file} missing in {out}"
    return json.loads((out / "summary.json").read_text())


@pytest.mark.parametrize("name, flags, model", [
    ("tiny_imagenet_wells", ["--model", "2"], "wells_cnn"),
    ("tiny_imagenet_kth", ["--config", "D"], "kth_vgg"),
])
def test_tiny_imagenet_examples_on_standin(name, flags, model, tiny_imagenet, tmp_path):
    summary = run(name, ["--data-dir", str(tiny_imagenet)] + flags, tmp_path / name)
    assert summary["dataset"] == "tiny-imagenet" and summary["model"]["name"] == model
    assert summary["model"]["kwargs"]["num_classes"] == 6 and summary["model"]["kwargs"]["image_size"] == 64
    # the paper's protocol: Tiny ImageNet's labelled val split is both monitor and score
    assert summary["val_is_test"] is True
    assert (summary["n_train"], summary["n_test"]) == (24, 12)
    assert 0.0 <= summary["test_accuracy"] <= 1.0 and "test_top5_accuracy" in summary
    assert "paper_val_accuracy" in summary
    report = (tmp_path / name / "classification_report.txt").read_text()
    assert "circle 0" in report  # class names come from words.txt


def test_idler_fruit_example_on_standin(tmp_path):
    root = standins.make_fruit(tmp_path / "fruit", per_class=10, image_size=300, seed=0)
    summary = run("imagefolder_classifier", ["--data-dir", str(root)], tmp_path / "idler")
    assert summary["dataset"] == "imagefolder" and summary["model"]["name"] == "idler_cnn"
    assert summary["model"]["kwargs"]["image_size"] == 300 and summary["model"]["kwargs"]["num_classes"] == 3
    assert summary["parameters"] == 9_966_691  # the paper's layer summary at 300 px
    assert summary["n_test"] == 6 and summary["n_train"] + summary["n_val"] == 24  # 80/20, then 20% val
    report = (tmp_path / "idler" / "classification_report.txt").read_text()
    assert all(name in report for name in ("cherry", "strawberry", "tomato"))
