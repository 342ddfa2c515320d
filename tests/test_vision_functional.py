"""minidl.vision.transforms.functional on PIL images and Tensor images: values against hand-computed and
NumPy references, against PyTorch's primitives (fixture), and torchvision's argument errors."""
import colorsys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import minidl as mdl
import minidl.vision.transforms.functional as F
from minidl.vision import transforms as T

# Made by tests/fixtures/make_vision_functional_fixture.py with PyTorch 2.13 (reference venv): torchvision's
# tensor-path formulas evaluated with torch's interpolate / grid_sample / conv2d / histc.
FIXTURE = np.load(Path(__file__).parent / "fixtures" / "vision_functional_torch.npz")
IM = F.InterpolationMode


def rgb(h=7, w=9, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def as_pil(arr):
    return Image.fromarray(arr)


def as_tensor(arr):
    return mdl.tensor(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def pil_chw(img):
    arr = np.asarray(img)
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


# --- sizes and conversions -------------------------------------------------------------------------

def test_dimensions_on_pil_and_tensors():
    arr = rgb()
    assert F.get_dimensions(as_pil(arr)) == [3, 7, 9] == F.get_dimensions(as_tensor(arr))
    assert F.get_image_size(as_pil(arr)) == [9, 7] == F.get_image_size(as_tensor(arr))
    assert F.get_image_num_channels(Image.fromarray(arr[..., 0])) == 1
    assert F.get_dimensions(mdl.zeros(2, 5, 4, 6)) == [5, 4, 6] and F.get_dimensions(mdl.zeros(4, 6)) == [1, 4, 6]
    with pytest.raises(TypeError, match="img should be PIL Image"):
        F.get_dimensions(arr)


def test_conversions_and_normalize():
    arr = rgb()
    x = F.to_tensor(as_pil(arr))
    assert x.dtype == mdl.float32 and x.shape == (3, 7, 9)
    np.testing.assert_array_equal(x.numpy(), arr.transpose(2, 0, 1) / np.float32(255))
    assert F.pil_to_tensor(as_pil(arr)).dtype == mdl.uint8
    np.testing.assert_array_equal(np.asarray(F.to_pil_image(F.pil_to_tensor(as_pil(arr)))), arr)
    assert F.convert_image_dtype(F.pil_to_tensor(as_pil(arr))).dtype == mdl.float32
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.5)
    out = F.normalize(x, mean, std)
    ref = (x.numpy() - np.float32(mean).reshape(3, 1, 1)) / np.float32(std).reshape(3, 1, 1)
    np.testing.assert_array_equal(out.numpy(), ref)
    batch = mdl.tensor(np.stack([x.numpy()] * 2))
    np.testing.assert_array_equal(F.normalize(batch, mean, std).numpy()[1], ref)
    assert F.normalize(x, mean, std, inplace=True) is x and np.array_equal(x.numpy(), ref)
    np.testing.assert_array_equal(T.Normalize(mean, std)(F.to_tensor(as_pil(arr))).numpy(), ref)
    with pytest.raises(TypeError, match="float tensor"):
        F.normalize(F.pil_to_tensor(as_pil(arr)), mean, std)
    with pytest.raises(TypeError, match="Tensor Image"):
        F.normalize(as_pil(arr), mean, std)
    with pytest.raises(ValueError, match="division by zero"):
        F.normalize(x, mean, (1.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="tensor image of size"):
        F.normalize(mdl.zeros(4, 4), mean, std)


# --- crops, flips, padding --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["pil", "tensor"])
def test_crops_flips_and_padding_are_exact(kind):
    arr = rgb()
    img = as_pil(arr) if kind == "pil" else as_tensor(arr)

    def values(out):
        return pil_chw(out) if kind == "pil" else out.numpy()
    chw = arr.transpose(2, 0, 1)
    np.testing.assert_array_equal(values(F.hflip(img)), chw[:, :, ::-1])
    np.testing.assert_array_equal(values(F.vflip(img)), chw[:, ::-1])
    np.testing.assert_array_equal(values(F.crop(img, 2, 3, 4, 5)), chw[:, 2:6, 3:8])
    outside = values(F.crop(img, -1, 7, 3, 4))           # zeros where the window leaves the image
    assert outside.shape == (3, 3, 4) and outside[:, 0].max() == 0 and outside[:, :, 2:].max() == 0
    np.testing.assert_array_equal(outside[:, 1:, :2], chw[:, :2, 7:9])
    np.testing.assert_array_equal(values(F.center_crop(img, (3, 4))), chw[:, 2:5, 2:6])  # round(2.0), round(2.5)
    big = values(F.center_crop(img, [10, 12]))
    np.testing.assert_array_equal(big[:, 1:8, 1:10], chw)
    assert big[:, 0].max() == 0 and big[:, 8:].max() == 0
    padded = values(F.pad(img, [1, 2, 3, 4], fill=9))
    assert padded.shape == (3, 13, 13) and padded[:, :2].min() == padded[:, :2].max() == 9
    np.testing.assert_array_equal(padded[:, 2:9, 1:10], chw)
    np.testing.assert_array_equal(values(F.pad(img, 2, padding_mode="reflect")),
                                  np.pad(chw, ((0, 0), (2, 2), (2, 2)), mode="reflect"))
    np.testing.assert_array_equal(values(F.pad(img, (1, 2), padding_mode="symmetric")),
                                  np.pad(chw, ((0, 0), (2, 2), (1, 1)), mode="symmetric"))
    np.testing.assert_array_equal(values(F.pad(img, [2, 1], padding_mode="edge")),
                                  np.pad(chw, ((0, 0), (1, 1), (2, 2)), mode="edge"))
    tl, tr, bl, br, center = F.five_crop(img, (3, 4))
    for got, ref in [(tl, chw[:, :3, :4]), (tr, chw[:, :3, 5:]), (bl, chw[:, 4:, :4]), (br, chw[:, 4:, 5:]),
                     (center, chw[:, 2:5, 2:6])]:
        np.testing.assert_array_equal(values(got), ref)
    ten = F.ten_crop(img, 3)
    assert len(ten) == 10
    np.testing.assert_array_equal(values(ten[5]), chw[:, :3, ::-1][:, :, :3])  # top-left of the mirror
    np.testing.assert_array_equal(values(F.ten_crop(img, 3, vertical_flip=True)[5]), chw[:, ::-1][:, :3, :3])


def test_tensor_ops_keep_leading_dimensions_and_pil_modes():
    x = mdl.tensor(np.random.default_rng(0).random((2, 2, 3, 5, 6), dtype=np.float32))
    assert F.hflip(x).shape == (2, 2, 3, 5, 6) and F.resize(x, 3).shape == (2, 2, 3, 3, 3)
    assert F.rgb_to_grayscale(x).shape == (2, 2, 1, 5, 6) and F.rotate(x, 10).shape == x.shape
    np.testing.assert_array_equal(F.vflip(x).numpy(), x.numpy()[..., ::-1, :])
    grey = Image.fromarray(rgb()[..., 0])
    for out in [F.pad(grey, 1), F.rotate(grey, 20), F.adjust_brightness(grey, 1.5), F.gaussian_blur(grey, 3)]:
        assert out.mode == "L"
    rgba = Image.fromarray(np.random.default_rng(1).integers(0, 256, (4, 5, 4), dtype=np.uint8))
    assert F.pad(rgba, 1, fill=(1, 2, 3, 4)).getpixel((0, 0)) == (1, 2, 3, 4)


def test_padding_and_crop_errors():
    img = as_tensor(rgb())
    with pytest.raises(TypeError, match="padding"):
        F.pad(img, "2")
    with pytest.raises(ValueError, match="1, 2, or 4 element tuple, not a 3"):
        F.pad(img, (1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode"):
        F.pad(img, 1, padding_mode="wrap")
    with pytest.raises(ValueError, match="bigger than input size"):
        F.five_crop(img, 8)
    with pytest.raises(ValueError, match="only two dimensions"):
        F.five_crop(img, (1, 2, 3))
    np.testing.assert_array_equal(F.pad(img, -1).numpy(), img.numpy()[:, 1:-1, 1:-1])  # negative crops


# --- resampling ---------------------------------------------------------------------------------

def test_resize_sizes_and_tensor_values():
    x = mdl.tensor(FIXTURE["u8"].astype(np.float32) / 255)
    assert F.resize(as_pil(rgb()), 5).size == (6, 5) and F.resize(x, [5]).shape == (1, 3, 5, 6)
    assert F.resize(as_pil(rgb(7, 30)), 5, max_size=12).size == (12, 2)
    assert F.resize(x, (7, 9)) is x                                # already that size: the same object
    np.testing.assert_allclose(F.resize(x, (4, 5)).numpy(), FIXTURE["resize_bilinear"], atol=2e-6)
    np.testing.assert_allclose(F.resize(x, (4, 5), antialias=False).numpy(), FIXTURE["resize_noaa"], atol=2e-6)
    np.testing.assert_allclose(F.resize(x, (11, 13)).numpy(), FIXTURE["resize_up"], atol=2e-6)
    np.testing.assert_array_equal(F.resize(x, (4, 5), IM.NEAREST).numpy(), FIXTURE["resize_nearest"])
    np.testing.assert_allclose(F.resize(x, (4, 5), IM.BICUBIC).numpy(), FIXTURE["resize_bicubic"], atol=2e-6)
    np.testing.assert_allclose(F.resize(x, (11, 13), IM.BICUBIC, antialias=False).numpy(),
                               FIXTURE["resize_bicubic_up_noaa"], atol=2e-6)
    np.testing.assert_array_equal(F.resize(mdl.tensor(FIXTURE["u8"]), (4, 5)).numpy(), FIXTURE["resize_u8"])
    # PIL images use Pillow's own filters, every mode
    pil = as_pil(rgb())
    for mode, code in [(IM.BICUBIC, Image.Resampling.BICUBIC), (IM.LANCZOS, Image.Resampling.LANCZOS),
                       (IM.BILINEAR, Image.Resampling.BILINEAR), (2, Image.Resampling.BILINEAR)]:
        np.testing.assert_array_equal(np.asarray(F.resize(pil, (4, 5), mode)), np.asarray(pil.resize((5, 4), code)))
    with pytest.raises(ValueError, match="max_size should only be passed"):
        F.resize(x, (4, 5), max_size=10)
    with pytest.raises(ValueError, match="strictly greater"):
        F.resize(x, 5, max_size=5)
    with pytest.raises(TypeError, match="inappropriate size"):
        F.resize(x, "5")
    with pytest.raises(ValueError, match="Lanczos mode requires antialias=True"):
        F.resize(x, 4, IM.LANCZOS)
    with pytest.raises(TypeError, match="InterpolationMode"):
        F.resize(x, 4, "bilinear")


def test_affine_rotate_perspective_against_grid_sample():
    x = mdl.tensor(FIXTURE["u8"].astype(np.float32) / 255)
    np.testing.assert_array_equal(F.affine(x, 10, [2, 1], 1.2, [5, 3]).numpy(), FIXTURE["affine_nearest"])
    np.testing.assert_allclose(F.affine(x, 10, [2, 1], 1.2, [5, 3], IM.BILINEAR, fill=[0.2, 0.5, 0.9]).numpy(),
                               FIXTURE["affine_bilinear_fill"], atol=2e-6)
    np.testing.assert_allclose(F.rotate(x, 30, IM.BILINEAR, expand=True).numpy(), FIXTURE["rotate_expand"],
                               atol=2e-6)
    start, end = [[0, 0], [8, 0], [8, 6], [0, 6]], [[1, 1], [7, 0], [8, 5], [0, 6]]
    np.testing.assert_allclose(F.perspective(x, start, end).numpy(), FIXTURE["perspective"], atol=1e-5)


@pytest.mark.parametrize("kind", ["pil", "tensor"])
def test_geometry_hand_checks(kind):
    arr = rgb(9, 9)
    img = as_pil(arr) if kind == "pil" else as_tensor(arr)

    def values(out):
        return pil_chw(out) if kind == "pil" else out.numpy()
    chw = arr.transpose(2, 0, 1)
    np.testing.assert_array_equal(values(F.rotate(img, 90)), np.rot90(chw, k=1, axes=(1, 2)))  # counter-clockwise
    np.testing.assert_array_equal(values(F.affine(img, 90, [0, 0], 1.0, 0)), np.rot90(chw, k=-1, axes=(1, 2)))
    shifted = values(F.affine(img, 0, [2, -1], 1.0, [0.0, 0.0], fill=5))       # right by 2, up by 1
    np.testing.assert_array_equal(shifted[:, :8, 2:], chw[:, 1:, :7])
    assert shifted[:, :, :2].min() == shifted[:, :, :2].max() == 5 and (shifted[:, 8] == 5).all()
    # shear about the top-left corner: row y reads x + tan(shear) * (y + 0.5), rounded to a pixel
    sheared = values(F.affine(img, 0.0, [0, 0], 1.0, [np.degrees(np.arctan(0.3)), 0.0], center=[0, 0]))
    np.testing.assert_array_equal(sheared[:, 0], chw[:, 0])
    np.testing.assert_array_equal(sheared[:, 3, :8], chw[:, 3, 1:])
    corners = [[0, 0], [8, 0], [8, 8], [0, 8]]
    np.testing.assert_array_equal(values(F.perspective(img, corners, corners, IM.NEAREST)), chw)
    assert values(F.rotate(img, 45, expand=True)).shape == (3, 13, 13)
    resized = values(F.resized_crop(img, 1, 2, 4, 4, [2, 2], IM.NEAREST))
    assert resized.shape == (3, 2, 2)


def test_geometry_errors():
    x = as_tensor(rgb())
    with pytest.raises(TypeError, match="angle should be int or float"):
        F.rotate(x, "10")
    with pytest.raises(TypeError, match="translate should be a sequence"):
        F.affine(x, 0, 1, 1.0, 0)
    with pytest.raises(ValueError, match="translate should be a sequence of length 2"):
        F.affine(x, 0, [1], 1.0, 0)
    with pytest.raises(ValueError, match="scale should be positive"):
        F.affine(x, 0, [0, 0], 0.0, 0)
    with pytest.raises(ValueError, match="Shear should be a sequence containing two values"):
        F.affine(x, 0, [0, 0], 1.0, [1, 2, 3])
    with pytest.raises(ValueError, match="unsupported with Tensor input"):
        F.rotate(x, 10, IM.BICUBIC)
    with pytest.raises(ValueError, match="cannot broadcast"):
        F.rotate(x, 10, fill=[1, 2])
    with pytest.raises(ValueError, match="does not match the number of channels"):
        F.rotate(as_pil(rgb()), 10, fill=[1, 2])


# --- colour ---------------------------------------------------------------------------------------

def luma(chw):
    return (np.float32(0.2989) * chw[0] + np.float32(0.587) * chw[1] + np.float32(0.114) * chw[2])


def test_colour_adjustments_on_tensors_match_formulas():
    arr = rgb()
    u8 = as_tensor(arr)
    chw = arr.transpose(2, 0, 1).astype(np.float32)
    x = mdl.tensor(chw / 255)
    np.testing.assert_array_equal(F.adjust_brightness(u8, 1.7).numpy(),
                                  np.clip(np.float32(1.7) * chw, 0, 255).astype(np.uint8))
    np.testing.assert_allclose(F.adjust_brightness(x, 0.5).numpy(), x.numpy() * 0.5, rtol=1e-6)
    grey_u8 = luma(chw).astype(np.uint8)                             # truncated, as .to(uint8)
    np.testing.assert_array_equal(F.rgb_to_grayscale(u8).numpy()[0], grey_u8)
    np.testing.assert_array_equal(F.rgb_to_grayscale(u8, 3).numpy(), np.stack([grey_u8] * 3))
    mean = grey_u8.astype(np.float32).mean()
    np.testing.assert_allclose(F.adjust_contrast(u8, 0.4).numpy(),
                               np.clip(0.4 * chw + 0.6 * mean, 0, 255).astype(np.uint8), atol=1)
    np.testing.assert_allclose(F.adjust_saturation(x, 0.0).numpy(), np.stack([luma(x.numpy())] * 3), atol=1e-6)
    np.testing.assert_array_equal(F.invert(u8).numpy(), 255 - arr.transpose(2, 0, 1))
    np.testing.assert_allclose(F.invert(x).numpy(), 1 - x.numpy())
    np.testing.assert_array_equal(F.posterize(u8, 3).numpy(), arr.transpose(2, 0, 1) & 0b11100000)
    sol = F.solarize(u8, 100).numpy()
    np.testing.assert_array_equal(sol, np.where(arr >= 100, 255 - arr, arr).transpose(2, 0, 1))
    np.testing.assert_allclose(F.adjust_gamma(x, 2.0, 0.5).numpy(), 0.5 * x.numpy() ** 2, rtol=1e-6)
    lo = chw.min(axis=(1, 2), keepdims=True)
    hi = chw.max(axis=(1, 2), keepdims=True)
    np.testing.assert_array_equal(F.autocontrast(u8).numpy(),
                                  np.clip((chw - lo) * (np.float32(255) / (hi - lo)), 0, 255).astype(np.uint8))
    np.testing.assert_array_equal(F.equalize(mdl.tensor(FIXTURE["u8"])).numpy(), FIXTURE["equalize"])
    np.testing.assert_array_equal(F.adjust_sharpness(mdl.tensor(FIXTURE["u8"]), 0.3).numpy(),
                                  FIXTURE["sharpness_u8"])


def test_adjust_hue_is_an_hsv_rotation():
    x = mdl.tensor(np.random.default_rng(3).random((3, 4, 5), dtype=np.float32))
    out = F.adjust_hue(x, 0.25).numpy()
    for i in range(4):
        for j in range(5):
            h, s, v = colorsys.rgb_to_hsv(*x.numpy()[:, i, j].astype(np.float64))
            np.testing.assert_allclose(out[:, i, j], colorsys.hsv_to_rgb((h + 0.25) % 1.0, s, v), atol=1e-5)
    np.testing.assert_allclose(F.adjust_hue(x, 0.0).numpy(), x.numpy(), atol=1e-6)
    grey = mdl.tensor(np.full((1, 3, 3), 0.5, np.float32))
    np.testing.assert_array_equal(F.adjust_hue(grey, 0.3).numpy(), grey.numpy())
    pil = as_pil(rgb())
    assert F.adjust_hue(pil, 0.0).mode == "RGB"
    assert np.abs(np.asarray(F.adjust_hue(pil, 0.0)).astype(int) - rgb()).max() <= 8  # HSV uint8 round trip


def test_colour_ops_on_pil_use_pillow_semantics():
    pil = as_pil(rgb())
    arr = rgb().astype(np.float64)
    np.testing.assert_array_equal(np.asarray(F.adjust_brightness(pil, 0.0)), np.zeros((7, 9, 3), np.uint8))
    assert np.abs(np.asarray(F.adjust_brightness(pil, 0.5)) - arr * 0.5).max() <= 1
    np.testing.assert_array_equal(np.asarray(F.invert(pil)), 255 - rgb())
    np.testing.assert_array_equal(np.asarray(F.posterize(pil, 2)), rgb() & 0b11000000)
    assert np.asarray(F.adjust_contrast(pil, 0.0)).std(axis=(0, 1)).max() == 0     # one flat grey
    assert F.to_grayscale(pil, 3).mode == "RGB" and F.rgb_to_grayscale(pil).mode == "L"
    for fn in (F.autocontrast, F.equalize):
        assert fn(pil).size == pil.size
    with pytest.raises(TypeError, match="PIL Image"):
        F.to_grayscale(as_tensor(rgb()))


def test_gaussian_blur_values_and_errors():
    x = mdl.tensor(FIXTURE["u8"].astype(np.float32) / 255)
    np.testing.assert_allclose(F.gaussian_blur(x, [5, 3], [1.5, 0.7]).numpy(), FIXTURE["blur"], atol=2e-6)
    np.testing.assert_array_equal(F.gaussian_blur(mdl.tensor(FIXTURE["u8"]), [5, 3], [1.5, 0.7]).numpy(),
                                  FIXTURE["blur_u8"])
    const = mdl.tensor(np.full((3, 6, 6), 0.25, np.float32))
    np.testing.assert_allclose(F.gaussian_blur(const, 5).numpy(), 0.25, rtol=1e-6)
    pil = as_pil(rgb())
    np.testing.assert_array_equal(np.asarray(F.gaussian_blur(pil, 3, 1.0)).transpose(2, 0, 1),
                                  F.gaussian_blur(as_tensor(rgb()), 3, 1.0).numpy())
    for bad, err in [(4, "odd and positive"), ((3, 3, 3), "length should be 2"), (3.0, "int or a sequence")]:
        with pytest.raises((ValueError, TypeError), match=err):
            F.gaussian_blur(x, bad)
    with pytest.raises(ValueError, match="positive values"):
        F.gaussian_blur(x, 3, 0.0)


def test_colour_argument_errors():
    x = as_tensor(rgb())
    with pytest.raises(ValueError, match=r"brightness_factor \(-1\) is not non-negative"):
        F.adjust_brightness(x, -1)
    with pytest.raises(ValueError, match=r"hue_factor \(0.7\) is not in \[-0.5, 0.5\]"):
        F.adjust_hue(x, 0.7)
    with pytest.raises(TypeError, match="Only torch.uint8"):
        F.posterize(x.float(), 2)
    with pytest.raises(TypeError, match="Only torch.uint8"):
        F.equalize(x.float())
    with pytest.raises(TypeError, match="permitted channel values"):
        F.adjust_contrast(mdl.zeros(4, 5, 5), 0.5)
    with pytest.raises(TypeError, match="Threshold should be less than bound"):
        F.solarize(x.float() / 255, 2.0)
    with pytest.raises(ValueError, match="num_output_channels"):
        F.rgb_to_grayscale(x, 2)


def test_erase():
    x = mdl.tensor(np.ones((3, 5, 6), np.float32))
    out = F.erase(x, 1, 2, 2, 3, 0.0)
    ref = np.ones((3, 5, 6), np.float32)
    ref[:, 1:3, 2:5] = 0
    np.testing.assert_array_equal(out.numpy(), ref)
    assert x.numpy().min() == 1                                     # not in place by default
    v = mdl.tensor(np.arange(3, dtype=np.float32).reshape(3, 1, 1))
    assert F.erase(x, 0, 0, 1, 1, v, inplace=True) is x and x.numpy()[:, 0, 0].tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="Tensor Image"):
        F.erase(as_pil(rgb()), 0, 0, 1, 1, 0)
