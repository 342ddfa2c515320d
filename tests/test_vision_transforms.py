"""minidl.vision.transforms on PIL images and Tensors, seeding, and the batched loader path."""
import numpy as np
import pytest
from PIL import Image

import minidl as mdl
from minidl.utils.data import DataLoader, Subset, default_collate, random_split
from minidl.vision import datasets
from minidl.vision import transforms as T

CIFAR_TRAIN = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                         T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))])


def pil(h=10, w=12, mode="RGB", seed=0):
    rng = np.random.default_rng(seed)
    shape = (h, w) if mode == "L" else (h, w, 3)
    return Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode=mode)


def test_to_tensor_and_pil_to_tensor():
    img = pil()
    x = T.ToTensor()(img)
    assert isinstance(x, mdl.Tensor) and x.shape == (3, 10, 12) and x.dtype == np.float32
    np.testing.assert_array_equal(x.numpy(), np.asarray(img).transpose(2, 0, 1) / np.float32(255))
    assert T.ToTensor()(pil(mode="L")).shape == (1, 10, 12)
    assert T.ToTensor()(np.zeros((4, 5, 3), np.uint8)).shape == (3, 4, 5)
    u = T.PILToTensor()(img)
    assert u.dtype == np.uint8 and np.array_equal(u.numpy(), np.asarray(img).transpose(2, 0, 1))
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()(x)


def test_normalize_needs_float_tensors():
    x = mdl.tensor(np.full((3, 2, 2), 0.5, np.float32))
    out = T.Normalize((0.5, 0.25, 0.0), (0.5, 0.5, 0.25))(x)
    np.testing.assert_allclose(out.numpy()[:, 0, 0], [0.0, 0.5, 2.0])
    with pytest.raises(TypeError, match="Tensor"):
        T.Normalize(0.5, 0.5)(pil())
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize(0.5, 0.5)(T.PILToTensor()(pil()))


@pytest.mark.parametrize("transform, size", [
    (T.Resize((5, 6)), (5, 6)), (T.Resize(5), (5, 6)), (T.CenterCrop(4), (4, 4)),
    (T.CenterCrop(14), (14, 14)), (T.RandomCrop(8, padding=2), (8, 8)),
    (T.RandomCrop(16, pad_if_needed=True, padding_mode="reflect"), (16, 16)),
    (T.RandomHorizontalFlip(), (10, 12)), (T.RandomVerticalFlip(), (10, 12)),
    (T.RandomRotation(30), (10, 12)), (T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5),
                                        (10, 12)),
    (T.RandomResizedCrop(7), (7, 7)), (T.ColorJitter(0.4, 0.4, 0.4, 0.1), (10, 12)),
    (T.Resize(6, interpolation=T.InterpolationMode.NEAREST), (6, 7)),
])
def test_transforms_on_pil_and_tensors(transform, size):
    img = pil()
    out = transform(img)
    assert isinstance(out, Image.Image) and out.mode == "RGB" and out.size == (size[1], size[0])
    x = T.ToTensor()(img)
    y = transform(x)
    assert isinstance(y, mdl.Tensor) and y.shape == (3,) + size and y.dtype == np.float32
    batch = mdl.tensor(np.stack([x.numpy()] * 4))
    assert transform(batch).shape == (4, 3) + size
    gray = transform(pil(mode="L"))
    assert gray.mode == "L" or isinstance(transform, T.ColorJitter)


def test_geometry_matches_exact_expectations():
    img = pil()
    arr = np.asarray(img)
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(p=1.0)(img)), arr[:, ::-1])
    np.testing.assert_array_equal(np.asarray(T.RandomVerticalFlip(p=1.0)(img)), arr[::-1])
    np.testing.assert_array_equal(np.asarray(T.CenterCrop((4, 6))(img)), arr[3:7, 3:9])
    padded = np.asarray(T.CenterCrop(14)(img))
    np.testing.assert_array_equal(padded[2:12, 1:13], arr)                # zero padding around
    assert padded[0].max() == 0
    rot = np.asarray(T.RandomRotation((90, 90))(pil(9, 9)))
    np.testing.assert_array_equal(rot, np.rot90(np.asarray(pil(9, 9)), k=1))
    same = T.Resize((10, 12))(img)
    np.testing.assert_array_equal(np.asarray(same), arr)


