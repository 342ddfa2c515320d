"""Image transforms on float arrays: one (C, H, W) image or an (N, C, H, W) batch.

Calling convention: ``t(x, rng=None)``.

* ``x``: float array, CHW or NCHW, values usually in [0, 1] (what datasets give).
  A batch is transformed in one vectorised pass; each image still gets its own
  random parameters (its own crop offset, flip, angle...). The output has the
  input's rank and dtype; the input is never modified.
* ``rng``: a ``numpy.random.Generator``. The DataLoader passes one derived from
  (seed, epoch, batch index), so augmentation is reproducible; called alone,
  ``rng=None`` draws from the current generator: minidl's global one
  (``minidl.manual_seed``), or inside a ``minidl.utils.data.DataLoader`` the
  stream of the batch being built.

Names and arguments follow torchvision where it has the same transform.
Augment before ``Normalize`` (``ColorJitter`` clips to [0, 1]).
"""
from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..generator import current_rng
from .dataset import call_transform, image_source
from .geometry import affine_sample, apply_separable, resize_matrices

__all__ = ["Transform", "Compose", "Lambda", "Normalize", "channel_stats", "Resize",
           "CenterCrop", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip",
           "RandomRotation", "RandomAffine", "RandomResizedCrop", "ColorJitter"]


def _pair(v, name):
    if isinstance(v, numbers.Number):
        return int(v), int(v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or (h, w), got {v!r}")
    return int(v[0]), int(v[1])


def _range(v, name, centre=0.0, lower=None):
    """A number d -> (centre - d, centre + d) (clipped at ``lower``); a pair is kept."""
    if isinstance(v, numbers.Number):
        if v < 0:
            raise ValueError(f"{name} must be non-negative, got {v}")
        lo, hi = centre - v, centre + v
        if lower is not None:
            lo = max(lo, lower)
        return float(lo), float(hi)
    lo, hi = (float(a) for a in v)
    if lo > hi:
        raise ValueError(f"{name} range {v!r} has min > max")
    return lo, hi


class Transform:
    """Base class. Subclasses implement ``apply(batch (N, C, H, W), rng) -> batch``.

    Random transforms split ``apply`` into ``params(n, h, w, rng)`` (a dict of
    per-image arrays, first dimension n) and ``apply_params(x, params)``, so
    that :mod:`minidl.vision` can draw parameters image by image, as
    torchvision does, and still transform a whole batch in one pass.
    """

    accepts_rng = True

    def __call__(self, x, rng=None):
        x = np.asarray(x)
        if x.dtype.kind != "f":
            raise TypeError(f"{type(self).__name__} expects float images (e.g. uint8 / 255), "
                            f"got dtype {x.dtype}")
        if rng is None:
            rng = current_rng()  # minidl's global generator, or a DataLoader's stream
        if x.ndim == 3:
            return self.apply(x[None], rng)[0]
        if x.ndim == 4:
            return self.apply(x, rng)
        raise ValueError(f"{type(self).__name__} expects (C, H, W) or (N, C, H, W), "
                         f"got shape {x.shape}")

    def apply(self, x, rng):  # pragma: no cover - abstract
        """Transform the batch ``x`` (N, C, H, W) with per-image draws from ``rng``."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class Compose:
    """Apply ``transforms`` in order, passing the same ``rng`` to each."""

    accepts_rng = True

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x, rng=None):
        for t in self.transforms:
            x = call_transform(t, x, rng)
        return x

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class Lambda:
    """Wrap a function ``fn(x)`` (or ``fn(x, rng=...)``) as a transform."""

    accepts_rng = True

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, x, rng=None):
        return call_transform(self.fn, x, rng)


# --- normalisation -----------------------------------------------------------

def channel_stats(dataset, batch_size=4096):
    """Per-channel mean and standard deviation of ``dataset``'s images in [0, 1] scale.

    Returns ``(mean, std)``, float32 arrays of shape (C,). For datasets holding
    uint8 ``.data`` (and Subsets of them) the statistics are exact, from
    per-channel histograms; other datasets are read through their samples
    (dataset transforms included).
    """
    src = image_source(dataset)
    if src is not None:
        data, idx = src
        n = len(data) if idx is None else len(idx)
        c = data.shape[-1]
        counts = np.zeros((c, 256), np.int64)
        for s in range(0, n, batch_size):
            block = data[s:s + batch_size] if idx is None else data[idx[s:s + batch_size]]
            flat = block.reshape(-1, c)
            for k in range(c):
                counts[k] += np.bincount(flat[:, k], minlength=256)
        levels = np.arange(256) / 255.0
        total = counts.sum(axis=1)
        mean = counts @ levels / total
        var = counts @ levels ** 2 / total - mean ** 2
    else:
        total, s1, s2 = 0, 0.0, 0.0
        for i in range(0, len(dataset), 256):
            x = np.stack([np.asarray(dataset[j][0], np.float64)
                          for j in range(i, min(i + 256, len(dataset)))])
            total += x.shape[0] * x.shape[2] * x.shape[3]
            s1 = s1 + x.sum(axis=(0, 2, 3))
            s2 = s2 + (x ** 2).sum(axis=(0, 2, 3))
        mean = s1 / total
        var = s2 / total - mean ** 2
    return mean.astype(np.float32), np.sqrt(np.maximum(var, 0.0)).astype(np.float32)


class Normalize(Transform):
    """``(x - mean) / std`` per channel; mean, std: sequences of C numbers (or scalars).

    ``Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))`` is ImageNet's;
    ``Normalize.from_dataset(train_ds)`` measures them on a training set, and
    ``Normalize.from_dataset(train_ds, std=False)`` only subtracts the mean.
    """

    def __init__(self, mean, std=1.0):
        self.mean = np.atleast_1d(np.asarray(mean, np.float64))
        self.std = np.atleast_1d(np.asarray(std, np.float64))
        if np.any(self.std == 0):
            raise ValueError(f"std must be non-zero, got {self.std}")

    @classmethod
    def from_dataset(cls, dataset, std=True):
        """A Normalize with ``dataset``'s channel mean (and std, unless ``std=False``)."""
        mean, sd = channel_stats(dataset)
        return cls(mean, sd if std else np.ones_like(mean))

    def apply(self, x, rng):
        c = x.shape[1]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if v.size not in (1, c):
                raise ValueError(f"Normalize has {v.size} {name} values for {c} channels")
        mean = self.mean.astype(x.dtype).reshape(1, -1, 1, 1)
        scale = (1.0 / self.std).astype(x.dtype).reshape(1, -1, 1, 1)
        return (x - mean) * scale


