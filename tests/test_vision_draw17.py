"""minidl.vision.utils.draw_bounding_boxes / draw_segmentation_masks / draw_keypoints /
flow_to_image against torchvision's pixels.

The expected outputs are tests/fixtures/draw17.npz, made by tests/fixtures/make_draw17.py, which
runs this file's CASES under torchvision 0.29.1 / torch 2.14.1 / Pillow 13.0.0. This file runs
under torchvision too, with the imports switched:
    sed -e 's/^import minidl as torch/import torch/' -e 's/from minidl.vision/from torchvision/'
"""
import hashlib
from pathlib import Path

import numpy as np
import pytest

import minidl as torch
from minidl.vision.utils import draw_bounding_boxes, draw_keypoints, draw_segmentation_masks, flow_to_image

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "draw17.npz"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_MD5 = hashlib.md5(FONT.read_bytes()).hexdigest() if FONT.is_file() else None


def image(c=3, h=24, w=32, seed=0, dtype="uint8"):
    arr = np.random.default_rng(seed).integers(0, 256, (c, h, w), dtype=np.uint8)
    if dtype == "float":
        return torch.from_numpy(arr.astype(np.float32) / 255)
    return torch.from_numpy(arr)


def blank(h=24, w=32):
    return torch.from_numpy(np.full((3, h, w), 40, dtype=np.uint8))


BOXES = [[2, 3, 20, 15], [10.7, 8.2, 30.9, 22.5], [0, 0, 31, 23]]
ROTATED = [[4, 4, 20, 2, 24, 14, 8, 16]]
MASKS = np.zeros((3, 24, 32), dtype=bool)
MASKS[0, 2:12, 3:20] = True
MASKS[1, 8:20, 15:30] = True
MASKS[2, 18:24, 0:6] = True
KPTS = [[[3, 4], [20, 6], [16.6, 18.2], [28, 20]], [[5, 20], [12, 12], [25, 3], [30, 10]]]
CONN = [(0, 1), (1, 2), (2, 3)]
VIS = [[True, True, False, True], [True, False, True, True]]


def flow(n, seed, h=20, w=24):
    shape = (2, h, w) if n is None else (n, 2, h, w)
    return torch.from_numpy(np.random.default_rng(seed).normal(0, 3, shape).astype(np.float32))


def bb(img, boxes=BOXES, **kw):
    return draw_bounding_boxes(img, torch.tensor(boxes), **kw)