def test_affine_follows_torchvision_directions():
    """RandomAffine's angle turns clockwise and RandomRotation's counter-clockwise, as torchvision's
    functional.affine / functional.rotate; shifts are whole pixels."""
    arr = np.asarray(pil(9, 9))
    np.testing.assert_array_equal(np.asarray(T.RandomAffine((90, 90))(pil(9, 9))), np.rot90(arr, k=-1))
    np.testing.assert_array_equal(np.asarray(T.RandomRotation((90, 90))(pil(9, 9))), np.rot90(arr, k=1))
    sheared = T.RandomAffine(0, shear=(20, 20, 10, 10))(pil(9, 9))
    from minidl.vision.transforms import functional as F
    np.testing.assert_array_equal(np.asarray(sheared), np.asarray(F.affine(pil(9, 9), 0, [0, 0], 1.0, [20, 10])))
    mdl.manual_seed(0)
    angle, (tx, ty), scale, shear = T.RandomAffine.get_params([-5, 5], (0.2, 0.3), (0.9, 1.1), [-3, 3], [20, 10])
    assert -5 <= angle <= 5 and isinstance(tx, int) and abs(tx) <= 4 and abs(ty) <= 3 and shear[1] == 0.0
    x = T.ToTensor()(pil(9, 9))
    expanded = T.RandomRotation((45, 45), expand=True, interpolation=T.InterpolationMode.BILINEAR)(x)
    assert expanded.shape == (3, 13, 13)
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(0.5, 1.5))
    with pytest.raises(ValueError, match="shear should be a sequence of length 2 or 4"):
        T.RandomAffine(0, shear=(1, 2, 3))
    assert isinstance(T.RandomResizedCrop(5, interpolation=T.InterpolationMode.BICUBIC)(pil()), Image.Image)
    top, left, h, w = T.RandomResizedCrop.get_params(pil(), (0.5, 1.0), (0.75, 1.333))
    assert 0 <= top <= 10 - h and 0 <= left <= 12 - w and h * w >= 0.5 * 120 * 0.8


def test_tensor_batch_shares_one_draw():
    mdl.manual_seed(0)
    x = mdl.tensor(np.random.default_rng(0).random((6, 3, 8, 8), dtype=np.float32))
    out = T.RandomCrop(4)(x).numpy()
    offsets = {tuple(np.argwhere((x.numpy()[i, 0] == out[i, 0, 0, 0]))[0]) for i in range(6)}
    assert len(offsets) == 1                                              # one crop for the batch


def test_seeded_by_manual_seed():
    tf = T.Compose([T.RandomResizedCrop(8), T.ColorJitter(0.5, 0.5, 0.5, 0.1), T.RandomRotation(20),
                    T.ToTensor()])
    mdl.manual_seed(3)
    a = [tf(pil(seed=i)).numpy() for i in range(3)]
    mdl.manual_seed(3)
    b = [tf(pil(seed=i)).numpy() for i in range(3)]
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[0], tf(pil(seed=0)).numpy())


def test_lambda_and_bad_arguments():
    assert T.Lambda(lambda im: im.size)(pil()) == (12, 10)
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)
    bicubic = T.Resize(4, interpolation=T.InterpolationMode.BICUBIC)       # PIL: Pillow's own filter
    np.testing.assert_array_equal(np.asarray(bicubic(pil())), np.asarray(pil().resize((4, 4), Image.BICUBIC)))
    assert bicubic(T.ToTensor()(pil())).shape == (3, 4, 4)
    with pytest.raises(ValueError, match="Lanczos mode requires antialias=True"):
        T.Resize(4, interpolation=T.InterpolationMode.LANCZOS)(T.ToTensor()(pil()))
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize("4")
    assert T.RandomRotation((90, 90), expand=True)(pil(4, 6)).size == (4, 6)
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive"):
        T.RandomRotation(-10)
    with pytest.raises(TypeError, match="PIL Image or a minidl Tensor"):
        T.RandomCrop(2)(np.zeros((3, 4, 4)))


