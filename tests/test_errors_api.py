"""One bad input per public entry point that takes a file, a shape or a user value, and its
exact error: the type, the name of the thing (layer, argument, file) and the offending value,
in one line a user understands (issue 11). Faults of minidl.io are in test_errors_io.py, the
ops' empty batches and dtypes in test_errors_ops.py."""
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl import data
from minidl.io import load, save
from minidl.train import ModelCheckpoint, TerminateOnNaN, fit

REPO = Path(__file__).resolve().parents[1]


def one_line(info):
    msg = str(info.value)
    assert "\n" not in msg, msg
    return msg


def expect(exc_type, pattern, fn):
    with pytest.raises(exc_type, match=pattern) as info:
        fn()
    return one_line(info)


# ------------------------------------------------------------------ layer constructors
@pytest.mark.parametrize("make, exc, pattern", [
    (lambda: nn.Conv2d(3, -1, 3), ValueError, r"^Conv2d: out_channels must be >= 0, got -1$"),
    (lambda: nn.Conv2d("3", 4, 3), TypeError, r"^Conv2d: in_channels must be an int, got '3' \(str\)$"),
    (lambda: nn.Conv2d(3, 4, 2.5), TypeError, r"^Conv2d: kernel_size must be an int or a pair of ints, got 2\.5$"),
    (lambda: nn.Conv2d(3, 4, 3, stride=0), ValueError, r"^Conv2d: kernel_size, stride and dilation must be "
                                                       r"positive, got \(3, 3\), \(0, 0\), \(1, 1\)$"),
    (lambda: nn.Conv2d(3, 4, 3, padding=-1), ValueError, r"^Conv2d: padding must be >= 0, got -1$"),
    (lambda: nn.Conv2d(3, 4, 3, padding="full"), ValueError, r"^Conv2d: invalid padding string 'full'"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, r"^Conv2d: in_channels \(3\) must be divisible by "
                                                       r"groups \(2\)$"),
    (lambda: nn.Linear(3, -2), ValueError, r"^Linear: out_features must be >= 0, got -2$"),
    (lambda: nn.Linear(2.5, 2), TypeError, r"^Linear: in_features must be an int, got 2\.5 \(float\)$"),
    (lambda: nn.BatchNorm2d(-3), ValueError, r"^BatchNorm2d: num_features must be >= 0, got -3$"),
    (lambda: nn.BatchNorm1d(None), TypeError, r"^BatchNorm1d: num_features must be an int, got None"),
    (lambda: nn.Dropout(1.5), ValueError, r"dropout probability has to be between 0 and 1, but got 1\.5$"),
    (lambda: nn.MaxPool2d(0), ValueError, r"^MaxPool2d: kernel_size and stride must be positive"),
    (lambda: nn.MaxPool2d(2, padding=2), ValueError, r"^MaxPool2d: padding \(2, 2\) should be at most half"),
    (lambda: nn.AvgPool2d(2, stride=0), ValueError, r"^AvgPool2d: kernel_size and stride must be positive"),
    (lambda: nn.CrossEntropyLoss(reduction="avg"), ValueError, r"^CrossEntropyLoss: reduction must be one of "
                                                               r"\('mean', 'sum', 'none'\), got 'avg'$"),
])
def test_layer_constructor_bad_value(make, exc, pattern):
    expect(exc, pattern, make)