CASES = {
    "box_default_colors": lambda: bb(image()),
    "box_named_colors": lambda: bb(blank(), colors=["red", "#00FF00", (10, 20, 250)]),
    "box_one_color_width3": lambda: bb(blank(), colors="yellow", width=3),
    "box_fill": lambda: bb(image(seed=1), colors=["red", "blue", "white"], fill=True),
    "box_labels": lambda: bb(blank(40, 48), [[2, 2, 40, 30], [20, 20, 46, 38]], labels=["cat", "dog"],
                             colors="orange"),
    "box_fill_labels": lambda: bb(blank(40, 48), [[2, 2, 40, 30]], labels=["Ag"], fill_labels=True,
                                  colors="white", label_colors="blue", label_background_colors="pink"),
    "box_fill_labels_default": lambda: bb(blank(40, 48), [[2, 2, 40, 30]], labels=["x"], fill_labels=True,
                                          colors="cyan"),
    "box_label_colors": lambda: bb(blank(40, 48), [[2, 2, 40, 30]], labels=["hi"], label_colors=(255, 0, 255)),
    "box_gray": lambda: bb(image(c=1, seed=2), colors="red"),
    "box_float": lambda: bb(image(seed=3, dtype="float"), colors=["red", "green", "blue"], fill=True),
    "box_rotated": lambda: bb(blank(), ROTATED, colors="white", width=2),
    "box_rotated_fill": lambda: bb(blank(), ROTATED, colors="red", fill=True, labels=["r"]),
    "mask_default": lambda: draw_segmentation_masks(image(), torch.from_numpy(MASKS)),
    "mask_colors_alpha": lambda: draw_segmentation_masks(image(seed=4), torch.from_numpy(MASKS), alpha=0.35,
                                                         colors=["red", (0, 255, 0), "#0000ff"]),
    "mask_single_2d": lambda: draw_segmentation_masks(image(seed=5), torch.from_numpy(MASKS[1]), alpha=0.5,
                                                      colors="purple"),
    "mask_alpha_1": lambda: draw_segmentation_masks(image(seed=6), torch.from_numpy(MASKS), alpha=1.0),
    "mask_float": lambda: draw_segmentation_masks(image(seed=7, dtype="float"), torch.from_numpy(MASKS),
                                                  alpha=0.6, colors="yellow"),
    "kpts_default": lambda: draw_keypoints(image(), torch.tensor(KPTS)),
    "kpts_conn": lambda: draw_keypoints(blank(), torch.tensor(KPTS), connectivity=CONN, colors="blue",
                                        radius=3, width=2),
    "kpts_visibility": lambda: draw_keypoints(blank(), torch.tensor(KPTS), connectivity=CONN,
                                              colors=(255, 0, 0), visibility=torch.tensor(VIS)),
    "kpts_visibility_3d": lambda: draw_keypoints(blank(), torch.tensor(KPTS), connectivity=CONN,
                                                 visibility=torch.tensor(VIS)[..., None]),
    "kpts_float": lambda: draw_keypoints(image(seed=8, dtype="float"), torch.tensor(KPTS), colors="white",
                                         radius=1),
    "flow_batch": lambda: flow_to_image(flow(2, 3)),
    "flow_single": lambda: flow_to_image(flow(None, 4)),
    "flow_zero": lambda: flow_to_image(torch.zeros(2, 5, 6)),
}
if FONT_MD5 is not None:
    CASES["box_font"] = lambda: bb(blank(40, 64), [[2, 2, 60, 36]], labels=["Font"], font=str(FONT),
                                   font_size=14, colors="white")


@pytest.fixture(scope="module")
def expected():
    with np.load(FIXTURE) as z:
        return dict(z)


@pytest.mark.parametrize("name", sorted(CASES))
def test_pixels_match_torchvision(name, expected):
    if name == "box_font" and str(expected.get("font_md5", "")) != FONT_MD5:
        pytest.skip(f"{FONT} is not the font file the fixture was made with")
    out = CASES[name]()
    assert isinstance(out, torch.Tensor)
    got = out.numpy()
    want = expected[name]
    assert got.shape == want.shape and got.dtype == want.dtype
    if name.startswith("flow"):  # atan2 may differ by an ulp between libms: floor() may move by 1
        diff = np.abs(got.astype(int) - want.astype(int))
        assert diff.max() <= 1 and (diff > 0).mean() < 0.01
    elif got.dtype == np.uint8:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_outputs_are_new_tensors():
    img = blank()
    before = img.numpy().copy()
    out = bb(img, colors="red")
    np.testing.assert_array_equal(img.numpy(), before)
    assert out.dtype == torch.uint8 and tuple(out.shape) == (3, 24, 32)
    assert draw_segmentation_masks(img, torch.from_numpy(MASKS)).dtype == torch.uint8
    assert draw_keypoints(image(dtype="float"), torch.tensor(KPTS)).dtype == torch.float32


def test_empty_inputs_warn_and_return_the_image():
    img = blank()
    with pytest.warns(UserWarning, match="boxes doesn't contain any box. No box was drawn"):
        assert draw_bounding_boxes(img, torch.zeros(0, 4)) is img
    with pytest.warns(UserWarning, match="masks doesn't contain any mask. No mask was drawn"):
        assert draw_segmentation_masks(img, torch.zeros(0, 24, 32, dtype=torch.bool)) is img
    with pytest.warns(UserWarning, match="Argument 'font_size' will be ignored since 'font' is not set."):
        bb(img, font_size=12)


