"""The generated stand-ins (minidl.data.standins) for Tiny ImageNet and Idler's fruit
images: the real sets' on-disk layout, read by the real readers, deterministic."""
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from minidl.data import ImageFolder, TinyImageNet, standins


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIDL_DATA", str(tmp_path / "cache"))


def test_tiny_imagenet_layout(tmp_path):
    root = standins.make_tiny_imagenet(tmp_path / "tiny-imagenet-200", num_classes=12, train_per_class=3,
                                       val_per_class=2, test_images=4, seed=3, gray_fraction=0.3)
    wnids = (root / "wnids.txt").read_text().split()
    assert wnids == [f"n99{c:06d}" for c in range(12)]
    for wnid in wnids:
        images = sorted(p.name for p in (root / "train" / wnid / "images").iterdir())
        assert images == sorted(f"{wnid}_{i}.JPEG" for i in range(3))
        boxes = (root / "train" / wnid / f"{wnid}_boxes.txt").read_text().splitlines()
        assert [b.split("\t")[0] for b in boxes] == [f"{wnid}_{i}.JPEG" for i in range(3)]
        assert all(0 <= int(v) < 64 for b in boxes for v in b.split("\t")[1:])
    annotations = [line.split("\t") for line in (root / "val" / "val_annotations.txt").read_text().splitlines()]
    assert len(annotations) == 24 and all(len(f) == 6 for f in annotations)
    assert sorted(f[1] for f in annotations) == sorted(wnids * 2)
    assert all((root / "val" / "images" / f[0]).is_file() for f in annotations)
    assert len(list((root / "test" / "images").glob("test_*.JPEG"))) == 4
    modes = {Image.open(p).mode for p in root.glob("train/*/images/*.JPEG")}
    assert modes == {"RGB", "L"}  # grayscale JPEGs as in the real set
    assert all(Image.open(p).size == (64, 64) for p in root.glob("**/*.JPEG"))
    # words.txt lists more ids than wnids.txt, as the real one does
    assert len((root / "words.txt").read_text().splitlines()) == 13


def test_tiny_imagenet_reader_reads_standin(tmp_path):
    root = standins.make_tiny_imagenet(tmp_path / "tin", num_classes=11, train_per_class=4, val_per_class=2,
                                       test_images=0)
    train, val = TinyImageNet(root, split="train"), TinyImageNet(root, split="val")
    assert train.data.shape == (44, 64, 64, 3) and val.data.shape == (22, 64, 64, 3)
    assert np.bincount(train.targets).tolist() == [4] * 11 and np.bincount(val.targets).tolist() == [2] * 11
    assert train.classes[:3] == ["circle 0", "square 0", "triangle 0"] and train.classes[10] == "circle 1"
    assert train.wnids == [f"n99{c:06d}" for c in range(11)]
    assert train.data.std() > 20  # shapes on backgrounds, not blank images


def test_standins_are_deterministic(tmp_path):
    a = standins.make_tiny_imagenet(tmp_path / "a", num_classes=3, train_per_class=2, val_per_class=1, seed=5)
    b = standins.make_tiny_imagenet(tmp_path / "b", num_classes=3, train_per_class=2, val_per_class=1, seed=5)
    c = standins.make_tiny_imagenet(tmp_path / "c", num_classes=3, train_per_class=2, val_per_class=1, seed=6)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    assert any((a / f).read_bytes() != (c / f).read_bytes() for f in files if f.suffix == ".JPEG")
    x = standins.render_class_images([0, 1, 2], image_size=(20, 30), seed=1)
    assert x.shape == (3, 20, 30, 3) and x.dtype == np.uint8
    assert np.array_equal(x, standins.render_class_images([0, 1, 2], image_size=(20, 30), seed=1))


def test_fruit_layout_and_reader(tmp_path):
    root = standins.make_fruit(tmp_path / "fruit", per_class=6, image_size=40, seed=2, odd_size_fraction=0.25)
    assert sorted(p.name for p in root.iterdir()) == ["cherry", "strawberry", "tomato"]
    sizes = [Image.open(p).size for p in root.glob("*/*.jpg")]
    assert len(sizes) == 18 and (40, 40) in sizes
    assert any(s != (40, 40) for s in sizes)  # outliers of other sizes, as in the real set
    ds = ImageFolder(root, image_size=40)
    assert ds.classes == ["cherry", "strawberry", "tomato"] and ds.data.shape == (18, 40, 40, 3)
    assert np.bincount(ds.targets).tolist() == [6, 6, 6]


def test_refuses_existing_non_empty_folder_and_bad_counts(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("user data")
    with pytest.raises(FileExistsError, match="full"):
        standins.make_fruit(tmp_path / "full", per_class=1, image_size=16)
    assert (tmp_path / "full" / "keep.txt").read_text() == "user data"
    (tmp_path / "empty").mkdir()
    standins.make_fruit(tmp_path / "empty", per_class=1, image_size=16)  # an empty folder is fine
    assert len(list((tmp_path / "empty").glob("*/*.jpg"))) == 3
    with pytest.raises(ValueError, match="num_classes"):
        standins.make_tiny_imagenet(tmp_path / "t", num_classes=0)
    for bad in (2.5, "3", None, float("nan"), True):
        with pytest.raises(ValueError, match="per_class"):
            standins.make_fruit(tmp_path / "f", per_class=bad)
    assert not (tmp_path / "t").exists() and not (tmp_path / "f").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial folder left


def test_command_line(tmp_path):
    cmd = [sys.executable, "-m", "minidl.data.standins"]
    ok = subprocess.run(cmd + ["fruit", str(tmp_path / "fruit"), "--per-class", "2", "--image-size", "24"],
                        check=False, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert len(list((tmp_path / "fruit").glob("*/*.jpg"))) == 6
    again = subprocess.run(cmd + ["fruit", str(tmp_path / "fruit")], check=False, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 2
    assert again.stderr.startswith("error: fruit stand-in:") and len(again.stderr.strip().splitlines()) == 1
    tin = subprocess.run(cmd + ["tiny-imagenet", str(tmp_path / "tin"), "--classes", "2", "--train-per-class",
                                "1", "--val-per-class", "1", "--test-images", "0"],
                         check=False, capture_output=True, text=True, timeout=120)
    assert tin.returncode == 0, tin.stderr
    assert (tmp_path / "tin" / "val" / "val_annotations.txt").is_file()
