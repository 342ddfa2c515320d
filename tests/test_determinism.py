"""Same seed, same run (issue 11): an example and ``fit`` run twice in fresh processes give
identical per-epoch metrics; another seed gives other ones; a run interrupted and resumed
with ``--resume`` equals one that was never interrupted (issue 19).

"Same" means on the same machine with the same thread count and BLAS: the sums inside a
BLAS GEMM may be ordered differently by another library or thread count (README,
"Reproducibility").
"""
import csv
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from minidl.io import load

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "tiny_vgg.py"
SHORT = ["--epochs", "2", "--limit-train", "300", "--limit-test", "100", "--verbose", "0"]
TIMINGS = ("time", "images_per_sec")


def run(args, timeout=240, **kwargs):
    proc = subprocess.run([sys.executable] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, **kwargs)
    return proc


def metrics(out):
    """log.csv rows without the timing columns."""
    with open(Path(out) / "log.csv", newline="") as fh:
        return [{k: v for k, v in row.items() if k not in TIMINGS} for row in csv.DictReader(fh)]


def weights(path):
    return load(path)["model"]


def assert_same_weights(a, b):
    assert sorted(a) == sorted(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_example_same_seed_same_run_other_seed_other_run(tmp_path):
    outs = {}
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        outs[name] = tmp_path / name
        proc = run([EXAMPLE, *SHORT, "--seed", seed, "--out", outs[name]])
        assert proc.returncode == 0, proc.stderr[-2000:]
    first = metrics(outs["a"])
    assert len(first) == 2 and set(first[0]) >= {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert metrics(outs["b"]) == first
    assert_same_weights(weights(outs["a"] / "last.h5"), weights(outs["b"] / "last.h5"))
    summaries = [json.loads((outs[n] / "summary.json").read_text()) for n in "abc"]
    assert summaries[0]["test_accuracy"] == summaries[1]["test_accuracy"]
    other = metrics(outs["c"])
    assert other[0]["loss"] != first[0]["loss"] and other[-1]["loss"] != first[-1]["loss"]


FIT_SCRIPT = """
    import json, sys
    import numpy as np
    import minidl, minidl.nn as nn, minidl.optim as optim
    from minidl import backend, data
    from minidl.train import fit

    seed, workers, prefetch = (int(a) for a in sys.argv[1:4])
    minidl.manual_seed(seed)  # the model's initialisation is the user's to seed
    T = data.transforms

    def jitter(x):  # a user transform drawing from minidl's global generator
        return x + backend.rng().normal(0, 0.05, size=x.shape).astype(x.dtype)

    train = data.Shapes(192, image_size=16, seed=3)
    val = data.Shapes(64, image_size=16, seed=4)
    augment = T.Compose([T.RandomCrop(16, padding=2), T.RandomHorizontalFlip(), T.Lambda(jitter)])
    loader = data.DataLoader(train, batch_size=32, shuffle=True, transform=augment,
                             num_workers=workers, prefetch=prefetch)
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(0.3), nn.Linear(6 * 8 * 8, 10))
    opt = optim.Adam(model.parameters(), lr=3e-3)
    hist = fit(model, loader, epochs=3, optimizer=opt, loss="cross_entropy",
               val_data=data.DataLoader(val, batch_size=64), verbose=0, seed=seed)
    logs = {k: v for k, v in hist.history.items() if k not in ("time", "images_per_sec")}
    checksum = {k: float(np.abs(v.numpy()).astype(np.float64).sum()) for k, v in model.state_dict().items()}
    print(json.dumps({"logs": logs, "weights": checksum}))
"""


def run_fit(seed, workers=2, prefetch=2):
    proc = run(["-c", textwrap.dedent(FIT_SCRIPT), seed, workers, prefetch], timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_fit_with_augmentation_dropout_and_threads_same_seed_same_run():
    first = run_fit(0)
    assert run_fit(0) == first
    # the prefetch threads do not change anything: the same batches without them
    assert run_fit(0, workers=0, prefetch=0) == first
    assert run_fit(0, workers=3, prefetch=1) == first
    other = run_fit(1)
    assert other["logs"]["loss"] != first["logs"]["loss"]


RESUME_DRIVER = """
    import sys
    sys.path.insert(0, {examples!r})
    import _common as common
    import tiny_vgg
    from minidl.train import ModelCheckpoint

    stop_after = int(sys.argv[1])
    real = ModelCheckpoint.on_epoch_end

    def interrupted(self, epoch, logs=None):  # Ctrl-C right after epoch `stop_after` is saved
        real(self, epoch, logs)
        if self.path.endswith("last.h5") and epoch + 1 == stop_after:
            raise KeyboardInterrupt
    ModelCheckpoint.on_epoch_end = interrupted
    common.run_main(lambda: tiny_vgg.main(sys.argv[2:]))
"""


@pytest.mark.parametrize("extra", [[], ["--optimizer", "sgd", "--momentum", "0.9", "--decay", "0.001",
                                        "--patience", "3", "--augment"]],
                         ids=["adam-cosine", "sgd-decay-earlystop-augment"])
def test_resume_equals_uninterrupted_run(tmp_path, extra):
    flags = ["--epochs", "4", "--limit-train", "200", "--limit-test", "60", "--verbose", "0"] + extra
    straight, cut = tmp_path / "straight", tmp_path / "cut"
    proc = run([EXAMPLE, *flags, "--out", straight])
    assert proc.returncode == 0, proc.stderr[-2000:]
    driver = textwrap.dedent(RESUME_DRIVER.format(examples=str(REPO / "examples")))
    proc = run(["-c", driver, 2, *flags, "--out", cut])
    assert proc.returncode == 130, proc.stderr[-2000:]
    assert len(metrics(cut)) == 2 and load(cut / "last.h5")["epoch"] == 2
    proc = run([EXAMPLE, *flags, "--out", cut, "--resume", cut / "last.h5"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "resuming from" in proc.stdout
    assert metrics(cut) == metrics(straight)
    a, b = load(straight / "last.h5"), load(cut / "last.h5")
    assert_same_weights(a["model"], b["model"])
    assert a["epoch"] == b["epoch"] == 4
    assert {k: v for k, v in a["history"].items() if k not in TIMINGS} == \
        {k: v for k, v in b["history"].items() if k not in TIMINGS}
    assert json.dumps(a["callbacks"], sort_keys=True, default=str) == \
        json.dumps(b["callbacks"], sort_keys=True, default=str)
    s1, s2 = (json.loads((d / "summary.json").read_text()) for d in (straight, cut))
    assert s1["test_accuracy"] == s2["test_accuracy"] and s1["epochs"] == s2["epochs"] == 4
    assert s2["resumed_from"] == {"checkpoint": str(cut / "last.h5"), "epoch": 2}


def test_resume_errors_are_one_line(tmp_path):
    proc = run([EXAMPLE, *SHORT, "--out", tmp_path / "r", "--resume", tmp_path / "missing.h5"])
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: --resume: {tmp_path / 'missing.h5'}: no such file"]
    proc = run([EXAMPLE, *SHORT, "--out", tmp_path / "r", "--resume", tmp_path / "x.h5",
                "--init-weights", tmp_path / "y.h5"])
    assert proc.returncode == 2 and "exclude each other" in proc.stderr
