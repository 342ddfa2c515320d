"""Datasets on small fixtures written in each official format; downloads, caching, bad input."""
import gzip
import hashlib
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
from fixtures_data import (
    MNIST_FILES,
    make_cifar10_pickles,
    make_cifar100_pickles,
    make_image_tree,
    make_mnist,
    make_tiny_imagenet,
    save_image,
    smooth_image,
    tar_tree,
    write_idx_gz,
)
from PIL import Image

import minidl.data.decode as decode_mod
from minidl.data import (
    CIFAR10,
    CIFAR100,
    MNIST,
    ChecksumError,
    CorruptImageError,
    DataLoader,
    DownloadError,
    FashionMNIST,
    ImageFolder,
    TinyImageNet,
    data_home,
)
from minidl.data.cache import atomic_write
from minidl.data.download import download_url, extract_archive


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Every test gets its own MINIDL_DATA (default roots and decoded caches)."""
    home = tmp_path / "minidl_home"
    monkeypatch.setenv("MINIDL_DATA", str(home))
    return home


def md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


# --- MNIST / Fashion-MNIST -------------------------------------------------------

def test_mnist_reads_idx_gz(tmp_path):
    arrays = make_mnist(tmp_path / "m", n_train=30, n_test=10)
    tr = MNIST(tmp_path / "m")
    te = MNIST(tmp_path / "m", train=False)
    assert len(tr) == 30 and len(te) == 10
    assert tr.data.shape == (30, 28, 28, 1) and tr.data.dtype == np.uint8
    assert tr.targets.dtype == np.int64
    np.testing.assert_array_equal(tr.data[..., 0], arrays["train"][0])
    np.testing.assert_array_equal(te.targets, arrays["test"][1])
    x, y = tr[4]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32 and y == 4
    np.testing.assert_allclose(x[0], arrays["train"][0][4] / 255.0, rtol=1e-6)
    assert tr.classes[0] == "0 - zero" and len(tr.classes) == 10


def test_fashion_mnist_root_none_is_minidl_data(data_dir):
    make_mnist(data_dir / "fashion-mnist", n_train=20, n_test=5)
    ds = FashionMNIST(train=False)
    assert len(ds) == 5 and ds.classes[9] == "Ankle boot"
    assert ds.root == data_dir / "fashion-mnist"
    assert data_home() == data_dir


def test_mnist_missing_files_say_what_to_put_where(tmp_path):
    root = tmp_path / "empty"
    with pytest.raises(FileNotFoundError) as err:
        MNIST(root)
    msg = str(err.value)
    assert str(root / "train-images-idx3-ubyte.gz") in msg
    assert "train-labels-idx1-ubyte.gz" in msg and "download=True" in msg
    assert "ossci-datasets" in msg


def test_mnist_bad_magic_and_truncated_idx_name_the_file(tmp_path):
    root = tmp_path / "m"
    make_mnist(root)
    with gzip.open(root / MNIST_FILES["train"][0], "wb") as f:
        f.write((1234).to_bytes(4, "big") + bytes(12))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz: IDX magic number is 1234"):
        MNIST(root)
    images = np.zeros((5, 28, 28), np.uint8)
    write_idx_gz(root / MNIST_FILES["train"][0], images)
    raw = gzip.open(root / MNIST_FILES["train"][0]).read()
    with gzip.open(root / MNIST_FILES["train"][0], "wb") as f:
        f.write(raw[:-100])                       # the header promises more pixels
    with pytest.raises(ValueError, match="bytes after decompression"):
        MNIST(root)
    (root / MNIST_FILES["test"][1]).write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz: not a readable gzip"):
        MNIST(root, train=False)


def fake_mirror(tmp_path, files):
    """A folder served through file:// holding ``files``; returns its URL prefix."""
    mirror = tmp_path / "mirror"
    mirror.mkdir(exist_ok=True)
    for name, data in files.items():
        (mirror / name).write_bytes(data)
    return mirror.as_uri() + "/"


def test_mnist_download_from_file_url_checks_md5(tmp_path, monkeypatch):
    src = tmp_path / "src"
    make_mnist(src)
    files = {p.name: p.read_bytes() for p in src.iterdir()}
    url = fake_mirror(tmp_path, files)
    resources = {split: [(name, md5(src / name)) for name in MNIST_FILES[split]]
                 for split in MNIST_FILES}
    monkeypatch.setattr(MNIST, "mirrors", ["file:///nonexistent/mirror/", url])
    monkeypatch.setattr(MNIST, "resources", resources)
    ds = MNIST(download=True)                   # root None -> $MINIDL_DATA/mnist
    assert len(ds) == 30 and (data_home() / "mnist" / MNIST_FILES["test"][0]).is_file()
    MNIST.check_integrity()