def collate_by_hand(samples):
    return default_collate(samples)                       # a non-default collate_fn: no fast path


@pytest.mark.parametrize("transform", [
    CIFAR_TRAIN,
    T.Compose([T.RandomResizedCrop(24), T.RandomVerticalFlip(), T.ColorJitter(0.3, 0.3, 0.3, 0.05),
               T.ToTensor(), T.RandomRotation(15), T.Normalize((0.5,) * 3, (0.25,) * 3)]),
])
def test_batched_loader_path_equals_image_by_image(transform):
    ds = datasets.Shapes(40, image_size=32, seed=0, transform=transform)
    fast = list(DataLoader(ds, batch_size=16, shuffle=True, seed=5))
    slow = list(DataLoader(ds, batch_size=16, shuffle=True, seed=5, collate_fn=collate_by_hand))
    assert len(fast) == len(slow) == 3
    exact = transform is CIFAR_TRAIN
    for (xf, yf), (xs, ys) in zip(fast, slow):
        assert xf.dtype == xs.dtype == np.float32 and xf.shape == xs.shape
        assert yf.dtype == np.int64 and np.array_equal(yf.numpy(), ys.numpy())
        if exact:
            np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        else:  # resampling rounds uint8 pixels: a rare pixel may round the other way
            assert np.mean(np.abs(xf.numpy() - xs.numpy()) > 1e-4) < 0.01


def test_batched_path_through_subsets_and_workers():
    ds = datasets.Shapes(30, image_size=32, seed=1, transform=CIFAR_TRAIN)
    train, _ = random_split(ds, [20, 10], generator=mdl.Generator().manual_seed(0))
    assert isinstance(train, Subset)
    serial = list(DataLoader(train, batch_size=8, shuffle=True, seed=2))
    workers = list(DataLoader(train, batch_size=8, shuffle=True, seed=2, num_workers=2))
    slow = list(DataLoader(train, batch_size=8, shuffle=True, seed=2, collate_fn=collate_by_hand))
    for a, b, c in zip(serial, workers, slow):
        assert np.array_equal(a[0].numpy(), b[0].numpy()) and np.array_equal(a[0].numpy(), c[0].numpy())
        assert np.array_equal(a[1].numpy(), c[1].numpy())


def test_loader_without_to_tensor_fails_like_pytorch():
    ds = datasets.Shapes(4, image_size=16, transform=T.RandomHorizontalFlip())
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        next(iter(DataLoader(ds, batch_size=2)))


def test_color_jitter_applies_its_changes_in_a_random_order():
    x = mdl.tensor(np.random.default_rng(0).random((3, 6, 6), dtype=np.float32) * 0.6)
    cj = T.ColorJitter(brightness=(2.0, 2.0), contrast=(0.0, 0.0))
    luma = np.array([0.2989, 0.587, 0.114], np.float32)                 # torchvision's rgb_to_grayscale
    gray = np.tensordot(luma, x.numpy(), axes=([0], [0]))
    b_then_c = np.clip(2 * x.numpy(), 0, 1)
    b_then_c = np.full_like(b_then_c, np.tensordot(luma, b_then_c, axes=([0], [0])).mean())
    c_then_b = np.full_like(b_then_c, min(1.0, 2 * gray.mean()))
    seen = set()
    mdl.manual_seed(0)
    for _ in range(12):
        out = cj(x).numpy()
        if np.allclose(out, b_then_c, atol=1e-5):
            seen.add("brightness first")
        elif np.allclose(out, c_then_b, atol=1e-5):
            seen.add("contrast first")
        else:
            raise AssertionError("ColorJitter output matches neither order")
    assert seen == {"brightness first", "contrast first"}
