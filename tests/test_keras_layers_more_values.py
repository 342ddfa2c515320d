"""The session-11 Keras layers against Keras 3.15 (JAX) on fixed inputs and weights.

tests/fixtures/keras_layers_more.npz holds, per case, Keras' constructor string, the inputs, the weights
(Keras' layout) and Keras' outputs; it was made by tests/fixtures/make_keras_layers_more.py (and the
cases of make_keras_layers_more_extra.py) with the reference venv. Each case is rebuilt here with
``minidl.keras.layers`` as ``L``.
"""
import ast
import json
from pathlib import Path

import numpy as np
import pytest

from minidl.keras import layers as L  # noqa: F401  (used by the eval'd case strings)

FIXTURE = Path(__file__).parent / "fixtures" / "keras_layers_more.npz"
with np.load(FIXTURE) as _npz:
    DATA, META = _npz["data"], json.loads(str(_npz["meta"]))
CASES = sorted(META)


def _arrays(name, kind):
    """The case's arrays of ``kind`` ("x" inputs, "w" weights, "y" outputs), in order."""
    return [DATA[offset:offset + int(np.prod(shape))].reshape(shape).astype(dtype)
            for k, offset, shape, dtype in META[name]["arrays"] if k == kind]


@pytest.mark.parametrize("name", CASES)
def test_matches_keras(name):
    layer = eval(META[name]["spec"])
    kwargs = ast.literal_eval(META[name]["kwargs"])
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
