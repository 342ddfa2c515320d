"""``minidl.vision.ops`` as ``torchvision.ops``: box utilities (``box_area``, ``box_iou``,
``generalized_box_iou``, ``box_convert``, ``clip_boxes_to_image``, ``remove_small_boxes``),
non-maximum suppression (``nms``, ``batched_nms``), ``sigmoid_focal_loss``, and the model layers
``stochastic_depth``/``StochasticDepth``, ``Permute``, ``MLP``, ``Conv2dNormActivation`` and
``SqueezeExcitation``.

Boxes are (N, 4) Tensors in ``(x1, y1, x2, y2)`` form unless a ``fmt`` says otherwise.
The IoU functions and the focal loss are built from differentiable Tensor ops.
"""
from __future__ import annotations

import numpy as np

import minidl
import minidl.nn.functional as F
from minidl.tensor import Tensor

from ._ops_layers import MLP, Permute, StochasticDepth, stochastic_depth
from .models.mobilenetv2 import Conv2dNormActivation
from .models.mobilenetv3 import SqueezeExcitation

__all__ = ["box_area", "box_iou", "generalized_box_iou", "box_convert", "clip_boxes_to_image",
           "remove_small_boxes", "nms", "batched_nms", "sigmoid_focal_loss", "stochastic_depth", "StochasticDepth",
           "Permute", "MLP", "Conv2dNormActivation", "SqueezeExcitation"]


def _check_boxes(name, boxes):
    if not isinstance(boxes, Tensor):
        raise TypeError(f"{name}: boxes must be a Tensor, got {type(boxes).__name__}")
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"{name}: boxes must have shape (N, 4), got {tuple(boxes.shape)}")


def box_area(boxes: Tensor) -> Tensor:
    """Areas (N,) of (N, 4) ``(x1, y1, x2, y2)`` boxes."""
    _check_boxes("box_area", boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _inter_union(boxes1, boxes2):
    area1, area2 = box_area(boxes1), box_area(boxes2)
    lt = minidl.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    rb = minidl.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter, area1[:, None] + area2[None, :] - inter


def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise intersection over union (N, M) of (N, 4) and (M, 4) boxes."""
    _check_boxes("box_iou", boxes1)
    _check_boxes("box_iou", boxes2)
    inter, union = _inter_union(boxes1, boxes2)
    return inter / union


def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise generalized IoU (N, M): IoU minus the share of the enclosing box covered by neither."""
    _check_boxes("generalized_box_iou", boxes1)
    _check_boxes("generalized_box_iou", boxes2)
    inter, union = _inter_union(boxes1, boxes2)
    lt = minidl.minimum(boxes1[:, None, :2], boxes2[None, :, :2])
    rb = minidl.maximum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    enclosing = wh[..., 0] * wh[..., 1]
    return inter / union - (enclosing - union) / enclosing


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Convert boxes between ``"xyxy"``, ``"xywh"`` (corner, size) and ``"cxcywh"`` (centre, size)."""
    formats = ("xyxy", "xywh", "cxcywh")
    if in_fmt not in formats or out_fmt not in formats:
        raise ValueError("Unsupported Bounding Box Conversions for given in_fmt and out_fmt")
    if in_fmt == out_fmt:
        return boxes.clone()
    a, b, c, d = boxes.unbind(-1)
    if in_fmt == "xywh":
        a, b, c, d = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        a, b, c, d = a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d
    if out_fmt == "xywh":
        a, b, c, d = a, b, c - a, d - b
    elif out_fmt == "cxcywh":
        a, b, c, d = (a + c) / 2, (b + d) / 2, c - a, d - b
    return minidl.stack([a, b, c, d], dim=-1)


def clip_boxes_to_image(boxes: Tensor, size) -> Tensor:
    """Boxes clipped to an image of ``size = (height, width)``."""
    height, width = size
    x = boxes[..., 0::2].clamp(min=0, max=width)
    y = boxes[..., 1::2].clamp(min=0, max=height)
    return minidl.stack([x, y], dim=-1).reshape(boxes.shape)


def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Indices (int64) of the boxes whose sides are both at least ``min_size``."""
    ws, hs = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return minidl.where((ws >= min_size) & (hs >= min_size))[0]


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Indices (int64) of the boxes kept by non-maximum suppression, by decreasing score: a box is
    dropped when its IoU with a higher-scoring kept box is above ``iou_threshold``."""
    _check_boxes("nms", boxes)
    if scores.ndim != 1 or scores.shape[0] != boxes.shape[0]:
        raise ValueError(f"nms: scores must have shape ({boxes.shape[0]},), got {tuple(scores.shape)}")
    b = boxes.detach().numpy().astype(np.float64)
    order = np.argsort(-scores.detach().numpy(), kind="stable")
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    keep = []
    suppressed = np.zeros(len(b), bool)
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        lt = np.maximum(b[i, :2], b[:, :2])
        rb = np.minimum(b[i, 2:], b[:, 2:])
        wh = np.clip(rb - lt, 0, None)
        inter = wh[:, 0] * wh[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            iou = inter / (area[i] + area - inter)
        suppressed |= iou > iou_threshold
    return minidl.tensor(np.asarray(keep, dtype=np.int64))


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """``nms`` within each category ``idxs`` (boxes of different categories never suppress each other)."""
    if boxes.numel() == 0:
        return minidl.tensor(np.zeros(0, np.int64))
    b = boxes.detach()
    offsets = idxs.detach().to(b.dtype) * (b.max() + 1)
    return nms(b + offsets[:, None], scores, iou_threshold)


def sigmoid_focal_loss(inputs: Tensor, targets: Tensor, alpha: float = 0.25, gamma: float = 2,
                       reduction: str = "none") -> Tensor:
    """RetinaNet's focal loss of logits ``inputs`` against 0/1 ``targets`` (same shape)."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes: "
                         "'none', 'mean', 'sum'")
    p = minidl.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss
