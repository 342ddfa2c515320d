"""Every function of ``keras.ops`` (with its ``nn``/``numpy``/``linalg``/``image`` sub-namespaces) and
``keras.activations`` exists in ``minidl.keras`` with Keras 3.15's argument names, kinds and defaults.

``tests/fixtures/keras_ops_signatures.json.gz`` was written by ``tests/fixtures/make_keras_ops_signatures.py``
from Keras itself.
"""
import gzip
import inspect
import json
from pathlib import Path

import pytest

from minidl.keras import activations, ops
from minidl.keras.ops import image, linalg, nn
from minidl.keras.ops import numpy as knp

with gzip.open(Path(__file__).parent / "fixtures" / "keras_ops_signatures.json.gz", "rt") as _f:
    KERAS = json.load(_f)

MODULES = {"ops": ops, "image": image, "linalg": linalg, "nn": nn, "numpy": knp, "activations": activations}
# complex-valued: minidl Tensors hold no complex numbers
ABSENT = {"ops.fft", "ops.fft2", "ops.ifft2", "ops.rfft", "ops.irfft", "ops.stft", "ops.istft", "ops.eig",
          "ops.polar", "ops.view_as_complex", "ops.view_as_real", "linalg.eig", "nn.polar"}
# Keras' **kwargs it passes to a backend option minidl does not have, and multi_hot's
# num_classes=None (a required argument in practice)
SIGNATURE_EXCEPTIONS = {"ops.einsum", "numpy.einsum", "ops.multi_hot", "nn.multi_hot"}


def _signature(fn):
    return [[p.name, p.kind.name, None if p.default is inspect.Parameter.empty else repr(p.default)]
            for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("key", sorted(set(KERAS) - ABSENT))
def test_exists_with_keras_signature(key):
    prefix, name = key.split(".", 1)
    fn = getattr(MODULES[prefix], name, None)
    assert fn is not None, f"minidl.keras {key} is missing"
    if key not in SIGNATURE_EXCEPTIONS:
        assert _signature(fn) == KERAS[key]


def test_absent_ones_are_really_absent():
    for key in ABSENT:
        prefix, name = key.split(".", 1)
        assert not hasattr(MODULES[prefix], name), f"{key} exists now: drop it from ABSENT"
