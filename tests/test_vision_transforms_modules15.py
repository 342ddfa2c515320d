"""torchvision's transforms are ``nn.Module`` s (``nn.Sequential`` of transforms, their reprs), ``AugMix`` and
``LinearTransformation``.

The Module list and the reprs were read off torchvision 0.29.1 (a separate venv; it is not a dependency of
these tests).
"""
import numpy as np
import pytest
from PIL import Image

import minidl as mdl
import minidl.vision.transforms as T
from minidl.vision.transforms import v2

MODULES = ["AugMix", "AutoAugment", "CenterCrop", "ColorJitter", "ConvertImageDtype", "ElasticTransform", "FiveCrop",
           "GaussianBlur", "Grayscale", "LinearTransformation", "Normalize", "Pad", "RandAugment",
           "RandomAdjustSharpness", "RandomAffine", "RandomApply", "RandomAutocontrast", "RandomCrop",
           "RandomEqualize", "RandomErasing", "RandomGrayscale", "RandomHorizontalFlip", "RandomInvert",
           "RandomPerspective", "RandomPosterize", "RandomResizedCrop", "RandomRotation", "RandomSolarize",
           "RandomVerticalFlip", "Resize", "TenCrop", "TrivialAugmentWide"]


@pytest.mark.parametrize("name", MODULES)
def test_transform_classes_are_modules(name):
    assert issubclass(getattr(T, name), mdl.nn.Module)


@pytest.mark.parametrize("name", ["ToImage", "ToDtype", "MixUp", "CutMix"])
def test_v2_transform_classes_are_modules(name):
    assert issubclass(getattr(v2, name), mdl.nn.Module)


def test_sequential_of_transforms_as_torchvisions_docs():
    seq = mdl.nn.Sequential(T.CenterCrop(4), T.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25)))
    x = mdl.arange(3 * 6 * 6, dtype=mdl.float32).reshape(3, 6, 6) / 100
    expected = (x.numpy()[:, 1:5, 1:5] - 0.5) / 0.25
    np.testing.assert_allclose(seq(x).numpy(), expected, rtol=1e-6, atol=1e-6)
    assert list(seq.state_dict()) == [] and seq.training
    assert repr(seq) == ("Sequential(\n  (0): CenterCrop(size=(4, 4))\n"
                         "  (1): Normalize(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))\n)")


@pytest.mark.parametrize("make, text", [
    (lambda: T.CenterCrop(10), "CenterCrop(size=(10, 10))"),
    (lambda: T.Resize(8), "Resize(size=8, interpolation=bilinear, max_size=None, antialias=True)"),
    (lambda: T.RandomCrop(8, padding=2), "RandomCrop(size=(8, 8), padding=2)"),
    (lambda: T.RandomResizedCrop(8), "RandomResizedCrop(size=(8, 8), scale=(0.08, 1.0), ratio=(0.75, 1.3333), "
                                     "interpolation=bilinear, antialias=True)"),
    (lambda: T.RandomAffine(10), "RandomAffine(degrees=[-10.0, 10.0])"),
    (lambda: T.RandomAffine(10, translate=(0.1, 0.2), fill=3), "RandomAffine(degrees=[-10.0, 10.0], "
                                                               "translate=(0.1, 0.2), fill=3)"),
    (lambda: T.RandomRotation(15), "RandomRotation(degrees=[-15.0, 15.0], interpolation=nearest, expand=False, "
                                   "fill=0)"),
    (lambda: T.Pad(2), "Pad(padding=2, fill=0, padding_mode=constant)"),
    (lambda: T.ConvertImageDtype(mdl.float32), "ConvertImageDtype()"),
    (lambda: T.ElasticTransform(), "ElasticTransform(alpha=[50.0, 50.0], sigma=[5.0, 5.0], "
                                   "interpolation=InterpolationMode.BILINEAR, fill=[0.0])"),
    (lambda: T.AugMix(), "AugMix(severity=3, mixture_width=3, chain_depth=-1, alpha=1.0, all_ops=True, "
                         "interpolation=InterpolationMode.BILINEAR, fill=None)"),
])
def test_reprs_as_torchvisions(make, text):
    assert repr(make()) == text