def test_checksum_mismatch_deletes_partial_download_and_raises(tmp_path, monkeypatch):
    src = tmp_path / "src"
    make_mnist(src)
    url = fake_mirror(tmp_path, {p.name: p.read_bytes() for p in src.iterdir()})
    monkeypatch.setattr(MNIST, "mirrors", [url])   # real MD5s: the fixture files cannot match
    root = tmp_path / "dl"
    with pytest.raises(ChecksumError, match=r"md5 [0-9a-f]{32}, expected f68b3c2d"):
        MNIST(root, download=True)
    assert not any(root.iterdir())                 # neither the file nor a .part is left
    with pytest.raises(ChecksumError, match="expected"):
        MNIST.check_integrity(src)


def test_download_reports_every_failed_mirror(tmp_path):
    with pytest.raises(DownloadError) as err:
        download_url(["file:///no/such/a.gz", "file:///no/such/b.gz"], tmp_path / "x.gz")
    assert "file:///no/such/a.gz" in str(err.value) and "file:///no/such/b.gz" in str(err.value)
    assert f"put it at {tmp_path / 'x.gz'}" in str(err.value)
    assert not (tmp_path / "x.gz").exists() and not (tmp_path / "x.gz.part").exists()


def test_download_through_monkeypatched_fetch(tmp_path, monkeypatch):
    import io

    import minidl.data.download as dl
    payload = b"hello dataset"
    monkeypatch.setattr(dl, "open_url", lambda url, timeout=60.0: io.BytesIO(payload))
    out = download_url("https://example.invalid/f", tmp_path / "f", sha256=hashlib.sha256(payload).hexdigest())
    assert out.read_bytes() == payload
    with pytest.raises(ChecksumError, match="sha256"):
        download_url("https://example.invalid/f", tmp_path / "g", sha256="0" * 64)
    assert not (tmp_path / "g").exists() and not (tmp_path / "g.part").exists()


