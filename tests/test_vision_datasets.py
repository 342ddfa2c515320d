"""minidl.vision.datasets: torchvision's layout on disk, (PIL image, int) items, errors, download."""
import gzip
import hashlib
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import minidl as mdl
from minidl.data.download import ChecksumError
from minidl.vision import datasets
from minidl.vision import transforms as T

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
needs_mnist = pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(),
                                 reason=f"real datasets not found at {SHARED_DATA}")


def idx_bytes(arr):
    magic = 2051 if arr.ndim == 3 else 2049
    head = magic.to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def fake_mnist(root, cls="MNIST", n=5, gz=False):
    raw = Path(root) / cls / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    y = np.arange(n) % 10
    for prefix in ("train", "t10k"):
        for kind, arr in (("images-idx3", x), ("labels-idx1", y)):
            name = raw / f"{prefix}-{kind}-ubyte"
            if gz:
                with gzip.open(str(name) + ".gz", "wb") as f:
                    f.write(idx_bytes(arr))
            else:
                name.write_bytes(idx_bytes(arr))
    return x, y


def fake_cifar10(root, n=6):
    folder = Path(root) / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(v) for v in np.arange(n) % 10]
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": labels}, f, protocol=2)
    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse",
             b"ship", b"truck"]
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": names}, f, protocol=2)
    return data.reshape(n, 3, 32, 32).transpose(0, 2, 3, 1), labels


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("cls", ["MNIST", "FashionMNIST"])
def test_mnist_reads_torchvisions_raw_folder(tmp_path, cls, gz):
    x, y = fake_mnist(tmp_path, cls, gz=gz)
    ds = getattr(datasets, cls)(tmp_path, train=False)
    img, label = ds[3]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert label == 3 and isinstance(label, int)
    np.testing.assert_array_equal(np.asarray(img), x[3])
    assert isinstance(ds.data, mdl.Tensor) and ds.data.shape == (5, 28, 28) and ds.data.dtype == np.uint8
    assert ds.targets.dtype == np.int64 and len(ds) == 5
    assert ds.class_to_idx[ds.classes[2]] == 2
    t = datasets.MNIST(tmp_path, train=True, transform=T.ToTensor(), target_transform=lambda v: v + 10) \
        if cls == "MNIST" else None
    if t is not None:
        img, label = t[0]
        assert img.shape == (1, 28, 28) and img.dtype == np.float32 and label == 10


def test_cifar10_reads_batches_py_folder(tmp_path):
    x, y = fake_cifar10(tmp_path)
    ds = datasets.CIFAR10(tmp_path, train=True)
    assert len(ds) == 30 and ds.classes[1] == "automobile" and isinstance(ds.targets, list)
    img, label = ds[2]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and label == 2
    np.testing.assert_array_equal(np.asarray(img), x[2])
    assert isinstance(ds.data, np.ndarray) and ds.data.shape == (30, 32, 32, 3)


@pytest.mark.parametrize("make", [
    lambda root: datasets.MNIST(root),
    lambda root: datasets.FashionMNIST(root, train=False),
    lambda root: datasets.CIFAR10(root),
    lambda root: datasets.CIFAR100(root),
])
def test_folder_in_neither_layout_is_a_one_line_error(tmp_path, make):
    (tmp_path / "junk.txt").write_text("not a dataset")
    with pytest.raises(RuntimeError) as err:
        make(tmp_path)
    msg = str(err.value)
    assert str(tmp_path) in msg and "expected" in msg and "download=True" in msg and "\n" not in msg


def test_image_folder(tmp_path):
    for cls, colour in (("cat", (255, 0, 0)), ("dog", (0, 0, 255))):
        (tmp_path / cls).mkdir()
        for i in range(2):
            Image.new("RGB", (6 + i, 5), colour).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "dog" / "notes.txt").write_text("skip me")
    ds = datasets.ImageFolder(tmp_path, transform=T.Compose([T.Resize((4, 4)), T.ToTensor()]))
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert ds.targets == [0, 0, 1, 1] and len(ds.samples) == 4 and ds.imgs == ds.samples
    x, label = ds[3]
    assert label == 1 and x.shape == (3, 4, 4) and x.numpy()[2].min() == pytest.approx(1.0)
    raw = datasets.ImageFolder(tmp_path)
    assert raw[1][0].size == (7, 5)
    empty = tmp_path / "empty"
    (empty / "nothing").mkdir(parents=True)
    with pytest.raises(FileNotFoundError,
                       match=r"Found no valid file for the classes nothing\. Supported extensions are: \.jpg.*\(under"):
        datasets.ImageFolder(empty)
    flat = tmp_path / "flat"
    flat.mkdir()
    Image.new("RGB", (4, 4)).save(flat / "a.png")
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(flat)


