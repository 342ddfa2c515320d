"""KMNIST, EMNIST, QMNIST, SVHN, STL10, USPS: tiny fake files in torchvision's on-disk formats.

Runs under torchvision too, with the imports switched:
    sed -e 's/^import minidl as torch/import torch/' -e 's/from minidl.vision/from torchvision/'
"""
import bz2
import gzip
import hashlib
import importlib.util
import lzma
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import minidl as torch
from minidl.vision import datasets
from minidl.vision import transforms as T

IS_MINIDL = torch.__name__ == "minidl"
HAS_SCIPY = importlib.util.find_spec("scipy") is not None


@pytest.fixture(scope="module")
def http_root(tmp_path_factory):
    """A local HTTP server over a temporary folder: (folder, base URL). torchvision's
    download_url does not take file:// URLs, so the download tests serve their files."""
    import functools
    import http.server
    import threading
    folder = tmp_path_factory.mktemp("served")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def url_of(path, http_root):
    folder, base = http_root
    return base + Path(path).relative_to(folder).as_posix()


def md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def idx_bytes(arr, type_code=8):
    arr = np.asarray(arr)
    head = bytes([0, 0, type_code, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    dtype = {8: ">u1", 12: ">i4"}[type_code]
    return head + arr.astype(dtype).tobytes()


def write(path, data, opener=open):
    path.parent.mkdir(parents=True, exist_ok=True)
    with opener(path, "wb") as f:
        f.write(data)


def fake_images(n, h=28, w=28, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, h, w), dtype=np.uint8)


# ---------------------------------------------------------------- KMNIST / EMNIST


def test_kmnist_reads_raw_folder(tmp_path):
    x, y = fake_images(4), np.array([9, 1, 2, 3])
    raw = tmp_path / "KMNIST" / "raw"
    for prefix in ("train", "t10k"):  # torchvision wants all four files
        write(raw / f"{prefix}-images-idx3-ubyte", idx_bytes(x))
        write(raw / f"{prefix}-labels-idx1-ubyte", idx_bytes(y))
    ds = datasets.KMNIST(str(tmp_path), train=False)
    assert isinstance(ds, datasets.MNIST) and len(ds) == 4
    img, label = ds[0]
    assert isinstance(img, Image.Image) and img.mode == "L" and label == 9 and type(label) is int
    np.testing.assert_array_equal(np.asarray(img), x[0])
    assert ds.classes == ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
    assert ds.class_to_idx["wo"] == 9
    assert isinstance(ds.data, torch.Tensor) and ds.data.dtype == torch.uint8
    assert ds.targets.dtype == torch.int64 and ds.targets.tolist() == [9, 1, 2, 3]
    assert repr(ds) == f"Dataset KMNIST\n    Number of datapoints: 4\n    Root location: {tmp_path}\n    Split: Test"
    assert datasets.KMNIST.mirrors == ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    assert datasets.KMNIST.resources[0] == ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7")


def test_kmnist_missing_files(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True to download it"):
        datasets.KMNIST(str(tmp_path))


def fake_emnist(raw, split, part, n=3, seed=0):
    x = fake_images(n, seed=seed)
    y = np.arange(n) + 1
    write(raw / f"emnist-{split}-{part}-images-idx3-ubyte", idx_bytes(x))
    write(raw / f"emnist-{split}-{part}-labels-idx1-ubyte", idx_bytes(y))
    return x, y


@pytest.mark.parametrize("split,n_classes", [("byclass", 62), ("bymerge", 47), ("balanced", 47),
                                             ("letters", 27), ("digits", 10), ("mnist", 10)])
def test_emnist_splits(tmp_path, split, n_classes):
    raw = tmp_path / "EMNIST" / "raw"
    x, y = fake_emnist(raw, split, "train")
    xt, yt = fake_emnist(raw, split, "test", n=2, seed=1)
    ds = datasets.EMNIST(tmp_path, split=split)
    assert len(ds) == 3 and len(ds.classes) == n_classes and ds.split == split
    img, label = ds[2]
    np.testing.assert_array_equal(np.asarray(img), x[2])
    assert label == 3
    test = datasets.EMNIST(tmp_path, split, train=False, target_transform=lambda t: t * 10)
    assert len(test) == 2 and test[1][1] == 20
    assert np.asarray(test.data).shape == (2, 28, 28)
    assert repr(test).splitlines()[-3:] == ["    Split: Test", "    StandardTransform",
                                             "Target transform: " + repr(test.target_transform)]


def test_emnist_classes_and_errors(tmp_path):
    d = datasets.EMNIST.classes_split_dict
    assert d["letters"][:3] == ["N/A", "a", "b"] and d["byclass"][:11] == list("0123456789A")
    assert "c" not in d["bymerge"] and "C" in d["bymerge"] and d["balanced"] == d["bymerge"]
    assert datasets.EMNIST.splits == ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    assert datasets.EMNIST.md5 == "58c8d27c78d21e728a6bc7b3cc06412e"
    with pytest.raises(ValueError, match=r"Unknown value 'bad' for argument split. Valid values are "
                                         r"\{'byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'\}."):
        datasets.EMNIST(tmp_path, split="bad")
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.EMNIST(tmp_path, split="digits")


def test_emnist_download_unpacks_gzip_zip(tmp_path, monkeypatch, http_root):
    src = http_root[0] / "emnist"
    src.mkdir()
    x = fake_images(2)
    with zipfile.ZipFile(src / "gzip.zip", "w") as z:
        for part in ("train", "test"):
            z.writestr(f"gzip/emnist-mnist-{part}-images-idx3-ubyte.gz", gzip.compress(idx_bytes(x)))
            z.writestr(f"gzip/emnist-mnist-{part}-labels-idx1-ubyte.gz", gzip.compress(idx_bytes([4, 5])))
    monkeypatch.setattr(datasets.EMNIST, "url", url_of(src / "gzip.zip", http_root))
    monkeypatch.setattr(datasets.EMNIST, "md5", md5(src / "gzip.zip"))
    ds = datasets.EMNIST(tmp_path / "root", "mnist", download=True)
    raw = tmp_path / "root" / "EMNIST" / "raw"
    assert (raw / "emnist-mnist-test-labels-idx1-ubyte").is_file() and not (raw / "gzip").exists()
    assert ds[1][1] == 5 and len(ds) == 2


# ---------------------------------------------------------------- QMNIST


def fake_qmnist(raw, prefix, n, compress=None):
    x = fake_images(n, seed=3)
    t = np.stack([np.arange(n) % 10, np.arange(n) + 100] + [np.full(n, k) for k in range(6)], 1)
    suffix, opener = {None: ("", open), "gz": (".gz", gzip.open), "xz": (".xz", lzma.open)}[compress]
    write(raw / f"{prefix}-images-idx3-ubyte{suffix}", idx_bytes(x), opener)
    write(raw / f"{prefix}-labels-idx2-int{suffix}", idx_bytes(t, 12), opener)
    return x, t


def test_qmnist_compat_and_full_targets(tmp_path):
    raw = tmp_path / "QMNIST" / "raw"
    x, t = fake_qmnist(raw, "qmnist-train", 5)
    ds = datasets.QMNIST(tmp_path)
    assert ds.what == "train" and len(ds) == 5
    img, label = ds[3]
    assert label == 3 and type(label) is int and img.mode == "L"
    np.testing.assert_array_equal(np.asarray(img), x[3])
    assert tuple(ds.targets.shape) == (5, 8) and ds.targets.dtype == torch.int64
    full = datasets.QMNIST(tmp_path, what="train", compat=False)
    _, target = full[2]
    assert isinstance(target, torch.Tensor) and target.tolist() == t[2].tolist()
    assert repr(full).endswith("Split: train")
    with pytest.raises(ValueError, match="Unknown value 'val' for argument what"):
        datasets.QMNIST(tmp_path, what="val")
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.QMNIST(tmp_path, train=False)


def test_qmnist_test_subsets(tmp_path):
    raw = tmp_path / "QMNIST" / "raw"
    fake_qmnist(raw, "qmnist-test", 10003)
    assert len(datasets.QMNIST(tmp_path, what="test10k")) == 10000
    ds = datasets.QMNIST(tmp_path, what="test50k")
    assert len(ds) == 3 and ds[0][1] == 0  # item 10000 -> label 10000 % 10


@pytest.mark.parametrize("compress", ["gz", "xz"])
def test_qmnist_download_decompresses(tmp_path, monkeypatch, compress, http_root):
    src = http_root[0] / f"qmnist_{compress}"
    what, prefix = ("train", "qmnist-train") if compress == "gz" else ("nist", "xnist")
    fake_qmnist(src, prefix, 3, compress)
    names = [f"{prefix}-images-idx3-ubyte.{compress}", f"{prefix}-labels-idx2-int.{compress}"]
    res = dict(datasets.QMNIST.resources)
    res[what] = [(url_of(src / n, http_root), md5(src / n)) for n in names]
    monkeypatch.setattr(datasets.QMNIST, "resources", res)
    ds = datasets.QMNIST(tmp_path / "root", what=what, download=True)
    assert len(ds) == 3 and ds[2][1] == 2
    assert (tmp_path / "root" / "QMNIST" / "raw" / names[0][:-len(compress) - 1]).is_file()


# ---------------------------------------------------------------- SVHN


def fake_scipy(monkeypatch, mats):
    """A stand-in ``scipy.io`` whose loadmat returns ``mats[file name]``."""
    io = types.ModuleType("scipy.io")
    io.loadmat = lambda path: mats[Path(path).name]
    scipy = types.ModuleType("scipy")
    scipy.io = io
    monkeypatch.setitem(sys.modules, "scipy", scipy)
    monkeypatch.setitem(sys.modules, "scipy.io", io)


def svhn_arrays(n=4):
    X = np.random.default_rng(5).integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
    y = (np.arange(n) % 10 + 1).astype(np.uint8).reshape(n, 1)  # 1..10, 10 is the digit 0
    y[-1] = 10
    return X, y


def put_svhn_file(tmp_path, monkeypatch, split="train"):
    path = tmp_path / f"{split}_32x32.mat"
    path.write_bytes(b"stand-in for a .mat file")
    monkeypatch.setitem(datasets.SVHN.split_list, split, [path.as_uri(), path.name, md5(path)])
    return path


def test_svhn_items_with_a_stand_in_loadmat(tmp_path, monkeypatch):
    X, y = svhn_arrays()
    fake_scipy(monkeypatch, {"test_32x32.mat": {"X": X, "y": y}})
    put_svhn_file(tmp_path, monkeypatch, "test")
    ds = datasets.SVHN(str(tmp_path), split="test")
    assert isinstance(ds.data, np.ndarray) and ds.data.shape == (4, 3, 32, 32) and ds.data.dtype == np.uint8
    assert isinstance(ds.labels, np.ndarray) and ds.labels.dtype == np.int64
    assert ds.labels.tolist() == [1, 2, 3, 0]
    img, label = ds[3]
    assert img.mode == "RGB" and img.size == (32, 32) and label == 0 and type(label) is int
    np.testing.assert_array_equal(np.asarray(img), X[..., 3])
    np.testing.assert_array_equal(ds.data[1], X[..., 1].transpose(2, 0, 1))
    assert repr(ds).splitlines()[-1] == "    Split: test"
    x, _ = datasets.SVHN(str(tmp_path), split="test", transform=T.ToTensor())[0]
    assert tuple(x.shape) == (3, 32, 32)


def test_svhn_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="Unknown value 'val' for argument split"):
        datasets.SVHN(tmp_path, split="val")
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use download=True"):
        datasets.SVHN(tmp_path)
    (tmp_path / "train_32x32.mat").write_bytes(b"wrong bytes")  # MD5 mismatch: corrupted
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.SVHN(tmp_path)
    put_svhn_file(tmp_path, monkeypatch)
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.io", None)
    with pytest.raises(ImportError) as err:
        datasets.SVHN(tmp_path)
    if IS_MINIDL:
        assert "pip install scipy" in str(err.value) and "\n" not in str(err.value)


def test_svhn_download(tmp_path, monkeypatch, http_root):
    X, y = svhn_arrays()
    fake_scipy(monkeypatch, {"extra_32x32.mat": {"X": X, "y": y}})
    (http_root[0] / "svhn").mkdir()
    src = put_svhn_file(http_root[0] / "svhn", monkeypatch, "extra")
    datasets.SVHN.split_list["extra"][0] = url_of(src, http_root)
    ds = datasets.SVHN(tmp_path / "root", split="extra", download=True)
    assert (tmp_path / "root" / "extra_32x32.mat").read_bytes() == src.read_bytes() and len(ds) == 4


@pytest.mark.skipif(not HAS_SCIPY, reason="scipy is not installed (SVHN reads .mat files with scipy.io)")
def test_svhn_real_mat_file(tmp_path, monkeypatch):
    import scipy.io
    X, y = svhn_arrays(5)
    scipy.io.savemat(tmp_path / "train_32x32.mat", {"X": X, "y": y})
    monkeypatch.setitem(datasets.SVHN.split_list, "train",
                        ["u", "train_32x32.mat", md5(tmp_path / "train_32x32.mat")])
    ds = datasets.SVHN(tmp_path)
    assert ds.data.shape == (5, 3, 32, 32) and ds.labels.tolist() == [1, 2, 3, 4, 0]
    np.testing.assert_array_equal(np.asarray(ds[2][0]), X[..., 2])


# ---------------------------------------------------------------- STL10


def fake_stl10(root, n_train=4, n_test=3, n_unlabeled=2, folds=True, class_names=True):
    folder = Path(root) / "stl10_binary"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(7)
    imgs = {}
    for name, n in (("train", n_train), ("test", n_test), ("unlabeled", n_unlabeled)):
        hwc = rng.integers(0, 256, (n, 96, 96, 3), dtype=np.uint8)
        imgs[name] = hwc
        # STL-10's byte layout: each image is 3 planes stored column-major (x fastest per column)
        (folder / f"{name}_X.bin").write_bytes(hwc.transpose(0, 3, 2, 1).tobytes())
    (folder / "train_y.bin").write_bytes(bytes([(i % 10) + 1 for i in range(n_train)]))
    (folder / "test_y.bin").write_bytes(bytes([10 - i for i in range(n_test)]))
    if class_names:
        (folder / "class_names.txt").write_text("airplane\nbird\ncar\ncat\ndeer\ndog\nhorse\nmonkey\nship\ntruck\n")
    if folds:
        (folder / "fold_indices.txt").write_text("\n".join(f"{i % n_train} {(i + 1) % n_train} " for i in range(10)))
    return folder, imgs


@pytest.fixture
def stl10(tmp_path, monkeypatch):
    folder, imgs = fake_stl10(tmp_path)
    monkeypatch.setattr(datasets.STL10, "train_list",
                        [[n, md5(folder / n)] for n, _ in datasets.STL10.train_list])
    monkeypatch.setattr(datasets.STL10, "test_list",
                        [[n, md5(folder / n)] for n, _ in datasets.STL10.test_list])
    return tmp_path, imgs


def test_stl10_splits(stl10):
    root, imgs = stl10
    ds = datasets.STL10(str(root))
    assert len(ds) == 4 and ds.data.shape == (4, 3, 96, 96) and ds.data.dtype == np.uint8
    assert ds.labels.dtype == np.uint8 and ds.labels.tolist() == [0, 1, 2, 3]
    img, label = ds[2]
    assert img.mode == "RGB" and img.size == (96, 96) and label == 2 and type(label) is int
    np.testing.assert_array_equal(np.asarray(img), imgs["train"][2])
    assert ds.classes[0] == "airplane" and len(ds.classes) == 10
    test = datasets.STL10(root, split="test")
    assert test.labels.tolist() == [9, 8, 7]
    np.testing.assert_array_equal(np.asarray(test[1][0]), imgs["test"][1])
    unl = datasets.STL10(root, split="unlabeled")
    assert unl.labels.tolist() == [-1, -1] and unl[1][1] == -1
    np.testing.assert_array_equal(np.asarray(unl[1][0]), imgs["unlabeled"][1])
    both = datasets.STL10(root, split="train+unlabeled")
    assert len(both) == 6 and both.labels.dtype == np.int64 and both.labels.tolist()[-3:] == [3, -1, -1]
    assert repr(both) == ("Dataset STL10\n    Number of datapoints: 6\n"
                          f"    Root location: {root}\n    Split: train+unlabeled")


def test_stl10_batches_through_a_dataloader(stl10):
    root, imgs = stl10
    ds = datasets.STL10(root, split="train+unlabeled", transform=T.ToTensor())
    x, y = next(iter(torch.utils.data.DataLoader(ds, batch_size=5)))
    assert tuple(x.shape) == (5, 3, 96, 96) and y.tolist() == [0, 1, 2, 3, -1]
    np.testing.assert_allclose(x[1].numpy(), imgs["train"][1].transpose(2, 0, 1) / 255, atol=1e-6)


def test_stl10_folds(stl10):
    root, imgs = stl10
    ds = datasets.STL10(root, split="train", folds=3)
    assert len(ds) == 2 and ds.labels.tolist() == [3, 0]
    np.testing.assert_array_equal(np.asarray(ds[0][0]), imgs["train"][3])
    assert len(datasets.STL10(root, split="train+unlabeled", folds=0)) == 4
    with pytest.raises(ValueError, match=r"Value for argument folds should be in the range \[0, 10\), but got 10."):
        datasets.STL10(root, folds=10)
    with pytest.raises(ValueError, match="Expected type None or int for argument folds, but got type <class 'str'>."):
        datasets.STL10(root, folds="1")
    with pytest.raises(ValueError, match="Unknown value 'val' for argument split"):
        datasets.STL10(root, split="val")


def test_stl10_missing_or_corrupt(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use download=True"):
        datasets.STL10(tmp_path)
    fake_stl10(tmp_path)  # the real MD5s do not match the fake files
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.STL10(tmp_path, split="test")


def test_stl10_without_class_names(tmp_path, monkeypatch):
    folder, _ = fake_stl10(tmp_path, class_names=False)
    monkeypatch.setattr(datasets.STL10, "train_list", [[n, md5(folder / n)] for n, _ in datasets.STL10.train_list])
    monkeypatch.setattr(datasets.STL10, "test_list", [[n, md5(folder / n)] for n, _ in datasets.STL10.test_list])
    ds = datasets.STL10(tmp_path, split="test")
    assert not hasattr(ds, "classes") and len(ds) == 3


def test_stl10_download_from_local_archive(tmp_path, monkeypatch, http_root):
    import tarfile
    folder, imgs = fake_stl10(tmp_path / "src")
    archive = http_root[0] / "stl10_binary.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="stl10_binary")
    monkeypatch.setattr(datasets.STL10, "url", url_of(archive, http_root))
    monkeypatch.setattr(datasets.STL10, "tgz_md5", md5(archive))
    monkeypatch.setattr(datasets.STL10, "train_list", [[n, md5(folder / n)] for n, _ in datasets.STL10.train_list])
    monkeypatch.setattr(datasets.STL10, "test_list", [[n, md5(folder / n)] for n, _ in datasets.STL10.test_list])
    ds = datasets.STL10(tmp_path / "root", split="test", download=True)
    np.testing.assert_array_equal(np.asarray(ds[0][0]), imgs["test"][0])


# ---------------------------------------------------------------- USPS


def fake_usps(path, n=3):
    rng = np.random.default_rng(9)
    pix = rng.uniform(-1, 1, (n, 256)).astype(np.float32)
    lines = [f"{(i % 10) + 1} " + " ".join(f"{j + 1}:{v:.6f}" for j, v in enumerate(row))
             for i, row in enumerate(pix)]
    write(path, ("\n".join(lines) + "\n").encode(), bz2.open)
    vals = np.asarray([[float(f"{v:.6f}") for v in row] for row in pix], dtype=np.float32)
    return ((vals + 1) / 2 * 255).astype(np.uint8).reshape(n, 16, 16)


def test_usps(tmp_path):
    expected = fake_usps(tmp_path / "usps.t.bz2")
    ds = datasets.USPS(str(tmp_path), train=False)
    assert isinstance(ds.data, np.ndarray) and ds.data.shape == (3, 16, 16) and ds.data.dtype == np.uint8
    assert ds.targets == [0, 1, 2] and isinstance(ds.targets, list)
    img, label = ds[1]
    assert img.mode == "L" and img.size == (16, 16) and label == 1
    np.testing.assert_array_equal(ds.data, expected)
    assert repr(ds) == f"Dataset USPS\n    Number of datapoints: 3\n    Root location: {tmp_path}"
    ds = datasets.USPS(tmp_path, train=False, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]))
    assert repr(ds).splitlines()[3:] == ["    StandardTransform", "Transform: Compose(",
                                         "               ToTensor()",
                                         "               Normalize(mean=(0.5,), std=(0.5,))", "           )"]
    with pytest.raises(FileNotFoundError, match="usps.bz2"):
        datasets.USPS(tmp_path, train=True)


