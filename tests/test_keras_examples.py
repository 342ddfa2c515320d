"""Keras scripts end to end on minidl.keras: a keras-io style MNIST convnet with only its import
changed (on a small fake ``mnist.npz`` in a temporary ``$KERAS_HOME``), and smoke runs of
``examples/keras_wallace_cifar10.py`` and ``examples/keras_tiny_imagenet.py``."""
import importlib.util
import pickle
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

MNIST_CONVNET = '''
import numpy as np
{imports}

num_classes = 10
input_shape = (28, 28, 1)
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=128, epochs=3, validation_split=0.1)
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
'''


def fake_mnist(path, n_train=200, n_test=40):
    """Learnable stand-in digits: class k is a bright horizontal bar at row 2 + 2k."""
    rng = np.random.default_rng(0)

    def make(n):
        y = rng.integers(0, 10, n).astype(np.uint8)
        x = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(y):
            x[i, 2 + 2 * k: 4 + 2 * k, 4:24] = 255
        return x, y
    (xtr, ytr), (xte, yte) = make(n_train), make(n_test)
    np.savez(path, x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)


def test_every_import_spelling_reaches_the_same_api():
    import minidl.keras as keras_alias
    from minidl import keras
    from minidl.keras import layers
    from minidl.keras.callbacks import EarlyStopping
    from minidl.keras.layers import Dense
    from minidl.keras.models import Sequential, load_model
    from minidl.keras.optimizers import Adam
    from minidl.keras.optimizers.schedules import ExponentialDecay
    from minidl.keras.utils import to_categorical
    assert keras is keras_alias and layers.Dense is Dense and keras.Sequential is Sequential
    assert keras.models.load_model is load_model and keras.optimizers.Adam is Adam
    assert keras.callbacks.EarlyStopping is EarlyStopping and keras.utils.to_categorical is to_categorical
    assert keras.optimizers.schedules.ExponentialDecay is ExponentialDecay
    assert keras.layers.Input is keras.Input and keras.saving.load_model is load_model


def test_keras_io_mnist_convnet_runs_with_only_the_import_changed(tmp_path, monkeypatch, capsys):
    imports = "from minidl import keras\nfrom minidl.keras import layers"
    (tmp_path / "datasets").mkdir()
    fake_mnist(tmp_path / "datasets" / "mnist.npz")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("MINIDL_KERAS_DATASETS", raising=False)
    namespace = {}
    exec(compile(MNIST_CONVNET.format(imports=imports), "mnist_convnet.py", "exec"), namespace)
    out = capsys.readouterr().out
    assert "Total params: 34,826" in out and "Epoch 3/3" in out and "val_accuracy" in out
    history = namespace["history"].history
    assert list(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history["loss"][-1] < history["loss"][0]
    assert 0.0 <= namespace["score"][1] <= 1.0


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wallace_example_smoke(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": rng.integers(0, 256, (8, 3072)).astype(np.uint8),
                         b"labels": [int(v) for v in rng.integers(0, 10, 8)]}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [b"c%d" % i for i in range(10)]}, f)
    monkeypatch.delenv("MINIDL_KERAS_DATASETS", raising=False)
    example = load_example("keras_wallace_cifar10")
    for model in ("mlp", "deep"):
        loss, acc = example.main(["--model", model, "--epochs", "1", "--batch-size", "16", "--filter1", "4",
                                  "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "run"),
                                  "--verbose", "0"])
        assert np.isfinite(loss) and 0 <= acc <= 1
    assert (tmp_path / "run" / "model_deep4.keras").is_file() and (tmp_path / "run" / "deep4.log").is_file()


def test_tiny_imagenet_example_smoke_on_a_generated_stand_in(tmp_path):
    example = load_example("keras_tiny_imagenet")
    for net in ("wells2", "kth-d"):
        loss, top1, top5 = example.main(["--net", net, "--make-standin", str(tmp_path / "tin"),
                                         "--standin-classes", "3", "--standin-per-class", "4",
                                         "--epochs", "1", "--batch-size", "8", "--verbose", "0",
                                         "--out", str(tmp_path / "run")])
        assert np.isfinite(loss) and 0 <= top1 <= top5 <= 1
    assert (tmp_path / "tin" / "val" / "val_annotations.txt").is_file()
