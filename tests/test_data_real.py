"""The real MNIST, Fashion-MNIST and CIFAR-10 (JPEG) from ../shared/data, when present.

Expected values come from ../shared/data/README.md. The CIFAR-10 tar is decoded
once (about 6-15 s on 2 busy cores) into the decoded cache under $MINIDL_DATA
when that is set and writable (later runs then load it in under a second), else
under a temporary folder.
"""
import os
import tarfile
from pathlib import Path, PurePosixPath

import numpy as np
import pytest
from fixtures_data import SHARED_DATA

from minidl.data import CIFAR10, MNIST, DataLoader, FashionMNIST, channel_stats
from minidl.data import transforms as T

pytestmark = pytest.mark.data

needs_mnist = pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(),
                                 reason=f"real MNIST not found at {SHARED_DATA / 'mnist'}")
needs_fashion = pytest.mark.skipif(not (SHARED_DATA / "fashion-mnist").is_dir(),
                                   reason=f"real Fashion-MNIST not found at {SHARED_DATA / 'fashion-mnist'}")
CIFAR_TAR = SHARED_DATA / "cifar10-jpeg.tar.gz"
needs_cifar = pytest.mark.skipif(not CIFAR_TAR.is_file(), reason=f"real CIFAR-10 JPEG tar not found at {CIFAR_TAR}")


@needs_mnist
def test_real_mnist_counts_labels_and_statistics():
    tr = MNIST(SHARED_DATA / "mnist")
    te = MNIST(SHARED_DATA / "mnist", train=False)
    assert tr.data.shape == (60000, 28, 28, 1) and te.data.shape == (10000, 28, 28, 1)
    assert tr.data.dtype == np.uint8 and tr.targets.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(tr.targets),
                                  [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
    np.testing.assert_array_equal(np.bincount(te.targets),
                                  [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    assert list(tr.targets[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(te.targets[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    mean, std = channel_stats(tr)
    assert mean[0] == pytest.approx(0.1307, abs=1e-4) and std[0] == pytest.approx(0.3081, abs=1e-4)
    x, y = te[0]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32 and y == 7
    MNIST.check_integrity(SHARED_DATA / "mnist")          # the official MD5s


@needs_fashion
def test_real_fashion_mnist_counts_labels_and_statistics():
    tr = FashionMNIST(SHARED_DATA / "fashion-mnist")
    te = FashionMNIST(SHARED_DATA / "fashion-mnist", train=False)
    assert len(tr) == 60000 and len(te) == 10000
    np.testing.assert_array_equal(np.bincount(tr.targets), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(te.targets), [1000] * 10)
    assert list(tr.targets[:10]) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert list(te.targets[:10]) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    mean, std = channel_stats(tr)
    assert mean[0] == pytest.approx(0.2860, abs=1e-4) and std[0] == pytest.approx(0.3530, abs=1e-4)
    assert tr.classes[0] == "T-shirt/top" and tr.classes[9] == "Ankle boot"
    FashionMNIST.check_integrity(SHARED_DATA / "fashion-mnist")


def _writable_minidl_data():
    """$MINIDL_DATA when it is set and writable (its cache then speeds up later runs)."""
    env = os.environ.get("MINIDL_DATA", "").strip()
    if not env:
        return None
    home = Path(env).expanduser()
    try:
        (home / "cifar10" / "decoded").mkdir(parents=True, exist_ok=True)
        probe = home / "cifar10" / "decoded" / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return None
    return home


@pytest.fixture(scope="module")
def cifar(tmp_path_factory):
    """(train, test) decoded from the real tar, with MINIDL_DATA in a temporary folder."""
    if not CIFAR_TAR.is_file():
        pytest.skip(f"real CIFAR-10 JPEG tar not found at {CIFAR_TAR}")
    home = _writable_minidl_data() or tmp_path_factory.mktemp("minidl_data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MINIDL_DATA", str(home))
        yield CIFAR10(CIFAR_TAR), CIFAR10(CIFAR_TAR, train=False), home


CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                 "ship", "truck"]


@needs_cifar
def test_real_cifar10_counts_balance_and_statistics(cifar):
    tr, te, _ = cifar
    assert tr.data.shape == (50000, 32, 32, 3) and te.data.shape == (10000, 32, 32, 3)
    assert tr.data.dtype == np.uint8 and tr.targets.dtype == np.int64
    assert tr.classes == CIFAR_CLASSES and te.classes == CIFAR_CLASSES
    np.testing.assert_array_equal(np.bincount(tr.targets), [5000] * 10)
    np.testing.assert_array_equal(np.bincount(te.targets), [1000] * 10)
    assert tr.skipped == 0 and te.skipped == 0
    mean, std = channel_stats(tr)
    np.testing.assert_allclose(mean, [0.4913, 0.4821, 0.4465], atol=2e-4)
    np.testing.assert_allclose(std, [0.2452, 0.2428, 0.2606], atol=2e-4)


@needs_cifar
def test_real_cifar10_second_load_comes_from_the_cache(cifar):
    tr, _, home = cifar
    assert len(list((home / "cifar10" / "decoded").glob("*.npz"))) >= 2
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MINIDL_DATA", str(home))
        import minidl.data.cifar as cifar_mod
        mp.setattr(cifar_mod, "decode_images", lambda *a, **k: pytest.fail("decoded again"))
        again = CIFAR10(CIFAR_TAR)
    np.testing.assert_array_equal(again.data[::997], tr.data[::997])


@needs_cifar
def test_real_cifar10_jpeg_tree_matches_the_archive(cifar, tmp_path):
    """Extract the first 20 test images of each class as a tree and read that."""
    _, te, _ = cifar
    root = tmp_path / "tree"
    with tarfile.open(CIFAR_TAR) as t:
        for m in t:
            p = PurePosixPath(m.name)
            if m.isfile() and p.parts[1] == "test" and int(p.stem) < 20:
                dest = root / "test" / p.parts[2] / p.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(t.extractfile(m).read())
            elif p.parts[1] == "train":
                break                                     # members are sorted: test/ first
    tree = CIFAR10(root, train=False, cache=False)
    assert len(tree) == 200 and tree.classes == CIFAR_CLASSES
    rows = (np.arange(10)[:, None] * 1000 + np.arange(20)).ravel()
    np.testing.assert_array_equal(tree.data, te.data[rows])
    np.testing.assert_array_equal(tree.targets, te.targets[rows])


@needs_cifar
def test_real_cifar10_through_the_augmenting_loader(cifar):
    tr, _, _ = cifar
    aug = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()])
    loader = DataLoader(tr, batch_size=64, shuffle=True, seed=0, transform=aug)
    assert len(loader) == 782
    seen = 0
    for k, (x, y) in enumerate(loader):
        assert x.shape[1:] == (3, 32, 32) and x.dtype == np.float32 and y.dtype == np.int64
        seen += len(y)
        if k == 99:
            break
    assert seen == 6400
