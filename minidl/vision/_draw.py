"""torchvision.utils' drawing functions: ``draw_bounding_boxes``, ``draw_segmentation_masks``,
``draw_keypoints``. Images are (C, H, W) uint8 (or float in [0, 1]) Tensors; drawing is
Pillow's, called as torchvision calls it, so the pixels match torchvision's."""
from __future__ import annotations

import math
import warnings

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

from .. import backend
from ..tensor import Tensor

__all__ = ["draw_bounding_boxes", "draw_segmentation_masks", "draw_keypoints", "flow_to_image"]


def _np(x):
    """A Tensor / array / nested list as a CPU ndarray."""
    if isinstance(x, Tensor):
        return np.asarray(backend.to_device(x.array, "cpu"))
    return np.asarray(x)


def _like(arr, ref):
    """``arr`` as a Tensor on the device of the Tensor ``ref`` (the input, as torchvision's)."""
    out = Tensor(np.ascontiguousarray(arr))
    device = getattr(ref, "device", None)
    return out if device is None or getattr(device, "type", "cpu") == "cpu" else out.to(device)


def _dtype_name(arr):
    return f"minidl.{np.dtype(arr.dtype).name}"


def _check_image(image, type_message, rgb_only=True):
    """The image as an ndarray after torchvision's checks (in torchvision's order)."""
    if not isinstance(image, Tensor):
        raise TypeError(type_message.format(type(image)))
    arr = _np(image)
    if not (arr.dtype == np.uint8 or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"The image dtype must be uint8 or float, got {_dtype_name(arr)}")
    if arr.ndim != 3:
        raise ValueError("Pass individual images, not batches")
    if rgb_only and arr.shape[0] != 3:
        raise ValueError("Pass an RGB image. Other Image formats are not supported")
    if not rgb_only and arr.shape[0] not in (1, 3):
        raise ValueError("Only grayscale and RGB images are supported")
    return arr


def _to_uint8(arr):
    """torchvision's ``to_dtype(image, uint8, scale=True)``: float [0, 1] -> uint8."""
    if arr.dtype == np.uint8:
        return arr
    return (arr * arr.dtype.type(255 + 1.0 - 1e-3)).astype(np.uint8)


def _from_uint8(out, dtype):
    """torchvision's ``to_dtype(out, float dtype, scale=True)``."""
    if dtype == np.uint8:
        return out
    return out.astype(dtype) * dtype.type(1.0 / 255)


def _generate_color_palette(num_objects):
    palette = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1], dtype=np.int64)
    return [tuple(int(v) for v in (i * palette) % 255) for i in range(num_objects)]


def _parse_colors(colors, *, num_objects, floating=False):
    """torchvision's color specification: None (a palette), one color, or a list of colors;
    each a Pillow color string or an RGB tuple. Returns RGB tuples (in [0, 1] if ``floating``)."""
    if colors is None:
        colors = _generate_color_palette(num_objects)
    elif isinstance(colors, list):
        if len(colors) < num_objects:
            raise ValueError("Number of colors must be equal or larger than the number of objects, "
                             f"but got {len(colors)} < {num_objects}.")
    elif not isinstance(colors, (tuple, str)):
        raise ValueError(f"colors must be a tuple or a string, or a list thereof, but got {colors}.")
    elif isinstance(colors, tuple) and len(colors) != 3:
        raise ValueError(f"If passed as tuple, colors should be an RGB triplet, but got {colors}.")
    else:
        colors = [colors] * num_objects
    colors = [ImageColor.getrgb(c) if isinstance(c, str) else c for c in colors]
    if floating:
        colors = [tuple(v / 255 for v in c) for c in colors]
    return colors