def test_extract_archive_refuses_path_traversal(tmp_path):
    evil = tmp_path / "evil.tar"
    payload = tmp_path / "payload"
    payload.write_text("x")
    with tarfile.open(evil, "w") as t:
        t.add(payload, arcname="../escaped.txt")
    with pytest.raises(ValueError, match="unsafe path"):
        extract_archive(evil, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


# --- CIFAR ---------------------------------------------------------------------------

def test_cifar10_official_pickles(tmp_path):
    ref = make_cifar10_pickles(tmp_path / "c", per_batch=6)
    tr = CIFAR10(tmp_path / "c")
    te = CIFAR10(tmp_path / "c", train=False)
    assert len(tr) == 30 and len(te) == 6
    assert tr.data.shape == (30, 32, 32, 3) and tr.data.flags.c_contiguous
    np.testing.assert_array_equal(tr.data, ref["train"][0])
    np.testing.assert_array_equal(tr.targets, ref["train"][1])
    np.testing.assert_array_equal(te.data, ref["test"][0])
    assert tr.classes == ref["classes"]
    x, y = te[0]
    assert x.shape == (3, 32, 32) and x.dtype == np.float32
    np.testing.assert_allclose(x, ref["test"][0][0].transpose(2, 0, 1) / 255, rtol=1e-6)


def test_cifar10_finds_torchvision_layout_and_missing_batch_names_path(tmp_path):
    make_cifar10_pickles(tmp_path / "r" / "cifar-10-batches-py", per_batch=2)
    assert len(CIFAR10(tmp_path / "r")) == 10
    (tmp_path / "r" / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match=r"cifar-10-batches-py/data_batch_3"):
        CIFAR10(tmp_path / "r")


def test_cifar_refuses_pickles_that_run_code(tmp_path):
    make_cifar10_pickles(tmp_path / "c", per_batch=2)
    with open(tmp_path / "c" / "test_batch", "wb") as f:
        pickle.dump({"data": os.system}, f, protocol=2)
    with pytest.raises(ValueError, match="refusing to load"):
        CIFAR10(tmp_path / "c", train=False)


def test_cifar100_pickles_fine_and_coarse(tmp_path):
    ref = make_cifar100_pickles(tmp_path / "c100")
    tr = CIFAR100(tmp_path / "c100")
    te = CIFAR100(tmp_path / "c100", train=False)
    assert len(tr) == 20 and len(te) == 8 and len(tr.classes) == 100
    np.testing.assert_array_equal(tr.data, ref["train"][0])
    np.testing.assert_array_equal(tr.targets, ref["train"][1])
    np.testing.assert_array_equal(te.coarse_targets, ref["test"][2])
    assert tr.classes == ref["classes"]


def test_cifar_missing_everything_says_what_to_put_where(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        CIFAR100(tmp_path / "none")
    msg = str(err.value)
    assert str(tmp_path / "none" / "train") in msg and "meta" in msg
    assert "cifar-100-python.tar.gz" in msg and "train/<class>/" in msg


CLASSES = ["airplane", "automobile", "bird"]


def cifar_tree(root, per_class=(4, 2)):
    train = make_image_tree(root / "train", CLASSES, per_class[0], ext=".jpg", seed=1)
    test = make_image_tree(root / "test", CLASSES, per_class[1], ext=".jpg", seed=2)
    return train, test


def pillow_rgb(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_cifar10_image_tree_and_its_cache(tmp_path, data_dir, monkeypatch):
    train, test = cifar_tree(tmp_path / "tree")
    tr = CIFAR10(tmp_path / "tree")
    assert len(tr) == 12 and tr.classes == CLASSES
    np.testing.assert_array_equal(tr.targets, [0] * 4 + [1] * 4 + [2] * 4)
    for k, (path, _label, _) in enumerate(train):
        np.testing.assert_array_equal(tr.data[k], pillow_rgb(path))
    te = CIFAR10(tmp_path / "tree", train=False)
    assert len(te) == 6
    caches = list((data_dir / "cifar10" / "decoded").glob("*.npz"))
    assert len(caches) == 2
    assert not list((data_dir / "cifar10" / "decoded").glob(".*tmp"))   # atomic writes
    # the second load comes from the cache: decoding is not called again
    monkeypatch.setattr(decode_mod, "decode_image",
                        lambda *a, **k: pytest.fail("decoded again despite the cache"))
    again = CIFAR10(tmp_path / "tree")
    np.testing.assert_array_equal(again.data, tr.data)


def test_cache_is_invalidated_when_a_file_changes(tmp_path, data_dir):
    train, _ = cifar_tree(tmp_path / "tree")
    first = CIFAR10(tmp_path / "tree")
    path = train[0][0]
    save_image(path, np.zeros((32, 32, 3), np.uint8))
    os.utime(path, ns=(1, 1))
    second = CIFAR10(tmp_path / "tree")
    assert second.data[0].max() == 0 and first.data[0].max() > 0
    assert len(list((data_dir / "cifar10" / "decoded").glob("train-*.npz"))) == 2


def test_cifar10_nested_tree_and_tar_gz(tmp_path, data_dir):
    train, test = cifar_tree(tmp_path / "x" / "cifar10-jpeg")
    nested = CIFAR10(tmp_path / "x")                    # folder whose only child holds train/ test/
    tar = tar_tree(tmp_path / "x" / "cifar10-jpeg", tmp_path / "c.tar.gz", "cifar10-jpeg")
    from_tar = CIFAR10(tar)
    np.testing.assert_array_equal(from_tar.data, nested.data)
    np.testing.assert_array_equal(from_tar.targets, nested.targets)
    assert from_tar.classes == CLASSES
    te = CIFAR10(tar, train=False)
    assert len(te) == 6
    # root None falls back to $MINIDL_DATA/cifar10-jpeg.tar.gz
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "cifar10-jpeg.tar.gz").write_bytes(tar.read_bytes())
    assert len(CIFAR10(train=False)) == 6


def test_cifar10_tree_missing_split_names_the_folder(tmp_path):
    make_image_tree(tmp_path / "t" / "train", CLASSES, 1, ext=".png")
    assert len(CIFAR10(tmp_path / "t")) == 3
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "t" / "test")):
        CIFAR10(tmp_path / "t", train=False)