def test_usps_download(tmp_path, monkeypatch, http_root):
    src = http_root[0] / "usps" / "usps.bz2"
    expected = fake_usps(src, n=2)
    monkeypatch.setitem(datasets.USPS.split_list, "train", [url_of(src, http_root), "usps.bz2", md5(src)])
    ds = datasets.USPS(tmp_path / "root", download=True)
    np.testing.assert_array_equal(ds.data, expected)


def test_subsetting_by_assigning_data_and_targets(tmp_path, stl10):
    x, y = fake_images(6), np.array([5, 4, 3, 2, 1, 0])
    raw = tmp_path / "KMNIST" / "raw"
    for prefix in ("train", "t10k"):
        write(raw / f"{prefix}-images-idx3-ubyte", idx_bytes(x))
        write(raw / f"{prefix}-labels-idx1-ubyte", idx_bytes(y))
    ds = datasets.KMNIST(tmp_path, transform=T.ToTensor())
    ds.data, ds.targets = ds.data[2:5], ds.targets[2:5]
    assert len(ds) == 3 and ds[0][1] == 3
    xb, yb = next(iter(torch.utils.data.DataLoader(ds, batch_size=3)))
    assert tuple(xb.shape) == (3, 1, 28, 28) and yb.tolist() == [3, 2, 1]
    np.testing.assert_allclose(xb[0, 0].numpy(), x[2] / 255, atol=1e-6)
    usps_root = tmp_path / "usps"
    fake_usps(usps_root / "usps.bz2", n=4)
    us = datasets.USPS(usps_root)
    us.data, us.targets = us.data[1:], us.targets[1:]
    assert len(us) == 3 and us[0][1] == 1
    root, imgs = stl10
    st = datasets.STL10(root)
    st.data, st.labels = st.data[[3, 0]], st.labels[[3, 0]]
    assert len(st) == 2 and st[0][1] == 3
    np.testing.assert_array_equal(np.asarray(st[0][0]), imgs["train"][3])


