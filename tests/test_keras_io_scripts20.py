"""keras.io examples and guides (session 20, kscripts20), run on minidl.keras through ``_run_script.py``.

Each script in ``tests/keras_io_scripts/`` is the Keras 3 page's code with its prose shortened and its
imports rewritten to ``minidl.keras``; data the page downloads is a small generated stand-in (Keras'
dataset files under ``$KERAS_HOME``, or files a fixed path or URL is mapped to through the runner's
``MINIDL_SCRIPT_PATH_MAP``). Expected values were read from the same scripts run under Keras 3.15 (JAX
backend) with ``keras`` imports (the ``keras_io_*_stdout.txt`` fixtures: see
fixtures/make_keras_io_script_stdout.py).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_keras_io_scripts import epoch_logs, printed, run_script, write_imdb, write_mnist  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FORDA_URL = "https://raw.githubusercontent.com/hfawaz/cd-diagram/master/FordA/"

MNIST_CONVNET_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ conv2d (Conv2D)                 │ (None, 26, 26, 32)     │           320 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d (MaxPooling2D)    │ (None, 13, 13, 32)     │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_1 (Conv2D)               │ (None, 11, 11, 64)     │        18,496 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d_1 (MaxPooling2D)  │ (None, 5, 5, 64)       │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ flatten (Flatten)               │ (None, 1600)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 1600)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 10)             │        16,010 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 34,826 (136.04 KB)
 Trainable params: 34,826 (136.04 KB)
 Non-trainable params: 0 (0.00 B)"""


def _lines(text):
    """The non-empty lines of ``text`` without progress bars (``step``), for comparing a run's stdout."""
    return [line for line in text.split("\n") if line.strip() and "step" not in line]


