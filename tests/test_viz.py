"""minidl.viz: every plot writes a real PNG atomically; lr range test restores the model."""
import os

import numpy as np
import pytest

import minidl.nn as nn
import minidl.optim as optim
from minidl import viz
from minidl.train.lr_finder import lr_range_test

PNG = b"\x89PNG\r\n\x1a\n"


def check_png(path, expected):
    assert path == os.fspath(expected)
    data = open(path, "rb").read()
    assert data[:8] == PNG and len(data) > 2000
    assert [f for f in os.listdir(os.path.dirname(path)) if f.endswith(".tmp")] == []


def test_plot_history_with_top5_and_lr(tmp_path):
    hist = {"loss": [1.0, 0.7, 0.5], "val_loss": [1.1, 0.8, 0.7], "accuracy": [0.5, 0.6, 0.7],
            "val_accuracy": [0.4, 0.5, 0.6], "top5_accuracy": [0.8, 0.9, 0.95],
            "val_top5_accuracy": [0.7, 0.8, 0.9], "lr": [0.1, 0.1, 0.01], "time": [1, 1, 1]}
    check_png(viz.plot_history(hist, tmp_path / "h.png"), tmp_path / "h.png")


def test_plot_history_from_fit_history(tmp_path):
    from minidl.train.loop import fit
    x = np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = nn.Linear(2, 2)
    h = fit(model, (x, y), epochs=2, optimizer=optim.SGD(model.parameters(), lr=0.1),
            loss="cross_entropy", val_data=(x, y), verbose=0)
    check_png(viz.plot_history(h, tmp_path / "fit.png"), tmp_path / "fit.png")


def test_plot_confusion_matrix(tmp_path):
    cm = np.array([[5, 1, 0], [2, 3, 1], [0, 0, 6]])
    p = viz.plot_confusion_matrix(cm, tmp_path / "cm.png", class_names=["cat", "dog", "owl"])
    check_png(p, tmp_path / "cm.png")
    p = viz.plot_confusion_matrix(cm, tmp_path / "cmn.png", normalize=True)
    check_png(p, tmp_path / "cmn.png")
    with pytest.raises(ValueError, match="class names"):
        viz.plot_confusion_matrix(cm, tmp_path / "x.png", class_names=["a"])


def test_plot_worst_errors(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((10, 3, 8, 8)).astype(np.float32)
    y = np.arange(10) % 3
    logits = rng.normal(size=(10, 3))
    p = viz.plot_worst_errors(images, y, None, logits, tmp_path / "w.png",
                              class_names=["a", "b", "c"], n=4)
    check_png(p, tmp_path / "w.png")
    gray = rng.random((5, 1, 6, 6))
    probs = np.eye(3)[[0, 1, 2, 0, 1]]
    p = viz.plot_worst_errors(gray, [0, 1, 2, 0, 1], [0, 1, 2, 0, 1], probs, tmp_path / "none.png")
    check_png(p, tmp_path / "none.png")  # no errors: still a figure


def test_plot_filters_from_conv_and_array(tmp_path):
    conv = nn.Conv2d(3, 6, 5)
    check_png(viz.plot_filters(conv, tmp_path / "f.png"), tmp_path / "f.png")
    check_png(viz.plot_filters(np.random.default_rng(0).normal(size=(4, 2, 3, 3)), tmp_path / "g.png"),
              tmp_path / "g.png")
    with pytest.raises(ValueError, match="O, C, kh, kw"):
        viz.plot_filters(np.ones((3, 3)), tmp_path / "bad.png")


def test_lr_range_test_restores_and_plots(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 2))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    model.eval()
    lrs, losses = lr_range_test(model, (x, y), opt, "cross_entropy", start_lr=1e-4, end_lr=10,
                                num_iter=30, batch_size=8, seed=0)
    assert 2 <= len(lrs) == len(losses) <= 30
    assert lrs[0] == pytest.approx(1e-4) and all(b > a for a, b in zip(lrs, lrs[1:]))
    after = {k: v.numpy() for k, v in model.state_dict().items()}
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert opt.param_groups[0]["lr"] == 0.05 and len(opt.state) == 0 and not model.training
    p = viz.plot_lr_finder(lrs, losses, tmp_path / "lr.png")
    check_png(p, tmp_path / "lr.png")
    assert viz.lr_range_test is not None


def test_viz_leaves_pyplot_backend_alone(tmp_path):
    import matplotlib
    before = matplotlib.get_backend()
    viz.plot_lr_finder([1e-3, 1e-2, 1e-1], [1.0, 0.5, 2.0], tmp_path / "x.png")
    assert matplotlib.get_backend() == before
