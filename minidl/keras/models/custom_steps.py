"""User ``train_step`` / ``test_step`` / ``predict_step`` overrides and ``Model.metrics``, as Keras 3 runs them.

A subclass of ``keras.Model`` may override the step functions (keras.io's "Customizing what happens in
``fit()``" guide, its PyTorch version written with ``minidl`` as ``torch``)::

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        grads = [v.value.grad for v in self.trainable_weights]
        with minidl.no_grad():
            self.optimizer.apply(grads, self.trainable_weights)
        for metric in self.metrics:
            metric.update_state(loss) if metric.name == "loss" else metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

``fit`` / ``evaluate`` / ``predict`` then call the override once per batch with Keras' ``data``: ``x``
alone, ``(x, y)`` or ``(x, y, sample_weight)``, as minidl Tensors in Keras' layout (floating arrays as
float32, as Keras' data adapters cast them). The returned dict (a metric's ``result()``, a nested dict
such as ``compile_metrics``' result, Tensors or numbers) becomes the batch's logs. Every metric in
``model.metrics`` is reset at the start of each epoch and of ``evaluate``.

``model.metrics`` is Keras' list: after ``compile`` the loss tracker (a ``Mean`` named ``"loss"``) and,
when metrics were compiled, ``compile_metrics`` (its ``update_state(y, y_pred, sample_weight)`` feeds the
compiled metrics, its ``result()`` is the dict of their values), then the ``Metric`` objects held as
attributes of the model and of its layers.
"""
from __future__ import annotations

import numpy as np

from minidl.keras._tensor import as_tensor, numpy_of
from minidl.tensor import Tensor

__all__ = ["StepsMixin", "CompileMetrics", "overrides", "model_metrics", "step_data", "logs_of", "ordered_results",
           "predict_outputs"]


class StepsMixin:
    """Keras' step methods of ``Model`` (the built-in ones, for ``super().train_step(data)``), ``metrics``,
    ``compute_metrics`` and ``get_metrics_result``."""

    @property
    def metrics(self) -> list:
        """Keras' list: the loss tracker and ``compile_metrics`` (after ``compile``), then the ``Metric``
        objects the model and its layers hold."""
        return model_metrics(self)

    def train_step(self, data):
        """Keras' built-in training step on one batch ``data`` (``x``, ``(x, y)`` or ``(x, y,
        sample_weight)``); returns the logs so far. Override it to customise ``fit``."""
        from minidl.keras.models.data import to_arrays
        x, y, sw = unpack(data)
        self._train_batch(to_arrays(x), to_arrays(y), to_arrays(sw), loss_tracker(self))
        return self._logs(loss_tracker(self))

    def test_step(self, data):
        """Keras' built-in evaluation step on one batch; returns the logs so far (override to customise)."""
        from minidl.keras.models.data import to_arrays
        x, y, sw = unpack(data)
        self._test_batch(to_arrays(x), to_arrays(y), to_arrays(sw), loss_tracker(self))
        return self._logs(loss_tracker(self))

    def predict_step(self, data):
        """Keras' built-in prediction step: the model's outputs on the batch's ``x``."""
        return self(unpack(data)[0], training=False)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Keras' hook: update the compiled metrics with ``(y, y_pred)`` and return
        :meth:`get_metrics_result`."""
        if getattr(self, "compiled", False) and self._heads.has_metrics():
            model_metrics(self)[1].update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_compile_config(self) -> dict:
        """Keras' serialized ``compile`` arguments (optimizer, loss, metrics, ...); ``{}`` before ``compile``."""
        if not getattr(self, "compiled", False):
            return {}
        from minidl.keras.models.saving import _json_value
        return _json_value(self._compile_args)

    def compile_from_config(self, config) -> None:
        """Compile with the arguments of :meth:`get_compile_config`'s dict."""
        from minidl.keras.models.saving import _compile_from
        _compile_from(self, config, None)

    def get_metrics_result(self) -> dict:
        """``{name: result}`` of every metric in :attr:`metrics` (a dict result merged in)."""
        out = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[metric.name] = result
        return out


def unpack(data):
    """Keras' ``unpack_x_y_sample_weight``: ``(x, y, sample_weight)`` of a step's ``data``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found: {data}")


def overrides(model, name) -> bool:
    """True when ``model``'s class overrides the step method ``name`` of Keras' ``Model``."""
    from minidl.keras.models.training import TrainingMixin
    return getattr(type(model), name, None) is not getattr(TrainingMixin, name)


class CompileMetrics:
    """Keras' ``compile_metrics``: the metrics given to ``compile`` as one metric object."""

    name = "compile_metrics"

    def __init__(self, model):
        self._model = model

    @property
    def metrics(self) -> list:
        """The compiled metric objects (one list over all outputs)."""
        return [metric for metric, _, _ in self._model._heads.ordered_metrics()]

    @property
    def variables(self) -> list:
        """The compiled metrics' state variables, in order (Keras' ``compile_metrics.variables``)."""
        return [v for metric in self.metrics for v in getattr(metric, "variables", [])]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate one batch: ``y_pred`` the model's output(s), ``y_true`` the matching target(s)."""
        model = self._model
        outs = list(y_pred) if isinstance(y_pred, (list, tuple)) else \
            [y_pred[k] for k in model._heads.keys] if isinstance(y_pred, dict) else [y_pred]
        outs_np = [np.asarray(numpy_of(o.detach() if isinstance(o, Tensor) else o)) for o in outs]
        ys, sws = model._targets(_arrays(y_true), _arrays(sample_weight))
        model._first_batch_checks(ys, outs_np)
        model._heads.update(ys, outs_np, sws, [None] * len(outs_np), len(outs_np[0]), [None] * len(outs_np))

    def result(self) -> dict:
        """``{metric log name: value}`` of the compiled metrics."""
        return self._model._heads.metric_results()

    def reset_state(self):
        """Forget the accumulated values."""
        self._model._heads.reset()

    def __repr__(self):
        return "<CompileMetrics name=compile_metrics>"


