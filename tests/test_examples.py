"""Smoke runs of the example scripts with tiny limits (seconds each), their outputs,
and the exit status 2 of ``--device gpu`` without a usable GPU."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minidl

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
OUTPUTS = ("log.csv", "best.h5", "curves.png", "confusion_matrix.png", "worst_errors.png",
           "summary.json")
TINY = ["--limit-train", "64", "--limit-test", "32", "--epochs", "1", "--batch-size", "16",
        "--verbose", "0"]


def load_example(name):
    """The example script ``examples/<name>.py`` as a module (its ``main(argv)`` callable)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_outputs(out, dataset, top5):
    for name in OUTPUTS:
        assert (out / name).is_file(), f"{name} missing in {out}"
    summary = json.loads((out / "summary.json").read_text())
    for key in ("test_accuracy", "epochs", "wall_time_s", "device", "dataset"):
        assert key in summary, key
    assert 0.0 <= summary["test_accuracy"] <= 1.0
    assert summary["epochs"] == 1 and summary["device"] == "cpu"
    assert summary["dataset"] == dataset
    assert ("test_top5_accuracy" in summary) == top5
    return summary


def test_tiny_vgg_headline_smoke(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "tiny_vgg.py"), "--limit-train", "300", "--limit-test",
         "100", "--epochs", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "test accuracy" in proc.stdout
    summary = check_outputs(out, "shapes", top5=True)
    assert summary["model"]["name"] == "tiny_vgg"
    model = minidl.load_model(out / "best.h5")  # the checkpoint rebuilds the zoo model
    assert model.config == summary["model"]


@pytest.mark.skipif(minidl.gpu_available(), reason="a GPU is usable here")
def test_device_gpu_without_gpu_exits_2(tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLES / "tiny_vgg.py"), "--device", "gpu",
                           "--out", str(tmp_path / "run")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("name, flags, top5", [
    ("cifar10_wallace", ["--dataset", "shapes", "--base-filters", "4", "--dense", "16"], True),
    ("tiny_imagenet_wells", ["--dataset", "shapes", "--image-size", "48", "--model", "1"], True),
    ("tiny_imagenet_kth", ["--dataset", "shapes", "--image-size", "32", "--config", "F"], True),
])
def test_paper_examples_run_offline(name, flags, top5, tmp_path):
    out = tmp_path / name
    load_example(name).main(flags + TINY + ["--out", str(out)])
    summary = check_outputs(out, "shapes", top5)
    assert summary["model"]["name"] in ("wallace_cnn", "wells_cnn", "kth_vgg")


def test_imagefolder_classifier_on_a_folder(tmp_path, monkeypatch):
    from PIL import Image
    monkeypatch.setenv("MINIDL_DATA", str(tmp_path / "cache"))  # the decoded-image cache
    from minidl.data import Shapes
    shapes = Shapes(60, image_size=24, num_classes=3, seed=5)
    root = tmp_path / "images"
    for i, (img, label) in enumerate(zip(shapes.data, shapes.targets)):
        folder = root / shapes.classes[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(folder / f"{i:03d}.png")
    out = tmp_path / "run"
    load_example("imagefolder_classifier").main(
        ["--data-dir", str(root), "--image-size", "24", "--epochs", "1", "--verbose", "0",
         "--out", str(out)])
    summary = check_outputs(out, "imagefolder", top5=False)
    assert summary["n_test"] == 12 and summary["model"]["kwargs"]["image_size"] == 24


@pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason=f"MNIST not found at {SHARED_DATA}")
def test_mnist_seed_nets_smoke(tmp_path):
    out = tmp_path / "run"
    load_example("mnist_seed_nets").main(
        ["--model", "lenet", "--lenet-channels", "4", "8", "--lenet-hidden", "16"] + TINY
        + ["--out", str(out)])
    summary = check_outputs(out, "mnist", top5=True)
    assert summary["model"]["kwargs"]["in_channels"] == 1


def test_googlenet_trains_through_fit():
    from minidl import models, optim
    from minidl.train import fit
    net = models.googlenet(num_classes=3, in_channels=1)
    x = np.random.default_rng(0).random((8, 1, 28, 28), dtype=np.float32)
    y = np.arange(8) % 3
    hist = fit(net, (x, y), epochs=1, optimizer=optim.SGD(net.parameters(), lr=0.01),
               loss=models.googlenet_loss(), val_data=(x, y), batch_size=4, verbose=0)
    assert len(hist.history["loss"]) == 1 and "val_accuracy" in hist.history


