"""minidl.vision.utils: make_grid and save_image (torchvision's layout rules)."""
import os

import numpy as np
import pytest
from PIL import Image

import minidl as mdl
from minidl.vision.utils import make_grid, save_image


def test_make_grid_layout():
    x = mdl.tensor(np.arange(5, dtype=np.float32).reshape(5, 1, 1, 1) * np.ones((5, 1, 2, 3), np.float32))
    grid = make_grid(x, nrow=2, padding=1, pad_value=-1.0)
    # 2 columns x 3 rows of 2x3 images, 1 pixel of padding around each, gray -> 3 channels
    assert isinstance(grid, mdl.Tensor) and grid.shape == (3, 3 * 3 + 1, 2 * 4 + 1)
    g = grid.numpy()
    assert g[0, 0, 0] == -1.0 and g[0, 1, 1] == 0.0 and g[0, 1, 5] == 1.0 and g[0, 4, 1] == 2.0
    assert g[0, 7, 5] == -1.0                                   # the sixth cell stays padding
    single = make_grid(mdl.ones(1, 3, 4, 4))
    assert single.shape == (3, 4, 4)
    norm = make_grid(mdl.tensor(np.array([[[[0.0, 2.0]]]] * 2, np.float32)), normalize=True, padding=0)
    assert norm.numpy().min() == 0.0 and norm.numpy().max() == pytest.approx(1.0, abs=1e-4)
    assert make_grid([mdl.zeros(3, 2, 2)] * 3, nrow=3, padding=0).shape == (3, 2, 6)


def test_save_image_writes_the_grid(tmp_path):
    x = mdl.tensor(np.linspace(0, 1, 2 * 3 * 4 * 4, dtype=np.float32).reshape(2, 3, 4, 4))
    old = os.umask(0o022)
    try:
        save_image(x, tmp_path / "grid.png", nrow=2, padding=0)
    finally:
        os.umask(old)
    img = np.asarray(Image.open(tmp_path / "grid.png"))
    assert img.shape == (4, 8, 3) and img.dtype == np.uint8
    want = np.clip(x.numpy()[0].transpose(1, 2, 0) * 255 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(img[:, :4], want)
    assert os.stat(tmp_path / "grid.png").st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.png"]
    with pytest.raises(ValueError, match="unknown image extension"):
        save_image(x, tmp_path / "grid.nope")
