"""Parts of the Keras 3 guides run on minidl.keras give what they give on Keras 3: the code is in
tests/keras_guide_parts.py (with the source URL of each guide: keras-team/keras guides/
understanding_masking_and_padding.py, sequential_model.py, functional_api.py,
making_new_layers_and_models_via_subclassing.py, training_with_built_in_methods.py), cut down to a
few samples and one epoch. Keras' results (model.summary() tables, output shapes, masks, log names)
are tests/fixtures/keras_guide_reference.json.gz, made once with Keras 3.15 by
tests/fixtures/make_keras_guide_reference.py running the same parts.
"""
import gzip
import json
from pathlib import Path

import keras_guide_parts as parts
import numpy as np
import pytest

from minidl import keras

REF = json.loads(gzip.decompress((Path(__file__).parent / "fixtures" / "keras_guide_reference.json.gz").read_bytes()))
RANDOM_VALUES = {("subclassing_guide", "vae_loss")}  # depend on the random initialisation


def _run(name, tmp_path):
    keras.backend.clear_session()  # layer names (dense_3, ...) count from zero as in a fresh Keras session
    fn = getattr(parts, name)
    return fn(keras, str(tmp_path)) if name == "training_guide" else fn(keras)


@pytest.mark.parametrize("name", sorted(REF))
def test_guide_part_matches_keras(name, tmp_path):
    got = _run(name, tmp_path)
    for key, want in REF[name].items():
        if (name, key) in RANDOM_VALUES:
            continue
        assert got[key] == want, f"{name}: {key}\nminidl:\n{got[key]}\nKeras:\n{want}"


def test_vae_of_the_subclassing_guide_learns(tmp_path):
    losses = _run("subclassing_guide", tmp_path)["vae_loss"]
    assert np.all(np.isfinite(losses)) and losses[1] < losses[0]
