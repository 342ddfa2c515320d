"""Mixing and policy augmentation layers of the Keras facade: ``MixUp``, ``CutMix``, ``RandAugment``,
``AugMix``, ``Pipeline`` and ``MaxNumBoundingBoxes``.

``MixUp`` and ``CutMix`` mix each image with another image of the batch (a random permutation);
called on a dict ``{"images": x, "labels": y}`` (Keras' form for data pipelines) they mix the
labels by the same weights and return a dict. A plain call (dict or images) applies the augmentation
unless ``training=False`` is passed or the outer call runs in inference (Keras' default
``training=True``), as the other random layers.
``RandAugment`` applies ``num_ops`` operations drawn uniformly from Keras' eleven (shear,
translation, rotation, brightness, colour degeneration, contrast, sharpness, posterization,
solarization, auto-contrast, equalization), each to the whole batch, with the sub-layers' factors
Keras builds from ``factor``. ``AugMix`` mixes ``num_chains`` chains of up to ``chain_depth``
random operations by Dirichlet(``alpha``) weights, then blends with the original by a
Beta(``alpha``, ``alpha``) weight. ``Pipeline`` applies its layers in order.
``MaxNumBoundingBoxes`` pads or truncates ``bounding_boxes`` of a dict input to ``max_number``.
"""
from __future__ import annotations

import copy

import numpy as np

from minidl import backend
from minidl.keras._tensor import as_tensor
from minidl.keras.layers._augment_base import AugmentLayer, parse_factor
from minidl.keras.layers._symbolic import UNSET, call_scope, resolve_training
from minidl.keras.layers.augment_color import (
                                      AutoContrast,
                                      Equalization,
                                      RandomBrightness,
                                      RandomColorDegeneration,
                                      RandomContrast,
                                      RandomPosterization,
                                      RandomSharpness,
                                      Solarization,
)
from minidl.keras.layers.augment_geometry import RandomShear, sample_grid
from minidl.keras.layers.base import Layer
from minidl.keras.layers.image_preprocessing import RandomRotation, RandomTranslation
from minidl.tensor import Tensor

__all__ = ["MixUp", "CutMix", "RandAugment", "AugMix", "Pipeline", "MaxNumBoundingBoxes"]


def _array(value, dtype=np.float32):
    """A dict entry as a backend array (Tensors keep their device)."""
    return as_tensor(value, dtype).array


class _DictLayer(AugmentLayer):
    """Accepts Keras' dict inputs (``{"images", "labels", "bounding_boxes"}``) besides images."""

    _SINGLE_PASSES = False  # True: a single (H, W, C) image passes unchanged

    def __call__(self, inputs, *args, training=UNSET, **kwargs):
        if not isinstance(inputs, dict):
            return super().__call__(inputs, *args, training=training, **kwargs)
        if "images" not in inputs:
            raise ValueError(f"{type(self).__name__} {self.name}: a dict input needs an 'images' entry, got keys "
                             f"{sorted(inputs)}")
        with call_scope():  # Keras' resolution: passed, else the outer call's value, else True
            return self._call_dict(inputs, resolve_training(self, training))

    def _call_dict(self, inputs, training):
        """The call on a dict of ``images`` (and ``labels``/``bounding_boxes``) with the resolved ``training``."""
        out = dict(inputs)
        images = _array(inputs["images"])
        self._check(images.shape)
        if not training:
            return {k: Tensor(v) if backend.is_array(v) else v for k, v in out.items()}
        single = images.ndim == 3
        if single and self._SINGLE_PASSES:
            return {k: Tensor(v) if backend.is_array(v) else v for k, v in out.items()}
        batch = images[None] if single else images
        labels = inputs.get("labels")
        labels = None if labels is None else _array(labels)
        if labels is not None and single:
            labels = labels[None]
        new_images, new_labels, boxes = self.augment_data(batch, labels, inputs.get("bounding_boxes"),
                                                          self._rng() if self._RANDOM else None)
        out["images"] = Tensor(new_images[0] if single else new_images)
        if new_labels is not None:
            out["labels"] = Tensor(new_labels[0] if single else new_labels)
        if boxes is not None:
            out["bounding_boxes"] = boxes
        return out

    def augment_data(self, images, labels, bounding_boxes, rng):
        """``(images, labels, bounding_boxes)`` after the augmentation (labels None when not given)."""
        images, labels = self.mix(images, labels, rng)
        return images, labels, None

    def augment_images(self, images, rng):
        """The images alone."""
        return self.augment_data(images, None, None, rng)[0]