def _arrays(value):
    """Targets / weights (Tensors, arrays, lists or dicts of them) as NumPy arrays, structure kept."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _arrays(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_arrays(v) for v in value]
    return np.asarray(numpy_of(value.detach() if isinstance(value, Tensor) else value))


def model_metrics(model) -> list:
    """Keras' ``Model.metrics``: the compiled trackers, then the metrics the model and its layers hold."""
    from minidl.keras.layers.base import Layer
    from minidl.keras.metrics import Metric
    out = []
    if getattr(model, "compiled", False):
        out.append(loss_tracker(model))
        if model._heads.has_metrics():
            if "_compile_metrics_object" not in model.__dict__:
                model.__dict__["_compile_metrics_object"] = CompileMetrics(model)
            out.append(model.__dict__["_compile_metrics_object"])
        out += model._heads.output_loss_trackers()
    seen = {id(m) for m in out}
    for layer in model.modules():
        if layer is not model and (not isinstance(layer, Layer) or getattr(layer, "compiled", False)):
            continue  # (a compiled sub-model is a trainer of its own, as Keras skips it)
        for value in vars(layer).values():
            if isinstance(value, Metric) and id(value) not in seen:
                seen.add(id(value))
                out.append(value)
    return out


def loss_tracker(model):
    """The model's own loss tracker (``Mean(name="loss")``), made on first use."""
    from minidl.keras.metrics import Mean
    if "_loss_tracker_object" not in model.__dict__:
        model.__dict__["_loss_tracker_object"] = Mean(name="loss")
    return model.__dict__["_loss_tracker_object"]


def _tensor(value):
    """A batch leaf as a Keras-layout minidl Tensor: floating arrays as float32, integers and text kept."""
    if value is None or isinstance(value, Tensor):
        return value
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is None:
        value = np.asarray(value)
        kind = value.dtype.kind
    return as_tensor(value, dtype=np.float32 if kind == "f" else None)


def _structure(value):
    if isinstance(value, dict):
        return {k: _structure(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_structure(v) for v in value) if isinstance(value, list) else \
            tuple(_structure(v) for v in value)
    return _tensor(value)


def step_data(x, y=None, sample_weight=None):
    """Keras' ``data`` for a step: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``, as Tensors."""
    x = _structure(x)
    if y is None and sample_weight is None:
        return x
    if sample_weight is None:
        return (x, _structure(y))
    return (x, _structure(y), _structure(sample_weight))


def _log_value(value):
    array = np.asarray(numpy_of(value.detach() if isinstance(value, Tensor) else value), dtype=np.float64)
    return float(array) if array.ndim == 0 else array


def logs_of(result) -> dict:
    """A step's returned dict as logs: nested dicts (``compile_metrics``' result) merged in, values as
    floats (arrays for per-class metrics)."""
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise TypeError(f"A train_step/test_step must return a dict of logs, got {type(result).__name__}")
    logs = {}
    for key, value in result.items():
        if isinstance(value, dict):
            logs.update(logs_of(value))
        else:
            logs[key] = _log_value(value)
    return logs


def ordered_results(model, logs):
    """``evaluate``'s list after a custom ``test_step``: the values of ``model.metrics`` in order
    (``compile_metrics`` expanded), then the other logs sorted by name; one value alone unwrapped."""
    names = []
    for metric in model.metrics:
        if isinstance(metric, CompileMetrics):
            names += [m.name for m in metric.metrics]
        else:
            names.append(metric.name)
    values = [logs[n] for n in names if n in logs] + [logs[k] for k in sorted(logs) if k not in names]
    return values[0] if len(values) == 1 else values


def predict_outputs(outputs):
    """A ``predict_step``'s return value as NumPy arrays (structure kept)."""
    if isinstance(outputs, dict):
        return {k: predict_outputs(v) for k, v in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return [predict_outputs(v) for v in outputs]
    return np.array(numpy_of(outputs.detach() if isinstance(outputs, Tensor) else outputs), copy=True)


def reset_metrics(model):
    """Reset every metric of ``model.metrics`` (the start of an epoch, of ``evaluate``)."""
    for metric in model.metrics:
        metric.reset_state()


def train_batch(model, x, y, sample_weight) -> dict:
    """One batch through the user's ``train_step``; returns its logs."""
    model._ensure_ready(x, y)
    return logs_of(model.train_step(step_data(x, y, sample_weight)))


def evaluate_batches(model, data, callbacks) -> dict:
    """``evaluate``'s loop through the user's ``test_step``; returns the last batch's logs."""
    from minidl.autograd import no_grad
    reset_metrics(model)
    callbacks.on_test_begin({})
    logs, step = {}, -1
    for step, (x, y, sample_weight) in enumerate(data.epoch()):
        callbacks.on_test_batch_begin(step, {})
        if not model.built:
            model._build_from_data(x)
        with no_grad():
            logs = logs_of(model.test_step(step_data(x, y, sample_weight)))
        callbacks.on_test_batch_end(step, logs)
    if step < 0:
        raise ValueError("The evaluation data yielded no batches")
    callbacks.on_test_end(logs)
    return logs


def predict_batch(model, x):
    """One batch through the user's ``predict_step``, as NumPy arrays."""
    from minidl.autograd import no_grad
    if not model.built:
        model._build_from_data(x)
    with no_grad():
        return predict_outputs(model.predict_step(step_data(x)))