class _ImageDrawTV(ImageDraw.ImageDraw):
    """Pillow's ImageDraw plus torchvision's rotated boxes (first edge dashed)."""

    def oriented_rectangle(self, xy, fill=None, outline=None, width=1):
        """The quadrilateral ``xy`` (x1, y1, ..., x4, y4); the edge 1-2 is dashed."""
        self.dashed_line(((xy[0], xy[1]), (xy[2], xy[3])), width=width, fill=outline)
        for i in range(2, len(xy), 2):
            self.line(((xy[i], xy[i + 1]), (xy[(i + 2) % len(xy)], xy[(i + 3) % len(xy)])),
                      width=width, fill=outline)
        self.polygon(xy, fill=fill, outline=None, width=0)

    def dashed_line(self, xy, fill=None, width=0, joint=None, dash_length=5, space_length=5):
        """A polyline of ``dash_length`` dashes and ``space_length`` gaps."""
        current_dash = True
        for i in range(1, len(xy)):
            x1, y1 = xy[i - 1]
            x2, y2 = xy[i]
            segment_length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
            while segment_length > 0:
                step = min(segment_length, dash_length if current_dash else space_length)
                angle = math.atan2(y2 - y1, x2 - x1)
                end_x = x1 + math.cos(angle) * step
                end_y = y1 + math.sin(angle) * step
                if current_dash:
                    self.line([(x1, y1), (end_x, end_y)], fill, width, joint)
                segment_length -= step
                x1, y1 = end_x, end_y
                current_dash = not current_dash


def draw_bounding_boxes(image, boxes, labels=None, colors=None, fill=False, width=1, font=None,
                        font_size=None, label_colors=None, label_background_colors=None,
                        fill_labels=False):
    """Draw ``boxes`` on ``image`` (torchvision.utils.draw_bounding_boxes).

    image: (1 or 3, H, W) uint8 Tensor (or float in [0, 1]); boxes: (N, 4) as
    (xmin, ymin, xmax, ymax), or (N, 8) corners of rotated boxes. ``labels``: one
    string per box, written inside its top-left corner with ``font`` (a TrueType
    file; Pillow's default font otherwise) of ``font_size``. ``colors``: one color
    or a list (Pillow strings or RGB tuples; None: a fixed palette). ``fill``
    fills the boxes at alpha 100/255. Returns a (3, H, W) Tensor of the input dtype.

    >>> import minidl as mdl
    >>> img = mdl.zeros(3, 8, 8, dtype=mdl.uint8)
    >>> draw_bounding_boxes(img, mdl.tensor([[1, 1, 5, 5]]), colors="red")[0, 1, 1].item()
    255
    """
    arr = _check_image(image, "Tensor expected, got {}", rgb_only=False)
    box = _np(boxes)
    if box.shape[-1] == 4 and ((box[:, 0] > box[:, 2]).any() or (box[:, 1] > box[:, 3]).any()):
        raise ValueError("Boxes need to be in (xmin, ymin, xmax, ymax) format. "
                         "Use torchvision.ops.box_convert to convert them")
    num_boxes = box.shape[0]
    if num_boxes == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn", stacklevel=2)
        return image
    if labels is None:
        labels = [None] * num_boxes
    elif len(labels) != num_boxes:
        raise ValueError(f"Number of boxes ({num_boxes}) and labels ({len(labels)}) mismatch. "
                         "Please specify labels for each box.")
    colors = _parse_colors(colors, num_objects=num_boxes)
    if label_colors or fill_labels:
        label_colors = _parse_colors(label_colors if label_colors else "black", num_objects=num_boxes)
    else:
        label_colors = list(colors)
    if fill_labels and label_background_colors:
        label_background_colors = _parse_colors(label_background_colors, num_objects=num_boxes)
    else:
        label_background_colors = list(colors)
    if font is None:
        if font_size is not None:
            warnings.warn("Argument 'font_size' will be ignored since 'font' is not set.", stacklevel=2)
        txt_font = ImageFont.load_default()
    else:
        txt_font = ImageFont.truetype(font=font, size=font_size or 10)

    if arr.shape[0] == 1:
        arr = np.tile(arr, (3, 1, 1))
    original = arr.dtype
    pil = Image.fromarray(np.ascontiguousarray(_to_uint8(arr).transpose(1, 2, 0)))
    draw = _ImageDrawTV(pil, "RGBA") if fill else _ImageDrawTV(pil)
    for bbox, color, label, label_color, label_bg in zip(box.astype(np.int64).tolist(), colors, labels,
                                                         label_colors, label_background_colors):
        draw_method = draw.oriented_rectangle if len(bbox) > 4 else draw.rectangle
        draw_method(bbox, width=width, outline=color, fill=tuple(color) + (100,) if fill else None)
        if label is not None:
            box_margin = 1
            margin = width + box_margin
            if fill_labels:
                left, top, right, bottom = draw.textbbox((bbox[0] + margin, bbox[1] + margin), label,
                                                         font=txt_font)
                draw.rectangle((left - box_margin, top - box_margin, right + box_margin, bottom + box_margin),
                               fill=label_bg)
            draw.text((bbox[0] + margin, bbox[1] + margin), label, fill=label_color, font=txt_font)
    out = np.asarray(pil).transpose(2, 0, 1)
    return _like(_from_uint8(out, original), image)