def test_size_attributes_and_pad_sides():
    assert T.CenterCrop(5).size == (5, 5) and T.CenterCrop([5]).size == (5, 5)
    assert T.RandomCrop([4, 6]).size == (4, 6) and T.CenterCrop([4, 6]).size == [4, 6] and T.Resize([8]).size == [8]
    assert tuple(T.CenterCrop([3, 4])(mdl.ones(3, 9, 9)).shape) == (3, 3, 4)
    assert tuple(T.Resize([8])(mdl.ones(3, 10, 20)).shape) == (3, 8, 16)
    assert tuple(T.Pad((1, 2))(mdl.ones(3, 4, 4)).shape) == (3, 8, 6)


def test_augmix_keeps_type_shape_and_dtype_and_mixes_towards_the_image():
    mdl.manual_seed(0)
    x = mdl.randint(0, 256, (3, 13, 11), dtype=mdl.uint8)
    y = T.AugMix()(x)
    assert tuple(y.shape) == (3, 13, 11) and y.dtype == mdl.uint8
    batch = mdl.randint(0, 256, (2, 3, 13, 11), dtype=mdl.uint8)
    yb = T.AugMix(severity=5, chain_depth=2, all_ops=False)(batch)
    assert tuple(yb.shape) == (2, 3, 13, 11) and yb.dtype == mdl.uint8
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (9, 11, 3), dtype=np.uint8))
    out = T.AugMix()(img)
    assert isinstance(out, Image.Image) and out.size == (11, 9)
    # a single identity-like chain: with Equalize/AutoContrast-free ops at tiny severity the image stays close
    flat = mdl.full((3, 8, 8), 100, dtype=mdl.uint8)
    assert abs(float(T.AugMix(severity=1, all_ops=False)(flat).float().mean()) - 100) < 60
    with pytest.raises(ValueError, match=r"The severity must be between \[1, 10\]. Got 11 instead."):
        T.AugMix(severity=11)


def test_augmix_is_reproducible_from_the_seed():
    x = mdl.randint(0, 256, (3, 10, 10), dtype=mdl.uint8, generator=mdl.Generator().manual_seed(1))
    mdl.manual_seed(7)
    first = T.AugMix()(x).numpy()
    mdl.manual_seed(7)
    np.testing.assert_array_equal(T.AugMix()(x).numpy(), first)


def test_linear_transformation_whitens_and_checks_its_arguments():
    W = mdl.eye(12) * 2
    mu = mdl.ones(12)
    lt = T.LinearTransformation(W, mu)
    z = mdl.arange(12, dtype=mdl.float32).reshape(3, 2, 2)
    np.testing.assert_allclose(lt(z).numpy(), (np.arange(12, dtype=np.float32).reshape(3, 2, 2) - 1) * 2)
    assert repr(T.LinearTransformation(mdl.eye(2), mdl.zeros(2))) == (
        "LinearTransformation(transformation_matrix=[[1.0, 0.0], [0.0, 1.0]], mean_vector=[0.0, 0.0])")
    with pytest.raises(ValueError, match=r"transformation_matrix should be square. Got \(2, 3\) rectangular"):
        T.LinearTransformation(mdl.ones(2, 3), mdl.ones(2))
    with pytest.raises(ValueError, match="mean_vector should have the same length 3"):
        T.LinearTransformation(mdl.eye(2), mdl.ones(3))
    with pytest.raises(ValueError, match="Input tensors should have the same dtype"):
        T.LinearTransformation(mdl.eye(2), mdl.ones(2, dtype=mdl.float64))
    with pytest.raises(ValueError, match=r"incompatible shape.\[3 x 3 x 3\] != 12"):
        lt(mdl.ones(3, 3, 3))
    x = mdl.ones(3, 2, 2, requires_grad=True)   # differentiable, as torchvision's (Tensor ops)
    lt(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 2, 2), 2.0))
