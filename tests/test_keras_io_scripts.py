"""keras.io example scripts (their Keras 3 versions) run on minidl.keras with only their imports rewritten.

``tests/keras_io_scripts/`` holds local copies whose only edits are on import lines (``keras`` ->
``minidl.keras``; a TensorFlow-only import replaced by the nearest minidl.keras module, listed at
the top of each copy). Each runs in a subprocess through ``_run_script.py`` (which shortens the
work by monkeypatching minidl.keras, never the script: ``fit`` capped at a few epochs,
``plot_model`` skipped as pydot is not installed) in a temporary folder holding a small generated
stand-in for the example's dataset. The minidl.keras fixes they needed are checked directly in
tests/test_keras_script_fixes.py.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parent / "keras_io_scripts"
TIMEOUT = 400


AUTOENCODER_SUMMARY = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ input_layer (InputLayer)        │ (None, 28, 28, 1)      │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d (Conv2D)                 │ (None, 28, 28, 32)     │           320 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d (MaxPooling2D)    │ (None, 14, 14, 32)     │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_1 (Conv2D)               │ (None, 14, 14, 32)     │         9,248 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d_1 (MaxPooling2D)  │ (None, 7, 7, 32)       │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_transpose                │ (None, 14, 14, 32)     │         9,248 │
│ (Conv2DTranspose)               │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_transpose_1              │ (None, 28, 28, 32)     │         9,248 │
│ (Conv2DTranspose)               │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_2 (Conv2D)               │ (None, 28, 28, 1)      │           289 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 28,353 (110.75 KB)
 Trainable params: 28,353 (110.75 KB)
 Non-trainable params: 0 (0.00 B)"""

TRANSFORMER_SUMMARY = """\
Model: "functional_1"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ input_layer (InputLayer)        │ (None, 200)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ token_and_position_embedding    │ (None, 200, 32)        │       646,400 │
│ (TokenAndPositionEmbedding)     │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ transformer_block               │ (None, 200, 32)        │        10,656 │
│ (TransformerBlock)              │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ global_average_pooling1d        │ (None, 32)             │             0 │
│ (GlobalAveragePooling1D)        │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout_3 (Dropout)             │ (None, 32)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_2 (Dense)                 │ (None, 20)             │           660 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout_4 (Dropout)             │ (None, 20)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_3 (Dense)                 │ (None, 2)              │            42 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 1,973,276 (7.53 MB)
 Trainable params: 657,758 (2.51 MB)
 Non-trainable params: 0 (0.00 B)
 Optimizer params: 1,315,518 (5.02 MB)"""


