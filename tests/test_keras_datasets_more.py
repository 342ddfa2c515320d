"""keras.datasets imdb / reuters / cifar100 / boston_housing / california_housing on stand-in files.

The stand-ins (tests/fixtures/keras_dataset_standins.py) have Keras' file names and formats and
sit in a temporary KERAS_HOME, so nothing is downloaded. The expected outputs in
tests/fixtures/keras_datasets_more.json were made by running Keras 3.15's own loaders on the same
files (tests/fixtures/make_keras_datasets.py).
"""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from minidl.keras import datasets

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from keras_dataset_standins import write_standins  # noqa: E402

REF = json.loads((FIXTURES / "keras_datasets_more.json").read_text())


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("MINIDL_KERAS_DATASETS", raising=False)

    def no_network(*args, **kwargs):
        raise AssertionError("the loader tried to download although the file is cached")
    monkeypatch.setattr("minidl.data.download.open_url", no_network, raising=False)
    write_standins(tmp_path / "datasets")
    return tmp_path


def _lists(a):
    return [list(map(int, x)) for x in a]


def test_imdb_matches_keras(keras_home):
    for case in REF["imdb"]:
        (x_train, y_train), (x_test, y_test) = datasets.imdb.load_data(**case["kwargs"])
        assert x_train.dtype == object and str(y_train.dtype) == case["dtypes"][1]
        assert _lists(x_train) == case["x_train"], case["kwargs"]
        assert _lists(x_test) == case["x_test"], case["kwargs"]
        assert y_train.tolist() == case["y_train"] and y_test.tolist() == case["y_test"]
    assert datasets.imdb.get_word_index() == REF["imdb_word_index"]


def test_imdb_maxlen_too_small_raises(keras_home):
    with pytest.raises(ValueError, match="maxlen=2"):
        datasets.imdb.load_data(maxlen=2)


def test_reuters_matches_keras(keras_home):
    for case in REF["reuters"]:
        (x_train, y_train), (x_test, y_test) = datasets.reuters.load_data(**case["kwargs"])
        assert _lists(x_train) == case["x_train"], case["kwargs"]
        assert _lists(x_test) == case["x_test"], case["kwargs"]
        assert y_train.tolist() == case["y_train"] and y_test.tolist() == case["y_test"]
    assert list(datasets.reuters.get_label_names()) == REF["reuters_labels"]
    assert len(datasets.reuters.get_label_names()) == 46
    assert datasets.reuters.get_word_index() == {"said": 1, "mln": 2}


def test_regression_datasets_match_keras(keras_home):
    for case in REF["regression"]:
        (x_train, y_train), (x_test, y_test) = getattr(datasets, case["name"]).load_data(**case["kwargs"])
        assert [list(x_train.shape), list(y_train.shape), list(x_test.shape)] == case["shapes"]
        assert x_train[:, 0].astype(int).tolist() == case["train_rows"], case
        assert x_test[:, 0].astype(int).tolist() == case["test_rows"], case
        np.testing.assert_allclose(y_train[:3], case["y_train_head"])
        assert str(x_train.dtype) == case["dtype"]
    with pytest.raises(ValueError, match="test_split"):
        datasets.boston_housing.load_data(test_split=1.0)
    with pytest.raises(ValueError, match="version"):
        datasets.california_housing.load_data(version="medium")


def test_cifar100_matches_keras(keras_home):
    for mode in ("fine", "coarse"):
        ref = REF["cifar100_" + mode]
        (x_train, y_train), (x_test, y_test) = datasets.cifar100.load_data(label_mode=mode)
        assert [list(a.shape) for a in (x_train, y_train, x_test, y_test)] == ref["shapes"]
        assert [str(x_train.dtype), str(y_train.dtype)] == ref["dtypes"]
        assert y_train.ravel().tolist() == ref["y_train"] and y_test.ravel().tolist() == ref["y_test"]
        assert int(x_train.astype(np.int64).sum()) == ref["x_train_sum"]
        assert x_train[0, 0, 0].tolist() == ref["x_train_0_0_0"] and x_test[2, 31, 5].tolist() == ref["x_test_2_31_5"]
    with pytest.raises(ValueError, match="label_mode"):
        datasets.cifar100.load_data(label_mode="medium")


def test_missing_file_is_downloaded_from_keras_url(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("MINIDL_KERAS_DATASETS", raising=False)
    source = tmp_path / "src"
    write_standins(source)
    asked = []

    def fake_download(urls, target, md5=None, sha256=None):
        asked.append((urls[0], md5, sha256))
        Path(target).write_bytes((source / Path(target).name).read_bytes())
    monkeypatch.setattr("minidl.data.download.download_url", fake_download)
    (x_train, _), _ = datasets.boston_housing.load_data()
    assert asked[0][0] == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
    assert asked[0][2] == "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"
    assert x_train.shape == (18, 13)
    datasets.imdb.get_word_index()
    assert asked[1][0].endswith("/imdb_word_index.json") and asked[1][1] == "bfafd718b763782e994055a2d397834f"


def test_npz_loader_refuses_code(tmp_path):
    import pickle
    import zipfile

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))
    payload = np.lib.format.header_data_from_array_1_0(np.empty(1, dtype=object))
    path = tmp_path / "imdb.npz"
    with zipfile.ZipFile(path, "w") as z:
        buf = __import__("io").BytesIO()
        np.lib.format.write_array_header_1_0(buf, payload)
        buf.write(pickle.dumps(Evil()))
        z.writestr("x_train.npy", buf.getvalue())
    from minidl.keras.datasets._sequences import load_npz
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        load_npz(path)