def test_init_weights_starts_from_a_checkpoint(tmp_path):
    """--init-weights loads an earlier run's best.h5; a checkpoint of another model is refused by name."""
    first, second = tmp_path / "first", tmp_path / "second"
    base = [sys.executable, str(EXAMPLES / "tiny_vgg.py"), "--limit-train", "200", "--limit-test", "50",
            "--epochs", "1", "--verbose", "0"]
    assert subprocess.run(base + ["--out", str(first)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path).returncode == 0
    proc = subprocess.run(base + ["--out", str(second), "--init-weights", str(first / "best.h5")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"initial weights from {first / 'best.h5'}" in proc.stdout
    summary = json.loads((second / "summary.json").read_text())
    assert summary["args"]["init_weights"] == str(first / "best.h5")
    other = subprocess.run([sys.executable, str(EXAMPLES / "cifar10_wallace.py"), "--dataset", "shapes",
                            *TINY, "--out", str(tmp_path / "other"), "--init-weights", str(first / "best.h5")],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert other.returncode == 2
    assert "best.h5" in other.stderr and "Traceback" not in other.stderr


def test_flip_averaged_log_probs_is_the_log_of_the_mean_softmax():
    common = load_example("_common")
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(7, 5)) * 4, rng.normal(size=(7, 5)) * 4

    def softmax(z):
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)
    out = common.flip_averaged_log_probs(a, b)
    assert out.shape == (7, 5) and out.dtype == np.float32
    np.testing.assert_allclose(np.exp(out), (softmax(a) + softmax(b)) / 2, rtol=1e-6)
    np.testing.assert_allclose(out, common.flip_averaged_log_probs(b, a))   # the views are symmetric
    same = common.flip_averaged_log_probs(a, a)                               # one view twice: its log-softmax
    np.testing.assert_allclose(same, np.log(softmax(a)), rtol=1e-5, atol=1e-6)


def test_tta_flip_reevaluates_a_checkpoint_without_training(tmp_path):
    """--epochs 0 --init-weights best.h5 --tta flip: the single view equals the training run's test
    accuracy, the flip-averaged accuracy is reported beside it, and no curves are drawn for 0 epochs."""
    first, again = tmp_path / "first", tmp_path / "again"
    base = [sys.executable, str(EXAMPLES / "cifar10_wallace.py"), "--dataset", "shapes", "--kind", "basic",
            "--base-filters", "8", *TINY]
    assert subprocess.run(base + ["--out", str(first)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path).returncode == 0
    proc = subprocess.run(base[:-6] + ["--epochs", "0", "--verbose", "0", "--tta", "flip",
                                       "--init-weights", str(first / "best.h5"), "--out", str(again)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    trained = json.loads((first / "summary.json").read_text())
    summary = json.loads((again / "summary.json").read_text())
    assert summary["epochs"] == 0 and summary["tta"] == "flip"
    assert summary["test_accuracy_single_view"] == trained["test_accuracy"]
    assert 0.0 <= summary["test_accuracy"] <= 1.0
    assert "flip TTA; single view" in proc.stdout
    assert not (again / "curves.png").exists() and (again / "confusion_matrix.png").is_file()


def test_data_seed_changes_only_the_training_stream(tmp_path):
    """--data-seed reseeds shuffling and augmentation but not the data, the split or the initial weights:
    --data-seed equal to --seed is the default run, another value gives other batches (a warm restart
    with a new --data-seed does not replay the earlier run's stream)."""
    def run(name, *extra):
        out = tmp_path / name
        proc = subprocess.run([sys.executable, str(EXAMPLES / "cifar10_wallace.py"), "--dataset", "shapes",
                               "--kind", "basic", "--base-filters", "8", "--augment", "crop-flip", *TINY,
                               "--out", str(out), *extra], capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        rows = (out / "log.csv").read_text().splitlines()
        loss = rows[0].split(",").index("loss")
        return json.loads((out / "summary.json").read_text()), float(rows[1].split(",")[loss])
    default, loss_default = run("default")
    same, loss_same = run("same", "--data-seed", "0")
    other, loss_other = run("other", "--data-seed", "7")
    assert loss_same == loss_default and same["test_accuracy"] == default["test_accuracy"]
    assert loss_other != loss_default
    assert other["n_train"] == default["n_train"] and other["n_val"] == default["n_val"]