def test_cifar10_download_official_archive_from_file_url(tmp_path, monkeypatch):
    src = tmp_path / "src" / "cifar-10-batches-py"
    ref = make_cifar10_pickles(src, per_batch=3)
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as t:
        t.add(src, arcname="cifar-10-batches-py")
    monkeypatch.setattr(CIFAR10, "url", archive.as_uri())
    monkeypatch.setattr(CIFAR10, "archive", ("cifar-10-python.tar.gz", md5(archive)))
    files = {k: [(name, md5(src / name)) for name, _ in v] for k, v in CIFAR10.files.items()}
    monkeypatch.setattr(CIFAR10, "files", files)
    monkeypatch.setattr(CIFAR10, "meta", ("batches.meta", md5(src / "batches.meta"), "label_names"))
    ds = CIFAR10(download=True)
    np.testing.assert_array_equal(ds.data, ref["train"][0])
    root = data_home() / "cifar10"
    assert (root / "test_batch").is_file() and not (root / "cifar-10-python.tar.gz").exists()
    # a corrupt archive: deleted, ChecksumError
    monkeypatch.setattr(CIFAR10, "archive", ("cifar-10-python.tar.gz", "0" * 32))
    with pytest.raises(ChecksumError):
        CIFAR10(tmp_path / "other", download=True)
    assert not list((tmp_path / "other").iterdir())


# --- Tiny ImageNet --------------------------------------------------------------------

def test_tiny_imagenet_train_val_with_grayscale(tmp_path):
    root = tmp_path / "tiny-imagenet-200"
    train, val = make_tiny_imagenet(root, wnids=("n02", "n01", "n03"), n_train=3, n_val=2)
    tr = TinyImageNet(root, split="train")
    assert len(tr) == 9 and tr.data.shape == (9, 64, 64, 3)     # the grayscale image is kept
    assert tr.wnids == ["n01", "n02", "n03"] and tr.classes[0] == "name of n01"
    np.testing.assert_array_equal(np.bincount(tr.targets), [3, 3, 3])
    # the grayscale JPEG (n02_0) became RGB with equal channels
    k = [str(p) for p, _ in tr.samples].index(str(root / "train/n02/images/n02_0.JPEG"))
    g = tr.data[k].astype(int)
    assert np.abs(g[..., 0] - g[..., 1]).max() <= 1 and tr.targets[k] == 1
    va = TinyImageNet(root, split="val")
    assert len(va) == 6
    np.testing.assert_array_equal(va.targets, [label for _, label in val])
    x, y = va[0]
    assert x.shape == (3, 64, 64) and x.dtype == np.float32
    with pytest.raises(ValueError, match="split"):
        TinyImageNet(root, split="test")


def test_tiny_imagenet_missing_files_name_expected_paths(tmp_path):
    root = tmp_path / "tiny"
    make_tiny_imagenet(root)
    (root / "val" / "val_annotations.txt").unlink()
    with pytest.raises(FileNotFoundError, match=str(root / "val" / "val_annotations.txt")):
        TinyImageNet(root, split="val")
    import shutil
    shutil.rmtree(root / "train" / "n03" / "images")
    with pytest.raises(FileNotFoundError, match=str(root / "train" / "n03" / "images")):
        TinyImageNet(root, split="train")
    with pytest.raises(FileNotFoundError, match="wnids.txt"):
        TinyImageNet(tmp_path / "nothing")


def test_tiny_imagenet_download_unzips_official_layout(tmp_path, monkeypatch):
    import zipfile
    src = tmp_path / "src" / "tiny-imagenet-200"
    make_tiny_imagenet(src, n_train=2, n_val=1)
    archive = tmp_path / "tiny-imagenet-200.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                z.write(p, f"tiny-imagenet-200/{p.relative_to(src).as_posix()}")
    monkeypatch.setattr(TinyImageNet, "url", archive.as_uri())
    monkeypatch.setattr(TinyImageNet, "archive", ("tiny-imagenet-200.zip", md5(archive)))
    va = TinyImageNet(split="val", download=True)
    root = data_home() / "tiny-imagenet"
    assert len(va) == 3 and (root / "wnids.txt").is_file() and not (root / "tiny-imagenet-200.zip").exists()
    monkeypatch.setattr(TinyImageNet, "archive", ("tiny-imagenet-200.zip", "1" * 32))
    with pytest.raises(ChecksumError):
        TinyImageNet(tmp_path / "elsewhere", download=True)
    assert not list((tmp_path / "elsewhere").iterdir())


# --- ImageFolder -----------------------------------------------------------------------