def test_sequential_model_guide(tmp_path):
    # no training: every line the guide prints (model.pop(), weight counts, five summaries) as Keras'
    proc = run_script("sequential_model", tmp_path, env={"COLUMNS": "80"}, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _lines(proc.stdout) == _lines((FIXTURES / "keras_io_sequential_model_stdout.txt").read_text())
    # Dense(2, input_shape=(4,)) warns as Keras' Layer.__init__ does
    assert "UserWarning: Do not pass an `input_shape`/`input_dim` argument to a layer." in proc.stderr


def test_serialization_and_saving_guide(tmp_path):
    # .keras round trips with registered / passed / scoped custom objects, get_config, to_json, weight
    # files, and the serialized configs the guide prints (a layer held in another's config nested as its
    # own config dict, which CustomModel.from_config passes to keras.layers.deserialize)
    out = run_script("serialization_and_saving", tmp_path, env={"COLUMNS": "80"})
    assert _lines(out) == _lines((FIXTURES / "keras_io_serialization_and_saving_stdout.txt").read_text())
    for name in ("my_model.keras", "custom_model.keras", "my_model.weights.h5", "pretrained.weights.h5"):
        assert (tmp_path / name).is_file()


def test_mnist_convnet(tmp_path):
    # 64 training digits (validation_split=0.1: 57 + 7, one batch of 128), 16 test digits, 2 of 15 epochs
    write_mnist(tmp_path / "datasets")
    out = run_script("mnist_convnet", tmp_path, env={"KERAS_HOME": str(tmp_path), "MINIDL_KERAS_MAX_EPOCHS": "2",
                                                     "COLUMNS": "80"})
    assert "x_train shape: (64, 28, 28, 1)\n64 train samples\n16 test samples" in out
    assert MNIST_CONVNET_SUMMARY in out
    assert "Epoch 2/2" in out and len(epoch_logs(out, "val_accuracy")) == 2
    assert "1/1" in out  # 57 training samples make one batch of the script's 128
    assert float(out.split("Test loss: ")[1].split()[0]) < 2.5
    assert 0.0 <= float(out.split("Test accuracy: ")[1].split()[0]) <= 1.0


def write_forda(root, n_train=40, n_test=16, length=500):
    """``FordA_{TRAIN,TEST}.tsv`` stand-ins: label (-1 or 1) then ``length`` z-normalised values, tab-separated."""
    rng = np.random.default_rng(0)
    for name, n in (("FordA_TRAIN.tsv", n_train), ("FordA_TEST.tsv", n_test)):
        y = np.where(np.arange(n) % 2 == 0, -1, 1)
        t = np.linspace(0, 20, length)
        x = np.sin(t[None] * (1 + (y[:, None] > 0))) + rng.normal(0, 0.3, (n, length))
        x = (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)
        np.savetxt(root / name, np.column_stack([y, x]), delimiter="\t", fmt="%.6f")


def test_timeseries_classification_from_scratch(tmp_path):
    # the script reads two TSV files from a URL with np.loadtxt: mapped to 40 + 16 local series of the
    # page's length 500; 3 of its 500 epochs, ModelCheckpoint("best_model.keras") then load_model
    write_forda(tmp_path)
    paths = ";".join(f"{FORDA_URL}{name}={tmp_path / name}" for name in ("FordA_TRAIN.tsv", "FordA_TEST.tsv"))
    exprs = ["sorted(history.history)", "x_train.shape", "num_classes", "model.count_params()"]
    out = run_script("timeseries_classification_from_scratch", tmp_path, env={
        "MINIDL_SCRIPT_PATH_MAP": paths, "MINIDL_KERAS_MAX_EPOCHS": "3", "MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert eval(printed(out, exprs[0])) == ["learning_rate", "loss", "sparse_categorical_accuracy", "val_loss",
                                            "val_sparse_categorical_accuracy"]
    assert printed(out, exprs[1]) == "(40, 500, 1)" and printed(out, exprs[2]) == "2"
    assert printed(out, exprs[3]) == "25858"  # Keras 3.15's count for the same model
    assert "learning_rate: 0.0010" in out and "Epoch 3/3" in out
    assert (tmp_path / "best_model.keras").is_file()
    assert 0.0 <= float(out.split("Test accuracy ")[1].split()[0]) <= 1.0 and "Test loss " in out


def write_creditcard(path, n=300):
    """A ``creditcard.csv`` stand-in in Kaggle's layout: quoted header, Time, V1..V28, Amount, quoted Class;
    one row in 25 is a fraud (class 1), its V features shifted."""
    rng = np.random.default_rng(0)
    cols = ["Time"] + [f"V{i}" for i in range(1, 29)] + ["Amount", "Class"]
    y = (np.arange(n) % 25 == 3).astype(int)
    lines = [",".join(f'"{c}"' for c in cols)]
    for i in range(n):
        v = rng.normal(0, 1, 28) + 2.0 * y[i]
        lines.append(",".join([f"{float(i)}"] + [f"{x:.6f}" for x in v] + [f"{rng.uniform(0, 300):.2f}", f'"{y[i]}"']))
    path.write_text("\n".join(lines) + "\n")


def test_imbalanced_classification(tmp_path):
    # 300 transactions (240 + 60), 12 frauds; 3 of 30 epochs with verbose=2 and class_weight; the
    # confusion-matrix metrics are counts over the epoch
    write_creditcard(tmp_path / "creditcard.csv")
    out = run_script("imbalanced_classification", tmp_path, env={
        "MINIDL_SCRIPT_PATH_MAP": f"/Users/fchollet/Downloads/creditcard.csv={tmp_path / 'creditcard.csv'}",
        "MINIDL_KERAS_MAX_EPOCHS": "3", "COLUMNS": "80"})
    assert 'HEADER: "Time","V1","V2",' in out and "EXAMPLE FEATURES: [0.0, 0.12573, -0.132105," in out
    assert "features.shape: (300, 30)\ntargets.shape: (300, 1)" in out
    assert "Number of training samples: 240\nNumber of validation samples: 60" in out
    assert "Number of positive samples in training data: 10 (4.17% of total)" in out
    assert " Total params: 139,777 (546.00 KB)" in out and "│ dropout_1 (Dropout)             │ (None, 256)  " in out
    lines = [ln for ln in out.split("\n") if ln.startswith("1/1 - ")]
    assert len(lines) == 3
    keys = [part.split(":")[0] for part in lines[0].split(" - ")[3:]]
    assert keys == ["fn", "fp", "loss", "precision", "recall", "tn", "tp", "val_fn", "val_fp", "val_loss",
                    "val_precision", "val_recall", "val_tn", "val_tp"]
    for line in lines:  # fn + fp + tn + tp covers the 240 training and the 60 validation rows
        values = {p.split(": ")[0]: float(p.split(": ")[1]) for p in line.split(" - ")[3:]}
        assert values["fn"] + values["fp"] + values["tn"] + values["tp"] == 240
        assert values["val_fn"] + values["val_fp"] + values["val_tn"] + values["val_tp"] == 60
    assert sorted(p.name for p in tmp_path.glob("*.keras")) == [f"fraud_model_at_epoch_{i}.keras" for i in (1, 2, 3)]


@pytest.mark.slow
def test_bidirectional_lstm_imdb(tmp_path):
    # 64 training / 16 validation stand-in reviews padded to 200, the script's 2 epochs (two batches of 32)
    write_imdb(tmp_path / "datasets")
    exprs = ["x_train.shape", "model.count_params()", "model.history.history.keys()"]
    out = run_script("bidirectional_lstm_imdb", tmp_path, env={
        "KERAS_HOME": str(tmp_path), "COLUMNS": "80", "MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert "64 Training sequences\n16 Validation sequences" in out
    assert "│ bidirectional (Bidirectional)   │ (None, None, 128)      │        98,816 │" in out
    assert "│ bidirectional_1 (Bidirectional) │ (None, 128)            │        98,816 │" in out
    assert " Total params: 2,757,761 (10.52 MB)" in out
    assert printed(out, exprs[0]) == "(64, 200)" and printed(out, exprs[1]) == "2757761"
    assert printed(out, exprs[2]) == "dict_keys(['accuracy', 'loss', 'val_accuracy', 'val_loss'])"
    assert "Epoch 2/2" in out and all(np.isfinite(epoch_logs(out, "val_loss")))


CALLBACK_HOOK_LINES = """\
Starting training; got log keys: []
Start epoch 0 of training; got log keys: []
...Training: start of batch 0; got log keys: []
...Training: end of batch 0; got log keys: ['loss', 'mean_absolute_error']
Start testing; got log keys: []
...Evaluating: start of batch 0; got log keys: []
...Evaluating: end of batch 0; got log keys: ['loss', 'mean_absolute_error']
Stop testing; got log keys: ['loss', 'mean_absolute_error']
End epoch 0 of training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']
Stop training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']
Start testing; got log keys: []
...Evaluating: start of batch 0; got log keys: []
...Evaluating: end of batch 0; got log keys: ['loss', 'mean_absolute_error']
Stop testing; got log keys: ['loss', 'mean_absolute_error']
Start predicting; got log keys: []
...Predicting: start of batch 0; got log keys: []
...Predicting: end of batch 0; got log keys: ['outputs']"""


def test_writing_your_own_callbacks_guide(tmp_path):
    # the guide as published on 64 training / 16 test digits (each fit is one or two batches): Keras 3.15's
    # log keys at every hook, its early stop after the loss rises, and the float32 learning rates the
    # schedule callback reads back (0.05 set, 0.05000000074505806 read the next epoch)
    write_mnist(tmp_path / "datasets")
    out = run_script("writing_your_own_callbacks", tmp_path, env={"KERAS_HOME": str(tmp_path)})
    assert out.startswith(CALLBACK_HOOK_LINES + "\n")
    assert "Restoring model weights from the end of the best epoch.\nEpoch 2: early stopping" in out
    rates = [line.split(" is ")[1] for line in out.split("\n") if ": Learning rate is " in line]
    assert rates == ["0.10000000149011612."] * 3 + ["0.05.", "0.05000000074505806.", "0.05000000074505806.",
                                                   "0.01.", "0.009999999776482582.", "0.009999999776482582.",
                                                   "0.005.", "0.004999999888241291.", "0.004999999888241291.",
                                                   "0.001.", "0.0010000000474974513.", "0.0010000000474974513."]
    epochs = [int(line.split()[5]) for line in out.split("\n") if line.startswith("The average loss for epoch")]
    assert epochs == [0, 1, 0, 1] + list(range(15))  # 2 epochs, then the early stop's 2, then 15


def test_working_with_rnns_guide(tmp_path):
    # the guide's backend-agnostic part: unbuilt Sequential summaries ("?" shapes, "0 (unbuilt)"), the
    # encoder-decoder summary whose return_state LSTM lists its three outputs "[(None, 64), ...]",
    # stateful LSTMs and state reuse, a Bidirectional summary, then the LSTM and RNN(LSTMCell) models fit
    # for one epoch on 64 stand-in digits (validated on the 16 test digits); every printed line as Keras'
    write_mnist(tmp_path / "datasets")
    proc = run_script("working_with_rnns", tmp_path, env={"KERAS_HOME": str(tmp_path), "COLUMNS": "80"},
                      check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _lines(proc.stdout) == _lines((FIXTURES / "keras_io_working_with_rnns_stdout.txt").read_text())
    assert "│ encoder (LSTM)      │ [(None, 64),      │     33,024 │ embedding_2[0][0] │" in proc.stdout
    assert len(epoch_logs(proc.stdout, "val_accuracy")) == 2


def test_customizing_saving_and_serialization_guide(tmp_path):
    # The guide's four sections: save/load_own_variables, save/load_assets, get_build_config/
    # build_from_config, get_compile_config/compile_from_config; each asserts its own round trip.
    # Keras 3.15 (JAX) stops at the first section's load_model: its Dense.save_own_variables stores only
    # kernel and bias, so the guide's load_own_variables assigns the (10, 1) kernel to the (1,) my_variable,
    # the first of Keras' weights ("A total of 1 objects could not be loaded"); minidl's Dense saves all its
    # own weights and loads it. With that load skipped, the other three sections ran under Keras 3.15 as
    # here, and the compile section's config.json was the same (the build and assets ones too, but for
    # Keras' per-process shared_object_id of the dtype policy).
    exprs = ["restored_model.model_optimizer", "restored_model.loss_fn.__name__",
             "[getattr(m, '__name__', m) for m in restored_model.loss_metrics]",
             "restored_model.get_build_config()"]
    out = run_script("customizing_saving_and_serialization", tmp_path,
                     env={"MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert printed(out, exprs[0]) == "'SGD'" and printed(out, exprs[1]) == "'small_square_sum_loss'"
    assert printed(out, exprs[2]) == "['accuracy', 'mean_pred']"
    assert printed(out, exprs[3]) == "{'input_shape': (4, 8)}"
    import json
    import zipfile
    with zipfile.ZipFile(tmp_path / "custom_compile_model.keras") as archive:
        config = json.loads(archive.read("config.json"))
    function = {"module": "builtins", "class_name": "function", "registered_name": "function"}
    assert config["compile_config"] == {
        "model_optimizer": "SGD", "loss_fn": {**function, "config": "my_custom_package>small_square_sum_loss"},
        "metric": ["accuracy", {**function, "config": "my_custom_package>mean_pred"}]}
    with zipfile.ZipFile(tmp_path / "custom_assets_model.keras") as archive:
        assert "assets/layers/layer_with_custom_assets/vocabulary.txt" in archive.namelist()


def test_timeseries_classification_transformer(tmp_path):
    # 40 + 16 stand-in series of length 60 (the page's FordA has 500: attention over 500 steps is slow on
    # a CPU) behind the page's URLs; 2 of its epochs. Every line the script prints but the progress bars
    # as Keras 3.15's: the functional summary with its "Connected to" column (MultiHeadAttention called
    # on (x, x), the residual adds) and the parameter counts
    write_forda(tmp_path, length=60)
    paths = ";".join(f"{FORDA_URL}{name}={tmp_path / name}" for name in ("FordA_TRAIN.tsv", "FordA_TEST.tsv"))
    out = run_script("timeseries_classification_transformer", tmp_path, env={
        "MINIDL_SCRIPT_PATH_MAP": paths, "MINIDL_KERAS_MAX_EPOCHS": "2", "COLUMNS": "80"})
    expected = (FIXTURES / "keras_io_timeseries_classification_transformer_stdout.txt").read_text()
    assert _lines(out) == _lines(expected)
    assert len(epoch_logs(out, "val_sparse_categorical_accuracy")) == 2
