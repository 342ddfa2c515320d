"""AutoAugment (three policies), RandAugment and TrivialAugmentWide: the operations at known magnitudes,
the magnitude tables, the draws (seeded, torchvision's order), PIL and uint8 Tensor inputs."""
import math

import numpy as np
import pytest
from PIL import Image

import minidl as mdl
import minidl.vision.transforms.functional as F
from minidl.vision import transforms as T
from minidl.vision.transforms import autoaugment as AA


def rgb(h=16, w=20, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def tensor_u8(h=16, w=20, seed=0):
    return mdl.tensor(np.ascontiguousarray(rgb(h, w, seed).transpose(2, 0, 1)))


def test_policies_and_magnitude_tables():
    for policy in T.AutoAugmentPolicy:
        subs = T.AutoAugment(policy).policies
        assert len(subs) == 25 and all(len(s) == 2 for s in subs)
    assert [p.value for p in T.AutoAugmentPolicy] == ["imagenet", "cifar10", "svhn"]
    assert T.AutoAugment().policies[0] == (("Posterize", 0.4, 8), ("Rotate", 0.6, 9))
    assert T.AutoAugment(T.AutoAugmentPolicy.CIFAR10).policies[-1] == (("TranslateY", 0.7, 9),
                                                                       ("AutoContrast", 0.9, None))
    space = T.AutoAugment()._augmentation_space(10, (32, 40))
    np.testing.assert_allclose(space["Rotate"][0], np.linspace(0, 30, 10), rtol=1e-6)
    np.testing.assert_allclose(space["TranslateX"][0][-1], 150 / 331 * 40, rtol=1e-6)  # width
    np.testing.assert_allclose(space["TranslateY"][0][-1], 150 / 331 * 32, rtol=1e-6)  # height
    assert space["Posterize"][0].tolist() == [8, 8, 7, 7, 6, 6, 5, 5, 4, 4]
    assert space["Solarize"][0][0] == 255 and space["Solarize"][0][-1] == 0 and "Identity" not in space
    assert space["ShearX"][1] is True and space["Posterize"][1] is False
    rand = T.RandAugment()._augmentation_space(31, (32, 32))
    assert list(rand) == ["Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness",
                          "Color", "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize"]
    wide = T.TrivialAugmentWide()._augmentation_space(31)
    assert list(wide) == list(rand)
    np.testing.assert_allclose([wide["ShearX"][0][-1], wide["TranslateX"][0][-1], wide["Rotate"][0][-1]],
                               [0.99, 32.0, 135.0], rtol=1e-6)
    assert wide["Posterize"][0][0] == 8 and wide["Posterize"][0][-1] == 2
    with pytest.raises(ValueError, match="not recognized"):
        T.AutoAugment("imagenet")


@pytest.mark.parametrize("kind", ["pil", "tensor"])
def test_operations_at_known_magnitudes(kind):
    img = Image.fromarray(rgb()) if kind == "pil" else tensor_u8()
    chw = rgb().transpose(2, 0, 1)

    def values(out):
        arr = np.asarray(out)
        return arr.transpose(2, 0, 1) if kind == "pil" else out.numpy()
    nearest = F.InterpolationMode.NEAREST
    moved = values(AA._apply_op(img, "TranslateX", 3.7, nearest, None))          # int(3.7) = 3 pixels right
    np.testing.assert_array_equal(moved[:, :, 3:], chw[:, :, :-3])
    assert moved[:, :, :3].max() == 0
    up = values(AA._apply_op(img, "TranslateY", -2.0, nearest, [9, 9, 9] if kind == "tensor" else 9))
    np.testing.assert_array_equal(up[:, :-2], chw[:, 2:])
    assert (up[:, -2:] == 9).all()
    sheared = values(AA._apply_op(img, "ShearX", 0.3, nearest, None))           # row y reads x + 0.3 (y + 0.5)
    np.testing.assert_array_equal(sheared[:, 3, :-1], chw[:, 3, 1:])
    np.testing.assert_array_equal(sheared[:, 0], chw[:, 0])
    for name in ("Identity", "Brightness", "Color", "Contrast", "Sharpness"):     # factor 1 + 0: unchanged
        np.testing.assert_array_equal(values(AA._apply_op(img, name, 0.0, nearest, None)), chw)
    np.testing.assert_array_equal(values(AA._apply_op(img, "Posterize", 4.0, nearest, None)), chw & 0xF0)
    np.testing.assert_array_equal(values(AA._apply_op(img, "Invert", 0.0, nearest, None)), 255 - chw)
    np.testing.assert_array_equal(values(AA._apply_op(img, "Solarize", 128.0, nearest, None)),
                                  np.where(chw >= 128, 255 - chw, chw))
    np.testing.assert_array_equal(values(AA._apply_op(img, "Rotate", 0.0, nearest, None)), chw)
    with pytest.raises(ValueError, match="operator Blur is not recognized"):
        AA._apply_op(img, "Blur", 1.0, nearest, None)


def test_shear_magnitude_is_the_tangent():
    x = tensor_u8()
    out = AA._apply_op(x, "ShearY", 0.25, F.InterpolationMode.NEAREST, None)
    ref = F.affine(x, 0.0, [0, 0], 1.0, [0.0, math.degrees(math.atan(0.25))], center=[0, 0])
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


@pytest.mark.parametrize("make", [
    lambda: T.AutoAugment(T.AutoAugmentPolicy.IMAGENET), lambda: T.AutoAugment(T.AutoAugmentPolicy.CIFAR10),
    lambda: T.AutoAugment(T.AutoAugmentPolicy.SVHN, fill=128), lambda: T.RandAugment(),
    lambda: T.RandAugment(num_ops=3, magnitude=20, interpolation=F.InterpolationMode.BILINEAR),
    lambda: T.TrivialAugmentWide(), lambda: T.TrivialAugmentWide(fill=[10, 20, 30]),
])
def test_seeded_and_kind_preserving(make):
    aug = make()
    pil, x = Image.fromarray(rgb()), tensor_u8()
    mdl.manual_seed(11)
    first = [np.asarray(aug(pil)) for _ in range(6)] + [aug(x).numpy() for _ in range(6)]
    mdl.manual_seed(11)
    again = [np.asarray(aug(pil)) for _ in range(6)] + [aug(x).numpy() for _ in range(6)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert all(a.shape == (16, 20, 3) and a.dtype == np.uint8 for a in first[:6])
    assert all(a.shape == (3, 16, 20) and a.dtype == np.uint8 for a in first[6:])
    assert any(not np.array_equal(a, rgb()) for a in first[:6])                  # it does change images
    batch = mdl.tensor(np.stack([x.numpy()] * 2))
    assert aug(batch).shape == (2, 3, 16, 20)
    assert type(aug).__name__ in repr(aug)


def test_draw_order_follows_torchvision():
    """AutoAugment draws (policy, two probabilities, two signs); TrivialAugmentWide (op, bin, sign)."""
    seen = []
    original = AA._apply_op
    try:
        AA._apply_op = lambda img, name, magnitude, interpolation, fill: seen.append((name, magnitude)) or img
        mdl.manual_seed(5)
        T.AutoAugment(T.AutoAugmentPolicy.CIFAR10)(tensor_u8())
        mdl.manual_seed(5)
        policy_id, probs, signs = T.AutoAugment.get_params(25)
        expected = []
        space = T.AutoAugment()._augmentation_space(10, (16, 20))
        for i, (name, p, bin_) in enumerate(T.AutoAugment(T.AutoAugmentPolicy.CIFAR10).policies[policy_id]):
            if probs[i] <= p:
                magnitude = float(space[name][0][bin_]) if bin_ is not None else 0.0
                expected.append((name, -magnitude if space[name][1] and signs[i] == 0 else magnitude))
        assert seen == expected
        seen.clear()
        mdl.manual_seed(6)
        for _ in range(300):
            T.TrivialAugmentWide()(tensor_u8())
        names = [n for n, _ in seen]
        assert set(names) == set(T.TrivialAugmentWide()._augmentation_space(31))   # every op drawn
        rotations = [m for n, m in seen if n == "Rotate"]
        assert min(rotations) < 0 < max(rotations) and max(abs(m) for m in rotations) <= 135
        seen.clear()
        mdl.manual_seed(7)
        T.RandAugment(num_ops=4, magnitude=30)(tensor_u8())
        assert len(seen) == 4
        assert all(abs(m) == pytest.approx({"Rotate": 30.0, "ShearX": 0.3, "ShearY": 0.3, "Brightness": 0.9,
                                            "Color": 0.9, "Contrast": 0.9, "Sharpness": 0.9, "Posterize": 4,
                                            "Solarize": 0.0, "TranslateX": 150 / 331 * 20,
                                            "TranslateY": 150 / 331 * 16}.get(n, 0.0), rel=1e-6)
                   for n, m in seen)
    finally:
        AA._apply_op = original


def test_tensor_inputs_must_be_uint8_for_equalize():
    x = mdl.tensor(np.random.default_rng(0).random((3, 8, 8), dtype=np.float32))
    with pytest.raises(TypeError, match="Only torch.uint8"):
        AA._apply_op(x, "Equalize", 0.0, F.InterpolationMode.NEAREST, None)


def test_dataloader_runs_are_reproducible_with_a_seed():
    from minidl.utils.data import DataLoader
    from minidl.vision import datasets
    transform = T.Compose([T.TrivialAugmentWide(), T.RandomErasing(p=0.0), T.ToTensor(),
                           T.RandomErasing(p=0.5, value="random")])
    ds = datasets.Shapes(12, image_size=16, seed=0, transform=transform)
    first = [x.numpy() for x, _ in DataLoader(ds, batch_size=4, shuffle=True, seed=3)]
    second = [x.numpy() for x, _ in DataLoader(ds, batch_size=4, shuffle=True, seed=3)]
    other = [x.numpy() for x, _ in DataLoader(ds, batch_size=4, shuffle=True, seed=4)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    assert first[0].shape == (4, 3, 16, 16) and first[0].dtype == np.float32
