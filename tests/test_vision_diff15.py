"""Regressions from session 15's differential sweep of minidl.vision.transforms(.functional) against
torchvision 0.29.1. Expected values are either literal values read off torchvision 0.29.1 (said so
at each) or derived with NumPy / Pillow alone."""
import numpy as np
import pytest
from PIL import Image, ImageEnhance

import minidl as mdl
import minidl.vision.transforms as T
import minidl.vision.transforms.functional as F
from minidl.vision.transforms import InterpolationMode as I

RAMP = (np.arange(77, dtype=np.uint8) * 3).reshape(1, 7, 11)
QUAD = [[0, 0], [10, 0], [10, 6], [0, 6]], [[1, 1], [9, 0], [10, 5], [0, 6]]


def test_rotate_nearest_ties_round_as_torchvision():
    # expected values read off torchvision 0.29.1: F.rotate(uint8 ramp, 30) (its float32 sampling grid
    # puts a few samples on the other side of a .5 tie than a float64 grid does)
    expected = [[0, 0, 0, 0, 18, 18, 54, 57, 93, 96, 0], [0, 0, 9, 12, 48, 51, 87, 90, 126, 126, 162],
                [3, 6, 42, 45, 81, 84, 117, 120, 156, 159, 195], [3, 39, 39, 75, 78, 114, 150, 153, 156, 189, 225],
                [33, 69, 72, 108, 111, 144, 147, 183, 186, 222, 225],
                [66, 102, 102, 138, 141, 177, 180, 216, 219, 0, 0], [0, 132, 135, 171, 174, 210, 210, 0, 0, 0, 0]]
    out = F.rotate(mdl.from_numpy(RAMP.copy()), 30)
    np.testing.assert_array_equal(out.numpy()[0], np.array(expected, np.uint8))


def test_rotate_90_expand_is_rot90():
    # NumPy reasoning: a quarter turn counter-clockwise of a 7x11 image is np.rot90, 11x7 (was 11x8)
    for mode in (I.NEAREST, I.BILINEAR):
        out = F.rotate(mdl.from_numpy(RAMP.copy()), 90, mode, expand=True)
        assert tuple(out.shape) == (1, 11, 7)
        np.testing.assert_array_equal(out.numpy()[0], np.rot90(RAMP[0]))


def test_perspective_nearest_grid_as_torchvision():
    # expected values read off torchvision 0.29.1: F.perspective(uint8 ramp, *QUAD, NEAREST)
    expected = [[0, 0, 0, 0, 0, 15, 18, 24, 27, 30, 0], [0, 0, 39, 42, 45, 48, 51, 57, 60, 96, 0],
                [0, 66, 72, 75, 78, 81, 84, 120, 123, 129, 0], [99, 102, 105, 108, 111, 114, 150, 153, 156, 159, 162],
                [132, 135, 138, 141, 144, 180, 183, 186, 189, 192, 195],
                [165, 168, 171, 174, 177, 213, 216, 219, 222, 225, 228], [198, 201, 204, 207, 210, 213, 0, 0, 0, 0, 0]]
    out = F.perspective(mdl.from_numpy(RAMP.copy()), *QUAD, I.NEAREST)
    np.testing.assert_array_equal(out.numpy()[0], np.array(expected, np.uint8))


def test_random_affine_on_a_tensor_blends_fill_as_torchvision():
    # expected values read off torchvision 0.29.1 (rounded to 4 decimals): a fixed RandomAffine with a fill
    # on a float Tensor (torchvision multiplies the sample by the sampled mask before adding the fill)
    x = mdl.from_numpy((np.arange(30, dtype=np.float32) / 30).reshape(1, 5, 6))
    out = T.RandomAffine((-10, -10), scale=(0.9, 0.9), shear=(7, 7), interpolation=I.BILINEAR, fill=0.5)(x)
    expected = [[0.3646, 0.2475, 0.1775, 0.1333, 0.1633, 0.2839], [0.1675, 0.1527, 0.2285, 0.3044, 0.3802, 0.3625],
                [0.2983, 0.3696, 0.4454, 0.5213, 0.5971, 0.4772], [0.3951, 0.5864, 0.6623, 0.7382, 0.8140, 0.6326],
                [0.4623, 0.8033, 0.7557, 0.6017, 0.4939, 0.4355]]
    np.testing.assert_allclose(out.numpy()[0], expected, atol=1e-4)


def _pil(h=7, w=11, seed=3):
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB")


