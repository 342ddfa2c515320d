"""keras.utils.pad_sequences / plot_model, the MAPE/MSLE/RMSE metrics, Metric.add_variable,
ModelCheckpoint(save_freq=N) and the TensorBoard callback, as Keras 3 has them.

Expected numbers were read from Keras 3.15 in the reference venv (pad_sequences' docstring examples;
the metrics on the arrays below: MAPE 80.5555..., MSLE 0.1594518..., RMSE 1.2583058).
"""
import os
import sys
import types

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers


def test_pad_sequences_as_keras():
    seqs = [[1], [2, 3], [4, 5, 6]]
    assert keras.utils.pad_sequences(seqs).tolist() == [[0, 0, 1], [0, 2, 3], [4, 5, 6]]
    assert keras.utils.pad_sequences(seqs, value=-1).tolist() == [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]
    assert keras.utils.pad_sequences(seqs, padding="post").tolist() == [[1, 0, 0], [2, 3, 0], [4, 5, 6]]
    assert keras.utils.pad_sequences(seqs, maxlen=2).tolist() == [[0, 1], [2, 3], [5, 6]]
    assert keras.utils.pad_sequences(seqs, maxlen=2, truncating="post").tolist() == [[0, 1], [2, 3], [4, 5]]
    assert keras.utils.pad_sequences(seqs).dtype == np.int32
    assert keras.utils.pad_sequences([[[1, 2]], []]).shape == (2, 1, 2)
    with pytest.raises(ValueError, match="Padding type"):
        keras.utils.pad_sequences(seqs, padding="middle")
    with pytest.raises(ValueError, match="dtype=object"):
        keras.utils.pad_sequences(seqs, value="x")
    with pytest.raises(ValueError, match="non-iterable"):
        keras.utils.pad_sequences([1, 2])


def test_plot_model_needs_pydot_as_keras(monkeypatch):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    monkeypatch.setitem(sys.modules, "pydot", None)  # import pydot -> ImportError
    with pytest.raises(ImportError, match="You must install pydot"):
        keras.utils.plot_model(model, "m.png")
    with pytest.raises(ValueError, match="not yet been built"):
        keras.utils.plot_model(keras.Sequential([layers.Dense(2)]))


def test_model_to_dot_draws_the_layer_graph(monkeypatch, tmp_path):
    class Graph:
        def __init__(self, **kwargs):
            self.attrs, self.nodes, self.edges = dict(kwargs), [], []

        def set(self, key, value):
            self.attrs[key] = value

        def set_node_defaults(self, **kwargs):
            self.attrs["node"] = kwargs

        def add_node(self, node):
            self.nodes.append(node)

        def add_edge(self, edge):
            self.edges.append(edge)

        def create(self):
            return b""

        def write(self, path, format="png"):
            self.written = (path, format)

    fake = types.SimpleNamespace(Dot=Graph, Cluster=Graph, PydotException=OSError,
                                 Node=lambda name, label: (name, label), Edge=lambda a, b: (a, b))
    monkeypatch.setitem(sys.modules, "pydot", fake)
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    model = keras.Model([a, b], layers.Dense(1, name="out")(layers.Add(name="sum")([a, b])))
    dot = keras.utils.model_to_dot(model, show_shapes=True)
    labels = {name: label for name, label in dot.nodes}
    assert len(dot.nodes) == 4 and len(dot.edges) == 3
    names = {str(id(layer)): layer.name for layer in model.layers}
    assert sorted((names[s], names[t]) for s, t in dot.edges) == [("a", "sum"), ("b", "sum"), ("sum", "out")]
    out_label = labels[str(id(model.get_layer("out")))]
    assert "out (Dense)" in out_label and "(None, 1)" in out_label
    assert keras.utils.plot_model(model, to_file=str(tmp_path / "m.svg")) is None
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"), colour=True)


def test_more_metrics_match_keras():
    y_true = np.array([[1.0, 2.0], [3.0, 0.5]])
    y_pred = np.array([[1.5, 2.0], [2.0, 1.0]])
    want = {"mean_absolute_percentage_error": 80.55555725097656,
            "mean_squared_logarithmic_error": 0.15945179760456085, "root_mean_squared_error": 1.2583057880401611}
    for cls in (keras.metrics.MeanAbsolutePercentageError, keras.metrics.MeanSquaredLogarithmicError,
                keras.metrics.RootMeanSquaredError):
        metric = cls()
        metric.update_state(y_true, y_pred)
        metric.update_state(y_true, y_pred * 2, sample_weight=np.array([1.0, 0.0]))
        assert float(metric.result()) == pytest.approx(want[metric.name], rel=1e-6)
    assert isinstance(keras.metrics.get("mape"), keras.metrics.MeanAbsolutePercentageError)


def test_metric_add_variable_and_reset():
    class Count(keras.metrics.Metric):
        def __init__(self, **kwargs):
            super().__init__(name="count", **kwargs)
            self.seen = self.add_variable(shape=(), initializer="zeros", name="seen")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.seen.assign_add(np.float32(len(y_true)))

        def result(self):
            return self.seen

    metric = Count()
    metric.update_state(np.zeros(3), np.zeros(3))
    metric.update_state(np.zeros(2), np.zeros(2))
    assert float(metric.result()) == 5.0 and [v.name for v in metric.variables] == ["seen"]
    metric.reset_state()  # the default reset puts the variables back to their initializer
    assert float(metric.result()) == 0.0


def test_model_checkpoint_every_n_batches(tmp_path):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    path = os.path.join(tmp_path, "m-{epoch}-{batch}.weights.h5")
    cb = keras.callbacks.ModelCheckpoint(path, save_weights_only=True, save_freq=3)
    model.fit(np.ones((40, 3)), np.ones((40, 1)), batch_size=8, epochs=2, callbacks=[cb], verbose=0)
    assert sorted(os.listdir(tmp_path)) == ["m-1-3.weights.h5", "m-2-1.weights.h5", "m-2-4.weights.h5"]
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        keras.callbacks.ModelCheckpoint("m.keras", save_freq="batch")


def test_tensorboard_callback_writes_train_and_validation_runs(tmp_path):
    pytest.importorskip("tensorboardX")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    model.fit(np.ones((20, 3)), np.ones((20, 1)), epochs=2, validation_split=0.2, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(log_dir=str(tmp_path))])
    for run in ("train", "validation"):
        assert any(name.startswith("events.out.tfevents") for name in os.listdir(tmp_path / run))
    with pytest.raises(NotImplementedError, match="profile_batch"):
        keras.callbacks.TensorBoard(profile_batch=2)