# ------------------------------------------------------------------ layer forwards
@pytest.mark.parametrize("layer, x, pattern", [
    (nn.Conv2d(3, 4, 3), mdl.ones(2, 5, 8, 8), r"expected input with 3 channels \(dimension 1\), got 5 channels "
                                               r"in input of shape \(2, 5, 8, 8\)"),
    (nn.Conv2d(3, 4, 5), mdl.ones(1, 3, 3, 3), r"input of shape \(1, 3, 3, 3\) is too small"),
    (nn.Linear(3, 2), mdl.ones(4, 5), r"expected input with in_features=3 in its last dimension, got input "
                                      r"of shape \(4, 5\)"),
    (nn.BatchNorm2d(3), mdl.ones(2, 3, 4), r"expected a 4-D input \(N, C, H, W\), got input of shape \(2, 3, 4\)"),
    (nn.BatchNorm2d(3), mdl.ones(2, 4, 5, 5), r"expected input with num_features=3 in dimension 1, got 4"),
    (nn.MaxPool2d(2), mdl.ones(3, 4), r"got input of shape \(3, 4\)"),
    (nn.Flatten(start_dim=5), mdl.ones(2, 3), r"cannot flatten dimensions 5\.\.-1 of an input of shape \(2, 3\)"),
])
def test_layer_forward_bad_shape_names_layer_and_shape(layer, x, pattern):
    msg = expect(ValueError, pattern, lambda: layer(x))
    assert msg.startswith(repr(layer) + ": ")  # the layer itself
    model = nn.Sequential(nn.Identity(), nn.Sequential(nn.Identity(), layer))
    msg = expect(ValueError, pattern, lambda: model(x))
    assert msg.startswith(f"1.1 ({type(layer).__name__}): ")  # its path inside a model


def test_loss_bad_target_names_class_and_range():
    expect(ValueError, r"^cross_entropy: target class 5 is out of range for 3 classes \(input shape \(2, 3\)\)$",
           lambda: nn.CrossEntropyLoss()(mdl.ones(2, 3), np.array([0, 5])))
    expect(ValueError, r"^cross_entropy: target must be class ids of shape \(2,\) for input of shape \(2, 3\), "
                       r"got shape \(3,\)$", lambda: F.cross_entropy(mdl.ones(2, 3), np.array([0, 1, 2])))
    expect(ValueError, r"^mse_loss: target shape \(3, 2\) cannot be broadcast to the input shape \(2, 3\)$",
           lambda: F.mse_loss(mdl.ones(2, 3), mdl.ones(3, 2)))


# ------------------------------------------------------------------ optimisers
PARAMS = list(nn.Linear(2, 2).parameters())


@pytest.mark.parametrize("make, exc, pattern", [
    (lambda: optim.SGD(PARAMS, lr=-1), ValueError, r"^Invalid learning rate value: -1$"),
    (lambda: optim.SGD(PARAMS, lr=0.1, momentum=-1), ValueError, r"^Invalid momentum value: -1$"),
    (lambda: optim.SGD(PARAMS, lr=0.1, weight_decay=-1), ValueError, r"^Invalid weight_decay value: -1$"),
    (lambda: optim.SGD([], lr=0.1), ValueError, r"^optimizer got an empty parameter list$"),
    (lambda: optim.SGD(PARAMS[0], lr=0.1), TypeError, r"iterable of Tensors or dicts, but got a Tensor$"),
    (lambda: optim.Adam(PARAMS, betas=(1.0, 0.999)), ValueError, r"^Invalid beta parameter at index 0 value: 1\.0"),
    (lambda: optim.Adam(PARAMS, eps=-1), ValueError, r"^Invalid epsilon value: -1$"),
    (lambda: optim.RMSprop(PARAMS, alpha=-1), ValueError, r"^Invalid alpha value: -1$"),
    (lambda: optim.Adadelta(PARAMS, rho=1.5), ValueError, r"^Invalid rho value: 1\.5$"),
])
def test_optimizer_bad_argument(make, exc, pattern):
    expect(exc, pattern, make)


# ------------------------------------------------------------------ fit
def fit_args(**overrides):
    model = nn.Linear(2, 2)
    kwargs = dict(epochs=1, optimizer=optim.SGD(model.parameters(), lr=0.1), loss="cross_entropy", verbose=0)
    kwargs.update(overrides)
    data_xy = kwargs.pop("data", (np.ones((4, 2), np.float32), np.zeros(4, np.int64)))
    return lambda: fit(model, data_xy, **kwargs)


