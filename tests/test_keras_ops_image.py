"""``keras.ops.image`` against Keras 3 itself.

The fixture ``tests/fixtures/keras_ops_image.npz`` holds a random image batch and the outputs of
Keras 3.15 on the JAX backend; ``tests/fixtures/make_keras_ops_image.py`` wrote it.
"""
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl.autograd import gradcheck
from minidl.keras import ops
from minidl.keras.ops import image

F = dict(np.load(Path(__file__).parent / "fixtures" / "keras_ops_image.npz"))
X = F["x"]

CASES = {
    "resize_bilinear": lambda: image.resize(X, (3, 8)),
    "resize_nearest": lambda: image.resize(X, (7, 4), interpolation="nearest"),
    "resize_crop": lambda: image.resize(X, (4, 4), crop_to_aspect_ratio=True),
    "resize_pad": lambda: image.resize(X, (4, 2), pad_to_aspect_ratio=True, fill_value=0.5),
    "affine_nearest_interp": lambda: image.affine_transform(X, F["transform"], interpolation="nearest"),
    "pad": lambda: image.pad_images(X, 1, 2, target_height=8, target_width=9),
    "crop": lambda: image.crop_images(X, 1, 2, target_height=3, target_width=3),
    "gray": lambda: image.rgb_to_grayscale(X),
    "hsv": lambda: image.rgb_to_hsv(X),
    "rgb": lambda: image.hsv_to_rgb(X),
    "patches": lambda: image.extract_patches(X, 2),
    "patches_same": lambda: image.extract_patches(X, (2, 3), strides=(2, 2), padding="same"),
    "blur": lambda: image.gaussian_blur(X, kernel_size=(3, 5), sigma=(1.0, 2.0)),
    "mapc0": lambda: image.map_coordinates(X[0, :, :, 0], F["coords"], 0),
    "mapc1": lambda: image.map_coordinates(X[0, :, :, 0], F["coords"], 1, fill_mode="reflect"),
    "mapc1c": lambda: image.map_coordinates(X[0, :, :, 0], F["coords"], 1, fill_value=0.5),
    "persp": lambda: image.perspective_transform(X, F["start"], F["end"], fill_value=0.3),
    "persp_nearest": lambda: image.perspective_transform(X, F["start"], F["end"], interpolation="nearest"),
    "sobel": lambda: image.sobel_edges(X),
    "ssim": lambda: image.ssim(X, F["x2"], filter_size=3),
    "patches3d": lambda: image.extract_patches_3d(F["vol"], 2),
    "resize_antialias": lambda: image.resize(X, (3, 4), antialias=True),
    "resize_bicubic_aa": lambda: image.resize(X, (2, 9), interpolation="bicubic", antialias=True),
    "sat_noaa": lambda: image.scale_and_translate(X, (1, 3, 4, 3), np.array([0.5, 0.6]), np.array([0.0, 0.2]),
                                                  (1, 2), "linear", antialias=False),
}
for _method in ("bicubic", "lanczos3", "lanczos5"):
    CASES[f"resize_{_method}"] = lambda method=_method: image.resize(X, (3, 8), interpolation=method)
for _method in ("linear", "cubic", "lanczos3", "lanczos5"):
    CASES[f"sat_{_method}"] = lambda method=_method: image.scale_and_translate(
        X, (1, 4, 9, 3), np.array([0.8, 1.5]), np.array([0.3, -0.6]), (1, 2), method)
for _mode in ("constant", "reflect", "wrap", "nearest"):
    CASES[f"affine_{_mode}"] = lambda mode=_mode: image.affine_transform(X, F["transform"], fill_mode=mode,
                                                                          fill_value=0.25)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    got = ops.convert_to_numpy(CASES[name]())
    assert got.shape == F[name].shape
    np.testing.assert_allclose(got, F[name], rtol=1e-4, atol=1e-5)


def test_single_image_and_channels_first():
    single = ops.convert_to_numpy(image.resize(X[0], (3, 8)))
    np.testing.assert_allclose(single, F["resize_bilinear"][0], rtol=1e-5, atol=1e-6)
    first = ops.convert_to_numpy(image.rgb_to_grayscale(np.moveaxis(X, -1, 1), data_format="channels_first"))
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), F["gray"], rtol=1e-5, atol=1e-6)


def test_gradients_reach_the_pixels():
    x = minidl.tensor(np.random.default_rng(0).random((1, 4, 5, 3)), dtype=minidl.float64, requires_grad=True)
    assert gradcheck(lambda a: image.resize(a, (3, 7)), (x,))
    assert gradcheck(lambda a: image.resize(a, (2, 3), interpolation="lanczos3", antialias=True), (x,))
    assert gradcheck(lambda a: image.affine_transform(a, F["transform"], fill_mode="reflect"), (x,))
    assert gradcheck(lambda a: image.rgb_to_hsv(a * 0.8 + 0.1), (x,))
    assert gradcheck(lambda a: image.gaussian_blur(a), (x,))
    assert gradcheck(lambda a: image.perspective_transform(a, F["start"], F["end"]), (x,))
    assert gradcheck(lambda a: image.ssim(a, a * 0.5 + 0.2, filter_size=3), (x,))


def test_elastic_transform_is_seeded_and_keeps_shape():
    a, b = image.elastic_transform(X, seed=3), image.elastic_transform(X, seed=3)
    np.testing.assert_array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(b))
    assert ops.shape(a) == X.shape and ops.shape(image.elastic_transform(X[0], seed=1)) == X.shape[1:]
    assert not np.allclose(ops.convert_to_numpy(a), X)
    np.testing.assert_allclose(ops.convert_to_numpy(image.elastic_transform(X, alpha=0.0, seed=3)), X, atol=1e-6)
    moved = ops.convert_to_numpy(image.elastic_transform(X, sigma=1.0, interpolation="nearest", seed=4))
    assert np.isin(moved, X).all()  # nearest sampling only copies pixels
    x = minidl.tensor(X.astype(np.float64), requires_grad=True)
    assert gradcheck(lambda a: image.elastic_transform(a, sigma=1.0, seed=5), (x,))


def test_bad_arguments():
    with pytest.raises(ValueError, match="exactly two"):
        image.pad_images(X, top_padding=1, left_padding=1)
    with pytest.raises(ValueError, match="rank"):
        image.resize(np.ones((2, 2), np.float32), (3, 3))
    with pytest.raises(ValueError, match="interpolation"):
        image.resize(X, (3, 3), interpolation="area")
    with pytest.raises(ValueError, match="method"):
        image.scale_and_translate(X, (1, 4, 4, 3), [1.0, 1.0], [0.0, 0.0], (1, 2), "area")
    with pytest.raises(ValueError, match="does not fit"):
        image.crop_images(X, 4, 0, target_height=3, target_width=2)
    with pytest.raises(ValueError, match="fill_mode"):
        image.affine_transform(X, F["transform"], fill_mode="mirror")