def test_bounding_box_errors():
    boxes = torch.tensor([[1, 1, 5, 5]])
    with pytest.raises(TypeError, match="Tensor expected, got <class 'numpy.ndarray'>"):
        draw_bounding_boxes(np.zeros((3, 8, 8), np.uint8), boxes)
    with pytest.raises(ValueError, match="The image dtype must be uint8 or float, got .*int32"):
        draw_bounding_boxes(torch.zeros(3, 8, 8, dtype=torch.int32), boxes)
    with pytest.raises(ValueError, match="Pass individual images, not batches"):
        draw_bounding_boxes(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), boxes)
    with pytest.raises(ValueError, match="Only grayscale and RGB images are supported"):
        draw_bounding_boxes(torch.zeros(4, 8, 8, dtype=torch.uint8), boxes)
    with pytest.raises(ValueError, match=r"Boxes need to be in \(xmin, ymin, xmax, ymax\) format. Use "
                                         "torchvision.ops.box_convert to convert them"):
        draw_bounding_boxes(blank(), torch.tensor([[5, 1, 1, 5]]))
    with pytest.raises(ValueError, match=r"Number of boxes \(1\) and labels \(2\) mismatch. Please specify "
                                         "labels for each box."):
        draw_bounding_boxes(blank(), boxes, labels=["a", "b"])
    with pytest.raises(ValueError, match="Number of colors must be equal or larger than the number of objects, "
                                         "but got 1 < 3."):
        bb(blank(), colors=["red"])
    with pytest.raises(ValueError, match="colors must be a tuple or a string, or a list thereof, but got 5."):
        bb(blank(), colors=5)
    with pytest.raises(ValueError, match=r"If passed as tuple, colors should be an RGB triplet, but got \(1, 2\)."):
        bb(blank(), colors=(1, 2))
    with pytest.raises(ValueError, match="unknown color specifier"):
        bb(blank(), colors="notacolor")


def test_segmentation_mask_errors():
    masks = torch.from_numpy(MASKS)
    with pytest.raises(TypeError, match="The image must be a tensor, got <class 'numpy.ndarray'>"):
        draw_segmentation_masks(np.zeros((3, 24, 32), np.uint8), masks)
    with pytest.raises(ValueError, match="Pass an RGB image. Other Image formats are not supported"):
        draw_segmentation_masks(image(c=1), masks)
    with pytest.raises(ValueError, match="Pass individual images, not batches"):
        draw_segmentation_masks(torch.zeros(2, 3, 24, 32, dtype=torch.uint8), masks)
    with pytest.raises(ValueError, match=r"masks must be of shape \(H, W\) or \(batch_size, H, W\)"):
        draw_segmentation_masks(blank(), torch.zeros(1, 1, 24, 32, dtype=torch.bool))
    with pytest.raises(ValueError, match="The masks must be of dtype bool. Got .*uint8"):
        draw_segmentation_masks(blank(), torch.zeros(1, 24, 32, dtype=torch.uint8))
    with pytest.raises(ValueError, match="The image and the masks must have the same height and width"):
        draw_segmentation_masks(blank(), torch.zeros(1, 20, 32, dtype=torch.bool))


def test_keypoint_errors():
    kpts = torch.tensor(KPTS)
    with pytest.raises(TypeError, match="The image must be a tensor, got <class 'list'>"):
        draw_keypoints([[0]], kpts)
    with pytest.raises(ValueError, match="Pass an RGB image. Other Image formats are not supported"):
        draw_keypoints(image(c=1), kpts)
    with pytest.raises(ValueError, match=r"keypoints must be of shape \(num_instances, K, 2\)"):
        draw_keypoints(blank(), kpts[0])
    with pytest.raises(ValueError, match=r"visibility must be of shape \(num_instances, K\). Got ndim=1"):
        draw_keypoints(blank(), kpts, visibility=torch.tensor([True, False]))
    with pytest.raises(ValueError, match="keypoints and visibility must have the same dimensionality for "
                                         "num_instances and K. Got visibility.shape="):
        draw_keypoints(blank(), kpts, visibility=torch.ones(2, 3, dtype=torch.bool))


def test_flow_to_image_errors():
    with pytest.raises(ValueError, match="Flow should be of dtype torch.float, got .*float64."):
        flow_to_image(torch.zeros(2, 4, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"Input flow should have shape \(2, H, W\) or \(N, 2, H, W\), got "):
        flow_to_image(torch.zeros(3, 4, 4))