def draw_segmentation_masks(image, masks, alpha=0.8, colors=None):
    """Blend boolean ``masks`` onto ``image`` (torchvision.utils.draw_segmentation_masks).

    image: (3, H, W) uint8 Tensor (or float in [0, 1]); masks: (N, H, W) or (H, W)
    bool. Each mask's pixels take its color (``colors`` as draw_bounding_boxes'),
    pixels of two or more masks become black, and the result is
    ``image * (1 - alpha) + painted * alpha`` in the input dtype.
    """
    arr = _check_image(image, "The image must be a tensor, got {}")
    m = _np(masks)
    if m.ndim == 2:
        m = m[None]
    if m.ndim != 3:
        raise ValueError("masks must be of shape (H, W) or (batch_size, H, W)")
    if m.dtype != np.bool_:
        raise ValueError(f"The masks must be of dtype bool. Got {_dtype_name(m)}")
    if m.shape[-2:] != arr.shape[-2:]:
        raise ValueError("The image and the masks must have the same height and width")
    num_masks = m.shape[0]
    if num_masks == 0:
        warnings.warn("masks doesn't contain any mask. No mask was drawn", stacklevel=2)
        return image
    overlapping = m.sum(axis=0) > 1
    floating = np.issubdtype(arr.dtype, np.floating)
    colors = [np.asarray(c, dtype=arr.dtype)
              for c in _parse_colors(colors, num_objects=num_masks, floating=floating)]
    painted = arr.copy()
    for mask, color in zip(m, colors):
        painted[:, mask] = color[:, None]
    painted[:, overlapping] = 0
    compute = arr.dtype.type if floating else np.float32
    out = arr.astype(compute) * compute(1 - alpha) + painted.astype(compute) * compute(alpha)
    return _like(out.astype(arr.dtype), image)


def draw_keypoints(image, keypoints, connectivity=None, colors=None, radius=2, width=3, visibility=None):
    """Draw keypoints and their connections (torchvision.utils.draw_keypoints).

    image: (3, H, W) uint8 Tensor (or float in [0, 1]); keypoints: (N, K, 2) as
    (x, y). Each visible point is a disc of ``radius`` in ``colors`` (a Pillow color
    string or RGB tuple); each ``(i, j)`` of ``connectivity`` whose two ends are
    visible is a line of ``width`` (Pillow's default color). ``visibility``:
    (N, K) bools, default all visible.
    """
    arr = _check_image(image, "The image must be a tensor, got {}")
    kpts = _np(keypoints)
    if kpts.ndim != 3:
        raise ValueError("keypoints must be of shape (num_instances, K, 2)")
    kshape = keypoints.shape if hasattr(keypoints, "shape") else kpts.shape
    if visibility is None:
        vis = np.ones(kpts.shape[:-1], dtype=bool)
        vshape = None
    else:
        vis = _np(visibility)
        vshape = visibility.shape if hasattr(visibility, "shape") else vis.shape
    if vis.ndim == 3 and vis.shape[-1] == 1:
        vis = vis[..., 0]
        vshape = vis.shape
    if vis.ndim != 2:
        raise ValueError(f"visibility must be of shape (num_instances, K). Got ndim={vis.ndim}")
    if vis.shape != kpts.shape[:-1]:
        raise ValueError("keypoints and visibility must have the same dimensionality for num_instances and K. "
                         f"Got visibility.shape={vshape or vis.shape} and keypoints.shape={kshape}")
    original = arr.dtype
    pil = Image.fromarray(np.ascontiguousarray(_to_uint8(arr).transpose(1, 2, 0)))
    draw = ImageDraw.Draw(pil)
    for kpt_inst, vis_inst in zip(kpts.astype(np.int64).tolist(), vis.astype(bool).tolist()):
        for (x, y), visible in zip(kpt_inst, vis_inst):
            if visible:
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colors, outline=None,
                             width=0)
        for i, j in connectivity or ():
            if vis_inst[i] and vis_inst[j]:
                draw.line(((kpt_inst[i][0], kpt_inst[i][1]), (kpt_inst[j][0], kpt_inst[j][1])), width=width)
    out = np.asarray(pil).transpose(2, 0, 1)
    return _like(_from_uint8(out, original), image)