class MixUp(_DictLayer):
    """Mix each image (and label) with the batch's permuted partner: ``w x + (1 - w) x[perm]``,
    ``w ~ Beta(alpha, alpha)`` per image."""

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.alpha = alpha

    def mix(self, images, labels, rng):
        """The mixed images and labels."""
        n = len(images)
        order = rng.permutation(n)
        weight = rng.beta(self.alpha, self.alpha, n)
        w = self._device(weight.reshape(-1, 1, 1, 1), images)
        images = w * images + (1.0 - w) * images[self._index(order, images)]
        if labels is not None:
            lw = self._device(weight.reshape(-1, *([1] * (labels.ndim - 1))), labels)
            labels = lw * labels + (1.0 - lw) * labels[self._index(order, labels)]
        return images, labels

    @staticmethod
    def _index(order, like):
        return backend.to_device(np.asarray(order), backend.device_of(like))

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha, seed=self.seed)


class CutMix(_DictLayer):
    """Paste a box of each image's permuted partner into it: the box keeps ``1 - w`` of the area,
    ``w ~ Beta(a, a)``, ``a ~ U(factor) + 1e-6``; labels mix by the box's actual area. A single
    image passes unchanged (Keras)."""

    _SINGLE_PASSES = True

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = parse_factor(factor, (0, 1))

    def mix(self, images, labels, rng):
        """The pasted images and the area-weighted labels."""
        n, h, w, _ = images.shape
        alpha = rng.uniform(self.factor[0], self.factor[1]) + 1e-6
        ratio = np.sqrt(1.0 - rng.beta(alpha, alpha, n))
        x0 = rng.uniform(0, 1, n) * (w - ratio * w)
        y0 = rng.uniform(0, 1, n) * (h - ratio * h)
        x1, y1 = x0 + ratio * w, y0 + ratio * h
        yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
        inside = ((xx >= x0[:, None, None]) & (xx < x1[:, None, None]) & (yy >= y0[:, None, None]) &
                  (yy < y1[:, None, None]))
        weight = 1.0 - (x1 - x0) * (y1 - y0) / (w * h)
        order = rng.permutation(n)
        xp = backend.get_array_module(images)
        mask = self._device(inside[..., None], images) > 0
        images = xp.where(mask, images[MixUp._index(order, images)], images)
        if labels is not None:
            lw = self._device(weight.reshape(-1, *([1] * (labels.ndim - 1))), labels)
            labels = lw * labels + (1.0 - lw) * labels[MixUp._index(order, labels)]
        return images, labels

    def _forward(self, x, training=False):
        if x.ndim == 3:  # Keras leaves a single image unchanged
            self._check(tuple(x.shape))
            return x
        return super()._forward(x, training)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, seed=self.seed)


def _affine_op(layer):
    """An (images, rng) -> images function of a minidl RandomTranslation/RandomRotation."""
    def apply(images, rng):
        n, h, w, _ = images.shape
        t = layer._transforms(rng, n, h, w)[:, :, None, None]
        yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
        x_in = t[:, 0] * xx + t[:, 1] * yy + t[:, 2]
        y_in = t[:, 3] * xx + t[:, 4] * yy + t[:, 5]
        return sample_grid(images, x_in, y_in, layer.interpolation, layer.fill_mode, layer.fill_value)
    return apply


def _operations(factor, value_range, interpolation, colour):
    """Keras' sub-layers of RandAugment/AugMix, by name, as (images, rng) -> images functions."""
    geometry = {
        "random_shear": RandomShear(factor, factor, interpolation=interpolation).augment_images,
        "random_translation": _affine_op(RandomTranslation(factor, factor, interpolation=interpolation)),
        "random_rotation": _affine_op(RandomRotation(factor, interpolation=interpolation)),
    }
    tone = {
        "random_posterization": RandomPosterization(max(1, int(8 * factor[1])), value_range).augment_images,
        "solarization": Solarization(factor, factor, value_range).augment_images,
        "auto_contrast": AutoContrast(value_range).augment_images,
        "equalization": Equalization(value_range).augment_images,
    }
    extra = {
        "random_brightness": RandomBrightness(factor, value_range).augment_images,
        "random_color_degeneration": RandomColorDegeneration(factor, value_range).augment_images,
        "random_contrast": RandomContrast(factor, value_range).augment_images,
        "random_sharpness": RandomSharpness(factor, value_range).augment_images,
    }
    return geometry, tone, extra if colour else {}


class RandAugment(AugmentLayer):
    """Apply ``num_ops`` operations drawn uniformly (with repetition) from Keras' eleven, each with
    strength ``factor`` (a number f means (0, f)), to the whole batch."""

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.value_range, self.num_ops, self.interpolation = value_range, int(num_ops), interpolation
        self.factor = parse_factor(factor, (0, 1))
        geometry, tone, extra = _operations(self.factor, value_range, interpolation, True)
        ordered = ("random_shear", "random_translation", "random_rotation", "random_brightness",
                   "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
                   "solarization", "auto_contrast", "equalization")
        table = {**geometry, **tone, **extra}
        self._ops = tuple((name, table[name]) for name in ordered)

    def augment_images(self, images, rng):
        """``num_ops`` draws of an operation index, each applied in turn."""
        for index in rng.integers(0, len(self._ops), self.num_ops):
            images = self._ops[int(index)][1](images, rng)
        return images

    def get_config(self):
        return dict(super().get_config(), value_range=self.value_range, num_ops=self.num_ops, factor=self.factor,
                    interpolation=self.interpolation, seed=self.seed)


class AugMix(AugmentLayer):
    """AugMix (Hendrycks et al.): ``num_chains`` chains of ``chain_depth`` steps, each step an operation
    drawn from Keras' list (``all_ops=False``: geometry and tone only) or skipped, mixed by Dirichlet
    weights and blended with the input by a Beta weight; clipped to ``value_range``."""

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.value_range, self.num_chains, self.chain_depth = value_range, int(num_chains), int(chain_depth)
        self.factor = parse_factor(factor, (0, 1))
        self.alpha, self.all_ops, self.interpolation = alpha, bool(all_ops), interpolation
        geometry, tone, extra = _operations(self.factor, value_range, interpolation, self.all_ops)
        self._ops = tuple({**geometry, **tone, **extra}.items())

    def augment_images(self, images, rng):
        """The chains, their mixture and the final blend."""
        xp = backend.get_array_module(images)
        gamma = rng.gamma(self.alpha, 1.0, self.num_chains)
        chain_weights = gamma / gamma.sum()
        blend = float(rng.beta(self.alpha, self.alpha))
        mixed = xp.zeros_like(images)
        for c in range(self.num_chains):
            chain = images.copy()
            for _ in range(self.chain_depth):
                pick = int(rng.integers(0, len(self._ops) + 1))  # the last choice: skip this step
                if pick < len(self._ops):
                    chain = self._ops[pick][1](chain, rng)
            mixed += chain * float(chain_weights[c])
        out = blend * images + (1 - blend) * mixed
        return xp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        return dict(super().get_config(), value_range=self.value_range, num_chains=self.num_chains,
                    chain_depth=self.chain_depth, factor=self.factor, alpha=self.alpha, all_ops=self.all_ops,
                    interpolation=self.interpolation, seed=self.seed)


class Pipeline(Layer):
    """Apply ``layers`` in order (each gets the call's ``training``); a list of layers or their configs."""

    _call_training_default = True  # augments on a plain call, as Keras' `call(..., training=True)`

    def __init__(self, layers, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._pipeline = []
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise ValueError(f"Pipeline {self.name}: item {i} is not a Keras layer: {layer!r}")
            setattr(self, f"layer_{i}", layer)
            self._pipeline.append(layer)

    @property
    def layers(self):
        """The layers, in order."""
        return list(self._pipeline)

    def build(self, input_shape):
        """Build each layer for the shape the previous one outputs."""
        shape = input_shape
        for layer in self._pipeline:
            layer._ensure_built(shape)
            shape = layer.compute_output_shape(shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """The last layer's output shape."""
        shape = input_shape
        for layer in self._pipeline:
            shape = layer.compute_output_shape(shape)
        return shape

    def _forward(self, x, training=False):
        for layer in self._pipeline:
            x = layer.forward(x, training)
        return x

    def get_config(self):
        entries = [{"module": "keras.layers", "class_name": type(layer).__name__, "config": layer.get_config(),
                    "registered_name": None} for layer in self._pipeline]
        return {"layers": entries, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A pipeline from :meth:`get_config`'s dict (layer entries rebuilt)."""
        from minidl.keras.models.saving import _layer_from_entry
        config = copy.deepcopy(config)
        layers = [_layer_from_entry(entry, custom_objects) if isinstance(entry, dict) else entry
                  for entry in config.pop("layers")]
        config.pop("trainable", None)
        config.pop("dtype", None)
        return cls(layers, **config)


class MaxNumBoundingBoxes(_DictLayer):
    """Pad (with ``fill_value``) or truncate a dict input's ``bounding_boxes`` (``boxes`` (N, M, 4),
    ``labels`` (N, M)) to ``max_number`` boxes; images pass unchanged."""

    _RANDOM = False

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(None, kwargs.pop("data_format", None), **kwargs)
        self.max_number, self.fill_value = int(max_number), int(fill_value)

    def augment_data(self, images, labels, bounding_boxes, rng):
        """The boxes padded/truncated; images and labels unchanged."""
        if bounding_boxes is None:
            return images, labels, None
        boxes = np.asarray(backend.to_numpy(_array(bounding_boxes["boxes"])))
        box_labels = np.asarray(backend.to_numpy(_array(bounding_boxes["labels"], None)))
        pad = max(self.max_number - boxes.shape[1], 0)
        boxes = np.pad(boxes[:, :self.max_number], ((0, 0), (0, pad), (0, 0)), constant_values=self.fill_value)
        box_labels = np.pad(box_labels[:, :self.max_number], ((0, 0), (0, pad)), constant_values=self.fill_value)
        out = dict(bounding_boxes, boxes=Tensor(boxes), labels=Tensor(box_labels))
        return images, labels, out

    def _forward(self, x, training=False):
        self._check(tuple(x.shape))
        return x

    def get_config(self):
        return dict(super().get_config(), max_number=self.max_number)