def test_pil_resampling_transforms_are_pillows():
    # Pillow is the reference: torchvision hands PIL images to Image.resize / Image.rotate
    img = _pil()
    np.testing.assert_array_equal(np.asarray(T.Resize((5, 4))(img)), np.asarray(img.resize((4, 5), Image.BILINEAR)))
    np.testing.assert_array_equal(np.asarray(T.Resize(6)(img)), np.asarray(img.resize((9, 6), Image.BILINEAR)))
    full = T.RandomResizedCrop((5, 4), scale=(1.0, 1.0), ratio=(11 / 7, 11 / 7))(img)
    np.testing.assert_array_equal(np.asarray(full), np.asarray(img.resize((4, 5), Image.BILINEAR)))
    rot = T.RandomRotation((30, 30))(img)
    np.testing.assert_array_equal(np.asarray(rot), np.asarray(img.rotate(30, Image.NEAREST, fillcolor=(0, 0, 0))))


def test_tensor_pad_refusals_as_torchvision():
    # messages read off torchvision 0.29.1 (its Tensor backend is torch.nn.functional.pad)
    x = mdl.from_numpy(RAMP.copy())
    with pytest.raises(TypeError, match="Got inappropriate fill arg"):
        F.pad(x, 1, fill=(1, 2, 3))             # a Tensor takes one number
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        F.pad(x, 1.5)
    with pytest.raises(RuntimeError, match=r"padding \(7, 7\) at dimension 2 of input \[1, 1, 7, 11\]"):
        F.pad(x, 7, padding_mode="reflect")
    with pytest.raises(RuntimeError, match="Symmetric padding of N-D tensors are not supported yet"):
        F.pad(mdl.from_numpy(RAMP[0].copy()), 1, padding_mode="symmetric")
    # NumPy reasoning: fill=None pads with zeros
    np.testing.assert_array_equal(F.pad(x, 1, fill=None).numpy(), np.pad(RAMP, ((0, 0), (1, 1), (1, 1))))


def test_pad_transform_takes_a_one_element_list_and_pil_refuses_fractions():
    # NumPy reasoning: Pad([3]) pads 3 on every side, as torchvision's
    out = T.Pad([3])(mdl.from_numpy(RAMP.copy()))
    np.testing.assert_array_equal(out.numpy(), np.pad(RAMP, ((0, 0), (3, 3), (3, 3))))
    with pytest.raises(TypeError, match="'float' object cannot be interpreted as an integer"):
        F.pad(_pil(), 1.5)
    with pytest.raises(ValueError, match=r"does not match the number of channels of the image \(3 != 1\)"):
        F.pad(_pil().convert("L"), 1, fill=(1, 2, 3))


def test_tensor_resize_refusals_as_torchvision():
    # exception types and messages read off torchvision 0.29.1
    x = mdl.from_numpy(RAMP.copy())
    with pytest.raises(NotImplementedError, match=r"\(got box\)"):
        F.resize(x, 4, I.BOX)
    with pytest.raises(ValueError, match="Lanczos mode requires antialias=True"):
        F.resize(x, 4, I.LANCZOS)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.resize(mdl.from_numpy(RAMP[0].copy()), (4, 5))   # (H, W) is one row of H channels to torchvision


def test_colour_functions_refuse_2d_tensors_as_torchvision():
    # exception types and messages read off torchvision 0.29.1
    flat = mdl.from_numpy(RAMP[0].copy())
    for fn in (F.invert, F.autocontrast, lambda im: F.posterize(im, 3), lambda im: F.solarize(im, 100),
               F.rgb_to_grayscale):
        with pytest.raises(TypeError, match="should have at least 3 dimensions, but found 2"):
            fn(flat)
    with pytest.raises(TypeError, match="should have 3 or 4 dimensions, but found 2"):
        F.equalize(flat)
    with pytest.raises(IndexError):
        F.adjust_contrast(flat, 1.5)
    with pytest.raises(IndexError):
        F.gaussian_blur(flat, 3)
    with pytest.raises(TypeError, match=r"permitted channel values are \[1, 3\], but found 4"):
        F.adjust_gamma(mdl.zeros(4, 5, 6), 1.5)


def test_grey_of_one_channel_stays_one_channel():
    # torchvision 0.29.1 expands the grey image to the input's shape: (1, H, W) stays (1, H, W)
    x = mdl.from_numpy(RAMP.copy())
    assert tuple(F.rgb_to_grayscale(x, 3).shape) == (1, 7, 11)
    assert tuple(T.RandomGrayscale(1.0)(x).shape) == (1, 7, 11)
    with pytest.raises(ValueError, match="num_output_channels should be either 1 or 3"):
        T.Grayscale(2)(mdl.from_numpy(np.zeros((3, 4, 4), np.uint8)))    # refused when called, not built