def test_datasets_utils(tmp_path, http_root):
    import tarfile

    from minidl.vision.datasets import utils
    src = http_root[0] / "utils"
    src.mkdir()
    (src / "a.txt").write_bytes(b"hello")
    (src / "b.txt.gz").write_bytes(gzip.compress(b"gz body"))
    with tarfile.open(src / "pack.tar.gz", "w:gz") as tar:
        tar.add(src / "a.txt", arcname="pack/a.txt")
    assert utils.calculate_md5(src / "a.txt") == hashlib.md5(b"hello").hexdigest()
    assert utils.check_integrity(src / "a.txt") and utils.check_integrity(src / "a.txt", md5(src / "a.txt"))
    assert not utils.check_integrity(src / "a.txt", "0" * 32) and not utils.check_integrity(src / "zz")
    utils.download_url(url_of(src / "a.txt", http_root), str(tmp_path / "dl"), md5=md5(src / "a.txt"))
    assert (tmp_path / "dl" / "a.txt").read_bytes() == b"hello"
    with pytest.raises(RuntimeError, match="File not found or corrupted."):
        utils.download_url(url_of(src / "a.txt", http_root), str(tmp_path / "dl"), "c.txt", md5="0" * 32)
    utils.download_and_extract_archive(url_of(src / "pack.tar.gz", http_root), str(tmp_path / "dl2"))
    assert (tmp_path / "dl2" / "pack" / "a.txt").read_bytes() == b"hello"
    out = utils.extract_archive(str(src / "b.txt.gz"), str(tmp_path))
    assert out == str(tmp_path / "b.txt") and (tmp_path / "b.txt").read_bytes() == b"gz body"
    assert sorted(utils.list_files(str(src), ".txt")) == ["a.txt"]
    assert utils.list_dir(str(tmp_path / "dl2")) == ["pack"]
    assert utils.iterable_to_str(["a", 1]) == "'a', '1'"
    assert utils.verify_str_arg("x", "arg", ("x", "y")) == "x"
    with pytest.raises(ValueError, match="Expected type str for argument arg, but got type <class 'int'>."):
        utils.verify_str_arg(3, "arg", ("x",))
    with pytest.raises(RuntimeError, match="Unknown compression or archive type: '.rar'."):
        utils.extract_archive(str(src / "x.rar"))
