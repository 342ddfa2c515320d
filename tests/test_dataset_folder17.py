"""torchvision's DatasetFolder / ImageFolder contract: overridable find_classes and make_dataset, the module
functions, loaders and errors. Passes under torchvision 0.29.1 too with ``minidl.vision`` changed to
``torchvision`` in the imports."""
import os

import numpy as np
import pytest
from PIL import Image

from minidl.vision import datasets
from minidl.vision.datasets import folder


@pytest.fixture
def tree(tmp_path):
    for cls in ("b_dog", "a_cat", ".hidden"):
        (tmp_path / cls / "sub").mkdir(parents=True)
    for i, cls in enumerate(("a_cat", "b_dog")):
        Image.new("RGB", (5, 4), (40 * i, 0, 0)).save(tmp_path / cls / "x.png")
        Image.new("L", (3, 3)).save(tmp_path / cls / "sub" / "y.JPG")
        np.save(tmp_path / cls / f"{cls}.npy", np.full(3, i))
    Image.new("RGB", (2, 2)).save(tmp_path / ".hidden" / "z.png")
    return tmp_path


def test_module_functions(tree):
    classes, class_to_idx = folder.find_classes(str(tree))
    assert classes == [".hidden", "a_cat", "b_dog"] and class_to_idx["a_cat"] == 1
    assert folder.has_file_allowed_extension("A.PNG", (".png",)) and folder.is_image_file("q.tiff")
    assert not folder.is_image_file("q.npy")
    samples = folder.make_dataset(str(tree), {"a_cat": 0, "b_dog": 1}, extensions=(".npy",))
    assert [(os.path.basename(p), c) for p, c in samples] == [("a_cat.npy", 0), ("b_dog.npy", 1)]
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        folder.make_dataset(str(tree), {"a_cat": 0}, extensions=(".npy",), is_valid_file=lambda p: True)
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes a_cat"):
        folder.make_dataset(str(tree), {"a_cat": 0}, extensions=(".wav",))
    assert folder.make_dataset(str(tree), {"a_cat": 0}, extensions=(".wav",), allow_empty=True) == []
    assert folder.pil_loader(str(tree / "a_cat" / "sub" / "y.JPG")).mode == "RGB"


def test_image_folder_sees_hidden_class_folders(tree):
    ds = datasets.ImageFolder(str(tree))
    assert ds.classes == [".hidden", "a_cat", "b_dog"]
    assert [(os.path.relpath(p, str(tree)), c) for p, c in ds.samples] == [
        (os.path.join(".hidden", "z.png"), 0), (os.path.join("a_cat", "x.png"), 1),
        (os.path.join("a_cat", "sub", "y.JPG"), 1), (os.path.join("b_dog", "x.png"), 2),
        (os.path.join("b_dog", "sub", "y.JPG"), 2)]
    assert ds.targets == [0, 1, 1, 2, 2] and ds.imgs == ds.samples
    img, label = ds[1]
    assert img.mode == "RGB" and img.size == (5, 4) and label == 1


def test_subclass_chooses_its_classes(tree):
    class Visible(datasets.ImageFolder):
        def find_classes(self, directory):
            classes = sorted(e.name for e in os.scandir(directory) if e.is_dir() and not e.name.startswith("."))
            return classes, {c: i for i, c in enumerate(classes)}

    ds = Visible(str(tree))
    assert ds.classes == ["a_cat", "b_dog"] and ds.class_to_idx == {"a_cat": 0, "b_dog": 1}
    assert ds.targets == [0, 0, 1, 1]


def test_dataset_folder_with_a_custom_loader(tree):
    ds = datasets.DatasetFolder(str(tree), loader=np.load, extensions=(".npy",),
                                target_transform=lambda t: t * 10, allow_empty=True)
    assert len(ds) == 2 and ds.extensions == (".npy",)
    value, target = ds[1]
    assert value.tolist() == [1, 1, 1] and target == 20
    ds = datasets.DatasetFolder(str(tree), loader=np.load, is_valid_file=lambda p: p.endswith("a_cat.npy"),
                                allow_empty=True)
    assert [c for _, c in ds.samples] == [1]
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes"):
        datasets.DatasetFolder(str(tree), loader=np.load, extensions=(".npy",))
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        datasets.DatasetFolder(str(tree), loader=np.load)


def test_no_class_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(str(tmp_path))
