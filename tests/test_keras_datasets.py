"""keras.datasets.*.load_data(): Keras' cache layout ($KERAS_HOME/datasets), shapes and dtypes,
and the download path (with minidl.data.download.open_url monkeypatched: no network)."""
import gzip
import hashlib
import io
import pickle
from pathlib import Path

import numpy as np
import pytest

from minidl.keras.datasets import cifar10, fashion_mnist, mnist

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    monkeypatch.delenv("MINIDL_KERAS_DATASETS", raising=False)
    (tmp_path / "kh" / "datasets").mkdir(parents=True)
    return tmp_path / "kh" / "datasets"


def write_idx(path, array):
    if array.ndim == 3:
        header = (2051).to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    else:
        header = (2049).to_bytes(4, "big") + int(len(array)).to_bytes(4, "big")
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def fake_mnist(rng, n_train=6, n_test=4):
    return ((rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8), rng.integers(0, 10, n_train).astype(np.uint8)),
            (rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8), rng.integers(0, 10, n_test).astype(np.uint8)))


def test_mnist_reads_the_keras_npz(keras_home, rng):
    (xtr, ytr), (xte, yte) = fake_mnist(rng)
    np.savez(keras_home / "mnist.npz", x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
    (a, b), (c, d) = mnist.load_data()
    np.testing.assert_array_equal(a, xtr)
    np.testing.assert_array_equal(d, yte)
    assert a.dtype == np.uint8 and b.dtype == np.uint8


def test_mnist_downloads_when_absent(keras_home, rng, monkeypatch):
    (xtr, ytr), (xte, yte) = fake_mnist(rng)
    buf = io.BytesIO()
    np.savez(buf, x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
    payload = buf.getvalue()
    urls = []

    def fake_open(url, timeout=60.0):
        urls.append(url)
        return io.BytesIO(payload)

    import minidl.data.download as download
    monkeypatch.setattr(download, "open_url", fake_open)
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(payload).hexdigest())
    (a, _), _ = mnist.load_data()
    assert urls == ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"]
    assert (keras_home / "mnist.npz").is_file()
    np.testing.assert_array_equal(a, xtr)
    monkeypatch.setattr(mnist, "SHA256", "0" * 64)
    (keras_home / "mnist.npz").unlink()
    with pytest.raises(OSError, match="corrupt"):
        mnist.load_data()
    assert not (keras_home / "mnist.npz").exists()


def test_fashion_mnist_reads_the_gz_files(keras_home, rng):
    (xtr, ytr), (xte, yte) = fake_mnist(rng)
    folder = keras_home / "fashion-mnist"
    folder.mkdir()
    for name, arr in zip(mnist.IDX_FILES, (xtr, ytr, xte, yte)):
        write_idx(folder / name, arr)
    (a, b), (c, d) = fashion_mnist.load_data()
    np.testing.assert_array_equal(a, xtr)
    np.testing.assert_array_equal(b, ytr)
    assert c.shape == (4, 28, 28) and d.shape == (4,)


def test_cifar10_reads_the_batches_in_keras_shapes(keras_home, rng):
    folder = keras_home / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (2, 3072)).astype(np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, 2)]
        batches[name] = (data, labels)
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": labels}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [b"c%d" % i for i in range(10)]}, f)
    (xtr, ytr), (xte, yte) = cifar10.load_data()
    assert xtr.shape == (10, 32, 32, 3) and ytr.shape == (10, 1) and ytr.dtype == np.uint8
    assert xte.shape == (2, 32, 32, 3) and yte.shape == (2, 1)
    first = batches["data_batch_1"][0][0].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(xtr[0], first)
    assert ytr[0, 0] == batches["data_batch_1"][1][0]


@pytest.mark.data
@pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason=f"real datasets not found at {SHARED_DATA}")
def test_real_mnist_through_the_env_variable(monkeypatch):
    monkeypatch.setenv("MINIDL_KERAS_DATASETS", str(SHARED_DATA))
    (xtr, ytr), (xte, yte) = mnist.load_data()
    assert xtr.shape == (60000, 28, 28) and xtr.dtype == np.uint8 and ytr.dtype == np.uint8
    assert xte.shape == (10000, 28, 28)
    assert ytr[:5].tolist() == [5, 0, 4, 1, 9] and yte[:5].tolist() == [7, 2, 1, 0, 4]