@pytest.mark.parametrize("overrides, exc, pattern", [
    ({"epochs": 2.5}, TypeError, r"^fit: epochs must be an int, got 2\.5 \(float\)$"),
    ({"epochs": -1}, ValueError, r"^fit: epochs must be >= 0, got -1$"),
    ({"epochs": 1, "initial_epoch": 3}, ValueError, r"^fit: epochs \(1\) must be >= initial_epoch \(3\)"),
    ({"optimizer": None}, TypeError, r"^fit: optimizer must be a minidl\.optim optimizer .*got NoneType$"),
    ({"verbose": 5}, ValueError, r"^fit: verbose must be 0 \(quiet\), 1 \(progress bar\) or 2 .*got 5$"),
    ({"seed": -1}, ValueError, r"^fit: seed must be a non-negative int or None, got -1$"),
    ({"seed": 1.5}, ValueError, r"^fit: seed must be a non-negative int or None, got 1\.5$"),
    ({"loss": "hinge"}, ValueError, r"^unknown loss 'hinge'; use one of \[.*\] or a callable$"),
    ({"loss": 3}, TypeError, r"^loss must be a callable or a name, got int$"),
    ({"metrics": ["f2"]}, ValueError, r"^unknown metric 'f2'"),
    ({"batch_size": 0}, ValueError, r"^batch_size must be >= 1, got 0$"),
    ({"data": (np.ones((4, 2), np.float32), np.zeros(3, np.int64))}, ValueError, r"^x has 4 samples but y has 3$"),
    ({"data": (np.ones((0, 2), np.float32), np.zeros(0, np.int64))}, ValueError,
     r"^the training data yielded no batches$"),
    ({"data": iter([(np.ones((4, 2), np.float32), np.zeros(4, np.int64))])}, TypeError,
     r"^the data is a one-shot iterator"),
    ({"data": (np.ones((4, 3), np.float32), np.zeros(4, np.int64))}, ValueError,
     r"expected input with in_features=2 in its last dimension, got input of shape \(4, 3\)$"),
    ({"device": "tpu"}, mdl.DeviceError, r"^unknown device 'tpu'; use 'cpu', 'cuda' \(or 'gpu'\) or 'meta'$"),
])
def test_fit_bad_argument(overrides, exc, pattern):
    expect(exc, pattern, fit_args(**overrides))


def test_fit_accepts_keras_verbose_auto(capsys):
    fit_args(verbose="auto")()
    captured = capsys.readouterr()
    assert "Epoch 1/1" in captured.out + captured.err


# ------------------------------------------------------------------ checkpoints of diverged runs
def test_nan_weights_never_overwrite_the_last_good_checkpoint(tmp_path):
    x = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    calls = []

    def diverging(out, target):  # finite for two epochs, then NaN (and so NaN weights)
        calls.append(1)
        loss = F.cross_entropy(out, target)
        return loss * float("nan") if len(calls) > 8 else loss
    path = tmp_path / "last.h5"
    ckpt = ModelCheckpoint(path)
    with pytest.warns(RuntimeWarning, match=rf"^ModelCheckpoint: epoch 3 not saved: '0\.weight' holds NaN or "
                                            rf"inf; the last good checkpoint {path} is kept$"):
        hist = fit(model, (x, y), epochs=5, optimizer=optim.SGD(model.parameters(), lr=0.1), loss=diverging,
                   batch_size=8, callbacks=[TerminateOnNaN(), ckpt], verbose=0, seed=0)
    assert hist.epoch == [0, 1, 2] and math.isnan(hist.history["loss"][2])
    saved = load(path)
    assert saved["epoch"] == 2
    assert all(np.isfinite(v).all() for v in saved["model"].values())
    assert ckpt.saved == [(0, str(path)), (1, str(path))]


@pytest.mark.filterwarnings("ignore:invalid value encountered")  # inf weights give NaN logits
def test_nan_weights_before_any_checkpoint_write_nothing(tmp_path):
    model = nn.Linear(2, 2)
    model.weight.data[0, 0] = np.inf
    ckpt = ModelCheckpoint(tmp_path / "c.h5")
    with pytest.warns(RuntimeWarning, match=r"'weight' holds NaN or inf; nothing saved$"):
        fit(model, (np.ones((4, 2), np.float32), np.zeros(4, np.int64)), epochs=1,
            optimizer=optim.SGD(model.parameters(), lr=0.0), loss="cross_entropy", callbacks=[ckpt], verbose=0)
    assert not (tmp_path / "c.h5").exists()