def fruit_tree(root):
    rng = np.random.default_rng(0)
    save_image(root / "apple" / "a1.jpg", smooth_image(rng, 20, 30))
    save_image(root / "apple" / "a2.PNG", smooth_image(rng, 20, 30))
    save_image(root / "banana" / "b1.png", smooth_image(rng, 20, 30, channels=1))   # grayscale
    save_image(root / "banana" / "sub" / "b2.jpeg", smooth_image(rng, 20, 30))
    (root / "banana" / "notes.txt").write_text("not an image")
    (root / "cherry").mkdir()
    Image.fromarray(smooth_image(rng, 20, 30)).convert("P").save(root / "cherry" / "c1.png")
    return root


def test_image_folder_reads_jpeg_png_gray_palette(tmp_path):
    root = fruit_tree(tmp_path / "fruit")
    ds = ImageFolder(root)
    assert ds.classes == ["apple", "banana", "cherry"] and len(ds) == 5
    np.testing.assert_array_equal(ds.targets, [0, 0, 1, 1, 2])
    assert ds.data.shape == (5, 20, 30, 3) and ds.skipped == 0
    assert [Path(p).name for p, _ in ds.samples] == ["a1.jpg", "a2.PNG", "b1.png", "b2.jpeg", "c1.png"]
    np.testing.assert_array_equal(ds.data[1], pillow_rgb(root / "apple" / "a2.PNG"))
    assert ds.class_to_idx == {"apple": 0, "banana": 1, "cherry": 2}
    x, y = next(iter(DataLoader(ds, batch_size=5)))
    assert x.shape == (5, 3, 20, 30) and x.dtype == np.float32 and list(y) == [0, 0, 1, 1, 2]


def test_misnamed_image_is_still_decoded(tmp_path):
    root = tmp_path / "f"
    img = smooth_image(np.random.default_rng(0), 10, 12)
    save_image(root / "a" / "really_a_png.jpg", img, "PNG")
    ds = ImageFolder(root, cache=False)
    np.testing.assert_array_equal(ds.data[0], img)


def test_image_folder_resizes_and_needs_size_for_mixed_images(tmp_path):
    root = fruit_tree(tmp_path / "fruit")
    save_image(root / "cherry" / "big.png", smooth_image(np.random.default_rng(1), 40, 40))
    with pytest.raises(ValueError, match=r"big.png is 40x40 .*image_size"):
        ImageFolder(root, cache=False)
    ds = ImageFolder(root, image_size=16)
    assert ds.data.shape == (6, 16, 16, 3)
    ds2 = ImageFolder(root, image_size=(8, 12), cache=False)
    assert ds2.data.shape == (6, 8, 12, 3)


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_image_folder_corrupt_file_raises_naming_it_or_is_skipped(tmp_path, damage):
    root = fruit_tree(tmp_path / "fruit")
    bad = root / "banana" / "b3.jpg"
    good = (root / "apple" / "a1.jpg").read_bytes()
    bad.write_bytes(good[: len(good) // 2] if damage == "truncated" else b"\x00garbage" * 50)
    with pytest.raises(CorruptImageError, match="b3.jpg") as err:
        ImageFolder(root)
    assert err.value.path == str(bad)
    ds = ImageFolder(root, skip_corrupt=True)
    assert ds.skipped == 1 and ds.skipped_files == [str(bad)] and len(ds) == 5
    assert str(bad) not in [p for p, _ in ds.samples]
    np.testing.assert_array_equal(ds.targets, [0, 0, 1, 1, 2])
    cached = ImageFolder(root, skip_corrupt=True)              # the count survives the cache
    assert cached.skipped == 1 and len(cached) == 5


def test_image_folder_errors_for_missing_or_empty_roots(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ImageFolder(tmp_path / "missing")
    (tmp_path / "empty" / "cls").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no image files"):
        ImageFolder(tmp_path / "empty")


def test_unwritable_cache_only_warns(tmp_path, monkeypatch):
    root = fruit_tree(tmp_path / "fruit")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("MINIDL_DATA", str(blocker))
    with pytest.warns(RuntimeWarning, match="could not write the decoded cache"):
        ds = ImageFolder(root)
    assert len(ds) == 5


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    def boom(f):
        f.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "out.npz", boom)
    assert list(tmp_path.iterdir()) == []
    atomic_write(tmp_path / "out.bin", lambda f: f.write(b"ok"))
    assert (tmp_path / "out.bin").read_bytes() == b"ok"
