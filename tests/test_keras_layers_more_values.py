"""The session-11 Keras layers against Keras 3.15 (JAX) on fixed inputs and weights.

tests/fixtures/keras_layers_more.npz holds, per case, Keras' constructor string, the inputs, the weights
(Keras' layout) and Keras' outputs; it was made by tests/fixtures/make_keras_layers_more.py (and the
cases of make_keras_layers_more_extra.py) with the reference venv. Each case is rebuilt here with
``minidl.keras.layers`` as ``L``.
"""
import ast
from pathlib import Path

import numpy as np
import pytest

from minidl.keras import layers as L  # noqa: F401  (used by the eval'd case strings)

FIXTURE = Path(__file__).parent / "fixtures" / "keras_layers_more.npz"
DATA = np.load(FIXTURE)
CASES = sorted({k.split("__")[0] for k in DATA.files})


def _arrays(name, prefix):
    out, i = [], 0
    while f"{name}__{prefix}{i}" in DATA.files:
        out.append(DATA[f"{name}__{prefix}{i}"])
        i += 1
    return out


@pytest.mark.parametrize("name", CASES)
def test_matches_keras(name):
    layer = eval(str(DATA[f"{name}__spec"]))
    kwargs = ast.literal_eval(str(DATA[f"{name}__kwargs"]))
    xs, weights, expected = _arrays(name, "x"), _arrays(name, "w"), _arrays(name, "y")
    layer(*xs, **kwargs)  # build
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    layer.set_weights(weights)
    out = layer(*xs, **kwargs)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    if name.startswith("specnorm"):  # the kernel and vector_u a training call leaves behind
        outs += layer.get_weights()
    assert len(outs) == len(expected)
    for got, want in zip(outs, expected):
        got = np.asarray(got.numpy() if hasattr(got, "numpy") else got)
        assert got.shape == want.shape, (name, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5, err_msg=name)
