"""Shapes: the embedded generated dataset is deterministic, balanced, varied and distinct."""
import numpy as np
import pytest

from minidl.data import DataLoader, Shapes
from minidl.data.shapes import SHAPE_NAMES, _mask


def test_shapes_layout_dtypes_and_balance():
    ds = Shapes(200, image_size=32, seed=0)
    assert len(ds) == 200 and ds.data.shape == (200, 32, 32, 3) and ds.data.dtype == np.uint8
    assert ds.targets.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(ds.targets), [20] * 10)
    assert ds.classes == SHAPE_NAMES and len(set(ds.classes)) == 10
    x, y = ds[0]
    assert x.shape == (3, 32, 32) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1
    assert y == ds.targets[0]


@pytest.mark.parametrize("size", [8, 17, 64, 100])
def test_shapes_any_image_size(size):
    ds = Shapes(12, image_size=size, num_classes=4, seed=1)
    assert ds.data.shape == (12, size, size, 3) and set(ds.targets) == {0, 1, 2, 3}
    assert ds.classes == SHAPE_NAMES[:4]


def test_shapes_deterministic_from_seed():
    a, b = Shapes(50, seed=3), Shapes(50, seed=3)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.targets, b.targets)
    c = Shapes(50, seed=4)
    assert not np.array_equal(a.data, c.data)


def test_shapes_rejects_bad_arguments():
    with pytest.raises(ValueError, match="num_classes"):
        Shapes(10, num_classes=11)
    with pytest.raises(ValueError, match="image_size"):
        Shapes(10, image_size=4)


def test_shape_classes_are_geometrically_distinct():
    g = np.linspace(-1.2, 1.2, 121)
    u, v = np.meshgrid(g, -g)
    masks = {name: _mask(name, u, v) for name in SHAPE_NAMES}
    for name, m in masks.items():
        assert 0.05 < m.mean() < 0.8, name
    for i, a in enumerate(SHAPE_NAMES):
        for b in SHAPE_NAMES[i + 1:]:
            inter = np.logical_and(masks[a], masks[b]).sum()
            union = np.logical_or(masks[a], masks[b]).sum()
            assert inter / union < 0.8, (a, b, inter / union)   # circle-square is the closest, 0.76
    # square vs diamond stays apart under the +-15 degree rotation jitter
    c, s = np.cos(np.deg2rad(15)), np.sin(np.deg2rad(15))
    square_rot = _mask("square", c * u + s * v, -s * u + c * v)
    iou = np.logical_and(square_rot, masks["diamond"]).sum() / np.logical_or(square_rot, masks["diamond"]).sum()
    assert iou < 0.8


def foreground(ds):
    """Pixels whose colour differs from the image's border colour (the shape)."""
    img = ds.data.astype(np.float32)
    border = np.concatenate([img[:, 0], img[:, -1], img[:, :, 0], img[:, :, -1]], axis=1)
    bg = np.median(border, axis=1)[:, None, None, :]
    return np.abs(img - bg).sum(-1) > 60


def test_shapes_vary_in_position_size_and_colour():
    ds = Shapes(300, image_size=32, seed=0)
    fg = foreground(ds)
    area = fg.mean(axis=(1, 2))
    assert area.min() > 0.01 and area.max() < 0.9
    assert np.percentile(area, 90) > 2 * np.percentile(area, 10)          # sizes vary
    centres = np.array([np.argwhere(f).mean(axis=0) for f in fg])
    assert centres.std(axis=0).min() > 2.0                                 # positions vary
    colours = np.array([ds.data[k][fg[k]].mean(axis=0) for k in range(len(ds))])
    assert colours.std(axis=0).min() > 40                                  # colours vary
    noise = ds.data[:, 1:-1, 1:-1].astype(int) - ds.data[:, 2:, 1:-1].astype(int)
    assert np.abs(noise).mean() > 1.0                                      # background noise


def test_shapes_not_solvable_by_class_mean_pixels():
    """Colour/position carry no class information: nearest class mean is near chance."""
    tr, te = Shapes(1000, image_size=16, seed=0), Shapes(300, image_size=16, seed=1)
    xtr = tr.data.reshape(len(tr), -1).astype(np.float32)
    xte = te.data.reshape(len(te), -1).astype(np.float32)
    means = np.stack([xtr[tr.targets == c].mean(0) for c in range(10)])
    pred = np.argmin(((xte[:, None] - means[None]) ** 2).sum(-1), axis=1)
    assert (pred == te.targets).mean() < 0.4


def test_shapes_feed_the_loader():
    ds = Shapes(64, image_size=24, seed=0)
    x, y = next(iter(DataLoader(ds, batch_size=64, shuffle=True, seed=0)))
    assert x.shape == (64, 3, 24, 24) and x.dtype == np.float32 and y.dtype == np.int64
    assert sorted(y) == sorted(ds.targets)