# --- geometry ----------------------------------------------------------------

class Resize(Transform):
    """Resize with antialiased bilinear filtering (Pillow's BILINEAR).

    size: (h, w), or an int: the smaller edge becomes ``size`` and the aspect
    ratio is kept (torchvision's meaning). Implemented as two matrix products.
    """

    def __init__(self, size):
        self.size = size

    def out_size(self, h, w):
        """Output (h, w) for an input of (h, w)."""
        if isinstance(self.size, numbers.Number):
            s = int(self.size)
            if h <= w:
                return s, max(1, int(s * w / h))
            return max(1, int(s * h / w)), s
        return _pair(self.size, "size")

    def apply(self, x, rng):
        n, c, h, w = x.shape
        oh, ow = self.out_size(h, w)
        if (oh, ow) == (h, w):
            return x.copy()
        wy = resize_matrices(h, oh, [0.0], [h], x.dtype)
        wx = resize_matrices(w, ow, [0.0], [w], x.dtype)
        return apply_separable(x, wy, wx)


class CenterCrop(Transform):
    """Crop the central (h, w) region (size: int or (h, w))."""

    def __init__(self, size):
        self.size = _pair(size, "size")

    def apply(self, x, rng):
        h, w = self.size
        H, W = x.shape[2:]
        if h > H or w > W:
            raise ValueError(f"CenterCrop {self.size} is larger than the image {(H, W)}")
        # torchvision's rounding: round((H - h) / 2), halves to even
        top, left = int(round((H - h) / 2.0)), int(round((W - w) / 2.0))
        return x[:, :, top:top + h, left:left + w].copy()