SUBCLASSING_CONV_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ standardized_conv2d_with_call   │ (None, 26, 26, 32)     │           320 │
│ (StandardizedConv2DWithCall)    │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d (MaxPooling2D)    │ (None, 13, 13, 32)     │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ standardized_conv2d_with_overr… │ (None, 11, 11, 64)     │        18,496 │
│ (StandardizedConv2DWithOverrid… │                        │               │
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


def run_script(name, cwd, *args, env=None, check=True):
    """Run ``keras_io_scripts/<name>.py`` through the wrapper in ``cwd``; returns stdout (exit status 0),
    or the finished process with ``check=False``."""
    full_env = dict(os.environ, MPLBACKEND="Agg", MINIDL_SCRIPT_NO_PLOT_MODEL="1", MINIDL_SCRIPT_SEED="0",
                    **(env or {}))
    full_env.pop("MINIDL_KERAS_DATASETS", None)
    proc = subprocess.run([sys.executable, str(SCRIPTS / "_run_script.py"), str(SCRIPTS / f"{name}.py"), *args],
                          cwd=cwd, env=full_env, capture_output=True, text=True, timeout=TIMEOUT)
    if not check:
        return proc
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return proc.stdout


def epoch_logs(out, key):
    """The values of ``key`` on the end-of-epoch progress lines (``- key: 0.1234``)."""
    return [float(v) for v in re.findall(rf"\b{key}: (\d+\.\d+)", out)]


def write_pet_images(root, per_class=6, size=(40, 48)):
    """A ``PetImages`` stand-in: JFIF JPEGs (dark cats, bright dogs) plus one PNG per class, which the
    script's corrupted-image filter deletes as it lacks the JFIF header."""
    from PIL import Image
    rng = np.random.default_rng(0)
    for cls, base in (("Cat", 60), ("Dog", 190)):
        folder = root / "PetImages" / cls
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(base + rng.normal(0, 30, (*size, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"{6779 + i}.jpg")
        Image.fromarray(pixels).save(folder / "not_jfif.png")


@pytest.mark.slow
def test_image_classification_from_scratch(tmp_path):
    # 12 JPEGs: 10 for training (the script shows 9 of the first batch), 2 for validation; one epoch of
    # the small Xception at 180x180 (the script's size) takes about 30 s on one CPU core
    # Not checked here: that ``data_augmentation(img)`` (a plain call, as in the script) flips and rotates.
    # Keras 3 augments on a plain call; minidl.keras at this commit returns the batch unchanged outside
    # fit (the training= default of the augmentation layers belongs to another part of this round), so
    # the script runs but trains on unaugmented images.
    write_pet_images(tmp_path)
    out = run_script("image_classification_from_scratch", tmp_path, env={"MINIDL_KERAS_MAX_EPOCHS": "1"})
    assert "Deleted 2 images." in out
    assert "Found 12 files belonging to 2 classes." in out and "Using 10 files for training." in out
    assert "Using 2 files for validation." in out
    assert len(epoch_logs(out, "val_acc")) == 1  # one epoch (Keras prints no "Epoch 1/1" header)
    assert (tmp_path / "save_at_1.keras").is_file()
    match = re.search(r"This image is (\d+\.\d\d)% cat and (\d+\.\d\d)% dog\.", out)
    assert match and abs(float(match.group(1)) + float(match.group(2)) - 100) < 0.02


def write_acl_imdb(root, n_train=32, n_test=8):
    """An ``aclImdb`` stand-in: ``{train,test}/{neg,pos}/<id>_<stars>.txt`` reviews with ``<br />`` tags."""
    rng = np.random.default_rng(0)
    words = {"pos": "great wonderful superb moving brilliant loved".split(),
             "neg": "awful boring terrible dull worst hated".split()}
    filler = "the film was a and it with acting plot story this movie".split()
    for split, count in (("train", n_train), ("test", n_test)):
        for label in ("neg", "pos"):
            folder = root / "aclImdb" / split / label
            folder.mkdir(parents=True)
            for i in range(count):
                drawn = list(rng.choice(filler, 12)) + list(rng.choice(words[label], 4))
                tokens = [str(t) for t in rng.permutation(drawn)]
                text = " ".join(tokens[:8]).capitalize() + ".<br /><br />" + " ".join(tokens[8:]) + "!"
                (folder / f"{i}_{7 if label == 'pos' else 2}.txt").write_text(text)


def printed(out, expr):
    """The value the wrapper printed for ``expr`` (MINIDL_SCRIPT_PRINT_EXPRS / _GLOBALS)."""
    line = [ln for ln in out.splitlines() if ln.startswith(f"[_run_script] {expr} = ")][-1]
    return line.split(" = ", 1)[1]


def test_text_classification_from_scratch(tmp_path):
    # 64 training reviews (2 batches of 32 after the 0.2 validation split: 52 + 12), 16 test reviews,
    # the script's 3 epochs at its sequence length 500
    write_acl_imdb(tmp_path)
    exprs = ["vectorize_layer.get_vocabulary()", "model.evaluate(test_ds, verbose=0)",
             "end_to_end_model.evaluate(raw_test_ds, verbose=0)"]
    out = run_script("text_classification_from_scratch", tmp_path, env={"MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert out.count("Found 64 files belonging to 2 classes.") == 2 and "Found 16 files belonging to 2 classes." in out
    assert "Using 52 files for training." in out and "Using 12 files for validation." in out
    assert "Number of batches in raw_train_ds: 2" in out and "Number of batches in raw_test_ds: 1" in out
    assert re.search(r"^b'.*<br /><br />.*'$", out, flags=re.M)  # text_batch.numpy()[i] is bytes, as tf's
    assert "Epoch 3/3" in out and len(epoch_logs(out, "val_accuracy")) == 3
    assert all(np.isfinite(epoch_logs(out, "val_loss")))
    vocabulary = eval(printed(out, exprs[0]))
    # the custom standardization ran: <br /> tags and punctuation gone, text lowered
    assert vocabulary[:2] == ["", "[UNK]"] and "br" not in vocabulary and "was" in vocabulary
    assert all(word.isalpha() and word.islower() for word in vocabulary[2:])
    # the end-to-end model (raw strings in) scores the test set exactly as the model on vectorized text
    np.testing.assert_allclose(eval(printed(out, exprs[1])), eval(printed(out, exprs[2])), rtol=1e-6)


def write_mnist(datasets, n_train=64, n_test=16):
    """``$KERAS_HOME/datasets/mnist.npz`` with learnable stand-in digits (see test_keras_examples)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_keras_examples import fake_mnist
    datasets.mkdir(parents=True, exist_ok=True)
    fake_mnist(datasets / "mnist.npz", n_train, n_test)


def test_autoencoder(tmp_path):
    # 64 training / 16 test digits, each of the script's two fits (50 and 100 epochs) cut to 3 epochs;
    # the summary is Keras 3.15's for the same model (printed by the script's own model code)
    write_mnist(tmp_path / "datasets")
    exprs = ["predictions.shape", "float(predictions.min()) >= 0 and float(predictions.max()) <= 1"]
    out = run_script("autoencoder", tmp_path, env={"KERAS_HOME": str(tmp_path), "MINIDL_KERAS_MAX_EPOCHS": "3",
                                                   "MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert AUTOENCODER_SUMMARY in out
    assert out.count("Epoch 3/3") == 2
    val_losses = epoch_logs(out, "val_loss")
    assert len(val_losses) == 6 and val_losses[2] < val_losses[0] and val_losses[5] < val_losses[3]
    assert printed(out, exprs[0]) == "(16, 28, 28, 1)" and printed(out, exprs[1]) == "True"


def test_antirectifier(tmp_path):
    # 64 training digits (validation_split=0.15 keeps 9 of them aside), 16 test digits, 3 of 20 epochs;
    # the in-place `inputs -= ops.mean(...)` of the custom layer must keep the gradient right for
    # training to reach a low loss on these bars
    write_mnist(tmp_path / "datasets")
    exprs = ["model.layers[1].get_config()['initializer']",
             "model.evaluate(x_test, y_test, verbose=0, return_dict=True)",
             "(model.save('antirectifier.keras'), float(abs(keras.models.load_model('antirectifier.keras', "
             "custom_objects={'Antirectifier': Antirectifier}).predict(x_test, verbose=0) "
             "- model.predict(x_test, verbose=0)).max()))[1]"]
    out = run_script("antirectifier", tmp_path, env={"KERAS_HOME": str(tmp_path), "MINIDL_KERAS_MAX_EPOCHS": "3",
                                                     "MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert "64 train samples" in out and "16 test samples" in out and "Epoch 3/3" in out
    losses = epoch_logs(out, "val_loss")
    assert len(losses) == 3 and losses[-1] < losses[0]
    # keras.initializers.serialize(HeNormal()) as Keras 3.15 writes it, but for the config (Keras 3.15:
    # {"seed": None, "input_axes": None, "output_axes": None}; minidl's leaves out unset arguments)
    initializer = eval(printed(out, exprs[0]))
    assert {k: initializer[k] for k in ("module", "class_name", "registered_name")} == {
        "module": "keras.initializers", "class_name": "HeNormal", "registered_name": None}
    assert eval(printed(out, exprs[1]))["loss"] < 1.0
    assert float(printed(out, exprs[2])) < 1e-6  # the saved model with the custom layer predicts the same


def write_imdb(datasets, n_train=64, n_test=16):
    """``$KERAS_HOME/datasets/imdb.npz`` in Keras' format (object arrays of word-id lists): reviews of
    20 to 260 ids, a fifth of them id 5 (positive) or 6 (negative)."""
    rng = np.random.RandomState(0)
    arrays = {}
    for split, count in (("train", n_train), ("test", n_test)):
        reviews, labels = np.empty(count, dtype=object), rng.randint(0, 2, count)
        for i in range(count):
            ids = rng.randint(10, 400, rng.randint(20, 260))
            ids[rng.rand(len(ids)) < 0.2] = 5 if labels[i] else 6
            reviews[i] = [int(v) for v in ids]
        arrays[f"x_{split}"], arrays[f"y_{split}"] = reviews, labels
    datasets.mkdir(parents=True, exist_ok=True)
    np.savez(datasets / "imdb.npz", **arrays)


def test_text_classification_with_transformer(tmp_path):
    # the script's 2 epochs on 64 training / 16 validation stand-in reviews; the summary (printed by the
    # wrapper after the script's fit) is Keras 3.15's for the same model after a fit with Adam: the
    # layer names count the Softmax and Dropout that Keras' MultiHeadAttention builds
    write_imdb(tmp_path / "datasets")
    exprs = ["model.summary()", "history.history", "x_train.shape"]
    out = run_script("text_classification_with_transformer", tmp_path,
                     env={"KERAS_HOME": str(tmp_path), "MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert "64 Training sequences" in out and "16 Validation sequences" in out
    assert printed(out, exprs[2]) == "(64, 200)"
    assert TRANSFORMER_SUMMARY in out
    history = eval(printed(out, exprs[1]))
    assert list(history) == ["accuracy", "loss", "val_accuracy", "val_loss"] and len(history["loss"]) == 2
    assert all(np.isfinite(history["loss"] + history["val_loss"]))


def test_endpoint_layer_pattern(tmp_path):
    # the script as published: 1000 random samples, 2 epochs, three parts (functional model with targets
    # and sample weights as inputs, inference model sharing the weights, subclassed model on a dict)
    proc = run_script("endpoint_layer_pattern", tmp_path, env={"MINIDL_SCRIPT_PRINT_EXPRS": "preds.shape"},
                      check=False)
    out = proc.stdout
    # part 1: compile() without a loss, the loss comes from add_loss in the endpoint layer
    losses = epoch_logs(out, "loss")
    assert "Epoch 2/2" in out and len(losses) >= 2 and all(0 < v < 1 for v in losses)
    assert "accuracy" not in out  # a metric updated inside call() is not logged (Keras 3 logs loss only)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # part 3 calls the endpoint layer with keyword arguments only, `layer(logits=..., targets=...)`
    assert printed(out, "preds.shape") == "(1000, 1)"
    assert out.count("Epoch 2/2") == 2


def write_cifar10(datasets, per_batch=16, n_test=16):
    """``$KERAS_HOME/datasets/cifar-10-batches-py`` (Keras 2's layout) with random pixels."""
    import pickle
    folder = datasets / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, count in [(f"data_batch_{i}", per_batch) for i in range(1, 6)] + [("test_batch", n_test)]:
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": rng.integers(0, 256, (count, 3072)).astype(np.uint8),
                         b"labels": [int(v) for v in rng.integers(0, 10, count)]}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [b"c%d" % i for i in range(10)]}, f)


def test_image_data_generator_flow(tmp_path):
    # 80 training images: the 0.2 validation subset keeps 16 aside, so fit() runs int(80 / 32) = 2 steps
    # of 32 over the 64 others (tf.keras 2 took the float steps_per_epoch; Keras 3 raises TypeError), 2 of
    # the 15 epochs; the manual loop then fits 3 batches (until batches >= 2.5) in each of its 15 epochs
    write_cifar10(tmp_path / "datasets")
    exprs = ["datagen.mean.shape", "len(datagen.flow(x_train, y_train, batch_size=32, subset='training'))",
             "len(datagen.flow(x_train, y_train, batch_size=8, subset='validation'))", "y_train.shape"]
    out = run_script("image_data_generator_flow", tmp_path, env={
        "KERAS_HOME": str(tmp_path), "MINIDL_KERAS_MAX_EPOCHS": "2", "MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert "Total params: 42,442" in out and "Epoch 2/2" in out and "Epoch 3/2" not in out
    assert len(epoch_logs(out, "val_accuracy")) == 2
    assert printed(out, exprs[0]) == "(1, 1, 3)"  # featurewise statistics per channel
    assert printed(out, exprs[1]) == "2" and printed(out, exprs[2]) == "2" and printed(out, exprs[3]) == "(80, 10)"
    manual = out[out.index("\nEpoch 0\n"):out.index("Test loss:")]
    sections = re.split(r"^Epoch \d+$", manual, flags=re.M)[1:]
    assert len(sections) == 15  # each: the same number of one-batch fits (3), so of progress lines
    counts = {len([ln for ln in section.split("\n") if "loss:" in ln]) for section in sections}
    assert len(counts) == 1 and counts.pop() % 3 == 0
    assert re.search(r"Test accuracy: \d", out)


def write_cifar100(datasets, n_train=20, n_test=10):
    """``$KERAS_HOME/datasets/cifar-100-python-target/cifar-100-python/{train,test}`` (Keras 3's layout)."""
    import pickle
    folder = datasets / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    rng = np.random.RandomState(0)
    for split, count in (("train", n_train), ("test", n_test)):
        batch = {b"data": rng.randint(0, 256, size=(count, 3072)).astype(np.uint8),
                 b"fine_labels": [int(v) for v in rng.randint(0, 100, count)],
                 b"coarse_labels": [int(v) for v in rng.randint(0, 20, count)],
                 b"filenames": [b"f%d.png" % i for i in range(count)]}
        with open(folder / split, "wb") as f:
            pickle.dump(batch, f, protocol=3)


@pytest.mark.slow
def test_image_classification_with_vision_transformer(tmp_path):
    # 20 training images (18 + 2 for validation_split=0.1), 10 test images, one of the 10 epochs of the
    # full-size ViT (72x72 inputs, 144 patches, 8 blocks, 21.7M parameters): about 15 s on one core.
    # The script writes its best weights to /tmp/checkpoint.weights.h5 and loads them back.
    write_cifar100(tmp_path / "datasets")
    exprs = ["vit_classifier.count_params()", "history.history", "vit_classifier.summary()"]
    out = run_script("image_classification_with_vision_transformer", tmp_path, env={
        "KERAS_HOME": str(tmp_path), "MINIDL_KERAS_MAX_EPOCHS": "1", "MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert "x_train shape: (20, 32, 32, 3) - y_train shape: (20, 1)" in out
    assert "Patches per image: 144" in out and "Elements per patch: 108" in out
    # Keras 3.15's summary of the same model before training (tests/fixtures/make_keras_vit_summary.py):
    # the same 232-line table; after fit minidl's total adds the optimizer's variables, as Keras' does
    import gzip
    keras_table = gzip.decompress((Path(__file__).parent / "fixtures" / "keras_vit_summary.txt.gz").read_bytes())
    keras_rows = keras_table.decode().splitlines()
    total = keras_rows.index(" Total params: 21,759,019 (83.00 MB)")
    start = out.index('Model: "functional_1"')  # functional: the data_augmentation Sequential's
    rows = out[start:].split("\n")
    assert rows[:total] == keras_rows[:total] and rows[total + 1:total + 3] == keras_rows[total + 1:total + 3]
    assert printed(out, exprs[0]) == "21759019"
    history = eval(printed(out, exprs[1]))
    assert sorted(history) == ["accuracy", "loss", "top-5-accuracy", "val_accuracy", "val_loss",
                               "val_top-5-accuracy"]
    assert all(np.isfinite(v[0]) for v in history.values())
    assert re.search(r"Test accuracy: \d+(\.\d+)?%", out) and re.search(r"Test top 5 accuracy: \d+(\.\d+)?%", out)


FRA_ENG = [("Go.", "Va !"), ("Hi.", "Salut !"), ("Run!", "Cours !"), ("Who?", "Qui ?"), ("Wow!", "Ça alors !"),
           ("Fire!", "Au feu !"), ("Help!", "À l'aide !"), ("Jump.", "Saute."), ("Stop!", "Ça suffit !"),
           ("Wait!", "Attends !"), ("Go on.", "Poursuis."), ("Hello!", "Bonjour !"), ("I see.", "Je comprends."),
           ("I try.", "J'essaye."), ("I won!", "J'ai gagné !"), ("Oh no!", "Oh non !"), ("Attack!", "Attaque !"),
           ("Cheers!", "Santé !"), ("Get up.", "Lève-toi."), ("Got it!", "Compris !"), ("Hug me.", "Serre-moi !"),
           ("I fell.", "Je suis tombé."), ("I know.", "Je sais."), ("Listen.", "Écoutez !")]


def test_lstm_seq2seq(tmp_path):
    # $KERAS_HOME/datasets/fra-eng.zip holding a 24-line fra.txt in the Anki format (english, french,
    # attribution), which the script unzips with the `unzip` program; 2 of its 100 epochs
    import shutil
    import zipfile
    if shutil.which("unzip") is None:
        pytest.skip("the script unzips its data with the `unzip` program, which is not installed")
    (tmp_path / "datasets").mkdir()
    with zipfile.ZipFile(tmp_path / "datasets" / "fra-eng.zip", "w") as archive:
        archive.writestr("fra.txt", "".join(f"{en}\t{fr}\tCC-BY 2.0 (France) Attribution: tatoeba.org #{i}\n"
                                            for i, (en, fr) in enumerate(FRA_ENG)))
    # the inference models rebuilt from the loaded model's layers (model.input, layers[2].output,
    # layers[3] called on new Inputs) give the training model's outputs when fed the whole decoder input
    consistency = ("float(np.abs(decoder_model.predict([decoder_input_data[:3]] + encoder_model.predict("
                   "encoder_input_data[:3], verbose=0), verbose=0)[0] - model.predict([encoder_input_data[:3], "
                   "decoder_input_data[:3]], verbose=0)).max())")
    exprs = ["[layer.name for layer in model.layers]", consistency]
    out = run_script("lstm_seq2seq", tmp_path, env={"KERAS_HOME": str(tmp_path), "MINIDL_KERAS_MAX_EPOCHS": "2",
                                                     "MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert "Number of samples: 24" in out and "Max sequence length for outputs: 16" in out
    assert "Epoch 2/2" in out and len(epoch_logs(out, "val_loss")) == 2 and (tmp_path / "s2s_model.keras").is_file()
    assert printed(out, exprs[0]) == "['input_layer', 'input_layer_1', 'lstm', 'lstm_1', 'dense']"  # Keras' names
    assert float(printed(out, exprs[1])) < 1e-5
    decoded = re.findall(r"^Decoded sentence: (.*)$", out, flags=re.M)
    assert len(decoded) == 20 and all(len(sentence) <= 17 for sentence in decoded)


def test_subclassing_conv_layers(tmp_path):
    # Conv2D subclasses overriding convolution_op() and call(), on 64 stand-in digits, 3 of 5 epochs;
    # the summary is Keras 3.15's for the same model
    write_mnist(tmp_path / "datasets")
    out = run_script("subclassing_conv_layers", tmp_path, env={"KERAS_HOME": str(tmp_path),
                                                              "MINIDL_KERAS_MAX_EPOCHS": "3"})
    assert SUBCLASSING_CONV_SUMMARY in out
    val_losses = epoch_logs(out, "val_loss")
    assert len(val_losses) == 3 and val_losses[-1] < val_losses[0]


def test_knowledge_distillation(tmp_path):
    # a subclassed Distiller overriding compile() and compute_loss() (the teacher's softened predictions
    # on the batch's x), on 64 stand-in digits, each fit cut to 2 epochs
    write_mnist(tmp_path / "datasets")
    check = ("abs(distiller.evaluate(x_test, y_test, verbose=0, return_dict=True)['loss'] - "
             "float(distiller.compute_loss(x_test, y_test, distiller.predict(x_test, verbose=0))))")
    out = run_script("knowledge_distillation", tmp_path, env={
        "KERAS_HOME": str(tmp_path), "MINIDL_KERAS_MAX_EPOCHS": "2", "MINIDL_SCRIPT_PRINT_EXPRS": check})
    assert out.count("Epoch 2/2") == 3  # teacher, distiller, student from scratch
    assert len(epoch_logs(out, "sparse_categorical_accuracy")) >= 9
    assert float(printed(out, check)) < 1e-5  # evaluate() reports the override's loss (one test batch)

