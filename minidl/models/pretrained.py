"""Loading the trained TinyVGG of CNN Explainer (``shared/data/cnn-explainer-tinyvgg``)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from minidl.models.tiny_vgg import tiny_vgg

__all__ = ["load_cnn_explainer_tinyvgg", "cnn_explainer_state_dict", "CNN_EXPLAINER_KEYS"]

# minidl Sequential index -> the array name prefix in weights.npz.
CNN_EXPLAINER_KEYS = {"0": "conv_1_1", "2": "conv_1_2", "5": "conv_2_1", "7": "conv_2_2",
                      "11": "output"}


def cnn_explainer_state_dict(folder) -> dict:
    """The minidl-layout arrays of ``folder/weights.npz`` as a ``tiny_vgg`` state dict
    (``"0.weight"`` (10, 3, 3, 3), ..., ``"11.weight"`` (10, 1690), ``"11.bias"`` (10,))."""
    with np.load(Path(folder) / "weights.npz") as w:
        return {f"{idx}.{kind}": np.asarray(w[f"{name}.{kind}"])
                for idx, name in CNN_EXPLAINER_KEYS.items() for kind in ("weight", "bias")}


def load_cnn_explainer_tinyvgg(folder):
    """CNN Explainer's trained TinyVGG (10 Tiny-ImageNet classes), in eval mode.

    Args:
        folder: the ``cnn-explainer-tinyvgg`` folder (``weights.npz``, ``classes.json``).

    Returns:
        ``model``: ``tiny_vgg(num_classes=10)`` with the trained weights;
        ``model.classes`` lists the class of each output unit. Input: RGB
        pixels / 255 as float32 NCHW (N, 3, 64, 64), no normalisation.
    """
    folder = Path(folder)
    model = tiny_vgg(num_classes=10, in_channels=3, image_size=64)
    model.load_state_dict(cnn_explainer_state_dict(folder))
    classes_file = folder / "classes.json"
    if classes_file.is_file():
        model.classes = list(json.loads(classes_file.read_text())["classes"])
    return model.eval()