def test_pil_colour_factors_go_to_pillow():
    # Pillow is the reference: torchvision's PIL backend hands any factor to ImageEnhance
    img = _pil()
    np.testing.assert_array_equal(np.asarray(F.adjust_brightness(img, -1)),
                                  np.asarray(ImageEnhance.Brightness(img).enhance(-1)))
    jit = T.ColorJitter(contrast=(0.6, 0.6))(img)   # torchvision draws factors in float32
    expected = ImageEnhance.Contrast(img).enhance(float(np.float32(0.6)))
    np.testing.assert_array_equal(np.asarray(jit), np.asarray(expected))


def test_color_jitter_tensor_factors_are_float32():
    # expected values read off torchvision 0.29.1 (its factor is float32(1.8), not 1.8)
    x = mdl.from_numpy((np.arange(18, dtype=np.uint8).reshape(3, 2, 3) * 14 + 5))
    expected = [[[0, 0, 0], [0, 6, 20]], [[101, 115, 129], [143, 157, 171]], [[253, 255, 255], [255, 255, 255]]]
    np.testing.assert_array_equal(T.ColorJitter(saturation=(1.8, 1.8))(x).numpy(), expected)


def test_normalize_and_erase_shape_errors_as_torchvision():
    # exception types and messages read off torchvision 0.29.1
    one = mdl.from_numpy(np.zeros((1, 4, 5), np.float32))
    with pytest.raises(RuntimeError, match=r"output with shape \[1, 4, 5\] doesn't match the broadcast shape \[3, 4"):
        F.normalize(one, [0.5, 0.4, 0.3], [0.2, 0.3, 0.25])
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        T.Normalize([0.5, 0.4, 0.3], [0.2, 0.3, 0.25])(one)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(one, [0.5, 0.4, 0.3], [0.2, 0.0, 0.25])
    with pytest.raises(TypeError, match="should be a float tensor"):
        T.Normalize([0.5], [0.0])(mdl.from_numpy(RAMP.copy()))
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(1\) must match the existing size \(3\)"):
        F.erase(mdl.from_numpy(RAMP.copy()), 1, 2, 3, 4, mdl.zeros(3, 1, 1))


def test_geometry_classes_take_2d_tensors():
    # NumPy reasoning: torchvision's flips and crops act on the last two axes of an (H, W) Tensor
    flat = RAMP[0].copy()
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(mdl.from_numpy(flat)).numpy(), flat[:, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(mdl.from_numpy(flat)).numpy(), flat[::-1])
    np.testing.assert_array_equal(T.CenterCrop((3, 5))(mdl.from_numpy(flat)).numpy(), flat[2:5, 3:8])


def test_pil_to_tensor_keeps_modes_as_torchvision():
    # NumPy reasoning (torchvision's rule): one band per PIL band and the dtype NumPy gives the mode
    rgb = _pil()
    pal = rgb.convert("P")
    np.testing.assert_array_equal(F.pil_to_tensor(pal).numpy(), np.asarray(pal)[None])      # palette indices
    assert F.to_tensor(pal).shape == (1, 7, 11)
    ints = Image.fromarray(np.arange(77, dtype=np.int32).reshape(7, 11), "I")
    assert F.pil_to_tensor(ints).dtype == mdl.int32 and F.to_tensor(ints).dtype == mdl.int32
    np.testing.assert_array_equal(F.to_tensor(ints).numpy()[0], np.arange(77).reshape(7, 11))   # not scaled
    floats = Image.fromarray(np.linspace(0, 3, 77, dtype=np.float32).reshape(7, 11), "F")
    np.testing.assert_array_equal(F.to_tensor(floats).numpy()[0], np.asarray(floats))
    bits = rgb.convert("L").convert("1")
    assert F.pil_to_tensor(bits).dtype == mdl.bool
    np.testing.assert_array_equal(F.to_tensor(bits).numpy()[0], np.asarray(bits) * 1.0)   # 255 * bit / 255


def test_to_pil_image_modes_as_torchvision():
    # NumPy reasoning: one channel of int16 / int32 / float32 becomes mode I;16 / I / F with the same values
    i16 = np.arange(77, dtype=np.int16).reshape(7, 11, 1) * 300
    img = F.to_pil_image(i16)
    assert img.mode == "I;16"
    np.testing.assert_array_equal(np.asarray(img), i16[..., 0])
    f1 = np.linspace(0, 1, 77, dtype=np.float32).reshape(1, 7, 11)
    img = F.to_pil_image(mdl.from_numpy(f1), "F")
    assert img.mode == "F"
    np.testing.assert_array_equal(np.asarray(img), f1[0])
    # message read off torchvision 0.29.1
    with pytest.raises(ValueError, match=r"Only modes \['RGB', 'YCbCr', 'HSV'\] are supported for 3D inputs"):
        F.to_pil_image(mdl.zeros(3, 4, 5, dtype=mdl.int16), "I;16")