# ------------------------------------------------------------------ data
@pytest.mark.parametrize("make, exc, pattern", [
    (lambda: data.DataLoader(data.Shapes(10, image_size=8), batch_size=0), ValueError,
     r"^batch_size must be >= 1, got 0$"),
    (lambda: data.DataLoader(data.Shapes(10, image_size=8), prefetch=-1), ValueError,
     r"^prefetch and num_workers must be >= 0, got -1, 0$"),
    (lambda: data.Shapes(10, image_size=2), ValueError, r"^image_size must be >= 8, got 2$"),
    (lambda: data.transforms.RandomCrop(40)(np.zeros((3, 32, 32), np.float32)), ValueError,
     r"^RandomCrop \(40, 40\) is larger than the padded image \(32, 32\)$"),
    (lambda: data.transforms.Normalize((0.5, 0.5), (0.5, 0.5))(np.zeros((3, 8, 8), np.float32)), ValueError,
     r"^Normalize has 2 mean values for 3 channels$"),
    (lambda: data.stratified_split(data.Shapes(20, image_size=8), (0.5, 0.7)), ValueError,
     r"^fractions must be non-negative and sum to 1, got \[0\.5, 0\.7\]$"),
    (lambda: data.TinyImageNet("/nonexistent/t", split="bogus"), ValueError, r"^split must be 'train' or 'val', "
                                                                               r"got 'bogus'$"),
    (lambda: data.ImageFolder("/nonexistent/imgs"), FileNotFoundError,
     r"^image folder /nonexistent/imgs does not exist \(expected /nonexistent/imgs/<class>/<image files>\)$"),
])
def test_data_bad_argument(make, exc, pattern):
    expect(exc, pattern, make)


# ------------------------------------------------------------------ files
def test_io_bad_paths(tmp_path):
    expect(TypeError, r"^cannot save a object at 'a/b'; supported: arrays",
           lambda: save({"a": {"b": object()}}, tmp_path / "w.h5"))
    expect(FileNotFoundError, rf"^{tmp_path / 'none.h5'}: no such file$", lambda: load(tmp_path / "none.h5"))
    (tmp_path / "dir.h5").mkdir()
    expect(IsADirectoryError, rf"^{tmp_path / 'dir.h5'}: is a directory, not a file$",
           lambda: load(tmp_path / "dir.h5"))
    (tmp_path / "text.h5").write_text("hello\nworld\n")
    msg = expect(mdl.io.FileFormatError, rf"^{tmp_path / 'text.h5'}: cannot read as HDF5 \(12 bytes\)",
                 lambda: load(tmp_path / "text.h5"))
    assert "not a HDF5 file" in msg
    path = save(nn.Linear(3, 2), tmp_path / "lin.h5")
    with pytest.raises(RuntimeError, match=rf"^{path}: Error\(s\) in loading state_dict for Linear:\n\t"
                                           r"size mismatch for weight: copying a param with shape "
                                           r"minidl\.Size\(\[2, 3\]\) from checkpoint, the shape in current model "
                                           r"is minidl\.Size\(\[2, 4\]\)\."):  # one line per key, as PyTorch's
        mdl.io.load_weights(nn.Linear(4, 2), path)


# ------------------------------------------------------------------ example flags
@pytest.mark.parametrize("flags, message", [
    (["--batch-size", "0"], "argument --batch-size: must be >= 1, got 0"),
    (["--epochs", "-2"], "argument --epochs: must be >= 0, got -2"),
    (["--lr", "0"], "argument --lr: must be > 0, got 0"),
    (["--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
    (["--val-split", "1.5"], "argument --val-split: must be >= 0 and < 1, got 1.5"),
    (["--limit-train", "0"], "argument --limit-train: must be >= 1, got 0"),
    (["--seed", "-1"], "argument --seed: must be >= 0, got -1"),
])
def test_example_rejects_bad_flags(flags, message, tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "examples" / "tiny_vgg.py"), *flags, "--out",
                           str(tmp_path / "run")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == f"tiny_vgg.py: error: {message}"
    assert not (tmp_path / "run").exists()