class RandomCrop(Transform):
    """Random (h, w) crop, after optional padding (torchvision's RandomCrop).

    padding: int (all sides), (left/right, top/bottom) or (left, top, right,
    bottom); padding_mode: "constant" (with ``fill``), "edge", "reflect" or
    "symmetric"; pad_if_needed pads images smaller than the crop. Each image
    of a batch gets its own offset; the crop is one strided gather.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0.0, padding_mode="constant"):
        self.size = _pair(size, "size")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"unknown padding_mode {padding_mode!r}")

    def _pad(self, x, left, top, right, bottom):
        if not (left or top or right or bottom):
            return x
        widths = ((0, 0), (0, 0), (top, bottom), (left, right))
        if self.padding_mode == "constant":
            return np.pad(x, widths, constant_values=self.fill)
        return np.pad(x, widths, mode=self.padding_mode)

    def padded(self, height, width):
        """``(left, top, right, bottom)`` padding and the padded size for an input (height, width)."""
        p = self.padding
        if p is None:
            pl = pt = pr = pb = 0
        elif isinstance(p, numbers.Number):
            pl = pt = pr = pb = int(p)
        elif len(p) == 2:
            pl, pt = pr, pb = int(p[0]), int(p[1])
        else:
            pl, pt, pr, pb = (int(v) for v in p)
        h, w = self.size
        H, W = height + pt + pb, width + pl + pr
        if self.pad_if_needed:
            pr += max(0, w - W)
            pb += max(0, h - H)
            H, W = max(H, h), max(W, w)
        if h > H or w > W:
            raise ValueError(f"RandomCrop {self.size} is larger than the padded image {(H, W)}")
        return (pl, pt, pr, pb), (H, W)

    def params(self, n, height, width, rng):
        """Per-image crop offsets in the padded image: ``{"top": (n,), "left": (n,)}``."""
        _, (H, W) = self.padded(height, width)
        h, w = self.size
        return {"top": rng.integers(0, H - h + 1, n), "left": rng.integers(0, W - w + 1, n)}

    def apply_params(self, x, params):
        """Pad ``x`` (any dtype), then crop each image at its offsets (one strided gather)."""
        pads, _ = self.padded(x.shape[2], x.shape[3])
        h, w = self.size
        x = self._pad(x, *pads)
        n = x.shape[0]
        windows = sliding_window_view(x, (h, w), axis=(2, 3))  # (N, C, H-h+1, W-w+1, h, w)
        return windows[np.arange(n), :, params["top"], params["left"]]  # (N, C, h, w)

    def apply(self, x, rng):
        return self.apply_params(x, self.params(x.shape[0], x.shape[2], x.shape[3], rng))


class RandomHorizontalFlip(Transform):
    """Mirror each image left-right with probability ``p``."""

    def __init__(self, p=0.5):
        self.p = float(p)

    def params(self, n, height, width, rng):
        """``{"flip": bool (n,)}``."""
        return {"flip": rng.random(n) < self.p}

    def apply_params(self, x, params):
        """Mirror the images whose ``flip`` is set."""
        flip = params["flip"]
        out = x.copy()
        out[flip] = x[flip][..., ::-1]
        return out

    def apply(self, x, rng):
        return self.apply_params(x, self.params(x.shape[0], x.shape[2], x.shape[3], rng))


class RandomVerticalFlip(Transform):
    """Mirror each image top-bottom with probability ``p``."""

    def __init__(self, p=0.5):
        self.p = float(p)

    def params(self, n, height, width, rng):
        """``{"flip": bool (n,)}``."""
        return {"flip": rng.random(n) < self.p}

    def apply_params(self, x, params):
        """Mirror the images whose ``flip`` is set."""
        flip = params["flip"]
        out = x.copy()
        out[flip] = x[flip][:, :, ::-1, :]
        return out

    def apply(self, x, rng):
        return self.apply_params(x, self.params(x.shape[0], x.shape[2], x.shape[3], rng))


class RandomAffine(Transform):
    """Random rotation, shift, zoom and shear about the image centre (torchvision's RandomAffine).

    degrees: d -> angle in (-d, d), or (min, max); positive is counter-clockwise.
    translate: (a, b): horizontal shift in (-a*W, a*W), vertical in (-b*H, b*H).
    scale: (lo, hi) zoom factor (> 1 zooms in). shear: s -> x-shear angle in
    (-s, s) degrees, (min, max), or (xmin, xmax, ymin, ymax). Pixels that come
    from outside the image are ``fill``. Bilinear sampling, one gather per batch.
    """

    def __init__(self, degrees=0.0, translate=None, scale=None, shear=None, fill=0.0,
                 interpolation="bilinear"):
        self.degrees = _range(degrees, "degrees")
        self.translate = translate
        self.scale = scale
        if shear is None:
            self.shear = None
        elif isinstance(shear, numbers.Number) or len(shear) == 2:
            self.shear = _range(shear, "shear") + (0.0, 0.0)
        else:
            self.shear = tuple(float(s) for s in shear)
        self.fill = float(fill)
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
        self.interpolation = interpolation

    def matrices(self, n, h, w, rng):
        """Per-sample (N, 2, 3) maps from output pixel to input pixel coordinates."""
        angle = np.deg2rad(rng.uniform(*self.degrees, n))
        if self.translate is not None:
            a, b = self.translate
            tx = rng.uniform(-a * w, a * w, n)
            ty = rng.uniform(-b * h, b * h, n)
        else:
            tx = ty = np.zeros(n)
        s = rng.uniform(*self.scale, n) if self.scale is not None else np.ones(n)
        if self.shear is not None:
            shx = np.deg2rad(rng.uniform(self.shear[0], self.shear[1], n))
            shy = np.deg2rad(rng.uniform(self.shear[2], self.shear[3], n))
        else:
            shx = shy = np.zeros(n)
        cos, sin = np.cos(angle), np.sin(angle)
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        # forward map about the centre: rotate (counter-clockwise on screen, y down) . shear . zoom
        rot = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)
        shear = np.stack([np.stack([np.ones(n), np.tan(shx)], -1),
                          np.stack([np.tan(shy), np.ones(n)], -1)], -2)
        lin = rot @ shear * s[:, None, None]
        inv_lin = np.linalg.inv(lin)
        # input = inv_lin @ (out - centre - t) + centre
        shift = np.stack([cx + tx, cy + ty], -1)[:, :, None]
        offset = np.array([cx, cy])[None, :, None] - inv_lin @ shift
        return np.concatenate([inv_lin, offset], axis=2)

    def params(self, n, height, width, rng):
        """``{"inv": (n, 2, 3)}`` output-to-input pixel maps."""
        return {"inv": self.matrices(n, height, width, rng)}

    def apply_params(self, x, params):
        """Resample each image through its map (float ``x``)."""
        return affine_sample(x, params["inv"], fill=self.fill, mode=self.interpolation)

    def apply(self, x, rng):
        return self.apply_params(x, self.params(x.shape[0], x.shape[2], x.shape[3], rng))


class RandomRotation(RandomAffine):
    """Rotate by a random angle: ``degrees`` d -> (-d, d), or (min, max); counter-clockwise > 0."""

    def __init__(self, degrees, fill=0.0, interpolation="bilinear"):
        super().__init__(degrees=degrees, fill=fill, interpolation=interpolation)


class RandomResizedCrop(Transform):
    """Crop a random area fraction ``scale`` with aspect ratio in ``ratio``, resize to ``size``.

    torchvision's sampling (10 tries, then a centre crop); the resize is the
    antialiased bilinear of :class:`Resize`, batched over per-sample crops.
    """

    def __init__(self, size, scale=(0.8, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0)):
        self.size = _pair(size, "size")
        self.scale = tuple(float(s) for s in scale)
        self.ratio = tuple(float(r) for r in ratio)

    def boxes(self, n, h, w, rng, tries=10):
        """Per-sample crop boxes (top, left, height, width), ints, each (N,)."""
        area = h * w
        target = area * rng.uniform(*self.scale, (n, tries))
        aspect = np.exp(rng.uniform(math.log(self.ratio[0]), math.log(self.ratio[1]), (n, tries)))
        cw = np.rint(np.sqrt(target * aspect)).astype(np.int64)
        ch = np.rint(np.sqrt(target / aspect)).astype(np.int64)
        ok = (cw > 0) & (ch > 0) & (cw <= w) & (ch <= h)
        first = np.argmax(ok, axis=1)
        rows = np.arange(n)
        bw, bh = cw[rows, first], ch[rows, first]
        # fallback: the largest centre crop with the aspect ratio clamped into ``ratio``
        bad = ~ok.any(axis=1)
        if bad.any():
            in_ratio = w / h
            if in_ratio < self.ratio[0]:
                fw, fh = w, int(round(w / self.ratio[0]))
            elif in_ratio > self.ratio[1]:
                fh, fw = h, int(round(h * self.ratio[1]))
            else:
                fw, fh = w, h
            bw[bad], bh[bad] = fw, fh
        top = rng.integers(0, h - bh + 1)
        left = rng.integers(0, w - bw + 1)
        if bad.any():
            top[bad], left[bad] = (h - bh[bad]) // 2, (w - bw[bad]) // 2
        return top, left, bh, bw

    def params(self, n, height, width, rng):
        """``{"top", "left", "height", "width"}``, each int (n,)."""
        top, left, bh, bw = self.boxes(n, height, width, rng)
        return {"top": top, "left": left, "height": bh, "width": bw}

    def apply_params(self, x, params):
        """Crop each image's box and resize it to ``size`` (float ``x``)."""
        h, w = x.shape[2:]
        wy = resize_matrices(h, self.size[0], params["top"], params["height"], x.dtype)
        wx = resize_matrices(w, self.size[1], params["left"], params["width"], x.dtype)
        return apply_separable(x, wy, wx)

    def apply(self, x, rng):
        return self.apply_params(x, self.params(x.shape[0], x.shape[2], x.shape[3], rng))


# --- colour ------------------------------------------------------------------

_GRAY = np.array([0.299, 0.587, 0.114])
_RGB2YIQ = np.array([[0.299, 0.587, 0.114],
                     [0.596, -0.274, -0.322],
                     [0.211, -0.523, 0.312]])
_YIQ2RGB = np.linalg.inv(_RGB2YIQ)


class ColorJitter(Transform):
    """Random brightness, contrast, saturation and hue, per image (torchvision's arguments).

    brightness/contrast/saturation b: factor in [max(0, 1-b), 1+b] (or a
    (min, max) pair); hue h <= 0.5: shift in [-h, h] of a full turn. Applied in
    that order, each result clipped to [0, 1]. Hue is rotated in YIQ space (a
    linear approximation of torchvision's HSV shift). Saturation and hue need
    3 channels.
    """

    def __init__(self, brightness=0.0, contrast=0.0, saturation=0.0, hue=0.0):
        self.brightness = _range(brightness, "brightness", 1.0, 0.0)
        self.contrast = _range(contrast, "contrast", 1.0, 0.0)
        self.saturation = _range(saturation, "saturation", 1.0, 0.0)
        self.hue = _range(hue, "hue")
        if not -0.5 <= self.hue[0] <= self.hue[1] <= 0.5:
            raise ValueError(f"hue must lie in [-0.5, 0.5], got {hue!r}")

    def params(self, n, height, width, rng):
        """Per-image factors ``{"brightness", "contrast", "saturation", "hue"}``, each (n,)."""
        return {"brightness": rng.uniform(*self.brightness, n),
                "contrast": rng.uniform(*self.contrast, n),
                "saturation": rng.uniform(*self.saturation, n),
                "hue": rng.uniform(*self.hue, n)}

    def apply(self, x, rng):
        return self.apply_params(x, self.params(x.shape[0], x.shape[2], x.shape[3], rng))

    STEPS = ("brightness", "contrast", "saturation", "hue")

    def apply_params(self, x, params):
        """Apply each image's factors to float ``x`` in [0, 1].

        ``params["order"]`` (optional, int (n, 4)): each image's order of the four
        changes (indices into :attr:`STEPS`), as torchvision draws it; without it
        the order is brightness, contrast, saturation, hue.
        """
        c = x.shape[1]
        if c != 3 and (self.saturation != (1.0, 1.0) or self.hue != (0.0, 0.0)):
            raise ValueError(f"ColorJitter saturation/hue need 3 channels, got {c}")
        order = params.get("order")
        if order is None:
            return self._in_order(x, params, range(4))
        order = np.asarray(order)
        out = np.empty_like(x)
        for perm in np.unique(order, axis=0):                    # images sharing an order
            sel = np.nonzero((order == perm).all(axis=1))[0]
            sub = {k: v[sel] for k, v in params.items() if k != "order"}
            out[sel] = self._in_order(x[sel], sub, perm)
        return out

    def _in_order(self, x, params, order):
        dt = x.dtype
        for step in order:
            name = self.STEPS[int(step)]
            factor = np.asarray(params[name])
            if name == "brightness":
                x = np.clip(x * factor.astype(dt)[:, None, None, None], 0, 1)
            elif getattr(self, name) != ((0.0, 0.0) if name == "hue" else (1.0, 1.0)):
                x = getattr(self, "_" + name)(x, factor)
        return x.astype(dt, copy=False)

    @staticmethod
    def _gray(v):
        if v.shape[1] == 1:
            return v
        return np.tensordot(_GRAY.astype(v.dtype), v, axes=([0], [1]))[:, None]  # (N, 1, H, W)

    def _contrast(self, x, factor):
        m = self._gray(x).mean(axis=(1, 2, 3), keepdims=True)
        return np.clip(m + factor.astype(x.dtype)[:, None, None, None] * (x - m), 0, 1)

    def _saturation(self, x, factor):
        g = self._gray(x)
        return np.clip(g + factor.astype(x.dtype)[:, None, None, None] * (x - g), 0, 1)

    def _hue(self, x, hue):
        theta = 2 * np.pi * hue
        cos, sin = np.cos(theta), np.sin(theta)
        rot = np.zeros((len(hue), 3, 3))
        rot[:, 0, 0] = 1
        rot[:, 1, 1], rot[:, 1, 2] = cos, -sin
        rot[:, 2, 1], rot[:, 2, 2] = sin, cos
        m = (_YIQ2RGB @ rot @ _RGB2YIQ).astype(x.dtype)           # (N, 3, 3)
        return np.clip(np.einsum("nij,njhw->nihw", m, x), 0, 1)