def test_convert_image_dtype_integer_conversions_as_torchvision():
    # expected values read off torchvision 0.29.1
    x = mdl.tensor([[[0, 1, 127, 128, 255]]], dtype=mdl.uint8)
    np.testing.assert_array_equal(F.convert_image_dtype(x, mdl.int16).numpy(), [[[0, 128, 16256, 16384, 32640]]])
    back = F.convert_image_dtype(F.convert_image_dtype(x, mdl.int32), mdl.uint8)
    np.testing.assert_array_equal(back.numpy(), x.numpy())
    half = F.convert_image_dtype(mdl.tensor([[[0, 1000, 2 ** 31 - 1]]], dtype=mdl.int32), mdl.float16)
    np.testing.assert_array_equal(half.numpy(), np.array([[[0.0, 4.76837158203125e-07, np.inf]]], np.float16))
    with pytest.raises(RuntimeError, match="The cast from torch.float32 to torch.int32 cannot be performed safely"):
        F.convert_image_dtype(mdl.zeros(1, 2, 2), mdl.int32)


def test_random_crop_pad_if_needed_pads_both_sides():
    # torchvision 0.29.1's rule: a side short of the crop by d is padded by d on both ends, so the image
    # lands at a random offset in [0, 2d]; NumPy reasoning on a 3-wide image cropped 5 wide (d = 2)
    x = mdl.from_numpy(np.full((1, 3, 3), 7, np.uint8))
    starts = set()
    for seed in range(40):
        mdl.manual_seed(seed)
        cols = np.nonzero(T.RandomCrop((3, 5), pad_if_needed=True)(x).numpy()[0, 0])[0]
        assert len(cols) == 3 and cols[-1] - cols[0] == 2
        starts.add(int(cols[0]))
    assert starts == {0, 1, 2}


def test_fill_that_is_no_number_fails_where_converted():
    # exception types read off torchvision 0.29.1: it converts the fill (float for Tensors, int for PIL)
    with pytest.raises(ValueError, match="could not convert string to float"), pytest.warns(UserWarning):
        F.rotate(mdl.from_numpy(RAMP.copy()), 30, fill="a")
    with pytest.raises(ValueError, match="invalid literal for int"):
        F.rotate(_pil(), 30, fill="a")
    T.RandomAffine(10, fill="a")    # a str is a Sequence: accepted when built, as torchvision's
    with pytest.raises(TypeError, match="fill should be int or float or a list or tuple of them"):
        T.ElasticTransform(fill=None)    # message read off torchvision 0.29.1
    assert T.ElasticTransform(fill=(1, 2, 3)).fill == [1.0, 2.0, 3.0]


def test_pil_gaussian_blur_goes_through_a_tensor_in_the_same_mode():
    # torchvision 0.29.1 blurs PIL images as pil_to_tensor -> Tensor blur -> to_pil_image(mode=img.mode),
    # so a palette image is refused (message read off torchvision 0.29.1) and an RGB one stays RGB
    with pytest.raises(ValueError, match=r"Incorrect mode \(P\) supplied"):
        F.gaussian_blur(_pil().convert("P"), 3)
    img = _pil()
    out = F.gaussian_blur(img, 3)
    assert out.mode == "RGB" and out.size == img.size
    chw = mdl.from_numpy(np.asarray(img).transpose(2, 0, 1).copy())
    np.testing.assert_array_equal(np.asarray(out), F.gaussian_blur(chw, 3).numpy().transpose(1, 2, 0))


def test_color_jitter_on_a_2d_tensor_as_torchvision():
    # torchvision 0.29.1: brightness works on an (H, W) Tensor (NumPy reasoning: 0.5 * x, truncated),
    # contrast raises IndexError (its mean is over dims (-3, -2, -1))
    flat = mdl.from_numpy(RAMP[0].copy())
    out = T.ColorJitter(brightness=(0.5, 0.5))(flat)
    np.testing.assert_array_equal(out.numpy(), (RAMP[0] * np.float32(0.5)).astype(np.uint8))
    with pytest.raises(IndexError):
        T.ColorJitter(contrast=(0.5, 0.5))(flat)
