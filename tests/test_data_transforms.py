"""minidl.data.transforms: single image vs batch, seeding, and what each transform computes."""
import numpy as np
import pytest

import minidl.backend as backend
from minidl.data import ArrayImageDataset, Subset, channel_stats
from minidl.data import transforms as T


@pytest.fixture
def batch():
    return np.random.default_rng(0).random((6, 3, 8, 10), dtype=np.float32)


ALL = [
    T.Normalize((0.5, 0.4, 0.3), (0.2, 0.25, 0.3)),
    T.Resize((5, 7)),
    T.Resize(4),
    T.CenterCrop(6),
    T.RandomCrop(8, padding=2),
    T.RandomHorizontalFlip(),
    T.RandomVerticalFlip(),
    T.RandomRotation(25),
    T.RandomAffine(degrees=10, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=5),
    T.RandomResizedCrop((6, 6), scale=(0.5, 1.0)),
    T.ColorJitter(0.3, 0.3, 0.3, 0.05),
]


@pytest.mark.parametrize("t", ALL, ids=lambda t: type(t).__name__)
def test_batch_and_single_image_agree_and_seeding_reproduces(t, batch):
    out = t(batch, rng=np.random.default_rng(1))
    again = t(batch, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(out, again)
    assert out.dtype == np.float32 and out.ndim == 4 and len(out) == 6
    assert np.all(np.isfinite(out))
    single = t(batch[0], rng=np.random.default_rng(1))
    assert single.shape == out.shape[1:] and single.dtype == np.float32
    # one CHW image = a batch of one with the same generator
    np.testing.assert_array_equal(single, t(batch[:1], rng=np.random.default_rng(1))[0])
    before = batch.copy()
    t(batch)                           # never modifies its input
    np.testing.assert_array_equal(batch, before)


@pytest.mark.parametrize("t", [t for t in ALL if type(t).__name__.startswith(("Random", "Color"))],
                         ids=lambda t: type(t).__name__)
def test_random_transforms_vary_per_image_and_use_the_global_rng(t, batch):
    same = np.repeat(batch[:1], 16, axis=0)
    out = t(same, rng=np.random.default_rng(0))
    assert any(not np.allclose(out[0], out[k]) for k in range(1, 16))
    backend.manual_seed(3)
    a = t(batch)
    backend.manual_seed(3)
    b = t(batch)
    np.testing.assert_array_equal(a, b)


def test_transforms_reject_non_float_and_bad_rank():
    with pytest.raises(TypeError, match="float"):
        T.RandomHorizontalFlip()(np.zeros((3, 4, 4), np.uint8))
    with pytest.raises(ValueError, match=r"\(C, H, W\) or \(N, C, H, W\)"):
        T.RandomHorizontalFlip()(np.zeros((4, 4), np.float32))


def test_flips_p1_and_p0(batch):
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(batch), batch[..., ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(batch), batch[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(0.0)(batch), batch)


def test_flip_half_flips_about_half():
    x = np.random.default_rng(0).random((400, 1, 2, 3), dtype=np.float32)
    out = T.RandomHorizontalFlip()(x, rng=np.random.default_rng(0))
    flipped = np.all(out == x[..., ::-1], axis=(1, 2, 3))
    assert 150 < flipped.sum() < 250


def test_random_crop_is_a_window_of_the_padded_image(batch):
    out = T.RandomCrop((8, 10), padding=3)(batch, rng=np.random.default_rng(5))
    padded = np.pad(batch, ((0, 0), (0, 0), (3, 3), (3, 3)))
    offsets = set()
    for n in range(len(batch)):
        hits = [(i, j) for i in range(7) for j in range(7)
                if np.array_equal(padded[n, :, i:i + 8, j:j + 10], out[n])]
        assert hits, f"image {n} is not a crop of its padded original"
        offsets.add(hits[0])
    assert len(offsets) > 1
    np.testing.assert_array_equal(T.RandomCrop((8, 10))(batch), batch)


def test_random_crop_padding_modes_and_errors(batch):
    out = T.RandomCrop((12, 14), padding=2, padding_mode="edge")(batch, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, np.pad(batch, ((0, 0), (0, 0), (2, 2), (2, 2)), mode="edge"))
    out = T.RandomCrop((10, 12), pad_if_needed=True, fill=0.5)(batch, rng=np.random.default_rng(0))
    assert out.shape == (6, 3, 10, 12) and np.any(out == 0.5)
    with pytest.raises(ValueError, match="larger than the padded image"):
        T.RandomCrop(20)(batch)


def test_normalize_values_and_channel_mismatch(batch):
    out = T.Normalize((0.5, 0.4, 0.3), (0.2, 0.25, 0.5))(batch)
    np.testing.assert_allclose(out[:, 1], (batch[:, 1] - 0.4) / 0.25, rtol=1e-5)
    with pytest.raises(ValueError, match="2 mean values for 3 channels"):
        T.Normalize((0.5, 0.5), (1, 1))(batch)
    with pytest.raises(ValueError, match="non-zero"):
        T.Normalize(0.5, 0.0)


def test_channel_stats_exact_and_normalize_from_dataset():
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (30, 5, 4, 3), dtype=np.uint8)
    ds = ArrayImageDataset(data, np.zeros(30))
    mean, std = channel_stats(ds)
    ref = data.reshape(-1, 3) / 255.0
    np.testing.assert_allclose(mean, ref.mean(0), rtol=1e-6)
    np.testing.assert_allclose(std, ref.std(0), rtol=1e-5)
    sub = Subset(ds, [1, 4, 9])
    np.testing.assert_allclose(channel_stats(sub)[0], (data[[1, 4, 9]].reshape(-1, 3) / 255).mean(0),
                               rtol=1e-6)
    norm = T.Normalize.from_dataset(ds)
    x = ds.get_batch(np.arange(30))[0]
    z = norm(x)
    np.testing.assert_allclose(z.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=(0, 2, 3)), 1, atol=1e-4)
    centred = T.Normalize.from_dataset(ds, std=False)(x)          # mean subtraction only
    np.testing.assert_allclose(centred.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(centred.std(axis=(0, 2, 3)), ref.std(0), rtol=1e-4)


def test_channel_stats_generic_dataset_path():
    class Plain:
        def __init__(self, x):
            self.x = x

        def __len__(self):
            return len(self.x)

        def __getitem__(self, i):
            return self.x[i], 0

    x = np.random.default_rng(0).random((10, 2, 3, 3))
    mean, std = channel_stats(Plain(x))
    np.testing.assert_allclose(mean, x.mean(axis=(0, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(std, x.std(axis=(0, 2, 3)), rtol=1e-5)


def test_resize_constant_block_average_and_aspect():
    x = np.full((2, 3, 8, 8), 0.25, np.float32)
    np.testing.assert_allclose(T.Resize((3, 5))(x), 0.25, rtol=1e-6)
    # halving with the antialiased filter averages 2x2 blocks away from the border
    ramp = np.tile(np.arange(8, dtype=np.float32), (1, 1, 8, 1))
    half = T.Resize((4, 4))(ramp)
    np.testing.assert_allclose(half[0, 0, 1, 1:3], [2.5, 4.5], atol=1e-5)
    assert T.Resize(4)(np.zeros((1, 1, 8, 16), np.float32)).shape == (1, 1, 4, 8)
    assert T.Resize(4)(np.zeros((1, 1, 16, 8), np.float32)).shape == (1, 1, 8, 4)
    up = T.Resize((16, 16))(ramp)
    assert up.shape == (1, 1, 16, 16) and np.all(np.diff(up[0, 0, 5]) >= -1e-6)


def test_center_crop(batch):
    np.testing.assert_array_equal(T.CenterCrop((4, 6))(batch), batch[:, :, 2:6, 2:8])
    with pytest.raises(ValueError, match="larger"):
        T.CenterCrop(9)(batch)


def test_rotation_by_90_degrees_is_rot90_counter_clockwise():
    x = np.random.default_rng(0).random((2, 3, 7, 7), dtype=np.float32)
    out = T.RandomRotation((90, 90))(x)
    np.testing.assert_allclose(out, np.rot90(x, k=1, axes=(2, 3)), atol=1e-5)
    out = T.RandomRotation((-90, -90))(x)
    np.testing.assert_allclose(out, np.rot90(x, k=-1, axes=(2, 3)), atol=1e-5)


class MaxRng:
    """Stands in for a Generator: every uniform draw returns the top of its range."""

    def uniform(self, low, high, size=None):
        return np.full(size, float(high))


def test_affine_identity_shift_zoom_and_fill():
    x = np.random.default_rng(0).random((3, 2, 6, 9), dtype=np.float32)
    np.testing.assert_allclose(T.RandomAffine(0)(x), x, atol=1e-6)
    # translate (2/9, 0) on a 9-wide image: the draw at the top of the range moves 2 px right
    out = T.RandomAffine(0, translate=(2 / 9, 0), fill=0.7)(x, rng=MaxRng())
    np.testing.assert_allclose(out[..., 2:], x[..., :-2], atol=1e-5)
    np.testing.assert_allclose(out[..., :2], 0.7, atol=1e-6)
    down = T.RandomAffine(0, translate=(0, 1 / 6))(x, rng=MaxRng())
    np.testing.assert_allclose(down[:, :, 1:], x[:, :, :-1], atol=1e-5)
    zoom = T.RandomAffine(0, scale=(2.0, 2.0))(np.ones((1, 1, 8, 8), np.float32))
    np.testing.assert_allclose(zoom, 1.0, atol=1e-6)       # zooming in never reaches the fill
    shrink = T.RandomAffine(0, scale=(0.5, 0.5))(np.ones((1, 1, 8, 8), np.float32))
    assert shrink[0, 0, 0, 0] == 0.0 and shrink[0, 0, 4, 4] == pytest.approx(1.0)
    # random shifts stay within the range
    m = T.RandomAffine(0, translate=(0.25, 0.5)).matrices(500, 6, 8, np.random.default_rng(0))
    assert np.abs(m[:, 0, 2]).max() <= 2 + 1e-9 and np.abs(m[:, 1, 2]).max() <= 3 + 1e-9
    assert np.abs(m[:, 0, 2]).max() > 1.5


def test_random_resized_crop_full_box_is_identity_and_boxes_valid():
    x = np.random.default_rng(0).random((4, 3, 10, 10), dtype=np.float32)
    full = T.RandomResizedCrop(10, scale=(1.0, 1.0), ratio=(1.0, 1.0))
    np.testing.assert_allclose(full(x), x, atol=1e-6)
    rrc = T.RandomResizedCrop(5, scale=(0.3, 0.9))
    top, left, h, w = rrc.boxes(200, 10, 12, np.random.default_rng(0))
    assert np.all(top >= 0) and np.all(left >= 0) and np.all(top + h <= 10) and np.all(left + w <= 12)
    area = h * w / 120
    assert area.min() >= 0.25 and area.max() <= 0.95
    # impossible ratio: every sample falls back to the centre crop
    top, left, h, w = T.RandomResizedCrop(5, ratio=(5.0, 6.0)).boxes(3, 10, 10, np.random.default_rng(0))
    assert np.all(w == 10) and np.all(h == 2) and np.all(top == 4)


def test_color_jitter_identity_brightness_and_grayscale():
    x = np.random.default_rng(0).random((5, 3, 4, 4), dtype=np.float32)
    np.testing.assert_allclose(T.ColorJitter()(x), x, atol=1e-6)
    dark = T.ColorJitter(brightness=(0.5, 0.5))(x)
    np.testing.assert_allclose(dark, x * 0.5, atol=1e-6)
    gray = T.ColorJitter(saturation=(0.0, 0.0))(x)
    np.testing.assert_allclose(gray[:, 0], gray[:, 1], atol=1e-6)
    flat = T.ColorJitter(contrast=(0.0, 0.0))(x)
    assert np.allclose(flat.std(axis=(2, 3)), 0, atol=1e-6)
    hue = T.ColorJitter(hue=0.2)(x, rng=np.random.default_rng(0))
    assert not np.allclose(hue, x) and hue.min() >= 0 and hue.max() <= 1
    # hue rotation keeps gray pixels gray
    g = np.full((1, 3, 2, 2), 0.4, np.float32)
    np.testing.assert_allclose(T.ColorJitter(hue=0.5)(g), g, atol=1e-5)
    with pytest.raises(ValueError, match="3 channels"):
        T.ColorJitter(saturation=0.5)(np.zeros((1, 1, 2, 2), np.float32))
    with pytest.raises(ValueError, match="hue"):
        T.ColorJitter(hue=0.7)


def test_compose_passes_the_same_rng_and_lambda():
    seen = []

    def record(x, rng=None):
        seen.append(rng)
        return x + 1

    rng = np.random.default_rng(0)
    out = T.Compose([T.Lambda(record), lambda x: x * 2, record])(np.zeros((1, 1, 1), np.float32), rng=rng)
    assert out.item() == 3.0 and seen == [rng, rng]
    assert "Compose" in repr(T.Compose([T.RandomCrop(2)]))
