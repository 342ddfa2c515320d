"""Regressions from session 15's differential sweep of minidl.vision.transforms(.functional) against
torchvision 0.29.1. Expected values are either literal values read off torchvision 0.29.1 (said so
at each) or derived with NumPy / Pillow alone."""
import numpy as np
import pytest
from PIL import Image

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