def test_mnist_download_from_a_local_mirror(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    fake_mnist(mirror, gz=True)
    files = mirror / "MNIST" / "raw"
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in files.iterdir()}
    monkeypatch.setattr(datasets.MNIST, "mirrors", [files.as_uri() + "/"])
    monkeypatch.setattr(datasets.MNIST, "resources", [(n, md5[n]) for n, _ in datasets.MNIST.resources])
    ds = datasets.MNIST(tmp_path / "root", train=True, download=True)
    assert len(ds) == 5
    raw = tmp_path / "root" / "MNIST" / "raw"
    assert (raw / "train-images-idx3-ubyte").is_file() and (raw / "train-images-idx3-ubyte.gz").is_file()
    monkeypatch.setattr(datasets.MNIST, "resources", [(n, "0" * 32) for n, _ in datasets.MNIST.resources])
    with pytest.raises(ChecksumError, match="md5"):
        datasets.MNIST(tmp_path / "other", download=True)


def test_official_urls_and_checksums():
    assert datasets.MNIST.resources[0] == ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873")
    assert datasets.CIFAR10.url == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert datasets.CIFAR10.tgz_md5 == "c58f30108f718f92721af3b95e74349a"
    assert datasets.CIFAR100.tgz_md5 == "eb9058c3a382ffc7106e4002c42a8d85"


def test_shapes_items_are_pil_images():
    ds = datasets.Shapes(10, image_size=16, seed=0)
    img, label = ds[0]
    assert isinstance(img, Image.Image) and img.size == (16, 16) and isinstance(label, int)


@needs_mnist
def test_real_mnist_through_torchvision_layout(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (SHARED_DATA / "mnist").iterdir():
        (raw / f.name).symlink_to(f)
    ds = datasets.MNIST(tmp_path, train=False, transform=T.ToTensor())
    assert len(ds) == 10000 and ds.targets[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    x, _ = ds[0]
    assert x.shape == (1, 28, 28) and 0.0 <= float(x.numpy().min()) and float(x.numpy().max()) <= 1.0


def test_cifar10_download_from_a_local_archive(tmp_path, monkeypatch):
    import tarfile
    src = tmp_path / "src"
    x, _ = fake_cifar10(src)
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    monkeypatch.setattr(datasets.CIFAR10, "url", archive.as_uri())
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", hashlib.md5(archive.read_bytes()).hexdigest())
    ds = datasets.CIFAR10(tmp_path / "root", train=False, download=True)
    assert (tmp_path / "root" / "cifar-10-batches-py" / "test_batch").is_file()
    np.testing.assert_array_equal(ds.data, x)
    assert len(datasets.CIFAR10(tmp_path / "root", train=False, download=True)) == 6  # no refetch


def test_tiny_imagenet_and_cifar100(tmp_path, monkeypatch):
    from fixtures_data import make_cifar100_pickles, make_tiny_imagenet
    monkeypatch.setenv("MINIDL_DATA", str(tmp_path / "cache"))
    make_tiny_imagenet(tmp_path / "tiny")
    ds = datasets.TinyImageNet(tmp_path / "tiny", split="val", transform=T.ToTensor())
    x, label = ds[0]
    assert len(ds) == 6 and x.shape == (3, 64, 64) and isinstance(label, int)
    make_cifar100_pickles(tmp_path / "c100" / "cifar-100-python")
    c100 = datasets.CIFAR100(tmp_path / "c100", train=True)
    img, label = c100[0]
    assert isinstance(img, Image.Image) and img.size == (32, 32) and 0 <= label < 100