def _make_colorwheel():
    """Baker et al.'s optical-flow color wheel: float32 (55, 3), as torchvision's."""
    ry, yg, gc, cb, bm, mr = 15, 6, 4, 11, 13, 6
    wheel = np.zeros((ry + yg + gc + cb + bm + mr, 3), dtype=np.float32)

    def ramp(n):
        return np.floor((255 * np.arange(n)) / np.float32(n)).astype(np.float32)

    col = 0
    wheel[0:ry, 0] = 255
    wheel[0:ry, 1] = ramp(ry)
    col += ry
    wheel[col:col + yg, 0] = 255 - ramp(yg)
    wheel[col:col + yg, 1] = 255
    col += yg
    wheel[col:col + gc, 1] = 255
    wheel[col:col + gc, 2] = ramp(gc)
    col += gc
    wheel[col:col + cb, 1] = 255 - ramp(cb)
    wheel[col:col + cb, 2] = 255
    col += cb
    wheel[col:col + bm, 2] = 255
    wheel[col:col + bm, 0] = ramp(bm)
    col += bm
    wheel[col:col + mr, 2] = 255 - ramp(mr)
    wheel[col:col + mr, 0] = 255
    return wheel


def flow_to_image(flow):
    """An optical flow (N, 2, H, W) or (2, H, W) float32 Tensor as a uint8 RGB image
    (N, 3, H, W) or (3, H, W) (torchvision.utils.flow_to_image): hue is the direction,
    saturation the magnitude relative to the largest."""
    arr = _np(flow)
    if arr.dtype != np.float32:
        raise ValueError(f"Flow should be of dtype torch.float, got {_dtype_name(arr)}.")
    orig_shape = tuple(arr.shape)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[1] != 2:
        shape = flow.shape if hasattr(flow, "shape") else orig_shape
        raise ValueError(f"Input flow should have shape (2, H, W) or (N, 2, H, W), got {shape}.")
    max_norm = np.sqrt(np.sum(arr * arr, axis=1)).max()
    normalized = arr / (max_norm + np.finfo(np.float32).eps)
    wheel = _make_colorwheel()
    num_cols = wheel.shape[0]
    norm = np.sqrt(np.sum(normalized * normalized, axis=1))
    a = np.arctan2(-normalized[:, 1], -normalized[:, 0]) / np.float32(np.pi)
    fk = (a + 1) / 2 * np.float32(num_cols - 1)
    k0 = np.floor(fk).astype(np.int64)
    k1 = k0 + 1
    k1[k1 == num_cols] = 0
    f = fk - k0.astype(np.float32)
    img = np.zeros((arr.shape[0], 3, arr.shape[2], arr.shape[3]), dtype=np.uint8)
    for c in range(3):
        col0 = wheel[k0, c] / np.float32(255.0)
        col1 = wheel[k1, c] / np.float32(255.0)
        col = (1 - f) * col0 + f * col1
        col = 1 - norm * (1 - col)
        img[:, c] = np.floor(np.float32(255) * col)
    return _like(img[0] if len(orig_shape) == 3 else img, flow)
