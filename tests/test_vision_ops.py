"""minidl.vision.ops as torchvision.ops: box utilities, nms/batched_nms, sigmoid_focal_loss."""
import numpy as np
import pytest

import minidl
from minidl.autograd import gradcheck, gradgradcheck
from minidl.vision import ops


def _boxes(rows, dtype=minidl.float32):
    return minidl.tensor(rows, dtype=dtype)


def test_box_iou_area_giou():
    a = _boxes([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
    b = _boxes([[1.0, 1.0, 3.0, 3.0]])
    np.testing.assert_allclose(ops.box_area(a).numpy(), [4.0, 1.0])
    np.testing.assert_allclose(ops.box_iou(a, b).numpy(), [[1 / 7], [0.0]], rtol=1e-6)
    # enclosing box of a[0] and b is 3x3: giou = 1/7 - (9 - 7) / 9
    np.testing.assert_allclose(ops.generalized_box_iou(a, b).numpy()[0, 0], 1 / 7 - 2 / 9, rtol=1e-6)
    with pytest.raises(ValueError, match=r"shape \(N, 4\), got \(2, 3\)"):
        ops.box_iou(a[:, :3], b)


def test_box_convert_round_trip_and_clip():
    xyxy = _boxes([[1.0, 2.0, 5.0, 10.0]])
    np.testing.assert_allclose(ops.box_convert(xyxy, "xyxy", "cxcywh").numpy(), [[3.0, 6.0, 4.0, 8.0]])
    np.testing.assert_allclose(ops.box_convert(xyxy, "xyxy", "xywh").numpy(), [[1.0, 2.0, 4.0, 8.0]])
    for fmt in ("xywh", "cxcywh"):
        np.testing.assert_allclose(ops.box_convert(ops.box_convert(xyxy, "xyxy", fmt), fmt, "xyxy").numpy(),
                                   xyxy.numpy())
    np.testing.assert_allclose(ops.clip_boxes_to_image(_boxes([[-1.0, 2.0, 50.0, 7.0]]), (6, 40)).numpy(),
                               [[0.0, 2.0, 40.0, 6.0]])
    assert ops.remove_small_boxes(_boxes([[0, 0, 1, 5], [0, 0, 3, 3]]), 2).tolist() == [1]


def test_nms_and_batched_nms():
    boxes = _boxes([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9]])
    scores = minidl.tensor([0.9, 0.8, 0.7, 0.95])
    keep = ops.nms(boxes, scores, 0.5)
    assert keep.dtype == minidl.int64 and keep.tolist() == [3, 2]
    assert ops.nms(boxes, scores, 0.95).tolist() == [3, 0, 1, 2]
    assert ops.batched_nms(boxes, scores, minidl.tensor([0, 1, 0, 0]), 0.5).tolist() == [3, 1, 2]


def test_differentiable_composites():
    rng = np.random.default_rng(0)
    lo = rng.random((3, 2)) * 2
    boxes = minidl.tensor(np.concatenate([lo, lo + 1 + rng.random((3, 2))], 1), dtype=minidl.float64,
                          requires_grad=True)
    other = minidl.tensor([[0.5, 0.5, 2.5, 2.0], [1.0, 0.2, 3.0, 3.0]], dtype=minidl.float64)
    for fn in (lambda t: ops.box_iou(t, other), lambda t: ops.generalized_box_iou(t, other)):
        assert gradcheck(fn, (boxes,))
        assert gradgradcheck(fn, (boxes,))
    logits = minidl.tensor(rng.standard_normal(6), dtype=minidl.float64, requires_grad=True)
    targets = minidl.tensor([1.0, 0, 0, 1, 1, 0], dtype=minidl.float64)
    assert gradcheck(lambda t: ops.sigmoid_focal_loss(t, targets, reduction="mean"), (logits,))
    assert gradgradcheck(lambda t: ops.sigmoid_focal_loss(t, targets, reduction="sum"), (logits,))


def test_focal_loss_value():
    x, y = np.array([0.3, -1.2]), np.array([1.0, 0.0])
    p = 1 / (1 + np.exp(-x))
    ce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    p_t = p * y + (1 - p) * (1 - y)
    expected = (0.25 * y + 0.75 * (1 - y)) * ce * (1 - p_t) ** 2
    got = ops.sigmoid_focal_loss(minidl.tensor(x), minidl.tensor(y))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="reduction"):
        ops.sigmoid_focal_loss(minidl.tensor(x), minidl.tensor(y), reduction="avg")
